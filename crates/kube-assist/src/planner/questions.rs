//! Requests that are questions, not orders. Their shape is read from the words
//! that open them and from the tense of their verbs, never from whole sentences:
//! a question about what happened asks for facts, a question about whether or how
//! to change something asks for advice, and "don't ..." forbids. None of them
//! may become a write.

use super::offline::Request;
use super::words::number;

/// The words a request opens with after politeness ("please", "hey", ...).
fn opening(r: &Request) -> &[String] {
    let skip = r
        .tokens
        .iter()
        .take_while(|t| {
            matches!(
                t.as_str(),
                "please" | "pls" | "hey" | "hi" | "so" | "ok" | "okay"
            )
        })
        .count();
    &r.tokens[skip..]
}

fn opens_with(r: &Request, words: &[&str]) -> bool {
    let o = opening(r);
    o.len() >= words.len() && o.iter().zip(words).all(|(a, b)| a == b)
}

/// Past forms of the verbs that name a change. "when was the api deployed",
/// "who restarted the backend": the change already happened; the question asks
/// for the object's history, not for the change.
const PAST_CHANGES: &[&str] = &[
    "restarted",
    "scaled",
    "deployed",
    "redeployed",
    "rolled",
    "updated",
    "upgraded",
    "downgraded",
    "changed",
    "modified",
    "edited",
    "rebooted",
    "bounced",
    "reverted",
    "patched",
    "labelled",
    "labeled",
    "created",
];

/// "when did ...", "has it ...", "how often was ...", "who restarted ...": a
/// question about what happened. ("can you restart it?" is a polite order.)
pub(super) fn is_question_about_the_past(r: &Request) -> bool {
    let o = opening(r);
    let first = o.first().map(String::as_str);
    // "have 2 replicas of web" is an order; "have the pods restarted?" a question.
    let counted = o.get(1).is_some_and(|w| number(w).is_some());
    matches!(first, Some("when" | "did" | "was" | "were" | "why" | "who"))
        || (matches!(first, Some("has" | "have")) && !counted)
        || r.phrase(&["how", "often"])
        || r.phrase(&["how", "many", "times"])
        || r.phrase(&["last", "time"])
}

/// A past question that names a change ("when was the api deployed") and so asks
/// for the object's history.
pub(super) fn asks_about_a_past_change(r: &Request) -> bool {
    is_question_about_the_past(r) && r.any(PAST_CHANGES)
}

/// "should I scale ...", "what happens if I restart ...", "how do I roll back ...",
/// "is it safe to ...", "can I ...": asks whether or how to change something.
/// ("can you ..." and "could you ..." are polite orders and stay orders.)
pub(super) fn asks_for_advice(r: &Request) -> bool {
    let o = opening(r);
    let first = o.first().map(String::as_str);
    let second = o.get(1).map(String::as_str);
    matches!(first, Some("should" | "shall" | "must"))
        || (first == Some("would") && second != Some("you"))
        || matches!(
            (first, second),
            (Some("can" | "could" | "may" | "might"), Some("i" | "we"))
                | (
                    Some("how"),
                    Some("do" | "does" | "can" | "could" | "would" | "should" | "to" | "shall")
                )
                | (
                    Some("what"),
                    Some("if" | "happens" | "would" | "will" | "happen")
                )
                | (Some("is" | "isnt"), Some("it"))
        )
        || r.phrase(&["what", "if"])
        || r.phrase(&["is", "it", "safe"])
        || r.phrase(&["good", "idea"])
}

/// "what port does web listen on", "which node is web-1 on": a question about
/// one object (only as the request's opening; "tell me what it needs" is vaguer).
pub(super) fn opens_a_question(r: &Request) -> bool {
    matches!(
        opening(r).first().map(String::as_str),
        Some("what" | "whats" | "which" | "where" | "does")
    )
}

/// "don't restart the api", "never scale web", "do not delete pod x".
pub(super) fn forbids(r: &Request) -> bool {
    opens_with(r, &["dont"]) || opens_with(r, &["never"]) || opens_with(r, &["do", "not"])
}

/// "what is using the most memory", "which pod uses the most cpu", "top pods":
/// a question about usage, answered by the usage report.
pub(super) fn asks_about_usage(r: &Request) -> bool {
    let resource = r.any(&["memory", "mem", "ram", "cpu", "resources"]);
    let ranking = r.any(&["most", "highest", "heaviest", "biggest", "least", "top"]);
    let consuming = r.any(&[
        "using",
        "uses",
        "usage",
        "use",
        "consuming",
        "consumes",
        "consume",
        "hogging",
        "hogs",
    ]);
    let judged = r.any(&["limits", "limit", "requests", "request"])
        && r.any(&["too", "enough", "sensible", "reasonable", "right"]);
    (resource && (ranking || consuming)) || opens_with(r, &["top"]) || judged
}

/// "which images run where", "what images are deployed": images across pods.
pub(super) fn asks_about_images(r: &Request) -> bool {
    r.any(&["images"]) && !r.any(&["set", "update", "change", "pull"])
}
