//! The web frontend in a real browser: Debian's headless Chromium driven over
//! WebDriver (chromedriver) by fantoccini, against the real `todo serve` binary
//! (API + web in one process, embedded SQLite, offline planner) on free loopback
//! ports with a temporary data directory. Each scenario saves a screenshot under
//! `target/screenshots/`.
//!
//! Needs `chromium` and `chromedriver` (scripts/install.d/browser.sh installs them);
//! without them the tests fail with that instruction, they never skip.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";
const WAIT: Duration = Duration::from_secs(15);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn wait_for_port(addr: SocketAddr, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {addr} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process that is killed when the test ends, however it ends.
struct Guarded(Child);

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `todo serve` on two free loopback ports over a fresh data directory.
struct Server {
    web: String,
    _process: Guarded,
    _data: tempfile::TempDir,
}

impl Server {
    fn start() -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let (web_port, api_port) = (free_port(), free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_todo"))
            .args([
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                &web_port.to_string(),
                "--api-port",
                &api_port.to_string(),
            ])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", data.path())
            .env("TODO_DATA_DIR", data.path().join("data"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start todo serve");
        wait_for_port(
            ([127, 0, 0, 1], web_port).into(),
            &mut child,
            "todo serve (web)",
        );
        wait_for_port(
            ([127, 0, 0, 1], api_port).into(),
            &mut child,
            "todo serve (api)",
        );
        Self {
            web: format!("http://127.0.0.1:{web_port}"),
            _process: Guarded(child),
            _data: data,
        }
    }
}

fn require_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
    found.unwrap_or_else(|| {
        panic!("`{name}` is not installed; the browser tests need Debian's chromium and chromium-driver: run `bash scripts/install.d/browser.sh`")
    })
}

/// Headless Chromium behind its own chromedriver, with a fresh profile.
struct Browser {
    client: Client,
    _driver: Guarded,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(width: u32, height: u32) -> Self {
        let chromium = require_tool("chromium");
        let chromedriver = require_tool("chromedriver");
        let port = free_port();
        let mut driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        wait_for_port(([127, 0, 0, 1], port).into(), &mut driver, "chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with headless Chromium");
        client
            .set_window_size(width, height)
            .await
            .expect("window size");
        Self {
            client,
            _driver: Guarded(driver),
            _profile: profile,
        }
    }

    async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// Clicks through JavaScript, so a sticky header over the element cannot steal the click.
    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                vec![json!(element)],
            )
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits until `check` holds for the text of `css`.
    async fn wait_text(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if check(&text) {
                return text;
            }
            if Instant::now() > deadline {
                self.screenshot("failure").await;
                panic!("{what}: {css} never matched; last text: {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_path(&self, expected: &str) {
        let deadline = Instant::now() + WAIT;
        while self.path().await != expected {
            assert!(
                Instant::now() < deadline,
                "expected to reach {expected}, at {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Sets a marker on the current document; it survives only if the page is never reloaded.
    async fn mark_document(&self) {
        self.client
            .execute("window.__noReload = 'still here';", vec![])
            .await
            .expect("mark");
    }

    async fn document_marked(&self) -> bool {
        self.client
            .execute("return window.__noReload === 'still here';", vec![])
            .await
            .expect("read mark")
            == json!(true)
    }

    async fn sign_up(&self, base: &str, name: &str, email: &str) {
        self.goto(&format!("{base}/signup")).await;
        self.fill("#name", name).await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("form[action='/signup'] button[type=submit]")
            .await;
        self.wait_path("/tasks").await;
        self.find("#task-list").await;
    }

    async fn send_chat(&self, message: &str) {
        self.fill("#message", message).await;
        self.click("#send").await;
    }

    /// The text of the newest assistant message, once there is one more than `before`.
    async fn next_reply(&self, before: usize) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let replies = self
                .client
                .find_all(Locator::Css("#chat-log .msg.from-assistant .bubble"))
                .await
                .expect("replies");
            if replies.len() > before {
                return replies.last().unwrap().text().await.expect("reply text");
            }
            if Instant::now() > deadline {
                self.screenshot("failure-chat").await;
                panic!("no assistant reply arrived");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fails if the page's own Content-Security-Policy blocked anything on it.
    async fn assert_no_csp_violations(&self) {
        let seen = self
            .client
            .execute(
                "return [document.documentElement.dataset.cspViolations || '0', document.documentElement.dataset.cspLast || ''];",
                vec![],
            )
            .await
            .expect("read CSP counter");
        assert_eq!(
            seen[0],
            json!("0"),
            "CSP violations on the page (last: {})",
            seen[1]
        );
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }
}

#[tokio::test]
async fn sign_up_lands_on_the_task_page() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.goto(&server.web).await;
    assert_eq!(browser.path().await, "/");
    browser.click("a[href='/signup']").await;
    browser.wait_path("/signup").await;
    browser.screenshot("01-sign-up-form").await;
    browser.fill("#name", "Ann Example").await;
    browser.fill("#email", "ann@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/signup'] button[type=submit]")
        .await;
    browser.wait_path("/tasks").await;
    assert_eq!(browser.text(".who").await, "Ann Example");
    browser
        .wait_text("#task-list", "empty list", |t| t.contains("No tasks yet"))
        .await;
    browser.screenshot("01-signed-up").await;
    // The JWT never reaches the page's script: the session cookie is HttpOnly.
    let cookies = browser
        .client
        .execute("return document.cookie;", vec![])
        .await
        .expect("cookies");
    assert!(
        !cookies.as_str().unwrap_or("").contains("todo_session"),
        "session cookie visible to script: {cookies}"
    );
    browser.close().await;
}

#[tokio::test]
async fn log_in_with_the_form() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.click("#logout").await;
    browser.wait_path("/login?signed_out=1").await;
    browser.fill("#email", "ann@example.com").await;
    browser.fill("#password", "wrong password").await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser
        .wait_text("#form-error", "wrong password", |t| {
            t.contains("Wrong e-mail or password")
        })
        .await;
    browser.screenshot("02-log-in-refused").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_path("/tasks").await;
    assert_eq!(browser.text(".who").await, "ann@example.com");
    browser.screenshot("02-logged-in").await;
    browser.close().await;
}

#[tokio::test]
async fn a_task_added_through_chat_appears_in_the_list_without_reload() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.mark_document().await;
    browser.send_chat("Add a task to buy groceries").await;
    let reply = browser.next_reply(0).await;
    assert!(
        reply.to_lowercase().contains("buy groceries"),
        "the reply confirms: {reply}"
    );
    let chips = browser
        .text("#chat-log .msg.from-assistant .tools summary")
        .await;
    assert!(
        chips.contains("add_task"),
        "the reply shows the tool it used: {chips}"
    );
    browser
        .wait_text("#task-list", "the new task in the list", |t| {
            t.contains("Buy groceries")
        })
        .await;
    assert!(
        browser.document_marked().await,
        "the list updated without a page reload"
    );
    // The first message started a conversation: the picker shows it, selected.
    let selected = browser
        .wait_text(
            "#conversation-picker option:checked",
            "the new conversation in the picker",
            |t| !t.is_empty(),
        )
        .await;
    assert!(
        !selected.contains("New conversation") && browser.document_marked().await,
        "the picker selects the new conversation without a reload: {selected}"
    );
    browser.assert_no_csp_violations().await;
    browser.screenshot("03-chat-added-task").await;

    // The same at phone width: one column, everything reachable.
    browser
        .client
        .set_window_size(375, 812)
        .await
        .expect("resize");
    browser.goto(&format!("{}/tasks", server.web)).await;
    browser
        .wait_text("#task-list", "list after reload", |t| {
            t.contains("Buy groceries")
        })
        .await;
    browser.screenshot("03-phone-width").await;
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .expect("overflow check");
    assert_eq!(overflow, json!(false), "no sideways scrolling at 375 px");
    browser.close().await;
}

#[tokio::test]
async fn complete_from_the_list_then_ask_what_is_completed() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    for title in ["Walk the dog", "Read a book"] {
        browser.fill("#new-title", title).await;
        browser.click("#add-task button[type=submit]").await;
        browser
            .wait_text("#task-list", "added task", |t| t.contains(title))
            .await;
    }
    let dog = browser
        .client
        .execute("return [...document.querySelectorAll('#task-list li.task')].find(li => li.dataset.title === 'Walk the dog').id;", vec![])
        .await
        .expect("row id");
    let row = dog.as_str().expect("id").to_string();
    browser.click(&format!("#{row} button.check")).await;
    let deadline = Instant::now() + WAIT;
    loop {
        // Read in one script call: the list re-renders under our feet, so an element
        // handle found a moment earlier may already be gone.
        let class = browser
            .client
            .execute(
                "const li = document.getElementById(arguments[0]); return li ? li.className : '';",
                vec![json!(row)],
            )
            .await
            .expect("class");
        if class.as_str().unwrap_or("").contains("done") {
            break;
        }
        assert!(Instant::now() < deadline, "the row never showed as done");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.send_chat("What have I completed?").await;
    let reply = browser.next_reply(0).await;
    assert!(
        reply.contains("Walk the dog"),
        "the completed task is listed: {reply}"
    );
    assert!(
        !reply.contains("Read a book"),
        "a pending task is not: {reply}"
    );
    browser.screenshot("04-completed-then-asked").await;
    browser.close().await;
}

#[tokio::test]
async fn delete_a_task_from_the_list() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.fill("#new-title", "Throw this away").await;
    browser.click("#add-task button[type=submit]").await;
    browser
        .wait_text("#task-list", "added", |t| t.contains("Throw this away"))
        .await;
    browser.screenshot("05-before-delete").await;
    browser
        .click("#task-list li.task button[formaction$='/delete']")
        .await;
    // htmx asks for confirmation with the browser's own dialog.
    let deadline = Instant::now() + WAIT;
    while browser.client.accept_alert().await.is_err() {
        assert!(Instant::now() < deadline, "no confirmation dialog");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser
        .wait_text("#task-list", "deleted", |t| {
            !t.contains("Throw this away") && t.contains("No tasks yet")
        })
        .await;
    browser.screenshot("05-deleted").await;
    browser.goto(&format!("{}/tasks", server.web)).await;
    assert!(
        !browser.text("#task-list").await.contains("Throw this away"),
        "gone for good"
    );
    browser.close().await;
}

#[tokio::test]
async fn after_log_out_the_page_cannot_be_reached() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.click("#logout").await;
    browser.wait_path("/login?signed_out=1").await;
    browser.goto(&format!("{}/tasks", server.web)).await;
    browser.wait_path("/login").await;
    // Walking back through the history to the task page does not show it either:
    // pages are `no-store`, so the browser asks again and is sent to log in.
    browser
        .client
        .execute("history.go(-2);", vec![])
        .await
        .expect("history");
    tokio::time::sleep(Duration::from_millis(500)).await;
    browser.find("form[action='/login']").await;
    assert!(
        browser
            .client
            .find(Locator::Css("#task-list"))
            .await
            .is_err(),
        "no task list after log-out"
    );
    browser.screenshot("06-logged-out").await;
    browser.close().await;
}

#[tokio::test]
async fn a_second_user_never_sees_the_first_users_tasks() {
    let server = Server::start();
    let ann = Browser::start(1280, 860).await;
    ann.sign_up(&server.web, "Ann", "ann@example.com").await;
    ann.fill("#new-title", "Ann's private errand").await;
    ann.click("#add-task button[type=submit]").await;
    ann.wait_text("#task-list", "added", |t| {
        t.contains("Ann's private errand")
    })
    .await;

    let bob = Browser::start(1280, 860).await;
    bob.sign_up(&server.web, "Bob", "bob@example.com").await;
    let list = bob.text("#task-list").await;
    assert!(
        !list.contains("private errand"),
        "Bob sees Ann's task: {list}"
    );
    bob.send_chat("Show me all my tasks").await;
    let reply = bob.next_reply(0).await;
    assert!(
        !reply.contains("private errand"),
        "the assistant leaks Ann's task: {reply}"
    );
    bob.fill("#q", "errand").await;
    bob.wait_text("#task-list", "search", |t| t.contains("Nothing matches"))
        .await;
    bob.screenshot("07-second-user").await;
    ann.goto(&format!("{}/tasks", server.web)).await;
    assert!(
        ann.text("#task-list")
            .await
            .contains("Ann's private errand"),
        "Ann still has hers"
    );
    ann.close().await;
    bob.close().await;
}

#[tokio::test]
async fn backend_down_shows_a_friendly_page_that_retries() {
    // `todo web` alone, pointed at a port where nothing listens.
    let data = tempfile::tempdir().expect("temp dir");
    let (web_port, dead_port) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_todo"))
        .args([
            "web",
            "--host",
            "127.0.0.1",
            "--port",
            &web_port.to_string(),
        ])
        .args(["--backend-url", &format!("http://127.0.0.1:{dead_port}")])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", data.path())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start todo web");
    wait_for_port(([127, 0, 0, 1], web_port).into(), &mut child, "todo web");
    let _web = Guarded(child);
    let base = format!("http://127.0.0.1:{web_port}");

    let browser = Browser::start(1280, 860).await;
    browser.goto(&base).await;
    browser.fill("#email", "ann@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    let heading = browser.text("#problem-heading").await;
    assert_eq!(heading, "We'll be right back");
    let refresh = browser
        .find("meta[http-equiv='refresh']")
        .await
        .attr("content")
        .await
        .expect("attr");
    assert_eq!(
        refresh.as_deref(),
        Some("5; url=/"),
        "the page retries by itself"
    );
    assert!(
        !browser
            .client
            .source()
            .await
            .expect("source")
            .contains("Connection refused"),
        "no internals shown"
    );
    browser.screenshot("08-backend-down").await;
    browser.close().await;
}

/// The text of the task list, read in one script call (it re-renders under us).
async fn task_list_text(browser: &Browser) -> String {
    browser
        .client
        .execute(
            "const l = document.getElementById('task-list'); return l ? l.innerText : '';",
            vec![],
        )
        .await
        .expect("task list text")
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn bulk_delete_through_chat_asks_first_and_undo_brings_the_tasks_back() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    for title in ["Walk the dog", "Read a book", "Water the fern"] {
        browser.fill("#new-title", title).await;
        browser.click("#add-task button[type=submit]").await;
        browser
            .wait_text("#task-list", "added task", |t| t.contains(title))
            .await;
    }
    let mut replies = 0;
    for message in ["complete task 1", "complete task 2"] {
        browser.send_chat(message).await;
        let reply = browser.next_reply(replies).await;
        replies += 1;
        assert!(reply.contains("as complete"), "{message}: {reply}");
    }

    browser.send_chat("delete all completed tasks").await;
    let question = browser.next_reply(replies).await;
    replies += 1;
    assert!(
        question.contains("This deletes 2 tasks")
            && question.contains("Walk the dog")
            && question.contains("Read a book")
            && question.contains("Reply yes"),
        "the reply asks first, naming what would go: {question}"
    );
    browser.screenshot("06-bulk-delete-question").await;
    let list = task_list_text(&browser).await;
    assert!(
        list.contains("Walk the dog") && list.contains("Read a book"),
        "nothing is deleted before the yes: {list}"
    );

    browser.send_chat("yes").await;
    let done = browser.next_reply(replies).await;
    replies += 1;
    assert!(done.starts_with("Deleted 2 tasks"), "{done}");
    browser
        .wait_text("#task-list", "the two completed tasks gone", |t| {
            !t.contains("Walk the dog")
                && !t.contains("Read a book")
                && t.contains("Water the fern")
        })
        .await;
    browser.screenshot("06-bulk-deleted").await;

    browser.send_chat("undo that").await;
    let undone = browser.next_reply(replies).await;
    assert!(undone.starts_with("Undone:"), "{undone}");
    assert!(
        undone.contains("Walk the dog (task 1)") || undone.contains("'Walk the dog' (task 1)"),
        "the task comes back with its number: {undone}"
    );
    browser
        .wait_text("#task-list", "both tasks back", |t| {
            t.contains("Walk the dog") && t.contains("Read a book")
        })
        .await;
    browser.goto(&format!("{}/tasks", server.web)).await;
    let list = task_list_text(&browser).await;
    assert!(
        list.contains("Walk the dog") && list.contains("Read a book"),
        "restored for good, as completed tasks: {list}"
    );
    browser.screenshot("06-undone").await;
    browser.assert_no_csp_violations().await;
    browser.close().await;
}

/// Sets a form field's value through the DOM (date-time and select inputs take
/// typed keys differently in every browser) and tells htmx-free listeners too.
async fn set_value(browser: &Browser, css: &str, value: &str) {
    let element = browser.find(css).await;
    browser
        .client
        .execute(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(element), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// Class names and titles of the rows, read in one script call.
async fn rows(browser: &Browser) -> Vec<(String, String, String)> {
    let rows = browser
        .client
        .execute(
            "return [...document.querySelectorAll('#task-list li.task')].map(li => [li.dataset.title, li.className, li.innerText]);",
            vec![],
        )
        .await
        .expect("rows");
    serde_json::from_value(rows).expect("rows as triples")
}

#[tokio::test]
async fn a_recurring_task_completed_shows_the_next_one() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.fill("#new-title", "Water the plants").await;
    browser.click("#add-task summary").await;
    set_value(&browser, "#new-repeat", "daily").await;
    browser.click("#add-task button[type=submit]").await;
    browser
        .wait_text("#task-list", "the rule on the row", |t| {
            t.contains("Water the plants") && t.contains("↻ daily")
        })
        .await;
    browser.screenshot("09-recurring-added").await;
    browser.click("#task-list li.task button.check").await;
    let deadline = Instant::now() + WAIT;
    let (done, next) = loop {
        let now = rows(&browser).await;
        let plants: Vec<_> = now.iter().filter(|r| r.0 == "Water the plants").collect();
        if plants.len() == 2 {
            let done = plants.iter().find(|r| r.1.split(' ').any(|c| c == "done"));
            let next = plants.iter().find(|r| !r.1.split(' ').any(|c| c == "done"));
            if let (Some(done), Some(next)) = (done, next) {
                break ((*done).clone(), (*next).clone());
            }
        }
        if Instant::now() > deadline {
            browser.screenshot("failure-recurring").await;
            panic!("the next occurrence never showed: {now:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        done.2.contains("#1"),
        "the completed one is task 1: {done:?}"
    );
    assert!(
        next.2.contains("#2") && next.2.contains("Due tomorrow") && next.2.contains("↻ daily"),
        "the next one is task 2, due tomorrow, still repeating: {next:?}"
    );
    browser.screenshot("09-recurring-next").await;
    browser.assert_no_csp_violations().await;
    browser.close().await;
}

#[tokio::test]
async fn overdue_and_due_today_tasks_stand_out() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    // Local date-time values as the page's own clock sees them.
    let local = |offset_minutes: i64| {
        format!(
            "const d = new Date(Date.now() + {offset_minutes} * 60000); \
             const p = n => String(n).padStart(2, '0'); \
             return `${{d.getFullYear()}}-${{p(d.getMonth() + 1)}}-${{p(d.getDate())}}T${{p(d.getHours())}}:${{p(d.getMinutes())}}`;"
        )
    };
    let add = |title: &'static str, due: Option<String>| {
        let browser = &browser;
        async move {
            browser.fill("#new-title", title).await;
            if let Some(due) = due {
                browser.click("#add-task summary").await;
                set_value(browser, "#new-due", &due).await;
            }
            browser.click("#add-task button[type=submit]").await;
            browser
                .wait_text("#task-list", "added", |t| t.contains(title))
                .await;
        }
    };
    let soon = browser.client.execute(&local(2), vec![]).await.unwrap();
    let same_day = soon.as_str().unwrap()[..10]
        == browser
            .client
            .execute(&local(0), vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap()[..10];
    add("Pay the bill", Some("2020-01-01T09:00".into())).await;
    add("Call mum", Some(soon.as_str().unwrap().to_string())).await;
    add("Someday", None).await;
    let rows = rows(&browser).await;
    let class_of = |title: &str| {
        rows.iter()
            .find(|r| r.0 == title)
            .unwrap_or_else(|| panic!("{title} not listed: {rows:?}"))
            .1
            .clone()
    };
    assert!(class_of("Pay the bill").contains("overdue"), "{rows:?}");
    if same_day {
        assert!(class_of("Call mum").contains("due-today"), "{rows:?}");
    }
    assert!(!class_of("Someday").contains("overdue") && !class_of("Someday").contains("due-today"));
    // The style sheet really marks them: a coloured bar on the row's edge.
    let shadow = |title: &str| {
        format!(
            "const li = [...document.querySelectorAll('#task-list li.task')].find(l => l.dataset.title === '{title}'); \
             return getComputedStyle(li).boxShadow;"
        )
    };
    let overdue = browser
        .client
        .execute(&shadow("Pay the bill"), vec![])
        .await
        .unwrap();
    let plain = browser
        .client
        .execute(&shadow("Someday"), vec![])
        .await
        .unwrap();
    assert!(
        overdue.as_str().unwrap().contains("inset"),
        "overdue row: {overdue}"
    );
    assert_ne!(
        overdue, plain,
        "an overdue row looks different from a plain one"
    );
    assert!(task_list_text(&browser).await.contains("Overdue ·"));
    browser.screenshot("10-overdue-and-today").await;
    browser.assert_no_csp_violations().await;
    browser.close().await;
}
