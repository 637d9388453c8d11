//! The official Python MCP SDK as a test client, shared by the MCP tests of
//! todo-agent (in-process server) and of the `todo` binary (stdio and HTTP):
//! crates/todo/tests/mcp.rs and crates/kube-assist/tests/common/mod.rs include
//! this file by path (kube-assist adds its own asynchronous `run_mcp_client`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The venv Python with the official MCP SDK, installed by scripts/install.d/mcp.sh.
/// Missing is a loud failure, never a skip.
pub fn mcp_python() -> PathBuf {
    let cache = std::env::var_os("TODO_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/todo-chatbot")
        });
    let python = cache.join("venv/bin/python");
    let ok = Command::new(&python)
        .args(["-c", "import mcp.client.stdio, mcp.client.streamable_http"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the Python MCP SDK is missing at {}: run scripts/install.d/mcp.sh",
        python.display()
    );
    python
}

/// Runs crates/todo-agent/tests/mcp_client.py with `args` and returns its JSON report.
pub fn run_mcp_client(args: &[String]) -> Value {
    // Both including crates sit in crates/, so this path holds for each.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../todo-agent/tests/mcp_client.py");
    let out = Command::new(mcp_python())
        .arg(script)
        .args(args)
        .output()
        .expect("start the MCP client");
    assert!(
        out.status.success(),
        "MCP client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "MCP client printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The names of the tools a client's report lists, checking it connected.
pub fn listed_tool_names(report: &Value) -> Vec<&str> {
    assert!(report.get("connect_error").is_none(), "{report}");
    report["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tool list in {report}"))
        .iter()
        .map(|t| t["name"].as_str().expect("a tool name"))
        .collect()
}

/// One listed tool (its name, schema and `read_only` hint) by name.
pub fn listed_tool<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tools"]
        .as_array()
        .and_then(|tools| tools.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("{name} is not listed: {report}"))
}
