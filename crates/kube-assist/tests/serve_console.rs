//! The console of `kubectl-assist serve`: first as a browser without JavaScript
//! would use it (plain forms, cookies, redirects), then in Debian's headless
//! Chromium over WebDriver (fantoccini), driving sign-in, a plan with its diff,
//! Approve, and the health page. Screenshots go to `target/screenshots/`.
//!
//! Needs `chromium` and `chromedriver` (scripts/install.d/browser.sh); without
//! them the browser test fails with that instruction, it never skips.

mod common;
mod console_driver;
mod serving;

use common::{FakeApi, todo_cluster};
use console_driver::{FormClient, browser, click, csrf, fill, screenshot, sign_in, wait_text};
use serving::{APPROVER, OPERATOR, VIEWER, crashing_pod, serve};

#[tokio::test]
async fn the_console_works_with_plain_forms_and_a_strict_csp() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let mut olga = FormClient::new(&s.url);
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
    let mut anna = FormClient::signed_in(&s.url, APPROVER).await;
    let token = anna.approve(&plan_path).await;
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

#[tokio::test]
async fn chromium_drives_sign_in_a_plan_with_its_diff_approve_and_the_health_page() {
    let mut objects = todo_cluster();
    objects.push(crashing_pod());
    let api = FakeApi::start(objects, &[]).await;
    let s = serve(&api, &["--events=false"]).await;
    let (c, _driver, _profile) = browser().await;
    sign_in(&c, &s.url, APPROVER, "anna (approver)").await;

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
