//! Labels and annotations from words: "label deployment web tier=frontend",
//! "annotate the web service owner=team-a", "remove label tier- from web". They
//! become a JSON merge patch of `metadata.labels` / `metadata.annotations` (a key
//! set to null is removed), which works on every kind.

use serde_json::{Map, Value};

use super::names::target;
use super::offline::Request;
use super::{PlanContext, Planned};
use crate::ops::{Operation, PatchOp};

/// `key=value` (set) and `key-` (remove) pairs, as kubectl writes them, from the
/// request as typed: keys may hold a prefix (`app.kubernetes.io/name`).
fn pairs(raw: &str) -> Vec<(String, Option<String>)> {
    let key_ok = |k: &str| {
        !k.is_empty()
            && k.len() <= 253
            && k.starts_with(|c: char| c.is_ascii_alphanumeric())
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    };
    let value_ok = |v: &str| {
        v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    raw.split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\'' | '`')))
        .filter_map(|w| match w.split_once('=') {
            Some((k, v)) if key_ok(k) && value_ok(v) => Some((k.to_string(), Some(v.to_string()))),
            None if w.len() > 1 && w.ends_with('-') && key_ok(&w[..w.len() - 1]) => {
                Some((w[..w.len() - 1].to_string(), None))
            }
            _ => None,
        })
        .collect()
}

/// The `key=value` pairs of a request as a label selector (`app=web,tier=db`), and
/// the words they tokenise into (which are therefore no object's name).
pub(super) fn label_selector(r: &Request) -> (Option<String>, Vec<String>) {
    let set: Vec<(String, String)> = pairs(&r.raw)
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    if set.is_empty() {
        return (None, Vec::new());
    }
    let selector = set
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let words = set
        .iter()
        .flat_map(|(k, v)| [k.to_lowercase(), v.to_lowercase()])
        .collect();
    (Some(selector), words)
}

/// A label or annotation change, or `None` when the request is about something else.
pub(super) fn labels_or_annotations(
    r: &Request,
    ctx: &PlanContext,
) -> Result<Option<Operation>, Planned> {
    let field = if r.any(&["annotate", "annotation", "annotations"]) {
        "annotations"
    } else if r.any(&["label", "labels", "unlabel", "relabel"]) {
        "labels"
    } else {
        return Ok(None);
    };
    // "which pods have the label app=web" is a question, not a change: "label" is
    // a verb only as the request's first word ("label web ...", "please label ...").
    let first = r.tokens.iter().find(|t| {
        !matches!(
            t.as_str(),
            "please" | "pls" | "kindly" | "can" | "could" | "you"
        )
    });
    let verb_first =
        first.is_some_and(|t| matches!(t.as_str(), "label" | "annotate" | "unlabel" | "relabel"));
    let change = verb_first
        || r.any(&[
            "add", "set", "put", "remove", "change", "update", "give", "tag", "unlabel", "relabel",
        ]);
    if !change {
        return Ok(None);
    }
    let pairs = pairs(&r.raw);
    if pairs.is_empty() {
        return Err(Planned::Unplannable(format!(
            "Which {} should I set? Write them as kubectl does, e.g. \"label deployment web tier=frontend\" (or \"tier-\" to remove one).",
            &field[..field.len() - 1]
        )));
    }
    // Keys and values are not the object's name.
    let words: Vec<String> = pairs
        .iter()
        .flat_map(|(k, v)| {
            let mut w: Vec<String> = k.to_lowercase().split('/').map(str::to_string).collect();
            w.push(k.to_lowercase());
            w.push(format!("{}-", k.to_lowercase()));
            w.extend(v.iter().map(|v| v.to_lowercase()));
            w
        })
        .collect();
    let skip: Vec<&str> = words.iter().map(String::as_str).collect();
    let t = target(r, ctx, &skip).ok_or_else(|| {
        Planned::Unplannable(format!(
            "Which object gets the {field}? e.g. \"label deployment web tier=frontend\""
        ))
    })?;
    let values: Map<String, Value> = pairs
        .into_iter()
        .map(|(k, v)| (k, v.map_or(Value::Null, Value::String)))
        .collect();
    let mut meta = Map::new();
    meta.insert(field.into(), Value::Object(values));
    let mut patch = Map::new();
    patch.insert("metadata".into(), Value::Object(meta));
    Ok(Some(Operation::Patch(PatchOp {
        patch_type: Default::default(),
        target: t,
        patch: Value::Object(patch),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_read_as_kubectl_writes_them() {
        assert_eq!(
            pairs("label web tier=frontend app.kubernetes.io/part-of=todo, old-"),
            vec![
                ("tier".into(), Some("frontend".into())),
                ("app.kubernetes.io/part-of".into(), Some("todo".into())),
                ("old".into(), None)
            ]
        );
        assert!(pairs("label web with a=b=c").is_empty());
        assert!(pairs("scale web - now").is_empty());
    }
}
