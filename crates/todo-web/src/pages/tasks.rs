//! The main page: the task list with its forms, beside the chat panel.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use http::StatusCode;
use tracing::instrument;

use super::{html, require_account, with_tasks_changed};
use todo_core::api::{ConversationView, MessageView as StoredMessage};
use todo_core::{ConversationId, TaskId};

use crate::backend::{BackendError, TaskFilter};
use crate::error::Problem;
use crate::forms::{BackForm, ListQuery, TaskForm, parse_conversation, safe_back};
use crate::layers::{CurrentSession, redirect_to};
use crate::session::Account;
use crate::views::{
    AddFormFragment, AppPage, ChatView, EditFragment, EditPage, ListState, TaskFormView,
    TaskListFragment, TaskListView,
};
use crate::{AppState, Result};

/// The `{id}` of a task path: a positive whole number, else a 400 page that says so.
pub struct TaskIdPath(pub TaskId);

impl<S: Send + Sync> FromRequestParts<S> for TaskIdPath {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        state: &S,
    ) -> std::result::Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| bad_query("The task address is incomplete.".into()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| Self(TaskId(id)))
            .ok_or_else(|| {
                bad_query(format!(
                    "{raw:?} is not a task number; task addresses look like /tasks/12."
                ))
            })
    }
}

fn bad_query(message: String) -> Response {
    Problem::response(
        StatusCode::BAD_REQUEST,
        "That address is not right",
        message,
        false,
    )
}

async fn load_list(
    state: &AppState,
    account: &Account,
    list: &ListState,
    current: &CurrentSession,
) -> Result<TaskListView> {
    let filter = TaskFilter {
        status: list.status,
        search: list.search.clone(),
        limit: ListState::PAGE_SIZE,
        offset: (list.page.max(1) - 1).saturating_mul(ListState::PAGE_SIZE),
    };
    let page = state.backend().list_tasks(account, &filter).await?;
    Ok(TaskListView::new(
        list,
        page.tasks,
        page.total,
        current.clock,
    ))
}

/// Conversation history degrades to "none yet" while the backend has no chat
/// endpoints (404), so the task page works with any backend version.
fn missing_as_empty<T: Default>(
    result: std::result::Result<T, BackendError>,
) -> std::result::Result<T, BackendError> {
    match result {
        Err(BackendError::NotFound(_)) => Ok(T::default()),
        other => other,
    }
}

/// Renders the whole main page; `add` carries a failed add form back to the person.
async fn app_page(
    state: &AppState,
    current: &CurrentSession,
    account: &Account,
    list: &ListState,
    conversation: Option<&str>,
    add: TaskFormView,
    status: StatusCode,
) -> Result<Response> {
    // `c=new` asks for a fresh conversation; no `c` continues the latest one.
    let requested = match conversation {
        Some(raw) => match parse_conversation(raw) {
            Ok(id) => Some(id),
            Err(message) => return Ok(bad_query(message)),
        },
        None => None,
    };
    let backend = state.backend();
    let (tasks, conversations, requested_messages) = tokio::join!(
        load_list(state, account, list, current),
        async { missing_as_empty(backend.conversations(account).await) },
        async {
            match requested {
                Some(Some(id)) => {
                    missing_as_empty(backend.messages(account, id).await.map(|m| (Some(id), m)))
                }
                _ => Ok((None, Vec::new())),
            }
        },
    );
    let tasks = tasks?;
    let conversations: Vec<ConversationView> = conversations?;
    let (mut conversation_id, mut messages): (Option<ConversationId>, Vec<StoredMessage>) =
        requested_messages?;
    if requested.is_none()
        && let Some(latest) = conversations.first()
    {
        messages = missing_as_empty(backend.messages(account, latest.id).await)?;
        conversation_id = Some(latest.id);
    }
    let page = AppPage {
        chrome: state.chrome(&current.session),
        csrf: current.session.csrf.clone(),
        list: tasks,
        add,
        chat: ChatView::new(conversation_id, &conversations, &messages, current.clock),
    };
    html(status, &page)
}

/// `GET /tasks`: the main page.
#[instrument(skip_all, fields(user))]
pub async fn tasks_page(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    tracing::Span::current().record("user", tracing::field::display(&account.user_id));
    let list = match query.list_state() {
        Ok(list) => list,
        Err(message) => return Ok(bad_query(message)),
    };
    let add = TaskFormView::blank(list.href());
    app_page(
        &state,
        &current,
        account,
        &list,
        query.c.as_deref(),
        add,
        StatusCode::OK,
    )
    .await
}

/// `GET /tasks/list`: the list alone, for htmx. Without htmx it redirects to the page.
#[instrument(skip_all)]
pub async fn task_list(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    let list = match query.list_state() {
        Ok(list) => list,
        Err(message) => return Ok(bad_query(message)),
    };
    if !current.htmx {
        return Ok(redirect_to(false, &list.href()));
    }
    let fragment = TaskListFragment {
        csrf: current.session.csrf.clone(),
        list: load_list(&state, account, &list, &current).await?,
    };
    html(StatusCode::OK, &fragment)
}

