//! The node family: cordon, uncordon and drain. Each operation's arguments and
//! its registry entry are declared here; they run in `exec_node`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{Class, OpSpec, schema_of};
use super::*;

fn is_false(b: &bool) -> bool {
    !*b
}

/// Mark a node unschedulable: running pods stay, no new pod is placed on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CordonOp {
    pub target: Target,
}

/// Mark a node schedulable again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UncordonOp {
    pub target: Target,
}

/// Cordon a node, then evict its pods through the Eviction API (so
/// PodDisruptionBudgets are respected). DaemonSet pods and mirror pods are left
/// alone; a pod with emptyDir data is refused unless `delete_emptydir_data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DrainOp {
    pub target: Target,
    /// Evict pods whose emptyDir volumes hold data that is lost with them.
    #[serde(default, skip_serializing_if = "is_false")]
    pub delete_emptydir_data: bool,
    /// Evict only the node's pods this label selector matches (kubectl's
    /// `--pod-selector`, e.g. `app=web`); the node is cordoned all the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<String>,
}

fn node(name: &str) -> Target {
    Target {
        kind: Some(Kind::Node),
        name: Some(name.into()),
        namespace: None,
        resource: None,
    }
}

/// The node family's registry entries.
pub(super) const SPECS: [OpSpec; 3] = [
    OpSpec {
        name: "cordon",
        class: Class::Write,
        description: "Mark a node unschedulable (its running pods stay; no new pod is placed on it).",
        schema: schema_of::<CordonOp>,
        example: || {
            Operation::Cordon(CordonOp {
                target: node("node-1"),
            })
        },
        // "unschedulable" alone is a diagnosis word ("why are pods unschedulable");
        // "mark X unschedulable" is read as a cordon by the planner.
        words: &["cordon"],
        with_words: &[],
    },
    OpSpec {
        name: "uncordon",
        class: Class::Write,
        description: "Mark a node schedulable again.",
        schema: schema_of::<UncordonOp>,
        example: || {
            Operation::Uncordon(UncordonOp {
                target: node("node-1"),
            })
        },
        words: &["uncordon", "schedulable"],
        with_words: &[],
    },
    OpSpec {
        name: "drain",
        class: Class::Destructive,
        description: "Cordon a node and evict its pods through the Eviction API, respecting PodDisruptionBudgets; DaemonSet and mirror pods stay; pods with emptyDir data only with delete_emptydir_data; pod_selector limits the evictions to the pods it matches.",
        schema: schema_of::<DrainOp>,
        example: || {
            Operation::Drain(DrainOp {
                target: node("node-1"),
                delete_emptydir_data: true,
                pod_selector: None,
            })
        },
        words: &["drain", "evacuate"],
        with_words: &[],
    },
];
