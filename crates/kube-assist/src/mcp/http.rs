//! `kubectl-assist mcp --http ADDR`: the MCP server over streamable HTTP at
//! `/mcp`, behind a pluggable authenticator ([`McpAuth`]). The standalone server
//! uses a [`BearerToken`]; `kubectl-assist serve` mounts [`router`] with its own.
//!
//! Stateless (no MCP sessions) with JSON answers, so any replica answers any
//! request and a restart loses nothing.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use subtle::ConstantTimeEq;

use super::McpServer;
use crate::error::{AssistError, Result};

/// The environment variable holding the bearer token when `--token-file` is not given.
pub const TOKEN_ENV: &str = "KUBECTL_ASSIST_MCP_TOKEN";

/// Decides whether an HTTP request may reach the MCP tools.
pub trait McpAuth: Send + Sync + 'static {
    /// `Ok(())` to let the request through, `Err(reason)` for a 401 saying why.
    fn authenticate(&self, headers: &HeaderMap) -> std::result::Result<(), String>;
}

/// One shared secret, sent as `Authorization: Bearer TOKEN`.
pub struct BearerToken {
    token: Vec<u8>,
}

impl BearerToken {
    /// A token of at least 16 characters: a shorter one is guessable over a loopback socket.
    pub fn new(token: &str) -> Result<Self> {
        let token = token.trim();
        if token.len() < 16 {
            return Err(AssistError::Invalid(format!(
                "the MCP bearer token is {} characters long; use at least 16 (e.g. `openssl rand -hex 32 > token`)",
                token.len()
            )));
        }
        Ok(Self {
            token: token.as_bytes().to_vec(),
        })
    }

    /// The token from `--token-file PATH`, else from `$KUBECTL_ASSIST_MCP_TOKEN`.
    /// Serving over HTTP without one is refused.
    pub fn from_file_or_env(file: Option<&Path>) -> Result<Self> {
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AssistError::Invalid(format!(
                    "cannot read the MCP token file {}: {e}",
                    path.display()
                ))
            })?;
            return Self::new(&text);
        }
        match std::env::var(TOKEN_ENV) {
            Ok(t) if !t.trim().is_empty() => Self::new(&t),
            _ => Err(AssistError::Invalid(format!(
                "mcp --http needs a bearer token: pass --token-file PATH or set {TOKEN_ENV}; it will not serve the cluster over HTTP without one"
            ))),
        }
    }
}

impl McpAuth for BearerToken {
    fn authenticate(&self, headers: &HeaderMap) -> std::result::Result<(), String> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err("send Authorization: Bearer <token>".into());
        };
        let presented = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or("the Authorization header must be \"Bearer <token>\"")?;
        // Constant time over the bytes, so the answer's timing tells nothing about
        // how much of a guess was right (a length mismatch is rejected by ct_eq too).
        if bool::from(presented.trim().as_bytes().ct_eq(&self.token)) {
            Ok(())
        } else {
            Err("the bearer token is not valid".into())
        }
    }
}

/// Whether the `Host` header must be a loopback name: right for the standalone
/// server on 127.0.0.1 (against DNS rebinding), wrong behind a Kubernetes Service
/// whose host names are not known here (the bearer token still guards it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCheck {
    LoopbackOnly,
    Any,
}

/// The rmcp streamable-HTTP service of `server`, without auth; mount it behind
/// an authenticator (see [`router`]).
pub fn service(
    server: McpServer,
    hosts: HostCheck,
) -> StreamableHttpService<McpServer, LocalSessionManager> {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None);
    if hosts == HostCheck::Any {
        config = config.disable_allowed_hosts();
    }
    StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    )
}

/// An axum router serving MCP at `/mcp`, every request authenticated by `auth`
/// first. `kubectl-assist serve` merges it into its own router.
pub fn router(server: McpServer, auth: Arc<dyn McpAuth>, hosts: HostCheck) -> Router {
    Router::new()
        .route_service("/mcp", service(server, hosts))
        .layer(middleware::from_fn_with_state(auth, require_auth))
}

async fn require_auth(
    State(auth): State<Arc<dyn McpAuth>>,
    request: Request,
    next: Next,
) -> Response {
    match auth.authenticate(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(reason) => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(serde_json::json!({ "error": format!("unauthorized: {reason}") })),
        )
            .into_response(),
    }
}

/// `--http` value: `PORT` or `HOST:PORT`; a bare port listens on 127.0.0.1.
pub fn listen_addr(raw: &str) -> Result<SocketAddr> {
    let raw = raw.trim();
    if let Ok(port) = raw.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let with_host = if raw.starts_with(':') {
        format!("127.0.0.1{raw}")
    } else {
        raw.to_string()
    };
    with_host.parse().map_err(|_| {
        AssistError::Invalid(format!(
            "--http {raw:?} is not a port or HOST:PORT (e.g. 8765 or 127.0.0.1:8765)"
        ))
    })
}

/// Serve `server` over HTTP at `addr` until the process is stopped. Prints the
/// URL on stderr once listening (port 0 picks a free one).
pub async fn serve(server: McpServer, addr: SocketAddr, token: BearerToken) -> Result<()> {
    let hosts = if addr.ip().is_loopback() {
        HostCheck::LoopbackOnly
    } else {
        HostCheck::Any
    };
    let app = router(server, Arc::new(token), hosts);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| AssistError::Invalid(format!("cannot listen on {addr}: {e}")))?;
    let local = listener.local_addr()?;
    eprintln!("kubectl-assist: MCP on http://{local}/mcp (bearer token required)");
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, auth.parse().unwrap());
        h
    }

    #[test]
    fn only_the_exact_token_passes() {
        let t = BearerToken::new("0123456789abcdef0123\n").unwrap();
        assert!(
            t.authenticate(&headers("Bearer 0123456789abcdef0123"))
                .is_ok()
        );
        assert!(
            t.authenticate(&headers("Bearer 0123456789abcdef012"))
                .is_err()
        );
        assert!(
            t.authenticate(&headers("Bearer 0123456789abcdef01234"))
                .is_err()
        );
        assert!(t.authenticate(&headers("0123456789abcdef0123")).is_err());
        assert!(t.authenticate(&HeaderMap::new()).is_err());
        assert!(BearerToken::new("short").is_err());
    }

    #[test]
    fn a_bare_port_listens_on_loopback() {
        assert_eq!(listen_addr("8765").unwrap().to_string(), "127.0.0.1:8765");
        assert_eq!(listen_addr(":8765").unwrap().to_string(), "127.0.0.1:8765");
        assert_eq!(listen_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert!(listen_addr("localhost").is_err());
    }
}
