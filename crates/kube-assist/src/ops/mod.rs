//! Typed Kubernetes operations. Each is declared once in its family's file
//! (`read`, `analysis`, `workload`, `object`, `manifest`, `node`) with its arguments and its
//! [`registry`] entry: name, class (read/write/destructive), JSON schema (the LLM
//! planner and MCP offer them as tools), example and words. Its `kubectl`
//! equivalent is printed before it runs and written to the audit log.

mod analysis;
pub mod discovery;
mod dynamic;
mod exec;
mod exec_node;
mod exec_objects;
mod exec_reads;
mod exec_writes;
mod kubectl;
pub mod manifest;
mod node;
mod object;
pub mod preflight;
mod read;
pub mod registry;
mod rollout;
mod view;
mod workload;

pub use analysis::*;
pub use dynamic::Listing;
pub use exec::{ExecOptions, Executor, OpOutput};
pub use exec_node::DrainPlan;
pub use exec_writes::ObjectChange;
pub use manifest::{
    ApplyOp, AutoscaleOp, CreateConfigMapOp, CreateDeploymentOp, CreateNamespaceOp, CreateSecretOp,
    ExposeOp, SecretValues,
};
pub use node::*;
pub use object::*;
pub use read::*;
pub use registry::{Class, OpSpec};
pub use view::table as render_table;
pub use workload::*;

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
    /// Any other kind the server serves, as kubectl names it (`hpa`, `ingress`,
    /// `crontabs.stable.example.com`), when `kind` is absent; found by discovery.
    /// Once resolved it reads `plural.version.group` (`plural.v1` for the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl Target {
    pub fn named(kind: Option<Kind>, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: Some(name.into()),
            namespace: None,
            resource: None,
        }
    }

    /// The kind word kubectl takes: `deployment`, `hpa`, `crontabs.stable.example.com`.
    pub fn kind_name(&self) -> String {
        match (self.kind, &self.resource) {
            (Some(k), _) => k.kubectl_name().to_string(),
            (None, Some(r)) => discovery::QualifiedResource::parse(r)
                .map(|q| q.kubectl_name())
                .unwrap_or_else(|_| r.clone()),
            (None, None) => "workload".to_string(),
        }
    }

    /// Deleting it takes away what is hard to get back: a namespace (and all in
    /// it), a node, a PersistentVolume (and maybe its data), a CRD (and every
    /// object of its kind).
    pub fn is_hard_to_recreate(&self) -> bool {
        matches!(self.kind, Some(Kind::Namespace | Kind::Node))
            || self.resource.as_deref().is_some_and(|r| {
                r.starts_with("persistentvolumes.")
                    || r.starts_with("customresourcedefinitions.")
                    || r.starts_with("namespaces.")
                    || r.starts_with("nodes.")
            })
    }

    /// Whether the target is addressed through discovery rather than a typed kind.
    pub fn is_dynamic(&self) -> bool {
        self.kind.is_none() && self.resource.is_some()
    }

    /// `deployment/frontend` (kind and name as kubectl writes them).
    pub fn display(&self) -> String {
        let kind = self.kind_name();
        match &self.name {
            Some(n) => format!("{kind}/{n}"),
            None => format!("{kind}s"),
        }
    }
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
    RolloutHistory(HistoryOp),
    RolloutPause(PauseOp),
    RolloutResume(ResumeOp),
    SetImage(SetImageOp),
    SetEnv(SetEnvOp),
    SetResources(SetResourcesOp),
    Patch(PatchOp),
    DeletePod(DeletePodOp),
    Delete(DeleteOp),
    Restore(RestoreOp),
    Apply(ApplyOp),
    CreateNamespace(CreateNamespaceOp),
    CreateConfigmap(CreateConfigMapOp),
    CreateSecret(CreateSecretOp),
    CreateDeployment(CreateDeploymentOp),
    Expose(ExposeOp),
    Autoscale(AutoscaleOp),
    Cordon(CordonOp),
    Uncordon(UncordonOp),
    Drain(DrainOp),
    Health(HealthOp),
    Diagnose(DiagnoseOp),
    Optimize(OptimizeOp),
    Fix(crate::fix::FixOp),
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
            Operation::RolloutHistory(_) => "rollout_history",
            Operation::RolloutPause(_) => "rollout_pause",
            Operation::RolloutResume(_) => "rollout_resume",
            Operation::SetEnv(_) => "set_env",
            Operation::Cordon(_) => "cordon",
            Operation::Uncordon(_) => "uncordon",
            Operation::Drain(_) => "drain",
            Operation::SetImage(_) => "set_image",
            Operation::SetResources(_) => "set_resources",
            Operation::Patch(_) => "patch",
            Operation::DeletePod(_) => "delete_pod",
            Operation::Delete(_) => "delete",
            Operation::Restore(_) => "restore",
            Operation::Apply(_) => "apply",
            Operation::CreateNamespace(_) => "create_namespace",
            Operation::CreateConfigmap(_) => "create_configmap",
            Operation::CreateSecret(_) => "create_secret",
            Operation::CreateDeployment(_) => "create_deployment",
            Operation::Expose(_) => "expose",
            Operation::Autoscale(_) => "autoscale",
            Operation::Health(_) => "health",
            Operation::Diagnose(_) => "diagnose",
            Operation::Optimize(_) => "optimize",
            Operation::Fix(_) => "fix",
        }
    }

    /// The class its registry entry declares; an argument can make a write
    /// destructive (see [`Operation::is_destructive`]).
    pub fn class(&self) -> Class {
        registry::find(self.name()).map_or(Class::Write, |s| s.class)
    }

    pub fn access(&self) -> Access {
        match self.class() {
            Class::Read => Access::Read,
            Class::Write | Class::Destructive => Access::Write,
        }
    }

    pub fn is_write(&self) -> bool {
        self.access() == Access::Write
    }

    /// A write that takes something away that is hard to get back: scaling a
    /// workload to 0 (its pods stop serving). The plan marks it, and at a terminal
    /// the operator types the object's name instead of "y".
    pub fn is_destructive(&self) -> bool {
        self.class() == Class::Destructive
            || matches!(self, Operation::Delete(d) if d.target.is_hard_to_recreate())
            || matches!(
                self,
                Operation::Scale(ScaleOp {
                    replicas: ReplicaChange::To(0),
                    ..
                })
            )
    }

    /// The class as shown in plans and written to the audit log.
    pub fn effective_class(&self) -> Class {
        if self.is_destructive() {
            Class::Destructive
        } else {
            self.class()
        }
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
            Operation::RolloutHistory(o) => Some(&o.target),
            Operation::RolloutPause(o) => Some(&o.target),
            Operation::RolloutResume(o) => Some(&o.target),
            Operation::SetEnv(o) => Some(&o.target),
            Operation::Cordon(o) => Some(&o.target),
            Operation::Uncordon(o) => Some(&o.target),
            Operation::Drain(o) => Some(&o.target),
            Operation::SetImage(o) => Some(&o.target),
            Operation::SetResources(o) => Some(&o.target),
            Operation::Patch(o) => Some(&o.target),
            Operation::DeletePod(o) => Some(&o.target),
            Operation::Delete(o) => Some(&o.target),
            Operation::Expose(o) => Some(&o.target),
            Operation::Autoscale(o) => Some(&o.target),
            Operation::Restore(o) => Some(&o.target),
            Operation::Diagnose(o) => o.target.as_ref(),
            Operation::Optimize(o) => o.target.as_ref(),
            Operation::Fix(o) => o.target.as_ref(),
            Operation::List(_)
            | Operation::Health(_)
            | Operation::Apply(_)
            | Operation::CreateNamespace(_)
            | Operation::CreateConfigmap(_)
            | Operation::CreateSecret(_)
            | Operation::CreateDeployment(_) => None,
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
            Operation::RolloutHistory(o) => Some(&mut o.target),
            Operation::RolloutPause(o) => Some(&mut o.target),
            Operation::RolloutResume(o) => Some(&mut o.target),
            Operation::SetEnv(o) => Some(&mut o.target),
            Operation::Cordon(o) => Some(&mut o.target),
            Operation::Uncordon(o) => Some(&mut o.target),
            Operation::Drain(o) => Some(&mut o.target),
            Operation::SetImage(o) => Some(&mut o.target),
            Operation::SetResources(o) => Some(&mut o.target),
            Operation::Patch(o) => Some(&mut o.target),
            Operation::DeletePod(o) => Some(&mut o.target),
            Operation::Delete(o) => Some(&mut o.target),
            Operation::Expose(o) => Some(&mut o.target),
            Operation::Autoscale(o) => Some(&mut o.target),
            Operation::Restore(o) => Some(&mut o.target),
            Operation::Diagnose(o) => o.target.as_mut(),
            Operation::Optimize(o) => o.target.as_mut(),
            Operation::Fix(o) => o.target.as_mut(),
            Operation::List(_)
            | Operation::Health(_)
            | Operation::Apply(_)
            | Operation::CreateNamespace(_)
            | Operation::CreateConfigmap(_)
            | Operation::CreateSecret(_)
            | Operation::CreateDeployment(_) => None,
        }
    }

    /// The equivalent kubectl command line, printed as `Running: ...`.
    pub fn kubectl(&self) -> String {
        kubectl::render(self)
    }
}

