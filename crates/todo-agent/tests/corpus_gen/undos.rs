//! Undoing the previous turn's change.

use serde_json::json;

use super::{Case, call, case};

pub(super) fn undos(out: &mut Vec<Case>) {
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
