use axum::response::{IntoResponse, Response};
use http::StatusCode;
use thiserror::Error;

use crate::backend::BackendError;

/// What can go wrong in the frontend. Rendering to a page happens in
/// [`crate::pages::error_pages`], which knows whether the browser asked for a
/// whole page or an htmx fragment.
#[derive(Debug, Error)]
pub enum WebError {
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("{0}")]
    Internal(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = WebError> = std::result::Result<T, E>;

/// A problem to show a person, attached to an error response so the error-page
/// layer can render it in the right shape.
#[derive(Debug, Clone)]
pub struct Problem {
    pub title: &'static str,
    pub message: String,
    /// Whether the page should retry by itself (the backend is away).
    pub retry: bool,
}

impl Problem {
    pub fn response(
        status: StatusCode,
        title: &'static str,
        message: impl Into<String>,
        retry: bool,
    ) -> Response {
        let mut response = status.into_response();
        response.extensions_mut().insert(Problem {
            title,
            message: message.into(),
            retry,
        });
        if retry {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Backend(BackendError::Unavailable(why)) => {
                tracing::warn!(%why, "backend unavailable");
                Problem::response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "We'll be right back",
                    "The task service is not answering right now. This page will try again by itself in a few seconds.",
                    true,
                )
            }
            WebError::Backend(BackendError::Unauthorized) => {
                // The token expired or was revoked; handlers normally catch this and
                // send the person to log in, this is the fallback.
                Problem::response(
                    StatusCode::UNAUTHORIZED,
                    "Please log in again",
                    "Your session has ended.",
                    false,
                )
            }
            WebError::Backend(BackendError::NotFound(what)) => Problem::response(
                StatusCode::NOT_FOUND,
                "Not found",
                format!("That {what} does not exist (any more)."),
                false,
            ),
            WebError::Backend(BackendError::Rejected { status, message }) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                Problem::response(status, "That did not work", message, false)
            }
            other => {
                // The details go to the log only: a page never shows internals.
                tracing::error!(error = %other, "request failed");
                Problem::response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Sorry, that failed on our side. Please try again.",
                    false,
                )
            }
        }
    }
}
