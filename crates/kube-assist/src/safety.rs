//! Safety: who may change the cluster, when. Every write is shown as a plan and
//! needs confirmation (or `--yes`); `--read-only` refuses writes; a run that
//! cannot ask (no terminal) refuses writes unless `--yes` was given. For the LLM
//! planner, the operator's own words bound which kinds of write it may propose.

use serde::Serialize;

use crate::ops::Operation;
use crate::ops::registry::{self, Class};
use crate::planner::words_for_safety::{correct_typos, tokenize};

/// The operator's flags that govern writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// `--yes` / `--skip-permissions`: writes need no confirmation.
    pub yes: bool,
    /// `--read-only`: writes are refused.
    pub read_only: bool,
    /// `--dry-run`: writes go to the API server as dry runs and change nothing.
    pub dry_run: bool,
    /// A person can be asked (stdin is a terminal).
    pub can_ask: bool,
}

/// What was decided about a plan; written to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Only reads: nothing to confirm.
    ReadOnlyPlan,
    /// The operator said yes at the prompt.
    Confirmed,
    /// `--yes` was given.
    ApprovedByFlag,
    /// `--dry-run`: sent as a server-side dry run.
    DryRun,
    /// The operator said no.
    Declined,
    /// `--read-only` forbids writes.
    RefusedReadOnly,
    /// No terminal to ask and no `--yes`.
    RefusedNonInteractive,
    /// The planner refused the request (Secret data, deleting namespaces, ...).
    RefusedByPolicy,
    /// The RBAC preflight (SelfSubjectAccessReview) says this identity may not make a write.
    RefusedForbidden,
}

impl Decision {
    pub fn allows_running(self) -> bool {
        matches!(
            self,
            Decision::ReadOnlyPlan
                | Decision::Confirmed
                | Decision::ApprovedByFlag
                | Decision::DryRun
        )
    }

    pub fn explain(self) -> &'static str {
        match self {
            Decision::ReadOnlyPlan => "read-only plan",
            Decision::Confirmed => "confirmed",
            Decision::ApprovedByFlag => "approved by --yes",
            Decision::DryRun => "server-side dry run",
            Decision::Declined => "declined: nothing was changed",
            Decision::RefusedReadOnly => {
                "refused: --read-only forbids changes, nothing was changed"
            }
            Decision::RefusedNonInteractive => {
                "refused: this plan changes the cluster and there is no terminal to confirm it. Run it in a terminal, or add --yes to approve it in advance"
            }
            Decision::RefusedByPolicy => "refused",
            Decision::RefusedForbidden => {
                "refused: your Kubernetes identity lacks the permission for this change, nothing was changed"
            }
        }
    }
}

/// Decide about a plan before anything runs. `ask` is only called when a person
/// must confirm and can be asked.
pub async fn decide<F, Fut>(steps: &[Operation], policy: Policy, ask: F) -> Decision
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    if !steps.iter().any(Operation::is_write) {
        return Decision::ReadOnlyPlan;
    }
    if policy.read_only {
        return Decision::RefusedReadOnly;
    }
    if policy.dry_run {
        return Decision::DryRun;
    }
    if policy.yes {
        return Decision::ApprovedByFlag;
    }
    if !policy.can_ask {
        return Decision::RefusedNonInteractive;
    }
    if ask().await {
        Decision::Confirmed
    } else {
        Decision::Declined
    }
}

/// Which write operations the operator's request asks for, judged from the
/// request's words alone. The LLM planner may propose only these: a model talked
/// into "delete the namespace" by a log line still cannot plan a write the
/// operator never asked for.
///
/// The words are read as the offline planner reads them, typing slips mended
/// ("sclae" asks for scale), so the two never disagree about what was asked.
pub fn requested_writes(request: &str) -> Vec<&'static str> {
    let mut tokens = tokenize(request);
    correct_typos(&mut tokens);
    registry::all()
        .filter(|s| s.class != Class::Read && s.asked_by(&tokens))
        .map(|s| s.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{ReplicaChange, ScaleOp, Target};

    fn write() -> Vec<Operation> {
        vec![Operation::Scale(ScaleOp {
            target: Target::named(None, "x"),
            replicas: ReplicaChange::To(1),
        })]
    }

    #[tokio::test]
    async fn writes_need_a_yes_from_someone() {
        let never = || async { panic!("must not ask") };
        assert_eq!(
            decide(&[], Policy::default(), never).await,
            Decision::ReadOnlyPlan
        );
        assert_eq!(
            decide(
                &write(),
                Policy {
                    read_only: true,
                    yes: true,
                    ..Default::default()
                },
                never
            )
            .await,
            Decision::RefusedReadOnly
        );
        assert_eq!(
            decide(
                &write(),
                Policy {
                    yes: true,
                    ..Default::default()
                },
                never
            )
            .await,
            Decision::ApprovedByFlag
        );
        assert_eq!(
            decide(&write(), Policy::default(), never).await,
            Decision::RefusedNonInteractive
        );
        let policy = Policy {
            can_ask: true,
            ..Default::default()
        };
        assert_eq!(
            decide(&write(), policy, || async { true }).await,
            Decision::Confirmed
        );
        assert_eq!(
            decide(&write(), policy, || async { false }).await,
            Decision::Declined
        );
    }

    #[test]
    fn only_requested_writes_are_allowed() {
        assert!(requested_writes("why are the pods failing?").is_empty());
        assert!(requested_writes("analyze the cluster health").is_empty());
        assert_eq!(
            requested_writes("scale the frontend to 2 replicas"),
            ["scale"]
        );
        assert_eq!(requested_writes("restart the backend"), ["rollout_restart"]);
        // Asked for in so many words: planned, marked destructive, confirmed by name.
        assert_eq!(requested_writes("delete the namespace"), ["delete"]);
        assert!(requested_writes("what is in the namespace").is_empty());
        // The planner's words and the safety rule are one list: the planner's
        // restart word "cycle" and delete word "evict" are writes the operator asked for.
        assert_eq!(requested_writes("cycle the web pods"), ["rollout_restart"]);
        assert_eq!(requested_writes("evict pod web-1"), ["delete_pod"]);
        assert_eq!(requested_writes("label web tier=frontend"), ["patch"]);
    }

    #[test]
    fn verb_forms_ask_for_their_writes() {
        assert_eq!(requested_writes("I am scaling web to 3"), ["scale"]);
        assert_eq!(
            requested_writes("get the backend restarted"),
            ["rollout_restart"]
        );
        assert_eq!(
            requested_writes("try deleting the configmap app-settings"),
            ["delete"]
        );
        assert_eq!(requested_writes("have node-1 drained"), ["drain"]);
        // A plural is a noun, not a request: reading images sets none.
        assert!(requested_writes("which images run where").is_empty());
    }

    #[test]
    fn a_kind_noun_asks_for_a_creation_only_with_a_create_word_said_of_it() {
        assert!(requested_writes("what's new in the deployment web").is_empty());
        assert_eq!(
            requested_writes("set the image of deployment web to nginx:1.26"),
            ["set_image"]
        );
        assert!(
            !requested_writes("add memory to the deployment web").contains(&"create_deployment")
        );
        assert_eq!(
            requested_writes("create a deployment web with image nginx:1.25"),
            ["set_image", "create_deployment"]
        );
        assert_eq!(
            requested_writes("make a new configmap app-config"),
            ["create_configmap"]
        );
        assert_eq!(
            requested_writes("set up a namespace for staging"),
            ["create_namespace"]
        );
        assert_eq!(
            requested_writes("creating the namespace staging"),
            ["create_namespace"]
        );
    }
}
