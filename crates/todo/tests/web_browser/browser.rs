//! Headless Chromium driven over WebDriver, with the waits and page reads the
//! scenarios share.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::server::{Guarded, free_port, wait_for_port};

pub const PASSWORD: &str = "correct horse battery";
pub const WAIT: Duration = Duration::from_secs(15);

pub fn require_tool(name: &str) -> PathBuf {
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
pub struct Browser {
    pub client: Client,
    _driver: Guarded,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start(width: u32, height: u32) -> Self {
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

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// Clicks through JavaScript, so a sticky header over the element cannot steal the click.
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                vec![json!(element)],
            )
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits until `check` holds for the text of `css`.
    pub async fn wait_text(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
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

    pub async fn wait_path(&self, expected: &str) {
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

    pub async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Sets a marker on the current document; it survives only if the page is never reloaded.
    pub async fn mark_document(&self) {
        self.client
            .execute("window.__noReload = 'still here';", vec![])
            .await
            .expect("mark");
    }

    pub async fn document_marked(&self) -> bool {
        self.client
            .execute("return window.__noReload === 'still here';", vec![])
            .await
            .expect("read mark")
            == json!(true)
    }

    pub async fn sign_up(&self, base: &str, name: &str, email: &str) {
        self.goto(&format!("{base}/signup")).await;
        self.fill("#name", name).await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("form[action='/signup'] button[type=submit]")
            .await;
        self.wait_path("/tasks").await;
        self.find("#task-list").await;
    }

    pub async fn send_chat(&self, message: &str) {
        self.fill("#message", message).await;
        self.click("#send").await;
    }

    /// The text of the newest assistant message, once there is one more than `before`.
    pub async fn next_reply(&self, before: usize) -> String {
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
    pub async fn assert_no_csp_violations(&self) {
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

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// The text of the task list, read in one script call (it re-renders under us).
pub async fn task_list_text(browser: &Browser) -> String {
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

/// Sets a form field's value through the DOM (date-time and select inputs take
/// typed keys differently in every browser) and tells htmx-free listeners too.
pub async fn set_value(browser: &Browser, css: &str, value: &str) {
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
pub async fn rows(browser: &Browser) -> Vec<(String, String, String)> {
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
