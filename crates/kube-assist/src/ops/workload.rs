//! The workload family: scale, rollout restart/undo/status, set image, set
//! resources. Each operation's arguments and its registry entry are declared here.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{Class, OpSpec, schema_of};
use super::*;

/// How the replica count of a scale changes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaChange {
    /// Set the count to exactly this.
    To(u32),
    /// Add this many (negative removes).
    By(i32),
    /// Multiply the current count (2 doubles, 0.5 halves); the result is rounded and at least 1.
    Times(f64),
    /// Change by this percentage of the current count (50 is "by 50%", -50 "down by
    /// 50%"): round(N·(1+P/100)), halves rounded up, never below 0.
    Percent(i32),
}

impl ReplicaChange {
    /// The count after the change, given the current count.
    pub fn apply(self, current: u32) -> u32 {
        match self {
            ReplicaChange::To(n) => n,
            ReplicaChange::By(d) => (current as i64 + d as i64).max(0) as u32,
            ReplicaChange::Times(f) => {
                let n = (current as f64 * f).round().max(0.0) as u32;
                if current > 0 { n.max(1) } else { n }
            }
            ReplicaChange::Percent(p) => {
                // Integer arithmetic so "by 50%" of 3 is exactly 4.5 → 5, not 4.499….
                let scaled = current as i64 * (100 + p as i64);
                if scaled <= 0 {
                    0
                } else {
                    ((scaled + 50) / 100).min(u32::MAX as i64) as u32
                }
            }
        }
    }
}

/// CPU and memory quantities in Kubernetes notation (`250m`, `512Mi`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceValues {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

impl ResourceValues {
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }
}

fn default_timeout() -> u64 {
    120
}

/// Change the replica count of a Deployment or StatefulSet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScaleOp {
    pub target: Target,
    pub replicas: ReplicaChange,
}

/// Restart a workload's pods with a rolling update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RestartOp {
    pub target: Target,
}

/// Roll a Deployment back to its previous (or a given) revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UndoOp {
    pub target: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_revision: Option<u64>,
}

/// Wait until a workload's rollout is complete, or the timeout passes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusOp {
    pub target: Target,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

/// Change a container image of a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SetImageOp {
    pub target: Target,
    /// Container name; absent means the only (or first) container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub image: String,
}

/// Change container resource requests and/or limits of a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SetResourcesOp {
    pub target: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(default, skip_serializing_if = "ResourceValues::is_empty")]
    pub requests: ResourceValues,
    #[serde(default, skip_serializing_if = "ResourceValues::is_empty")]
    pub limits: ResourceValues,
}

/// Show a Deployment's revisions (its ReplicaSets) with their change-cause and images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryOp {
    pub target: Target,
}

/// Pause a Deployment's rollout: template changes wait until it is resumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PauseOp {
    pub target: Target,
}

/// Resume a paused Deployment rollout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResumeOp {
    pub target: Target,
}

/// Set and/or remove environment variables of one container of a workload's pod
/// template (kubectl's `set env KEY=VALUE KEY-`). `from_secret` adds every key of
/// a Secret as variables by reference: its values are never read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SetEnvOp {
    pub target: Target,
    /// Container name; absent means the only container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Variables to set (`KEY=VALUE`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub env: std::collections::BTreeMap<String, String>,
    /// Variables to remove (`KEY-`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// A Secret whose keys become variables (`envFrom.secretRef`), never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_secret: Option<String>,
}

fn web() -> Target {
    Target {
        kind: Some(Kind::Deployment),
        name: Some("web".into()),
        namespace: Some("todo".into()),
        resource: None,
    }
}

