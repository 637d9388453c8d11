//! Running resolved operations through the Kubernetes API (kube-rs; never by
//! shelling out to kubectl).

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, PersistentVolumeClaim, Pod, Service,
};
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde::Serialize;
use serde_json::{Value, json};
use tracing::instrument;

use super::view;
use super::{Kind, Operation, Target};
use crate::analyze::{self, Finding, Scope};
use crate::error::{AssistError, Result};
use crate::resolve::ObjectRef;

/// How operations run.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// Send writes with `dryRun=All`: the API server validates them and changes nothing.
    pub dry_run: bool,
    /// Show a spinner while waiting (only ever drawn on a terminal).
    pub progress: bool,
    /// How reads show objects (`-o wide`, `-o yaml`).
    pub listing: super::Listing,
}

/// What an operation produced: text for a person, data for `-o json` and the LLM,
/// findings of analyses, and operations proposed as fixes (never run by themselves).
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpOutput {
    pub text: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub data: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proposed: Vec<Operation>,
    /// A write's object as the API server answered (after the change; under a
    /// dry run, what it would be). Used for the diff and the undo journal.
    #[serde(skip)]
    pub after: Option<Value>,
}

impl OpOutput {
    pub(super) fn text(text: impl Into<String>, data: Value) -> Self {
        Self {
            text: text.into(),
            data,
            ..Default::default()
        }
    }

    pub(super) fn with_after(mut self, after: Value) -> Self {
        self.after = Some(after);
        self
    }
}

/// Dispatch on a kind with a typed `Api` bound to `$api`.
macro_rules! with_api {
    ($client:expr, $kind:expr, $ns:expr, |$api:ident| $body:expr) => {{
        let ns: Option<&str> = $ns;
        match $kind {
            Kind::Pod => {
                let $api: Api<Pod> = ns_api($client, ns);
                $body
            }
            Kind::Deployment => {
                let $api: Api<Deployment> = ns_api($client, ns);
                $body
            }
            Kind::ReplicaSet => {
                let $api: Api<ReplicaSet> = ns_api($client, ns);
                $body
            }
            Kind::StatefulSet => {
                let $api: Api<StatefulSet> = ns_api($client, ns);
                $body
            }
            Kind::DaemonSet => {
                let $api: Api<DaemonSet> = ns_api($client, ns);
                $body
            }
            Kind::Service => {
                let $api: Api<Service> = ns_api($client, ns);
                $body
            }
            Kind::Job => {
                let $api: Api<Job> = ns_api($client, ns);
                $body
            }
            Kind::PersistentVolumeClaim => {
                let $api: Api<PersistentVolumeClaim> = ns_api($client, ns);
                $body
            }
            Kind::ConfigMap => {
                let $api: Api<ConfigMap> = ns_api($client, ns);
                $body
            }
            Kind::Event => {
                let $api: Api<Event> = ns_api($client, ns);
                $body
            }
            Kind::Node => {
                let $api: Api<Node> = Api::all($client.clone());
                $body
            }
            Kind::Namespace => {
                let $api: Api<Namespace> = Api::all($client.clone());
                $body
            }
        }
    }};
}

