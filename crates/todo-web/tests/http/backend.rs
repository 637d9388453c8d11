//! The backend going away or refusing the session's token.

use http::{Method, StatusCode};

use crate::PASSWORD;
use crate::common::{Stack, Visitor, start_web, web_config};

#[tokio::test]
async fn backend_down_shows_a_friendly_503_that_recovers() {
    let mut stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    ann.add_task("Survive the outage").await;

    stack.backend.stop().await;
    let down = ann.get("/tasks?status=pending").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.header("retry-after"), "5");
    assert!(
        down.body.contains("We&#39;ll be right back") || down.body.contains("We'll be right back"),
        "{}",
        down.body
    );
    assert!(
        down.body
            .contains(r#"http-equiv="refresh" content="5; url=/tasks?status=pending""#),
        "the page reloads itself: {}",
        down.body
    );
    for leak in ["Connection refused", "hyper", "panicked", "127.0.0.1"] {
        assert!(
            !down.body.contains(leak),
            "internals leaked ({leak}): {}",
            down.body
        );
    }
    assert_eq!(
        ann.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        ann.get("/healthz").await.status,
        StatusCode::OK,
        "liveness does not depend on the backend"
    );
    let token = down.csrf();
    let htmx_down = ann
        .request(
            Method::POST,
            "/tasks",
            &[("hx-request", "true"), ("x-csrf-token", &token)],
            Some(&[("title", "x")]),
        )
        .await;
    assert_eq!(htmx_down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(htmx_down.header("hx-retarget"), "#flash");

    // Logged-out visitors get the same friendly page when logging in.
    let mut visitor = stack.visitor();
    let failed_login = visitor.log_in("ann@example.com", PASSWORD).await;
    assert_eq!(failed_login.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(failed_login.body.contains(r#"url=/""#));

    stack.backend.restart().await;
    let back = ann.get("/tasks?status=pending").await;
    assert_eq!(
        back.status,
        StatusCode::OK,
        "same URL works again once the backend is back"
    );
    assert!(back.body.contains("Survive the outage"));
}

#[tokio::test]
async fn an_unreachable_backend_never_yields_a_500() {
    // A port with nothing behind it, from the start.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let web = start_web(web_config(dead)).await;
    let mut visitor = Visitor::new(web);
    assert_eq!(
        visitor.get("/").await.status,
        StatusCode::OK,
        "probes still pass"
    );
    let token = visitor.csrf().await;
    let signup = visitor
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signup.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_token_the_backend_refuses_ends_the_session() {
    let mut stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    stack.backend.restart_with_new_secret().await;

    let page = ann.get("/tasks").await;
    assert_eq!(
        (page.status, page.location()),
        (StatusCode::SEE_OTHER, "/login?expired=1")
    );
    assert!(
        page.session_cookie()
            .expect("cookie cleared")
            .contains("Max-Age=0")
    );
    let login = ann.get("/login?expired=1").await;
    assert!(
        login
            .body
            .contains("Your session ended. Please log in again.")
    );
    let htmx = ann.htmx_get("/tasks/list").await;
    assert_eq!(
        htmx.header("hx-redirect"),
        "/login",
        "no session left, so htmx is sent to log in"
    );
    // Logging in again issues a token under the new secret, and all is well.
    let again = ann.log_in("ann@example.com", PASSWORD).await;
    assert_eq!(again.location(), "/tasks");
    assert_eq!(ann.get("/tasks").await.status, StatusCode::OK);
}
