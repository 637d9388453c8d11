//! `kubectl-assist serve` end to end over HTTP: the real binary on a free
//! loopback port, against the fake API server of tests/common, with a real
//! tokens file and state directory. Checks what the API answers and the exact
//! writes that reach the API server (none before an approval).

mod common;
mod serving;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{FakeApi, run_mcp_client, todo_cluster};
use serde_json::{Value, json};
use serving::{APPROVER, OPERATOR, VIEWER, crashing_pod, serve};

fn replicas(api: &FakeApi, name: &str) -> i64 {
    api.object("Deployment", "todo", name).unwrap()["spec"]["replicas"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_write_waits_for_an_approver_then_runs_and_is_audited() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let (code, plan) = s.ask(OPERATOR, "scale the frontend to 2 replicas").await;
    assert_eq!(code, 202, "{plan}");
    assert_eq!(plan["state"], "pending_approval");
    assert_eq!(plan["requested_by"], "olga");
    assert_eq!(plan["steps"][0]["class"], "write");
    assert_eq!(
        plan["steps"][0]["kubectl"],
        "kubectl scale deployment/todo-frontend --replicas=2 -n todo"
    );
    let diff = plan["changes"][0]["diff"].as_str().unwrap();
    assert!(
        diff.contains("-  replicas: 1") && diff.contains("+  replicas: 2"),
        "{diff}"
    );
    assert!(api.writes().is_empty(), "nothing runs before approval");
    assert!(
        !api.dry_runs().is_empty(),
        "the diff comes from a server dry run"
    );
    let id = plan["id"].as_str().unwrap();

    // Neither a viewer nor an operator may approve.
    for token in [VIEWER, OPERATOR] {
        let (code, body) = s
            .post(&format!("/api/plans/{id}/approve"), Some(token), "")
            .await;
        assert_eq!(code, 403, "{body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("needs the approver role"),
            "{body}"
        );
    }
    assert!(api.writes().is_empty());
    assert_eq!(replicas(&api, "todo-frontend"), 1);

    let (code, done) = s
        .post(&format!("/api/plans/{id}/approve"), Some(APPROVER), "")
        .await;
    assert_eq!(code, 200, "{done}");
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["decided_by"], "anna");
    assert_eq!(replicas(&api, "todo-frontend"), 2);
    let writes = api.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, "PATCH");
    assert!(
        writes[0].path.ends_with("/deployments/todo-frontend/scale"),
        "{}",
        writes[0].path
    );

    // Approving twice is refused and runs nothing more.
    let (code, again) = s
        .post(&format!("/api/plans/{id}/approve"), Some(APPROVER), "")
        .await;
    assert_eq!(code, 409, "{again}");
    assert!(
        again["error"].as_str().unwrap().contains("by anna"),
        "{again}"
    );
    assert_eq!(api.writes().len(), 1);

    // The audit file and stdout both carry who asked, who approved, what ran and the diff.
    let audit = s.audit_file();
    let ran = audit
        .iter()
        .find(|l| l["decision"] == "approved" && l["result"] == "ok")
        .unwrap_or_else(|| panic!("{audit:?}"));
    assert_eq!(ran["user"], "olga");
    assert_eq!(ran["decided_by"], "anna");
    assert_eq!(ran["plan_id"], id);
    assert_eq!(
        ran["operation"],
        "kubectl scale deployment/todo-frontend --replicas=2 -n todo"
    );
    assert!(ran["diff"].as_str().unwrap().contains("+  replicas: 2"));
    let audit_id = ran["id"]
        .as_str()
        .expect("a write's line has an id")
        .to_string();
    assert!(audit.iter().any(|l| l["decision"] == "awaiting_approval"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !s.stdout_json().iter().any(|l| l["decision"] == "approved") {
        assert!(Instant::now() < deadline, "no audit line on stdout");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The undo journal on the volume has the object as it was.
    let journal = std::fs::read_to_string(s.state.path().join("state/undo.jsonl")).unwrap();
    let entry: Value = serde_json::from_str(journal.lines().next().unwrap()).unwrap();
    assert_eq!(entry["id"], audit_id.as_str());
    assert_eq!(entry["before"]["spec"]["replicas"], 1);

    // GET /api/audit serves the same lines.
    let (code, text) = s.get("/api/audit", Some(VIEWER)).await;
    assert_eq!(code, 200);
    let lines: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(lines.iter().any(|l| l["decided_by"] == "anna"), "{text}");

    // Progress as server-sent events, ending with the plan.
    let (code, sse) = s
        .get(&format!("/api/plans/{id}/events"), Some(VIEWER))
        .await;
    assert_eq!(code, 200);
    for event in [
        "event: planned",
        "event: approved",
        "event: step_started",
        "event: step_finished",
        "event: done",
    ] {
        assert!(sse.contains(event), "{event} missing in {sse}");
    }
}

#[tokio::test]
async fn reads_run_at_once_for_a_viewer_and_writes_need_an_operator() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let (code, plan) = s.ask(VIEWER, "list pods").await;
    assert_eq!(code, 200, "{plan}");
    assert_eq!(plan["state"], "done");
    assert_eq!(plan["steps"][0]["class"], "read");
    let text = plan["steps"][0]["output"]["text"].as_str().unwrap();
    assert!(text.contains("todo-frontend-f1-aaaaa"), "{text}");

    let (code, body) = s.ask(VIEWER, "scale the frontend to 2 replicas").await;
    assert_eq!(code, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("needs the operator role"),
        "{body}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());

    let (code, findings) = s.get("/api/findings?namespace=todo", Some(VIEWER)).await;
    assert_eq!(code, 200, "{findings}");
    let v: Value = serde_json::from_str(&findings).unwrap();
    assert!(v["findings"].is_array(), "{v}");
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_runs_nothing() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let cases: Vec<(&str, Option<&str>, String, u16, &str)> = vec![
        (
            "/api/requests",
            Some(OPERATOR),
            "{\"request\": \"scale".into(),
            400,
            "not valid JSON",
        ),
        (
            "/api/requests",
            Some(OPERATOR),
            "{\"reqest\": \"list pods\"}".into(),
            400,
            "unknown field",
        ),
        ("/api/requests", Some(OPERATOR), "".into(), 400, "empty"),
        (
            "/api/requests",
            Some(OPERATOR),
            "{\"request\": \"  \"}".into(),
            400,
            "empty",
        ),
        (
            "/api/requests",
            Some(OPERATOR),
            json!({"request": "x".repeat(70 * 1024)}).to_string(),
            413,
            "64 KiB",
        ),
        (
            "/api/requests",
            None,
            "{\"request\": \"list pods\"}".into(),
            401,
            "Authorization",
        ),
        (
            "/api/requests",
            Some("not-a-token-at-all-xxxxxxxx"),
            "{\"request\": \"list pods\"}".into(),
            401,
            "not one of",
        ),
        (
            "/api/requests",
            Some(OPERATOR),
            "{\"request\": \"make me a sandwich\"}".into(),
            422,
            "not understood",
        ),
        (
            "/api/plans/0123456789abcdef/approve",
            Some(APPROVER),
            "".into(),
            404,
            "no plan has id",
        ),
        (
            "/api/plans/0123456789abcdef/reject",
            Some(APPROVER),
            "".into(),
            404,
            "no plan has id",
        ),
    ];
    for (path, token, body, want, says) in cases {
        let (code, answer) = s.post(path, token, &body).await;
        assert_eq!(code, want, "{path} {body:.60}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{path} {body:.60}: {error}");
        assert_eq!(answer["status"], want);
    }
    let (code, _) = s.get("/api/plans/nope", Some(VIEWER)).await;
    assert_eq!(code, 404);
    let (code, _) = s.get("/api/nothing-here", Some(VIEWER)).await;
    assert_eq!(code, 404);
    assert!(api.writes().is_empty(), "{:?}", api.writes());
    assert!(api.dry_runs().is_empty(), "{:?}", api.dry_runs());
}

#[tokio::test]
async fn an_expired_or_rejected_plan_cannot_be_approved() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false", "--plan-ttl=1s"]).await;
    let (_, plan) = s.ask(OPERATOR, "scale the frontend to 3 replicas").await;
    let expiring = plan["id"].as_str().unwrap().to_string();
    let (_, plan) = s.ask(OPERATOR, "scale the backend to 2 replicas").await;
    let rejected = plan["id"].as_str().unwrap().to_string();
    let (code, r) = s
        .post(
            &format!("/api/plans/{rejected}/reject"),
            Some(APPROVER),
            "{}",
        )
        .await;
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["state"], "rejected");
    let (code, r) = s
        .post(
            &format!("/api/plans/{rejected}/approve"),
            Some(APPROVER),
            "",
        )
        .await;
    assert_eq!(code, 409, "{r}");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (code, r) = s
        .post(
            &format!("/api/plans/{expiring}/approve"),
            Some(APPROVER),
            "",
        )
        .await;
    assert_eq!(code, 410, "{r}");
    assert!(r["error"].as_str().unwrap().contains("expired"), "{r}");
    assert!(api.writes().is_empty(), "{:?}", api.writes());
    assert_eq!(replicas(&api, "todo-frontend"), 1);
    s.assert_audited(&[("decision", "expired"), ("plan_id", expiring.as_str())]);
    s.assert_audited(&[("decision", "rejected"), ("decided_by", "anna")]);
}

