//! The task endpoints: every operation, every filter and every kind of bad input.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn create_read_update_toggle_delete() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let base = format!("/api/{}/tasks", ann.id);

    let reply = app
        .call(
            Method::POST,
            &base,
            Some(&ann.token),
            Some(
                json!({"title": "  Buy groceries ", "description": "milk, eggs", "priority": "high",
                "tags": ["#Home", "shopping"], "due_at": "2030-01-31T18:00:00+01:00"}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let task = reply.body.clone();
    let id = task["id"].as_i64().unwrap();
    assert_eq!(
        reply.headers[header::LOCATION],
        format!("{base}/{id}").as_str()
    );
    assert_eq!(task["title"], "Buy groceries");
    assert_eq!(task["description"], "milk, eggs");
    assert_eq!(task["priority"], "high");
    assert_eq!(task["tags"], json!(["home", "shopping"]));
    assert_eq!(task["due_at"], "2030-01-31T17:00:00Z");
    assert_eq!(task["completed"], false);
    assert_eq!(task["user_id"], ann.id.as_str());
    for key in ["created_at", "updated_at"] {
        assert!(task[key].is_string(), "{key}");
    }

    let one = app.get(&format!("{base}/{id}"), &ann.token).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body, task);

    // PATCH changes only what is present; null clears optional fields.
    let patched = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&ann.token),
            Some(json!({"title": "Buy food", "description": null})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["title"], "Buy food");
    assert_eq!(patched.body["description"], Value::Null);
    assert_eq!(patched.body["priority"], "high");
    assert_eq!(patched.body["tags"], json!(["home", "shopping"]));
    assert_eq!(patched.body["due_at"], "2030-01-31T17:00:00Z");
    let patched = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&ann.token),
            Some(json!({"due_at": null, "tags": null})),
        )
        .await;
    assert_eq!(patched.body["due_at"], Value::Null);
    assert_eq!(patched.body["tags"], json!([]));
    assert_eq!(patched.body["title"], "Buy food");

    // An empty PATCH is allowed and changes nothing.
    let same = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&ann.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(same.body["title"], "Buy food");

    // PUT replaces: what is left out takes its default.
    let put = app
        .call(
            Method::PUT,
            &format!("{base}/{id}"),
            Some(&ann.token),
            Some(json!({"title": "Replaced", "tags": ["x"]})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.body["title"], "Replaced");
    assert_eq!(put.body["priority"], "medium");
    assert_eq!(put.body["tags"], json!(["x"]));
    assert_eq!(put.body["completed"], false);
    assert_eq!(put.body["id"], id);

    // Toggle flips both ways.
    let done = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}/complete"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.body["completed"], true);
    let undone = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}/complete"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(undone.body["completed"], false);

    let deleted = app
        .call(
            Method::DELETE,
            &format!("{base}/{id}"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.raw.is_empty());
    let gone = app.get(&format!("{base}/{id}"), &ann.token).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error(), "task not found");
    let again = app
        .call(
            Method::DELETE,
            &format!("{base}/{id}"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn list_filters_sort_page_and_count() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let base = format!("/api/{}/tasks", ann.id);
    let specs = [
        (
            "Call mom",
            "low",
            vec!["family"],
            Some("2030-01-03T00:00:00Z"),
        ),
        (
            "Buy milk",
            "high",
            vec!["shopping"],
            Some("2030-01-01T00:00:00Z"),
        ),
        ("Write report", "medium", vec!["work"], None),
        (
            "Buy stamps",
            "medium",
            vec!["shopping", "errands"],
            Some("2030-01-02T00:00:00Z"),
        ),
    ];
    let mut ids = Vec::new();
    for (title, priority, tags, due) in specs {
        let t = app
            .create_task(
                &ann,
                json!({"title": title, "priority": priority, "tags": tags, "due_at": due}),
            )
            .await;
        ids.push(t["id"].as_i64().unwrap());
    }
    app.call(
        Method::PATCH,
        &format!("{base}/{}/complete", ids[0]),
        Some(&ann.token),
        None,
    )
    .await;

    let titles = |reply: &common::Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect()
    };
    let list = |query: &str| {
        let path = format!("{base}?{query}");
        let token = ann.token.clone();
        let app = &app;
        async move { app.get(&path, &token).await }
    };

    let all = list("").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.total(), 4);
    assert_eq!(
        titles(&all),
        ["Call mom", "Buy milk", "Write report", "Buy stamps"]
    );

    let pending = list("status=pending").await;
    assert_eq!(pending.total(), 3);
    assert!(!titles(&pending).contains(&"Call mom".to_string()));
    let completed = list("status=completed").await;
    assert_eq!(titles(&completed), ["Call mom"]);

    assert_eq!(
        titles(&list("priority=medium").await),
        ["Write report", "Buy stamps"]
    );
    assert_eq!(
        titles(&list("tag=shopping").await),
        ["Buy milk", "Buy stamps"]
    );
    assert_eq!(titles(&list("q=BUY").await), ["Buy milk", "Buy stamps"]);
    assert_eq!(
        titles(&list("sort=title").await),
        ["Buy milk", "Buy stamps", "Call mom", "Write report"]
    );
    assert_eq!(
        titles(&list("sort=title&order=desc").await),
        ["Write report", "Call mom", "Buy stamps", "Buy milk"]
    );
    // No due date sorts last in both orders.
    assert_eq!(
        titles(&list("sort=due").await),
        ["Buy milk", "Buy stamps", "Call mom", "Write report"]
    );
    assert_eq!(
        titles(&list("sort=due&order=desc").await),
        ["Call mom", "Buy stamps", "Buy milk", "Write report"]
    );
    assert_eq!(
        titles(&list("sort=priority&order=desc").await)[0],
        "Buy milk"
    );

    let page = list("limit=2&offset=1").await;
    assert_eq!(titles(&page), ["Buy milk", "Write report"]);
    assert_eq!(
        page.total(),
        4,
        "X-Total-Count counts all matches, not the page"
    );
    let past_end = list("offset=10").await;
    assert_eq!(past_end.body, json!([]));
    assert_eq!(past_end.total(), 4);
    let combined = list("status=pending&tag=shopping&sort=due&order=desc&limit=1").await;
    assert_eq!(titles(&combined), ["Buy stamps"]);
    assert_eq!(combined.total(), 2);
}

