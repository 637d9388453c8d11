//! The LLM planner against real OpenAI-compatible servers running a small local model
//! (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) at temperature 0: every request shape is
//! accepted, and in a scripted conversation every action a reply states is backed by a
//! tool call that really ran, no write lands on an invented id, and no planner note is
//! parroted. How often the model got each turn right is printed, not asserted: a 0.5B
//! model is weak, and the planner must stay truthful whatever it does.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use llm::local_server::{LocalServer, ServerMode};
use llm::{ChatMessage, ChatModel, ChatRequest, LlmClient, ToolCallRequest, ToolSpec};
use serde_json::{Value, json};
use todo_agent::tools::tool_specs;
use todo_agent::{Agent, AgentConfig, LlmPlanner, LlmPlannerConfig};
use todo_core::{ChatText, Store, TaskQuery, UserId};

/// One scripted turn and what a right answer leaves in the store.
struct Step {
    say: &'static str,
    /// Titles (lowercased) of pending tasks after the turn, when the turn is right.
    pending_after: &'static [&'static str],
}

const SCRIPT: &[Step] = &[
    Step {
        say: "Add a task to buy groceries",
        pending_after: &["buy groceries"],
    },
    Step {
        say: "Add a task to call the dentist",
        pending_after: &["buy groceries", "call the dentist"],
    },
    Step {
        say: "Show me all my tasks",
        pending_after: &["buy groceries", "call the dentist"],
    },
    Step {
        say: "Mark task 1 as complete",
        pending_after: &["call the dentist"],
    },
    Step {
        say: "Delete the dentist task",
        pending_after: &[],
    },
];

const CLAIMS: &[&str] = &["Added '", "Deleted '", "Marked '", "Updated task"];

async fn pending(store: &Arc<dyn Store>, user: &UserId) -> Vec<String> {
    let mut titles: Vec<String> = store
        .list_tasks(user, &TaskQuery::default())
        .await
        .unwrap()
        .tasks
        .into_iter()
        .filter(|t| !t.completed)
        .map(|t| t.title.into_inner().to_lowercase())
        .collect();
    titles.sort();
    titles
}

fn ids_in(v: &Value, into: &mut BTreeSet<i64>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if (k == "id" || k == "task_id") && x.is_i64() {
                    into.insert(x.as_i64().unwrap());
                }
                ids_in(x, into);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| ids_in(x, into)),
        _ => {}
    }
}

async fn conformance(client: &LlmClient, name: &str, log: &dyn Fn() -> String) {
    let tools: Vec<ToolSpec> = tool_specs()
        .into_iter()
        .map(|s| ToolSpec::function(s.name, s.description, Value::Object(s.input_schema)))
        .collect();
    let first = ChatRequest::new(
        "default",
        vec![
            ChatMessage::system("You manage a to-do list."),
            ChatMessage::user("show my tasks"),
        ],
    )
    .with_tools(tools.clone());
    let r = client.chat(&first).await;
    assert!(
        r.is_ok(),
        "{name}: first request with every tool: {r:?}\n{}",
        log()
    );
    let usage = r.unwrap().usage;
    let follow = ChatRequest::new(
        "default",
        vec![
            ChatMessage::system("You manage a to-do list."),
            ChatMessage::user("show my tasks"),
            ChatMessage::Assistant {
                content: String::new(),
                tool_calls: vec![ToolCallRequest::new(
                    "c1",
                    "list_tasks",
                    &json!({"status": "all"}),
                )],
            },
            ChatMessage::tool_result("c1", "[]"),
        ],
    )
    .with_tools(tools);
    let r = client.chat(&follow).await;
    assert!(
        r.is_ok(),
        "{name}: follow-up with tool_calls and tool: {r:?}\n{}",
        log()
    );
    println!(
        "{name}: todo planner conformance ok; first request {} prompt tokens",
        usage.map_or("?".to_string(), |u| u.prompt_tokens.to_string())
    );
}

#[tokio::test]
#[ignore = "real-server tier: ./test.sh runs it (cargo test --test llm_real_server -- --ignored)"]
async fn the_llm_planner_stays_truthful_with_a_small_local_model() {
    for mode in ServerMode::ALL {
        let Some(server) = LocalServer::start(mode).unwrap() else {
            continue;
        };
        let name = mode.name();
        let client = LlmClient::new(server.config()).unwrap();
        conformance(&client, name, &|| server.log_tail()).await;

        let (store, _guard) = common::fresh_store().await;
        let user = common::user(&store, "real@example.com").await;
        let planner = Arc::new(LlmPlanner::new(
            Arc::new(client),
            LlmPlannerConfig::default(),
        ));
        let agent = Agent::new(store.clone(), planner, AgentConfig::default());
        let mut conversation = None;
        let mut known: BTreeSet<i64> = BTreeSet::new();
        let mut right = 0;
        let mut by_model = 0;
        for step in SCRIPT {
            let started = std::time::Instant::now();
            let reply = agent
                .chat_with(
                    &user,
                    conversation,
                    ChatText::parse(step.say).unwrap(),
                    common::at_now(),
                )
                .await
                .unwrap();
            conversation = Some(reply.conversation_id);
            let took = started.elapsed().as_secs_f64();
            // Ids the person said, then what tools returned.
            for w in step.say.split_whitespace() {
                if let Ok(n) = w.parse::<i64>() {
                    known.insert(n);
                }
            }
            for call in &reply.tool_calls {
                let write = !matches!(call.tool.as_str(), "list_tasks" | "search_tasks");
                if write && let Some(id) = call.input.get("task_id").and_then(Value::as_i64) {
                    assert!(
                        known.contains(&id),
                        "{name}: {:?} wrote on task {id}, which nobody produced: {:?}",
                        step.say,
                        reply.tool_calls
                    );
                }
                ids_in(&call.output, &mut known);
            }
            // Every claimed action is backed by a successful write that ran.
            let writes_ok = reply
                .tool_calls
                .iter()
                .filter(|c| {
                    !matches!(c.tool.as_str(), "list_tasks" | "search_tasks")
                        && c.output.get("error").is_none()
                })
                .count();
            let claimed = CLAIMS
                .iter()
                .map(|c| reply.response.matches(c).count())
                .sum::<usize>();
            assert!(
                claimed <= writes_ok,
                "{name}: {:?} claims {claimed} actions with {writes_ok} behind them: {:?} {:?}",
                step.say,
                reply.response,
                reply.tool_calls
            );
            // No parroting of the planner's notes or of old annotations.
            assert!(
                !reply.response.contains("[tools used"),
                "{name}: {}",
                reply.response
            );
            let took_over = reply.response.starts_with("(The AI model");
            let ok = pending(&store, &user).await
                == step
                    .pending_after
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>();
            right += usize::from(ok);
            by_model += usize::from(ok && !took_over);
            println!(
                "{name}: {:?} -> {} [{} tools, {:.1} s, {}]",
                step.say,
                reply.response.replace('\n', " / "),
                reply.tool_calls.len(),
                took,
                if ok { "right" } else { "wrong" }
            );
        }
        println!(
            "{name}: todo accuracy {right}/{} turns right ({by_model} by the model itself, the rest by the offline takeover)",
            SCRIPT.len()
        );
    }
}
