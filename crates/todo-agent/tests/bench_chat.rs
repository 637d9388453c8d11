//! Server-side time per chat turn with the offline planner. Ignored by default:
//! bench/chat.sh runs it in release mode with `--ignored` and keeps the JSON it
//! writes (to CHAT_BENCH_OUT). Nothing here asserts a speed.

mod common;

use std::time::Instant;

use serde_json::json;
use todo_agent::offline::{Phrase, detect};
use todo_agent::{Agent, TurnClock, UserTz};
use todo_core::ChatText;

const WARMUP: usize = 50;
const TURNS: usize = 1000;
/// A new conversation every so many turns, so history loading is part of the cost.
const TURNS_PER_CONVERSATION: usize = 20;

fn percentile(sorted: &[u128], p: f64) -> u128 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run by bench/chat.sh"]
async fn chat_turn_latency() {
    let (store, _guard) = common::fresh_store().await;
    let user = common::user(&store, "bench@example.com").await;
    common::seed(&store, &user).await;
    let agent = Agent::offline(store.clone());

    let mut samples = Vec::with_capacity(TURNS);
    let mut per_kind: std::collections::BTreeMap<&str, Vec<u128>> = Default::default();
    let mut conversation = None;
    let mut last_added = 0i64;
    for i in 0..WARMUP + TURNS {
        if i % TURNS_PER_CONVERSATION == 0 {
            conversation = None;
        }
        // A realistic mix that leaves the task list the same size over a cycle.
        let (kind, text) = match i % 6 {
            0 => (
                "add",
                format!("remind me to buy milk {i} tomorrow at 5pm #errands"),
            ),
            1 => ("list", "show my tasks".to_string()),
            2 => ("complete", format!("mark task {last_added} as done")),
            3 => ("list_pending", "what's pending?".to_string()),
            4 => (
                "rename",
                format!("rename task {last_added} to Buy oat milk {i}"),
            ),
            _ => ("delete", format!("delete task {last_added}")),
        };
        let started = Instant::now();
        let reply = agent
            .chat_with(
                &user,
                conversation,
                ChatText::parse(&text).unwrap(),
                common::at_now(),
            )
            .await
            .unwrap();
        let elapsed = started.elapsed().as_micros();
        conversation = Some(reply.conversation_id);
        if kind == "add" {
            last_added = reply.tool_calls[0].output["task_id"].as_i64().unwrap();
        }
        if i >= WARMUP {
            samples.push(elapsed);
            per_kind.entry(kind).or_default().push(elapsed);
        }
    }
    samples.sort_unstable();
    let mean = samples.iter().sum::<u128>() as f64 / samples.len() as f64;

    // Language understanding alone, without the database.
    let corpus: Vec<String> = include_str!("corpus.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["message"].as_str().unwrap().to_string())
        .collect();
    let clock = TurnClock::new(common::now(), UserTz::default());
    let rounds = 20;
    let started = Instant::now();
    let mut understood = 0usize;
    for _ in 0..rounds {
        for m in &corpus {
            let intent = detect(&Phrase::new(m), &clock);
            understood += usize::from(!matches!(intent, todo_agent::offline::Intent::Unknown));
        }
    }
    let detect_ns = started.elapsed().as_nanos() as f64 / (rounds * corpus.len()) as f64;

    let kinds: serde_json::Map<String, serde_json::Value> = per_kind
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_unstable();
            (k.to_string(), json!({"n": v.len(), "p50_us": percentile(&v, 0.5), "p99_us": percentile(&v, 0.99)}))
        })
        .collect();
    let result = json!({
        "turns": TURNS,
        "warmup_turns": WARMUP,
        "store": common::STORE_KIND,
        "p50_us": percentile(&samples, 0.5),
        "p90_us": percentile(&samples, 0.9),
        "p99_us": percentile(&samples, 0.99),
        "max_us": samples.last(),
        "mean_us": (mean * 10.0).round() / 10.0,
        "by_kind": kinds,
        "understanding_only_ns_per_message": detect_ns.round(),
        "understanding_messages": corpus.len() * rounds,
        "understood": understood,
    });
    println!("{}", serde_json::to_string_pretty(&result).unwrap());
    if let Some(path) = std::env::var_os("CHAT_BENCH_OUT") {
        std::fs::write(path, result.to_string()).unwrap();
    }
}