pub(super) fn ns_api<K>(client: &Client, ns: Option<&str>) -> Api<K>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>,
{
    match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

pub(super) fn parts(t: &Target) -> Result<(Kind, Option<&str>, &str)> {
    match (t.kind, t.name.as_deref()) {
        (Some(k), Some(n)) => Ok((k, t.namespace.as_deref(), n)),
        _ => Err(AssistError::Invalid(format!(
            "{} is not resolved to one object",
            t.display()
        ))),
    }
}

/// Runs operations against one cluster.
#[derive(Clone)]
pub struct Executor {
    pub(super) client: Client,
    /// For requests whose 429 is an answer, not congestion (evictions).
    pub(super) unretried: Client,
    pub(super) options: ExecOptions,
}

impl Executor {
    pub fn new(client: Client, options: ExecOptions) -> Self {
        Self {
            unretried: client.clone(),
            client,
            options,
        }
    }

    /// Use `client`, built without retries, for evictions (see
    /// [`crate::connect::Connection::unretried`]).
    pub fn with_unretried(mut self, client: Client) -> Self {
        self.unretried = client;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn patch_params(&self) -> PatchParams {
        PatchParams {
            dry_run: self.options.dry_run,
            field_manager: Some("kubectl-assist".into()),
            ..Default::default()
        }
    }

    pub(super) fn dry(&self) -> &'static str {
        if self.options.dry_run {
            " (server dry run)"
        } else {
            ""
        }
    }

    /// Run one operation whose targets are resolved.
    #[instrument(skip(self), fields(op = op.name()))]
    pub async fn run(&self, op: &Operation) -> Result<OpOutput> {
        match op {
            Operation::List(o) => {
                let generic = o.resource.is_some()
                    || o.field_selector.is_some()
                    || self.options.listing != super::Listing::Table;
                if generic {
                    let q = match &o.resource {
                        Some(r) => super::discovery::QualifiedResource::parse(r)?,
                        None => super::dynamic::qualified_of(o.kind),
                    };
                    self.list_any(
                        &q,
                        o.namespace.as_deref(),
                        o.selector.as_deref(),
                        o.field_selector.as_deref(),
                    )
                    .await
                } else {
                    self.list(o.kind, o.namespace.as_deref(), o.selector.as_deref())
                        .await
                }
            }
            Operation::Get(o)
                if o.target.is_dynamic() || self.options.listing != super::Listing::Table =>
            {
                self.get_any(&o.target).await
            }
            Operation::Get(o) => self.get(&o.target).await,
            Operation::Describe(o) if o.target.is_dynamic() => self.describe_any(&o.target).await,
            Operation::Describe(o) => self.describe(&o.target).await,
            Operation::Events(o) => {
                let ns = o
                    .namespace
                    .as_deref()
                    .or(o.target.as_ref().and_then(|t| t.namespace.as_deref()));
                self.events(
                    o.target.as_ref().and_then(|t| t.name.as_deref()),
                    ns,
                    o.warnings_only,
                )
                .await
            }
            Operation::Logs(o) => self.logs(o).await,
            Operation::Scale(o) => self.scale(&o.target, o.replicas).await,
            Operation::RolloutRestart(o) => self.restart(&o.target).await,
            Operation::RolloutUndo(o) => self.undo(&o.target, o.to_revision).await,
            Operation::RolloutStatus(o) => self.rollout_status(&o.target, o.timeout_secs).await,
            Operation::RolloutHistory(o) => self.history(&o.target).await,
            Operation::RolloutPause(o) => self.set_paused(&o.target, true).await,
            Operation::RolloutResume(o) => self.set_paused(&o.target, false).await,
            Operation::SetEnv(o) => self.set_env(o).await,
            Operation::Cordon(o) => self.set_unschedulable(&o.target, true).await,
            Operation::Uncordon(o) => self.set_unschedulable(&o.target, false).await,
            Operation::Drain(o) => self.drain(o).await,
            Operation::SetImage(o) => {
                let c = json!({"image": o.image});
                self.patch_container(
                    &o.target,
                    o.container.as_deref(),
                    c,
                    &format!("image set to {}", o.image),
                )
                .await
            }
            Operation::SetResources(o) => {
                let mut resources = serde_json::Map::new();
                for (field, vals) in [("requests", &o.requests), ("limits", &o.limits)] {
                    let mut m = serde_json::Map::new();
                    if let Some(c) = &vals.cpu {
                        m.insert("cpu".into(), json!(c));
                    }
                    if let Some(mem) = &vals.memory {
                        m.insert("memory".into(), json!(mem));
                    }
                    if !m.is_empty() {
                        resources.insert(field.into(), Value::Object(m));
                    }
                }
                let text = super::kubectl::render(op)
                    .replace("kubectl set resources ", "resources set on ");
                self.patch_container(
                    &o.target,
                    o.container.as_deref(),
                    json!({"resources": resources}),
                    &text,
                )
                .await
            }
            Operation::Patch(o) => self.patch(&o.target, &o.patch, o.patch_type).await,
            Operation::DeletePod(o) => self.delete_pod(&o.target).await,
            Operation::Delete(o) => self.delete_object(&o.target).await,
            Operation::Apply(_)
            | Operation::CreateNamespace(_)
            | Operation::CreateConfigmap(_)
            | Operation::CreateSecret(_)
            | Operation::CreateDeployment(_)
            | Operation::Expose(_)
            | Operation::Autoscale(_) => self.write_objects(op).await,
            Operation::Restore(o) => self.restore(&o.target, &o.object).await,
            Operation::Health(o) => self.health(o.namespace.as_deref()).await,
            Operation::Diagnose(o) => {
                self.diagnose(o.target.as_ref(), o.namespace.as_deref())
                    .await
            }
            Operation::Optimize(o) => {
                crate::optimize::run(&self.client, o.target.as_ref(), o.namespace.as_deref()).await
            }
            Operation::Fix(o) => crate::fix::run(self, o).await,
        }
    }

    async fn list(&self, kind: Kind, ns: Option<&str>, selector: Option<&str>) -> Result<OpOutput> {
        let lp = ListParams {
            label_selector: selector.map(str::to_string),
            ..Default::default()
        };
        let items: Vec<Value> = with_api!(&self.client, kind, ns, |api| {
            api.list(&lp)
                .await?
                .items
                .into_iter()
                .map(|o| serde_json::to_value(o).unwrap_or_default())
                .collect()
        });
        let now = Timestamp::now();
        let rows: Vec<Vec<String>> = items.iter().map(|v| view::row(kind, v, now)).collect();
        let header = view::header(kind);
        let text = if rows.is_empty() {
            format!(
                "No {}s found{}.",
                kind.kubectl_name(),
                ns.map(|n| format!(" in namespace {n}")).unwrap_or_default()
            )
        } else {
            view::table(&header, &rows)
        };
        let data = json!({"kind": kind, "items": rows.iter().map(|r| header.iter().zip(r).map(|(h, c)| (h.to_lowercase(), json!(c))).collect::<serde_json::Map<_, _>>()).collect::<Vec<_>>()});
        Ok(OpOutput::text(text, data))
    }

    /// Patch an object of any kind this tool knows.
    pub(super) async fn patch_any(
        &self,
        kind: Kind,
        ns: Option<&str>,
        name: &str,
        patch: &Patch<&Value>,
    ) -> Result<Value> {
        let pp = self.patch_params();
        Ok(with_api!(&self.client, kind, ns, |api| {
            serde_json::to_value(api.patch(name, &pp, patch).await?).unwrap_or_default()
        }))
    }

    /// Replace an object with `object` (at the live resourceVersion), or create
    /// it when it no longer exists.
    pub(super) async fn restore(&self, t: &Target, object: &Value) -> Result<OpOutput> {
        if t.is_dynamic() {
            return self.restore_dynamic(t, object).await;
        }
        let (kind, ns, name) = parts(t)?;
        let live = match self.get_value(t).await {
            Ok(v) => Some(v),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let object = crate::journal::restorable(object.clone());
        let pp = kube::api::PostParams {
            dry_run: self.options.dry_run,
            field_manager: Some("kubectl-assist".into()),
        };
        let bad = |e: serde_json::Error| {
            AssistError::Invalid(format!(
                "the journalled {} is not a valid object: {e}",
                t.display()
            ))
        };
        let (after, verb) = match &live {
            Some(first) => {
                let pp = &pp;
                let after = crate::journal::replace_at_live_version(
                    &t.display(),
                    first,
                    object.clone(),
                    || self.get_value(t),
                    |object| async move {
                        Ok(with_api!(&self.client, kind, ns, |api| {
                            let obj = serde_json::from_value(object).map_err(bad)?;
                            serde_json::to_value(api.replace(name, pp, &obj).await?)
                                .unwrap_or_default()
                        }))
                    },
                )
                .await?;
                (after, "restored")
            }
            None => {
                let after = with_api!(&self.client, kind, ns, |api| {
                    let obj = serde_json::from_value(object.clone()).map_err(bad)?;
                    serde_json::to_value(api.create(&pp, &obj).await?).unwrap_or_default()
                });
                (after, "re-created")
            }
        };
        Ok(OpOutput::text(
            format!(
                "{}/{name} {verb} as it was{}",
                kind.kubectl_name(),
                self.dry()
            ),
            json!({"restored": name, "recreated": live.is_none()}),
        )
        .with_after(after))
    }

    /// Whether the object exists (a 404 is "no", other errors are errors).
    pub async fn exists(&self, t: &Target) -> Result<bool> {
        match self.get_value(t).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn get_value(&self, t: &Target) -> Result<Value> {
        if t.is_dynamic() {
            return self.get_dynamic(t).await;
        }
        let (kind, ns, name) = parts(t)?;
        Ok(with_api!(&self.client, kind, ns, |api| {
            serde_json::to_value(api.get(name).await?).unwrap_or_default()
        }))
    }

    async fn health(&self, ns: Option<&str>) -> Result<OpOutput> {
        let snapshot = analyze::collect(&self.client, ns).await?;
        let findings = analyze::analyze(&snapshot, Scope::All);
        let summary = json!({
            "pods": snapshot.pods.len(),
            "deployments": snapshot.deployments.len(),
            "services": snapshot.services.len(),
            "nodes": snapshot.nodes.len(),
        });
        let text = crate::render::findings_report(
            &findings,
            &format!(
                "Checked {} pods, {} deployments, {} services, {} nodes{}.",
                snapshot.pods.len(),
                snapshot.deployments.len(),
                snapshot.services.len(),
                snapshot.nodes.len(),
                ns.map(|n| format!(" in namespace {n}")).unwrap_or_default()
            ),
        );
        Ok(OpOutput {
            text,
            data: summary,
            proposed: collect_fixes(&findings),
            findings,
            after: None,
        })
    }

    async fn diagnose(&self, target: Option<&Target>, ns: Option<&str>) -> Result<OpOutput> {
        let target_ref = match target {
            Some(t) => {
                let (kind, tns, name) = parts(t)?;
                Some(ObjectRef::new(kind, tns, name))
            }
            None => None,
        };
        let scope_ns = target_ref
            .as_ref()
            .and_then(|r| r.namespace.as_deref())
            .or(ns);
        let snapshot = analyze::collect_for(&self.client, scope_ns, target_ref.as_ref()).await?;
        let mut findings = analyze::analyze(&snapshot, Scope::Failures);
        let headline = match &target_ref {
            Some(r) => {
                findings = analyze::related_to(&snapshot, r, findings);
                format!("Diagnosis of {r}:")
            }
            None => format!(
                "Diagnosis of {}:",
                scope_ns
                    .map(|n| format!("namespace {n}"))
                    .unwrap_or_else(|| "the cluster".into())
            ),
        };
        let text = crate::render::findings_report(&findings, &headline);
        Ok(OpOutput {
            text,
            data: json!({"findings": findings.len()}),
            proposed: collect_fixes(&findings),
            findings,
            after: None,
        })
    }
}

fn collect_fixes(findings: &[Finding]) -> Vec<Operation> {
    let mut out: Vec<Operation> = Vec::new();
    for f in findings {
        for op in &f.fix {
            if !out.contains(op) {
                out.push(op.clone());
            }
        }
    }
    out
}
