//! Authentication for handlers: [`AuthUser`] for `/api/{user_id}/...` routes,
//! [`BearerUser`] and [`require_bearer`] for routes without a user in the path
//! (such as `/mcp`).

use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use todo_core::{Store, UserId};

use super::token::{TokenKeys, Verified};

use crate::error::ApiError;
use crate::extract::path_param;
use crate::state::AppState;

/// The user a valid bearer token was issued for, checked against the
/// `{user_id}` path segment: 401 without a valid token, 403 when the token
/// belongs to someone else, 400 when the segment is not a user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser(pub UserId);

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let BearerUser(user) = BearerUser::from_request_parts(parts, state).await?;
        let raw = path_param(parts, state, "user_id").await?;
        // Compare the parsed form so that an upper-case UUID still names its owner.
        let path_user =
            UserId::parse(&raw).map_err(|e| ApiError::BadRequest(format!("path: {e}")))?;
        if path_user != user {
            return Err(ApiError::Forbidden(
                "this token does not give access to that user's data",
            ));
        }
        Ok(AuthUser(user))
    }
}

/// The user of a valid bearer token, with no path check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerUser(pub UserId);

impl<S> FromRequestParts<S> for BearerUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let state = AppState::from_ref(state);
        let verified = authenticate(&state.tokens, state.store.get()?.as_ref(), token).await?;
        Ok(BearerUser(verified.user))
    }
}

/// A verified token that was not revoked at log-out: what every authenticated
/// request needs. The CLI's `todo mcp --token` uses it too.
pub async fn authenticate(
    tokens: &TokenKeys,
    store: &dyn Store,
    token: &str,
) -> Result<Verified, ApiError> {
    let verified = tokens.verify(token)?;
    if let Some(id) = &verified.token_id
        && store.token_revoked(id).await?
    {
        return Err(ApiError::Unauthorized(
            "this token was revoked at log-out; log in again",
        ));
    }
    Ok(verified)
}

/// Middleware for whole routers: validates the bearer token and puts the
/// [`UserId`] into the request extensions for the handlers below it.
pub async fn require_bearer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    let BearerUser(user) = BearerUser::from_request_parts(&mut parts, &state).await?;
    parts.extensions.insert(user);
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let header = headers.get(AUTHORIZATION).ok_or(ApiError::Unauthorized(
        "missing token: send `Authorization: Bearer <token>` from /api/auth/login",
    ))?;
    let value = header.to_str().map_err(|_| {
        ApiError::Unauthorized("malformed Authorization header; expected `Bearer <token>`")
    })?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthorized(
        "malformed Authorization header; expected `Bearer <token>`",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "malformed Authorization header; expected `Bearer <token>`",
        ));
    }
    Ok(token.trim())
}
