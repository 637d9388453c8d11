//! How the console tests drive `kubectl-assist serve`'s web console: a browser
//! without JavaScript (plain form posts, the session cookie, redirects not
//! followed) and Debian's headless Chromium over WebDriver (fantoccini), the
//! same stack as todo-web's browser tests. Shared by the fake-API-server test
//! (serve_console.rs) and the one against the agent in the cluster
//! (crates/cluster-tests/tests/assist_serve, which includes this file by path).
//! Screenshots go to `target/screenshots/`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A browser without JavaScript: keeps the session cookie, follows nothing by itself.
pub struct FormClient {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

impl FormClient {
    pub fn new(base: &str) -> Self {
        // reqwest is built without a default TLS provider in this workspace; plain HTTP
        // still needs one installed before a client is built.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // The agent is on loopback or a Service IP: a proxy from the environment never applies.
                .no_proxy()
                .build()
                .unwrap(),
            base: base.trim_end_matches('/').to_string(),
            cookie: None,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let r = req.send().await.unwrap();
        let (code, headers) = (r.status().as_u16(), r.headers().clone());
        (code, headers, r.text().await.unwrap())
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap());
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let r = req.send().await.unwrap();
        if let Some(set) = r.headers().get("set-cookie") {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (r.status().as_u16(), location, r.text().await.unwrap())
    }
}

impl FormClient {
    /// A fresh client signed in with `token` (the sign-in answers 303 to the chat).
    pub async fn signed_in(base: &str, token: &str) -> Self {
        let mut client = Self::new(base);
        let (code, to, page) = client.post("/console/login", &[("token", token)]).await;
        assert_eq!((code, to.as_deref()), (303, Some("/")), "sign-in: {page}");
        client
    }

    /// An approver's plain-form approval of the plan at `plan_path`: the page offers
    /// Approve, the form redirects back to the plan, and the plan is done. Returns the
    /// CSRF token the form carried (to try approving again).
    pub async fn approve(&mut self, plan_path: &str) -> String {
        let (_, _, page) = self.get(plan_path).await;
        assert!(page.contains("id=\"approve\""), "{page}");
        let token = csrf(&page);
        let (code, to, _) = self
            .post(&format!("{plan_path}/approve"), &[("csrf", &token)])
            .await;
        assert_eq!((code, to.as_deref()), (303, Some(plan_path)));
        let (_, _, page) = self.get(plan_path).await;
        assert!(page.contains("state-done"), "{page}");
        token
    }
}

/// The value of the hidden CSRF field on a page.
pub fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

pub fn require_tool(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not installed; the browser tests need Debian's chromium and chromium-driver: run `bash scripts/install.d/browser.sh`")
        })
}

pub struct Guarded(Child);

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn browser() -> (Client, Guarded, tempfile::TempDir) {
    let chromium = require_tool("chromium");
    // A free loopback port for chromedriver (the OS picks it; chromedriver binds it next).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let mut driver = Command::new(require_tool("chromedriver"))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(driver.try_wait().unwrap().is_none(), "chromedriver exited");
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium, "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-quic", "--disable-dev-shm-usage",
            // Straight to the agent (loopback or a Service IP on docker0), never via a proxy.
            "--no-proxy-server",
            format!("--user-data-dir={}", profile.path().display()), "--window-size=1200,900"]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with headless Chromium");
    (client, Guarded(driver), profile)
}

/// Chromium signs in at `base` with `token` and sees `who` ("anna (approver)") in the header;
/// htmx loaded under the CSP (script-src 'self').
pub async fn sign_in(c: &Client, base: &str, token: &str, who: &str) {
    c.goto(base).await.unwrap();
    fill(c, "#token", token).await;
    click(c, "#sign-in").await;
    wait_text(c, "#who", who).await;
    let htmx = c
        .execute("return typeof window.htmx;", vec![])
        .await
        .unwrap();
    assert_eq!(htmx, json!("object"), "htmx loads under the CSP");
}

pub async fn wait_text(c: &Client, css: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = match c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(want) {
            return text;
        }
        if Instant::now() > deadline {
            screenshot(c, "serve-console-failure").await;
            panic!("{css} never showed {want:?}; last text: {text:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub async fn fill(c: &Client, css: &str, text: &str) {
    let e = c
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    e.send_keys(text).await.unwrap();
}

pub async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}
