//! The registry: every operation declared once, in its family's file, with its
//! name, class, description, JSON schema of its arguments, an example, and the
//! words that ask for it. The planner, the safety check, the LLM and MCP tool
//! lists, the audit and the renderers all read it; `tests` below fail when an
//! operation of [`Operation`] has no entry, or an entry drifts from the enum.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Operation;

/// What an operation may do to the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Only reads.
    Read,
    /// Changes the cluster: shown as a plan and confirmed first.
    Write,
    /// Takes away something hard to get back: confirmed by typing the object's name.
    Destructive,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Read => "read",
            Class::Write => "write",
            Class::Destructive => "destructive",
        }
    }
}

/// One operation's declaration.
#[derive(Debug, Clone, Copy)]
pub struct OpSpec {
    /// The tool name and the `op` tag of its JSON.
    pub name: &'static str,
    pub class: Class,
    /// What it does, for the LLM and MCP tool lists and `--help`-like listings.
    pub description: &'static str,
    /// JSON schema of its arguments.
    pub schema: fn() -> Value,
    /// A complete example (tests render it and round-trip it through the tool parser).
    pub example: fn() -> Operation,
    /// Words of a request that ask for this operation. A word belongs to one
    /// operation only (a test checks), so planner and safety cannot disagree.
    pub words: &'static [&'static str],
    /// When not empty, a request asks for the operation only if it also has one
    /// of these words ("delete" asks for delete_pod only with "pod").
    pub with_words: &'static [&'static str],
}

impl OpSpec {
    /// Does a tokenised request ask for this operation, by its words alone?
    ///
    /// A word counts in its verb forms too ("scaling", "restarted", "deleting": see
    /// [`says`]). The create family's words are nouns that need a create word said
    /// of them ([`super::manifest::creation_said`]): "create a deployment", not
    /// "what's new in the deployment" or "set the deployment's image".
    pub fn asked_by(&self, tokens: &[String]) -> bool {
        let mut at = (0..tokens.len()).filter(|&i| says(self.words, &tokens[i]));
        if self.with_words.is_empty() {
            return at.next().is_some();
        }
        if self.with_words == super::manifest::CREATE_WORDS {
            return at.any(|i| super::manifest::creation_said(tokens, i));
        }
        at.next().is_some() && tokens.iter().any(|t| says(self.with_words, t))
    }
}

/// True when `token` is one of `words` or a verb form of one.
pub(super) fn says(words: &[&str], token: &str) -> bool {
    words.iter().any(|w| *w == token || inflects(token, w))
}

/// `token` is `word` with a verb's ending: -ed, -ing, with a final e dropped
/// ("scaling", "deleted") or a final consonant doubled ("stopped"). Words under
/// four letters ("set", "add", "run") are too short to inflect safely, and a
/// plural -s is not an inflection here: "images" asks about images, not to set one.
fn inflects(token: &str, word: &str) -> bool {
    if word.len() < 4 || token.len() <= word.len() || !word.is_ascii() {
        return false;
    }
    let Some(rest) = token.strip_prefix(word.trim_end_matches('e')) else {
        return false;
    };
    let stem_dropped_e = word.ends_with('e');
    let last = word.chars().last().unwrap_or(' ');
    let doubled = format!("{last}");
    match rest {
        "ed" | "ing" => true,
        // "scale" + "d": the e is the word's own.
        "d" => stem_dropped_e,
        _ => {
            let double_ends = !"aeiouwxy".contains(last)
                && (rest == format!("{doubled}ed") || rest == format!("{doubled}ing"));
            !stem_dropped_e && double_ends
        }
    }
}

/// Writes that have no further effect when repeated with the same arguments
/// (they set a value rather than change it by a step). MCP offers this as
/// idempotentHint; a test checks each name is a registered write.
/// `rollout_restart`/`rollout_undo` move to a new revision each time, and
/// `delete_pod` makes the controller start another pod, so they are not here.
const IDEMPOTENT_WRITES: &[&str] = &[
    "set_image",
    "set_resources",
    "set_env",
    "patch",
    "restore",
    "cordon",
    "uncordon",
    "rollout_pause",
    "rollout_resume",
];

impl OpSpec {
    /// Repeating the call changes nothing more: every read, and the writes of
    /// [`IDEMPOTENT_WRITES`]. `scale` is not, since "by 2" or "by 50%" steps.
    pub fn idempotent(&self) -> bool {
        self.class == Class::Read || IDEMPOTENT_WRITES.contains(&self.name)
    }
}

/// The JSON schema of an argument type, without the envelope fields tools do not take.
pub fn schema_of<T: JsonSchema>() -> Value {
    let mut v = serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
    }
    v
}

/// Every operation, family by family, in a fixed order.
pub fn all() -> impl Iterator<Item = &'static OpSpec> {
    super::read::SPECS
        .iter()
        .chain(super::analysis::SPECS.iter())
        .chain(super::workload::SPECS.iter())
        .chain(super::object::SPECS.iter())
        .chain(super::manifest::SPECS.iter())
        .chain(super::node::SPECS.iter())
        .chain(crate::fix::SPECS.iter())
}

