//! Multi-turn behaviour of the offline planner through `Agent::chat`: what the
//! user sees, what is stored, and what later turns understand from it.

mod common;

use std::sync::Arc;

use serde_json::json;
use todo_agent::{Agent, AgentError, TurnOptions, UserTz};
use todo_core::{ChatText, NewTask, Role, Store, TaskId, Title, UserId};

async fn add_titled(store: &Arc<dyn Store>, user: &UserId, title: &str) -> i64 {
    store
        .create_task(user, NewTask::titled(Title::parse(title).unwrap()))
        .await
        .unwrap()
        .id
        .0
}

#[tokio::test]
async fn replies_confirm_exactly_what_was_done() {
    let (store, user, _guard) = common::store_with_user("ann@example.com").await;
    let agent = Agent::offline(store.clone());

    let r = common::say(
        &agent,
        &user,
        None,
        "Add a task to buy groceries tomorrow at 5pm",
    )
    .await;
    let id = r.tool_calls[0].output["task_id"].as_i64().unwrap();
    assert_eq!(
        r.response,
        format!("Added 'Buy groceries' (task {id}), due tomorrow 17:00.")
    );
    assert_eq!(r.tool_calls[0].tool, "add_task");
    assert_eq!(
        r.tool_calls[0].output,
        json!({"task_id": id, "status": "created", "title": "Buy groceries"})
    );

    let r = common::say(
        &agent,
        &user,
        Some(r.conversation_id),
        &format!("mark task {id} as complete"),
    )
    .await;
    assert_eq!(
        r.response,
        format!("Marked 'Buy groceries' (task {id}) as complete. Nice work!")
    );
    let output = &r.tool_calls[0].output;
    assert_eq!(output["task_id"], json!(id));
    assert_eq!(output["status"], "completed");
    assert_eq!(output["title"], "Buy groceries");
    // What undo puts back: the task as it was, without the owner's id.
    assert_eq!(output["before"]["completed"], false);
    assert_eq!(output["before"]["title"], "Buy groceries");
    assert!(output["before"].get("user_id").is_none());

    let r = common::say(&agent, &user, Some(r.conversation_id), "what's pending?").await;
    assert_eq!(r.response, "Nothing pending — you're all caught up!");
    assert_eq!(r.tool_calls[0].output, json!([]));

    let r = common::say(&agent, &user, Some(r.conversation_id), "delete task 999").await;
    assert_eq!(
        r.response,
        "I couldn't find task 999. Say \"show my tasks\" to see your list."
    );
    assert_eq!(
        r.tool_calls[0].output,
        json!({"error": "task 999 not found"})
    );
}

#[tokio::test]
async fn ambiguous_reference_asks_and_the_next_message_resolves_it() {
    let (store, user, _guard) = common::store_with_user("ben@example.com").await;
    let standup = add_titled(&store, &user, "Team meeting").await;
    let _groceries = add_titled(&store, &user, "Buy groceries").await;
    let notes = add_titled(&store, &user, "Meeting notes for Friday").await;
    let agent = Agent::offline(store.clone());

    let r = common::say(&agent, &user, None, "delete the meeting task").await;
    assert_eq!(
        r.tool_calls.len(),
        1,
        "only listed, nothing deleted yet: {:?}",
        r.tool_calls
    );
    assert_eq!(r.tool_calls[0].tool, "list_tasks");
    assert!(
        r.response
            .starts_with("I found 2 tasks matching 'meeting'. Which one should I delete?"),
        "{}",
        r.response
    );
    assert!(
        r.response
            .contains(&format!("1. Team meeting (task {standup})")),
        "{}",
        r.response
    );
    assert!(
        r.response
            .contains(&format!("2. Meeting notes for Friday (task {notes})")),
        "{}",
        r.response
    );
    assert_eq!(common::titles(&store, &user).await.len(), 3);

    let r = common::say(&agent, &user, Some(r.conversation_id), "the second one").await;
    assert_eq!(r.tool_calls.len(), 1);
    assert_eq!(r.tool_calls[0].tool, "delete_task");
    assert_eq!(r.tool_calls[0].input, json!({"task_id": notes}));
    assert_eq!(
        r.response,
        format!("Deleted 'Meeting notes for Friday' (task {notes}).")
    );
    assert_eq!(
        common::titles(&store, &user).await,
        vec!["Team meeting", "Buy groceries"]
    );

    // The question was answered: a bare ordinal now has no pending action.
    let r = common::say(&agent, &user, Some(r.conversation_id), "the first one").await;
    assert!(r.tool_calls.is_empty(), "{:?}", r.tool_calls);
    assert!(
        r.response.starts_with(&format!(
            "What should I do with 'Team meeting' (task {standup})?"
        )),
        "{}",
        r.response
    );
}

