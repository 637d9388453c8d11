//! `/metrics` in the Prometheus text format: the findings of the last scheduled
//! check as `kubectl_assist_findings{severity,kind,namespace,reason}`, and the
//! checks' own counters.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;

use super::ServeState;
use super::schedule::CheckResult;

/// A label value escaped as the exposition format wants it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The metrics text of a check result.
pub fn render(r: &CheckResult) -> String {
    let mut counts: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    for f in &r.findings {
        let severity = serde_json::to_value(f.severity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *counts
            .entry((
                severity,
                f.object.kind.kubectl_name().to_string(),
                f.object.namespace.clone().unwrap_or_default(),
                f.reason.clone(),
            ))
            .or_default() += 1;
    }
    let mut out = String::new();
    out.push_str("# HELP kubectl_assist_findings Problems the analyzers found in the last check, by severity, object kind, namespace and reason.\n# TYPE kubectl_assist_findings gauge\n");
    for ((severity, kind, namespace, reason), n) in &counts {
        let _ = writeln!(
            out,
            "kubectl_assist_findings{{severity=\"{}\",kind=\"{}\",namespace=\"{}\",reason=\"{}\"}} {n}",
            label(severity),
            label(kind),
            label(namespace),
            label(reason)
        );
    }
    let _ = write!(
        out,
        "# HELP kubectl_assist_checks_total Scheduled checks run.\n# TYPE kubectl_assist_checks_total counter\nkubectl_assist_checks_total {}\n\
         # HELP kubectl_assist_check_failures_total Scheduled checks that could not read the cluster.\n# TYPE kubectl_assist_check_failures_total counter\nkubectl_assist_check_failures_total {}\n\
         # HELP kubectl_assist_events_recorded_total Kubernetes Events recorded for new findings.\n# TYPE kubectl_assist_events_recorded_total counter\nkubectl_assist_events_recorded_total {}\n\
         # HELP kubectl_assist_event_failures_total Events that could not be recorded.\n# TYPE kubectl_assist_event_failures_total counter\nkubectl_assist_event_failures_total {}\n\
         # HELP kubectl_assist_webhook_sent_total Problems sent to the findings webhook.\n# TYPE kubectl_assist_webhook_sent_total counter\nkubectl_assist_webhook_sent_total {}\n\
         # HELP kubectl_assist_webhook_failures_total Webhook POSTs that failed (retried at the next check).\n# TYPE kubectl_assist_webhook_failures_total counter\nkubectl_assist_webhook_failures_total {}\n",
        r.runs, r.failures, r.events_created, r.event_failures, r.webhook_sent, r.webhook_failures
    );
    if let Some(d) = r.last_duration {
        let _ = write!(
            out,
            "# HELP kubectl_assist_check_duration_seconds How long the last successful check took.\n# TYPE kubectl_assist_check_duration_seconds gauge\nkubectl_assist_check_duration_seconds {:.6}\n",
            d.as_secs_f64()
        );
    }
    if let Some(t) = r.last_success {
        let _ = write!(
            out,
            "# HELP kubectl_assist_last_check_timestamp_seconds When the last successful check ended.\n# TYPE kubectl_assist_last_check_timestamp_seconds gauge\nkubectl_assist_last_check_timestamp_seconds {t}\n"
        );
    }
    out
}

pub async fn handler(State(state): State<Arc<ServeState>>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&state.checks.snapshot()),
    )
}
