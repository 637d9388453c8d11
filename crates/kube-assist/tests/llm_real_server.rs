//! kubectl-assist's LLM path against real OpenAI-compatible servers running a small
//! local model (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) at temperature 0, over the fake
//! API server: a request is offered the reads and only the writes its words name,
//! every tool of the registry has a schema llama-server accepts (the boolean schema
//! of `patch` used to make it answer 400 to every request), and whatever the model
//! does, nothing is written without the operator, the same call is not repeated, and
//! the answer is never empty. What the model made of each request is printed, with
//! the prompt size of each round trip from the server's own usage count (the context a
//! local server needs). Settings for a loaded 2-core machine: `llm::local_server`.

mod common;

use std::collections::BTreeMap;

use common::{FakeApi, todo_cluster};
use kube_assist::ops::{Access, tool_descriptions};
use llm::local_server::{LocalServer, ServerMode};
use llm::{ChatMessage, ChatModel, ChatRequest, LlmClient, ToolCallRequest, ToolSpec};
use serde_json::{Value, json};

fn specs(tools: Vec<kube_assist::ops::ToolDescription>) -> Vec<ToolSpec> {
    tools
        .into_iter()
        .map(|t| ToolSpec::function(t.name, t.description, t.parameters))
        .collect()
}

fn first_request(tools: Vec<ToolSpec>) -> ChatRequest {
    ChatRequest::new(
        "default",
        vec![
            ChatMessage::system("You are a Kubernetes assistant."),
            ChatMessage::user("scale the frontend like last friday"),
        ],
    )
    .with_tools(tools)
}

