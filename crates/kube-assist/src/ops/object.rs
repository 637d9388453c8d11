//! The object family: patch and delete. Each operation's arguments and its
//! registry entry are declared here.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{Class, OpSpec, schema_of};
use super::*;

/// How a patch is read by the API server (kubectl's `--type`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum PatchType {
    /// JSON merge patch (RFC 7386): an object; `null` removes a field.
    #[default]
    Merge,
    /// Strategic merge patch: lists of named items merge by name. Built-in kinds only.
    Strategic,
    /// JSON patch (RFC 6902): a list of `{op, path, value|from}`.
    Json,
}

impl PatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            PatchType::Merge => "merge",
            PatchType::Strategic => "strategic",
            PatchType::Json => "json",
        }
    }

    fn is_merge(&self) -> bool {
        *self == PatchType::Merge
    }
}

/// A patch on an object (labels, annotations, spec fields): merge by default,
/// strategic (built-in kinds) or a JSON patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PatchOp {
    pub target: Target,
    pub patch: serde_json::Value,
    #[serde(default, skip_serializing_if = "PatchType::is_merge")]
    pub patch_type: PatchType,
}

/// Delete one pod (its controller starts a new one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeletePodOp {
    pub target: Target,
}

/// Delete one object of any kind. What it owns goes with it (a Deployment's
/// ReplicaSets and pods; everything in a namespace); the plan says how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeleteOp {
    pub target: Target,
}

/// Put an object back as the undo journal kept it: replaced at its live version
/// when it exists, re-created (without uid, resourceVersion or status) when it
/// was deleted. Planned by `kubectl-assist undo`, from the journal, never from words alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RestoreOp {
    pub target: Target,
    /// The object as it was.
    pub object: serde_json::Value,
    /// The audit id of the write being undone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_id: Option<String>,
}

/// The object family's registry entries.
pub(super) const SPECS: [OpSpec; 4] = [
    OpSpec {
        name: "patch",
        class: Class::Write,
        description: "Patch an object: patch_type merge (default, a JSON merge patch), strategic (built-in kinds only) or json (a JSON patch: a list of {op, path, value|from}).",
        schema: schema_of::<PatchOp>,
        example: || {
            Operation::Patch(PatchOp {
                target: Target {
                    kind: Some(Kind::Service),
                    name: Some("web".into()),
                    namespace: Some("todo".into()),
                    resource: None,
                },
                patch: serde_json::json!([{"op": "add", "path": "/metadata/labels/tier", "value": "frontend"}]),
                patch_type: PatchType::Json,
            })
        },
        words: &["patch", "label", "annotate", "selector", "unlabel"],
        with_words: &[
            "patch", "set", "change", "fix", "update", "add", "label", "annotate", "unlabel",
            "remove",
        ],
    },
    OpSpec {
        name: "delete_pod",
        class: Class::Write,
        description: "Delete one pod so its controller replaces it.",
        schema: schema_of::<DeletePodOp>,
        example: || {
            Operation::DeletePod(DeletePodOp {
                target: Target {
                    kind: Some(Kind::Pod),
                    name: Some("web-1".into()),
                    namespace: Some("todo".into()),
                    resource: None,
                },
            })
        },
        words: &["kill", "evict"],
        with_words: &["pod", "pods", "po"],
    },
    OpSpec {
        name: "delete",
        class: Class::Write,
        description: "Delete one object of any kind; what it owns goes with it (a Deployment's pods, a namespace's objects). Deleting a namespace, node, PersistentVolume or CRD is destructive.",
        schema: schema_of::<DeleteOp>,
        example: || {
            Operation::Delete(DeleteOp {
                target: Target {
                    kind: None,
                    name: Some("nightly".into()),
                    namespace: Some("batch".into()),
                    resource: Some("crontabs.v1.stable.example.com".into()),
                },
            })
        },
        words: &["delete", "remove", "destroy", "wipe", "terminate"],
        with_words: &[],
    },
    OpSpec {
        name: "restore",
        class: Class::Write,
        description: "Put an object back as it was before an earlier write (from the undo journal).",
        schema: schema_of::<RestoreOp>,
        example: || {
            Operation::Restore(RestoreOp {
                target: Target {
                    kind: Some(Kind::Deployment),
                    name: Some("web".into()),
                    namespace: Some("todo".into()),
                    resource: None,
                },
                object: serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "todo"}}),
                journal_id: Some("1764597600000-1".into()),
            })
        },
        words: &["restore"],
        with_words: &[],
    },
];
