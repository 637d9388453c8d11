//! Word lists and token helpers for the offline planner.

use super::discovered::DiscoveredKinds;
use crate::ops::Kind;

/// Normalise a request into lowercase tokens. Characters that occur in names,
/// images and quantities (`-./:=@`) stay inside tokens.
pub fn tokenize(text: &str) -> Vec<String> {
    let lowered = text
        .to_lowercase()
        .replace(['’', '‘'], "'")
        .replace(['“', '”'], "\"")
        .replace('%', " percent ");
    let lowered = drop_apostrophes(&unquote(&lowered));
    let cleaned: String = lowered
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-./:=@_".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    // "cpu=200m" reads as "cpu 200m"; kubectl flags ("--replicas=3") stay whole.
    let spaced: Vec<String> = cleaned
        .split_whitespace()
        .map(|t| {
            if t.starts_with("--") {
                t.to_string()
            } else {
                t.replacen('=', " ", 1)
            }
        })
        .collect();
    let spaced = spaced.join(" ");
    let mut tokens: Vec<String> = spaced
        .split_whitespace()
        .map(|t| {
            let t = t.trim_end_matches(['.', ':', '/']);
            if t == "-n" || t == "-a" || t.starts_with("--") {
                t.to_string()
            } else {
                t.trim_matches('-').to_string()
            }
        })
        .filter(|t| !t.is_empty())
        .collect();
    // Spoken forms of the two names this tool is asked about most.
    let mut i = 0;
    while i + 1 < tokens.len() {
        let joined = match (tokens[i].as_str(), tokens[i + 1].as_str()) {
            ("front", "end") | ("front", "ends") => Some("frontend"),
            ("back", "end") | ("back", "ends") => Some("backend"),
            ("roll", "back") => Some("rollback"),
            ("scale", "up") => Some("scaleup"),
            ("scale", "down") => Some("scaledown"),
            _ => None,
        };
        if let Some(j) = joined {
            tokens[i] = j.to_string();
            tokens.remove(i + 1);
        }
        i += 1;
    }
    tokens
}

/// Quotes around a name or phrase ('web-app', "scale-test") are removed, so the
/// quoted text reads as the words it holds. A quote opens only at the start of a
/// word and closes only at the end of one: the apostrophe of "what's" is no quote.
fn unquote(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    for (open, close) in quoted_spans(&chars) {
        out.extend(&chars[i..open]);
        out.push(' ');
        out.extend(&chars[open + 1..close]);
        out.push(' ');
        i = close + 1;
    }
    out.extend(&chars[i..]);
    out
}

