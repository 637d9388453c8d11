//! Who may do what in `kubectl-assist serve` beyond bearer tokens: trusted-header
//! authentication (oauth2-proxy style; the real binary on loopback, the test is
//! the proxy, the header believed from the configured source addresses only), and
//! MCP writes, which wait for a person and which their requester cannot approve.

mod common;
mod serving;

use std::process::{Command, Stdio};

use common::{FakeApi, run_mcp_client, todo_cluster};
use serde_json::{Value, json};
use serving::{APPROVER, OPERATOR, serve};

const HEADER: &str = "X-Auth-Request-User";

async fn whoami(s: &serving::Served, user: Option<&str>, token: Option<&str>) -> (u16, Value) {
    let mut req = s.http.get(format!("{}/api/whoami", s.url));
    if let Some(u) = user {
        req = req.header(HEADER, u);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let code = resp.status().as_u16();
    (code, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_trusted_proxy_names_the_person_and_the_tokens_file_gives_the_role() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(
        &api,
        &[
            "--events=false",
            "--trusted-header",
            HEADER,
            "--trusted-proxies",
            "10.0.0.0/8,127.0.0.1",
        ],
    )
    .await;
    // anna is in the tokens file as an approver; zoe is not, so she gets the default role.
    let (code, who) = whoami(&s, Some("anna"), None).await;
    assert_eq!(code, 200, "{who}");
    assert_eq!(
        (who["name"].as_str(), who["role"].as_str()),
        (Some("anna"), Some("approver"))
    );
    let (code, who) = whoami(&s, Some("zoe@example.com"), None).await;
    assert_eq!(code, 200, "{who}");
    assert_eq!(who["role"], "viewer");
    // zoe, a viewer, may read but not request a write.
    let resp = s
        .http
        .post(format!("{}/api/requests", s.url))
        .header(HEADER, "zoe@example.com")
        .header("content-type", "application/json")
        .body(r#"{"request": "scale the frontend to 2 replicas", "namespace": "todo"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("needs the operator role")
    );
    assert!(api.writes().is_empty());
    // No header, no token: refused as before. A bearer token still works.
    assert_eq!(whoami(&s, None, None).await.0, 401);
    assert_eq!(whoami(&s, None, Some(APPROVER)).await.1["name"], "anna");
    // A name with a space is not a name: the header is not believed.
    assert_eq!(whoami(&s, Some("anna smith"), None).await.0, 401);

    // The console opens a session for the proxy's person: the chat page, not the sign-in.
    let resp = s
        .http
        .get(format!("{}/", s.url))
        .header(HEADER, "anna")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        cookie.starts_with("ka_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let page = resp.text().await.unwrap();
    assert!(page.contains("anna"), "the page names the person: {page}");
    assert!(
        !page.contains("name=\"token\""),
        "not the sign-in page: {page}"
    );
}

#[tokio::test]
async fn the_header_from_an_address_not_configured_is_ignored() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(
        &api,
        &[
            "--events=false",
            "--trusted-header",
            HEADER,
            "--trusted-proxies",
            "10.0.0.0/8",
        ],
    )
    .await;
    let (code, body) = whoami(&s, Some("anna"), None).await;
    assert_eq!(code, 401, "127.0.0.1 is not a trusted proxy: {body}");
    let resp = s
        .http
        .get(format!("{}/", s.url))
        .header(HEADER, "anna")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("set-cookie").is_none());
    assert!(
        resp.text().await.unwrap().contains("name=\"token\""),
        "the sign-in page"
    );
}

#[test]
fn a_trusted_header_without_trusted_proxies_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, format!("anna approver {APPROVER}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-assist"))
        .args(["serve", "--trusted-header", HEADER, "--tokens-file"])
        .arg(&tokens)
        .args(["--kubeconfig", "/nonexistent/kubeconfig"])
        .env_remove("KUBECTL_ASSIST_TRUSTED_PROXIES")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--trusted-proxies"), "{err}");
}

async fn mcp_scale(s: &serving::Served, token: &str) -> Value {
    let calls = json!([
        {"name": "scale", "arguments": {"target": {"name": "frontend", "namespace": "todo"}, "replicas": {"to": 3}}},
    ])
    .to_string();
    run_mcp_client(vec![
        "--http".into(),
        format!("{}/mcp", s.url),
        "--token".into(),
        token.into(),
        "--calls".into(),
        calls,
    ])
    .await
}

#[tokio::test]
async fn an_mcp_write_waits_for_a_person_and_its_requester_cannot_approve_it() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false", "--mcp-writes=true"]).await;
    // olga (an operator) asks over MCP: the write is offered, queued, not run.
    let report = mcp_scale(&s, OPERATOR).await;
    let tools: Vec<&str> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(tools.contains(&"scale"), "{tools:?}");
    let result = &report["results"][0];
    assert_eq!(result["is_error"], false, "{result}");
    let text = result["text"].as_str().unwrap();
    assert!(
        text.contains("waits for a person's approval") && text.contains("+  replicas: 3"),
        "{text}"
    );
    assert!(
        api.writes().is_empty(),
        "nothing runs before approval: {:?}",
        api.writes()
    );
    let (_, plans) = s.get("/api/plans", Some(APPROVER)).await;
    let plans: Value = serde_json::from_str(&plans).unwrap();
    let plan = &plans[0];
    assert_eq!(
        (plan["state"].as_str(), plan["via"].as_str()),
        (Some("pending_approval"), Some("mcp"))
    );
    assert_eq!(plan["requested_by"], "olga");
    let id = plan["id"].as_str().unwrap();
    s.approve_and_expect_replicas(&api, id, "todo-frontend", 3)
        .await;

    // anna (an approver) asks over MCP: she cannot approve her own MCP write.
    let report = mcp_scale(&s, APPROVER).await;
    assert_eq!(report["results"][0]["is_error"], false, "{report}");
    let (_, plans) = s.get("/api/plans", Some(APPROVER)).await;
    let plans: Value = serde_json::from_str(&plans).unwrap();
    let mine = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["requested_by"] == "anna" && p["via"] == "mcp")
        .expect("anna's MCP plan");
    let id = mine["id"].as_str().unwrap();
    let writes = api.writes().len();
    let (code, body) = s
        .post(&format!("/api/plans/{id}/approve"), Some(APPROVER), "")
        .await;
    assert_eq!(code, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("cannot approve its own write"),
        "{body}"
    );
    assert_eq!(api.writes().len(), writes);
}

#[tokio::test]
async fn without_mcp_writes_a_write_tool_is_neither_offered_nor_queued() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let report = mcp_scale(&s, OPERATOR).await;
    assert_eq!(report["results"][0]["is_error"], true, "{report}");
    let (_, plans) = s.get("/api/plans", Some(APPROVER)).await;
    assert_eq!(plans.trim(), "[]");
    assert!(api.writes().is_empty());
}
