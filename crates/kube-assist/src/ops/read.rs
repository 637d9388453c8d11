//! The read family: list, get, describe, events, logs. Each operation's
//! arguments and its registry entry are declared here, once.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{Class, OpSpec, schema_of};
use super::*;

fn default_tail() -> u32 {
    100
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_list_kind() -> Kind {
    Kind::Pod
}

/// List objects of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListOp {
    /// One of the common kinds; for any other kind give `resource` instead.
    #[serde(default = "default_list_kind")]
    pub kind: Kind,
    /// Any kind the server serves, by its kubectl name (`hpa`, `ingresses`,
    /// `crontabs.stable.example.com`); takes the place of `kind`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Label selector, e.g. `app=backend`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Field selector, e.g. `status.phase=Running`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_selector: Option<String>,
}

/// One object: its state in a line or two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GetOp {
    pub target: Target,
}

/// One object in detail, with its recent events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DescribeOp {
    pub target: Target,
}

/// Events, of one object or of a namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventsOp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Only events of type Warning.
    #[serde(default, skip_serializing_if = "is_false")]
    pub warnings_only: bool,
}

/// The last lines of a pod's (or a workload's pods') logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogsOp {
    pub target: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Lines from the end (at most 1000).
    #[serde(default = "default_tail")]
    pub tail: u32,
    /// Logs of the previous (crashed) container instance.
    #[serde(default, skip_serializing_if = "is_false")]
    pub previous: bool,
    /// Keep only lines that look like errors (error, exception, fatal, panic, ...).
    #[serde(default, skip_serializing_if = "is_false")]
    pub errors_only: bool,
}

fn t(kind: Kind, name: &str) -> Target {
    Target {
        kind: Some(kind),
        name: Some(name.into()),
        namespace: Some("todo".into()),
        resource: None,
    }
}

/// The read family's registry entries.
pub(super) const SPECS: [OpSpec; 5] = [
    OpSpec {
        name: "list",
        class: Class::Read,
        description: "List objects of a kind (pods, deployments, services, nodes, ...), optionally in one namespace or with a label selector.",
        schema: schema_of::<ListOp>,
        example: || {
            Operation::List(ListOp {
                kind: Kind::Pod,
                resource: None,
                namespace: Some("todo".into()),
                selector: Some("app=web".into()),
                field_selector: Some("status.phase=Running".into()),
            })
        },
        // Lists are asked for by a plural kind ("the pods"), not by a verb.
        words: &[],
        with_words: &[],
    },
    OpSpec {
        name: "get",
        class: Class::Read,
        description: "Show one object's state in brief.",
        schema: schema_of::<GetOp>,
        example: || {
            Operation::Get(GetOp {
                target: t(Kind::Deployment, "web"),
            })
        },
        words: &[],
        with_words: &[],
    },
    OpSpec {
        name: "describe",
        class: Class::Read,
        description: "Show one object in detail with its recent events.",
        schema: schema_of::<DescribeOp>,
        example: || {
            Operation::Describe(DescribeOp {
                target: t(Kind::Service, "web"),
            })
        },
        words: &["describe", "details", "detail", "inspect", "explain"],
        with_words: &[],
    },
    OpSpec {
        name: "events",
        class: Class::Read,
        description: "Recent events of an object or a namespace.",
        schema: schema_of::<EventsOp>,
        example: || {
            Operation::Events(EventsOp {
                target: Some(t(Kind::Pod, "web-1")),
                namespace: None,
                warnings_only: true,
            })
        },
        words: &["event", "events"],
        with_words: &[],
    },
    OpSpec {
        name: "logs",
        class: Class::Read,
        description: "The last lines of the logs of a pod or of a workload's pods.",
        schema: schema_of::<LogsOp>,
        example: || {
            Operation::Logs(LogsOp {
                target: t(Kind::Pod, "web-1"),
                container: Some("app".into()),
                tail: 50,
                previous: true,
                errors_only: true,
            })
        },
        words: &[
            "log", "logs", "stdout", "stderr", "print", "printing", "printed", "output",
        ],
        with_words: &[],
    },
];
