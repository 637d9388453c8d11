//! Conversations stored before per-user task numbers (migration 4) name tasks by
//! their old global row ids inside tool calls: `input.task_id`, `output.task_id`
//! and the `id` of each item a listing returned. The chat agent reads those back
//! ("it", "the second one"), so an old id left in place would now point at some
//! other task of the user. Migration 4 queues every message with tool calls in
//! `legacy_tool_calls`; each store, when it opens, rewrites the queued messages
//! here (JSON surgery SQL cannot do portably), each exactly once: the queue row is
//! deleted in the transaction that rewrites the message.
//!
//! An id whose task is gone (deleted before the migration) becomes `null`, so it
//! can no longer name anything.

use std::collections::HashMap;

use serde_json::Value;
use todo_core::StoreResult;

use crate::dialect::Dialect;
use crate::engine::{Access, Database, Session};

/// Messages rewritten per transaction.
const BATCH: i64 = 200;

/// Rewrites the conversations migration 4 queued, a batch per transaction, so a
/// crash halfway leaves every message either done or queued. On PostgreSQL,
/// replicas starting together each lock the rows they take and skip those locked
/// by another, so every message is rewritten exactly once.
pub(crate) async fn renumber_legacy<D: Database>(db: &D) -> StoreResult<()> {
    let skip_locked = match D::DIALECT {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE OF l SKIP LOCKED",
    };
    let take = format!(
        "SELECT m.id, m.user_id, {} FROM legacy_tool_calls AS l \
         JOIN messages AS m ON m.id = l.message_id ORDER BY l.message_id LIMIT $1{skip_locked}",
        D::DIALECT.json_text("m.tool_calls")
    );
    let rewrite = format!(
        "UPDATE messages SET tool_calls = {} WHERE id = $2",
        D::DIALECT.json_param(1)
    );
    loop {
        let mut tx = db.session(Access::Transaction).await?;
        let batch = tx
            .fetch(&take, &[BATCH.into()], &|row| {
                Ok((row.int(0)?, row.text(1)?, row.text(2)?))
            })
            .await?;
        if batch.is_empty() {
            return tx.commit().await;
        }
        let mut numbers: HashMap<String, HashMap<i64, i64>> = HashMap::new();
        for (message, user, calls) in batch {
            if !numbers.contains_key(&user) {
                let rows = tx
                    .fetch(
                        "SELECT id, number FROM tasks WHERE user_id = $1",
                        &[user.as_str().into()],
                        &|row| Ok((row.int(0)?, row.int(1)?)),
                    )
                    .await?;
                numbers.insert(user.clone(), rows.into_iter().collect());
            }
            if let Some(calls) = rewritten(message, &calls, &numbers[&user]) {
                tx.execute(&rewrite, &[calls.into(), message.into()])
                    .await?;
            }
            tx.execute(
                "DELETE FROM legacy_tool_calls WHERE message_id = $1",
                &[message.into()],
            )
            .await?;
        }
        tx.commit().await?;
    }
}

/// The stored tool calls of message `message` with task ids renumbered, or `None`
/// when they are not JSON (left as they are, with a warning: nothing to rewrite).
fn rewritten(message: i64, calls: &str, numbers: &HashMap<i64, i64>) -> Option<String> {
    match serde_json::from_str::<Value>(calls) {
        Ok(mut calls) => {
            renumber_tool_calls(&mut calls, numbers);
            Some(calls.to_string())
        }
        Err(e) => {
            tracing::warn!(message, error = %e, "unreadable tool calls left as they are");
            None
        }
    }
}

/// Rewrites the task ids in one message's tool calls from row ids to per-user
/// numbers, `numbers` mapping the user's row ids to their numbers.
pub(crate) fn renumber_tool_calls(calls: &mut Value, numbers: &HashMap<i64, i64>) {
    let Value::Array(calls) = calls else {
        return;
    };
    for call in calls {
        if let Some(input) = call.get_mut("input") {
            renumber_field(input, "task_id", numbers);
        }
        match call.get_mut("output") {
            Some(Value::Array(items)) => {
                for item in items {
                    renumber_field(item, "id", numbers);
                }
            }
            Some(output) => renumber_field(output, "task_id", numbers),
            None => {}
        }
    }
}

fn renumber_field(object: &mut Value, key: &str, numbers: &HashMap<i64, i64>) {
    let Some(value) = object.as_object_mut().and_then(|o| o.get_mut(key)) else {
        return;
    };
    // Models sometimes sent ids as strings ("3", "#3"); the tools accepted those.
    let old = match &*value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().trim_start_matches('#').parse().ok(),
        _ => return,
    };
    *value = match old.and_then(|old| numbers.get(&old)) {
        Some(number) => Value::from(*number),
        None => Value::Null,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_in_inputs_outputs_and_listings_are_renumbered() {
        let numbers = HashMap::from([(17, 1), (42, 2)]);
        let mut calls = json!([
            {"tool": "complete_task", "input": {"task_id": 17}, "output": {"task_id": 17, "status": "completed", "title": "A"}},
            {"tool": "delete_task", "input": {"task_id": "#42"}, "output": {"error": "x"}},
            {"tool": "list_tasks", "input": {"status": "all"}, "output": [{"id": 42, "title": "B"}, {"id": 5, "title": "gone"}]},
            {"tool": "update_task", "input": {"task_id": 99}, "output": {"error": "task 99 not found"}},
        ]);
        renumber_tool_calls(&mut calls, &numbers);
        assert_eq!(
            calls,
            json!([
                {"tool": "complete_task", "input": {"task_id": 1}, "output": {"task_id": 1, "status": "completed", "title": "A"}},
                {"tool": "delete_task", "input": {"task_id": 2}, "output": {"error": "x"}},
                {"tool": "list_tasks", "input": {"status": "all"}, "output": [{"id": 2, "title": "B"}, {"id": null, "title": "gone"}]},
                {"tool": "update_task", "input": {"task_id": null}, "output": {"error": "task 99 not found"}},
            ])
        );
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let numbers = HashMap::from([(1, 1)]);
        for shape in [
            json!({}),
            json!("text"),
            json!([{"tool": "x"}]),
            json!([{"input": [1, 2]}]),
        ] {
            let mut v = shape.clone();
            renumber_tool_calls(&mut v, &numbers);
            assert_eq!(v, shape);
        }
    }
}
