//! Kind words the API server serves beyond the planner's own lists: custom
//! resources and the rarer built-in kinds, read from discovery. The words are
//! the operator's (a request says "crontabs"); discovery only says which of
//! them name a kind, so nothing read from the cluster becomes an operation by
//! itself, and the planner stays a function of the request and its context.

use std::collections::HashMap;

use super::Planned;
use super::words::{
    builtin_resource_word, is_function_word, is_stopword, kind_word, number, tokenize,
};
use crate::ops::Operation;
use crate::ops::discovery::ResourceInfo;

/// The words naming the kinds discovery found that the planner's word lists do
/// not know, each with the resource it names and whether the word is plural.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoveredKinds {
    words: HashMap<String, KindWord>,
}

/// One word of a discovered kind.
#[derive(Debug, Clone, PartialEq)]
struct KindWord {
    /// kubectl's name of the resource: `plural.group`, or the plural for the core group.
    resource: String,
    plural: bool,
}

impl DiscoveredKinds {
    /// The words of `resources`, in the server's order: when two groups serve
    /// the same word, the first one (the core group, then the server's order)
    /// keeps it, as kubectl and [`crate::ops::discovery::Catalog::find`] choose.
    /// Secrets are left out (never read), and so are kinds that cannot be read
    /// (review APIs that only take `create`) and every word the planner already
    /// reads otherwise: built-in kinds, grammar words, command words, numbers.
    pub fn from_resources(resources: &[ResourceInfo]) -> Self {
        let mut words = HashMap::new();
        for r in resources {
            let readable = r.verbs.is_empty() || r.verbs.iter().any(|v| v == "get" || v == "list");
            if (r.group.is_empty() && r.plural == "secrets") || !readable {
                continue;
            }
            let resource = if r.group.is_empty() {
                r.plural.clone()
            } else {
                format!("{}.{}", r.plural, r.group)
            };
            let singular = r.singular.to_ascii_lowercase();
            let plural_word = r.plural.to_ascii_lowercase();
            let kind = r.kind.to_ascii_lowercase();
            let mut said: Vec<(String, bool)> = vec![
                (plural_word.clone(), true),
                (singular.clone(), false),
                (kind, false),
            ];
            if !r.group.is_empty() {
                said.push((format!("{plural_word}.{}", r.group), true));
                said.push((format!("{singular}.{}", r.group), false));
            }
            for short in &r.short_names {
                let short = short.to_ascii_lowercase();
                // "certs" beside "cert": the longer one is the plural.
                let plural = short
                    .strip_suffix('s')
                    .is_some_and(|stem| r.short_names.iter().any(|s| s.eq_ignore_ascii_case(stem)));
                said.push((short, plural));
            }
            for (word, plural) in said {
                if !Self::may_be_read_as_a_kind(&word) {
                    continue;
                }
                words.entry(word).or_insert_with(|| KindWord {
                    resource: resource.clone(),
                    plural,
                });
            }
        }
        Self { words }
    }

    /// A word discovery may claim: not a kind or resource the planner's own
    /// lists know, and no word the planner reads as something else.
    fn may_be_read_as_a_kind(w: &str) -> bool {
        !w.is_empty()
            && kind_word(w).is_none()
            && builtin_resource_word(w).is_none()
            && !is_function_word(w)
            && !is_stopword(w)
            && number(w).is_none()
    }

    /// The resource `w` names and whether it is plural, when discovery found it.
    pub fn lookup(&self, w: &str) -> Option<(&str, bool)> {
        self.words.get(w).map(|k| (k.resource.as_str(), k.plural))
    }

    /// True when `w` names a discovered kind.
    pub fn knows(&self, w: &str) -> bool {
        self.words.contains_key(w)
    }

    /// True when no kind was found beyond the planner's own.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// The request's words that could name a kind discovery knows: none of the
/// planner's own kind words, grammar or command words, numbers, flags, pairs or
/// images. A request without such a word needs no discovery to be planned.
pub fn unclaimed_words(text: &str) -> Vec<String> {
    tokenize(text)
        .into_iter()
        .filter(|w| {
            DiscoveredKinds::may_be_read_as_a_kind(w)
                && w.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .collect()
}

/// Whether planning `text` again with the server's kinds could change what
/// the planner made of it without them (`first`): only a request with an
/// unclaimed word whose plan took a word for a name of no said kind, read the
/// cluster as a whole, or understood nothing. A plan whose objects all have
/// their kind said ("scale deployment web to 3", "list pods") stays as it is,
/// with no discovery.
pub fn may_name_a_discovered_kind(text: &str, first: &Planned) -> bool {
    if unclaimed_words(text).is_empty() {
        return false;
    }
    let Planned::Plan(plan) = first else {
        return matches!(first, Planned::Unplannable(_));
    };
    plan.steps.iter().any(|op| match op.target() {
        Some(t) => t.kind.is_none() && t.resource.is_none(),
        None => matches!(
            op,
            Operation::Health(_)
                | Operation::Diagnose(_)
                | Operation::Events(_)
                | Operation::Optimize(_)
                | Operation::Fix(_)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, plural: &str, kind: &str, short: &[&str], verbs: &[&str]) -> ResourceInfo {
        ResourceInfo {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            singular: kind.to_ascii_lowercase(),
            kind: kind.into(),
            short_names: short.iter().map(|s| s.to_string()).collect(),
            namespaced: true,
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn every_word_of_a_custom_kind_names_it_and_built_in_words_stay_the_planners() {
        let rw = &["get", "list", "delete"];
        let k = DiscoveredKinds::from_resources(&[
            info("", "secrets", "Secret", &[], rw),
            info("", "pods", "Pod", &["po"], rw),
            info(
                "",
                "componentstatuses",
                "ComponentStatus",
                &["cs"],
                &["get", "list"],
            ),
            info(
                "authorization.k8s.io",
                "selfsubjectaccessreviews",
                "SelfSubjectAccessReview",
                &[],
                &["create"],
            ),
            info("stable.example.com", "crontabs", "CronTab", &["ct"], rw),
            info(
                "cert.example.net",
                "certificates",
                "Certificate",
                &["cert", "certs"],
                rw,
            ),
            info("other.example.com", "crontabs", "CronTab", &["ct"], rw),
            info("x.example.com", "statuses", "Status", &["all"], rw),
        ]);
        assert_eq!(
            k.lookup("crontabs"),
            Some(("crontabs.stable.example.com", true))
        );
        assert_eq!(
            k.lookup("crontab"),
            Some(("crontabs.stable.example.com", false))
        );
        assert_eq!(k.lookup("ct"), Some(("crontabs.stable.example.com", false)));
        assert_eq!(
            k.lookup("crontabs.stable.example.com"),
            Some(("crontabs.stable.example.com", true))
        );
        assert_eq!(
            k.lookup("crontabs.other.example.com"),
            Some(("crontabs.other.example.com", true)),
            "a group's own qualified word reaches it"
        );
        assert_eq!(
            k.lookup("certs"),
            Some(("certificates.cert.example.net", true))
        );
        assert_eq!(
            k.lookup("cert"),
            Some(("certificates.cert.example.net", false))
        );
        assert_eq!(k.lookup("cs"), Some(("componentstatuses", false)));
        for never in [
            "secrets",
            "secret",
            "pods",
            "po",
            "selfsubjectaccessreviews",
            "all",
            "status",
        ] {
            assert!(
                !k.knows(never),
                "{never} must not become a discovered kind word"
            );
        }
    }
}
