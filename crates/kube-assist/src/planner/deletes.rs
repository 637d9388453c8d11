//! Deletes from words: "delete the configmap app-settings", "remove service web
//! in staging", "delete the hpa web", "delete namespace scratch". The object's
//! kind must be said (a kind word, a short name, or any kind discovery knows):
//! a bare name is never guessed into a delete. A pod is deleted so its
//! controller replaces it (`delete_pod`); anything else is `delete`, whose plan
//! says what goes with it.

use super::discovered::DiscoveredKinds;
use super::names::{need_target, target};
use super::offline::Request;
use super::words::{is_stopword, kind_word, resource_word};
use super::{PlanContext, Planned};
use crate::ops::registry::words;
use crate::ops::*;

/// Does the request ask to delete something? ("remove two replicas" is a scale.)
pub(super) fn asks_to_delete(r: &Request) -> bool {
    (r.any(words("delete")) || r.any(words("delete_pod")) || r.phrase(&["get", "rid", "of"]))
        && !(r.has("remove") && r.any(words("scale")))
}

/// "delete namespace X", "delete the X namespace": the namespace is the object,
/// not where it is (as in "delete configmap a in namespace b"). Read before the
/// namespace is taken out of the request.
pub(super) fn namespace_to_delete(
    tokens: &[String],
    discovered: Option<&DiscoveredKinds>,
) -> Option<String> {
    let is_verb =
        |w: &str| words("delete").contains(&w) || w == "of" && tokens.iter().any(|t| t == "rid");
    let other_kind = tokens.iter().any(|t| {
        kind_word(t).is_some_and(|(k, _)| k != Kind::Namespace)
            || resource_word(t, discovered).is_some()
    });
    if other_kind {
        return None;
    }
    let i = tokens.iter().position(|t| t == "namespace" || t == "ns")?;
    let before = |j: usize| -> Option<&str> {
        let mut j = j;
        while j > 0 {
            j -= 1;
            if tokens[j] != "the" {
                return Some(tokens[j].as_str());
            }
        }
        None
    };
    // "delete (the) namespace X"
    if before(i).is_some_and(is_verb)
        && let Some(name) = tokens.get(i + 1).filter(|w| !is_stopword(w))
    {
        return Some(name.clone());
    }
    // "delete (the) X namespace"
    if i > 0 && !is_stopword(&tokens[i - 1]) && before(i - 1).is_some_and(is_verb) {
        return Some(tokens[i - 1].clone());
    }
    None
}

/// The delete the request asks for, when it asks for one.
pub(super) fn plan_delete(r: &Request, ctx: &PlanContext) -> Result<Option<Operation>, Planned> {
    if !asks_to_delete(r) {
        return Ok(None);
    }
    if r.any(&["everything", "all"]) {
        return Err(Planned::Refused(
            "I delete one named object at a time, never everything at once. Name the object, e.g. \"delete the configmap app-settings\".".into(),
        ));
    }
    let typed_kind = r
        .tokens
        .iter()
        .find_map(|t| kind_word(t.split('/').next().unwrap_or(t)).map(|(k, _)| k));
    let discovered = r
        .tokens
        .iter()
        .find_map(|t| r.resource_word(t.split('/').next().unwrap_or(t)));
    if typed_kind == Some(Kind::Pod) {
        let mut t = need_target(r, ctx, "delete")?;
        t.kind = Some(Kind::Pod);
        return Ok(Some(Operation::DeletePod(DeletePodOp { target: t })));
    }
    let skip = ["rid", "get"];
    match (typed_kind, discovered) {
        (None, None) => Err(Planned::Unplannable(
            "Say which kind of object to delete, e.g. \"delete deployment web\" or \"delete the configmap app-settings\": I never guess what a delete removes.".into(),
        )),
        _ => {
            let t = target(r, ctx, &skip)
                .filter(|t| t.kind.is_some() || t.resource.is_some())
                .ok_or_else(|| {
                    Planned::Unplannable(
                        "Which object should I delete? Give its kind and name, e.g. \"delete the configmap app-settings\"."
                            .into(),
                    )
                })?;
            Ok(Some(Operation::Delete(DeleteOp { target: t })))
        }
    }
}
