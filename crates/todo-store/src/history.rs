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

/// Messages rewritten per transaction.
pub(crate) const BATCH: i64 = 200;

/// The stored tool calls of message `message` with task ids renumbered, or `None`
/// when they are not JSON (left as they are, with a warning: nothing to rewrite).
pub(crate) fn rewritten(message: i64, calls: &str, numbers: &HashMap<i64, i64>) -> Option<String> {
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
