//! Liveness and readiness probes.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

const PING_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeStatus {
    /// `ok`, `ready` or `unavailable`.
    pub status: &'static str,
    /// Why the service is not ready, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

/// Liveness: the process answers. Never touches the database, so a database
/// outage does not get the pod restarted.
#[utoipa::path(get, path = "/health", tag = "probes",
    responses((status = 200, description = "Alive", body = ProbeStatus)))]
pub async fn health() -> Json<ProbeStatus> {
    Json(ProbeStatus {
        status: "ok",
        error: None,
    })
}

/// Readiness: the database is connected, migrated and answers.
#[utoipa::path(get, path = "/ready", tag = "probes",
    responses(
        (status = 200, description = "Ready for traffic", body = ProbeStatus),
        (status = 503, description = "Not connected yet, or the database does not answer", body = ProbeStatus),
    ))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<ProbeStatus>) {
    let unavailable = |error| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(ProbeStatus {
                status: "unavailable",
                error: Some(error),
            }),
        )
    };
    let Ok(store) = state.store.get() else {
        return unavailable("the database is not connected or migrated yet");
    };
    // A probe must answer within the kubelet's timeout even when the database hangs.
    match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(ProbeStatus {
                status: "ready",
                error: None,
            }),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            unavailable("the database does not answer")
        }
        Err(_) => {
            tracing::warn!(timeout = ?PING_TIMEOUT, "readiness check timed out");
            unavailable("the database does not answer")
        }
    }
}