#[tokio::test]
async fn bad_query_parameters_are_400_and_name_the_parameter() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    for (query, name) in [
        ("status=done", "status"),
        ("priority=urgent", "priority"),
        ("tag=has%20space", "tag"),
        ("q=", "q"),
        ("sort=size", "sort"),
        ("order=sideways", "order"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=lots", "limit"),
        ("offset=-5", "offset"),
        ("colour=red", "colour"),
        ("status=all&status=pending", "status"),
    ] {
        let reply = app
            .get(&format!("/api/{}/tasks?{query}", ann.id), &ann.token)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.body
        );
        assert!(reply.error().contains(name), "{query}: {}", reply.error());
    }
}

#[tokio::test]
async fn invalid_task_fields_are_422_naming_the_field() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let task = app.create_task(&ann, json!({"title": "ok"})).await;
    let base = format!("/api/{}/tasks", ann.id);
    let one = format!("{base}/{}", task["id"]);
    let cases = [
        (Method::POST, &base, json!({"title": ""}), "title"),
        (Method::POST, &base, json!({"title": "   "}), "title"),
        (
            Method::POST,
            &base,
            json!({"title": "x".repeat(201)}),
            "title",
        ),
        (Method::POST, &base, json!({"title": "a\u{0}b"}), "title"),
        (
            Method::POST,
            &base,
            json!({"title": "ok", "description": "d".repeat(1001)}),
            "description",
        ),
        (
            Method::POST,
            &base,
            json!({"title": "ok", "priority": "urgent"}),
            "priority",
        ),
        (
            Method::POST,
            &base,
            json!({"title": "ok", "tags": ["no spaces allowed"]}),
            "tags",
        ),
        (
            Method::POST,
            &base,
            json!({"title": "ok", "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "tags",
        ),
        (
            Method::POST,
            &base,
            json!({"title": "ok", "due_at": "next tuesday"}),
            "due_at",
        ),
        (
            Method::POST,
            &base,
            json!({"description": "no title"}),
            "title",
        ),
        (Method::POST, &base, json!({"title": 5}), "title"),
        (
            Method::POST,
            &base,
            json!({"title": "ok", "titel": "typo"}),
            "titel",
        ),
        (
            Method::POST,
            &base,
            json!({"title": "ok", "tags": "one"}),
            "tags",
        ),
        (Method::POST, &base, json!(["title"]), "body"),
        (Method::PATCH, &one, json!({"title": null}), "title"),
        (
            Method::PATCH,
            &one,
            json!({"completed": "yes"}),
            "completed",
        ),
        (Method::PATCH, &one, json!({"priority": null}), "priority"),
        (
            Method::PATCH,
            &one,
            json!({"title": "x".repeat(201)}),
            "title",
        ),
        (Method::PATCH, &one, json!({"id": 7}), "id"),
        (Method::PUT, &one, json!({"priority": "low"}), "title"),
        (
            Method::PUT,
            &one,
            json!({"title": "ok", "completed": 1}),
            "completed",
        ),
    ];
    for (method, path, body, field) in cases {
        let reply = app
            .call(method.clone(), path, Some(&ann.token), Some(body.clone()))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {body}: {}",
            reply.body
        );
        assert!(
            reply.error().contains(field),
            "{method} {body}: {}",
            reply.error()
        );
    }
    // Nothing above changed the task.
    assert_eq!(app.get(&one, &ann.token).await.body, task);
    assert_eq!(app.all_tasks(&ann).await.len(), 1);
}

