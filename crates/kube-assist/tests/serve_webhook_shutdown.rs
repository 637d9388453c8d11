//! `kubectl-assist serve`: the findings webhook (Slack-compatible JSON to a real
//! HTTP receiver on loopback), and SIGTERM arriving while an approved write is
//! in flight (held by a slow proxy in front of the fake API server).

mod common;
mod serving;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{FakeApi, todo_cluster};
use serde_json::Value;
use serving::{APPROVER, OPERATOR, SlowWrites, crashing_pod, serve, serve_with_kubeconfig};

#[tokio::test]
async fn new_problems_are_posted_to_the_webhook_once_while_they_last() {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/hook/T0/B0/secret",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!(
        "http://{}/hook/T0/B0/secret",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut objects = todo_cluster();
    objects.push(crashing_pod());
    let api = FakeApi::start(objects, &[]).await;
    let s = serve(
        &api,
        &[
            "--check-interval=1s",
            "--events=false",
            "--webhook-url",
            &hook,
        ],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, metrics) = s.get("/metrics", None).await;
        if metrics.contains("kubectl_assist_checks_total 3") && !received.lock().unwrap().is_empty()
        {
            assert!(
                metrics.contains("kubectl_assist_webhook_failures_total 0"),
                "{metrics}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no webhook POST after three checks: {metrics}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let posts = received.lock().unwrap().clone();
    assert_eq!(
        posts.len(),
        1,
        "one message for one problem over three checks: {posts:?}"
    );
    let text = posts[0]["text"].as_str().expect("Slack's {\"text\": ...}");
    assert!(text.starts_with("kubectl-assist on fake-ctx: "), "{text}");
    assert!(
        text.contains("[critical]")
            && text.contains("broken-1")
            && text.contains("CrashLoopBackOff"),
        "{text}"
    );
    // The URL is a credential: it is in no log line.
    assert!(
        s.stdout
            .lock()
            .unwrap()
            .iter()
            .all(|l| !l.contains("secret")),
        "the webhook URL was logged"
    );
}

#[tokio::test]
async fn sigterm_during_an_approved_write_lets_it_finish_reported_and_journalled() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let slow = SlowWrites::start(&api, Duration::from_secs(3)).await;
    let mut s = serve_with_kubeconfig(&slow.kubeconfig, &["--events=false"]).await;
    let (code, plan) = s.ask(OPERATOR, "scale the frontend to 2 replicas").await;
    assert_eq!(code, 202, "{plan}");
    let id = plan["id"].as_str().unwrap().to_string();

    let (http, url) = (s.http.clone(), s.url.clone());
    let approving = tokio::spawn(async move {
        let resp = http
            .post(format!("{url}/api/plans/{id}/approve"))
            .bearer_auth(APPROVER)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !slow.holding.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the write never reached the API server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );

    // The write in flight finishes and its caller hears how it went.
    let (code, done) = approving.await.unwrap();
    assert_eq!(code, 200, "{done}");
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        api.object("Deployment", "todo", "todo-frontend").unwrap()["spec"]["replicas"],
        2
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop after the write finished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit}");
    // The audit and the undo journal are whole: one line each, parseable, matching.
    let ran: Vec<Value> = s
        .audit_file()
        .into_iter()
        .filter(|l| l["decision"] == "approved")
        .collect();
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert_eq!(ran[0]["result"], "ok");
    let journal = std::fs::read_to_string(s.state.path().join("state/undo.jsonl")).unwrap();
    let entries: Vec<Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 1, "{journal}");
    assert_eq!(entries[0]["id"], ran[0]["id"]);
    assert_eq!(entries[0]["before"]["spec"]["replicas"], 1);
}
