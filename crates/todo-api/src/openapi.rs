//! `/openapi.json`: the OpenAPI document, generated from the handlers'
//! annotations. Each resource module contributes its paths here.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::state::AppState;
use crate::{auth, error, health, metrics, tasks};

#[derive(OpenApi)]
#[openapi(
    info(title = "Todo Chatbot API", description = "Tasks, accounts and probes of the Todo Chatbot backend. \
        Errors are JSON `{\"error\": \"...\"}`."),
    paths(
        auth::signup,
        auth::login,
        auth::logout,
        tasks::list_tasks,
        tasks::create_task,
        tasks::get_task,
        tasks::replace_task,
        tasks::patch_task,
        tasks::delete_task,
        tasks::toggle_task,
        health::health,
        health::ready,
        metrics::metrics,
        openapi_json,
    ),
    components(schemas(
        error::ErrorBody,
        tasks::TaskView,
        tasks::ChangedTaskView,
        tasks::PriorityName,
        tasks::RecurrenceRule,
        tasks::WeekdayName,
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Sign-up and log-in; both return a bearer token"),
        (name = "tasks", description = "A user's tasks; the token must be that user's"),
        (name = "probes", description = "Health, readiness, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the task paths refer to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".to_string());
        http.description = Some(
            "The `token` from /api/auth/signup or /api/auth/login (HS256, valid 7 days)"
                .to_string(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// The whole document. Modules added later (chat, MCP) merge theirs in here.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi().merge_from(crate::chat::ChatDoc::openapi());
    crate::openapi_rejections::document_rejections(&mut doc);
    doc
}

pub fn router() -> Router<AppState> {
    // Serialised once: the document does not change while the process runs.
    let json = Bytes::from(document().to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "could not serialise the OpenAPI document");
        "{}".to_string()
    }));
    Router::new().route("/openapi.json", get(move || openapi_json(json.clone())))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "probes",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json(json: Bytes) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
}
