//! The one HTTP error type. Every failure a handler or extractor can hit ends up
//! here, and every variant becomes a JSON `{"error": "..."}` answer. Internal
//! details (database messages, panics) are logged, never sent to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use thiserror::Error;
use todo_core::{StoreError, ValidationError};

/// Result alias of handlers and extractors.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// An error answer of the API. The `Display` text is what the client reads,
/// except for [`ApiError::Internal`], whose detail only goes to the log.
#[derive(Debug, Error)]
pub enum ApiError {
    /// Malformed request: bad JSON syntax, bad path id, bad query parameter.
    #[error("{0}")]
    BadRequest(String),
    /// A well-formed body that breaks a rule (empty title, unknown priority, ...).
    #[error("{0}")]
    Unprocessable(String),
    /// No usable credentials. Sent with `WWW-Authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Valid credentials that do not grant access to this path.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {limit} bytes; send a smaller body")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The database is not connected (yet) or not reachable.
    #[error("{0}")]
    Unavailable(&'static str),
    /// A bug or an infrastructure failure. The detail is logged, the client gets a
    /// generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A validation failure of a query parameter: 400, naming the parameter.
    pub fn query(err: ValidationError) -> Self {
        ApiError::BadRequest(format!("query parameter {}: {}", err.field, err.message))
    }

    pub fn task_not_found() -> Self {
        ApiError::NotFound("task not found".to_string())
    }
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        ApiError::Unprocessable(err.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::Invalid(v) => v.into(),
            StoreError::Backend(detail) => ApiError::Internal(format!("store: {detail}")),
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                ApiError::Unavailable(
                    "the database is unreachable right now; nothing was changed, try again in a few seconds",
                )
            }
        }
    }
}

/// The body of every error answer, declared in todo-core for the web frontend too.
pub use todo_core::api::ErrorBody;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                "internal error; the server logged the details".to_string()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(ErrorBody { error: message })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_errors_do_not_reach_the_client() {
        let err: ApiError = StoreError::Backend("relation \"users\" does not exist".into()).into();
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn validation_names_the_field() {
        let err: ApiError = ValidationError::new("title", "must not be empty").into();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.to_string(), "title: must not be empty");
        let q = ApiError::query(ValidationError::new("limit", "must be between 1 and 500"));
        assert_eq!(q.status(), StatusCode::BAD_REQUEST);
        assert!(q.to_string().contains("limit"));
    }
}
