//! Sign-up, log-in and log-out.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use http::StatusCode;
use serde::Deserialize;
use tracing::instrument;

use super::html;
use crate::backend::BackendError;
use crate::forms::{LoginForm, SignupForm};
use crate::layers::{CurrentSession, SessionChange, redirect_to};
use crate::session::{Account, Session};
use crate::views::{LoginPage, SignupPage};
use crate::{AppState, Result, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    signed_out: Option<String>,
}

/// `GET /`: the task page for a signed-in user, else the log-in page (200, so
/// probes without a cookie get a real page).
pub async fn home(state: State<AppState>, current: Extension<CurrentSession>) -> Result<Response> {
    if current.session.account.is_some() {
        return Ok(redirect_to(false, "/tasks"));
    }
    login_page(state, current, Query(LoginQuery::default())).await
}

pub async fn login_page(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    Query(query): Query<LoginQuery>,
) -> Result<Response> {
    if current.session.account.is_some() {
        return Ok(redirect_to(false, "/tasks"));
    }
    let notice = if query.expired.is_some() {
        Some("Your session ended. Please log in again.".to_string())
    } else if query.signed_out.is_some() {
        Some("You have logged out.".to_string())
    } else {
        None
    };
    let page = LoginPage {
        chrome: state.chrome(&current.session),
        email: String::new(),
        error: None,
        notice,
    };
    html(StatusCode::OK, &page)
}

#[instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let refuse = |status: StatusCode, message: String| {
        let page = LoginPage {
            chrome: state.chrome(&current.session),
            email: form.email.trim().to_string(),
            error: Some(message),
            notice: None,
        };
        html(status, &page)
    };
    let (email, password) = match form.parse() {
        Ok(parsed) => parsed,
        Err(message) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    match state.backend().login(email.as_str(), password).await {
        Ok((user_id, token)) => {
            let account = Account {
                user_id,
                token,
                label: email.as_str().to_string(),
            };
            start_session(account)
        }
        Err(BackendError::Unauthorized | BackendError::NotFound(_)) => {
            refuse(StatusCode::UNAUTHORIZED, "Wrong e-mail or password.".into())
        }
        Err(BackendError::Rejected { status, message }) => refuse(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message,
        ),
        Err(other) => Err(WebError::Backend(other)),
    }
}

pub async fn signup_page(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response> {
    if current.session.account.is_some() {
        return Ok(redirect_to(false, "/tasks"));
    }
    let page = SignupPage {
        chrome: state.chrome(&current.session),
        name: String::new(),
        email: String::new(),
        error: None,
        notice: None,
    };
    html(StatusCode::OK, &page)
}

#[instrument(skip_all)]
pub async fn signup(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    Form(form): Form<SignupForm>,
) -> Result<Response> {
    let refuse = |status: StatusCode, message: String| {
        let page = SignupPage {
            chrome: state.chrome(&current.session),
            name: form.name.trim().to_string(),
            email: form.email.trim().to_string(),
            error: Some(message),
            notice: None,
        };
        html(status, &page)
    };
    let signup = match form.parse() {
        Ok(signup) => signup,
        Err(message) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let result = state
        .backend()
        .signup(
            signup.email.as_str(),
            signup.password.expose(),
            signup.name.as_str(),
        )
        .await;
    match result {
        Ok((user_id, token)) => {
            let account = Account {
                user_id,
                token,
                label: signup.name.as_str().to_string(),
            };
            start_session(account)
        }
        Err(BackendError::Rejected { status: 409, .. }) => refuse(
            StatusCode::CONFLICT,
            "An account with this e-mail already exists. Log in instead, or use another address."
                .into(),
        ),
        Err(BackendError::Rejected { status, message }) => refuse(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message,
        ),
        Err(other) => Err(WebError::Backend(other)),
    }
}

fn start_session(account: Account) -> Result<Response> {
    let mut response = redirect_to(false, "/tasks");
    response
        .extensions_mut()
        .insert(SessionChange::Replace(Session::signed_in(account)?));
    Ok(response)
}

/// `POST /logout`: revokes the session's token at the backend (so a copied cookie
/// stops working on every web replica), forgets the session here and deletes the
/// cookie. Log-out always succeeds for the person: when the backend cannot be
/// reached, this process still refuses the session, and the token expires.
#[instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
) -> Response {
    if let Some(account) = &current.session.account
        && let Err(why) = state.backend().logout(account).await
    {
        tracing::warn!(%why, "the backend did not revoke the token at log-out");
    }
    state.revoked().revoke(&current.session);
    let mut response = redirect_to(current.htmx, "/login?signed_out=1");
    response.extensions_mut().insert(SessionChange::End);
    response
}
