//! The task forms, as plain forms without JavaScript and as htmx fragments.

use http::{Method, StatusCode};

use crate::PASSWORD;
use crate::common::{Stack, task_id};

#[tokio::test]
async fn tasks_through_plain_forms_without_javascript() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let page = ann.get("/tasks").await;
    let token = page.csrf();

    let created = ann
        .post(
            "/tasks",
            &[
                ("csrf_token", &token),
                ("title", "Pay bills"),
                ("description", "electricity and water"),
                ("priority", "high"),
                ("tags", "home, #Money"),
                ("due", "2030-01-31T17:00"),
                ("back", "/tasks?status=pending"),
            ],
        )
        .await;
    assert_eq!(
        (created.status, created.location()),
        (StatusCode::SEE_OTHER, "/tasks?status=pending")
    );
    let page = ann.get("/tasks?status=pending").await.body;
    assert!(page.contains("Pay bills") && page.contains("electricity and water"));
    assert!(page.contains("#money") && page.contains("#home") && page.contains("prio-high"));
    assert!(
        page.contains(r#"datetime="2030-01-31T17:00:00+00:00""#),
        "due date shown: {page}"
    );

    let empty = ann
        .post("/tasks", &[("csrf_token", &token), ("title", "   ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Title must not be empty."));
    let bad_tag = ann
        .post(
            "/tasks",
            &[("csrf_token", &token), ("title", "ok"), ("tags", "a/b")],
        )
        .await;
    assert_eq!(bad_tag.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_tag.body.contains("Tags:"), "{}", bad_tag.body);

    let id = task_id(&page, "Pay bills");
    let edit = ann.get(&format!("/tasks/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains(r#"value="Pay bills""#)
            && edit.body.contains(r#"value="2030-01-31T17:00""#)
    );
    let saved = ann
        .post(
            &format!("/tasks/{id}"),
            &[
                ("csrf_token", &token),
                ("title", "Pay all bills"),
                ("priority", "low"),
                ("tags", ""),
                ("due", ""),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = ann.get("/tasks").await.body;
    assert!(
        page.contains("Pay all bills")
            && page.contains("prio-low")
            && !page.contains("#money")
            && !page.contains("Due ")
    );

    let toggled = ann
        .post(&format!("/tasks/{id}/toggle"), &[("csrf_token", &token)])
        .await;
    assert_eq!(toggled.status, StatusCode::SEE_OTHER);
    assert!(
        ann.get("/tasks?status=completed")
            .await
            .body
            .contains("Pay all bills")
    );
    assert!(
        !ann.get("/tasks?status=pending")
            .await
            .body
            .contains("Pay all bills")
    );

    ann.add_task("Buy milk").await;
    assert!(ann.get("/tasks?q=milk").await.body.contains("Buy milk"));
    assert!(
        !ann.get("/tasks?q=milk")
            .await
            .body
            .contains("Pay all bills"),
        "search filters"
    );

    let deleted = ann
        .post(&format!("/tasks/{id}/delete"), &[("csrf_token", &token)])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(!ann.get("/tasks").await.body.contains("Pay all bills"));
    let gone = ann
        .post(&format!("/tasks/{id}/toggle"), &[("csrf_token", &token)])
        .await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "a deleted task is a clear 404 page"
    );
}

#[tokio::test]
async fn htmx_requests_get_fragments_and_a_list_refresh_event() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();
    let htmx = [("hx-request", "true"), ("x-csrf-token", token.as_str())];

    let added = ann
        .request(
            Method::POST,
            "/tasks",
            &htmx,
            Some(&[("title", "Water plants")]),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.header("hx-trigger"), "tasks-changed");
    assert!(
        added.body.starts_with("<form id=\"add-task\""),
        "a fresh add form, not a page: {}",
        added.body
    );

    let list = ann.htmx_get("/tasks/list?status=pending").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("<html"), "a fragment");
    assert!(list.body.contains("Water plants"));
    let id = task_id(&list.body, "Water plants");

    let toggled = ann
        .request(
            Method::POST,
            &format!("/tasks/{id}/toggle"),
            &htmx,
            Some(&[]),
        )
        .await;
    assert_eq!(
        (toggled.status, toggled.header("hx-trigger")),
        (StatusCode::NO_CONTENT, "tasks-changed")
    );
    let invalid = ann
        .request(Method::POST, "/tasks", &htmx, Some(&[("title", "")]))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("Title must not be empty.") && invalid.body.starts_with("<form"));

    let edit = ann.htmx_get(&format!("/tasks/{id}/edit")).await;
    assert!(
        edit.body
            .trim_start()
            .starts_with("<li class=\"task editing\""),
        "{}",
        edit.body
    );

    // Without htmx the fragment URL sends the browser to the real page.
    let plain = ann.get("/tasks/list?status=pending").await;
    assert_eq!(
        (plain.status, plain.location()),
        (StatusCode::SEE_OTHER, "/tasks?status=pending")
    );
}
