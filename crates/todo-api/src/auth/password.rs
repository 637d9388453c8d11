//! Argon2id password hashing, always off the async runtime and bounded in
//! concurrency so a burst of log-ins cannot starve the blocking pool.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Cost of Argon2id. The default is OWASP's recommendation (19 MiB, 2 passes,
/// 1 lane), about 20-40 ms per hash on this class of machine in release builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
        }
    }
}

impl PasswordParams {
    /// The cheapest settings Argon2id accepts. Only for tests, where hundreds of
    /// sign-ups in an unoptimised build would otherwise take minutes.
    pub fn cheapest() -> Self {
        Self {
            memory_kib: Params::MIN_M_COST,
            iterations: 1,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords.
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    /// A hash of a random password, verified against when the e-mail is unknown so
    /// that an unknown e-mail costs the same time as a wrong password.
    decoy_hash: String,
    permits: Semaphore,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Builds the hasher and computes the decoy hash (one Argon2id run).
    pub fn new(params: PasswordParams) -> Result<Self, ApiError> {
        let argon_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| ApiError::Internal(format!("bad argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut decoy = [0u8; 24];
        getrandom::fill(&mut decoy)
            .map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
        let decoy_hash = hash_with(&argon2, &decoy)?;
        let lanes = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(Self {
            argon2,
            decoy_hash,
            permits: Semaphore::new(lanes),
        })
    }

    /// Hashes a new password into a PHC string (`$argon2id$v=19$...`).
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        self.run_blocking(move || hash_with(&argon2, password.as_bytes()))
            .await?
    }

    /// Checks `password` against a stored hash. With no stored hash (unknown
    /// user) it checks against the decoy, taking the same time, and says no.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.decoy_hash).to_owned();
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        let matched = self
            .run_blocking(move || match PasswordHash::new(&stored) {
                Ok(parsed) => argon2.verify_password(password.as_bytes(), &parsed).is_ok(),
                Err(e) => {
                    tracing::error!(error = %e, "a stored password hash is not a valid PHC string");
                    false
                }
            })
            .await?;
        Ok(known && matched)
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::Internal("password hasher closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(format!("password hashing task failed: {e}")))
    }
}

fn hash_with(argon2: &Argon2<'static>, password: &[u8]) -> Result<String, ApiError> {
    argon2
        .hash_password(password)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing a password failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_match() {
        let hasher = PasswordHasher::new(PasswordParams::cheapest()).unwrap();
        let hash = hasher.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(hasher.verify("correct horse", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("wrong horse", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("correct horse", None).await.unwrap());
        assert!(!hasher.verify("x", Some("not a phc string")).await.unwrap());
        // Salted: the same password hashes differently each time.
        assert_ne!(hash, hasher.hash("correct horse").await.unwrap());
    }
}
