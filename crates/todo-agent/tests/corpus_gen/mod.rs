//! The paraphrase generator of the tuning corpus: templates × verb synonyms ×
//! word orders × polite fillers × typos, each with the exact tool calls it
//! must produce against the seed tasks of `common::seed` (1 Buy groceries,
//! 2 Call mom, 3 Team meeting prep #work high, 4 Dentist appointment (Mon
//! 10:00), 5 Pay bills (done), 6 Finish quarterly report #work, 7 Book flights
//! (done), 8 Water the plants, 9 Gym session low, 10 Renew passport), with the
//! clock at Friday 2026-11-20 10:00 UTC.
//!
//! Deterministic: the same cases every run, picked by a fixed stride rather
//! than randomness, so a miss always names the same sentence.
#![allow(dead_code)]

use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub family: String,
    pub message: String,
    pub calls: Vec<ExpectedCall>,
    #[serde(default)]
    pub history: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ExpectedCall {
    pub tool: String,
    pub input: Value,
}

fn call(tool: &str, input: Value) -> ExpectedCall {
    ExpectedCall {
        tool: tool.to_string(),
        input,
    }
}

fn case(family: &str, message: String, calls: Vec<ExpectedCall>) -> Case {
    Case {
        family: family.to_string(),
        message,
        calls,
        history: Vec::new(),
    }
}

const PREFIXES: &[&str] = &[
    "",
    "please ",
    "can you ",
    "could you please ",
    "hey, ",
    "ok ",
];
const SUFFIXES: &[&str] = &["", " please", " thanks", "!", " now", "."];

/// Common slips of the keys in the command word (swapped or dropped letter).
const TYPOS: &[(&str, &str)] = &[
    ("delete", "delte"),
    ("delete", "deleet"),
    ("remove", "remvoe"),
    ("complete", "compelte"),
    ("complete", "complet"),
    ("mark", "mrak"),
    ("show", "shwo"),
    ("list", "lsit"),
    ("finish", "finsih"),
    ("remind", "remnid"),
    ("create", "craete"),
];

fn typo_of(word: &str, k: usize) -> Option<&'static str> {
    let options: Vec<&str> = TYPOS
        .iter()
        .filter(|(w, t)| *w == word && *t != word)
        .map(|(_, t)| *t)
        .collect();
    (!options.is_empty()).then(|| options[k % options.len()])
}

fn dress(core: &str, k: usize) -> String {
    let prefix = PREFIXES[k % PREFIXES.len()];
    let suffix = SUFFIXES[(k / PREFIXES.len()) % SUFFIXES.len()];
    format!("{prefix}{core}{suffix}")
}

/// Replaces the first word with a typo every fourth case, when one is known.
fn maybe_typo(core: &str, k: usize) -> String {
    if k % 4 != 3 {
        return core.to_string();
    }
    let (first, rest) = core.split_once(' ').unwrap_or((core, ""));
    match typo_of(first, k / 4) {
        Some(t) if rest.is_empty() => t.to_string(),
        Some(t) => format!("{t} {rest}"),
        None => core.to_string(),
    }
}

const PENDING: &[i64] = &[1, 2, 3, 4, 6, 8, 9, 10];
const DONE: &[i64] = &[5, 7];

