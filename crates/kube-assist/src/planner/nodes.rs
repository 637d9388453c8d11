//! Node requests from words: "cordon node-1", "mark node-1 unschedulable",
//! "uncordon node-1", "drain node-1 [and delete emptydir data]". Only nodes are
//! cordoned or drained, so whatever name the request gives is a node's.

use super::names::target;
use super::offline::Request;
use super::{PlanContext, Planned};
use crate::ops::registry::words;
use crate::ops::*;

/// Words of these requests that are never the node's name.
const COMMAND_WORDS: [&str; 11] = [
    "unschedulable",
    "mark",
    "maintenance",
    "data",
    "emptydir",
    "delete",
    "local",
    "as",
    "again",
    "not",
    "non",
];

fn node_target(r: &Request, ctx: &PlanContext, what: &str) -> Result<Target, Planned> {
    let mut skip: Vec<&str> = COMMAND_WORDS.to_vec();
    for op in ["cordon", "uncordon", "drain"] {
        skip.extend_from_slice(words(op));
    }
    let mut t = target(r, ctx, &skip).ok_or_else(|| {
        Planned::Unplannable(format!(
            "Which node should I {what}? Name it, e.g. \"{what} node worker-1\" (`kubectl get nodes` lists them)."
        ))
    })?;
    t.kind = Some(Kind::Node);
    t.resource = None;
    Ok(t)
}

/// kubectl's `--pod-selector=SEL`, as typed (the `=` form only: a selector as a
/// separate word would read as the node's name).
fn pod_selector(r: &Request) -> Option<String> {
    r.raw.split_whitespace().find_map(|w| {
        let value = w
            .strip_prefix("--pod-selector=")?
            .trim_matches(|c| c == '\'' || c == '"');
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// A cordon, uncordon or drain, if the request asks for one.
pub(super) fn plan_node(r: &Request, ctx: &PlanContext) -> Result<Option<Operation>, Planned> {
    if r.any(words("drain")) {
        let delete_emptydir_data = r.any(&["--delete-emptydir-data", "--delete-local-data"])
            || (r.has("emptydir")
                && r.any(&[
                    "delete", "deleted", "remove", "removed", "lose", "lost", "discard", "drop",
                ]))
            || r.phrase(&["local", "data"]) && r.any(&["delete", "remove", "lose"]);
        let target = node_target(r, ctx, "drain")?;
        return Ok(Some(Operation::Drain(DrainOp {
            target,
            delete_emptydir_data,
            pod_selector: pod_selector(r),
        })));
    }
    // "not schedulable" is a cordon, said the other way round.
    let negated = r.phrase(&["not", "schedulable"])
        || r.phrase(&["non", "schedulable"])
        || (r.has("unschedulable") && r.any(&["mark", "make", "set"]));
    if r.any(words("uncordon")) && !negated {
        let target = node_target(r, ctx, "uncordon")?;
        return Ok(Some(Operation::Uncordon(UncordonOp { target })));
    }
    if r.any(words("cordon")) || negated {
        let target = node_target(r, ctx, "cordon")?;
        return Ok(Some(Operation::Cordon(CordonOp { target })));
    }
    Ok(None)
}
