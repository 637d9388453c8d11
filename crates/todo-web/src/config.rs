//! The frontend's settings, parsed and checked before the server starts.

use std::str::FromStr;
use std::time::Duration;

use crate::WebError;

/// Where the backend API listens. Plain `http://` only: the frontend reaches the
/// backend over loopback or the cluster network, never across the internet, so
/// the binary carries no TLS client for this path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendUrl {
    /// `http://host:port` plus any path prefix, without a trailing slash.
    base: String,
}

impl BackendUrl {
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The full URL of an API path such as `/api/auth/login`.
    pub fn join(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }
}

impl FromStr for BackendUrl {
    type Err = WebError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| WebError::Config(format!("BACKEND_URL {raw:?}: {why}"));
        let uri: http::Uri = raw
            .trim()
            .parse()
            .map_err(|_| bad("not a URL; use e.g. http://127.0.0.1:8000"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(bad(
                    "https is not supported; point it at the backend's plain-HTTP address inside the cluster or on loopback",
                ));
            }
            _ => return Err(bad("must start with http://, e.g. http://127.0.0.1:8000")),
        }
        let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
        if uri.query().is_some() {
            return Err(bad("must not have a query string"));
        }
        let path = uri.path().trim_end_matches('/');
        Ok(Self {
            base: format!("http://{authority}{path}"),
        })
    }
}

/// The secret that session cookies are sealed with. Web replicas that share it
/// accept each other's cookies.
#[derive(Clone)]
pub struct SessionSecret(Vec<u8>);

impl SessionSecret {
    pub const MIN_BYTES: usize = 32;

    /// A random secret: sessions then last only as long as the process.
    pub fn random() -> Result<Self, WebError> {
        let mut bytes = vec![0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
        Ok(Self(bytes))
    }

    /// A secret from raw bytes, e.g. another secret of the deployment that this
    /// one is derived from (the sealing key hashes it with its own label).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WebError> {
        if bytes.len() < Self::MIN_BYTES {
            return Err(WebError::Config(format!(
                "the session secret must be at least {} bytes (got {})",
                Self::MIN_BYTES,
                bytes.len()
            )));
        }
        Ok(Self(bytes.to_vec()))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl FromStr for SessionSecret {
    type Err = WebError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.len() < Self::MIN_BYTES {
            return Err(WebError::Config(format!(
                "SESSION_SECRET must be at least {} bytes (got {}); generate one with `openssl rand -hex 32`",
                Self::MIN_BYTES,
                raw.len()
            )));
        }
        Ok(Self(raw.as_bytes().to_vec()))
    }
}

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret(***)")
    }
}

/// When the session cookie gets the `Secure` attribute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CookieSecurity {
    /// When the request arrived over https, as told by `X-Forwarded-Proto` from the
    /// ingress that terminates TLS.
    #[default]
    Auto,
    Always,
    Never,
}

impl FromStr for CookieSecurity {
    type Err = WebError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "always" | "true" | "1" => Ok(Self::Always),
            "never" | "false" | "0" => Ok(Self::Never),
            other => Err(WebError::Config(format!(
                "secure cookies {other:?}: use auto, always or never"
            ))),
        }
    }
}

/// Everything the frontend needs to run.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub backend_url: BackendUrl,
    pub session_secret: SessionSecret,
    pub cookie_security: CookieSecurity,
    /// Limit for ordinary backend calls (connect included).
    pub backend_timeout: Duration,
    /// Limit for a chat turn, which may wait for an LLM.
    pub chat_timeout: Duration,
}

impl WebConfig {
    pub const DEFAULT_BACKEND_URL: &str = "http://127.0.0.1:8000";

    /// Defaults for a backend at `backend_url`, with the given session secret.
    pub fn new(backend_url: BackendUrl, session_secret: SessionSecret) -> Self {
        Self {
            backend_url,
            session_secret,
            cookie_security: CookieSecurity::Auto,
            backend_timeout: Duration::from_secs(10),
            chat_timeout: Duration::from_secs(90),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_url_accepts_plain_http_only() {
        assert_eq!(
            BackendUrl::from_str("http://127.0.0.1:8000/")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8000"
        );
        assert_eq!(
            BackendUrl::from_str("http://api:8000/prefix/")
                .unwrap()
                .join("/api/x"),
            "http://api:8000/prefix/api/x"
        );
        for bad in [
            "https://api:8000",
            "ftp://x",
            "api:8000",
            "",
            "http://x/?a=1",
        ] {
            let err = BackendUrl::from_str(bad).unwrap_err().to_string();
            assert!(err.contains("BACKEND_URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn session_secret_needs_32_bytes_and_hides_itself() {
        assert!(
            SessionSecret::from_str("short")
                .unwrap_err()
                .to_string()
                .contains("at least 32")
        );
        let s = SessionSecret::from_str(&"k".repeat(32)).unwrap();
        assert_eq!(format!("{s:?}"), "SessionSecret(***)");
    }

    #[test]
    fn cookie_security_parses() {
        assert_eq!(
            "always".parse::<CookieSecurity>().unwrap(),
            CookieSecurity::Always
        );
        assert_eq!(
            "AUTO".parse::<CookieSecurity>().unwrap(),
            CookieSecurity::Auto
        );
        assert!("sometimes".parse::<CookieSecurity>().is_err());
    }
}