fn by_number(out: &mut Vec<Case>) {
    let complete = [
        "mark task {n} as done",
        "mark task {n} as complete",
        "complete task {n}",
        "finish task {n}",
        "check off task {n}",
        "tick off task {n}",
        "task {n} is done",
        "#{n} done",
        "done {n}",
        "{n} finished",
        "close task {n}",
        "cross off number {n}",
        "mark #{n} done",
        "task {n} sorted",
        "number {n} is finished",
    ];
    let delete = [
        "delete task {n}",
        "remove task {n}",
        "get rid of task {n}",
        "drop task {n}",
        "trash task {n}",
        "del {n}",
        "erase #{n}",
        "delete #{n} from my list",
        "remove number {n}",
        "scrap task {n}",
    ];
    let reopen = [
        "reopen task {n}",
        "mark task {n} as not done",
        "task {n} isn't done",
        "uncheck task {n}",
        "#{n} not done yet",
        "mark task {n} as incomplete",
    ];
    let mut k = 0;
    for t in complete {
        for n in PENDING {
            let core = maybe_typo(&t.replace("{n}", &n.to_string()), k);
            out.push(case(
                "gen-complete-id",
                dress(&core, k),
                vec![call("complete_task", json!({"task_id": n}))],
            ));
            k += 1;
        }
    }
    for t in delete {
        for n in [1, 3, 5, 8, 10, 6, 2] {
            let core = maybe_typo(&t.replace("{n}", &n.to_string()), k);
            out.push(case(
                "gen-delete-id",
                dress(&core, k),
                vec![call("delete_task", json!({"task_id": n}))],
            ));
            k += 1;
        }
    }
    for t in reopen {
        for n in DONE {
            out.push(case(
                "gen-reopen-id",
                dress(&t.replace("{n}", &n.to_string()), k),
                vec![call("reopen_task", json!({"task_id": n}))],
            ));
            k += 1;
        }
    }
}

