//! The console of the agent running IN the cluster: headless Chromium signs in with an
//! approver's token, asks for a write in the chat, sees the plan with its dry-run diff,
//! approves it, sees the result and the audit entry, and the health page lists the crashing
//! workload of the check before. Then the same flow without JavaScript (plain form posts):
//! an operator asks, gets no Approve button, an approver approves by form. Each change is
//! checked on the real API server. The browser and the form client are kube-assist's
//! tests/console_driver, which its fake-API-server console test shares.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::checks::{CRASHING, replicas};
use crate::console_driver::{
    FormClient, browser, click, csrf, fill, screenshot, sign_in, wait_text,
};
use crate::{APP, APP_NS, Serve};

/// How the requests name the Deployment the console tests scale between 1 and 2.
const WORD: &str = "the frontend";

/// The frontend Deployment of the app's chart, and its replica counts.
struct Frontend {
    serve: Arc<Serve>,
    deployment: String,
}

impl Frontend {
    fn new(serve: Arc<Serve>) -> Self {
        Self {
            serve,
            deployment: format!("{APP}-frontend"),
        }
    }

    async fn replicas(&self) -> i32 {
        replicas(&self.serve, APP_NS, &self.deployment).await
    }

    /// The replica count a test asks for: another than today's, so each test is a real
    /// change whatever ran before it (the two tests share the Deployment).
    async fn next_replicas(&self) -> (i32, i32) {
        let now = self.replicas().await;
        (now, if now == 1 { 2 } else { 1 })
    }

    /// Waits until the Deployment's spec says `want` (the agent's write is synchronous, but
    /// the API server is shared with other suites and may be slow to answer).
    async fn expect_replicas(&self, want: i32) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.replicas().await;
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} has {got} replicas, not {want}",
                self.deployment
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

pub async fn chromium_approves_and_lists_findings(serve: Arc<Serve>) {
    let url = serve.agent.url().to_string();
    let approver = serve.team.approver.clone();
    let k = Frontend::new(serve);
    let (now, next) = k.next_replicas().await;
    let (c, _driver, _profile) = browser().await;
    sign_in(&c, &url, &approver, "anna (approver)").await;

    fill(&c, "#request", &format!("scale {WORD} to {next} replicas")).await;
    fill(&c, "#namespace", APP_NS).await;
    click(&c, "#ask").await;
    wait_text(&c, "#plan-state", "pending approval").await;
    let diff = wait_text(&c, "pre.diff", &format!("replicas: {next}")).await;
    assert!(
        diff.contains(&format!("+  replicas: {next}"))
            && diff.contains(&format!("-  replicas: {now}")),
        "the dry-run diff from the real API server: {diff}"
    );
    screenshot(&c, "serve-cluster-console-plan").await;
    assert_eq!(k.replicas().await, now, "nothing runs before the approval");
    click(&c, "#approve").await;
    wait_text(&c, "#plan-state", "done").await;
    screenshot(&c, "serve-cluster-console-approved").await;
    k.expect_replicas(next).await;
    let plan_url = c.current_url().await.expect("the plan's URL").to_string();

    c.goto(&format!("{url}/console/audit"))
        .await
        .expect("the audit page");
    let command = format!(
        "kubectl scale deployment/{} --replicas={next} -n {APP_NS}",
        k.deployment
    );
    let audit = wait_text(&c, "#audit", &command).await;
    let row = audit
        .lines()
        .find(|l| l.contains(&command))
        .unwrap_or_default();
    assert!(
        row.contains("anna") && row.contains("approved"),
        "the audit row names the approver: {row:?}"
    );

    c.goto(&format!("{url}/console/health?namespace={APP_NS}"))
        .await
        .expect("the health page");
    let critical = wait_text(&c, "#findings-critical", "CrashLoopBackOff").await;
    assert!(
        critical.contains(CRASHING),
        "the crashing workload's pod is listed: {critical}"
    );
    screenshot(&c, "serve-cluster-console-health").await;
    // The plan page still answers after the navigation (plans outlive a page view).
    c.goto(&plan_url).await.expect("the plan page again");
    let state = c
        .find(Locator::Css("#plan-state"))
        .await
        .expect("#plan-state")
        .text()
        .await
        .expect("its text");
    assert_eq!(state, "done");
    let _ = c.close().await;
}

pub async fn plain_forms_ask_and_approve(serve: Arc<Serve>) {
    let url = serve.agent.url().to_string();
    let (operator, approver) = (serve.team.operator.clone(), serve.team.approver.clone());
    let k = Frontend::new(serve);
    let (now, next) = k.next_replicas().await;
    let mut olga = FormClient::signed_in(&url, &operator).await;
    let (_, _, page) = olga.get("/").await;
    assert!(page.contains("olga (operator)"), "{page}");
    let (code, to, page) = olga
        .post(
            "/console/ask",
            &[
                ("csrf", &csrf(&page)),
                ("request", &format!("scale {WORD} to {next} replicas")),
                ("namespace", APP_NS),
            ],
        )
        .await;
    assert_eq!(code, 303, "{page}");
    let plan_path = to.expect("a redirect to the plan");
    let (_, _, page) = olga.get(&plan_path).await;
    assert!(
        page.contains(&format!("-  replicas: {now}"))
            && page.contains(&format!("+  replicas: {next}")),
        "the diff is on the page: {page}"
    );
    assert!(page.contains("pending approval"), "{page}");
    assert!(
        !page.contains("id=\"approve\""),
        "an operator gets no Approve button"
    );
    assert_eq!(k.replicas().await, now, "nothing runs before the approval");

    let mut anna = FormClient::signed_in(&url, &approver).await;
    let token = anna.approve(&plan_path).await;
    k.expect_replicas(next).await;
    let (code, _, page) = anna
        .post(&format!("{plan_path}/approve"), &[("csrf", &token)])
        .await;
    assert_eq!(code, 409, "approving twice is refused: {page}");
    k.expect_replicas(next).await;

    let (_, _, page) = anna.get("/console/audit").await;
    assert!(
        page.contains(&format!(
            "kubectl scale deployment/{} --replicas={next} -n {APP_NS}",
            k.deployment
        )),
        "{page}"
    );
    assert!(
        page.contains("<td>olga</td>") && page.contains("<td>anna</td>"),
        "{page}"
    );
}
