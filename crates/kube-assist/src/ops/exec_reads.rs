//! Running the read family: get, describe (with events), events, and logs
//! (bounded: a few pods, a tail of lines, a byte limit).

use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ListParams, LogParams};
use serde_json::{Value, json};

use super::exec::{Executor, OpOutput, ns_api, parts};
use super::view;
use super::{Kind, Target};
use crate::analyze;
use crate::error::{AssistError, Result};

const ERROR_WORDS: [&str; 8] = [
    "error",
    "exception",
    "fatal",
    "panic",
    "fail",
    "traceback",
    "critical",
    "refused",
];
const MAX_LOG_PODS: usize = 5;
const MAX_LOG_BYTES: i64 = 256 * 1024;

impl Executor {
    pub(super) async fn get(&self, t: &Target) -> Result<OpOutput> {
        let kind = t.kind.unwrap_or(Kind::Deployment);
        let v = self.get_value(t).await?;
        let header = view::header(kind);
        let row = view::row(kind, &v, Timestamp::now());
        let data = header
            .iter()
            .zip(&row)
            .map(|(h, c)| (h.to_lowercase(), json!(c)))
            .collect::<serde_json::Map<_, _>>();
        Ok(OpOutput::text(
            view::table(&header, &[row]),
            Value::Object(data),
        ))
    }

    pub(super) async fn describe(&self, t: &Target) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        let v = view::trimmed(kind, self.get_value(t).await?);
        let mut text = String::new();
        view::tree(&v, 0, &mut text);
        let events = self
            .events(
                Some(name),
                if kind.is_cluster_scoped() { None } else { ns },
                false,
            )
            .await?;
        text.push_str("\nEvents:\n");
        text.push_str(&events.text);
        Ok(OpOutput::text(
            text,
            json!({"object": v, "events": events.data}),
        ))
    }

    pub(super) async fn events(
        &self,
        name: Option<&str>,
        ns: Option<&str>,
        warnings_only: bool,
    ) -> Result<OpOutput> {
        let mut fields = Vec::new();
        if let Some(n) = name {
            fields.push(format!("involvedObject.name={n}"));
        }
        if warnings_only {
            fields.push("type=Warning".into());
        }
        let lp = ListParams {
            field_selector: (!fields.is_empty()).then(|| fields.join(",")),
            ..Default::default()
        };
        let api: Api<Event> = ns_api(&self.client, ns);
        let mut events = api.list(&lp).await?.items;
        events.sort_by_key(analyze::event_time_pub);
        let keep = events.len().saturating_sub(50);
        let events: Vec<Value> = events
            .into_iter()
            .skip(keep)
            .map(|e| serde_json::to_value(e).unwrap_or_default())
            .collect();
        let now = Timestamp::now();
        let rows: Vec<Vec<String>> = events
            .iter()
            .map(|v| view::row(Kind::Event, v, now))
            .collect();
        let text = if rows.is_empty() {
            "No events.\n".to_string()
        } else {
            view::table(&view::header(Kind::Event), &rows)
        };
        let data: Vec<Value> = rows
            .iter()
            .map(|r| json!({"namespace": r[0], "type": r[1], "reason": r[2], "object": r[3], "count": r[4], "message": r[5]}))
            .collect();
        Ok(OpOutput::text(text, Value::Array(data)))
    }

    /// The pods a target stands for: itself, or a workload's pods.
    pub(super) async fn pods_of(&self, t: &Target) -> Result<Vec<Pod>> {
        let (kind, ns, name) = parts(t)?;
        let api: Api<Pod> = ns_api(&self.client, ns);
        if kind == Kind::Pod {
            return Ok(vec![api.get(name).await?]);
        }
        let tpl = self.get_value(t).await?;
        let labels = tpl
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if labels.is_empty() {
            return Err(AssistError::Invalid(format!(
                "{} has no label selector to find its pods by",
                t.display()
            )));
        }
        let selector = labels
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(",");
        let mut pods = api
            .list(&ListParams {
                label_selector: Some(selector),
                ..Default::default()
            })
            .await?
            .items;
        pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        Ok(pods)
    }

    pub(super) async fn logs(&self, o: &super::LogsOp) -> Result<OpOutput> {
        let pods = self.pods_of(&o.target).await?;
        if pods.is_empty() {
            return Ok(OpOutput::text(
                format!("{} has no pods.", o.target.display()),
                json!([]),
            ));
        }
        let mut text = String::new();
        let mut data = Vec::new();
        for pod in pods.iter().take(MAX_LOG_PODS) {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let api: Api<Pod> = ns_api(&self.client, pod.metadata.namespace.as_deref());
            let lp = LogParams {
                container: o.container.clone(),
                previous: o.previous,
                tail_lines: Some(o.tail.clamp(1, 1000) as i64),
                limit_bytes: Some(MAX_LOG_BYTES),
                ..Default::default()
            };
            let body = match api.logs(&name, &lp).await {
                Ok(b) => b,
                Err(e) => {
                    let e = AssistError::from(e);
                    format!("(no logs: {e})")
                }
            };
            let lines: Vec<&str> = body
                .lines()
                .filter(|l| {
                    !o.errors_only || ERROR_WORDS.iter().any(|w| l.to_lowercase().contains(w))
                })
                .collect();
            text.push_str(&format!("==> pod/{name} <==\n"));
            if lines.is_empty() {
                text.push_str(if o.errors_only {
                    "(no error lines)\n"
                } else {
                    "(empty)\n"
                });
            }
            for l in &lines {
                text.push_str(l);
                text.push('\n');
            }
            data.push(json!({"pod": name, "lines": lines}));
        }
        if pods.len() > MAX_LOG_PODS {
            text.push_str(&format!(
                "({} more pods not shown)\n",
                pods.len() - MAX_LOG_PODS
            ));
        }
        Ok(OpOutput::text(text, Value::Array(data)))
    }
}
