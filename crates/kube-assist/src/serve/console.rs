//! The web console: server-rendered pages that work without JavaScript (plain
//! forms and links; the vendored htmx only boosts them), under a strict CSP.
//! A person signs in with their token once; the session lives in an HttpOnly,
//! SameSite=Strict cookie and every form carries the session's CSRF token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::ServeState;
use super::auth::{Caller, Role};
use super::console_pages as pages;
use super::error::ServeError;
use crate::analyze::{self, Scope};

pub(super) const COOKIE: &str = "ka_session";
/// How long a console session lasts.
const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
pub const HTMX_PATH: &str = "/assets/htmx-2.0.11.min.js";
pub const CSS_PATH: &str = "/assets/console.css";
const HTMX: &[u8] = include_bytes!("../../assets/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("../../assets/console.css");

/// Scripts and styles only from this server, nothing inline, no framing, forms
/// only to this server.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

struct Session {
    caller: Caller,
    csrf: String,
    expires: Instant,
}

/// Signed-in browsers.
#[derive(Default)]
pub struct ConsoleState {
    sessions: Mutex<HashMap<String, Session>>,
}

/// The signed-in person of a request, with the CSRF token their forms carry.
pub struct Visitor {
    pub caller: Caller,
    pub csrf: String,
}

impl ConsoleState {
    pub(super) fn visitor(&self, headers: &HeaderMap) -> Option<Visitor> {
        let id = cookie(headers, COOKIE)?;
        let mut sessions = self.sessions.lock().ok()?;
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.get(&id).map(|s| Visitor {
            caller: s.caller.clone(),
            csrf: s.csrf.clone(),
        })
    }

    pub(super) fn open(&self, caller: Caller) -> String {
        let id = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        if let Ok(mut s) = self.sessions.lock() {
            s.insert(
                id.clone(),
                Session {
                    caller,
                    csrf: uuid::Uuid::new_v4().simple().to_string(),
                    expires: Instant::now() + SESSION_TTL,
                },
            );
        }
        id
    }

    fn close(&self, headers: &HeaderMap) {
        if let (Some(id), Ok(mut s)) = (cookie(headers, COOKIE), self.sessions.lock()) {
            s.remove(&id);
        }
    }
}

/// The `Set-Cookie` value of a new session.
pub(super) fn session_cookie(id: &str) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        SESSION_TTL.as_secs()
    )
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// An HTML response with the console's security headers.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn error_page(visitor: Option<&Visitor>, e: &ServeError) -> Response {
    html(e.status(), pages::problem(visitor, &e.to_string()))
}

/// The visitor, or the sign-in page.
fn signed_in(state: &ServeState, headers: &HeaderMap) -> Result<Visitor, Box<Response>> {
    state
        .console
        .visitor(headers)
        .ok_or_else(|| Box::new(html(StatusCode::OK, pages::login(None))))
}

