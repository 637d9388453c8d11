//! Conversations and messages: the suite part that both backends must pass unchanged.

use serde_json::json;
use todo_core::{ConversationId, NewMessage, Role, ToolCall};

use super::*;

fn say(role: Role, content: &str) -> NewMessage {
    NewMessage {
        role,
        content: content.into(),
        tool_calls: vec![],
    }
}

pub async fn ping_answers(store: DynStore) {
    store.ping().await.unwrap();
}

pub async fn conversations_are_listed_most_recent_first(store: DynStore) {
    let ann = user(&store).await;
    let first = store.create_conversation(&ann.id).await.unwrap();
    let second = store.create_conversation(&ann.id).await.unwrap();
    let third = store.create_conversation(&ann.id).await.unwrap();
    assert!(first.id < second.id && second.id < third.id);
    assert_eq!(first.created_at, first.updated_at);
    assert_eq!(store.conversation(&ann.id, first.id).await.unwrap(), first);

    let listed = |limit, offset| {
        let (store, ann) = (store.clone(), ann.clone());
        async move {
            store
                .list_conversations(&ann.id, limit, offset)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(10, 0).await, vec![third.id, second.id, first.id]);

    // A new message makes its conversation the most recent one.
    let message = store
        .append_message(&ann.id, first.id, say(Role::User, "hello"))
        .await
        .unwrap();
    let touched = store.conversation(&ann.id, first.id).await.unwrap();
    assert!(
        touched.updated_at > first.updated_at,
        "appending bumps updated_at"
    );
    assert!(touched.updated_at >= message.created_at);
    assert_eq!(touched.created_at, first.created_at);
    assert_eq!(listed(10, 0).await, vec![first.id, third.id, second.id]);
    assert_eq!(listed(2, 0).await, vec![first.id, third.id]);
    assert_eq!(listed(2, 2).await, vec![second.id]);
    assert_eq!(listed(0, 0).await, Vec::<ConversationId>::new());

    let bob = user(&store).await;
    assert!(
        store
            .list_conversations(&bob.id, 10, 0)
            .await
            .unwrap()
            .is_empty(),
        "Bob sees none of Ann's"
    );
}

pub async fn messages_come_oldest_first_and_limit_keeps_the_latest(store: DynStore) {
    let ann = user(&store).await;
    let c = store.create_conversation(&ann.id).await.unwrap();
    let other = store.create_conversation(&ann.id).await.unwrap();
    assert!(store.messages(&ann.id, c.id, 10).await.unwrap().is_empty());

    let mut appended = Vec::new();
    for i in 0..7 {
        let role = if i % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        appended.push(
            store
                .append_message(&ann.id, c.id, say(role, &format!("message {i}")))
                .await
                .unwrap(),
        );
        store
            .append_message(&ann.id, other.id, say(Role::User, "elsewhere"))
            .await
            .unwrap();
    }
    assert!(appended.windows(2).all(|w| w[0].id < w[1].id));

    let everything = store.messages(&ann.id, c.id, 100).await.unwrap();
    assert_eq!(
        everything, appended,
        "all messages, oldest first, exactly as appended"
    );
    let latest = store.messages(&ann.id, c.id, 3).await.unwrap();
    assert_eq!(
        latest,
        appended[4..].to_vec(),
        "the last three, still oldest first"
    );
    assert!(store.messages(&ann.id, c.id, 0).await.unwrap().is_empty());
    assert_eq!(latest[0].role, Role::User);
    assert_eq!(latest[1].content, "message 5");
    assert_eq!(latest[1].conversation_id, c.id);
    assert_eq!(latest[1].user_id, ann.id);
}

pub async fn tool_calls_round_trip_as_json(store: DynStore) {
    let ann = user(&store).await;
    let c = store.create_conversation(&ann.id).await.unwrap();
    let calls = vec![
        ToolCall {
            tool: "add_task".into(),
            input: json!({"user_id": ann.id.as_str(), "title": "Buy milk", "z": 1, "a": [1.5, null, "é\u{0}"]}),
            output: json!({"task_id": 5, "status": "created", "title": "Buy milk"}),
        },
        ToolCall {
            tool: "list_tasks".into(),
            input: json!({}),
            output: json!([{"id": 5, "completed": false}]),
        },
    ];
    let message = NewMessage {
        role: Role::Assistant,
        content: "Added \"Buy milk\" 🥛".into(),
        tool_calls: calls.clone(),
    };
    let stored = store.append_message(&ann.id, c.id, message).await.unwrap();
    assert_eq!(stored.tool_calls, calls);
    let read = store.messages(&ann.id, c.id, 10).await.unwrap();
    assert_eq!(read, vec![stored]);
    assert_eq!(read[0].tool_calls, calls);
    assert_eq!(read[0].content, "Added \"Buy milk\" 🥛");
}

pub async fn another_users_conversation_is_not_found(store: DynStore) {
    let ann = user(&store).await;
    let bob = user(&store).await;
    let hers = store.create_conversation(&ann.id).await.unwrap();
    store
        .append_message(&ann.id, hers.id, say(Role::User, "private"))
        .await
        .unwrap();

    assert_not_found(store.conversation(&bob.id, hers.id).await, "conversation");
    assert_not_found(store.messages(&bob.id, hers.id, 10).await, "conversation");
    assert_not_found(
        store
            .append_message(&bob.id, hers.id, say(Role::User, "intrusion"))
            .await,
        "conversation",
    );
    assert_not_found(
        store
            .messages(&ann.id, ConversationId(hers.id.0 + 1_000_000), 10)
            .await,
        "conversation",
    );

    let still = store.messages(&ann.id, hers.id, 10).await.unwrap();
    assert_eq!(still.len(), 1, "Bob's append left no trace");
    assert!(
        store
            .conversation(&ann.id, hers.id)
            .await
            .unwrap()
            .updated_at
            >= still[0].created_at
    );
}
