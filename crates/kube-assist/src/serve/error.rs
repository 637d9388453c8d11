//! Errors of the HTTP API, each a clear 4xx (or 5xx when the cluster fails) with
//! a JSON body `{"error": "...", "status": N}` saying what was wrong and what to do.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use thiserror::Error;

use crate::error::AssistError;

/// What an API call can fail with.
#[derive(Debug, Error)]
pub enum ServeError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The plan was already decided (approved, rejected, running, done).
    #[error("{0}")]
    Conflict(String),
    /// The plan expired before anyone approved it.
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Assist(#[from] AssistError),
}

/// The Result alias of the server.
pub type ServeResult<T> = std::result::Result<T, ServeError>;

impl ServeError {
    pub fn status(&self) -> StatusCode {
        match self {
            ServeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServeError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServeError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServeError::NotFound(_) => StatusCode::NOT_FOUND,
            ServeError::Conflict(_) => StatusCode::CONFLICT,
            ServeError::Gone(_) => StatusCode::GONE,
            ServeError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServeError::Assist(e) => match e {
                AssistError::NotFound(_) => StatusCode::NOT_FOUND,
                AssistError::Ambiguous { .. } | AssistError::Invalid(_) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                AssistError::Refused(_) => StatusCode::FORBIDDEN,
                AssistError::Api { code, .. } if (400..500).contains(code) => {
                    StatusCode::from_u16(*code).unwrap_or(StatusCode::BAD_GATEWAY)
                }
                AssistError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            },
        }
    }
}

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (
            status,
            Json(serde_json::json!({"error": self.to_string(), "status": status.as_u16()})),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"kubectl-assist\""),
            );
        }
        resp
    }
}
