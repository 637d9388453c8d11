//! Typed Kubernetes operations. Every operation is either a read or a write, has a
//! JSON schema (the LLM planner offers them as tools) and a `kubectl` equivalent
//! that is printed before it runs and written to the audit log.

mod exec;
mod kubectl;
mod rollout;
mod view;

pub use exec::{ExecOptions, Executor, OpOutput};
pub use view::table as render_table;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Kinds of object the operations work on. Secrets are deliberately absent: their
/// data never leaves the cluster through this tool.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Pod,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Service,
    Node,
    Namespace,
    Job,
    PersistentVolumeClaim,
    ConfigMap,
    Event,
}

impl Kind {
    /// The resource name kubectl uses (`kubectl get deployment`).
    pub fn kubectl_name(self) -> &'static str {
        match self {
            Kind::Pod => "pod",
            Kind::Deployment => "deployment",
            Kind::ReplicaSet => "replicaset",
            Kind::StatefulSet => "statefulset",
            Kind::DaemonSet => "daemonset",
            Kind::Service => "service",
            Kind::Node => "node",
            Kind::Namespace => "namespace",
            Kind::Job => "job",
            Kind::PersistentVolumeClaim => "pvc",
            Kind::ConfigMap => "configmap",
            Kind::Event => "event",
        }
    }

    /// Cluster-scoped kinds have no namespace.
    pub fn is_cluster_scoped(self) -> bool {
        matches!(self, Kind::Node | Kind::Namespace)
    }

    /// Kinds with a pod template that scale/restart/set image act on.
    pub fn is_workload(self) -> bool {
        matches!(self, Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet)
    }
}

/// The object an operation is about, as the operator named it. The planner fills
/// in what the request says; the resolver completes kind, name and namespace from
/// the cluster before anything runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// Kind of object; absent means "the workload called NAME" (a Deployment first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Name or name-like hint ("frontend" finds `todo-frontend` or a Deployment labelled component=frontend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace; absent means the `-n` flag, else every namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl Target {
    pub fn named(kind: Option<Kind>, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: Some(name.into()),
            namespace: None,
        }
    }

    /// `deployment/frontend` (kind and name as kubectl writes them).
    pub fn display(&self) -> String {
        let kind = self.kind.map(Kind::kubectl_name).unwrap_or("workload");
        match &self.name {
            Some(n) => format!("{kind}/{n}"),
            None => format!("{kind}s"),
        }
    }
}

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

fn default_tail() -> u32 {
    100
}

fn default_timeout() -> u64 {
    120
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// List objects of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListOp {
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Label selector, e.g. `app=backend`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
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

/// A JSON merge patch on an object (labels, annotations, spec fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PatchOp {
    pub target: Target,
    pub patch: serde_json::Value,
}

/// Delete one pod (its controller starts a new one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeletePodOp {
    pub target: Target,
}

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

/// One typed operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    List(ListOp),
    Get(GetOp),
    Describe(DescribeOp),
    Events(EventsOp),
    Logs(LogsOp),
    Scale(ScaleOp),
    RolloutRestart(RestartOp),
    RolloutUndo(UndoOp),
    RolloutStatus(StatusOp),
    SetImage(SetImageOp),
    SetResources(SetResourcesOp),
    Patch(PatchOp),
    DeletePod(DeletePodOp),
    Health(HealthOp),
    Diagnose(DiagnoseOp),
    Optimize(OptimizeOp),
}

/// Whether an operation can change the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

