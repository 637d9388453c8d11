//! How many `list_tasks(limit = 50)` per second the SQLite store serves on its own,
//! for a user with 1,000 tasks: the ceiling under the API benchmark's
//! `GET /api/{user}/tasks?limit=50` (bench/ measures the whole server).
//!
//! cargo run --release -p todo-store --example list_throughput [-- SECONDS [CONCURRENCY]]
//!
//! Prints one JSON object: operations per second and latency percentiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use todo_core::{NewTask, NewUser, PersonName, Priority, Store, Tags, TaskQuery, Title};
use todo_store::SqliteStore;

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(Duration::from_secs(seconds), concurrency));
}

async fn run(duration: Duration, concurrency: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("bench.db"))
            .await
            .unwrap(),
    );
    let user = store
        .create_user(NewUser {
            email: todo_core::Email::parse("bench@example.com").unwrap(),
            name: PersonName::parse("Bench").unwrap(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();

    let created = Instant::now();
    for i in 0..1000 {
        let task = NewTask {
            title: Title::parse(&format!("Task number {i} with a realistic title")).unwrap(),
            description: None,
            priority: [Priority::Low, Priority::Medium, Priority::High][i % 3],
            tags: Tags::parse(&["work", "home"][..i % 3]).unwrap(),
            due_at: None,
            recurrence: None,
        };
        store.create_task(&user.id, task).await.unwrap();
    }
    let create_per_sec = 1000.0 / created.elapsed().as_secs_f64();

    let cpu_before = process_cpu();
    let deadline = Instant::now() + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (store, user) = (store.clone(), user.clone());
            tokio::spawn(async move {
                let query = TaskQuery {
                    limit: 50,
                    ..TaskQuery::default()
                };
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let start = Instant::now();
                    let page = store.list_tasks(&user.id, &query).await.unwrap();
                    latencies.push(start.elapsed());
                    assert_eq!((page.tasks.len(), page.total), (50, 1000));
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let cpu_us_per_op = (process_cpu() - cpu_before).as_secs_f64() * 1e6 / latencies.len() as f64;
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_micros()
    };
    println!(
        "{{\"store\":\"sqlite\",\"operation\":\"list_tasks limit=50 of 1000\",\"concurrency\":{concurrency},\
         \"seconds\":{},\"ops_per_sec\":{:.0},\"p50_us\":{},\"p99_us\":{},\"cpu_us_per_op\":{:.1},\"sequential_creates_per_sec\":{:.0}}}",
        duration.as_secs(),
        latencies.len() as f64 / duration.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        cpu_us_per_op,
        create_per_sec
    );
}

/// CPU time (user + system) of this process so far, from /proc: the machine may be
/// shared, so CPU per operation says more than wall-clock throughput.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are 14th and 15th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum());
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}
