//! Per-request observation: a request id (taken from `x-request-id` when the
//! caller sent a sane one, generated otherwise, echoed in the response), a
//! tracing span carrying it, one log line per request and the metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::metrics::{Metrics, UNMATCHED_ROUTE};
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Makes request ids: a random per-process prefix and a counter, unique
/// without a random draw per request.
#[derive(Debug)]
pub struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl Default for RequestIds {
    fn default() -> Self {
        Self {
            prefix: getrandom::u32().unwrap_or(0),
            next: AtomicU64::new(1),
        }
    }
}

impl RequestIds {
    fn make(&self) -> HeaderValue {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::try_from(format!("{:08x}-{n}", self.prefix))
            .unwrap_or(HeaderValue::from_static("unknown"))
    }
}

/// Decrements the in-flight gauge even when the client goes away mid-request
/// and the future is dropped.
struct InFlight<'a>(&'a Metrics);

impl<'a> InFlight<'a> {
    fn start(metrics: &'a Metrics) -> Self {
        metrics.request_started();
        Self(metrics)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let _in_flight = InFlight::start(&state.metrics);
    let request_id = match request.headers().get(&REQUEST_ID) {
        Some(v) if is_sane_request_id(v) => v.clone(),
        _ => {
            let id = state.request_ids.make();
            request.headers_mut().insert(REQUEST_ID, id.clone());
            id
        }
    };
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or(UNMATCHED_ROUTE, |m| m.as_str());
    let method = request.method().clone();
    // The route template, not the raw path, so log lines group by endpoint.
    let span = tracing::info_span!(
        "request",
        method = %method,
        route,
        request_id = request_id.to_str().unwrap_or("-"),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    state
        .metrics
        .record(route, &method, response.status(), elapsed);
    let status = response.status().as_u16();
    span.in_scope(|| {
        if status == 503 {
            // Expected while the database is (re)connecting; not a server fault.
            tracing::warn!(
                status,
                latency_us = elapsed.as_micros() as u64,
                "request refused: not ready"
            );
        } else if status >= 500 {
            tracing::error!(
                status,
                latency_us = elapsed.as_micros() as u64,
                "request failed"
            );
        } else {
            tracing::info!(status, latency_us = elapsed.as_micros() as u64, "request");
        }
    });
    response.headers_mut().insert(REQUEST_ID, request_id);
    response
}

/// Up to 64 characters of letters, digits, `-`, `_` and `.`: anything else
/// could inject text into logs.
fn is_sane_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_checked() {
        let ids = RequestIds::default();
        assert_ne!(ids.make(), ids.make());
        assert!(is_sane_request_id(&HeaderValue::from_static("abc-123_x.y")));
        assert!(!is_sane_request_id(&HeaderValue::from_static("a b")));
        assert!(!is_sane_request_id(&HeaderValue::from_static("")));
        assert!(!is_sane_request_id(
            &HeaderValue::from_str(&"a".repeat(65)).unwrap()
        ));
    }
}
