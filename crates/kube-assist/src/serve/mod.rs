//! `kubectl-assist serve`: the in-cluster agent. One process serves the JSON API
//! (plans, approvals, progress as server-sent events, findings, audit), the web
//! console, Prometheus metrics of scheduled checks, and health probes.
//!
//! Files: [`auth`] (bearer tokens and roles), [`agent`] (planning, preparing and
//! running plans), [`approvals`] (pending plans and their life), [`api`] (JSON
//! endpoints), [`events`] (SSE), [`schedule`] (periodic analyzers, Kubernetes
//! Events), [`metrics`], [`console`] (HTML), [`trail`] (audit lines).

pub mod agent;
pub mod api;
pub mod approvals;
pub mod auth;
pub mod console;
pub mod console_pages;
pub mod error;
pub mod events;
pub mod impersonation;
pub mod llm_chat;
pub mod mcp_writes;
pub mod metrics;
pub mod proxy_auth;
pub mod schedule;
pub mod trail;
pub mod webhook;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::audit::AuditLog;
use crate::cli::GlobalArgs;
use crate::error::{AssistError, Result};
use agent::{Agent, AgentSettings};
use auth::Tokens;
use schedule::{CheckSettings, Checks};
use trail::Trail;

/// Flags of `kubectl-assist serve`; each has an environment variable.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on (the image sets 0.0.0.0).
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// File of accepted bearer tokens, one `NAME ROLE TOKEN` per line (roles:
    /// viewer, operator, approver); in the cluster, a mounted Secret.
    #[arg(long, env = "KUBECTL_ASSIST_TOKENS_FILE")]
    pub tokens_file: PathBuf,

    /// Directory on a volume for the audit file (audit.jsonl) and the undo
    /// journal (undo.jsonl). Without it, audit lines go to stdout only and writes
    /// are not journalled.
    #[arg(long, env = "KUBECTL_ASSIST_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// How often the analyzers run: `30s`, `5m`, `1h`.
    #[arg(long, env = "KUBECTL_ASSIST_CHECK_INTERVAL", default_value = "5m", value_parser = parse_duration)]
    pub check_interval: Duration,

    /// How long a write plan waits for approval before it expires.
    #[arg(long, env = "KUBECTL_ASSIST_PLAN_TTL", default_value = "10m", value_parser = parse_duration)]
    pub plan_ttl: Duration,

    /// Record findings as Kubernetes Events on the affected objects.
    #[arg(long, env = "KUBECTL_ASSIST_EVENTS", default_value = "true", action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub events: bool,

    /// Believe this header (e.g. X-Auth-Request-User, as oauth2-proxy sets it) as the
    /// signed-in person's name, on connections from --trusted-proxies only. Off unless set.
    #[arg(long, env = "KUBECTL_ASSIST_TRUSTED_HEADER")]
    pub trusted_header: Option<String>,

    /// Source addresses allowed to send --trusted-header: comma-separated networks
    /// (10.0.0.0/8) or addresses. Required with --trusted-header.
    #[arg(long, env = "KUBECTL_ASSIST_TRUSTED_PROXIES", value_parser = proxy_auth::parse_sources, default_value = "")]
    pub trusted_proxies: proxy_auth::SourceList,

    /// Role of a --trusted-header name the tokens file does not list (a listed name has
    /// its role there).
    #[arg(
        long,
        env = "KUBECTL_ASSIST_TRUSTED_HEADER_ROLE",
        default_value = "viewer"
    )]
    pub trusted_header_role: String,

    /// After each check, POST new problems here as Slack-compatible JSON
    /// (`{"text": ...}`). A secret: pass it through the environment from a Secret.
    #[arg(long, env = "KUBECTL_ASSIST_WEBHOOK_URL", hide_env_values = true)]
    pub webhook_url: Option<String>,

    /// Offer the registry's write tools at /mcp. A write call is not run: it becomes a
    /// plan waiting for an approver like any other, and its requester cannot approve it.
    #[arg(long, env = "KUBECTL_ASSIST_MCP_WRITES", default_value = "false", action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub mcp_writes: bool,

    /// Act as each signed-in person through Kubernetes impersonation (Impersonate-User /
    /// Impersonate-Group), so their own RBAC decides: plans, dry runs and approved writes
    /// run as the person who asked. The agent's ServiceAccount needs only `impersonate`.
    #[arg(long, env = "KUBECTL_ASSIST_IMPERSONATE", default_value = "false", action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub impersonate: bool,

    /// With --impersonate: who is who, one `NAME KUBERNETES_USER [GROUP ...]` per line
    /// (NAME is a token's name or a trusted-header user; a `*` line covers every other
    /// name, `{name}` in its user replaced). A name it does not cover is refused.
    #[arg(long, env = "KUBECTL_ASSIST_IMPERSONATE_MAP")]
    pub impersonate_map: Option<PathBuf>,
}

/// `30s`, `5m`, `1h` or plain seconds.
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let (num, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30s, 5m or 1h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{text:?}: the unit must be s, m or h")),
    };
    if secs == 0 {
        return Err(format!("{text:?}: the duration must be above zero"));
    }
    Ok(Duration::from_secs(secs))
}