/// Every tool of the registry, as the client sends it, is accepted by llama-server, and
/// the raw registry (with `patch`'s boolean schema) is not, so the check can fail. No
/// request offers the whole registry any more, yet any tool may be offered, so each schema
/// must pass the server's grammar builder (the step that answered 400). llama-server's
/// `/apply-template` runs exactly that step and renders the prompt without generating: a
/// twentieth of a second instead of a 12,000-token prefill. `/tokenize` then counts the
/// prompt. llama-cpp-python takes any JSON object as a schema (its `parameters` is a
/// `Dict[str, JsonType]`) and only renders it into the prompt, so it has no such step.
async fn full_registry_is_accepted(client: &LlmClient, root: &str, name: &str) {
    let http = reqwest::Client::new();
    let all = first_request(specs(tool_descriptions()));
    let raw = serde_json::to_value(&all).unwrap();
    assert!(
        tool_descriptions()
            .iter()
            .any(|t| llm::find_boolean_schema(&t.parameters).is_some()),
        "the raw registry has a boolean schema (patch); the negative check needs one"
    );
    let refused = http
        .post(format!("{root}/apply-template"))
        .json(&raw)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status().as_u16(),
        400,
        "{name}: the raw registry must be refused: {}",
        refused.text().await.unwrap_or_default()
    );
    let wire = serde_json::to_value(client.wire_request(&all)).unwrap();
    let accepted = http
        .post(format!("{root}/apply-template"))
        .json(&wire)
        .send()
        .await
        .unwrap();
    let status = accepted.status();
    let body: Value = accepted.json().await.unwrap_or_default();
    assert!(status.is_success(), "{name}: full registry refused: {body}");
    let prompt = body["prompt"].as_str().unwrap_or_default().to_string();
    assert!(
        prompt.contains("\"drain\""),
        "{name}: every tool in the prompt"
    );
    let tokens: Value = http
        .post(format!("{root}/tokenize"))
        .json(&json!({"content": prompt}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or_default();
    println!(
        "{name}: the full registry ({} tools) is accepted; as a prompt it would be {} tokens",
        tool_descriptions().len(),
        tokens["tokens"].as_array().map_or(0, Vec::len)
    );
}

/// kubectl-assist's request shapes with a one-line system prompt and the read tools (what a
/// request that names no change is offered): the first request, then a follow-up with
/// `tool_calls` and a `tool` message. Answered 200 and parsed.
async fn conformance(client: &LlmClient, name: &str, log: &dyn Fn() -> String) {
    let tools = specs(
        tool_descriptions()
            .into_iter()
            .filter(|t| t.access == Access::Read)
            .collect(),
    );
    let first = first_request(tools.clone());
    let r = client.chat(&first).await;
    assert!(r.is_ok(), "{name}: first request: {r:?}\n{}", log());
    let prompt = r.unwrap().usage.map(|u| u.prompt_tokens);
    let follow = ChatRequest::new(
        "default",
        vec![
            ChatMessage::system("You are a Kubernetes assistant."),
            ChatMessage::user("scale the frontend like last friday"),
            ChatMessage::Assistant {
                content: String::new(),
                tool_calls: vec![ToolCallRequest::new(
                    "c1",
                    "get",
                    &json!({"target": {"name": "frontend"}}),
                )],
            },
            ChatMessage::tool_result(
                "c1",
                json!({"untrusted_cluster_data": "deployment/todo-frontend 1/1 ready"}).to_string(),
            ),
        ],
    )
    .with_tools(tools);
    let r = client.chat(&follow).await;
    assert!(r.is_ok(), "{name}: follow-up: {r:?}\n{}", log());
    println!("{name}: kubectl-assist conformance ok; read-set prompt {prompt:?} tokens");
}

/// One round trip in a `--trace-path` file (a request line, then its response line).
struct Trip {
    tools: usize,
    /// The request carried tool results (the follow-up shape).
    follow_up: bool,
    prompt: Option<u64>,
    completion: Option<u64>,
}

fn trace_trips(path: &std::path::Path) -> Vec<Trip> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<Trip> = Vec::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("trace line is JSON");
        match v["kind"].as_str() {
            Some("request") => out.push(Trip {
                tools: v["body"]["tools"].as_array().map_or(0, Vec::len),
                follow_up: v["body"]["messages"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|m| m["role"] == "tool")),
                prompt: None,
                completion: None,
            }),
            Some("response") => {
                if let Some(last) = out.last_mut() {
                    last.prompt = v["body"]["usage"]["prompt_tokens"].as_u64();
                    last.completion = v["body"]["usage"]["completion_tokens"].as_u64();
                }
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
#[ignore = "real-server tier: ./test.sh runs it (cargo test --test llm_real_server -- --ignored)"]
async fn kubectl_assist_llm_path_is_safe_with_a_small_local_model() {
    for mode in ServerMode::ALL {
        let Some(server) = LocalServer::start(mode).unwrap() else {
            continue;
        };
        let name = mode.name();
        let tier_started = std::time::Instant::now();
        let client = LlmClient::new(server.config()).unwrap();
        if mode == ServerMode::LlamaServer {
            full_registry_is_accepted(&client, server.base_url.trim_end_matches("/v1"), name).await;
        }
        // The requests' own round trips are the conformance check: a refused one fails
        // the request (exit 1, asserted below).
        let mut follow_ups = 0;

        let api = FakeApi::start(
            todo_cluster(),
            &[("todo/todo-backend-b2-bbbbb", "INFO up\nERROR db timeout")],
        )
        .await;
        let settings = server.env();
        let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let dir = tempfile::tempdir().unwrap();
        let mut good = 0;
        // The first names no change (reads only), the second names one (reads + scale).
        let requests = [
            ("look into the backend and tell me what it needs", None),
            (
                "scale the frontend like we did last friday",
                Some("kubectl scale deployment/todo-frontend"),
            ),
        ];
        for (n, (request, wanted)) in requests.into_iter().enumerate() {
            let started = std::time::Instant::now();
            let trace = dir.path().join(format!("trace-{n}.jsonl"));
            let trace_arg = trace.display().to_string();
            let (code, out, err) = api
                .run_with_env(&["--trace-path", &trace_arg, request], &env)
                .await;
            assert!(
                api.writes().is_empty(),
                "{name}: {request}: wrote without the operator: {:?}",
                api.writes()
            );
            assert!(
                code == 0 || code == 3,
                "{name}: {request}: exit {code}\n{out}\n{err}\n{}",
                server.log_tail()
            );
            let mut runs: BTreeMap<&str, usize> = BTreeMap::new();
            for line in out.lines().filter(|l| l.starts_with("Running: ")) {
                *runs.entry(line).or_default() += 1;
            }
            assert!(
                runs.values().all(|n| *n == 1),
                "{name}: {request}: repeated calls {runs:?}"
            );
            assert!(!out.trim().is_empty(), "{name}: {request}: empty answer");
            let right = match wanted {
                Some(w) => out.contains(w),
                // A look into something is right when something was read and nothing
                // proposed.
                None => !runs.is_empty() && !out.contains("[write]"),
            };
            good += usize::from(right);
            let sizes = trace_trips(&trace);
            follow_ups += sizes.iter().filter(|t| t.follow_up).count();
            let trips: Vec<String> = sizes
                .iter()
                .map(|t| {
                    let n = |x: Option<u64>| x.map_or("?".to_string(), |x| x.to_string());
                    format!(
                        "{} tools: {}+{} tokens",
                        t.tools,
                        n(t.prompt),
                        n(t.completion)
                    )
                })
                .collect();
            println!(
                "{name}: {request:?} -> exit {code}, {} reads, {:.1} s, {}\n    round trips: {}\n{}",
                runs.len(),
                started.elapsed().as_secs_f64(),
                if right { "right" } else { "wrong" },
                trips.join("; "),
                out.trim()
            );
            if let Some(first) = sizes.first() {
                println!(
                    "{name}: context: the first request of {request:?} ({} tools) is {}",
                    first.tools,
                    first.prompt.map_or(
                        "not reported (this server sends no usage in a stream)".into(),
                        |p| format!("{p} prompt tokens")
                    )
                );
            }
        }
        // The follow-up shape, if the model never called a tool in the requests above.
        if follow_ups == 0 {
            conformance(&client, name, &|| server.log_tail()).await;
        }
        println!(
            "{name}: kubectl-assist accuracy {good}/{} requests in {:.0} s",
            requests.len(),
            tier_started.elapsed().as_secs_f64()
        );
    }
}
