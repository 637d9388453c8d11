//! Sign-up, log-in and log-out, and isolation between users.

use http::StatusCode;

use crate::PASSWORD;
use crate::common::{Stack, Visitor, start_web, task_id, web_config};

#[tokio::test]
async fn the_task_page_needs_a_log_in() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let page = visitor.get("/tasks").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
    let fragment = visitor.htmx_get("/tasks/list").await;
    assert_eq!(
        fragment.header("hx-redirect"),
        "/login",
        "htmx is told to navigate, not handed a page"
    );
    let mut forged = stack.visitor();
    forged.cookie = Some("not-a-sealed-session".into());
    assert_eq!(forged.get("/tasks").await.location(), "/login");
}

#[tokio::test]
async fn log_in_log_out_and_the_old_cookie_is_dead() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();
    let out = ann.post("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login?signed_out=1");
    assert!(
        out.session_cookie().unwrap().contains("Max-Age=0"),
        "the cookie is deleted"
    );
    assert_eq!(ann.get("/tasks").await.location(), "/login");

    let wrong = ann.log_in("ann@example.com", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong e-mail or password"));
    let right = ann.log_in("ANN@example.com", PASSWORD).await;
    assert_eq!(
        (right.status, right.location()),
        (StatusCode::SEE_OTHER, "/tasks")
    );
    let old_cookie = ann.cookie.clone();
    let page = ann.get("/tasks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("ann@example.com"),
        "the header shows who is signed in"
    );

    let out = ann.post("/logout", &[("csrf_token", &page.csrf())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // A copy of the cookie taken before log-out no longer opens the page.
    let mut replay = stack.visitor();
    replay.cookie = old_cookie.clone();
    let replayed = replay.get("/tasks").await;
    assert_eq!(
        (replayed.status, replayed.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    // Nor on another web replica (same secret, none of this one's memory): the
    // backend revoked the token inside the cookie.
    let other_replica = start_web(web_config(stack.backend.addr)).await;
    let mut elsewhere = Visitor::new(other_replica);
    elsewhere.cookie = old_cookie;
    let replayed = elsewhere.get("/tasks").await;
    assert_eq!(
        (replayed.status, replayed.location()),
        (StatusCode::SEE_OTHER, "/login?expired=1"),
        "a copied cookie works on another replica after log-out"
    );
}

#[tokio::test]
async fn sign_up_refuses_bad_input_with_reasons() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let token = visitor.csrf().await;
    let short = visitor
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .body
            .contains("Password must be at least 8 characters"),
        "{}",
        short.body
    );
    assert!(
        short.body.contains(r#"value="ann@example.com""#),
        "what was typed is kept"
    );
    let bad_email = visitor
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann"),
                ("email", "nope"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_email.body.contains("E-mail must be an address"));

    visitor.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let mut again = stack.visitor();
    let token = again.csrf().await;
    let taken = again
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann 2"),
                ("email", "ann@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("already exists"));
}

#[tokio::test]
async fn one_user_never_sees_or_touches_another_users_tasks() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    ann.add_task("Ann's secret plan").await;
    let ann_page = ann.get("/tasks").await.body;
    let id = task_id(&ann_page, "Ann's secret plan");

    let mut bob = stack.visitor();
    bob.sign_up("Bob", "bob@example.com", PASSWORD).await;
    let bob_page = bob.get("/tasks").await;
    assert!(!bob_page.body.contains("secret plan"));
    assert!(
        !bob.get("/tasks?q=secret")
            .await
            .body
            .contains("secret plan")
    );
    let token = bob_page.csrf();
    assert_eq!(
        bob.get(&format!("/tasks/{id}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&format!("/tasks/{id}/toggle"), &[("csrf_token", &token)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&format!("/tasks/{id}/delete"), &[("csrf_token", &token)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let hijack = bob
        .post(
            &format!("/tasks/{id}"),
            &[("csrf_token", &token), ("title", "Bob was here")],
        )
        .await;
    assert_eq!(hijack.status, StatusCode::NOT_FOUND);

    let after = ann.get("/tasks").await.body;
    assert!(after.contains("Ann&#39;s secret plan") && !after.contains("Bob was here"));
    assert!(!after.contains("task done"), "still pending");
}
