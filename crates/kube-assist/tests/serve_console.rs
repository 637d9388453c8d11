//! The console of `kubectl-assist serve`: first as a browser without JavaScript
//! would use it (plain forms, cookies, redirects), then in Debian's headless
//! Chromium over WebDriver (fantoccini), driving sign-in, a plan with its diff,
//! Approve, and the health page. Screenshots go to `target/screenshots/`.
//!
//! Needs `chromium` and `chromedriver` (scripts/install.d/browser.sh); without
//! them the browser test fails with that instruction, it never skips.

mod common;
mod serving;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{FakeApi, todo_cluster};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use serving::{APPROVER, OPERATOR, Served, VIEWER, crashing_pod, free_port, serve};

/// A browser without JavaScript: keeps the session cookie, follows nothing by itself.
struct FormClient {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

impl FormClient {
    fn new(s: &Served) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: s.url.clone(),
            cookie: None,
        }
    }

    async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let r = req.send().await.unwrap();
        let (code, headers) = (r.status().as_u16(), r.headers().clone());
        (code, headers, r.text().await.unwrap())
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
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

/// The value of the hidden CSRF field on a page.
fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn the_console_works_with_plain_forms_and_a_strict_csp() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let mut olga = FormClient::new(&s);
    let (code, headers, page) = olga.get("/").await;
    assert_eq!(code, 200);
    assert!(page.contains("Sign in"), "{page}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(
        !page.contains("<script>") && !page.contains("style=\""),
        "no inline script or style"
    );
    let (code, _, _) = olga.get("/assets/htmx-2.0.11.min.js").await;
    assert_eq!(code, 200);

    let (code, _, page) = olga
        .post("/console/login", &[("token", "wrong-token-xxxxxxxxxxxx")])
        .await;
    assert_eq!(code, 401);
    assert!(page.contains("not one of the configured tokens"), "{page}");
    let (code, to, _) = olga.post("/console/login", &[("token", OPERATOR)]).await;
    assert_eq!((code, to.as_deref()), (303, Some("/")));
    let (_, _, page) = olga.get("/").await;
    assert!(page.contains("olga (operator)"), "{page}");
    let token = csrf(&page);

    // A form without the session's CSRF token does nothing.
    let (code, _, _) = olga
        .post(
            "/console/ask",
            &[
                ("csrf", "forged"),
                ("request", "scale the frontend to 2 replicas"),
            ],
        )
        .await;
    assert_eq!(code, 403);
    assert!(api.dry_runs().is_empty());

    let (code, to, _) = olga
        .post(
            "/console/ask",
            &[
                ("csrf", &token),
                ("request", "scale the frontend to 2 replicas"),
                ("namespace", "todo"),
            ],
        )
        .await;
    assert_eq!(code, 303);
    let plan_path = to.unwrap();
    let (_, _, page) = olga.get(&plan_path).await;
    assert!(page.contains("+  replicas: 2"), "the diff is shown: {page}");
    assert!(page.contains("pending approval"), "{page}");
    assert!(
        !page.contains("id=\"approve\""),
        "an operator gets no Approve button"
    );

    // An approver approves with a plain form.
    let mut anna = FormClient::new(&s);
    anna.post("/console/login", &[("token", APPROVER)]).await;
    let (_, _, page) = anna.get(&plan_path).await;
    assert!(page.contains("id=\"approve\""), "{page}");
    let token = csrf(&page);
    let (code, to, _) = anna
        .post(&format!("{plan_path}/approve"), &[("csrf", &token)])
        .await;
    assert_eq!((code, to.as_deref()), (303, Some(plan_path.as_str())));
    let (_, _, page) = anna.get(&plan_path).await;
    assert!(page.contains("state-done"), "{page}");
    assert_eq!(
        api.object("Deployment", "todo", "todo-frontend").unwrap()["spec"]["replicas"],
        2
    );
    // Approving again shows why not, and changes nothing.
    let (code, _, page) = anna
        .post(&format!("{plan_path}/approve"), &[("csrf", &token)])
        .await;
    assert_eq!(code, 409);
    assert!(page.contains("no longer waiting"), "{page}");
    assert_eq!(api.writes().len(), 1);

    let (_, _, page) = anna.get("/console/audit").await;
    assert!(
        page.contains("kubectl scale deployment/todo-frontend --replicas=2 -n todo"),
        "{page}"
    );
    assert!(page.contains("<td>anna</td>"), "{page}");

    // After signing out the pages ask for a token again.
    let (code, _, _) = anna.post("/console/logout", &[("csrf", &token)]).await;
    assert_eq!(code, 303);
    let (_, _, page) = anna.get(&plan_path).await;
    assert!(page.contains("Your token"), "{page}");
}

