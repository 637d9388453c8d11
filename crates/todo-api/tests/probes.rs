//! Health, readiness, metrics, the OpenAPI document and request ids.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, test_config};
use serde_json::json;
use todo_api::StoreSlot;

#[tokio::test]
async fn health_and_ready_when_connected() {
    let app = TestApp::sqlite().await;
    let health = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, json!({"status": "ok"}));
    let ready = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body, json!({"status": "ready"}));
}

/// Before the database is connected (PostgreSQL still starting), the process is
/// alive but not ready, and data endpoints say so with 503 instead of failing.
#[tokio::test]
async fn not_ready_until_the_store_is_connected() {
    let slot = StoreSlot::default();
    let app = TestApp::with_slot(slot.clone(), test_config());
    assert_eq!(
        app.call(Method::GET, "/health", None, None).await.status,
        StatusCode::OK
    );
    let ready = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["status"], "unavailable");
    let signup = app
        .call(
            Method::POST,
            "/api/auth/signup",
            None,
            Some(json!({"email": "a@example.com", "password": "long enough", "name": "A"})),
        )
        .await;
    assert_eq!(signup.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(signup.error().contains("database"));

    // Once the store arrives the same router serves it.
    let real = TestApp::sqlite().await;
    slot.fill(real.store().clone());
    assert_eq!(
        app.call(Method::GET, "/ready", None, None).await.status,
        StatusCode::OK
    );
    app.signup("a@example.com").await;
}

#[tokio::test]
async fn metrics_use_route_templates_not_raw_paths() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    app.create_task(&ann, json!({"title": "t"})).await;
    app.get(&format!("/api/{}/tasks", ann.id), &ann.token).await;
    app.get(&format!("/api/{}/tasks", ann.id), &ann.token).await;
    app.call(Method::GET, &format!("/api/{}/tasks", ann.id), None, None)
        .await;
    app.get(&format!("/api/{}/tasks/abc", ann.id), &ann.token)
        .await;
    app.call(Method::GET, "/no/such/path/1", None, None).await;
    app.call(Method::GET, "/no/such/path/2", None, None).await;

    let reply = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(reply.raw).unwrap();
    assert!(
        !text.contains(&ann.id),
        "user ids must not become label values"
    );
    assert!(
        !text.contains("/no/such/path"),
        "unmatched paths must not become label values"
    );
    for line in [
        r#"http_requests_total{method="GET",route="/api/{user_id}/tasks",status="200"} 2"#,
        r#"http_requests_total{method="GET",route="/api/{user_id}/tasks",status="401"} 1"#,
        r#"http_requests_total{method="POST",route="/api/{user_id}/tasks",status="201"} 1"#,
        r#"http_requests_total{method="POST",route="/api/auth/signup",status="201"} 1"#,
        r#"http_requests_total{method="GET",route="/api/{user_id}/tasks/{id}",status="400"} 1"#,
        r#"http_requests_total{method="GET",route="unmatched",status="404"} 2"#,
        r#"http_request_duration_seconds_count{method="GET",route="/api/{user_id}/tasks",status="200"} 2"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/{user_id}/tasks",status="200",le="+Inf"} 2"#,
        "# TYPE http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
}

#[tokio::test]
async fn openapi_document_covers_every_endpoint() {
    let app = TestApp::sqlite().await;
    let reply = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("/api/auth/signup", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/{user_id}/tasks", "get"),
        ("/api/{user_id}/tasks", "post"),
        ("/api/{user_id}/tasks/{id}", "get"),
        ("/api/{user_id}/tasks/{id}", "put"),
        ("/api/{user_id}/tasks/{id}", "patch"),
        ("/api/{user_id}/tasks/{id}", "delete"),
        ("/api/{user_id}/tasks/{id}/complete", "patch"),
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
        ("/api/{user_id}/chat", "post"),
        ("/api/{user_id}/conversations", "get"),
        ("/api/{user_id}/conversations/{id}", "get"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the document"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "undocumented extras or duplicates"
    );
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(
        doc["paths"]["/api/{user_id}/tasks"]["get"]["security"],
        json!([{"bearer": []}])
    );
    let list_params: Vec<&str> = doc["paths"]["/api/{user_id}/tasks"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "user_id", "status", "priority", "tag", "q", "sort", "order", "limit", "offset",
    ] {
        assert!(
            list_params.contains(&name),
            "list parameter {name} undocumented"
        );
    }
}

/// The documented task schema has exactly the keys a real response has.
#[tokio::test]
async fn documented_task_schema_matches_responses() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let task = app.create_task(&ann, json!({"title": "t"})).await;
    let doc = app
        .call(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let mut documented: Vec<&String> = doc["components"]["schemas"]["TaskView"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let mut actual: Vec<&String> = task.as_object().unwrap().keys().collect();
    documented.sort();
    actual.sort();
    assert_eq!(documented, actual);
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::sqlite().await;
    let mine = app
        .send(
            Request::get("/health")
                .header("x-request-id", "trace-abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(mine.headers["x-request-id"], "trace-abc-123");
    let generated = app
        .send(Request::get("/health").body(Body::empty()).unwrap())
        .await;
    let other = app
        .send(Request::get("/health").body(Body::empty()).unwrap())
        .await;
    assert_ne!(
        generated.headers["x-request-id"],
        other.headers["x-request-id"]
    );
    // A hostile id (log injection) is replaced, not echoed.
    let hostile = app
        .send(
            Request::get("/health")
                .header("x-request-id", "x\" injected=1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(hostile.headers["x-request-id"], "x\" injected=1");
}
