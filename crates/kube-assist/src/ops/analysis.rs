//! The analysis family: health, diagnose, optimize. Each operation's arguments
//! and its registry entry are declared here.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{Class, OpSpec, schema_of};
use super::*;

/// Run every analyzer over a namespace or the whole cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HealthOp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Find out why something (or anything) is failing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiagnoseOp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Compare requests/limits with observed usage and recommend values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OptimizeOp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The analysis family's registry entries.
pub(super) const SPECS: [OpSpec; 3] = [
    OpSpec {
        name: "health",
        class: Class::Read,
        description: "Run every analyzer (pods, workloads, services, nodes, PVCs, jobs, events, resources) and report findings.",
        schema: schema_of::<HealthOp>,
        example: || {
            Operation::Health(HealthOp {
                namespace: Some("todo".into()),
            })
        },
        words: &[
            "health",
            "healthy",
            "unhealthy",
            "ok",
            "okay",
            "fine",
            "sane",
            "hows",
            "analyze",
            "analyse",
            "analysis",
            "scan",
            "pressure",
        ],
        with_words: &[],
    },
    OpSpec {
        name: "diagnose",
        class: Class::Read,
        description: "Explain why an object (or anything in a namespace) is failing.",
        schema: schema_of::<DiagnoseOp>,
        example: || {
            Operation::Diagnose(DiagnoseOp {
                target: Some(Target::named(Some(Kind::Deployment), "web")),
                namespace: None,
            })
        },
        words: &[
            "why",
            "wrong",
            "failing",
            "failed",
            "fail",
            "fails",
            "failure",
            "failures",
            "broken",
            "crashing",
            "crash",
            "crashes",
            "crashed",
            "crashloop",
            "crashlooping",
            "crashloopbackoff",
            "problem",
            "problems",
            "issue",
            "issues",
            "diagnose",
            "troubleshoot",
            "debug",
            "investigate",
            "pending",
            "stuck",
            "error",
            "errors",
            "oom",
            "oomkilled",
            "oom-killed",
            "killed",
            "arent",
            "unschedulable",
            "down",
            "isnt",
            "doesnt",
        ],
        with_words: &[],
    },
    OpSpec {
        name: "optimize",
        class: Class::Read,
        description: "Compare resource requests/limits with observed usage and recommend values.",
        schema: schema_of::<OptimizeOp>,
        example: || {
            Operation::Optimize(OptimizeOp {
                target: None,
                namespace: Some("todo".into()),
            })
        },
        words: &[
            "optimize",
            "optimise",
            "right-size",
            "rightsize",
            "rightsizing",
            "overprovisioned",
            "over-provisioned",
            "under-provisioned",
            "waste",
            "wasting",
            "tune",
            "utilization",
        ],
        with_words: &[],
    },
];
