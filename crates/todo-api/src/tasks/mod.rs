//! The task endpoints under `/api/{user_id}/tasks`. Every handler takes
//! [`AuthUser`] first, so nothing is read or parsed for a caller who may not
//! see this user's tasks, and passes only that user to the store.

mod body;
mod query;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use chrono::Utc;

pub use body::{CreateTaskRequest, PatchTaskRequest, ReplaceTaskRequest};
pub use query::ListParams;
// The task bodies are declared once in todo-core, where the web frontend reads them too.
pub use todo_core::api::{ChangedTaskView, PriorityName, RecurrenceRule, TaskView, WeekdayName};

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, Result};
use crate::extract::{ApiJson, ApiQuery, FingerprintedJson, IdempotencyKeyHeader, TaskIdParam};
use crate::state::AppState;

/// Total number of tasks matching a list query, across all pages.
pub const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// About what one task takes as JSON with a short description and two tags.
const TYPICAL_TASK_JSON_BYTES: usize = 320;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/{user_id}/tasks", get(list_tasks).post(create_task))
        .route(
            "/api/{user_id}/tasks/{id}",
            get(get_task)
                .put(replace_task)
                .patch(patch_task)
                .delete(delete_task),
        )
        .route("/api/{user_id}/tasks/{id}/complete", patch(toggle_task))
}

/// Lists the user's tasks, filtered, searched, sorted and paged.
#[utoipa::path(get, path = "/api/{user_id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"), ListParams),
    responses(
        (status = 200, description = "One page of tasks", body = [TaskView],
            headers(("x-total-count" = u64, description = "Tasks matching the filters, across all pages"))),
        (status = 400, description = "A bad query parameter", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
    ))]
#[tracing::instrument(name = "list_tasks", skip_all, fields(user = %user))]
pub async fn list_tasks(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response> {
    let query = params.validate(Utc::now()).map_err(ApiError::query)?;
    let page = state.store.get()?.list_tasks(&user, &query).await?;
    let views: Vec<TaskView> = page.tasks.into_iter().map(TaskView::from).collect();
    // Sized for a typical task up front: a page of 50 would otherwise be copied
    // through eight buffer doublings.
    let mut body = Vec::with_capacity(64 + views.len() * TYPICAL_TASK_JSON_BYTES);
    serde_json::to_writer(&mut body, &views)
        .map_err(|e| ApiError::Internal(format!("serialising tasks: {e}")))?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (TOTAL_COUNT, HeaderValue::from(page.total)),
    ];
    Ok((headers, body).into_response())
}

/// Creates a task.
#[utoipa::path(post, path = "/api/{user_id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes the create happen once: a repeat of this request with the same key (a retry after a broken connection) answers with the task the first made, marked `Idempotent-Replayed: true`. 1 to 255 visible ASCII characters, kept a day.")),
    request_body = CreateTaskRequest,
    responses(
        (status = 201, description = "Created (or, for a repeated Idempotency-Key, the task that key made)", body = TaskView),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for a different request, or its task was deleted since", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ))]
#[tracing::instrument(name = "create_task", skip_all, fields(user = %user))]
pub async fn create_task(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    FingerprintedJson(body, fingerprint): FingerprintedJson<CreateTaskRequest>,
) -> Result<(StatusCode, HeaderMap, Json<TaskView>)> {
    let new_task = body.validate()?;
    let store = state.store.get()?;
    let mut headers = HeaderMap::with_capacity(2);
    let task = match key {
        None => store.create_task(&user, new_task).await?,
        Some(key) => {
            let created = store
                .create_task_once(&user, &key, &fingerprint, new_task)
                .await?;
            if created.replayed {
                // The same answer as the first time, marked as a repeat.
                headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
            created.task
        }
    };
    if let Ok(location) = HeaderValue::try_from(format!("/api/{user}/tasks/{}", task.id)) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(task.into())))
}

