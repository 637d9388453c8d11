//! Saying a seed task is done as a fact ("I bought the groceries"), and denials.

use serde_json::json;

use super::{Case, call, case};

/// (object, past form, passive form, task id): ways of saying a seed task is done.
const FACTS: &[(&str, &str, &str, i64)] = &[
    ("the groceries", "bought", "bought", 1),
    ("mom", "called", "called", 2),
    ("the plants", "watered", "watered", 8),
    ("my passport", "renewed", "renewed", 10),
    ("the quarterly report", "finished", "finished", 6),
    ("the team meeting prep", "did", "done", 3),
    ("the gym session", "did", "done", 9),
];

pub(super) fn facts(out: &mut Vec<Case>) {
    let active = [
        "I {v} {o}",
        "I just {v} {o}",
        "I've {v} {o}",
        "just {v} {o}",
        "finally {v} {o}",
        "we {v} {o}",
    ];
    let passive = [
        "{o} is {p}",
        "{o} has been {p}",
        "{o} got {p}",
        "{o} {p}",
        "{o} are all {p}",
    ];
    let tails = ["", " today", " this morning", "!", " earlier"];
    let mut k = 0;
    for (object, past, participle, id) in FACTS {
        let expected = vec![
            call("list_tasks", json!({"status": "all"})),
            call("complete_task", json!({"task_id": id})),
        ];
        for t in active {
            let tail = tails[k % tails.len()];
            let message = t.replace("{v}", past).replace("{o}", object) + tail;
            out.push(case("gen-fact", message, expected.clone()));
            k += 1;
        }
        for t in passive {
            // "mom is called" reads as naming, not doing; keep to "has been".
            if *id == 2 && !t.contains("has been") {
                continue;
            }
            let tail = tails[k % tails.len()];
            let object = object.trim_start_matches("my ");
            let message = t.replace("{p}", participle).replace("{o}", object) + tail;
            out.push(case("gen-fact", message, expected.clone()));
            k += 1;
        }
    }
    // Denials never complete anything.
    let denials = [
        "I haven't called mom yet",
        "I didn't buy the groceries",
        "the plants aren't watered",
        "I never renewed my passport",
        "we still haven't bought the groceries",
        "mom hasn't been called",
        "I couldn't water the plants",
        "the passport isn't renewed yet",
    ];
    for d in denials {
        out.push(case("gen-fact-denied", d.to_string(), Vec::new()));
    }
}
