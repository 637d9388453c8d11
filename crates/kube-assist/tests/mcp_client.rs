//! `kubectl-assist mcp` driven by the official Python MCP client (venv from
//! scripts/install.d/mcp.sh) over stdio and over streamable HTTP, against the
//! fake API server: the honest check that rmcp and our tools speak the protocol.

mod common;

use std::process::Stdio;

use common::{FakeApi, run_mcp_client, todo_cluster};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

fn calls() -> String {
    json!([
        {"name": "health", "arguments": {}},
        {"name": "scale", "arguments": {"target": {"name": "frontend"}, "replicas": {"to": 3}}},
        {"name": "list", "arguments": {"kind": "deployment", "namespace": "todo"}},
    ])
    .to_string()
}

fn tool<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["tools"]
        .as_array()
        .expect("tools in the report")
        .iter()
        .find(|t| t["name"] == name)
}

/// The read-only server as the client sees it: reads listed and answered, no write
/// listed, a write called anyway refused as a tool error, nothing written.
fn check_read_only_session(report: &Value, api: &FakeApi) {
    assert_eq!(report["server"], "kubectl-assist", "{report}");
    let health = tool(report, "health").expect("health offered");
    assert_eq!(health["annotations"]["readOnlyHint"], true, "{health}");
    assert!(tool(report, "logs").is_some() && tool(report, "diagnose").is_some());
    assert!(tool(report, "scale").is_none(), "a write offered read-only");
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
    assert!(
        results[1]["text"]
            .as_str()
            .unwrap()
            .contains("start it with --allow-writes"),
        "{}",
        results[1]
    );
    assert_eq!(results[2]["is_error"], false);
    assert!(
        results[2]["text"]
            .as_str()
            .unwrap()
            .contains("todo-frontend")
    );
    assert!(
        results[2]["structured"]["data"].is_array() || results[2]["structured"]["data"].is_object(),
        "{}",
        results[2]
    );
    assert!(api.writes().is_empty(), "{:?}", api.writes());
    let decisions: Vec<String> = api
        .audit()
        .iter()
        .map(|r| r["decision"].as_str().unwrap().to_string())
        .collect();
    assert!(
        decisions.contains(&"refused_read_only".to_string()),
        "{decisions:?}"
    );
    assert_eq!(
        decisions.iter().filter(|d| *d == "read_only_plan").count(),
        2,
        "{decisions:?}"
    );
}

/// The official client's report of [`calls`] against `kubectl-assist ARGS` on stdio.
async fn over_stdio(api: &FakeApi, args: &[&str]) -> Value {
    let mut client_args = vec![
        "--stdio".to_string(),
        "--calls".into(),
        calls(),
        "--".into(),
    ];
    client_args.extend(api.argv(args));
    run_mcp_client(client_args).await
}

#[tokio::test]
async fn official_client_over_stdio_lists_reads_and_is_refused_writes() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let report = over_stdio(&api, &["mcp"]).await;
    check_read_only_session(&report, &api);
}

#[tokio::test]
async fn official_client_over_stdio_with_allow_writes_sees_hints_and_writes() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let report = over_stdio(&api, &["mcp", "--allow-writes"]).await;
    let scale = tool(&report, "scale").expect("writes offered with --allow-writes");
    assert_eq!(
        scale["annotations"],
        json!({"readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false})
    );
    let set_image = tool(&report, "set_image").unwrap();
    assert_eq!(set_image["annotations"]["idempotentHint"], true);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results[1]["is_error"], false, "{}", results[1]);
    assert!(
        results[1]["text"]
            .as_str()
            .unwrap()
            .contains("kubectl scale deployment/todo-frontend --replicas=3 -n todo")
    );
    // Dry run first, then the write itself.
    assert_eq!(api.dry_runs().len(), 1, "{:?}", api.dry_runs());
    assert_eq!(api.writes().len(), 1);
    assert_eq!(api.writes()[0].body, json!({"spec": {"replicas": 3}}));
}

/// `kubectl-assist mcp --http 127.0.0.1:0` running against `api`; killed on drop.
struct HttpServer {
    url: String,
    _child: tokio::process::Child,
}

async fn start_http(api: &FakeApi, token: &str, extra: &[&str]) -> HttpServer {
    let token_file = api.audit_log.with_file_name("mcp-token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let token_file = token_file.display().to_string();
    let mut args = vec!["mcp", "--http", "127.0.0.1:0", "--token-file", &token_file];
    args.extend_from_slice(extra);
    let argv = api.argv(&args);
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start kubectl-assist mcp --http");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("kubectl-assist: MCP on ") {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("mcp --http exited before listening");
    })
    .await
    .expect("mcp --http listening within 30 s");
    HttpServer { url, _child: child }
}

/// One raw HTTP/1.1 POST of `body` to `url` with an optional Authorization
/// header: (status, headers lowercased, body).
async fn post(url: &str, authorization: Option<&str>, body: &Value) -> (u16, String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let body = body.to_string();
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), body.to_string())
}

const TOKEN: &str = "test-token-0123456789abcdef";

#[tokio::test]
async fn official_client_over_http_with_the_token_lists_and_calls() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let server = start_http(&api, TOKEN, &[]).await;
    let report = run_mcp_client(vec![
        "--http".into(),
        server.url.clone(),
        "--token".into(),
        TOKEN.into(),
        "--calls".into(),
        calls(),
    ])
    .await;
    check_read_only_session(&report, &api);
}

#[tokio::test]
async fn http_without_the_right_token_is_401() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let server = start_http(&api, TOKEN, &["--allow-writes"]).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    // One character off, a prefix, a different scheme, none at all.
    let wrong = [
        Some("Bearer test-token-0123456789abcdeX"),
        Some("Bearer test-token-0123456789abcde"),
        Some("Basic dGVzdDp0ZXN0"),
        None,
    ];
    for auth in wrong {
        // The official client cannot get a session...
        let mut args = vec![
            "--http".to_string(),
            server.url.clone(),
            "--calls".into(),
            calls(),
        ];
        if let Some(t) = auth.and_then(|a| a.strip_prefix("Bearer ")) {
            args.extend(["--token".to_string(), t.to_string()]);
        }
        if auth.is_none_or(|a| a.starts_with("Bearer ")) {
            let report = run_mcp_client(args).await;
            assert!(
                report["connect_error"].is_string(),
                "the client got in with {auth:?}: {report}"
            );
        }
        // ...because the answer is 401 with a Bearer challenge and a JSON reason.
        let (status, head, body) = post(&server.url, auth, &init).await;
        assert_eq!(status, 401, "{auth:?}");
        assert!(head.contains("www-authenticate: bearer"), "{head}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("unauthorized: "),
            "{body}"
        );
    }
    // The right token on the same request gets in.
    let (status, _, body) = post(&server.url, Some(&format!("Bearer {TOKEN}")), &init).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("kubectl-assist"), "{body}");
    assert!(api.writes().is_empty());
    assert!(
        api.audit().is_empty(),
        "an unauthenticated call reached a tool"
    );
}

#[tokio::test]
async fn http_refuses_to_start_without_a_token() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let (code, _, err) = api.run(&["mcp", "--http", "127.0.0.1:0"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("needs a bearer token"), "{err}");
    assert!(err.contains("--token-file"), "{err}");
    let short = api.audit_log.with_file_name("short-token");
    std::fs::write(&short, "abc\n").unwrap();
    let (code, _, err) = api
        .run(&[
            "mcp",
            "--http",
            "127.0.0.1:0",
            "--token-file",
            short.to_str().unwrap(),
        ])
        .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("at least 16"), "{err}");
}
