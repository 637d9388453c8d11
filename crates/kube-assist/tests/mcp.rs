//! `kubectl-assist mcp`: JSON-RPC over stdio against the fake API server.

mod common;

use common::{FakeApi, todo_cluster};
use serde_json::{Value, json};

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
    let replies: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON-RPC message per line"))
        .collect();
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