/// One task.
#[utoipa::path(get, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"), ("id" = i64, Path, description = "The task's number (per user)")),
    responses(
        (status = 200, description = "The task", body = TaskView),
        (status = 400, description = "The id is not a positive integer", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 404, description = "No such task for this user", body = ErrorBody),
    ))]
#[tracing::instrument(name = "get_task", skip_all, fields(user = %user, task = %id.0))]
pub async fn get_task(
    AuthUser(user): AuthUser,
    TaskIdParam(id): TaskIdParam,
    State(state): State<AppState>,
) -> Result<Json<TaskView>> {
    Ok(Json(state.store.get()?.task(&user, id).await?.into()))
}

/// Replaces a task: fields left out take their defaults.
#[utoipa::path(put, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"), ("id" = i64, Path, description = "The task's number (per user)")),
    request_body = ReplaceTaskRequest,
    responses(
        (status = 200, description = "The updated task, and the next occurrence if the change completed a recurring task", body = ChangedTaskView),
        (status = 400, description = "Malformed JSON or id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 404, description = "No such task for this user", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ))]
#[tracing::instrument(name = "replace_task", skip_all, fields(user = %user, task = %id.0))]
pub async fn replace_task(
    AuthUser(user): AuthUser,
    TaskIdParam(id): TaskIdParam,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ReplaceTaskRequest>,
) -> Result<Json<ChangedTaskView>> {
    let patch = body.validate()?;
    Ok(Json(
        state
            .store
            .get()?
            .update_task(&user, id, &patch)
            .await?
            .into(),
    ))
}

/// Changes only the fields present; `null` clears `description`, `due_at` and `tags`.
#[utoipa::path(patch, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"), ("id" = i64, Path, description = "The task's number (per user)")),
    request_body = PatchTaskRequest,
    responses(
        (status = 200, description = "The updated task, and the next occurrence if the change completed a recurring task", body = ChangedTaskView),
        (status = 400, description = "Malformed JSON or id", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 404, description = "No such task for this user", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ))]
#[tracing::instrument(name = "patch_task", skip_all, fields(user = %user, task = %id.0))]
pub async fn patch_task(
    AuthUser(user): AuthUser,
    TaskIdParam(id): TaskIdParam,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PatchTaskRequest>,
) -> Result<Json<ChangedTaskView>> {
    let patch = body.validate()?;
    Ok(Json(
        state
            .store
            .get()?
            .update_task(&user, id, &patch)
            .await?
            .into(),
    ))
}

/// Deletes a task.
#[utoipa::path(delete, path = "/api/{user_id}/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"), ("id" = i64, Path, description = "The task's number (per user)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a positive integer", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 404, description = "No such task for this user", body = ErrorBody),
    ))]
#[tracing::instrument(name = "delete_task", skip_all, fields(user = %user, task = %id.0))]
pub async fn delete_task(
    AuthUser(user): AuthUser,
    TaskIdParam(id): TaskIdParam,
    State(state): State<AppState>,
) -> Result<StatusCode> {
    state.store.get()?.delete_task(&user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Flips a task between pending and completed.
#[utoipa::path(patch, path = "/api/{user_id}/tasks/{id}/complete", tag = "tasks", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"), ("id" = i64, Path, description = "The task's number (per user)")),
    responses(
        (status = 200, description = "The task with `completed` flipped, and the next occurrence if that completed a recurring task", body = ChangedTaskView),
        (status = 400, description = "The id is not a positive integer", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 404, description = "No such task for this user", body = ErrorBody),
    ))]
#[tracing::instrument(name = "toggle_task", skip_all, fields(user = %user, task = %id.0))]
pub async fn toggle_task(
    AuthUser(user): AuthUser,
    TaskIdParam(id): TaskIdParam,
    State(state): State<AppState>,
) -> Result<Json<ChangedTaskView>> {
    Ok(Json(
        state.store.get()?.toggle_task(&user, id).await?.into(),
    ))
}
