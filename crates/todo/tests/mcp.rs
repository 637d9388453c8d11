//! MCP on the real `todo` binary, driven by the official Python MCP SDK: `todo
//! mcp` over stdio (user from a login token or `--user`) and `/mcp` over
//! streamable HTTP on `todo api` (same bearer tokens as the REST API).
//! Needs the SDK from scripts/install.d/mcp.sh; fails loudly without it.

mod common;
// The official-SDK client driver the todo-agent MCP tests use, shared by path.
#[path = "../../todo-agent/tests/common/mcp_driver.rs"]
mod mcp_driver;

use std::path::Path;

use serde_json::{Value, json};

use common::{BIN, Server, command, signup};
use mcp_driver::{listed_tool_names, run_mcp_client};

fn over_stdio(home: &Path, env: &[(&str, &str)], extra_args: &[&str], calls: Value) -> Value {
    let mut args = vec!["--stdio".to_string()];
    let path = std::env::var("PATH").unwrap_or_default();
    for (k, v) in [("HOME", home.to_str().unwrap()), ("PATH", path.as_str())]
        .iter()
        .chain(env.iter())
    {
        args.push("--env".into());
        args.push(format!("{k}={v}"));
    }
    args.extend([
        "--calls".to_string(),
        calls.to_string(),
        "--".to_string(),
        BIN.to_string(),
        "mcp".to_string(),
    ]);
    args.extend(extra_args.iter().map(|s| s.to_string()));
    run_mcp_client(&args)
}

fn over_http(port: u16, token: &str, calls: Value) -> Value {
    run_mcp_client(&[
        "--http".into(),
        format!("http://127.0.0.1:{port}/mcp"),
        "--token".into(),
        token.into(),
        "--calls".into(),
        calls.to_string(),
    ])
}

fn start_api(home: &Path) -> Server {
    Server::start({
        let mut cmd = command(home);
        cmd.args(["api", "--port", "0"]);
        cmd
    })
}

/// Every tool once, in an order whose outputs are predictable.
fn every_tool(first_id: i64) -> Value {
    json!([
        {"name": "add_task", "arguments": {"title": "Plan the offsite", "priority": "high", "tags": ["work"]}},
        {"name": "list_tasks", "arguments": {"status": "pending"}},
        {"name": "search_tasks", "arguments": {"query": "offsite"}},
        {"name": "update_task", "arguments": {"task_id": first_id, "title": "Plan the team offsite", "due_at": "2026-12-01T09:00:00Z"}},
        {"name": "set_priority", "arguments": {"task_id": first_id, "priority": "medium"}},
        {"name": "complete_task", "arguments": {"task_id": first_id}},
        {"name": "reopen_task", "arguments": {"task_id": first_id}},
        {"name": "delete_task", "arguments": {"task_id": 987654}},
        {"name": "add_task", "arguments": {"title": ""}},
        {"name": "add_task", "arguments": {"title": "Stays"}}
    ])
}

fn check_every_tool(report: &Value, first_id: i64) {
    let names = listed_tool_names(report);
    for expected in [
        "add_task",
        "list_tasks",
        "complete_task",
        "delete_task",
        "update_task",
    ] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    let r = report["results"].as_array().unwrap();
    let out = |i: usize| -> Value { serde_json::from_str(r[i]["text"].as_str().unwrap()).unwrap() };
    assert_eq!(
        out(0),
        json!({"task_id": first_id, "status": "created", "title": "Plan the offsite"})
    );
    assert_eq!(
        out(1),
        json!([{"id": first_id, "title": "Plan the offsite", "completed": false}])
    );
    assert_eq!(out(2)[0]["tags"], json!(["work"]));
    assert_eq!(
        out(3),
        json!({"task_id": first_id, "status": "updated", "title": "Plan the team offsite"})
    );
    assert_eq!(out(4)["priority"], "medium");
    assert_eq!(out(5)["status"], "completed");
    assert_eq!(out(6)["status"], "pending");
    assert_eq!(
        (r[7]["is_error"].clone(), r[7]["text"].clone()),
        (json!(true), json!("task 987654 not found"))
    );
    assert_eq!(r[8]["is_error"], true, "{}", r[8]);
    assert!(r[8]["text"].as_str().unwrap().contains("title"), "{}", r[8]);
    assert_eq!(out(9)["status"], "created");
}