/// The visitor of a form post whose CSRF token is the session's.
fn form_visitor(
    state: &ServeState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Visitor, Box<Response>> {
    let v = signed_in(state, headers)?;
    check_csrf(&v, csrf)?;
    Ok(v)
}

/// A form's CSRF token must be the session's.
fn check_csrf(visitor: &Visitor, sent: &str) -> Result<(), Box<Response>> {
    if bool::from(sent.as_bytes().ct_eq(visitor.csrf.as_bytes())) {
        Ok(())
    } else {
        Err(Box::new(error_page(
            Some(visitor),
            &ServeError::Forbidden(
                "this form is stale or did not come from the console (CSRF token mismatch); reload the page and try again".into(),
            ),
        )))
    }
}

pub fn routes() -> Router<Arc<ServeState>> {
    Router::new()
        .route("/", get(chat))
        .route(HTMX_PATH, get(htmx))
        .route(CSS_PATH, get(css))
        .route("/console/login", post(login))
        .route("/console/logout", post(logout))
        .route("/console/ask", post(ask))
        .route("/console/plans/{id}", get(plan))
        .route("/console/plans/{id}/approve", post(approve))
        .route("/console/plans/{id}/reject", post(reject))
        .route("/console/health", get(health))
        .route("/console/fix", post(fix))
        .route("/console/audit", get(audit))
}

fn asset(bytes: &'static [u8], content_type: &'static str, immutable: bool) -> Response {
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}

async fn htmx() -> Response {
    asset(HTMX, "text/javascript; charset=utf-8", true)
}

async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8", false)
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(State(state): State<Arc<ServeState>>, Form(form): Form<LoginForm>) -> Response {
    match state.tokens.lookup(form.token.trim()) {
        Some(caller) => {
            let id = state.console.open(caller);
            let mut resp = Redirect::to("/").into_response();
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&id)) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        None => html(
            StatusCode::UNAUTHORIZED,
            pages::login(Some(
                "That token is not one of the configured tokens. Paste the token you were given (from the tokens Secret).",
            )),
        ),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<Arc<ServeState>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(v) = state.console.visitor(&headers)
        && let Err(r) = check_csrf(&v, &form.csrf)
    {
        return *r;
    }
    state.console.close(&headers);
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("ka_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    resp
}

async fn chat(State(state): State<Arc<ServeState>>, headers: HeaderMap) -> Response {
    let v = match signed_in(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    html(
        StatusCode::OK,
        pages::chat(&v, &state.agent.plans(30), None, ""),
    )
}

#[derive(Deserialize)]
struct AskForm {
    csrf: String,
    request: String,
    #[serde(default)]
    namespace: String,
}

async fn ask(
    State(state): State<Arc<ServeState>>,
    headers: HeaderMap,
    Form(form): Form<AskForm>,
) -> Response {
    let v = match form_visitor(&state, &headers, &form.csrf) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let ns = Some(form.namespace.trim().to_string()).filter(|n| !n.is_empty());
    match state.agent.submit(&v.caller, &form.request, ns).await {
        Ok(plan) => Redirect::to(&format!("/console/plans/{}", plan.id)).into_response(),
        Err(e) => html(
            e.status(),
            pages::chat(
                &v,
                &state.agent.plans(30),
                Some(&e.to_string()),
                &form.request,
            ),
        ),
    }
}

async fn plan(
    State(state): State<Arc<ServeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let v = match signed_in(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match state.agent.plan(&id) {
        Ok(p) => html(StatusCode::OK, pages::plan(&v, &p, None)),
        Err(e) => error_page(Some(&v), &e),
    }
}

async fn decide(
    state: Arc<ServeState>,
    headers: HeaderMap,
    id: String,
    csrf: String,
    approve: bool,
) -> Response {
    let v = match form_visitor(&state, &headers, &csrf) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match state.agent.decide(&v.caller, &id, approve).await {
        Ok(p) => Redirect::to(&format!("/console/plans/{}", p.id)).into_response(),
        Err(e) => match state.agent.plan(&id) {
            Ok(p) => html(e.status(), pages::plan(&v, &p, Some(&e.to_string()))),
            Err(_) => error_page(Some(&v), &e),
        },
    }
}

async fn approve(
    State(state): State<Arc<ServeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    decide(state, headers, id, form.csrf, true).await
}

async fn reject(
    State(state): State<Arc<ServeState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    decide(state, headers, id, form.csrf, false).await
}

#[derive(Deserialize)]
struct NamespaceQuery {
    #[serde(default)]
    namespace: String,
}

async fn health(
    State(state): State<Arc<ServeState>>,
    headers: HeaderMap,
    Query(q): Query<NamespaceQuery>,
) -> Response {
    let v = match signed_in(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let ns = Some(q.namespace.trim().to_string()).filter(|n| !n.is_empty());
    match analyze::collect(&state.agent.client, ns.as_deref()).await {
        Ok(snapshot) => {
            let findings = analyze::analyze(&snapshot, Scope::All);
            html(
                StatusCode::OK,
                pages::health(&v, &findings, ns.as_deref().unwrap_or("")),
            )
        }
        Err(e) => error_page(Some(&v), &ServeError::Assist(e)),
    }
}

#[derive(Deserialize)]
struct FixForm {
    csrf: String,
    /// The finding's key (kind/namespace/name/reason).
    key: String,
    #[serde(default)]
    namespace: String,
}

/// A finding's fix becomes a plan. The fix is taken from a fresh analysis of the
/// cluster, never from the form, so a page cannot smuggle in an operation.
async fn fix(
    State(state): State<Arc<ServeState>>,
    headers: HeaderMap,
    Form(form): Form<FixForm>,
) -> Response {
    let v = match form_visitor(&state, &headers, &form.csrf) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if let Err(e) = v.caller.require(Role::Operator, "planning a fix") {
        return error_page(Some(&v), &e);
    }
    let ns = Some(form.namespace.trim().to_string()).filter(|n| !n.is_empty());
    let snapshot = match analyze::collect(&state.agent.client, ns.as_deref()).await {
        Ok(s) => s,
        Err(e) => return error_page(Some(&v), &ServeError::Assist(e)),
    };
    let findings = analyze::analyze(&snapshot, Scope::All);
    let Some(f) = findings
        .iter()
        .find(|f| super::schedule::key(f) == form.key && !f.fix.is_empty())
    else {
        return error_page(
            Some(&v),
            &ServeError::Conflict(
                "that finding is gone or has no fix any more; reload the health page".into(),
            ),
        );
    };
    let label = format!("fix {} ({})", f.object, f.reason);
    let fix_ns = f.object.namespace.clone().or(ns);
    match state
        .agent
        .submit_steps(&v.caller, &label, fix_ns, f.fix.clone())
        .await
    {
        Ok(p) => Redirect::to(&format!("/console/plans/{}", p.id)).into_response(),
        Err(e) => error_page(Some(&v), &e),
    }
}

async fn audit(State(state): State<Arc<ServeState>>, headers: HeaderMap) -> Response {
    let v = match signed_in(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match state.agent.trail.tail(200) {
        Ok(lines) => html(StatusCode::OK, pages::audit(&v, &lines)),
        Err(e) => error_page(Some(&v), &ServeError::Assist(e)),
    }
}
