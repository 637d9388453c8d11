//! HS256 JSON Web Tokens: `sub` is the user id, `exp` seven days after `iat`.

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use todo_core::UserId;

use crate::error::ApiError;

/// The signing secret (`BETTER_AUTH_SECRET`): at least 32 bytes, and never
/// printed (its `Debug` is redacted).
#[derive(Clone)]
pub struct JwtSecret(Vec<u8>);

/// Why a secret was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the auth secret is {0} bytes long; it must be at least {min} bytes (e.g. `openssl rand -hex 32`)", min = JwtSecret::MIN_BYTES)]
    TooShort(usize),
}

impl JwtSecret {
    pub const MIN_BYTES: usize = 32;

    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, SecretError> {
        let bytes = bytes.into();
        if bytes.len() < Self::MIN_BYTES {
            return Err(SecretError::TooShort(bytes.len()));
        }
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSecret(***)")
    }
}

/// The claims this API issues and accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// The token's own id, what log-out revokes. Tokens issued before log-out
    /// revocation existed have none and stay valid until they expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// What a token that verified says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub user: UserId,
    /// The `jti` claim.
    pub token_id: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Keys and rules for issuing and checking tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &JwtSecret, ttl: Duration) -> Self {
        // jsonwebtoken picks its crypto backend per process; when more than one
        // backend is compiled in (another crate may enable one), it would panic
        // instead of choosing, so choose explicitly. An error only means a
        // provider is installed already, which is fine.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        );
        // Only HS256: a token whose header names `none`, HS512, RS256, ... is
        // refused before its signature is even looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl,
        }
    }

    /// Issues a token for `user`, valid for the configured lifetime.
    pub fn issue(&self, user: &UserId) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let mut id = [0u8; 16];
        getrandom::fill(&mut id)
            .map_err(|e| ApiError::Internal(format!("no randomness for a token id: {e}")))?;
        let claims = Claims {
            sub: user.to_string(),
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            jti: Some(id.iter().map(|b| format!("{b:02x}")).collect()),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims (tests use it to make expired tokens).
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a token failed: {e}")))
    }

    /// Checks signature, algorithm and expiry and says whom the token is for.
    /// Not whether it was revoked: that needs the store (`auth::authenticate`).
    pub fn verify(&self, token: &str) -> Result<Verified, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("token expired; log in again")
                }
                _ => ApiError::Unauthorized("invalid token; log in again to get a new one"),
            })?;
        const INVALID: ApiError =
            ApiError::Unauthorized("invalid token; log in again to get a new one");
        let claims = data.claims;
        Ok(Verified {
            user: UserId::parse(&claims.sub).map_err(|_| INVALID)?,
            // Ids are ours (the signature says so); the bound keeps lookups small.
            token_id: match claims.jti {
                Some(id) if id.is_empty() || id.len() > 64 => return Err(INVALID),
                other => other,
            },
            expires_at: chrono::DateTime::from_timestamp(claims.exp, 0).ok_or(INVALID)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            &JwtSecret::new(vec![7u8; 32]).unwrap(),
            Duration::from_secs(3600),
        )
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(
            JwtSecret::new(vec![1u8; 31]).unwrap_err(),
            SecretError::TooShort(31)
        );
        assert!(format!("{:?}", JwtSecret::new(vec![b'a'; 40]).unwrap()).contains("***"));
    }

    #[test]
    fn issued_tokens_verify_and_others_do_not() {
        let keys = keys();
        let user = UserId::random();
        let token = keys.issue(&user).unwrap();
        assert_eq!(keys.verify(&token).unwrap().user, user);

        let other = TokenKeys::new(
            &JwtSecret::new(vec![8u8; 32]).unwrap(),
            Duration::from_secs(3600),
        );
        assert!(other.verify(&token).is_err());

        let now = chrono::Utc::now().timestamp();
        let expired = keys
            .sign(&Claims {
                sub: user.to_string(),
                iat: now - 7200,
                exp: now - 3600,
                jti: None,
            })
            .unwrap();
        assert_eq!(
            keys.verify(&expired).unwrap_err().to_string(),
            "token expired; log in again"
        );

        let not_a_user = keys
            .sign(&Claims {
                sub: "admin".into(),
                iat: now,
                exp: now + 60,
                jti: None,
            })
            .unwrap();
        assert!(keys.verify(&not_a_user).is_err());
    }
}