impl Operation {
    /// The operation's name as a tool and in `op` of its JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::List(_) => "list",
            Operation::Get(_) => "get",
            Operation::Describe(_) => "describe",
            Operation::Events(_) => "events",
            Operation::Logs(_) => "logs",
            Operation::Scale(_) => "scale",
            Operation::RolloutRestart(_) => "rollout_restart",
            Operation::RolloutUndo(_) => "rollout_undo",
            Operation::RolloutStatus(_) => "rollout_status",
            Operation::SetImage(_) => "set_image",
            Operation::SetResources(_) => "set_resources",
            Operation::Patch(_) => "patch",
            Operation::DeletePod(_) => "delete_pod",
            Operation::Health(_) => "health",
            Operation::Diagnose(_) => "diagnose",
            Operation::Optimize(_) => "optimize",
        }
    }

    pub fn access(&self) -> Access {
        match self {
            Operation::Scale(_)
            | Operation::RolloutRestart(_)
            | Operation::RolloutUndo(_)
            | Operation::SetImage(_)
            | Operation::SetResources(_)
            | Operation::Patch(_)
            | Operation::DeletePod(_) => Access::Write,
            _ => Access::Read,
        }
    }

    pub fn is_write(&self) -> bool {
        self.access() == Access::Write
    }

    /// A write that takes something away that is hard to get back: scaling a
    /// workload to 0 (its pods stop serving). The plan marks it, and at a terminal
    /// the operator types the object's name instead of "y".
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Operation::Scale(ScaleOp {
                replicas: ReplicaChange::To(0),
                ..
            })
        )
    }

    /// The object the operation acts on, if it names one.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Operation::Get(o) => Some(&o.target),
            Operation::Describe(o) => Some(&o.target),
            Operation::Events(o) => o.target.as_ref(),
            Operation::Logs(o) => Some(&o.target),
            Operation::Scale(o) => Some(&o.target),
            Operation::RolloutRestart(o) => Some(&o.target),
            Operation::RolloutUndo(o) => Some(&o.target),
            Operation::RolloutStatus(o) => Some(&o.target),
            Operation::SetImage(o) => Some(&o.target),
            Operation::SetResources(o) => Some(&o.target),
            Operation::Patch(o) => Some(&o.target),
            Operation::DeletePod(o) => Some(&o.target),
            Operation::Diagnose(o) => o.target.as_ref(),
            Operation::Optimize(o) => o.target.as_ref(),
            Operation::List(_) | Operation::Health(_) => None,
        }
    }

    pub fn target_mut(&mut self) -> Option<&mut Target> {
        match self {
            Operation::Get(o) => Some(&mut o.target),
            Operation::Describe(o) => Some(&mut o.target),
            Operation::Events(o) => o.target.as_mut(),
            Operation::Logs(o) => Some(&mut o.target),
            Operation::Scale(o) => Some(&mut o.target),
            Operation::RolloutRestart(o) => Some(&mut o.target),
            Operation::RolloutUndo(o) => Some(&mut o.target),
            Operation::RolloutStatus(o) => Some(&mut o.target),
            Operation::SetImage(o) => Some(&mut o.target),
            Operation::SetResources(o) => Some(&mut o.target),
            Operation::Patch(o) => Some(&mut o.target),
            Operation::DeletePod(o) => Some(&mut o.target),
            Operation::Diagnose(o) => o.target.as_mut(),
            Operation::Optimize(o) => o.target.as_mut(),
            Operation::List(_) | Operation::Health(_) => None,
        }
    }

    /// The equivalent kubectl command line, printed as `Running: ...`.
    pub fn kubectl(&self) -> String {
        kubectl::render(self)
    }
}

/// What the operations offered to an LLM look like: name, description, JSON schema
/// of the arguments, and whether the tool writes.
#[derive(Debug, Clone)]
pub struct ToolDescription {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: serde_json::Value,
    pub access: Access,
}

fn schema_of<T: JsonSchema>() -> serde_json::Value {
    let mut v = serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
    }
    v
}

