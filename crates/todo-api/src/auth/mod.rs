//! Sign-up and log-in, and the pieces other modules use to authenticate:
//! tokens, password hashing and the [`AuthUser`] extractor.

mod extract;
pub mod password;
pub mod token;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde::Deserialize;
use todo_core::{Email, NewUser, Password, PersonName, StoreError};
use utoipa::ToSchema;

pub use extract::{AuthUser, BearerUser, authenticate, bearer_token, require_bearer};

use crate::error::{ApiError, ErrorBody, Result};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/signup", post(signup))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// An address like `name@example.com` (compared without case).
    #[schema(
        example = "ann@example.com",
        max_length = 254,
        pattern = r"^\S*[^@\s]@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]\S*$"
    )]
    pub email: String,
    /// 8 to 128 characters.
    #[schema(example = "correct horse battery", min_length = 8, max_length = 128)]
    pub password: String,
    /// Display name, 1 to 100 characters.
    #[schema(example = "Ann", min_length = 1, max_length = 100)]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(
        example = "ann@example.com",
        max_length = 254,
        pattern = r"^\S*[^@\s]@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]\S*$"
    )]
    pub email: String,
    #[schema(example = "correct horse battery")]
    pub password: String,
}

pub use todo_core::api::TokenResponse;

/// Creates an account and logs it in.
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, description = "Account created", body = TokenResponse),
        (status = 409, description = "The e-mail is taken", body = ErrorBody),
        (status = 422, description = "Invalid e-mail, password or name", body = ErrorBody),
    ))]
#[tracing::instrument(name = "signup", skip_all)]
pub async fn signup(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignupRequest>,
) -> Result<(StatusCode, axum::Json<TokenResponse>)> {
    let email = Email::parse(&body.email)?;
    let password = Password::parse(&body.password)?;
    let name = PersonName::parse(&body.name)?;
    let store = state.store.get()?;
    let password_hash = state.passwords.hash(password.expose()).await?;
    let user = store
        .create_user(NewUser {
            email,
            name,
            password_hash,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict(
                "an account with this e-mail already exists; log in instead".into(),
            ),
            other => other.into(),
        })?;
    tracing::info!(user_id = %user.id, "user signed up");
    let token = state.tokens.issue(&user.id)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TokenResponse {
            token,
            user_id: user.id,
        }),
    ))
}

/// Logs in. A wrong password and an unknown e-mail get the same answer after
/// the same amount of work.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password", body = ErrorBody),
        (status = 422, description = "Malformed e-mail", body = ErrorBody),
    ))]
#[tracing::instrument(name = "login", skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<axum::Json<TokenResponse>> {
    const REFUSED: ApiError = ApiError::Unauthorized("wrong e-mail or password");
    let email = Email::parse(&body.email)?;
    let store = state.store.get()?;
    let record = store.user_by_email(&email).await?;
    let stored_hash = record.as_ref().map(|r| r.password_hash.as_str());
    if !state.passwords.verify(&body.password, stored_hash).await? {
        return Err(REFUSED);
    }
    let Some(record) = record else {
        return Err(REFUSED);
    };
    let token = state.tokens.issue(&record.user.id)?;
    Ok(axum::Json(TokenResponse {
        token,
        user_id: record.user.id,
    }))
}

/// Logs out: the token this request carries stops working, on every replica,
/// until it would have expired anyway. Other tokens of the same user (other
/// devices) keep working.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "The token no longer works"),
        (status = 401, description = "Missing, invalid or already revoked token", body = ErrorBody),
        (status = 409, description = "A token from before revocation existed: it cannot be revoked", body = ErrorBody),
    ))]
#[tracing::instrument(name = "logout", skip_all)]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<StatusCode> {
    let token = bearer_token(&headers)?;
    let store = state.store.get()?;
    let verified = authenticate(&state.tokens, store.as_ref(), token).await?;
    let Some(token_id) = verified.token_id else {
        return Err(ApiError::Conflict(format!(
            "this token has no id, so it cannot be revoked; it stops working at {}, or log in again for a revocable one",
            verified.expires_at.to_rfc3339()
        )));
    };
    store
        .revoke_token(&verified.user, &token_id, verified.expires_at)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
