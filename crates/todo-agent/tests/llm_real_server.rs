//! The LLM planner against real OpenAI-compatible servers running a small local model
//! (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) at temperature 0: every request the planner
//! sends is accepted (its first, with every tool, and its follow-ups), and in a scripted conversation every action a reply states is backed by a
//! tool call that really ran, no write lands on an invented id, and no planner note is
//! parroted. How often the model got each turn right is printed, not asserted: a 0.5B
//! model is weak, and the planner must stay truthful whatever it does.
//!
//! Settings for a loaded 2-core machine (see `llm::local_server`): temperature 0, small
//! `max_tokens`, one compute thread per server, generous request and turn budgets. The
//! first request's prompt size (the context the planner needs) is printed from the
//! server's own usage count.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use llm::local_server::{LocalServer, ServerMode};
use llm::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, LlmClient, ToolCallRequest, ToolSpec, Usage,
};
use serde_json::{Value, json};
use todo_agent::tools::tool_specs;
use todo_agent::{Agent, AgentConfig, LlmPlanner, LlmPlannerConfig};
use todo_core::{ChatText, Store, TaskQuery, ToolCall, UserId};

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
        say: "Mark task 1 as complete",
        pending_after: &["call the dentist"],
    },
    // Names a task by its words: the id must come from a lookup, not be invented.
    Step {
        say: "Delete the dentist task",
        pending_after: &[],
    },
];

/// Words that state a change was made. Independent of the planner's own claim
/// detector on purpose: this is the test's reading of the reply.
const ACTION_WORDS: &[&str] = &[
    "added",
    "created",
    "deleted",
    "removed",
    "completed",
    "marked",
    "updated",
    "renamed",
    "changed",
    "reopened",
    "scheduled",
];

/// One round trip as the server answered it.
struct Exchange {
    tools: usize,
    messages: usize,
    /// The request carried tool results (the follow-up shape).
    follow_up: bool,
    usage: Option<Usage>,
    seconds: f64,
    outcome: String,
    /// The server refused the request or answered something unreadable (not a timeout:
    /// on a loaded machine that is slowness, and the planner copes with it).
    refused: Option<String>,
}

/// The real client, recording each round trip's size and time.
struct Metered {
    inner: LlmClient,
    log: Mutex<Vec<Exchange>>,
}

#[async_trait]
impl ChatModel for Metered {
    fn model(&self) -> &str {
        self.inner.model()
    }

    fn turn_timeout(&self) -> Duration {
        self.inner.turn_timeout()
    }

    async fn chat(&self, request: &ChatRequest) -> llm::Result<ChatResponse> {
        let started = Instant::now();
        let result = self.inner.chat(request).await;
        let outcome = match &result {
            Ok(r) => r
                .first()
                .and_then(|c| c.finish_reason.clone())
                .unwrap_or_else(|| "?".into()),
            Err(e) => format!("error: {e}"),
        };
        let refused = match &result {
            Err(e @ (llm::LlmError::Status { .. } | llm::LlmError::Decode(_))) => {
                Some(e.to_string())
            }
            _ => None,
        };
        self.log.lock().unwrap().push(Exchange {
            tools: request.tools.len(),
            messages: request.messages.len(),
            follow_up: request
                .messages
                .iter()
                .any(|m| matches!(m, ChatMessage::Tool { .. })),
            usage: result.as_ref().ok().and_then(|r| r.usage),
            seconds: started.elapsed().as_secs_f64(),
            outcome,
            refused,
        });
        result
    }
}

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

fn is_write(call: &ToolCall) -> bool {
    !matches!(call.tool.as_str(), "list_tasks" | "search_tasks")
}

/// Ids of the writes that succeeded in this turn.
fn written_ids(calls: &[ToolCall]) -> BTreeSet<i64> {
    let mut ids = BTreeSet::new();
    for c in calls
        .iter()
        .filter(|c| is_write(c) && c.output.get("error").is_none())
    {
        ids_in(&c.output, &mut ids);
    }
    ids
}

/// Every sentence of `reply` that states a change must name a task a successful write
/// of this turn changed ("task N"). Returns the sentences that do not.
fn unbacked_claims(reply: &str, written: &BTreeSet<i64>) -> Vec<String> {
    let mut bad = Vec::new();
    for sentence in reply.split(['\n', '.', '!', '?']) {
        let lower = sentence.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if !words.iter().any(|w| ACTION_WORDS.contains(w)) {
            continue;
        }
        let named: Vec<i64> = words
            .windows(2)
            .filter(|p| p[0] == "task")
            .filter_map(|p| p[1].parse().ok())
            .collect();
        if named.is_empty() || !named.iter().all(|id| written.contains(id)) {
            bad.push(sentence.trim().to_string());
        }
    }
    bad
}

#[test]
fn the_claim_check_reads_replies_like_a_person() {
    let written = BTreeSet::from([1]);
    assert!(unbacked_claims("Added 'Buy milk' (task 1).", &written).is_empty());
    assert!(unbacked_claims("Tasks (1):\n1. [done] Buy milk", &written).is_empty());
    assert_eq!(
        unbacked_claims("I deleted the dentist task for you.", &written),
        ["I deleted the dentist task for you"]
    );
    assert_eq!(
        unbacked_claims("Deleted 'Dentist' (task 5).", &written),
        ["Deleted 'Dentist' (task 5)"]
    );
}