/// The workload family's registry entries.
pub(super) const SPECS: [OpSpec; 10] = [
    OpSpec {
        name: "scale",
        class: Class::Write,
        description: "Change the replica count of a Deployment or StatefulSet (to N, by ±N, by ±P percent, or times F).",
        schema: schema_of::<ScaleOp>,
        example: || {
            Operation::Scale(ScaleOp {
                target: web(),
                replicas: ReplicaChange::Percent(50),
            })
        },
        words: &[
            "scale",
            "scaleup",
            "scaledown",
            "replica",
            "replicas",
            "instance",
            "instances",
            "copies",
            "copy",
            "double",
            "triple",
            "quadruple",
            "halve",
            "twice",
            "bump",
            "shrink",
        ],
        with_words: &[],
    },
    OpSpec {
        name: "rollout_restart",
        class: Class::Write,
        description: "Restart a workload's pods with a rolling update.",
        schema: schema_of::<RestartOp>,
        example: || Operation::RolloutRestart(RestartOp { target: web() }),
        words: &[
            "restart", "bounce", "reboot", "recycle", "redeploy", "reload", "cycle",
        ],
        with_words: &[],
    },
    OpSpec {
        name: "rollout_undo",
        class: Class::Write,
        description: "Roll a Deployment back to its previous revision (or a given one).",
        schema: schema_of::<UndoOp>,
        example: || {
            Operation::RolloutUndo(UndoOp {
                target: web(),
                to_revision: Some(3),
            })
        },
        words: &["rollback", "undo", "revert"],
        with_words: &[],
    },
    OpSpec {
        name: "rollout_status",
        class: Class::Read,
        description: "Wait for a workload's rollout to finish.",
        schema: schema_of::<StatusOp>,
        example: || {
            Operation::RolloutStatus(StatusOp {
                target: web(),
                timeout_secs: 60,
            })
        },
        // Asked for by phrases ("is the rollout done"), see the planner.
        words: &[],
        with_words: &[],
    },
    OpSpec {
        name: "set_image",
        class: Class::Write,
        description: "Change a container image of a workload.",
        schema: schema_of::<SetImageOp>,
        example: || {
            Operation::SetImage(SetImageOp {
                target: web(),
                container: Some("app".into()),
                image: "nginx:1.27".into(),
            })
        },
        words: &["image", "upgrade", "downgrade"],
        with_words: &[],
    },
    OpSpec {
        name: "set_resources",
        class: Class::Write,
        description: "Change container resource requests/limits of a workload.",
        schema: schema_of::<SetResourcesOp>,
        example: || {
            Operation::SetResources(SetResourcesOp {
                target: web(),
                container: None,
                requests: ResourceValues {
                    cpu: Some("100m".into()),
                    memory: None,
                },
                limits: ResourceValues {
                    cpu: None,
                    memory: Some("256Mi".into()),
                },
            })
        },
        words: &[
            "limit",
            "limits",
            "request",
            "requests",
            "resources",
            "memory",
            "cpu",
        ],
        with_words: &[
            "set", "change", "raise", "lower", "increase", "decrease", "give", "apply", "update",
            "limit",
        ],
    },
    OpSpec {
        name: "rollout_history",
        class: Class::Read,
        description: "List a Deployment's revisions with their change-cause and images.",
        schema: schema_of::<HistoryOp>,
        example: || Operation::RolloutHistory(HistoryOp { target: web() }),
        words: &["history", "revisions"],
        with_words: &[],
    },
    OpSpec {
        name: "rollout_pause",
        class: Class::Write,
        description: "Pause a Deployment's rollout (template changes wait until resumed).",
        schema: schema_of::<PauseOp>,
        example: || Operation::RolloutPause(PauseOp { target: web() }),
        words: &["pause"],
        with_words: &[],
    },
    OpSpec {
        name: "rollout_resume",
        class: Class::Write,
        description: "Resume a paused Deployment rollout.",
        schema: schema_of::<ResumeOp>,
        example: || Operation::RolloutResume(ResumeOp { target: web() }),
        words: &["resume", "unpause"],
        with_words: &[],
    },
    OpSpec {
        name: "set_env",
        class: Class::Write,
        description: "Set (KEY=VALUE) and/or remove (KEY-) environment variables of a container of a workload; from_secret adds a Secret's keys by reference, never reading its values.",
        schema: schema_of::<SetEnvOp>,
        example: || {
            Operation::SetEnv(SetEnvOp {
                target: web(),
                container: Some("app".into()),
                env: [("LOG_LEVEL".to_string(), "debug".to_string())].into(),
                remove: vec!["DEBUG".into()],
                from_secret: Some("web-credentials".into()),
            })
        },
        words: &[
            "env",
            "environment",
            "envvar",
            "envvars",
            "variable",
            "variables",
        ],
        with_words: &[],
    },
];
