//! The Todo Chatbot's HTTP backend.
//!
//! [`router`] builds the whole API from one module per resource; each module
//! exposes `fn router() -> Router<AppState>` and is merged with one line.
//! Authentication is reusable by later modules: the [`auth::AuthUser`]
//! extractor for `/api/{user_id}/...` paths, and the [`auth::require_bearer`]
//! middleware for routes without a user in the path.

pub mod auth;
pub mod chat;
pub mod error;
pub mod extract;
pub mod health;
pub mod mcp;
pub mod metrics;
pub mod observe;
pub mod openapi;
mod openapi_rejections;
pub mod state;
pub mod tasks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

pub use error::{ApiError, Result};
pub use state::{ApiConfig, AppState, StoreSlot};

/// The complete API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::router())
        .merge(tasks::router())
        .merge(chat::router())
        .merge(mcp::router(&state))
        .merge(health::router())
        .merge(metrics::router())
        .merge(openapi::router())
        .fallback(no_such_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state)
}

async fn no_such_route() -> ApiError {
    ApiError::NotFound("no such endpoint; see /openapi.json for the API".to_string())
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "method {method} is not allowed on this path; see /openapi.json"
    ))
}

/// Last resort: a handler panicked. The panic message may hold internals, so it
/// is logged and the client gets the generic 500.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("secret detail: password=hunter2")
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_generic_500() {
        let app: Router = Router::new()
            .route("/boom", get(boom))
            .layer(CatchPanicLayer::custom(panic_response));
        let response = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let message = json["error"].as_str().unwrap();
        assert!(message.starts_with("internal error"), "{message}");
        assert!(!message.contains("hunter2"));
    }
}