/// What every handler shares.
pub struct ServeState {
    pub agent: Arc<Agent>,
    pub tokens: Arc<Tokens>,
    /// Trusted-header authentication, when configured.
    pub proxy: Option<proxy_auth::TrustedProxy>,
    pub checks: Arc<Checks>,
    pub console: console::ConsoleState,
}

/// The whole HTTP application.
pub fn router(state: Arc<ServeState>) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(metrics::handler))
        .route("/openapi.json", get(api::openapi))
        .route("/api/requests", post(api::post_request))
        .route("/api/plans", get(api::list_plans))
        .route("/api/plans/{id}", get(api::get_plan))
        .route("/api/plans/{id}/approve", post(api::approve))
        .route("/api/plans/{id}/reject", post(api::reject))
        .route("/api/plans/{id}/events", get(api::plan_events))
        .route("/api/findings", get(api::findings))
        .route("/api/audit", get(api::audit))
        .route("/api/whoami", get(api::whoami))
        .merge(console::routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(api::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            proxy_auth::middleware,
        ))
        .with_state(state)
}

/// Run the server until SIGTERM (or Ctrl-C): then stop accepting, refuse new
/// approvals, and let running requests (a write in progress) finish.
pub async fn run(args: ServeArgs, global: &GlobalArgs) -> Result<()> {
    let tokens = Tokens::load(&args.tokens_file).map_err(AssistError::Invalid)?;
    let proxy = proxy_auth::TrustedProxy::from_flags(
        args.trusted_header.as_deref(),
        &args.trusted_proxies.0,
        &args.trusted_header_role,
    )
    .map_err(AssistError::Invalid)?;
    let webhook = match args.webhook_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => Some(Arc::new(
            webhook::Webhook::new(url).map_err(AssistError::Invalid)?,
        )),
        None => None,
    };
    let impersonation_map = match (args.impersonate, &args.impersonate_map) {
        (false, _) => None,
        (true, Some(path)) => {
            Some(impersonation::ImpersonationMap::load(path).map_err(AssistError::Invalid)?)
        }
        (true, None) => {
            return Err(AssistError::Invalid(
                "--impersonate needs --impersonate-map FILE (KUBECTL_ASSIST_IMPERSONATE_MAP): one `NAME KUBERNETES_USER [GROUP ...]` per line, `* {name}` for everyone else".into(),
            ));
        }
    };
    let conn = crate::connect::connect(global.kubeconfig.clone(), global.context.clone()).await?;
    let impersonation =
        impersonation_map.map(|map| impersonation::Impersonation::new(map, conn.config.clone()));
    let trail = Trail::new(
        args.state_dir
            .as_ref()
            .map(|d| AuditLog::new(d.join("audit.jsonl"))),
        true,
    );
    if args.state_dir.is_none() {
        tracing::warn!(
            "no --state-dir: audit lines go to stdout only and writes are not journalled for undo"
        );
    }
    let agent = Arc::new(
        Agent::new(
            conn.client,
            conn.identity,
            AgentSettings {
                read_only: global.read_only,
                plan_ttl: args.plan_ttl,
                namespace: if global.all_namespaces {
                    None
                } else {
                    global.namespace.clone()
                },
            },
            trail,
        )
        .with_unretried(conn.unretried)
        .with_impersonation(impersonation)
        .with_llm(llm_chat::planner_from_env(global.offline)),
    );
    let tokens = Arc::new(tokens);
    // MCP writes (only with --mcp-writes) never run directly: they join the approval queue.
    let mcp = crate::mcp::McpServer {
        exec: agent.exec.clone(),
        resolver: crate::resolve::Resolver::new(
            agent.client.clone(),
            agent.settings.namespace.clone(),
        ),
        allow_writes: args.mcp_writes && !global.read_only,
        audit: AuditLog::new(
            args.state_dir
                .as_ref()
                .map(|d| d.join("audit.jsonl"))
                .unwrap_or_else(|| PathBuf::from("/dev/stdout")),
        ),
        identity: agent.identity.clone(),
        write_queue: Some(Arc::new(mcp_writes::McpApprovals {
            agent: agent.clone(),
            tokens: tokens.clone(),
        })),
    };
    let checks = Arc::new(Checks::default());
    let state = Arc::new(ServeState {
        agent: agent.clone(),
        tokens: tokens.clone(),
        proxy,
        checks: checks.clone(),
        console: console::ConsoleState::default(),
    });
    let check_task = schedule::spawn(
        agent.clone(),
        checks,
        CheckSettings {
            interval: args.check_interval,
            events: args.events,
            namespace: agent.settings.namespace.clone(),
            webhook,
        },
    );
    let addr = format!("{}:{}", args.host, args.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| AssistError::Invalid(format!("cannot listen on {addr}: {e}")))?;
    tracing::info!(%addr, "kubectl-assist serve listening");
    let draining = agent.clone();
    let app = router(state).merge(crate::mcp::http::router(
        mcp,
        tokens,
        crate::mcp::http::HostCheck::Any,
    ));
    // The peer address decides whether a trusted header is believed.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: running requests finish, no new writes start");
        draining.start_draining();
    })
    .await?;
    check_task.abort();
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("").is_err());
    }
}