#[tokio::test]
async fn a_bare_number_answers_with_an_id_or_a_position() {
    let (store, user, _guard) = common::store_with_user("cat@example.com").await;
    for filler in ["Filler one", "Filler two"] {
        add_titled(&store, &user, filler).await;
    }
    let first = add_titled(&store, &user, "Dentist appointment").await;
    let second = add_titled(&store, &user, "Dentist bill").await;
    let agent = Agent::offline(store.clone());

    let ask = common::say(&agent, &user, None, "I'm done with the dentist one").await;
    assert!(
        ask.response
            .contains("Which one should I mark as complete?"),
        "{}",
        ask.response
    );
    // The task id of an option wins...
    let r = common::say(
        &agent,
        &user,
        Some(ask.conversation_id),
        &second.to_string(),
    )
    .await;
    assert_eq!(r.tool_calls[0].tool, "complete_task");
    assert_eq!(r.tool_calls[0].input, json!({"task_id": second}));

    // ...and a small number that is no option's id is a position.
    let ask = common::say(&agent, &user, None, "get rid of the dentist one").await;
    assert!(
        ask.response.contains("Which one should I delete?"),
        "{}",
        ask.response
    );
    let r = common::say(&agent, &user, Some(ask.conversation_id), "1").await;
    assert_eq!(r.tool_calls[0].input, json!({"task_id": first}));
    assert_eq!(r.tool_calls[0].tool, "delete_task");
}

#[tokio::test]
async fn a_unique_title_match_is_listed_then_acted_on() {
    let (store, user, _guard) = common::store_with_user("dan@example.com").await;
    let ids = common::seed(&store, &user).await;
    let agent = Agent::offline(store.clone());
    let r = common::say(&agent, &user, None, "Delete the meeting task").await;
    let tools: Vec<&str> = r.tool_calls.iter().map(|c| c.tool.as_str()).collect();
    assert_eq!(tools, vec!["list_tasks", "delete_task"]);
    assert_eq!(
        r.response,
        format!("Deleted 'Team meeting prep' (task {}).", ids[2])
    );
    let r = common::say(
        &agent,
        &user,
        Some(r.conversation_id),
        "delete the unicorn task",
    )
    .await;
    assert_eq!(
        r.response,
        "I couldn't find a task matching 'unicorn'. Say \"show my tasks\" to see your list."
    );
}

#[tokio::test]
async fn follow_ups_refer_to_an_earlier_listing() {
    let (store, user, _guard) = common::store_with_user("eve@example.com").await;
    let ids = common::seed(&store, &user).await;
    let agent = Agent::offline(store.clone());

    let listing = common::say(&agent, &user, None, "show my open tasks").await;
    assert!(
        listing.response.starts_with("You have 8 pending tasks:"),
        "{}",
        listing.response
    );
    assert!(
        listing
            .response
            .contains(&format!("2. Call mom (task {})", ids[1])),
        "{}",
        listing.response
    );
    let conv = Some(listing.conversation_id);

    let r = common::say(&agent, &user, conv, "complete the second one").await;
    assert_eq!(r.tool_calls[0].input, json!({"task_id": ids[1]}));
    // Still the same listing two turns later, not renumbered by the completion.
    let r = common::say(&agent, &user, conv, "and delete the third one").await;
    assert_eq!(r.tool_calls[0].tool, "delete_task");
    assert_eq!(r.tool_calls[0].input, json!({"task_id": ids[2]}));
    let r = common::say(&agent, &user, conv, "rename it to Prepare the team meeting").await;
    // "it" is the task acted on last; it was deleted, which is answered politely.
    assert_eq!(
        r.tool_calls[0].input,
        json!({"task_id": ids[2], "title": "Prepare the team meeting"})
    );
    assert!(
        r.response.starts_with("I couldn't find task"),
        "{}",
        r.response
    );

    let r = common::say(&agent, &user, conv, "delete the twentieth one").await;
    assert!(
        r.tool_calls.is_empty() || r.tool_calls.iter().all(|c| c.tool == "list_tasks"),
        "{:?}",
        r.tool_calls
    );
}

#[tokio::test]
async fn a_conversation_resumes_after_reopening_the_same_sqlite_file() {
    let (store, user, guard) = common::store_with_user("fay@example.com").await;
    add_titled(&store, &user, "Weekly meeting").await;
    let sync = add_titled(&store, &user, "Meeting with Sam").await;

    let first = Agent::offline(store.clone());
    let ask = common::say(&first, &user, None, "delete the meeting task").await;
    drop(first);

    // A new agent on the reopened file (as after a server restart) answers from
    // the stored conversation.
    let second = Agent::offline(common::reopen(&guard).await);
    let r = common::say(&second, &user, Some(ask.conversation_id), "the second one").await;
    assert_eq!(r.tool_calls[0].tool, "delete_task");
    assert_eq!(r.tool_calls[0].input, json!({"task_id": sync}));

    let messages = store
        .messages(&user, ask.conversation_id, 50)
        .await
        .unwrap();
    let roles: Vec<Role> = messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        vec![Role::User, Role::Assistant, Role::User, Role::Assistant]
    );
    assert_eq!(messages[0].content, "delete the meeting task");
    assert_eq!(messages[1].tool_calls[0].tool, "list_tasks");
    assert_eq!(messages[3].tool_calls[0].tool, "delete_task");
}