#[tokio::test]
async fn malformed_bodies_wrong_types_and_huge_bodies_are_4xx() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let base = format!("/api/{}/tasks", ann.id);
    let raw = |content_type: Option<&str>, body: Vec<u8>| {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(&base)
            .header(header::AUTHORIZATION, format!("Bearer {}", ann.token));
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        builder.body(Body::from(body)).unwrap()
    };

    for body in [
        &b"{"[..],
        b"{\"title\": }",
        b"",
        b"{\"title\":\"a\"} trailing",
        b"\xff\xfe",
    ] {
        let reply = app.send(raw(Some("application/json"), body.to_vec())).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body:?}: {}",
            reply.body
        );
        assert!(reply.error().contains("JSON"), "{}", reply.error());
    }
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data"),
    ] {
        let reply = app.send(raw(ct, br#"{"title":"a"}"#.to_vec())).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        assert!(reply.error().contains("application/json"));
    }
    let ok = app
        .send(raw(
            Some("application/json; charset=utf-8"),
            br#"{"title":"a"}"#.to_vec(),
        ))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);

    let huge = format!(
        r#"{{"title":"a","description":"{}"}}"#,
        "x".repeat(100 * 1024)
    );
    let reply = app
        .send(raw(Some("application/json"), huge.into_bytes()))
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.error().contains("65536"), "{}", reply.error());

    // Deeply nested JSON is refused without blowing the stack.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let reply = app
        .send(raw(Some("application/json"), deep.into_bytes()))
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.status);

    assert_eq!(
        app.all_tasks(&ann).await.len(),
        1,
        "only the one valid request created a task"
    );
}

#[tokio::test]
async fn bad_path_ids_are_400_and_missing_ones_404() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let base = format!("/api/{}/tasks", ann.id);
    for id in ["abc", "0", "-3", "1.5", "99999999999999999999", "%20"] {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::DELETE, ""),
            (Method::PATCH, "/complete"),
        ] {
            let reply = app
                .call(
                    method.clone(),
                    &format!("{base}/{id}{suffix}"),
                    Some(&ann.token),
                    None,
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{method} {id}: {}",
                reply.body
            );
            assert!(reply.error().contains("task id"), "{}", reply.error());
        }
    }
    let reply = app.get(&format!("{base}/123456"), &ann.token).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app
        .call(
            Method::PATCH,
            &format!("{base}/123456"),
            Some(&ann.token),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // A user segment that is not a user id.
    let reply = app.get("/api/not-a-uuid/tasks", &ann.token).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("user_id"), "{}", reply.error());
    // The same user id in upper case is the same user.
    let reply = app
        .get(&format!("/api/{}/tasks", ann.id.to_uppercase()), &ann.token)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let reply = app.get("/api/nothing/here/at/all", &ann.token).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.error().contains("openapi"));
    let reply = app
        .call(
            Method::DELETE,
            &format!("/api/{}/tasks", ann.id),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.error().contains("DELETE"));
}