#[tokio::test]
async fn a_write_the_service_account_may_not_make_is_refused_with_the_permission() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    api.deny("patch deployments/scale");
    let s = serve(&api, &["--events=false"]).await;
    let (code, plan) = s.ask(OPERATOR, "scale the frontend to 2 replicas").await;
    assert_eq!(code, 200, "{plan}");
    assert_eq!(plan["state"], "refused");
    let msg = plan["message"].as_str().unwrap();
    assert!(
        msg.contains("cannot patch deployments/scale.apps in todo"),
        "{msg}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
    s.assert_audited(&[("decision", "refused_forbidden")]);
}

#[tokio::test]
async fn a_read_only_server_refuses_every_write_plan() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false", "--read-only"]).await;
    let (code, plan) = s.ask(OPERATOR, "restart the backend").await;
    assert_eq!(code, 200, "{plan}");
    assert_eq!(plan["state"], "refused");
    assert!(plan["message"].as_str().unwrap().contains("read-only"));
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
}

#[tokio::test]
async fn scheduled_checks_export_metrics_and_record_each_problem_once_as_an_event() {
    let mut objects = todo_cluster();
    objects.push(crashing_pod());
    let api = FakeApi::start(objects, &[]).await;
    let s = serve(&api, &["--check-interval=1s"]).await;
    let want = "kubectl_assist_findings{severity=\"critical\",kind=\"pod\",namespace=\"todo\",reason=\"CrashLoopBackOff\"} 1";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, text) = s.get("/metrics", None).await;
        assert_eq!(code, 200);
        if text.contains(want) && text.contains("kubectl_assist_checks_total 3") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no finding after three checks: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let events: Vec<_> = api
        .writes()
        .into_iter()
        .filter(|r| r.path.ends_with("/events"))
        .collect();
    let about_broken: Vec<_> = events
        .iter()
        .filter(|r| r.body["involvedObject"]["name"] == "broken-1")
        .collect();
    assert_eq!(
        about_broken.len(),
        1,
        "one Event for one problem over three checks: {events:?}"
    );
    let e = &about_broken[0].body;
    assert_eq!(e["reason"], "CrashLoopBackOff");
    assert_eq!(e["type"], "Warning");
    assert_eq!(e["involvedObject"]["kind"], "Pod");
    assert!(
        e["message"].as_str().unwrap().contains("keeps crashing"),
        "{e}"
    );
    // Nothing else was written by a check.
    assert!(
        api.writes().iter().all(|r| r.path.ends_with("/events")),
        "{:?}",
        api.writes()
    );
}