/// Every operation as a tool, in a fixed order.
pub fn tool_descriptions() -> Vec<ToolDescription> {
    use Access::{Read, Write};
    vec![
        ToolDescription {
            name: "list",
            description: "List objects of a kind (pods, deployments, services, nodes, ...), optionally in one namespace or with a label selector.",
            parameters: schema_of::<ListOp>(),
            access: Read,
        },
        ToolDescription {
            name: "get",
            description: "Show one object's state in brief.",
            parameters: schema_of::<GetOp>(),
            access: Read,
        },
        ToolDescription {
            name: "describe",
            description: "Show one object in detail with its recent events.",
            parameters: schema_of::<DescribeOp>(),
            access: Read,
        },
        ToolDescription {
            name: "events",
            description: "Recent events of an object or a namespace.",
            parameters: schema_of::<EventsOp>(),
            access: Read,
        },
        ToolDescription {
            name: "logs",
            description: "The last lines of the logs of a pod or of a workload's pods.",
            parameters: schema_of::<LogsOp>(),
            access: Read,
        },
        ToolDescription {
            name: "rollout_status",
            description: "Wait for a workload's rollout to finish.",
            parameters: schema_of::<StatusOp>(),
            access: Read,
        },
        ToolDescription {
            name: "health",
            description: "Run every analyzer (pods, workloads, services, nodes, PVCs, jobs, events, resources) and report findings.",
            parameters: schema_of::<HealthOp>(),
            access: Read,
        },
        ToolDescription {
            name: "diagnose",
            description: "Explain why an object (or anything in a namespace) is failing.",
            parameters: schema_of::<DiagnoseOp>(),
            access: Read,
        },
        ToolDescription {
            name: "optimize",
            description: "Compare resource requests/limits with observed usage and recommend values.",
            parameters: schema_of::<OptimizeOp>(),
            access: Read,
        },
        ToolDescription {
            name: "scale",
            description: "Change the replica count of a Deployment or StatefulSet.",
            parameters: schema_of::<ScaleOp>(),
            access: Write,
        },
        ToolDescription {
            name: "rollout_restart",
            description: "Restart a workload's pods with a rolling update.",
            parameters: schema_of::<RestartOp>(),
            access: Write,
        },
        ToolDescription {
            name: "rollout_undo",
            description: "Roll a Deployment back to its previous revision.",
            parameters: schema_of::<UndoOp>(),
            access: Write,
        },
        ToolDescription {
            name: "set_image",
            description: "Change a container image of a workload.",
            parameters: schema_of::<SetImageOp>(),
            access: Write,
        },
        ToolDescription {
            name: "set_resources",
            description: "Change container resource requests/limits of a workload.",
            parameters: schema_of::<SetResourcesOp>(),
            access: Write,
        },
        ToolDescription {
            name: "patch",
            description: "Apply a JSON merge patch to an object.",
            parameters: schema_of::<PatchOp>(),
            access: Write,
        },
        ToolDescription {
            name: "delete_pod",
            description: "Delete one pod so its controller replaces it.",
            parameters: schema_of::<DeletePodOp>(),
            access: Write,
        },
    ]
}

/// Parse a tool call (name + JSON arguments) into an operation.
pub fn operation_from_tool(name: &str, args: serde_json::Value) -> Result<Operation, String> {
    let mut obj = match args {
        serde_json::Value::Object(m) => m,
        serde_json::Value::Null => serde_json::Map::new(),
        other => return Err(format!("arguments must be an object, got {other}")),
    };
    if !tool_descriptions().iter().any(|t| t.name == name) {
        return Err(format!("unknown tool {name}"));
    }
    obj.insert("op".into(), serde_json::Value::String(name.to_string()));
    serde_json::from_value(serde_json::Value::Object(obj))
        .map_err(|e| format!("invalid arguments for {name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_changes_apply() {
        assert_eq!(ReplicaChange::To(2).apply(5), 2);
        assert_eq!(ReplicaChange::By(1).apply(2), 3);
        assert_eq!(ReplicaChange::By(-3).apply(2), 0);
        assert_eq!(ReplicaChange::Times(2.0).apply(3), 6);
        assert_eq!(ReplicaChange::Times(0.5).apply(1), 1);
        assert_eq!(ReplicaChange::Times(0.5).apply(4), 2);
        assert_eq!(ReplicaChange::Times(2.0).apply(0), 0);
    }

    #[test]
    fn operations_round_trip_as_tagged_json() {
        let op = Operation::Scale(ScaleOp {
            target: Target::named(None, "frontend"),
            replicas: ReplicaChange::To(2),
        });
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"op": "scale", "target": {"name": "frontend"}, "replicas": {"to": 2}})
        );
        assert_eq!(serde_json::from_value::<Operation>(json).unwrap(), op);
    }

    #[test]
    fn every_tool_has_an_object_schema_and_parses_back() {
        for tool in tool_descriptions() {
            assert_eq!(tool.parameters["type"], "object", "{}", tool.name);
        }
        let op = operation_from_tool("logs", serde_json::json!({"target": {"name": "backend"}}))
            .unwrap();
        assert!(matches!(op, Operation::Logs(LogsOp { tail: 100, .. })));
        assert!(operation_from_tool("delete_namespace", serde_json::json!({})).is_err());
        assert!(operation_from_tool("scale", serde_json::json!({"target": {}})).is_err());
    }

    #[test]
    fn writes_are_marked() {
        let w: Vec<_> = tool_descriptions()
            .into_iter()
            .filter(|t| t.access == Access::Write)
            .map(|t| t.name)
            .collect();
        assert_eq!(
            w,
            [
                "scale",
                "rollout_restart",
                "rollout_undo",
                "set_image",
                "set_resources",
                "patch",
                "delete_pod"
            ]
        );
    }
}
