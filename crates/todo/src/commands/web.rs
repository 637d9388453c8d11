//! `todo web`: the server-rendered frontend. It calls the API at `BACKEND_URL`
//! server-side, so only this port needs to be reachable from browsers.

use std::time::Duration;

use clap::Args;
use todo_web::{BackendUrl, CookieSecurity, SessionSecret, WebConfig};

use crate::error::Result;
use crate::server::{self, Endpoint};

/// Settings of the web frontend shared by `todo web` and `todo serve`.
#[derive(Debug, Clone, Args)]
pub struct WebOptions {
    /// Secret that seals the session cookies, at least 32 bytes; every web replica
    /// needs the same one. Unset: derived from BETTER_AUTH_SECRET when that is set
    /// (and from the API's own secret under `todo serve`), else random per process, which
    /// logs everyone out at each restart.
    #[arg(long, env = "SESSION_SECRET", hide_env_values = true)]
    pub session_secret: Option<String>,
    /// When the session cookie gets the `Secure` flag: `auto` (when X-Forwarded-Proto
    /// says https, as a TLS-terminating ingress sends), `always` or `never`.
    #[arg(long, env = "SECURE_COOKIES", default_value = "auto")]
    pub secure_cookies: CookieSecurity,
    /// Seconds to wait for the API's answer to a chat message (an LLM may be slow).
    #[arg(long, env = "CHAT_TIMEOUT", default_value = "90", value_parser = parse_timeout)]
    pub chat_timeout: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct WebArgs {
    /// Address to listen on; the container image sets 0.0.0.0.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the web frontend.
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT.
    #[arg(long, env = "SHUTDOWN_TIMEOUT", default_value = "10", value_parser = parse_timeout)]
    pub shutdown_timeout: Duration,
    /// Where the API listens: plain http on loopback or inside the cluster, e.g.
    /// http://todo-backend:8000.
    #[arg(long, env = "BACKEND_URL", default_value = WebConfig::DEFAULT_BACKEND_URL)]
    pub backend_url: BackendUrl,
    /// Only used to derive the session key when SESSION_SECRET is unset.
    #[arg(long, env = "BETTER_AUTH_SECRET", hide_env_values = true)]
    pub auth_secret: Option<String>,
    #[command(flatten)]
    pub web: WebOptions,
}

fn parse_timeout(raw: &str) -> std::result::Result<Duration, String> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{raw:?} is not a number of seconds between 0 and 3600"))
}

/// The frontend's configuration. `fallback_secret` seeds the session key when no
/// SESSION_SECRET is given (a label inside todo-web keeps the derived key distinct).
pub fn config(
    options: &WebOptions,
    backend_url: BackendUrl,
    fallback_secret: Option<&[u8]>,
) -> Result<WebConfig> {
    let session_secret = match (&options.session_secret, fallback_secret) {
        (Some(explicit), _) if !explicit.is_empty() => explicit.parse::<SessionSecret>()?,
        (_, Some(bytes)) => SessionSecret::from_bytes(bytes)?,
        _ => {
            tracing::warn!(
                "SESSION_SECRET is not set: using a random one, so sessions end when this process restarts \
                 and replicas do not share them; set SESSION_SECRET to 32+ random bytes"
            );
            SessionSecret::random()?
        }
    };
    let mut config = WebConfig::new(backend_url, session_secret);
    config.cookie_security = options.secure_cookies;
    config.chat_timeout = options.chat_timeout;
    Ok(config)
}

pub async fn run(args: WebArgs) -> Result<()> {
    let fallback = args
        .auth_secret
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::as_bytes);
    let config = config(&args.web, args.backend_url.clone(), fallback)?;
    let listener = server::bind(&args.host, args.port).await?;
    tracing::info!(
        backend = config.backend_url.as_str(),
        "the web frontend calls the API here"
    );
    let endpoints = vec![Endpoint {
        name: "web",
        listener,
        router: todo_web::router(&config),
    }];
    server::serve(endpoints, args.shutdown_timeout).await
}