#[test]
fn stdio_server_with_a_token_and_with_a_local_user() {
    let home = tempfile::tempdir().unwrap();
    let (ann, ann_token, bob_token) = {
        let api = start_api(home.path());
        let (ann, ann_token) = signup(api.port, "ann@example.com", "correct horse battery");
        let (_, bob_token) = signup(api.port, "bob@example.com", "correct horse battery");
        (ann, ann_token, bob_token)
    };
    // The same embedded database and generated secret the API used.
    let report = over_stdio(
        home.path(),
        &[("TODO_TOKEN", &ann_token)],
        &[],
        every_tool(1),
    );
    assert_eq!(report["server"], "todo-chatbot");
    check_every_tool(&report, 1);

    // Bob, by token: none of Ann's tasks, and no way to reach them by id.
    let bobs = over_stdio(
        home.path(),
        &[("TODO_TOKEN", &bob_token)],
        &[],
        json!([{"name": "list_tasks", "arguments": {}}, {"name": "delete_task", "arguments": {"task_id": 1}},
               {"name": "add_task", "arguments": {"title": "As Ann", "user_id": ann}}]),
    );
    let r = bobs["results"].as_array().unwrap();
    assert_eq!(r[0]["text"], "[]");
    assert_eq!(r[1]["text"], "task 1 not found");
    assert_eq!(r[2]["is_error"], true);

    // Local use by e-mail sees Ann's tasks.
    let local = over_stdio(
        home.path(),
        &[],
        &["--user", "ann@example.com"],
        json!([{"name": "list_tasks", "arguments": {}}]),
    );
    let tasks: Value = serde_json::from_str(local["results"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(tasks.as_array().unwrap().len(), 2, "{tasks}");
}

#[test]
fn stdio_server_refuses_bad_credentials_with_a_reason() {
    let home = tempfile::tempdir().unwrap();
    {
        let api = start_api(home.path());
        signup(api.port, "ann@example.com", "correct horse battery");
    }
    for (env, args, needle) in [
        (Some("not-a-token"), vec![], "invalid token"),
        (
            None,
            vec!["--user", "nobody@example.com"],
            "no account for nobody@example.com",
        ),
        (None, vec![], "TODO_TOKEN"),
    ] {
        let mut cmd = command(home.path());
        cmd.arg("mcp").args(&args);
        if let Some(token) = env {
            cmd.env("TODO_TOKEN", token);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "stdout is the protocol channel: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn streamable_http_endpoint_uses_the_api_tokens() {
    let home = tempfile::tempdir().unwrap();
    let api = start_api(home.path());
    let (_, ann_token) = signup(api.port, "ann@example.com", "correct horse battery");
    let (_, bob_token) = signup(api.port, "bob@example.com", "correct horse battery");

    check_every_tool(&over_http(api.port, &ann_token, every_tool(1)), 1);

    let bobs = over_http(
        api.port,
        &bob_token,
        json!([{"name": "list_tasks", "arguments": {}}, {"name": "complete_task", "arguments": {"task_id": 1}}]),
    );
    let r = bobs["results"].as_array().unwrap();
    assert_eq!(r[0]["text"], "[]");
    assert_eq!(r[1]["text"], "task 1 not found");

    let forged = over_http(api.port, "forged.token.value", json!([]));
    assert!(
        forged["connect_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{forged}"
    );
    let r = api.request(
        "POST",
        "/mcp",
        None,
        Some(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#),
    );
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("Authorization"),
        "{}",
        r.body
    );
}

#[test]
fn mcp_help_names_every_env_variable() {
    let home = tempfile::tempdir().unwrap();
    let out = command(home.path())
        .args(["mcp", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for name in [
        "TODO_TOKEN",
        "BETTER_AUTH_SECRET",
        "DATABASE_URL",
        "TODO_DATA_DIR",
    ] {
        assert!(
            help.contains(&format!("env: {name}")),
            "`todo mcp --help` does not name {name}:\n{help}"
        );
    }
    assert!(help.contains("--user <EMAIL>"), "{help}");
}
