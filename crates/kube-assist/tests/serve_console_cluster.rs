//! The console of the agent running IN the cluster (e2e/assist/serve installs it
//! with helm/kubectl-assist and runs this test; `#[ignore]` because it needs
//! that agent): headless Chromium signs in with an approver's token, asks for a
//! write in the chat, sees the plan with its dry-run diff, approves it, sees the
//! result and the audit entry, and the health page lists the crashing workload
//! the suite made. Then the same flow without JavaScript (plain form posts): an
//! operator asks, gets no Approve button, an approver approves by form. Each
//! change is checked on the real API server with `kubectl`.
//!
//! Configuration (all required; e2e/assist/serve sets them):
//! - `KUBECTL_ASSIST_CONSOLE_URL`: the agent's Service (the host reaches it on docker0)
//! - `KUBECTL_ASSIST_CONSOLE_NAMESPACE`: the app's namespace, where the agent may write
//! - `KUBECTL_ASSIST_CONSOLE_DEPLOYMENT`: a Deployment there the tests scale between 1 and 2
//! - `KUBECTL_ASSIST_CONSOLE_CRASHING`: the name prefix of the crashing workload's pods
//! - `KUBECTL_ASSIST_CONSOLE_OPERATOR` / `_APPROVER`: tokens of olga (operator) and anna (approver)
//! - `KUBECTL_ASSIST_CONSOLE_WORD`: how the request names the Deployment ("the backend")

mod console_driver;

use std::process::Command;
use std::time::{Duration, Instant};

use console_driver::{FormClient, browser, click, csrf, fill, screenshot, sign_in, wait_text};
use fantoccini::Locator;

/// What the suite told this test about the agent and the app it looks after.
struct ClusterConsole {
    url: String,
    namespace: String,
    deployment: String,
    word: String,
    crashing: String,
    operator: String,
    approver: String,
}

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: this test runs from e2e/assist/serve against the agent in the cluster")
    })
}

impl ClusterConsole {
    fn from_env() -> Self {
        Self {
            url: required("KUBECTL_ASSIST_CONSOLE_URL"),
            namespace: required("KUBECTL_ASSIST_CONSOLE_NAMESPACE"),
            deployment: required("KUBECTL_ASSIST_CONSOLE_DEPLOYMENT"),
            word: required("KUBECTL_ASSIST_CONSOLE_WORD"),
            crashing: required("KUBECTL_ASSIST_CONSOLE_CRASHING"),
            operator: required("KUBECTL_ASSIST_CONSOLE_OPERATOR"),
            approver: required("KUBECTL_ASSIST_CONSOLE_APPROVER"),
        }
    }

    /// `.spec.replicas` of the Deployment, read from the real API server.
    fn replicas(&self) -> String {
        let out = Command::new("kubectl")
            .args(["-n", &self.namespace, "get", "deployment", &self.deployment])
            .args(["-o", "jsonpath={.spec.replicas}"])
            .output()
            .expect("run kubectl (the suite puts the cluster's kubectl on PATH)");
        assert!(
            out.status.success(),
            "kubectl get deployment: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The replica count a test asks for: another than today's, so each test is a real
    /// change whatever ran before it (the two tests share the Deployment).
    fn next_replicas(&self) -> (String, String) {
        let now = self.replicas();
        let next = if now == "1" { "2" } else { "1" };
        (now, next.to_string())
    }

    /// Waits until the Deployment's spec says `want` (the agent's write is synchronous, but
    /// the API server is shared with other suites and may be slow to answer).
    fn expect_replicas(&self, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.replicas();
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} has {got} replicas, not {want}",
                self.deployment
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[tokio::test]
#[ignore = "needs the agent in the cluster: run by e2e/assist/serve"]
async fn chromium_approves_a_write_and_lists_findings_on_the_agent_in_the_cluster() {
    let k = ClusterConsole::from_env();
    let (now, next) = k.next_replicas();
    let (c, _driver, _profile) = browser().await;
    sign_in(&c, &k.url, &k.approver, "anna (approver)").await;

    fill(
        &c,
        "#request",
        &format!("scale {} to {next} replicas", k.word),
    )
    .await;
    fill(&c, "#namespace", &k.namespace).await;
    click(&c, "#ask").await;
    wait_text(&c, "#plan-state", "pending approval").await;
    let diff = wait_text(&c, "pre.diff", &format!("replicas: {next}")).await;
    assert!(
        diff.contains(&format!("+  replicas: {next}"))
            && diff.contains(&format!("-  replicas: {now}")),
        "the dry-run diff from the real API server: {diff}"
    );
    screenshot(&c, "serve-cluster-console-plan").await;
    assert_eq!(k.replicas(), now, "nothing runs before the approval");
    click(&c, "#approve").await;
    wait_text(&c, "#plan-state", "done").await;
    screenshot(&c, "serve-cluster-console-approved").await;
    k.expect_replicas(&next);
    let plan_url = c.current_url().await.unwrap().to_string();

    c.goto(&format!("{}/console/audit", k.url)).await.unwrap();
    let command = format!(
        "kubectl scale deployment/{} --replicas={next} -n {}",
        k.deployment, k.namespace
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

    c.goto(&format!(
        "{}/console/health?namespace={}",
        k.url, k.namespace
    ))
    .await
    .unwrap();
    let critical = wait_text(&c, "#findings-critical", "CrashLoopBackOff").await;
    assert!(
        critical.contains(&k.crashing),
        "the crashing workload's pod is listed: {critical}"
    );
    screenshot(&c, "serve-cluster-console-health").await;
    // The plan page still answers after the navigation (plans outlive a page view).
    c.goto(&plan_url).await.unwrap();
    let state = c
        .find(Locator::Css("#plan-state"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(state, "done");
    let _ = c.close().await;
}

#[tokio::test]
#[ignore = "needs the agent in the cluster: run by e2e/assist/serve"]
async fn plain_forms_without_javascript_ask_and_approve_on_the_agent_in_the_cluster() {
    let k = ClusterConsole::from_env();
    let (now, next) = k.next_replicas();
    let mut olga = FormClient::signed_in(&k.url, &k.operator).await;
    let (_, _, page) = olga.get("/").await;
    assert!(page.contains("olga (operator)"), "{page}");
    let (code, to, page) = olga
        .post(
            "/console/ask",
            &[
                ("csrf", &csrf(&page)),
                ("request", &format!("scale {} to {next} replicas", k.word)),
                ("namespace", &k.namespace),
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
    assert_eq!(k.replicas(), now, "nothing runs before the approval");

    let mut anna = FormClient::signed_in(&k.url, &k.approver).await;
    let token = anna.approve(&plan_path).await;
    k.expect_replicas(&next);
    let (code, _, page) = anna
        .post(&format!("{plan_path}/approve"), &[("csrf", &token)])
        .await;
    assert_eq!(code, 409, "approving twice is refused: {page}");
    k.expect_replicas(&next);

    let (_, _, page) = anna.get("/console/audit").await;
    assert!(
        page.contains(&format!(
            "kubectl scale deployment/{} --replicas={next} -n {}",
            k.deployment, k.namespace
        )),
        "{page}"
    );
    assert!(
        page.contains("<td>olga</td>") && page.contains("<td>anna</td>"),
        "{page}"
    );
}
