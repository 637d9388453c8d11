//! Asking to see tasks: pending, completed, all, by tag or priority.

use serde_json::json;

use super::{Case, call, case, dress, maybe_typo};

pub(super) fn listings(out: &mut Vec<Case>) {
    let pending = [
        "what's pending",
        "show my open tasks",
        "what haven't I finished",
        "which tasks are not done",
        "list tasks that aren't completed",
        "what do I still need to do",
        "show unfinished tasks",
        "what is left",
        "anything I haven't done",
        "hide the completed ones",
        "show tasks without the finished ones",
        "what's not done yet",
        "which ones are still open",
        "list my outstanding tasks",
        "what remains to be done",
        "what haven't I completed yet",
        "show me what isn't finished",
        "tasks I have not done",
        "what am I yet to finish",
        "show everything except completed tasks",
    ];
    let completed = [
        "what have I completed",
        "show completed tasks",
        "what did I finish",
        "list the done ones",
        "which tasks are finished",
        "what tasks aren't pending",
        "show everything I've done",
        "what have I already done",
        "show my finished tasks",
        "list completed todos",
        "which ones are not open",
        "what's been ticked off",
    ];
    let all = [
        "show my tasks",
        "list everything",
        "what's on my list",
        "show all my todos",
        "my tasks",
        "list my tasks",
        "what tasks do I have",
        "show me my to-do list",
        "tasks?",
        "what's on my todo list",
    ];
    let mut k = 0;
    for (phrases, status) in [
        (&pending[..], "pending"),
        (&completed[..], "completed"),
        (&all[..], "all"),
    ] {
        for p in phrases {
            for variant in 0..4 {
                let core = maybe_typo(p, k);
                let message = match variant {
                    0 => core.clone(),
                    1 => format!("{core}?"),
                    _ => dress(&core, k),
                };
                out.push(case(
                    "gen-list",
                    message,
                    vec![call("list_tasks", json!({"status": status}))],
                ));
                k += 1;
            }
        }
    }
    let due = [
        ("what's due today", "today"),
        ("anything due today", "today"),
        ("what tasks are due today", "today"),
        ("what's due this week", "this_week"),
        ("anything due this week", "this_week"),
        ("show tasks due this week", "this_week"),
        ("what's overdue", "overdue"),
        ("show overdue tasks", "overdue"),
        ("am I behind on anything", "overdue"),
        ("which tasks are past due", "overdue"),
        ("list everything that's late", "overdue"),
        ("what did I miss the deadline on", "overdue"),
    ];
    for (i, (p, window)) in due.iter().enumerate() {
        for variant in 0..3 {
            let message = match variant {
                0 => p.to_string(),
                1 => format!("{p}?"),
                _ => dress(p, i + k),
            };
            out.push(case(
                "gen-due",
                message,
                vec![call(
                    "list_tasks",
                    json!({"status": "pending", "due": window}),
                )],
            ));
        }
    }
}
