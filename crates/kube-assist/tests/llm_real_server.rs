//! kubectl-assist's LLM path against real OpenAI-compatible servers running a small
//! local model (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) at temperature 0, over the fake
//! API server: the full registry of tools is accepted (the boolean schema of `patch`
//! used to make llama-server answer 400 to every request), and whatever the model
//! does, nothing is written without the operator, the same call is not repeated, and
//! the answer is never empty. What the model made of each request is printed.

mod common;

use std::collections::BTreeMap;

use common::{FakeApi, todo_cluster};
use kube_assist::ops::tool_descriptions;
use llm::local_server::{LocalServer, ServerMode};
use llm::{ChatMessage, ChatModel, ChatRequest, LlmClient, ToolCallRequest, ToolSpec};
use serde_json::json;

async fn conformance(client: &LlmClient, name: &str, log: &dyn Fn() -> String) {
    let tools: Vec<ToolSpec> = tool_descriptions()
        .into_iter()
        .map(|t| ToolSpec::function(t.name, t.description, t.parameters))
        .collect();
    let first = ChatRequest::new(
        "default",
        vec![
            ChatMessage::system("You are a Kubernetes assistant."),
            ChatMessage::user("scale the frontend like last friday"),
        ],
    )
    .with_tools(tools.clone());
    let r = client.chat(&first).await;
    assert!(r.is_ok(), "{name}: full registry: {r:?}\n{}", log());
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
    println!("{name}: kubectl-assist conformance ok; full registry prompt {prompt:?} tokens");
}

#[tokio::test]
#[ignore = "real-server tier: ./test.sh runs it (cargo test --test llm_real_server -- --ignored)"]
async fn kubectl_assist_llm_path_is_safe_with_a_small_local_model() {
    for mode in ServerMode::ALL {
        let Some(server) = LocalServer::start(mode).unwrap() else {
            continue;
        };
        let name = mode.name();
        let client = LlmClient::new(server.config()).unwrap();
        conformance(&client, name, &|| server.log_tail()).await;

        let api = FakeApi::start(
            todo_cluster(),
            &[("todo/todo-backend-b2-bbbbb", "INFO up\nERROR db timeout")],
        )
        .await;
        let env = [
            ("LLM_BASE_URL", server.base_url.as_str()),
            ("LLM_MODEL", "default"),
            ("LLM_TEMPERATURE", "0"),
            ("LLM_TIMEOUT_SECS", "300"),
            ("LLM_TURN_TIMEOUT_SECS", "900"),
        ];
        let mut good = 0;
        let requests = [
            ("look into the backend and tell me what it needs", None),
            (
                "scale the frontend like we did last friday",
                Some("kubectl scale deployment/todo-frontend"),
            ),
        ];
        for (request, wanted) in requests {
            let started = std::time::Instant::now();
            let (code, out, err) = api.run_with_env(&[request], &env).await;
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
                None => !out.contains("[write]"),
            };
            good += usize::from(right);
            println!(
                "{name}: {request:?} -> exit {code}, {} reads, {:.1} s, {}\n{}",
                runs.len(),
                started.elapsed().as_secs_f64(),
                if right { "right" } else { "wrong" },
                out.trim()
            );
        }
        println!(
            "{name}: kubectl-assist accuracy {good}/{} requests",
            requests.len()
        );
    }
}
