//! Scheduled checks: every interval (5 minutes by default) the analyzers run over
//! the cluster; the findings feed `/metrics` and, once per new problem, a
//! Kubernetes Event on the affected object. No LLM is involved.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::api::{Api, Patch, PatchParams, PostParams};

use super::agent::Agent;
use crate::analyze::{self, Finding, Scope, Severity};
use crate::ops::Kind;

/// How the checks run.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub interval: Duration,
    /// Record findings as Kubernetes Events.
    pub events: bool,
    /// Only this namespace (`None`: the whole cluster).
    pub namespace: Option<String>,
    /// Where new problems are POSTed, when configured.
    pub webhook: Option<Arc<super::webhook::Webhook>>,
}

/// The outcome of the last check and the counters of all of them.
#[derive(Debug, Clone, Default)]
pub struct CheckResult {
    pub findings: Vec<Finding>,
    /// Unix seconds of the last successful check.
    pub last_success: Option<i64>,
    pub last_duration: Option<Duration>,
    pub runs: u64,
    pub failures: u64,
    pub last_error: Option<String>,
    pub events_created: u64,
    pub event_failures: u64,
    /// Problems POSTed to the webhook, and POSTs that failed.
    pub webhook_sent: u64,
    pub webhook_failures: u64,
}

/// Shared between the schedule, `/metrics` and the console.
#[derive(Default)]
pub struct Checks {
    pub result: Mutex<CheckResult>,
    /// Problems already recorded as an Event and still present, so each is
    /// recorded once while it lasts.
    recorded: Mutex<BTreeSet<String>>,
}

impl Checks {
    pub fn snapshot(&self) -> CheckResult {
        self.result.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// Start the periodic checks (the first one at once).
pub fn spawn(
    agent: Arc<Agent>,
    checks: Arc<Checks>,
    settings: CheckSettings,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if agent.is_draining() {
                return;
            }
            run_once(&agent, &checks, &settings).await;
            agent.expire();
        }
    })
}

/// The Event key of a finding: the object and the reason.
pub fn key(f: &Finding) -> String {
    format!(
        "{}/{}/{}/{}",
        f.object.kind.kubectl_name(),
        f.object.namespace.as_deref().unwrap_or(""),
        f.object.name,
        f.reason
    )
}

/// One check: analyze, store, record new problems as Events.
pub async fn run_once(agent: &Agent, checks: &Checks, settings: &CheckSettings) {
    let started = Instant::now();
    let snapshot = analyze::collect(&agent.client, settings.namespace.as_deref()).await;
    let mut result = checks.snapshot();
    result.runs += 1;
    let findings = match snapshot {
        Ok(s) => analyze::analyze(&s, Scope::All),
        Err(e) => {
            tracing::warn!("scheduled check failed: {e}");
            result.failures += 1;
            result.last_error = Some(e.to_string());
            if let Ok(mut r) = checks.result.lock() {
                *r = result;
            }
            return;
        }
    };
    result.last_duration = Some(started.elapsed());
    result.last_success = Some(k8s_openapi::jiff::Timestamp::now().as_second());
    result.last_error = None;
    if settings.events {
        let current: BTreeSet<String> = findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .map(key)
            .collect();
        let known = checks
            .recorded
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        let mut recorded: BTreeSet<String> = known.intersection(&current).cloned().collect();
        for f in findings.iter().filter(|f| f.severity != Severity::Info) {
            let k = key(f);
            if recorded.contains(&k) {
                continue;
            }
            match record_event(agent, f, &k).await {
                Ok(()) => {
                    result.events_created += 1;
                    recorded.insert(k);
                }
                Err(e) => {
                    result.event_failures += 1;
                    tracing::warn!("cannot record an Event for {}: {e}", f.object);
                }
            }
        }
        if let Ok(mut r) = checks.recorded.lock() {
            *r = recorded;
        }
    }
    if let Some(hook) = &settings.webhook {
        match hook.notify(&findings, &agent.identity.context).await {
            Ok(n) => result.webhook_sent += n as u64,
            Err(e) => {
                result.webhook_failures += 1;
                tracing::warn!("findings not sent to the webhook (retried at the next check): {e}");
            }
        }
    }
    result.findings = findings;
    if let Ok(mut r) = checks.result.lock() {
        *r = result;
    }
}

/// The API group/version and kind of an object, as an Event's involvedObject.
fn api_kind(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Pod => ("v1", "Pod"),
        Kind::Deployment => ("apps/v1", "Deployment"),
        Kind::ReplicaSet => ("apps/v1", "ReplicaSet"),
        Kind::StatefulSet => ("apps/v1", "StatefulSet"),
        Kind::DaemonSet => ("apps/v1", "DaemonSet"),
        Kind::Service => ("v1", "Service"),
        Kind::Node => ("v1", "Node"),
        Kind::Namespace => ("v1", "Namespace"),
        Kind::Job => ("batch/v1", "Job"),
        Kind::PersistentVolumeClaim => ("v1", "PersistentVolumeClaim"),
        Kind::ConfigMap => ("v1", "ConfigMap"),
        Kind::Event => ("v1", "Event"),
    }
}

/// FNV-1a: a stable short name for the Event of one problem, so a restarted
/// agent finds (and counts up) the Event it made before instead of adding one.
fn stable_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

async fn record_event(agent: &Agent, f: &Finding, key: &str) -> crate::Result<()> {
    let ns = f
        .object
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let name = format!(
        "{}.kubectl-assist-{:016x}",
        f.object.name.chars().take(200).collect::<String>(),
        stable_hash(key)
    );
    let (api_version, kind) = api_kind(f.object.kind);
    let now = k8s_openapi::jiff::Timestamp::now();
    let mut message = f.cause.clone();
    if let Some(first) = f.evidence.first() {
        message.push_str(" Evidence: ");
        message.push_str(first);
    }
    let message: String = message.chars().take(1000).collect();
    let event = Event {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(ns.clone()),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: Some(api_version.into()),
            kind: Some(kind.into()),
            name: Some(f.object.name.clone()),
            namespace: f.object.namespace.clone(),
            ..Default::default()
        },
        reason: Some(f.reason.clone()),
        message: Some(message),
        type_: Some("Warning".into()),
        count: Some(1),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        event_time: Some(MicroTime(now)),
        reporting_component: Some("kubectl-assist".into()),
        reporting_instance: Some(agent.identity.context.clone()),
        action: Some("Check".into()),
        source: Some(EventSource {
            component: Some("kubectl-assist".into()),
            host: None,
        }),
        ..Default::default()
    };
    let api: Api<Event> = Api::namespaced(agent.client.clone(), &ns);
    match api.create(&PostParams::default(), &event).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 409 => {
            // The same problem, recorded by an earlier run of the agent: count it.
            let old = api.get(&name).await?;
            let patch = serde_json::json!({
                "count": old.count.unwrap_or(1) + 1,
                "lastTimestamp": Time(now),
                "message": event.message,
            });
            api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
