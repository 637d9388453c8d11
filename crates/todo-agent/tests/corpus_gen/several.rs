//! One message about several tasks at once.

use serde_json::{Value, json};

use super::{Case, call, case, dress};

pub(super) fn several(out: &mut Vec<Case>) {
    let delete = [
        "delete tasks {a} and {b}",
        "remove {a} and {b}",
        "delete {a}, {b} and {c}",
        "get rid of tasks {a}, {b}, {c}",
        "delete #{a} and #{b}",
        "remove task {a} and task {b}",
    ];
    let complete = [
        "complete {a} and {b}",
        "mark {a} and {b} as done",
        "finish tasks {a}, {b} and {c}",
        "mark tasks {a}, {b} done",
        "tick off {a} & {b}",
    ];
    let triples: [[i64; 3]; 3] = [[1, 2, 8], [3, 4, 9], [6, 10, 1]];
    let yes = [
        "yes",
        "yes please",
        "go ahead",
        "sure",
        "ok do it",
        "yep",
        "confirm",
        "do it",
    ];
    let no = ["no", "cancel", "nope", "don't", "no thanks", "never mind"];
    let mut k = 0;
    for (templates, tool) in [
        (&delete[..], "delete_tasks"),
        (&complete[..], "complete_tasks"),
    ] {
        for t in templates {
            for ids in &triples {
                let n = if t.contains("{c}") { 3 } else { 2 };
                let message = t
                    .replace("{a}", &ids[0].to_string())
                    .replace("{b}", &ids[1].to_string())
                    .replace("{c}", &ids[2].to_string());
                let task_ids: Vec<i64> = ids[..n].to_vec();
                out.push(case(
                    "gen-multi",
                    message.clone(),
                    vec![call(tool, json!({"task_ids": task_ids}))],
                ));
                let mut answer = case(
                    "gen-confirm",
                    yes[k % yes.len()].to_string(),
                    vec![call(tool, json!({"task_ids": task_ids, "confirm": true}))],
                );
                answer.history = vec![message.clone()];
                out.push(answer);
                let mut refuse = case("gen-confirm", no[k % no.len()].to_string(), Vec::new());
                refuse.history = vec![message];
                out.push(refuse);
                k += 1;
            }
        }
    }
    let items = [
        (
            "add milk, eggs and bread as separate tasks",
            vec!["Milk", "Eggs", "Bread"],
        ),
        ("add apples and pears as two tasks", vec!["Apples", "Pears"]),
        (
            "create three tasks: call the vet, book a table, buy wine",
            vec!["Call the vet", "Book a table", "Buy wine"],
        ),
        (
            "add these: stamps, envelopes, tape",
            vec!["Stamps", "Envelopes", "Tape"],
        ),
        (
            "add call Sam and add email Joe",
            vec!["Call Sam", "Email Joe"],
        ),
        (
            "add soap, shampoo and towels separately",
            vec!["Soap", "Shampoo", "Towels"],
        ),
        (
            "put the following on my list: rice, beans",
            vec!["Rice", "Beans"],
        ),
    ];
    for (i, (message, titles)) in items.iter().enumerate() {
        let tasks: Vec<Value> = titles.iter().map(|t| json!({"title": t})).collect();
        out.push(case(
            "gen-add-many",
            message.to_string(),
            vec![call("add_tasks", json!({"tasks": tasks}))],
        ));
        let mut answer = case(
            "gen-confirm",
            yes[i % yes.len()].to_string(),
            vec![call("add_tasks", json!({"tasks": tasks, "confirm": true}))],
        );
        answer.history = vec![message.to_string()];
        out.push(answer);
    }
    let all: Vec<i64> = (1..=10).collect();
    let groups: [(&str, &str, Vec<i64>, &str); 12] = [
        (
            "delete all completed tasks",
            "completed",
            vec![5, 7],
            "delete_tasks",
        ),
        ("clear completed", "completed", vec![5, 7], "delete_tasks"),
        (
            "remove all the done ones",
            "completed",
            vec![5, 7],
            "delete_tasks",
        ),
        (
            "delete everything I've finished",
            "completed",
            vec![5, 7],
            "delete_tasks",
        ),
        ("clear my list", "all", all.clone(), "delete_tasks"),
        ("delete all my tasks", "all", all.clone(), "delete_tasks"),
        ("wipe everything", "all", all.clone(), "delete_tasks"),
        (
            "mark everything as done",
            "pending",
            vec![1, 2, 3, 4, 6, 8, 9, 10],
            "complete_tasks",
        ),
        (
            "complete all tasks",
            "pending",
            vec![1, 2, 3, 4, 6, 8, 9, 10],
            "complete_tasks",
        ),
        (
            "mark all my tasks as complete",
            "pending",
            vec![1, 2, 3, 4, 6, 8, 9, 10],
            "complete_tasks",
        ),
        (
            "get rid of the finished tasks",
            "completed",
            vec![5, 7],
            "delete_tasks",
        ),
        (
            "delete all pending tasks",
            "pending",
            vec![1, 2, 3, 4, 6, 8, 9, 10],
            "delete_tasks",
        ),
    ];
    for (i, (message, status, ids, tool)) in groups.iter().enumerate() {
        let message = dress(message, i);
        out.push(case(
            "gen-bulk",
            message.clone(),
            vec![
                call("list_tasks", json!({"status": status})),
                call(tool, json!({"task_ids": ids})),
            ],
        ));
        let mut answer = case(
            "gen-confirm",
            yes[(i + 3) % yes.len()].to_string(),
            vec![call(tool, json!({"task_ids": ids, "confirm": true}))],
        );
        answer.history = vec![message];
        out.push(answer);
    }
    out.push(case(
        "gen-bulk",
        "delete all #work tasks".into(),
        vec![
            call("search_tasks", json!({"tag": "work"})),
            call("delete_tasks", json!({"task_ids": [3, 6]})),
        ],
    ));
    out.push(case(
        "gen-bulk",
        "complete everything tagged work".into(),
        vec![
            call("search_tasks", json!({"tag": "work", "status": "pending"})),
            call("complete_tasks", json!({"task_ids": [3, 6]})),
        ],
    ));
    // A yes with nothing asked, and a yes to a question two turns back, do nothing.
    out.push(case("gen-confirm", "yes".into(), Vec::new()));
    let mut stale = case("gen-confirm", "yes".into(), Vec::new());
    stale.history = vec!["delete tasks 1 and 2".into(), "show my tasks".into()];
    out.push(stale);
}