/// Where each quoted stretch opens and closes (the quote characters' indices), by
/// the rule [`unquote`] states.
fn quoted_spans(chars: &[char]) -> Vec<(usize, usize)> {
    let word_edge = |c: Option<&char>| c.is_none_or(|c| !c.is_alphanumeric());
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if (c == '\'' || c == '"') && (i == 0 || word_edge(chars.get(i - 1))) {
            let close = (i + 1..chars.len())
                .find(|&j| chars[j] == c && j > i + 1 && word_edge(chars.get(j + 1)));
            if let Some(j) = close {
                spans.push((i, j));
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    spans
}

/// The tokens a request quotes as one word ('status', "app"): quoting a single
/// word marks it as a name, even a word that otherwise says what to do. A quoted
/// phrase of several words is a phrase, not a name.
pub fn quoted_names(text: &str) -> Vec<String> {
    let lowered = text
        .to_lowercase()
        .replace(['’', '‘'], "'")
        .replace(['“', '”'], "\"");
    let chars: Vec<char> = lowered.chars().collect();
    quoted_spans(&chars)
        .into_iter()
        .filter_map(|(open, close)| {
            let inner: String = chars[open + 1..close].iter().collect();
            match tokenize(&inner).as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            }
        })
        .collect()
}

/// "what's" reads as "what", "isn't" as "isnt": possessives and contractions
/// lose their apostrophe without splitting the word.
fn drop_apostrophes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\'' {
            let possessive = chars.get(i + 1) == Some(&'s')
                && chars.get(i + 2).is_none_or(|c| !c.is_alphanumeric());
            i += if possessive { 2 } else { 1 };
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A kind named by a word, and whether the word was plural.
pub fn kind_word(w: &str) -> Option<(Kind, bool)> {
    Some(match w {
        "pod" => (Kind::Pod, false),
        "pods" | "po" => (Kind::Pod, true),
        "deployment" | "deploy" => (Kind::Deployment, false),
        "deployments" | "deploys" => (Kind::Deployment, true),
        "service" | "svc" => (Kind::Service, false),
        "services" | "svcs" => (Kind::Service, true),
        "node" => (Kind::Node, false),
        "nodes" => (Kind::Node, true),
        "statefulset" | "sts" => (Kind::StatefulSet, false),
        "statefulsets" => (Kind::StatefulSet, true),
        "daemonset" | "ds" => (Kind::DaemonSet, false),
        "daemonsets" => (Kind::DaemonSet, true),
        "replicaset" | "rs" => (Kind::ReplicaSet, false),
        "replicasets" => (Kind::ReplicaSet, true),
        "job" => (Kind::Job, false),
        "jobs" => (Kind::Job, true),
        "pvc" | "persistentvolumeclaim" => (Kind::PersistentVolumeClaim, false),
        "pvcs" | "persistentvolumeclaims" => (Kind::PersistentVolumeClaim, true),
        "configmap" | "cm" => (Kind::ConfigMap, false),
        "configmaps" => (Kind::ConfigMap, true),
        "namespaces" => (Kind::Namespace, true),
        "event" => (Kind::Event, false),
        "events" => (Kind::Event, true),
        _ => return None,
    })
}

/// A kind the planner has no typed [`Kind`] for, as a kubectl resource name that
/// discovery resolves (`ingresses`, `horizontalpodautoscalers`), and whether the
/// word was plural. kubectl's short names count (`hpa`, `ing`, `pv`, `sa`, ...).
/// Secrets are not here: they are never read.
pub fn builtin_resource_word(w: &str) -> Option<(&'static str, bool)> {
    const RESOURCES: &[(&str, &[&str], &[&str])] = &[
        (
            "horizontalpodautoscalers",
            &["hpa", "horizontalpodautoscaler", "autoscaler"],
            &["hpas", "horizontalpodautoscalers", "autoscalers"],
        ),
        ("ingresses", &["ing", "ingress"], &["ingresses"]),
        (
            "persistentvolumes",
            &["pv", "persistentvolume"],
            &["pvs", "persistentvolumes"],
        ),
        (
            "serviceaccounts",
            &["sa", "serviceaccount"],
            &["serviceaccounts"],
        ),
        ("cronjobs", &["cj", "cronjob"], &["cronjobs"]),
        (
            "networkpolicies",
            &["netpol", "networkpolicy"],
            &["netpols", "networkpolicies"],
        ),
        (
            "storageclasses",
            &["sc", "storageclass"],
            &["storageclasses"],
        ),
        (
            "customresourcedefinitions",
            &["crd", "customresourcedefinition"],
            &["crds", "customresourcedefinitions"],
        ),
        (
            "poddisruptionbudgets",
            &["pdb", "poddisruptionbudget"],
            &["pdbs", "poddisruptionbudgets"],
        ),
        ("roles", &["role"], &["roles"]),
        ("rolebindings", &["rolebinding"], &["rolebindings"]),
        ("clusterroles", &["clusterrole"], &["clusterroles"]),
        (
            "clusterrolebindings",
            &["clusterrolebinding"],
            &["clusterrolebindings"],
        ),
        ("endpoints", &["ep"], &["endpoints"]),
        (
            "resourcequotas",
            &["quota", "resourcequota"],
            &["quotas", "resourcequotas"],
        ),
        ("limitranges", &["limitrange"], &["limitranges"]),
    ];
    RESOURCES.iter().find_map(|(name, singular, plural)| {
        if singular.contains(&w) {
            Some((*name, false))
        } else if plural.contains(&w) {
            Some((*name, true))
        } else {
            None
        }
    })
}

/// A kind named by a word that has no typed [`Kind`]: one of the planner's own
/// ([`builtin_resource_word`]) or one discovery found on the server (custom
/// resources), as the kubectl resource name the resolver finds, and whether the
/// word was plural.
pub fn resource_word<'a>(
    w: &'a str,
    discovered: Option<&'a DiscoveredKinds>,
) -> Option<(&'a str, bool)> {
    builtin_resource_word(w).or_else(|| discovered.and_then(|d| d.lookup(w)))
}

/// Small numbers as words or digits.
pub fn number(w: &str) -> Option<u32> {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    if let Some(i) = WORDS.iter().position(|x| *x == w) {
        return Some(i as u32);
    }
    if w.len() <= 4 && w.chars().all(|c| c.is_ascii_digit()) {
        return w.parse().ok();
    }
    None
}

/// Words not read as the name of an object unless said where a name must be
/// (right after a kind noun, or quoted), from `stopwords.txt`.
const STOPWORDS: &str = include_str!("stopwords.txt");

/// The grammar words among the stopwords (articles, prepositions, pronouns,
/// auxiliaries), from `function_words.txt`: never a name, even right after a kind
/// noun ("scale the deployment to 3").
const FUNCTION_WORDS: &str = include_str!("function_words.txt");

fn word_list(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// True for a grammar word, which no object is named by (see [`FUNCTION_WORDS`]).
pub fn is_function_word(w: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| word_list(FUNCTION_WORDS).collect())
        .contains(w)
}

fn stopwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| word_list(STOPWORDS).collect())
}