/// A missing row is named for what it is: a user with no account is not told
/// their conversation is missing.
#[tokio::test]
async fn a_missing_user_is_not_reported_as_a_missing_conversation() {
    let (store, _guard) = common::fresh_store().await;
    let agent = Agent::offline(store.clone());
    let ghost = UserId::random();
    let err = agent
        .chat(&ghost, None, ChatText::parse("show my tasks").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, AgentError::NotFound("user")), "{err:?}");
    assert_eq!(err.to_string(), "user not found");
}

#[tokio::test]
async fn users_never_reach_each_others_tasks_or_conversations() {
    let (store, _guard) = common::fresh_store().await;
    let ann = common::user(&store, "ann@example.com").await;
    let bob = common::user(&store, "bob@example.com").await;
    let anns_task = add_titled(&store, &ann, "Ann's secret plan").await;
    let agent = Agent::offline(store.clone());

    let anns = common::say(&agent, &ann, None, "show my tasks").await;
    let err = agent
        .chat(
            &bob,
            Some(anns.conversation_id),
            ChatText::parse("show my tasks").unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AgentError::ConversationNotFound), "{err:?}");

    let r = common::say(&agent, &bob, None, &format!("delete task {anns_task}")).await;
    assert_eq!(
        r.response,
        format!("I couldn't find task {anns_task}. Say \"show my tasks\" to see your list.")
    );
    let r = common::say(&agent, &bob, Some(r.conversation_id), "show my tasks").await;
    assert!(!r.response.contains("secret"), "{}", r.response);
    assert!(store.task(&ann, TaskId(anns_task)).await.is_ok());
}

#[tokio::test]
async fn the_user_message_is_stored_before_the_planner_runs() {
    let (store, user, _guard) = common::store_with_user("gil@example.com").await;
    let agent = Agent::offline(store.clone());
    let r = common::say(&agent, &user, None, "hello").await;
    assert!(r.tool_calls.is_empty());
    assert!(r.response.starts_with("Hi!"));
    let stored = store.messages(&user, r.conversation_id, 10).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[0].role, stored[0].content.as_str()),
        (Role::User, "hello")
    );
    assert_eq!(stored[1].content, r.response);
}

#[tokio::test]
async fn dates_follow_the_users_time_zone() {
    let (store, user, _guard) = common::store_with_user("hal@example.com").await;
    let agent = Agent::offline(store.clone());
    let options = TurnOptions {
        now: Some(common::now()),
        tz: Some(UserTz::parse("Europe/Berlin").unwrap()),
    };
    let r = agent
        .chat_with(
            &user,
            None,
            ChatText::parse("remind me to call the bank tomorrow at 5pm").unwrap(),
            options,
        )
        .await
        .unwrap();
    // 17:00 in Berlin in November is 16:00 UTC.
    assert_eq!(r.tool_calls[0].input["due_at"], "2026-11-21T16:00:00Z");
    assert!(
        r.response.ends_with("due tomorrow 17:00."),
        "{}",
        r.response
    );
}

#[tokio::test]
async fn long_listings_are_cut_with_a_hint() {
    let (store, user, _guard) = common::store_with_user("ivy@example.com").await;
    let mut ids = Vec::new();
    for i in 1..=30 {
        ids.push(add_titled(&store, &user, &format!("Chore number {i}")).await);
    }
    let agent = Agent::offline(store.clone());
    let r = common::say(&agent, &user, None, "show my tasks").await;
    assert!(
        r.response.starts_with("You have 30 tasks:"),
        "{}",
        r.response
    );
    assert!(
        r.response
            .contains(&format!("25. Chore number 25 (task {})", ids[24])),
        "{}",
        r.response
    );
    assert!(!r.response.contains("Chore number 26"), "{}", r.response);
    assert!(r.response.ends_with("…and 5 more. Narrow it down, e.g. \"show my pending tasks\", \"show #work tasks\" or \"find tasks about …\"."), "{}", r.response);
    assert_eq!(
        r.tool_calls[0].output.as_array().unwrap().len(),
        30,
        "the tool output stays complete"
    );
    // A position past the cut still resolves from the stored tool output.
    let r = common::say(
        &agent,
        &user,
        Some(r.conversation_id),
        "complete the last one",
    )
    .await;
    assert_eq!(r.tool_calls[0].input, json!({"task_id": ids[29]}));
}