fn require_tool(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not installed; the browser tests need Debian's chromium and chromium-driver: run `bash scripts/install.d/browser.sh`")
        })
}

struct Guarded(Child);

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser() -> (Client, Guarded, tempfile::TempDir) {
    let chromium = require_tool("chromium");
    let port = free_port();
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
            format!("--user-data-dir={}", profile.path().display()), "--window-size=1200,900"]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with headless Chromium");
    (client, Guarded(driver), profile)
}

async fn wait_text(c: &Client, css: &str, want: &str) -> String {
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

async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    e.send_keys(text).await.unwrap();
}

async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

#[tokio::test]
async fn chromium_drives_sign_in_a_plan_with_its_diff_approve_and_the_health_page() {
    let mut objects = todo_cluster();
    objects.push(crashing_pod());
    let api = FakeApi::start(objects, &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let (c, _driver, _profile) = browser().await;
    c.goto(&s.url).await.unwrap();
    fill(&c, "#token", APPROVER).await;
    click(&c, "#sign-in").await;
    wait_text(&c, "#who", "anna (approver)").await;
    // htmx loaded under the CSP (script-src 'self').
    let htmx = c
        .execute("return typeof window.htmx;", vec![])
        .await
        .unwrap();
    assert_eq!(htmx, json!("object"));

    fill(&c, "#request", "scale the frontend to 2 replicas").await;
    fill(&c, "#namespace", "todo").await;
    click(&c, "#ask").await;
    wait_text(&c, "#plan-state", "pending approval").await;
    let diff = wait_text(&c, "pre.diff", "replicas: 2").await;
    assert!(
        diff.contains("+  replicas: 2") && diff.contains("-  replicas: 1"),
        "{diff}"
    );
    screenshot(&c, "serve-console-plan").await;
    assert!(api.writes().is_empty());
    click(&c, "#approve").await;
    wait_text(&c, "#plan-state", "done").await;
    screenshot(&c, "serve-console-approved").await;
    assert_eq!(
        api.object("Deployment", "todo", "todo-frontend").unwrap()["spec"]["replicas"],
        2
    );

    c.goto(&format!("{}/console/health?namespace=todo", s.url))
        .await
        .unwrap();
    let critical = wait_text(&c, "#findings-critical", "CrashLoopBackOff").await;
    assert!(critical.contains("broken-1"), "{critical}");
    assert!(
        critical.contains("restarts: 7"),
        "the evidence is shown: {critical}"
    );
    screenshot(&c, "serve-console-health").await;
    let _ = c.close().await;

    // A viewer's console has no Approve button and cannot ask for a change.
    let (v, _d, _p) = browser().await;
    v.goto(&s.url).await.unwrap();
    fill(&v, "#token", VIEWER).await;
    click(&v, "#sign-in").await;
    wait_text(&v, "#who", "vera (viewer)").await;
    fill(&v, "#request", "scale the backend to 3 replicas").await;
    click(&v, "#ask").await;
    wait_text(&v, "main", "needs the operator role").await;
    assert_eq!(api.writes().len(), 1);
    let _ = v.close().await;
}
