//! What answers without a session: probes, versioned assets, and clear 4xx
//! pages for bad addresses.

use http::StatusCode;

use crate::PASSWORD;
use crate::common::Stack;

#[tokio::test]
async fn probes_answer_without_a_session() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let home = visitor.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains(r#"action="/login""#),
        "the logged-out home page is the log-in form"
    );
    let health = visitor.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    assert_eq!(visitor.get("/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn assets_are_cached_for_a_year_under_versioned_names() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let login = visitor.get("/login").await;
    let htmx_url = format!("/assets/htmx-{}.min.js", todo_web::HTMX_VERSION);
    assert!(
        login.body.contains(&htmx_url),
        "the page links the pinned htmx"
    );
    let htmx = visitor.get(&htmx_url).await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(htmx.header("content-type").starts_with("text/javascript"));
    assert_eq!(
        htmx.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(htmx.body.contains("htmx"), "the vendored file is served");
    let css_start = login.body.find("/assets/style.").expect("stylesheet link");
    let css_url = &login.body[css_start..login.body[css_start..].find('"').unwrap() + css_start];
    assert_eq!(visitor.get(css_url).await.status, StatusCode::OK);
    assert_eq!(
        visitor.get("/assets/style.css").await.status,
        StatusCode::NOT_FOUND,
        "only hashed names"
    );
}

#[tokio::test]
async fn bad_addresses_are_clear_4xx_pages() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let bad_status = ann.get("/tasks?status=done").await;
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_status.body.contains("use all, pending or completed"),
        "{}",
        bad_status.body
    );
    assert_eq!(
        ann.get("/tasks?page=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ann.get("/tasks?c=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ann.get("/tasks/999999/edit").await.status,
        StatusCode::NOT_FOUND
    );
    let token = ann.get("/tasks").await.csrf();
    let not_a_number = ann
        .post("/tasks/abc/toggle", &[("csrf_token", &token)])
        .await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST);
    assert!(
        not_a_number.body.contains("is not a task number"),
        "{}",
        not_a_number.body
    );
    let missing = ann.get("/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
}