/// What the operations offered to an LLM look like: name, description, JSON schema
/// of the arguments, and whether the tool writes. Read from the registry.
#[derive(Debug, Clone)]
pub struct ToolDescription {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: serde_json::Value,
    pub access: Access,
}

/// Every operation of the registry as a tool, in its fixed order.
pub fn tool_descriptions() -> Vec<ToolDescription> {
    registry::all()
        .map(|s| ToolDescription {
            name: s.name,
            description: s.description,
            parameters: (s.schema)(),
            access: if s.class == Class::Read {
                Access::Read
            } else {
                Access::Write
            },
        })
        .collect()
}

/// Parse a tool call (name + JSON arguments) into an operation.
pub fn operation_from_tool(name: &str, args: serde_json::Value) -> Result<Operation, String> {
    let mut obj = match args {
        serde_json::Value::Object(m) => m,
        serde_json::Value::Null => serde_json::Map::new(),
        other => return Err(format!("arguments must be an object, got {other}")),
    };
    if registry::find(name).is_none() {
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
                "rollout_pause",
                "rollout_resume",
                "set_env",
                "patch",
                "delete_pod",
                "delete",
                "restore",
                "apply",
                "create_namespace",
                "create_configmap",
                "create_secret",
                "create_deployment",
                "expose",
                "autoscale",
                "cordon",
                "uncordon",
                "drain"
            ]
        );
    }
}
