//! Bulk writes are confirmed first and undo reverts the last write, through
//! `Agent::chat` on a real SQLite store, across turns of a stored conversation
//! (a restarted server continues it exactly).

mod common;

use std::sync::Arc;

use serde_json::json;
use todo_agent::tools::TaskTools;
use todo_agent::{Agent, ToolSession};
use todo_core::{Store, UserId};

async fn numbers(store: &Arc<dyn Store>, user: &UserId) -> Vec<i64> {
    let mut ids: Vec<i64> = common::tasks(store, user)
        .await
        .iter()
        .map(|t| t.id.0)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn bulk_delete_waits_for_yes_and_no_leaves_everything() {
    let (store, user, _guard) = common::store_with_user("bulk@example.com").await;
    common::seed(&store, &user).await;
    let agent = Agent::offline(store.clone());

    let r = common::say(&agent, &user, None, "delete all completed tasks").await;
    assert!(
        r.response.starts_with("This deletes 2 tasks:"),
        "{}",
        r.response
    );
    assert!(r.response.contains("Pay bills (task 5)"), "{}", r.response);
    assert!(r.response.contains("Reply yes"), "{}", r.response);
    assert_eq!(
        numbers(&store, &user).await.len(),
        10,
        "a preview writes nothing"
    );

    let no = common::say(&agent, &user, Some(r.conversation_id), "no").await;
    assert!(no.tool_calls.is_empty());
    assert_eq!(numbers(&store, &user).await.len(), 10);
    // The question was answered: a later yes does not revive it.
    let late = common::say(&agent, &user, Some(r.conversation_id), "yes").await;
    assert!(late.tool_calls.is_empty(), "{:?}", late.tool_calls);
    assert_eq!(numbers(&store, &user).await.len(), 10);

    let again = common::say(&agent, &user, Some(r.conversation_id), "clear completed").await;
    let restarted = Agent::offline(common::reopen(&_guard).await);
    let yes = common::say(&restarted, &user, Some(again.conversation_id), "yes").await;
    assert_eq!(yes.tool_calls.len(), 1);
    assert_eq!(yes.tool_calls[0].tool, "delete_tasks");
    assert_eq!(
        yes.tool_calls[0].input,
        json!({"task_ids": [5, 7], "confirm": true})
    );
    assert!(
        yes.response.starts_with("Deleted 2 tasks"),
        "{}",
        yes.response
    );
    assert_eq!(numbers(&store, &user).await, vec![1, 2, 3, 4, 6, 8, 9, 10]);

    // Undo brings both back with their numbers, titles and completion.
    let undo = common::say(&restarted, &user, Some(again.conversation_id), "undo that").await;
    assert!(
        undo.response.contains("'Pay bills' (task 5)"),
        "{}",
        undo.response
    );
    assert_eq!(numbers(&store, &user).await, (1..=10).collect::<Vec<i64>>());
    for id in [5, 7] {
        let task = store.task(&user, todo_core::TaskId(id)).await.unwrap();
        assert!(task.completed, "task {id} comes back completed");
    }
    // A new task still gets a fresh number, never a reused one.
    let r = common::say(
        &restarted,
        &user,
        Some(again.conversation_id),
        "add buy stamps",
    )
    .await;
    assert!(r.response.contains("(task 11)"), "{}", r.response);
}

#[tokio::test]
async fn undo_of_a_single_delete_restores_every_field() {
    let (store, user, _guard) = common::store_with_user("one@example.com").await;
    common::seed(&store, &user).await;
    let agent = Agent::offline(store.clone());
    let before = store.task(&user, todo_core::TaskId(3)).await.unwrap();
    let r = common::say(&agent, &user, None, "delete task 3").await;
    assert!(store.task(&user, todo_core::TaskId(3)).await.is_err());
    common::say(&agent, &user, Some(r.conversation_id), "undo").await;
    let after = store.task(&user, todo_core::TaskId(3)).await.unwrap();
    assert_eq!(after.title, before.title);
    assert_eq!(after.priority, before.priority);
    assert_eq!(after.tags, before.tags);
    assert_eq!(after.created_at, before.created_at);
}

#[tokio::test]
async fn confirm_without_the_question_is_refused() {
    let (store, user, _guard) = common::store_with_user("sneaky@example.com").await;
    common::seed(&store, &user).await;
    let tools = TaskTools::new(store.clone());
    // Any planner (an LLM too) asking to skip the question is held to it.
    let mut session = ToolSession::new(&tools, &user).with_history(&[]);
    let err = session
        .call("delete_tasks", json!({"task_ids": [1, 2], "confirm": true}))
        .await
        .unwrap_err();
    assert!(err.message().contains("without confirm first"), "{err}");
    assert_eq!(numbers(&store, &user).await.len(), 10);
    // A preview never writes, and a missing task fails the whole request.
    let preview = session
        .call("delete_tasks", json!({"task_ids": [1, 2]}))
        .await
        .unwrap();
    assert_eq!(preview.output["status"], "needs_confirmation");
    let missing = session
        .call("complete_tasks", json!({"task_ids": [1, 99]}))
        .await
        .unwrap_err();
    assert!(missing.message().contains("99"), "{missing}");
    assert_eq!(numbers(&store, &user).await.len(), 10);
}

#[tokio::test]
async fn several_tasks_added_after_yes_and_undone_together() {
    let (store, user, _guard) = common::store_with_user("many@example.com").await;
    let agent = Agent::offline(store.clone());
    let r = common::say(
        &agent,
        &user,
        None,
        "add milk, eggs and bread as separate tasks",
    )
    .await;
    assert!(
        r.response.starts_with("This adds 3 tasks:"),
        "{}",
        r.response
    );
    assert!(numbers(&store, &user).await.is_empty());
    let yes = common::say(&agent, &user, Some(r.conversation_id), "yes please").await;
    assert!(
        yes.response.starts_with("Added 3 tasks"),
        "{}",
        yes.response
    );
    assert_eq!(numbers(&store, &user).await, vec![1, 2, 3]);
    let undo = common::say(&agent, &user, Some(r.conversation_id), "undo").await;
    assert!(undo.response.starts_with("Undone:"), "{}", undo.response);
    assert!(numbers(&store, &user).await.is_empty());
}

#[tokio::test]
async fn undo_reverts_edits_and_completions_step_by_step() {
    let (store, user, _guard) = common::store_with_user("undo@example.com").await;
    common::seed(&store, &user).await;
    let agent = Agent::offline(store.clone());

    let r = common::say(&agent, &user, None, "rename task 1 to Buy food").await;
    let c = Some(r.conversation_id);
    common::say(&agent, &user, c, "make task 9 high priority").await;
    common::say(&agent, &user, c, "mark task 2 as done").await;
    common::say(&agent, &user, c, "show my tasks").await;

    let u1 = common::say(&agent, &user, c, "undo that").await;
    assert_eq!(u1.tool_calls[0].tool, "undo");
    assert!(
        !store
            .task(&user, todo_core::TaskId(2))
            .await
            .unwrap()
            .completed
    );
    let u2 = common::say(&agent, &user, c, "undo").await;
    assert!(u2.response.contains("Gym session"), "{}", u2.response);
    assert_eq!(
        store
            .task(&user, todo_core::TaskId(9))
            .await
            .unwrap()
            .priority,
        todo_core::Priority::Low
    );
    let u3 = common::say(&agent, &user, c, "undo").await;
    assert!(u3.response.contains("Buy groceries"), "{}", u3.response);
    assert_eq!(
        store
            .task(&user, todo_core::TaskId(1))
            .await
            .unwrap()
            .title
            .as_str(),
        "Buy groceries"
    );
    let nothing = common::say(&agent, &user, c, "undo").await;
    assert!(
        nothing.response.contains("nothing to undo"),
        "{}",
        nothing.response
    );
}

#[tokio::test]
async fn a_statement_of_fact_completes_the_task_it_names_and_denials_do_not() {
    let (store, user, _guard) = common::store_with_user("facts@example.com").await;
    common::seed(&store, &user).await;
    let agent = Agent::offline(store.clone());
    let r = common::say(&agent, &user, None, "I haven't watered the plants yet").await;
    assert!(r.tool_calls.is_empty());
    let r = common::say(&agent, &user, None, "the plants have been watered").await;
    assert!(r.response.contains("Water the plants"), "{}", r.response);
    assert!(
        store
            .task(&user, todo_core::TaskId(8))
            .await
            .unwrap()
            .completed
    );
    // A verb the title does not have never completes it.
    let r = common::say(&agent, &user, None, "I sold the passport").await;
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.tool_calls);
    assert!(
        !store
            .task(&user, todo_core::TaskId(10))
            .await
            .unwrap()
            .completed
    );
}
