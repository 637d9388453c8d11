//! Messages too vague to act on, which only list the tasks.

use serde_json::json;

use super::{Case, call, case};

pub(super) fn unsure(out: &mut Vec<Case>) {
    for m in [
        "milk",
        "the dentist",
        "hmm",
        "the meeting thing",
        "do something with task 3",
        "what about mom",
        "tomorrow",
    ] {
        out.push(case("gen-unsure", m.to_string(), Vec::new()));
    }
    // "Should I add 'Milk' as a task?" — yes adds it.
    for (m, title) in [
        ("milk", "Milk"),
        ("dog food", "Dog food"),
        ("new batteries", "New batteries"),
    ] {
        let mut c = case(
            "gen-unsure",
            "yes".to_string(),
            vec![call("add_task", json!({"title": title}))],
        );
        c.history = vec![m.to_string()];
        out.push(c);
    }
    // A bare "task" or "todo" is a request to see the list.
    for m in ["task", "todo", "tasks", "list"] {
        out.push(case(
            "gen-terse",
            m.to_string(),
            vec![call("list_tasks", json!({"status": "all"}))],
        ));
    }
}
