//! Extractors that turn axum's rejections into [`ApiError`]s with messages a
//! client can act on.

use axum::extract::{FromRef, FromRequest, FromRequestParts, Query, RawPathParams, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use todo_core::TaskId;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body. Requires `Content-Type: application/json` (415 otherwise),
/// rejects syntax errors with 400 and shape errors (missing or unknown fields,
/// wrong types) with 422, and bodies over the configured limit with 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Like [`ApiJson`], with the fingerprint of the body as it came
/// ([`todo_core::request_fingerprint`]), for creates that honour an
/// `Idempotency-Key`.
pub struct FingerprintedJson<T>(pub T, pub String);

impl<S, T> FromRequest<S> for FingerprintedJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_body(req, state).await?;
        let fingerprint = todo_core::request_fingerprint(&bytes);
        parse_json(&bytes).map(|value| FingerprintedJson(value, fingerprint))
    }
}

/// The body of a JSON request: 415 when it is not JSON, 413 when too large.
async fn json_body<S>(req: Request, state: &S) -> Result<Bytes, ApiError>
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    if !has_json_content_type(req.headers()) {
        return Err(ApiError::UnsupportedMediaType(
            "Content-Type must be application/json".to_string(),
        ));
    }
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge {
                limit: AppState::from_ref(state).config.body_limit,
            }
        } else {
            ApiError::BadRequest(format!(
                "could not read the request body: {}",
                rejection.body_text()
            ))
        }
    })
}

/// The optional `Idempotency-Key` header, validated (400 when malformed).
pub struct IdempotencyKeyHeader(pub Option<todo_core::IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKeyHeader(None));
        };
        let key = value
            .to_str()
            .map_err(|_| ())
            .and_then(|raw| todo_core::IdempotencyKey::parse(raw).map_err(|_| ()))
            .map_err(|()| {
                ApiError::BadRequest(
                    "header Idempotency-Key: must be 1 to 255 visible ASCII characters (no spaces), e.g. a random UUID"
                        .into(),
                )
            })?;
        Ok(IdempotencyKeyHeader(Some(key)))
    }
}

/// Parses a JSON document, classifying the failure like [`ApiJson`] does.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de);
    if value.is_ok() {
        de.end()
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    }
    value.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ApiError::BadRequest(format!("malformed JSON: {inner}"))
            }
            serde_json::error::Category::Data => {
                if path == "." || path.is_empty() {
                    ApiError::Unprocessable(format!("invalid body: {inner}"))
                } else {
                    ApiError::Unprocessable(format!("{path}: {inner}"))
                }
            }
            serde_json::error::Category::Io => {
                ApiError::BadRequest(format!("could not read the request body: {inner}"))
            }
        }
    })
}

fn has_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

/// A query string deserialized into `T`; unknown or repeated parameters are 400.
#[derive(Debug, Clone, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                Err(ApiError::BadRequest(format!(
                    "invalid query string: {detail}"
                )))
            }
        }
    }
}

/// The `{id}` segment of a task path, parsed as a positive integer (400 otherwise).
#[derive(Debug, Clone, Copy)]
pub struct TaskIdParam(pub TaskId);

impl<S: Send + Sync> FromRequestParts<S> for TaskIdParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = path_param(parts, state, "id").await?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(TaskIdParam(TaskId(id))),
            _ => Err(ApiError::BadRequest(format!(
                "task id {raw:?} is not valid; use the positive integer `id` of a task"
            ))),
        }
    }
}

/// One named path parameter as text. A route without it is a programming error,
/// reported as 500 (and logged) rather than a panic.
pub(crate) async fn path_param<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
) -> Result<String, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| {
            ApiError::BadRequest(format!("invalid path: {}", rejection.body_text()))
        })?;
    params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .ok_or_else(|| ApiError::Internal(format!("route has no {{{name}}} path parameter")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, StatusCode};

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        tags: Option<Vec<String>>,
    }

    #[test]
    fn json_errors_are_classified() {
        assert_eq!(
            parse_json::<Body>(b"{").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse_json::<Body>(b"").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse_json::<Body>(br#"{"title":"a"} x"#)
                .unwrap_err()
                .status(),
            StatusCode::BAD_REQUEST
        );
        let missing = parse_json::<Body>(b"{}").unwrap_err();
        assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.to_string().contains("title"), "{missing}");
        let unknown = parse_json::<Body>(br#"{"title":"a","titel":"b"}"#).unwrap_err();
        assert!(unknown.to_string().contains("titel"), "{unknown}");
        let nested = parse_json::<Body>(br#"{"title":"a","tags":["x",5]}"#).unwrap_err();
        assert!(nested.to_string().starts_with("tags[1]"), "{nested}");
        assert!(parse_json::<Body>(br#"{"title":"a"}"#).is_ok());
    }

    #[test]
    fn content_type_must_be_json() {
        let mut h = HeaderMap::new();
        assert!(!has_json_content_type(&h));
        for (value, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("json", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(has_json_content_type(&h), ok, "{value}");
        }
    }
}
