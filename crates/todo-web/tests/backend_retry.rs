//! The frontend's backend client against a loopback backend whose connections
//! break the way a SIGKILLed pod's do (the request arrives, the socket closes
//! with no answer): reads and keyed writes go out again and succeed, a write
//! the backend would do twice does not, and the retries stop within the budget.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use todo_core::api::TaskView;
use todo_core::{TaskId, UserId};
use todo_web::backend::{BackendClient, BackendError, TaskFields, TaskFilter};
use todo_web::session::Account;
use todo_web::{BackendUrl, SessionSecret, WebConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A backend that drops the first `broken` connections after reading the
/// request, then answers every request with `answer` (and the `x-total-count`
/// header a task list comes with). Records each request head.
struct FlakyBackend {
    client: BackendClient,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FlakyBackend {
    async fn start(broken: usize, answer: String) -> Self {
        let answer: &'static str = answer.leak();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            let mut accepted = 0;
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                accepted += 1;
                let seen = seen.clone();
                let drop_it = accepted <= broken;
                tokio::spawn(serve_connection(stream, drop_it, answer, seen));
            }
        });
        let url: BackendUrl = format!("http://{addr}").parse().unwrap();
        let secret: SessionSecret = "a-web-test-session-secret-of-32-bytes-or-more"
            .parse()
            .unwrap();
        let mut config = WebConfig::new(url, secret);
        config.backend_timeout = Duration::from_secs(10);
        config.chat_timeout = Duration::from_secs(10);
        Self {
            client: BackendClient::new(&config),
            requests,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    drop_it: bool,
    answer: &'static str,
    seen: Arc<Mutex<Vec<String>>>,
) {
    let mut buf = Vec::new();
    loop {
        let Some(head_end) = find(&buf, b"\r\n\r\n") else {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buf.len() < head_end + 4 + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        seen.lock().unwrap().push(head);
        if drop_it {
            // Like a killed process: the request was read, no answer comes.
            return;
        }
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-total-count: 0\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
        buf.drain(..head_end + 4 + length);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn account() -> Account {
    Account {
        user_id: UserId::random(),
        token: "not-a-real-token".into(),
        label: "Ann".into(),
    }
}

fn fields() -> TaskFields {
    TaskFields {
        title: "Buy milk".into(),
        description: String::new(),
        priority: Default::default(),
        tags: Vec::new(),
        due_at: None,
        recurrence: None,
    }
}

/// A task as the backend sends it after a create.
fn created(id: i64) -> String {
    let now = chrono::Utc::now();
    serde_json::to_string(&TaskView {
        id: TaskId(id),
        user_id: UserId::random(),
        title: "Buy milk".into(),
        description: None,
        completed: false,
        priority: Default::default(),
        tags: Vec::new(),
        due_at: None,
        recurrence: None,
        created_at: now,
        updated_at: now,
    })
    .unwrap()
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::trim)
}

#[tokio::test]
async fn a_read_goes_out_again_after_broken_connections() {
    let backend = FlakyBackend::start(3, "[]".into()).await;
    let list = backend
        .client
        .list_tasks(&account(), &TaskFilter::default())
        .await
        .expect("the fourth attempt is answered");
    assert_eq!(list.total, 0);
    let requests = backend.requests();
    assert_eq!(
        requests.len(),
        4,
        "three broken, one answered: {requests:?}"
    );
    assert!(requests.iter().all(|r| r.starts_with("get /api/")));
}

#[tokio::test]
async fn a_create_is_retried_with_one_idempotency_key() {
    let backend = FlakyBackend::start(2, created(7)).await;
    let task = backend
        .client
        .create_task(&account(), &fields())
        .await
        .expect("created on the third attempt");
    assert_eq!(task.id, TaskId(7));
    let requests = backend.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    let keys: Vec<_> = requests
        .iter()
        .map(|r| header(r, "idempotency-key").expect("every attempt carries the key"))
        .collect();
    assert!(keys[0].len() >= 32, "a random key: {}", keys[0]);
    assert!(keys.iter().all(|k| *k == keys[0]), "the same key: {keys:?}");

    // The next create is another intent: another key.
    let backend2 = FlakyBackend::start(0, created(8)).await;
    backend2
        .client
        .create_task(&account(), &fields())
        .await
        .unwrap();
    let next = backend2.requests();
    assert_ne!(header(&next[0], "idempotency-key"), Some(keys[0]));
}

#[tokio::test]
async fn a_write_without_a_key_is_not_sent_twice() {
    let backend = FlakyBackend::start(
        1,
        r#"{"conversation_id":1,"response":"ok","tool_calls":[]}"#.into(),
    )
    .await;
    let err = backend
        .client
        .chat(&account(), None, "add milk", "UTC")
        .await
        .expect_err("the broken chat call is reported, not repeated");
    assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
    assert_eq!(
        backend.requests().len(),
        1,
        "a chat turn may have been done: it must not be sent again"
    );
}

#[tokio::test]
async fn retries_stop_within_the_budget() {
    let backend = FlakyBackend::start(usize::MAX, "[]".into()).await;
    let started = Instant::now();
    let err = backend
        .client
        .list_tasks(&account(), &TaskFilter::default())
        .await
        .expect_err("a backend that never answers is reported");
    let took = started.elapsed();
    assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
    let attempts = backend.requests().len();
    assert!(
        (2..=12).contains(&attempts),
        "bounded attempts, more than one: {attempts}"
    );
    assert!(
        took < Duration::from_secs(6),
        "bounded time, well inside the 10 s call limit: {took:?}"
    );
}
