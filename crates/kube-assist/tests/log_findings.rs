//! Log findings against the fake API server: a running container whose recent
//! log shows error lines is a finding (counted, deduplicated), read with bounded
//! tail, bytes and age, and only for the target's pods or suspicious ones.

mod common;

use common::{FakeApi, todo_cluster};
use serde_json::{Value, json};

const BACKEND_POD: &str = "todo-backend-b2-bbbbb";

fn noisy_log() -> String {
    let mut log = String::new();
    for i in 0..40 {
        log.push_str(&format!(
            "2026-12-01T10:00:{:02}Z INFO GET /api/tasks 200 {i}ms\n",
            i % 60
        ));
        if i % 4 == 0 {
            log.push_str(&format!(
                "2026-12-01T10:00:{:02}Z ERROR db: connection to 10.0.0.{}:5432 refused after {} ms\n",
                i % 60,
                i % 7,
                100 + i
            ));
        }
    }
    log.push_str("level=error msg=\"migration 0042 failed: relation tasks exists\"\n");
    log.push_str("level=info msg=\"retrying after error\"\n");
    log
}

fn log_reads(api: &FakeApi) -> Vec<common::Recorded> {
    api.requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/log"))
        .collect()
}

fn findings(out: &str) -> Vec<Value> {
    let report: Value = serde_json::from_str(out).expect("-o json report");
    report["steps"][0]["output"]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn diagnosing_a_workload_reads_its_pods_logs_and_reports_error_lines() {
    let log = noisy_log();
    let api = FakeApi::start(todo_cluster(), &[(&format!("todo/{BACKEND_POD}"), &log)]).await;
    let (code, out, err) = api.run(&["-o", "json", "diagnose", "backend"]).await;
    assert_eq!(code, 0, "{err}");
    let fs = findings(&out);
    let f = fs
        .iter()
        .find(|f| f["reason"] == "LogErrors")
        .unwrap_or_else(|| panic!("no log finding: {fs:#?}"));
    assert_eq!(f["object"]["name"], BACKEND_POD);
    assert_eq!(f["severity"], "warning");
    assert!(
        f["cause"]
            .as_str()
            .unwrap()
            .contains("logged 11 error line(s) in its last 52 (2 distinct)"),
        "{f}"
    );
    let evidence: Vec<&str> = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        evidence[0].starts_with(
            "log ×10: \"2026-12-01T10:00:00Z ERROR db: connection to 10.0.0.0:5432 refused"
        ),
        "{evidence:?}"
    );
    assert!(
        evidence[1].starts_with("log ×1: \"level=error msg="),
        "{evidence:?}"
    );
    // The read is bounded: last 200 lines of the last hour, at most 64 KiB.
    let reads = log_reads(&api);
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert!(reads[0].path.ends_with(&format!("/pods/{BACKEND_POD}/log")));
    for q in [
        "tailLines=200",
        "limitBytes=65536",
        "sinceSeconds=3600",
        "container=api",
    ] {
        assert!(
            reads[0].query.contains(q),
            "{q} missing in {}",
            reads[0].query
        );
    }
    // The text answer says it too.
    let (_, text, _) = api.run(&["diagnose", "backend"]).await;
    assert!(text.contains("logged 11 error line(s)"), "{text}");
}

#[tokio::test]
async fn a_clean_log_is_no_finding() {
    let api = FakeApi::start(
        todo_cluster(),
        &[(
            &format!("todo/{BACKEND_POD}"),
            "level=info msg=\"retrying after error\"\nGET /health 200 0 errors\n",
        )],
    )
    .await;
    let (code, out, err) = api.run(&["-o", "json", "diagnose", "backend"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        findings(&out).iter().all(|f| f["reason"] != "LogErrors"),
        "{out}"
    );
    assert_eq!(log_reads(&api).len(), 1);
}

/// `todo_cluster()` plus `n` more backend-like pods that have restarted once and run.
fn restarted_pods(n: usize) -> (Vec<Value>, Vec<(String, String)>) {
    let mut objects = todo_cluster();
    let mut logs = Vec::new();
    for i in 0..n {
        let name = format!("worker-{i}");
        objects.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "todo", "labels": {"app": "worker"}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "w", "image": "worker:1"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "w", "ready": true, "restartCount": 1, "image": "worker:1", "imageID": "", "state": {"running": {}}}]}}));
        logs.push((
            format!("todo/{name}"),
            format!("ERROR job {i} failed: queue unreachable\n"),
        ));
    }
    (objects, logs)
}

#[tokio::test]
async fn health_reads_only_suspicious_pods_logs_and_at_most_ten() {
    // Healthy pods: no log is read at all, whatever they say.
    let log = noisy_log();
    let api = FakeApi::start(todo_cluster(), &[(&format!("todo/{BACKEND_POD}"), &log)]).await;
    let (code, out, err) = api.run(&["-o", "json", "health"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(log_reads(&api).is_empty(), "{:?}", log_reads(&api));
    assert!(findings(&out).iter().all(|f| f["reason"] != "LogErrors"));

    // Restarted pods are read, ten at most, and their errors deduplicated per pod.
    let (objects, logs) = restarted_pods(25);
    let logs: Vec<(&str, &str)> = logs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let api = FakeApi::start(objects, &logs).await;
    let (code, out, err) = api.run(&["-o", "json", "health"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(log_reads(&api).len(), 10);
    let log_findings: Vec<Value> = findings(&out)
        .into_iter()
        .filter(|f| f["reason"] == "LogErrors")
        .collect();
    assert_eq!(log_findings.len(), 10, "{log_findings:#?}");
    assert!(
        log_findings[0]["evidence"][0]
            .as_str()
            .unwrap()
            .contains("queue unreachable")
    );
}

#[tokio::test]
async fn a_huge_log_is_cut_at_the_byte_limit() {
    let line = format!("ERROR {}\n", "x".repeat(1000));
    let log = line.repeat(150);
    let api = FakeApi::start(todo_cluster(), &[(&format!("todo/{BACKEND_POD}"), &log)]).await;
    let (code, out, err) = api.run(&["-o", "json", "diagnose", "backend"]).await;
    assert_eq!(code, 0, "{err}");
    let fs = findings(&out);
    let f = fs.iter().find(|f| f["reason"] == "LogErrors").unwrap();
    // 64 KiB of 1,007-byte lines: 65 whole lines and a cut one.
    assert!(
        f["cause"]
            .as_str()
            .unwrap()
            .contains("logged 66 error line(s) in its last 66"),
        "{f}"
    );
}