/// The declaration of the operation called `name`.
pub fn find(name: &str) -> Option<&'static OpSpec> {
    all().find(|s| s.name == name)
}

/// The words that ask for the operation `name` (empty for an unknown name).
pub fn words(name: &str) -> &'static [&'static str] {
    find(name).map_or(&[], |s| s.words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The `op` tags the `Operation` enum itself accepts, read from its schema.
    fn enum_tags() -> Vec<String> {
        let schema = schema_of::<Operation>();
        let text = schema.to_string();
        let mut tags = Vec::new();
        for variant in schema["oneOf"]
            .as_array()
            .expect("Operation schema is oneOf")
        {
            let op = &variant["properties"]["op"];
            let tag = op["const"]
                .as_str()
                .or_else(|| op["enum"][0].as_str())
                .unwrap_or_else(|| panic!("variant without an op tag in {text}"));
            tags.push(tag.to_string());
        }
        tags
    }

    #[test]
    fn every_operation_has_exactly_one_complete_declaration() {
        let tags = enum_tags();
        let names: Vec<&str> = all().map(|s| s.name).collect();
        for tag in &tags {
            assert_eq!(
                names.iter().filter(|n| **n == tag).count(),
                1,
                "operation {tag} must be declared once in the registry"
            );
        }
        assert_eq!(
            names.len(),
            tags.len(),
            "registry {names:?} vs enum {tags:?}"
        );
        for spec in all() {
            let example = (spec.example)();
            assert_eq!(example.name(), spec.name, "example of {}", spec.name);
            assert_eq!(example.class(), spec.class, "class of {}", spec.name);
            assert!(
                !spec.description.is_empty(),
                "{} has no description",
                spec.name
            );
            assert_eq!((spec.schema)()["type"], "object", "{} schema", spec.name);
            let rendered = example.kubectl();
            assert!(
                rendered.starts_with("kubectl "),
                "{}: {rendered}",
                spec.name
            );
            // The example survives the tool-call parser the LLM and MCP use.
            let mut args = serde_json::to_value(&example).unwrap();
            args.as_object_mut().unwrap().remove("op");
            assert_eq!(
                super::super::operation_from_tool(spec.name, args).unwrap(),
                example,
                "{} does not round-trip",
                spec.name
            );
        }
    }

    #[test]
    fn every_word_asks_for_one_operation_only() {
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        for spec in all() {
            for w in spec.words {
                if let Some(other) = owner.insert(w, spec.name) {
                    panic!("\"{w}\" asks for both {other} and {}", spec.name);
                }
            }
        }
    }

    #[test]
    fn verb_forms_of_a_word_ask_for_its_operation_and_plurals_do_not() {
        for (token, word) in [
            ("scaling", "scale"),
            ("scaled", "scale"),
            ("restarted", "restart"),
            ("restarting", "restart"),
            ("deleting", "delete"),
            ("deleted", "delete"),
            ("drained", "drain"),
            ("cordoning", "cordon"),
            ("patched", "patch"),
            ("stopped", "stop"),
        ] {
            assert!(inflects(token, word), "{token} is a form of {word}");
        }
        for (token, word) in [
            ("images", "image"),
            ("scales", "scale"),
            ("setting", "set"),
            ("scaler", "scale"),
            ("restarts", "restart"),
            ("deletes", "delete"),
            ("patchy", "patch"),
        ] {
            assert!(!inflects(token, word), "{token} is no verb form of {word}");
        }
    }

    #[test]
    fn idempotent_writes_are_registered_writes() {
        for name in IDEMPOTENT_WRITES {
            let spec = find(name).unwrap_or_else(|| panic!("{name} is not registered"));
            assert_ne!(spec.class, Class::Read, "{name} is a read");
        }
    }

    #[test]
    fn every_write_can_be_asked_for_in_words() {
        for spec in all().filter(|s| s.class != Class::Read) {
            assert!(!spec.words.is_empty(), "{} has no words", spec.name);
        }
    }

    /// Operations planned from the undo journal, not from words; tests/undo.rs covers them.
    const FROM_JOURNAL: [&str; 1] = ["restore"];

    /// Operations reached today through kubectl-style commands (`apply -f`,
    /// `delete KIND NAME`), the LLM and MCP tools, not yet through the offline
    /// planner's words: tests/create_apply.rs covers them. Remove a name here when
    /// the corpus gains cases that plan it.
    const NOT_YET_PLANNED_OFFLINE: [&str; 7] = [
        "apply",
        "create_namespace",
        "create_configmap",
        "create_secret",
        "create_deployment",
        "expose",
        "autoscale",
    ];

    #[test]
    fn every_operation_is_exercised_by_the_planner_corpus() {
        let corpus = include_str!("../../tests/corpus.jsonl");
        for spec in all().filter(|s| {
            !FROM_JOURNAL.contains(&s.name) && !NOT_YET_PLANNED_OFFLINE.contains(&s.name)
        }) {
            let tag = format!("\"op\": \"{}\"", spec.name);
            assert!(corpus.contains(&tag), "no corpus case plans {}", spec.name);
        }
    }
}