/// Words not read as a name unless said where a name must be (see [`STOPWORDS`]).
pub fn is_stopword(w: &str) -> bool {
    stopwords().contains(w)
}

/// A token that looks like a container image reference (`repo/name:tag`, `name@sha256:...`).
pub fn is_image(w: &str) -> bool {
    let has_tag = w.contains(':') && !w.starts_with("http") && !w.ends_with(':');
    let has_digest = w.contains("@sha256:");
    (has_tag || has_digest)
        && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && !w.contains("::")
}

/// A CPU or memory quantity as written by a person, normalised to Kubernetes
/// notation (`512mi` → `512Mi`). Returns (quantity, is_memory_by_unit, is_cpu_by_unit).
pub fn quantity(w: &str) -> Option<(String, bool, bool)> {
    let digits_end = w
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(w.len());
    let (num, unit) = w.split_at(digits_end);
    if num.is_empty() || num.parse::<f64>().is_err() {
        return None;
    }
    let (unit, mem, cpu) = match unit {
        "" => ("", false, false),
        "m" => ("m", false, true),
        "mi" | "mib" => ("Mi", true, false),
        "gi" | "gib" => ("Gi", true, false),
        "ki" | "kib" => ("Ki", true, false),
        "mb" | "m_b" => ("M", true, false),
        "gb" => ("G", true, false),
        "g" => ("G", true, false),
        "k" | "kb" => ("k", true, false),
        _ => return None,
    };
    Some((format!("{num}{unit}"), mem, cpu))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_names_images_and_quantities() {
        assert_eq!(
            tokenize("What's wrong with todo-frontend?"),
            ["what", "wrong", "with", "todo-frontend"]
        );
        assert_eq!(
            tokenize("Set image to busybox:1.36."),
            ["set", "image", "to", "busybox:1.36"]
        );
        assert_eq!(
            tokenize("the front end, please"),
            ["the", "frontend", "please"]
        );
        assert_eq!(tokenize("limit to 512Mi"), ["limit", "to", "512mi"]);
        assert_eq!(
            tokenize("deployment 'web-app' in namespace 'scale-test'"),
            ["deployment", "web-app", "in", "namespace", "scale-test"]
        );
        assert_eq!(
            tokenize("scale \"scale-test\" by 50%"),
            ["scale", "scale-test", "by", "50", "percent"]
        );
        assert_eq!(tokenize("the backend's logs"), ["the", "backend", "logs"]);
        assert_eq!(tokenize("why isn't it up"), ["why", "isnt", "it", "up"]);
    }

    #[test]
    fn vocabulary_lists_each_word_once() {
        let mut seen = std::collections::HashSet::new();
        for w in word_list(STOPWORDS) {
            assert!(seen.insert(w), "stopwords.txt lists {w:?} twice");
            assert_eq!(w, w.to_lowercase(), "stopwords are lowercase tokens");
        }
        let mut seen = std::collections::HashSet::new();
        for w in word_list(FUNCTION_WORDS) {
            assert!(seen.insert(w), "function_words.txt lists {w:?} twice");
            assert!(
                is_stopword(w),
                "function word {w:?} must be a stopword too: it is never a name"
            );
        }
    }

    #[test]
    fn a_single_quoted_word_is_a_name_and_a_quoted_phrase_is_not() {
        assert_eq!(quoted_names("restart the 'status' deployment"), ["status"]);
        assert_eq!(
            quoted_names("deployment \"Web-App\" in namespace 'scale-test'"),
            ["web-app", "scale-test"]
        );
        assert!(quoted_names("say 'scale up now' please").is_empty());
        assert!(quoted_names("what's the backend's state").is_empty());
    }

    #[test]
    fn quantities_normalise() {
        assert_eq!(quantity("512mi"), Some(("512Mi".into(), true, false)));
        assert_eq!(quantity("250m"), Some(("250m".into(), false, true)));
        assert_eq!(quantity("0.5"), Some(("0.5".into(), false, false)));
        assert_eq!(quantity("frontend"), None);
    }
}