#[tokio::test]
async fn probes_openapi_and_sigterm() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let mut s = serve(&api, &["--events=false"]).await;
    assert_eq!(s.get("/readyz", None).await.0, 200);
    let (code, doc) = s.get("/openapi.json", None).await;
    assert_eq!(code, 200);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    for path in [
        "/api/requests",
        "/api/plans/{id}/approve",
        "/api/plans/{id}/reject",
        "/api/plans/{id}/events",
        "/api/findings",
        "/api/audit",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} not documented");
    }
    let (code, who) = s.get("/api/whoami", Some(APPROVER)).await;
    assert_eq!(code, 200);
    assert!(
        who.contains("\"anna\"") && who.contains("approver"),
        "{who}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit}");
}

#[tokio::test]
async fn the_official_mcp_client_over_http_lists_tools_and_runs_health_with_a_serve_token() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let calls = json!([
        {"name": "health", "arguments": {}},
        {"name": "scale", "arguments": {"target": {"name": "frontend"}, "replicas": {"to": 3}}},
    ])
    .to_string();
    let report = run_mcp_client(vec![
        "--http".into(),
        format!("{}/mcp", s.url),
        "--token".into(),
        VIEWER.into(),
        "--calls".into(),
        calls,
    ])
    .await;
    let tools: Vec<&str> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        tools.contains(&"health") && tools.contains(&"logs"),
        "{tools:?}"
    );
    assert!(
        !tools.contains(&"scale"),
        "no write is offered over MCP: {tools:?}"
    );
    let results = report["results"].as_array().unwrap();
    assert_eq!(results[0]["is_error"], false, "{}", results[0]);
    assert!(
        results[0]["text"]
            .as_str()
            .unwrap()
            .contains("Checked 2 pods"),
        "{}",
        results[0]
    );
    assert_eq!(results[1]["is_error"], true, "{}", results[1]);
    assert!(api.writes().is_empty());
    // Without a token /mcp is refused like the API.
    let resp = s
        .http
        .post(format!("{}/mcp", s.url))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn the_agent_plans_words_naming_a_custom_kind_with_the_servers_kinds() {
    let mut objects = common::todo_cluster_with_crontab();
    objects.push(common::discovery::crontab("batch", "nightly", "0 3 * * *"));
    let api = FakeApi::start(objects, &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let (code, plan) = s.ask(VIEWER, "list the crontabs in namespace batch").await;
    assert_eq!(code, 200, "{plan}");
    assert_eq!(plan["state"], "done", "{plan}");
    assert_eq!(
        plan["steps"][0]["kubectl"], "kubectl get crontabs.stable.example.com -n batch",
        "{plan}"
    );
    let text = plan["steps"][0]["output"]["text"].as_str().unwrap();
    assert!(text.contains("nightly"), "{text}");
    // A delete of one in words waits for an approver like any write.
    let (code, plan) = s
        .ask(OPERATOR, "delete the crontab nightly in namespace batch")
        .await;
    assert_eq!(code, 202, "{plan}");
    assert_eq!(plan["state"], "pending_approval", "{plan}");
    assert!(
        plan["steps"][0]["kubectl"]
            .as_str()
            .unwrap()
            .contains("delete crontabs.stable.example.com/nightly -n batch"),
        "{plan}"
    );
    assert!(
        api.writes().iter().all(|w| w.query.contains("dryRun")),
        "only dry runs before approval"
    );
}
