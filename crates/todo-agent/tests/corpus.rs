//! The offline planner over its corpora. Every request runs through
//! `Agent::chat` on a freshly seeded store; its tool calls (names and
//! arguments, in order) must equal the expected ones exactly.
//!
//! - the tuning corpus: hand-written `corpus.jsonl` plus the paraphrases
//!   `corpus_gen` generates (templates × verb synonyms × word orders × fillers
//!   × typos); ≥ 97 % exact;
//! - the held-out split `corpus_heldout.jsonl`: fresh phrasings written before
//!   the rules they test and never tuned on; ≥ 95 % exact.
//!
//! Both must have zero wrong actions: a write the request did not ask for, or
//! a listing of the opposite set. Known misses are pinned by message below, so
//! a new miss fails and so does a pinned one that started passing.

mod common;
mod corpus_gen;

use std::collections::{BTreeMap, BTreeSet};

use corpus_gen::{Case, ExpectedCall};
use serde_json::Value;
use todo_agent::Agent;
use todo_agent::tools::ToolName;
use todo_core::ChatText;

/// Requests of the tuning corpus the planner is known to get wrong (never a wrong action).
const KNOWN_MISSES: &[&str] = &[];
/// Held-out requests the planner is known to get wrong (never a wrong action).
const KNOWN_HELD_OUT_MISSES: &[&str] = &[
    "add buy stamps and put high priority on it",
    "finished ones",
    "make sure I remember to cancel the trial",
];

fn load(raw: &str, what: &str) -> Vec<Case> {
    raw.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{what} line {}: {e}", i + 1))
        })
        .collect()
}

/// The calls that change something: writes, minus previews that wait for a yes.
fn writes(calls: &[ExpectedCall]) -> Vec<&ExpectedCall> {
    calls
        .iter()
        .filter(|c| {
            let Some(tool) = ToolName::parse(&c.tool) else {
                return true;
            };
            if tool.is_read_only() {
                return false;
            }
            !tool.is_confirmed_write() || c.input.get("confirm") == Some(&Value::Bool(true))
        })
        .collect()
}

fn listed_status(calls: &[ExpectedCall]) -> Option<String> {
    calls
        .iter()
        .find(|c| c.tool == "list_tasks" || c.tool == "search_tasks")
        .and_then(|c| c.input.get("status").and_then(Value::as_str))
        .map(str::to_string)
}

/// Whether `got` did something worse than not understanding: wrote what was
/// not asked, or listed the opposite set of a status question.
fn wrong_action(expected: &[ExpectedCall], got: &[ExpectedCall]) -> Option<&'static str> {
    let (want, did) = (writes(expected), writes(got));
    if !did.is_empty() && want != did {
        return Some("wrote something not asked for");
    }
    let opposite = matches!(
        (
            listed_status(expected).as_deref(),
            listed_status(got).as_deref()
        ),
        (Some("pending"), Some("completed")) | (Some("completed"), Some("pending"))
    );
    if opposite && writes(expected).is_empty() {
        return Some("listed the opposite set");
    }
    None
}

struct Report {
    exact: usize,
    total: usize,
    per_family: BTreeMap<String, (usize, usize)>,
    misses: BTreeMap<String, String>,
    wrong: Vec<String>,
}

