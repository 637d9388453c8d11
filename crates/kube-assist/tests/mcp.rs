//! `kubectl-assist mcp`: raw JSON-RPC over stdio against the fake API server
//! (the wire as it is); tests/mcp_client.rs drives it with the official client.

mod common;

use common::{FakeApi, todo_cluster};
use serde_json::{Value, json};

const INITIALIZE: &str = r#"{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
{"jsonrpc": "2.0", "method": "notifications/initialized"}
"#;

/// The replies on stdout, one JSON-RPC message per line, sorted by id (the
/// server answers calls concurrently, so their order is not the order asked).
fn replies_by_id(out: &str) -> Vec<Value> {
    let mut replies: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON-RPC message per line"))
        .collect();
    replies.sort_by_key(|r| r["id"].as_i64());
    replies
}

#[tokio::test]
async fn mcp_offers_read_tools_runs_them_and_refuses_writes() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let msgs = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list", "arguments": {"kind": "deployment", "namespace": "todo"}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "scale", "arguments": {"target": {"name": "frontend"}, "replicas": {"to": 5}}}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "health", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 6, "method": "nope"}),
    ];
    let input: String = msgs.iter().map(|m| format!("{m}\n")).collect();
    let (code, out, err) = api.run_stdin(&["mcp"], &input).await;
    assert_eq!(code, 0, "{err}");
    let replies = replies_by_id(&out);
    assert_eq!(replies.len(), 6, "no reply to the notification: {out}");
    assert_eq!(replies[0]["result"]["serverInfo"]["name"], "kubectl-assist");
    let tools: Vec<&str> = replies[1]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tools.contains(&"health") && tools.contains(&"logs") && tools.contains(&"diagnose"),
        "{tools:?}"
    );
    assert!(
        !tools
            .iter()
            .any(|t| ["scale", "patch", "delete_pod", "rollout_restart"].contains(t)),
        "{tools:?}"
    );
    assert_eq!(replies[2]["result"]["isError"], false);
    assert!(
        replies[2]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("todo-frontend")
    );
    assert_eq!(replies[3]["result"]["isError"], true);
    assert!(
        replies[3]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("only offers read-only tools")
    );
    assert!(
        replies[4]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Checked 2 pods")
    );
    assert_eq!(replies[5]["error"]["code"], -32601);
    assert!(api.writes().is_empty());
}

#[tokio::test]
async fn every_mcp_call_is_audited_and_writes_need_allow_writes() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let call = |id: u32, name: &str, args: Value| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}});
    let scale = call(
        2,
        "scale",
        json!({"target": {"name": "frontend"}, "replicas": {"percent": 100}}),
    );
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let input = format!("{INITIALIZE}{list}\n{scale}\n");
    let (code, out, err) = api.run_stdin(&["mcp"], &input).await;
    assert_eq!(code, 0, "{err}");
    assert!(api.writes().is_empty());
    let audit = api.audit();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["decision"], "refused_read_only");
    assert_eq!(audit[0]["request"], "mcp tools/call scale");
    let _ = out;

    let (code, out, err) = api.run_stdin(&["mcp", "--allow-writes"], &input).await;
    assert_eq!(code, 0, "{err}");
    let replies = replies_by_id(&out);
    let replies = &replies[1..];
    let tools = replies[0]["result"]["tools"].as_array().unwrap();
    let scale_tool = tools
        .iter()
        .find(|t| t["name"] == "scale")
        .expect("writes offered");
    assert_eq!(scale_tool["annotations"]["readOnlyHint"], false);
    let list_tool = tools.iter().find(|t| t["name"] == "list").unwrap();
    assert_eq!(list_tool["annotations"]["readOnlyHint"], true);
    assert_eq!(replies[1]["result"]["isError"], false, "{}", replies[1]);
    assert_eq!(api.writes()[0].body, json!({"spec": {"replicas": 2}}));
    let audit = api.audit();
    let last = audit.last().unwrap();
    assert_eq!(last["decision"], "approved_by_flag");
    assert_eq!(
        last["operation"],
        "kubectl scale deployment/todo-frontend --replicas=2 -n todo"
    );
    // A permission the identity lacks is refused by name.
    api.deny("patch deployments/scale");
    let (_, out, _) = api.run_stdin(&["mcp", "--allow-writes"], &input).await;
    assert!(
        out.contains("you cannot patch deployments/scale.apps in todo"),
        "{out}"
    );
    assert_eq!(api.writes().len(), 1);
}
