//! The browser session: one sealed cookie.
//!
//! The cookie holds the whole session (the backend JWT, the user id, a label to
//! show and the CSRF secret) encrypted and authenticated with XChaCha20-Poly1305
//! under a key derived from the session secret. The browser can neither read the
//! token nor forge or alter a session, and any web replica that shares the secret
//! can serve any request, so the frontend scales without sticky sessions or a
//! session database. Logging out clears the cookie and records the session's id
//! in a revocation list, so a copy of the old cookie is refused afterwards (the
//! list lives in the process: with several replicas, each refuses what it saw
//! being logged out, and the cookie's lifetime bounds the rest).

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use todo_core::UserId;

use crate::config::SessionSecret;
use crate::{Result, WebError};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "todo_session";
/// How long a session lasts: the backend's tokens live 7 days; ours ends a little
/// sooner so a session never outlives its token.
pub const SESSION_SECONDS: i64 = 7 * 24 * 3600 - 300;
/// Sealed cookies larger than this are refused before decryption is tried.
const MAX_COOKIE_CHARS: usize = 3800;
const NONCE_BYTES: usize = 24;
const ASSOCIATED_DATA: &[u8] = b"todo-web session v1";

/// A signed-in user as the session remembers them.
#[derive(Clone, Serialize, Deserialize)]
pub struct Account {
    pub user_id: UserId,
    /// The backend JWT. Never rendered, never logged.
    pub token: String,
    /// What the header shows: the name given at sign-up, or the e-mail address.
    pub label: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user_id", &self.user_id)
            .field("token", &"***")
            .finish()
    }
}

/// One visitor's session, signed in or not. Every visitor has one, because the
/// CSRF secret must exist before the log-in form is posted.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    /// Random id, used to revoke the session at log-out.
    pub id: String,
    /// Random secret that every form post must echo back.
    pub csrf: String,
    /// Unix seconds after which the session is void.
    pub expires_at: i64,
    pub account: Option<Account>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A fresh anonymous session with new random id and CSRF secret.
    pub fn anonymous() -> Result<Self> {
        Ok(Self {
            id: random_token(16)?,
            csrf: random_token(32)?,
            expires_at: Utc::now().timestamp() + SESSION_SECONDS,
            account: None,
        })
    }

    /// A fresh session for a user who just signed in. Id and CSRF secret are new,
    /// so nothing learnt about the anonymous session carries over (no fixation).
    pub fn signed_in(account: Account) -> Result<Self> {
        Ok(Self {
            account: Some(account),
            ..Self::anonymous()?
        })
    }

    /// Whether `candidate` is this session's CSRF token, compared in constant time.
    pub fn csrf_matches(&self, candidate: &str) -> bool {
        !candidate.is_empty() && bool::from(self.csrf.as_bytes().ct_eq(candidate.as_bytes()))
    }
}

fn random_token(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// Seals sessions into cookie values and opens them again.
pub struct SessionSealer {
    cipher: XChaCha20Poly1305,
}

impl SessionSealer {
    pub fn new(secret: &SessionSecret) -> Self {
        // A fixed label keeps this key distinct from any other use of the same secret.
        let digest = Sha256::new_with_prefix(b"todo-web session key v1\0")
            .chain_update(secret.expose())
            .finalize();
        let bytes: [u8; 32] = digest.into();
        let key = Key::from(bytes);
        Self {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    pub fn seal(&self, session: &Session) -> Result<String> {
        let plain = serde_json::to_vec(session)
            .map_err(|e| WebError::Internal(format!("session encoding: {e}")))?;
        let mut nonce_bytes = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce_bytes)
            .map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
        let nonce = XNonce::from(nonce_bytes);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: ASSOCIATED_DATA,
                },
            )
            .map_err(|_| WebError::Internal("session encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// The session in a cookie value, or `None` when it is malformed, forged,
    /// sealed under another key or expired.
    pub fn open(&self, value: &str) -> Option<Session> {
        if value.len() > MAX_COOKIE_CHARS {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(value).ok()?;
        if raw.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, sealed) = raw.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).ok()?;
        let plain = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: ASSOCIATED_DATA,
                },
            )
            .ok()?;
        let session: Session = serde_json::from_slice(&plain).ok()?;
        (session.expires_at > Utc::now().timestamp()).then_some(session)
    }
}

