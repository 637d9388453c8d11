//! The LLM planner against a local OpenAI-compatible server (the `llm` crate's
//! stub on 127.0.0.1) that speaks the chat-completions tool-calling wire format.

#[path = "../common/mod.rs"]
mod common;

mod failures;
mod guards;
mod history;
mod tool_loop;

use std::sync::Arc;
use std::time::Duration;

use llm::stub::StubServer;
use llm::{ApiKey, LlmClient, LlmConfig, Provider, RetryPolicy};
use todo_agent::{Agent, AgentConfig, LlmPlanner, LlmPlannerConfig};
use todo_core::{Store, UserId};

fn planner(stub: &StubServer, max_steps: usize, attempts: u32) -> Arc<LlmPlanner> {
    let mut config = LlmConfig::new(
        Provider::OpenAiCompatible,
        stub.base_url.clone(),
        "stub-model",
    );
    config.api_key = Some(ApiKey::new("sk-stub"));
    config.request_timeout = Duration::from_secs(5);
    config.retry = RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
    };
    let client = Arc::new(LlmClient::new(config).unwrap());
    Arc::new(LlmPlanner::new(
        client,
        LlmPlannerConfig {
            max_steps,
            ..LlmPlannerConfig::default()
        },
    ))
}

/// The agent every test here builds: the LLM planner on `stub`, default agent settings.
fn llm_agent(store: &Arc<dyn Store>, stub: &StubServer, max_steps: usize, attempts: u32) -> Agent {
    Agent::new(
        store.clone(),
        planner(stub, max_steps, attempts),
        AgentConfig::default(),
    )
}

/// Creates tasks with these titles for `user`, in order (ids 1, 2, ...).
async fn with_tasks(store: &Arc<dyn Store>, user: &UserId, titles: &[&str]) {
    for title in titles {
        store
            .create_task(
                user,
                todo_core::NewTask::titled(todo_core::Title::parse(title).unwrap()),
            )
            .await
            .unwrap();
    }
}

/// (title, completed) of the user's tasks.
async fn task_states(store: &Arc<dyn Store>, user: &UserId) -> Vec<(String, bool)> {
    let tasks = common::tasks(store, user).await;
    tasks
        .into_iter()
        .map(|t| (t.title.into_inner(), t.completed))
        .collect()
}