async fn run(cases: &[Case]) -> Report {
    let mut report = Report {
        exact: 0,
        total: cases.len(),
        per_family: BTreeMap::new(),
        misses: BTreeMap::new(),
        wrong: Vec::new(),
    };
    for case in cases {
        let (store, _guard) = common::fresh_store().await;
        let user = common::user(&store, "corpus@example.com").await;
        let ids = common::seed(&store, &user).await;
        assert_eq!(
            ids,
            (1..=10).collect::<Vec<i64>>(),
            "a fresh store must number the seed tasks 1..=10"
        );
        let agent = Agent::offline(store.clone());
        let mut conversation = None;
        for earlier in &case.history {
            let reply = agent
                .chat_with(
                    &user,
                    conversation,
                    ChatText::parse(earlier).unwrap(),
                    common::at_now(),
                )
                .await
                .unwrap();
            conversation = Some(reply.conversation_id);
        }
        let reply = agent
            .chat_with(
                &user,
                conversation,
                ChatText::parse(&case.message).unwrap(),
                common::at_now(),
            )
            .await
            .unwrap();
        let got: Vec<ExpectedCall> = reply
            .tool_calls
            .iter()
            .map(|c| ExpectedCall {
                tool: c.tool.clone(),
                input: c.input.clone(),
            })
            .collect();
        let entry = report.per_family.entry(case.family.clone()).or_default();
        entry.1 += 1;
        if got == case.calls {
            entry.0 += 1;
            report.exact += 1;
            continue;
        }
        let show = |calls: &[ExpectedCall]| {
            serde_json::to_string(
                &calls
                    .iter()
                    .map(|c| (&c.tool, &c.input))
                    .collect::<Vec<_>>(),
            )
            .unwrap()
        };
        let detail = format!(
            "  [{}] {:?}{}\n      expected {}\n      got      {}\n      reply    {:?}",
            case.family,
            case.message,
            if case.history.is_empty() {
                String::new()
            } else {
                format!(" after {:?}", case.history)
            },
            show(&case.calls),
            show(&got),
            reply.response
        );
        if let Some(why) = wrong_action(&case.calls, &got) {
            report.wrong.push(format!("{why}:\n{detail}"));
        }
        report.misses.insert(case.message.clone(), detail);
    }
    report
}

fn print(name: &str, report: &Report) {
    let score = report.exact as f64 / report.total.max(1) as f64;
    println!(
        "offline planner {name}: {}/{} exact ({:.1}%), wrong actions: {}",
        report.exact,
        report.total,
        score * 100.0,
        report.wrong.len()
    );
    for (family, (ok, n)) in &report.per_family {
        println!("  {family:<18} {ok}/{n}");
    }
}

/// The score is printed; what is asserted is the misses themselves: exactly the
/// pinned ones, so a new miss and a new pass both show by name (a minimum score
/// would let one slip in for another).
fn check(name: &str, report: &Report, pinned: &[&str], show_misses: bool) {
    print(name, report);
    if show_misses && !report.misses.is_empty() {
        println!(
            "misses:\n{}",
            report
                .misses
                .values()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(
        report.wrong.is_empty(),
        "{name}: {} wrong actions:\n{}",
        report.wrong.len(),
        report.wrong.join("\n")
    );
    let pinned: BTreeSet<&str> = pinned.iter().copied().collect();
    let missed: BTreeSet<&str> = report.misses.keys().map(String::as_str).collect();
    let new: Vec<_> = missed.difference(&pinned).collect();
    let fixed: Vec<_> = pinned.difference(&missed).collect();
    assert!(
        new.is_empty(),
        "{name}: misses not pinned as known: {new:?}"
    );
    assert!(
        fixed.is_empty(),
        "{name}: pinned misses that now pass (unpin them): {fixed:?}"
    );
}

#[tokio::test]
async fn offline_planner_understands_the_corpus() {
    let mut cases = load(include_str!("corpus.jsonl"), "corpus.jsonl");
    let hand_written = cases.len();
    cases.extend(corpus_gen::generate());
    println!(
        "tuning corpus: {hand_written} hand-written + {} generated",
        cases.len() - hand_written
    );
    assert!(
        cases.len() >= 1000,
        "the corpus must hold at least 1,000 requests, has {}",
        cases.len()
    );
    let report = run(&cases).await;
    check("corpus", &report, KNOWN_MISSES, true);
}

#[tokio::test]
async fn offline_planner_on_the_held_out_split() {
    let cases = load(include_str!("corpus_heldout.jsonl"), "corpus_heldout.jsonl");
    assert!(
        cases.len() >= 80,
        "the held-out split holds {}",
        cases.len()
    );
    let report = run(&cases).await;
    // Misses are not printed: the split is measured, never tuned on.
    check("held-out", &report, KNOWN_HELD_OUT_MISSES, false);
}