/// Ids of sessions ended by log-out, each kept until the session would have
/// expired anyway.
#[derive(Default)]
pub struct RevokedSessions {
    ids: Mutex<HashMap<String, i64>>,
}

impl RevokedSessions {
    pub fn revoke(&self, session: &Session) {
        let now = Utc::now().timestamp();
        let mut ids = self
            .ids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Pruning on insert bounds the map by the number of log-outs per session lifetime.
        ids.retain(|_, expires_at| *expires_at > now);
        ids.insert(session.id.clone(), session.expires_at);
    }

    pub fn is_revoked(&self, session: &Session) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains_key(&session.id)
    }
}

/// The value of the named cookie in a `Cookie` request header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value for the session cookie. `value: None` deletes it.
pub fn set_cookie_header(value: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match value {
        Some(v) => format!(
            "{COOKIE_NAME}={v}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}"
        ),
        None => format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SessionSecret {
        s.parse().unwrap()
    }

    fn account() -> Account {
        Account {
            user_id: UserId::random(),
            token: "header.payload.sig".into(),
            label: "Ann".into(),
        }
    }

    #[test]
    fn sealed_session_round_trips_and_hides_the_token() {
        let sealer = SessionSealer::new(&secret("0123456789abcdef0123456789abcdef"));
        let session = Session::signed_in(account()).unwrap();
        let cookie = sealer.seal(&session).unwrap();
        assert!(!cookie.contains("header.payload.sig"));
        let opened = sealer.open(&cookie).expect("opens");
        assert_eq!(opened.id, session.id);
        assert_eq!(opened.account.unwrap().token, "header.payload.sig");
    }

    #[test]
    fn tampered_foreign_or_expired_cookies_are_refused() {
        let sealer = SessionSealer::new(&secret("0123456789abcdef0123456789abcdef"));
        let other = SessionSealer::new(&secret("fedcba9876543210fedcba9876543210"));
        let session = Session::signed_in(account()).unwrap();
        let cookie = sealer.seal(&session).unwrap();

        assert!(other.open(&cookie).is_none(), "other key");
        let mut bytes = URL_SAFE_NO_PAD.decode(&cookie).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(
            sealer.open(&URL_SAFE_NO_PAD.encode(&bytes)).is_none(),
            "flipped bit"
        );
        assert!(sealer.open("not base64 !").is_none());
        assert!(sealer.open("").is_none());

        let expired = Session {
            expires_at: Utc::now().timestamp() - 1,
            ..session
        };
        assert!(
            sealer.open(&sealer.seal(&expired).unwrap()).is_none(),
            "expired"
        );
    }

    #[test]
    fn csrf_comparison_needs_the_exact_token() {
        let session = Session::anonymous().unwrap();
        assert!(session.csrf_matches(&session.csrf.clone()));
        assert!(!session.csrf_matches(""));
        assert!(!session.csrf_matches(&session.csrf[..10]));
        assert!(!session.csrf_matches(&Session::anonymous().unwrap().csrf));
    }

    #[test]
    fn revocation_is_remembered() {
        let revoked = RevokedSessions::default();
        let a = Session::anonymous().unwrap();
        let b = Session::anonymous().unwrap();
        revoked.revoke(&a);
        assert!(revoked.is_revoked(&a));
        assert!(!revoked.is_revoked(&b));
    }

    #[test]
    fn cookie_header_parsing() {
        assert_eq!(
            cookie_value("a=1; todo_session=xyz; b=2", COOKIE_NAME),
            Some("xyz")
        );
        assert_eq!(cookie_value("todo_sessionx=1", COOKIE_NAME), None);
        let set = set_cookie_header(Some("v"), true);
        assert!(
            set.contains("HttpOnly")
                && set.contains("SameSite=Strict")
                && set.contains("Path=/")
                && set.ends_with("Secure")
        );
        assert!(!set_cookie_header(Some("v"), false).contains("Secure"));
    }
}
