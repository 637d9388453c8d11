//! Adding a task, with its title written many ways.

use serde_json::{Value, json};

use super::{Case, call, case, dress, maybe_typo};

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

pub(super) fn adds(out: &mut Vec<Case>) {
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
