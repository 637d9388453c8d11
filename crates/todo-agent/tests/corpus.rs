//! The offline planner over the corpus of requests in `corpus.jsonl`: every
//! request runs through `Agent::chat` on a freshly seeded store, and its tool
//! calls (names and arguments, in order) must equal the expected ones exactly.
//! Prints the score per family; requires at least 97% exact.

mod common;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use todo_agent::Agent;
use todo_core::ChatText;

#[derive(Debug, Deserialize)]
struct Case {
    family: String,
    message: String,
    calls: Vec<ExpectedCall>,
    #[serde(default)]
    history: Vec<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct ExpectedCall {
    tool: String,
    input: Value,
}

const REQUIRED_SCORE: f64 = 0.97;

#[tokio::test]
async fn offline_planner_understands_the_corpus() {
    let raw = include_str!("corpus.jsonl");
    let cases: Vec<Case> = raw
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("corpus line {}: {e}", i + 1))
        })
        .collect();
    assert!(
        cases.len() >= 150,
        "the corpus must hold at least 150 requests, has {}",
        cases.len()
    );

    let mut per_family: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
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
        let entry = per_family.entry(case.family.clone()).or_default();
        entry.1 += 1;
        if got == case.calls {
            entry.0 += 1;
        } else {
            failures.push(format!(
                "  [{}] {:?}\n      expected {}\n      got      {}\n      reply    {:?}",
                case.family,
                case.message,
                serde_json::to_string(
                    &case
                        .calls
                        .iter()
                        .map(|c| (&c.tool, &c.input))
                        .collect::<Vec<_>>()
                )
                .unwrap(),
                serde_json::to_string(&got.iter().map(|c| (&c.tool, &c.input)).collect::<Vec<_>>())
                    .unwrap(),
                reply.response
            ));
        }
    }
    let exact: usize = per_family.values().map(|(ok, _)| ok).sum();
    let score = exact as f64 / cases.len() as f64;
    println!(
        "offline planner corpus: {exact}/{} exact ({:.1}%)",
        cases.len(),
        score * 100.0
    );
    for (family, (ok, n)) in &per_family {
        println!("  {family:<16} {ok}/{n}");
    }
    if !failures.is_empty() {
        println!("misses:\n{}", failures.join("\n"));
    }
    assert!(
        score >= REQUIRED_SCORE,
        "score {:.1}% is below {:.0}%",
        score * 100.0,
        REQUIRED_SCORE * 100.0
    );
}
