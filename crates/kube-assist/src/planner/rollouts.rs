//! Rollout requests beyond restart/undo/status: "rollout history of web",
//! "pause the web rollout", "resume web". They act on Deployments.

use super::names::target;
use super::offline::Request;
use super::{PlanContext, Planned};
use crate::ops::registry::words;
use crate::ops::*;

fn rollout_target(r: &Request, ctx: &PlanContext, what: &str) -> Result<Target, Planned> {
    let mut skip: Vec<&str> = vec!["rollout", "rollouts", "show", "list"];
    for op in ["rollout_history", "rollout_pause", "rollout_resume"] {
        skip.extend_from_slice(words(op));
    }
    target(r, ctx, &skip).ok_or_else(|| {
        Planned::Unplannable(format!(
            "Which Deployment's rollout should I {what}? Name it, e.g. \"{what} the frontend rollout\"."
        ))
    })
}

/// A rollout history, pause or resume, if the request asks for one.
pub(super) fn plan_rollout(r: &Request, ctx: &PlanContext) -> Result<Option<Operation>, Planned> {
    if r.any(words("rollout_history")) {
        let target = rollout_target(r, ctx, "show the history of")?;
        return Ok(Some(Operation::RolloutHistory(HistoryOp { target })));
    }
    if r.any(words("rollout_resume")) {
        let target = rollout_target(r, ctx, "resume")?;
        return Ok(Some(Operation::RolloutResume(ResumeOp { target })));
    }
    if r.any(words("rollout_pause")) {
        let target = rollout_target(r, ctx, "pause")?;
        return Ok(Some(Operation::RolloutPause(PauseOp { target })));
    }
    Ok(None)
}