fn listings(out: &mut Vec<Case>) {
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

/// (what the message says, the title the task gets).
const TITLES: &[(&str, &str)] = &[
    ("buy oat milk", "Buy oat milk"),
    ("call the plumber", "Call the plumber"),
    ("book a dentist visit", "Book a dentist visit"),
    ("pick up the parcel", "Pick up the parcel"),
    ("email the landlord", "Email the landlord"),
    ("renew the car insurance", "Renew the car insurance"),
    ("clean the fridge", "Clean the fridge"),
    ("order printer ink", "Order printer ink"),
    ("water the lawn", "Water the lawn"),
    ("fix the squeaky door", "Fix the squeaky door"),
    ("send Anna the slides", "Send Anna the slides"),
    ("return the library books", "Return the library books"),
];

fn adds(out: &mut Vec<Case>) {
    let leads = [
        "add {t}",
        "add a task to {t}",
        "remind me to {t}",
        "I need to {t}",
        "don't forget to {t}",
        "new task: {t}",
        "todo: {t}",
        "create a task to {t}",
        "I have to {t}",
        "remember to {t}",
        "make sure I {t}",
        "don't forget that I need to {t}",
        "Reminder: {t}",
        "I should probably {t}",
        "maybe add {t}",
    ];
    let fillers = ["", " at some point", " when I get a chance", " sometime"];
    let mut k = 0;
    for lead in leads {
        for (said, title) in TITLES {
            let filler = fillers[k % fillers.len()];
            let core = maybe_typo(&lead.replace("{t}", &format!("{said}{filler}")), k);
            out.push(case(
                "gen-add",
                dress(&core, k),
                vec![call("add_task", json!({"title": title}))],
            ));
            k += 1;
        }
    }
    // Dates, markers and labels, in both orders where English allows.
    let attrs: [(&str, Value); 10] = [
        (" tomorrow", json!({"due_at": "2026-11-21T09:00:00Z"})),
        (
            " tomorrow at 5pm",
            json!({"due_at": "2026-11-21T17:00:00Z"}),
        ),
        (" on monday", json!({"due_at": "2026-11-23T09:00:00Z"})),
        (" next friday", json!({"due_at": "2026-11-27T09:00:00Z"})),
        (" #home", json!({"tags": ["home"]})),
        (" !high", json!({"priority": "high"})),
        (" p3", json!({"priority": "low"})),
        (" high priority", json!({"priority": "high"})),
        (
            " #errands !low",
            json!({"priority": "low", "tags": ["errands"]}),
        ),
        (" p1 #work", json!({"priority": "high", "tags": ["work"]})),
    ];
    for (i, (said, title)) in TITLES.iter().enumerate() {
        for (j, (attr, extra)) in attrs.iter().enumerate() {
            if (i + j) % 2 == 1 {
                continue;
            }
            let lead = ["add", "remind me to", "new task", "add a task to"][(i + j) % 4];
            let mut input = json!({"title": title});
            for (key, v) in extra.as_object().unwrap() {
                input[key] = v.clone();
            }
            out.push(case(
                "gen-add-attributes",
                format!("{lead} {said}{attr}"),
                vec![call("add_task", input)],
            ));
        }
    }
    let labels: [(&str, Value); 5] = [
        ("Todo - ", json!({})),
        ("Urgent: ", json!({"priority": "high"})),
        ("work: ", json!({"tags": ["work"]})),
        ("Home: ", json!({"tags": ["home"]})),
        ("Note: ", json!({})),
    ];
    for (i, (said, title)) in TITLES.iter().enumerate() {
        let (label, extra) = &labels[i % labels.len()];
        let mut input = json!({"title": title});
        for (key, v) in extra.as_object().unwrap() {
            input[key] = v.clone();
        }
        out.push(case(
            "gen-label",
            format!("{label}{said}"),
            vec![call("add_task", input)],
        ));
    }
    let repeats: [(&str, Value, &str); 6] = [
        (
            " every monday",
            json!({"kind": "weekly", "days": ["mon"]}),
            "2026-11-23T09:00:00Z",
        ),
        (
            " every weekday",
            json!({"kind": "weekdays"}),
            "2026-11-23T09:00:00Z",
        ),
        (" daily", json!({"kind": "daily"}), "2026-11-21T09:00:00Z"),
        (
            " on the 1st of every month",
            json!({"kind": "monthly", "day": 1}),
            "2026-12-01T09:00:00Z",
        ),
        (
            " every tuesday and thursday at 7pm",
            json!({"kind": "weekly", "days": ["tue", "thu"]}),
            "2026-11-24T19:00:00Z",
        ),
        (
            " every day at 8am",
            json!({"kind": "daily"}),
            "2026-11-21T08:00:00Z",
        ),
    ];
    for (i, (said, title)) in TITLES.iter().enumerate() {
        for (j, (rule, recurrence, due)) in repeats.iter().enumerate() {
            if (i + j) % 3 != 0 {
                continue;
            }
            let lead = ["add", "remind me to", "I need to"][(i + j) % 3];
            out.push(case(
                "gen-recurrence",
                format!("{lead} {said}{rule}"),
                vec![call(
                    "add_task",
                    json!({"title": title, "due_at": due, "recurrence": recurrence}),
                )],
            ));
        }
    }
}

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

fn facts(out: &mut Vec<Case>) {
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

fn several(out: &mut Vec<Case>) {
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

fn undos(out: &mut Vec<Case>) {
    let before = [
        "delete task 3",
        "mark task 2 as done",
        "add call the plumber",
        "rename task 1 to Buy food",
        "reopen task 5",
        "make task 9 high priority",
    ];
    let phrasings = [
        "undo",
        "undo that",
        "undo it",
        "revert that",
        "take that back",
        "oops, undo",
        "undo the last change",
        "please undo that",
    ];
    let mut k = 0;
    for b in before {
        for _ in 0..3 {
            let mut c = case(
                "gen-undo",
                phrasings[k % phrasings.len()].to_string(),
                vec![call("undo", json!({}))],
            );
            c.history = vec![b.to_string()];
            out.push(c);
            k += 1;
        }
    }
}

fn unsure(out: &mut Vec<Case>) {
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

/// Every generated case.
pub fn generate() -> Vec<Case> {
    let mut out = Vec::new();
    by_number(&mut out);
    listings(&mut out);
    adds(&mut out);
    facts(&mut out);
    several(&mut out);
    undos(&mut out);
    unsure(&mut out);
    out
}
