//! Request layers that every page goes through: security headers, the session
//! cookie, CSRF checks on posts, and turning problems into pages or fragments.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use crate::AppState;
use crate::config::CookieSecurity;
use crate::error::Problem;
use crate::session::{COOKIE_NAME, Session, cookie_value, set_cookie_header};
use crate::views::{LocalClock, ProblemFragment, ProblemPage};

/// The header htmx requests carry the CSRF token in (set by `app.js`).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field that carries the CSRF token when there is no script.
pub const CSRF_FIELD: &str = "csrf_token";
/// Largest form body read (the largest form, a task edit, is far below this).
const MAX_FORM_BYTES: usize = 64 * 1024;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The session of the request being served, as loaded by [`load_session`].
#[derive(Clone, Debug)]
pub struct CurrentSession {
    pub session: Session,
    /// Whether htmx sent the request (and wants a fragment, not a page).
    pub htmx: bool,
    pub clock: LocalClock,
}

/// What a handler wants done with the session cookie, put in the response's extensions.
#[derive(Clone, Debug)]
pub enum SessionChange {
    /// Start this session (after log-in or sign-up).
    Replace(Session),
    /// Delete the cookie (after log-out or when the backend refused the token).
    End,
}

/// Adds the security headers to every response, assets and errors included.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    // Pages hold personal data: never keep them in shared or back-forward caches
    // unless the handler said otherwise (assets do).
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Logs one line per request: method, route, status and latency. The query string
/// is left out (it holds what people search for), and so is every header.
pub async fn access_log(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %route,
        status = response.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        "web request"
    );
    response
}

/// Whether the request came through htmx (but not a history restore, which needs a page).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
        && headers.get("hx-history-restore-request").is_none()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, name).map(str::to_string))
}

/// Opens the session cookie (or starts an anonymous session), hands it to the
/// handler, and writes the cookie the handler asked for.
pub async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let secure = match state.cookie_security() {
        CookieSecurity::Always => true,
        CookieSecurity::Never => false,
        CookieSecurity::Auto => headers
            .get("x-forwarded-proto")
            .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https")),
    };
    let opened = cookie(headers, COOKIE_NAME)
        .and_then(|value| state.sealer().open(&value))
        .filter(|session| !state.revoked().is_revoked(session));
    let (session, fresh) = match opened {
        Some(session) => (session, false),
        None => match Session::anonymous() {
            Ok(session) => (session, true),
            Err(e) => return e.into_response(),
        },
    };
    let current = CurrentSession {
        session: session.clone(),
        htmx: is_htmx(headers),
        clock: LocalClock::from_cookie(cookie(headers, "tz").as_deref()),
    };
    request.extensions_mut().insert(current);

    let mut response = next.run(request).await;
    let cookie_value = match response.extensions_mut().remove::<SessionChange>() {
        Some(SessionChange::Replace(new)) => match state.sealer().seal(&new) {
            Ok(sealed) => Some(set_cookie_header(Some(&sealed), secure)),
            Err(e) => return e.into_response(),
        },
        Some(SessionChange::End) => Some(set_cookie_header(None, secure)),
        None if fresh => match state.sealer().seal(&session) {
            Ok(sealed) => Some(set_cookie_header(Some(&sealed), secure)),
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    if let Some(value) = cookie_value.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Refuses any state-changing request that does not echo the session's CSRF
/// token, in the `X-CSRF-Token` header or the `csrf_token` form field.
pub async fn require_csrf(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let Some(current) = request.extensions().get::<CurrentSession>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let header_token = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if header_token.is_some_and(|t| current.session.csrf_matches(&t)) {
        return next.run(request).await;
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_refusal();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return Problem::response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "That was too much",
            format!("Forms may be at most {} KiB.", MAX_FORM_BYTES / 1024),
            false,
        );
    };
    let form_token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v)
        });
    if !form_token.is_some_and(|t| current.session.csrf_matches(&t)) {
        return csrf_refusal();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn csrf_refusal() -> Response {
    Problem::response(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The page was open too long or came from another site, so we did not act on it. Reload the page and try again.",
        false,
    )
}

/// Turns a response that carries a [`Problem`] into a full error page, or for
/// htmx into a message in the page's flash area. A 401 from the backend ends the
/// session and sends the person to log in.
pub async fn render_problems(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let current = request.extensions().get::<CurrentSession>().cloned();
    let retry_url = if request.method() == Method::GET {
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".to_string()
    };
    let mut response = next.run(request).await;
    let Some(problem) = response.extensions_mut().remove::<Problem>() else {
        return response;
    };
    let htmx = current.as_ref().is_some_and(|c| c.htmx);
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED {
        let mut redirect = redirect_to(htmx, "/login?expired=1");
        redirect.extensions_mut().insert(SessionChange::End);
        return redirect;
    }
    let body = if htmx {
        ProblemFragment {
            title: problem.title,
            message: &problem.message,
            retry: problem.retry,
        }
        .to_string()
    } else {
        let chrome = match &current {
            Some(c) => state.chrome(&c.session),
            None => state.anonymous_chrome(),
        };
        let home = if current
            .as_ref()
            .is_some_and(|c| c.session.account.is_some())
        {
            "/tasks"
        } else {
            "/"
        };
        let page = ProblemPage {
            chrome,
            title: problem.title,
            message: &problem.message,
            retry_url: problem.retry.then_some(retry_url),
            home,
        };
        page.to_string()
    };
    let mut headers = std::mem::take(response.headers_mut());
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.remove(header::CONTENT_LENGTH);
    if htmx {
        headers.insert("hx-retarget", HeaderValue::from_static("#flash"));
        headers.insert("hx-reswap", HeaderValue::from_static("innerHTML"));
    }
    let mut rendered = (status, body).into_response();
    rendered.headers_mut().extend(headers);
    *rendered.extensions_mut() = std::mem::take(response.extensions_mut());
    rendered
}

/// A redirect after a post: 303 for a page, `HX-Redirect` for htmx (which would
/// otherwise follow a 303 inside the XHR and swap a whole page into a fragment).
pub fn redirect_to(htmx: bool, location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    if htmx {
        let mut response = StatusCode::NO_CONTENT.into_response();
        response.headers_mut().insert("hx-redirect", value);
        response
    } else {
        let mut response = StatusCode::SEE_OTHER.into_response();
        response.headers_mut().insert(header::LOCATION, value);
        response
    }
}