/// The follow-up shape (the assistant's `tool_calls` and a `tool` message beside every
/// tool), for a run in which the model never called a tool, so the conversation itself
/// did not send one. Answered 200 and parsed.
async fn follow_up_conformance(client: &LlmClient, name: &str, log: &dyn Fn() -> String) {
    let tools: Vec<ToolSpec> = tool_specs()
        .into_iter()
        .map(|s| ToolSpec::function(s.name, s.description, Value::Object(s.input_schema)))
        .collect();
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
    println!("{name}: todo planner follow-up shape accepted");
}

#[tokio::test]
#[ignore = "real-server tier: ./test.sh runs it (cargo test --test llm_real_server -- --ignored)"]
async fn the_llm_planner_stays_truthful_with_a_small_local_model() {
    for mode in ServerMode::ALL {
        let Some(server) = LocalServer::start(mode).unwrap() else {
            continue;
        };
        let name = mode.name();
        let tier_started = Instant::now();
        let client = LlmClient::new(server.config()).unwrap();
        // The conversation's own requests are the conformance check (the first with
        // every tool, then follow-ups): none may be refused, see below.
        let (store, _guard) = common::fresh_store().await;
        let user = common::user(&store, "real@example.com").await;
        let model = Arc::new(Metered {
            inner: client,
            log: Mutex::new(Vec::new()),
        });
        let planner = Arc::new(LlmPlanner::new(
            model.clone() as Arc<dyn ChatModel>,
            LlmPlannerConfig::default(),
        ));
        let agent = Agent::new(store.clone(), planner, AgentConfig::default());
        let mut conversation = None;
        let mut known: BTreeSet<i64> = BTreeSet::new();
        let mut right = 0;
        let mut by_model = 0;
        for step in SCRIPT {
            let started = Instant::now();
            let before = model.log.lock().unwrap().len();
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
                if is_write(call)
                    && let Some(id) = call.input.get("task_id").and_then(Value::as_i64)
                {
                    assert!(
                        known.contains(&id),
                        "{name}: {:?} wrote on task {id}, which nobody produced: {:?}",
                        step.say,
                        reply.tool_calls
                    );
                }
                ids_in(&call.output, &mut known);
            }
            // Every stated change is backed by a successful write of this turn.
            let unbacked = unbacked_claims(&reply.response, &written_ids(&reply.tool_calls));
            assert!(
                unbacked.is_empty(),
                "{name}: {:?}: the reply states changes no tool made: {unbacked:?}\nreply: {:?}\ntools: {:?}",
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
            let notes = reply.response.matches("(The AI model").count();
            assert!(
                notes <= 1,
                "{name}: a planner note repeated: {}",
                reply.response
            );
            let took_over = notes == 1;
            let ok = pending(&store, &user).await
                == step
                    .pending_after
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>();
            right += usize::from(ok);
            by_model += usize::from(ok && !took_over);
            let trips: Vec<String> = model.log.lock().unwrap()[before..]
                .iter()
                .map(|e| {
                    format!(
                        "{} msgs/{} tools -> {} in {:.1} s ({})",
                        e.messages,
                        e.tools,
                        e.usage.map_or("? tokens".into(), |u| format!(
                            "{}+{} tokens",
                            u.prompt_tokens, u.completion_tokens
                        )),
                        e.seconds,
                        e.outcome
                    )
                })
                .collect();
            println!(
                "{name}: {:?} -> {} [{} tools, {:.1} s, {}]\n    round trips: {}",
                step.say,
                reply.response.replace('\n', " / "),
                reply.tool_calls.len(),
                took,
                if ok { "right" } else { "wrong" },
                trips.join("; ")
            );
        }
        let (refused, follow_ups, trips, first) = {
            let log = model.log.lock().unwrap();
            let refused: Vec<String> = log.iter().filter_map(|e| e.refused.clone()).collect();
            let first = log.first().map(|e| (e.tools, e.usage));
            (
                refused,
                log.iter().filter(|e| e.follow_up).count(),
                log.len(),
                first,
            )
        };
        assert!(
            refused.is_empty(),
            "{name}: the server refused the planner's requests: {refused:?}\n{}",
            server.log_tail()
        );
        if follow_ups == 0 {
            follow_up_conformance(&model.inner, name, &|| server.log_tail()).await;
        }
        let (first_tools, first_usage) = first.expect("the planner asked the model");
        println!(
            "{name}: context: the planner's first request ({first_tools} tools) is {}",
            first_usage.map_or(
                "not reported (this server sends no usage in a stream)".into(),
                |u| format!("{} prompt tokens", u.prompt_tokens)
            )
        );
        println!(
            "{name}: todo accuracy {right}/{} turns right ({by_model} by the model itself, the rest by the offline takeover); {trips} round trips ({follow_ups} follow-ups), none refused, in {:.0} s",
            SCRIPT.len(),
            tier_started.elapsed().as_secs_f64()
        );
    }
}
