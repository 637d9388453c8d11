//! Completing, deleting and reopening one task named by its number.

use serde_json::json;

use super::{Case, DONE, PENDING, call, case, dress, maybe_typo};

pub(super) fn by_number(out: &mut Vec<Case>) {
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