/// `POST /tasks`: adds a task.
#[instrument(skip_all)]
pub async fn create_task(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    Form(form): Form<TaskForm>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    let back = form.back();
    let outcome = match form.parse(current.clock) {
        Ok(fields) => match state.backend().create_task(account, &fields).await {
            Ok(_) => Ok(()),
            Err(BackendError::Rejected { message, .. }) => Err(message),
            Err(other) => return Err(other.into()),
        },
        Err(message) => Err(message),
    };
    match outcome {
        Ok(()) if current.htmx => {
            let fragment = AddFormFragment {
                csrf: current.session.csrf.clone(),
                add: TaskFormView::blank(back),
            };
            Ok(with_tasks_changed(html(StatusCode::CREATED, &fragment)?))
        }
        Ok(()) => Ok(redirect_to(false, &back)),
        Err(message) => {
            let add = refilled_form(&form, back.clone(), message);
            if current.htmx {
                let fragment = AddFormFragment {
                    csrf: current.session.csrf.clone(),
                    add,
                };
                return html(StatusCode::UNPROCESSABLE_ENTITY, &fragment);
            }
            let list = ListQuery::from_back(&back).list_state().unwrap_or_default();
            app_page(
                &state,
                &current,
                account,
                &list,
                None,
                add,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The form as the person filled it, with what to fix.
fn refilled_form(form: &TaskForm, back: String, error: String) -> TaskFormView {
    let priority = todo_core::Priority::parse(&form.priority).unwrap_or_default();
    TaskFormView {
        id: TaskId(0),
        title: form.title.clone(),
        description: form.description.clone(),
        priorities: crate::views::priority_choices(priority),
        tags: form.tags.clone(),
        due: form.due.clone(),
        repeats: crate::repeat::options(&form.repeat),
        error: Some(error),
        expanded: true,
        back,
    }
}

/// `GET /tasks/{id}/edit`: the edit form, in place of the row (htmx) or as a page.
#[instrument(skip_all, fields(task = %id))]
pub async fn edit_task(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    TaskIdPath(id): TaskIdPath,
    Query(back): Query<BackForm>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    let task = state.backend().task(account, id).await?;
    let edit = TaskFormView::from_task(&task, current.clock, safe_back(&back.back));
    let csrf = current.session.csrf.clone();
    if current.htmx {
        html(StatusCode::OK, &EditFragment { csrf, edit })
    } else {
        html(
            StatusCode::OK,
            &EditPage {
                chrome: state.chrome(&current.session),
                csrf,
                edit,
            },
        )
    }
}

/// `POST /tasks/{id}`: saves the edit form.
#[instrument(skip_all, fields(task = %id))]
pub async fn update_task(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    TaskIdPath(id): TaskIdPath,
    Form(form): Form<TaskForm>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    let back = form.back();
    let error = match form.parse(current.clock) {
        Ok(fields) => match state.backend().update_task(account, id, &fields).await {
            Ok(_) if current.htmx => {
                return Ok(with_tasks_changed(StatusCode::NO_CONTENT.into_response()));
            }
            Ok(_) => return Ok(redirect_to(false, &back)),
            Err(BackendError::Rejected { message, .. }) => message,
            Err(other) => return Err(other.into()),
        },
        Err(message) => message,
    };
    let mut edit = refilled_form(&form, back, error);
    edit.id = id;
    let csrf = current.session.csrf.clone();
    if current.htmx {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EditFragment { csrf, edit },
        )
    } else {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EditPage {
                chrome: state.chrome(&current.session),
                csrf,
                edit,
            },
        )
    }
}

/// `POST /tasks/{id}/toggle`: marks done or not done.
#[instrument(skip_all, fields(task = %id))]
pub async fn toggle_task(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    TaskIdPath(id): TaskIdPath,
    Form(form): Form<BackForm>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    state.backend().toggle_task(account, id).await?;
    Ok(after_change(&current, &form))
}

/// `POST /tasks/{id}/delete`.
#[instrument(skip_all, fields(task = %id))]
pub async fn delete_task(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    TaskIdPath(id): TaskIdPath,
    Form(form): Form<BackForm>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    state.backend().delete_task(account, id).await?;
    Ok(after_change(&current, &form))
}

fn after_change(current: &CurrentSession, form: &BackForm) -> Response {
    if current.htmx {
        with_tasks_changed(StatusCode::NO_CONTENT.into_response())
    } else {
        redirect_to(false, &safe_back(&form.back))
    }
}

impl ListQuery {
    /// The list state encoded in a `back` path such as `/tasks?status=pending`.
    fn from_back(back: &str) -> Self {
        let query = back.split_once('?').map(|(_, q)| q).unwrap_or("");
        serde_urlencoded::from_str(query).unwrap_or_default()
    }
}
