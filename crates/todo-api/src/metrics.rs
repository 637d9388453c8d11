//! Prometheus metrics, hand-rolled with atomics: request counts and latency
//! histograms by route template (`/api/{user_id}/tasks`, never the raw path,
//! so user ids do not become label values), method and status.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Label of requests that matched no route: one series for all of them.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Counters of one (route, method, status) series.
#[derive(Debug)]
struct Series {
    method: Method,
    status: u16,
    /// Cumulative counts per bucket are computed when rendering; here each
    /// request increments exactly one slot (the last one is +Inf).
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Series {
    fn new(method: Method, status: u16) -> Self {
        Self {
            method,
            status,
            buckets: Default::default(),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }
}

/// The registry. Recording takes a shared read lock and a few relaxed atomic
/// adds; the write lock is only taken the first time a series is seen.
#[derive(Debug)]
pub struct Metrics {
    routes: RwLock<HashMap<Box<str>, Vec<Series>>>,
    in_flight: AtomicU64,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self {
            routes: RwLock::new(HashMap::new()),
            in_flight: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Counts one finished request.
    pub fn record(&self, route: &str, method: &Method, status: StatusCode, elapsed: Duration) {
        let method = known_method(method);
        let status = status.as_u16();
        {
            let routes = self.routes.read().unwrap_or_else(|p| p.into_inner());
            if let Some(series) = routes
                .get(route)
                .and_then(|s| s.iter().find(|s| s.status == status && s.method == method))
            {
                series.observe(elapsed);
                return;
            }
        }
        let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
        let list = routes.entry(route.into()).or_default();
        let index = match list
            .iter()
            .position(|s| s.status == status && s.method == method)
        {
            Some(i) => i,
            None => {
                list.push(Series::new(method, status));
                list.len() - 1
            }
        };
        list[index].observe(elapsed);
    }

    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn request_finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let routes = self.routes.read().unwrap_or_else(|p| p.into_inner());
        let mut keys: Vec<&Box<str>> = routes.keys().collect();
        keys.sort();
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP http_requests_total HTTP requests answered, by route template, method and status.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for route in &keys {
            for s in &routes[*route] {
                let total: u64 = s.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum();
                let _ = writeln!(out, "http_requests_total{{{}}} {total}", labels(route, s));
            }
        }
        out.push_str("# HELP http_request_duration_seconds Time from request to response head, by route template, method and status.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for route in &keys {
            for s in &routes[*route] {
                let labels = labels(route, s);
                let mut cumulative = 0u64;
                for (i, le) in BUCKETS.iter().enumerate() {
                    cumulative += s.buckets[i].load(Ordering::Relaxed);
                    let _ = writeln!(
                        out,
                        "http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                    );
                }
                cumulative += s.buckets[BUCKETS.len()].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {cumulative}"
                );
                let sum = s.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
                let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {sum}");
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_count{{{labels}}} {cumulative}"
                );
            }
        }
        out.push_str("# HELP http_requests_in_flight Requests being handled now.\n# TYPE http_requests_in_flight gauge\n");
        let _ = writeln!(
            out,
            "http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str("# HELP process_uptime_seconds Seconds since the API started.\n# TYPE process_uptime_seconds gauge\n");
        let _ = writeln!(
            out,
            "process_uptime_seconds {}",
            self.started.elapsed().as_secs_f64()
        );
        out
    }
}

/// Methods outside the standard set are folded into one label value, so a
/// client cannot grow the series set without bound.
fn known_method(method: &Method) -> Method {
    match *method {
        Method::GET
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE
        | Method::HEAD
        | Method::OPTIONS => method.clone(),
        _ => Method::from_bytes(b"OTHER").unwrap_or(Method::GET),
    }
}

fn labels(route: &str, series: &Series) -> String {
    format!(
        "method=\"{}\",route=\"{}\",status=\"{}\"",
        series.method,
        escape(route),
        series.status
    )
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Prometheus text format metrics of the API.
#[utoipa::path(get, path = "/metrics", tag = "probes",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::new();
        let route = "/api/{user_id}/tasks";
        m.record(
            route,
            &Method::GET,
            StatusCode::OK,
            Duration::from_micros(300),
        );
        m.record(
            route,
            &Method::GET,
            StatusCode::OK,
            Duration::from_millis(3),
        );
        m.record(
            route,
            &Method::GET,
            StatusCode::UNAUTHORIZED,
            Duration::from_millis(20),
        );
        m.record(
            route,
            &Method::from_bytes(b"BREW").unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            Duration::from_secs(9),
        );
        let text = m.render();
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/api/{user_id}/tasks",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(
            r#"http_requests_total{method="GET",route="/api/{user_id}/tasks",status="401"} 1"#
        ));
        assert!(text.contains(r#"method="OTHER""#));
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/{user_id}/tasks",status="200",le="0.0005"} 1"#));
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/{user_id}/tasks",status="200",le="0.005"} 2"#));
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="OTHER",route="/api/{user_id}/tasks",status="405",le="5"} 0"#));
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="OTHER",route="/api/{user_id}/tasks",status="405",le="+Inf"} 1"#));
        assert!(text.contains(r#"http_request_duration_seconds_count{method="GET",route="/api/{user_id}/tasks",status="200"} 2"#));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
