//! What every handler can reach: the store, the token keys, the password
//! hasher, the metrics registry and the configuration.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use todo_core::Store;

use crate::auth::password::{PasswordHasher, PasswordParams};
use crate::auth::token::{JwtSecret, TokenKeys};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::observe::RequestIds;

/// Tunables of the API. `Default` is what production uses.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub body_limit: usize,
    /// Lifetime of issued tokens.
    pub token_ttl: Duration,
    /// Cost of password hashing.
    pub password: PasswordParams,
}

impl ApiConfig {
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
    pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            body_limit: Self::DEFAULT_BODY_LIMIT,
            token_ttl: Self::DEFAULT_TOKEN_TTL,
            password: PasswordParams::default(),
        }
    }
}

/// The store, once it is connected. The server starts answering `/health`
/// before the database is reachable (Kubernetes probes need that); until the
/// slot is filled, everything that needs the database answers 503.
#[derive(Clone, Default)]
pub struct StoreSlot(Arc<OnceLock<Arc<dyn Store>>>);

impl StoreSlot {
    pub fn connected(store: Arc<dyn Store>) -> Self {
        let slot = Self::default();
        slot.fill(store);
        slot
    }

    /// Installs the store; later calls are ignored (the first store wins).
    pub fn fill(&self, store: Arc<dyn Store>) {
        if self.0.set(store).is_err() {
            tracing::warn!("store slot was already filled; keeping the first store");
        }
    }

    /// The store, or 503 while it is not connected yet.
    pub fn get(&self) -> Result<&Arc<dyn Store>, ApiError> {
        self.0.get().ok_or(ApiError::Unavailable(
            "the database is not connected yet; try again shortly",
        ))
    }

    pub fn is_connected(&self) -> bool {
        self.0.get().is_some()
    }
}

impl std::fmt::Debug for StoreSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSlot")
            .field("connected", &self.is_connected())
            .finish()
    }
}

/// Shared state of the router. Cheap to clone: every part is behind an `Arc`.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: StoreSlot,
    pub tokens: Arc<TokenKeys>,
    pub passwords: Arc<PasswordHasher>,
    pub metrics: Arc<Metrics>,
    pub request_ids: Arc<RequestIds>,
    pub config: Arc<ApiConfig>,
}

impl AppState {
    /// Builds the state. Computes one password hash (the decoy that keeps log-in
    /// timing equal for unknown e-mails), so call it off the async runtime's hot
    /// path, e.g. once at start-up.
    pub fn new(store: StoreSlot, secret: &JwtSecret, config: ApiConfig) -> Result<Self, ApiError> {
        Ok(Self {
            store,
            tokens: Arc::new(TokenKeys::new(secret, config.token_ttl)),
            passwords: Arc::new(PasswordHasher::new(config.password)?),
            metrics: Arc::new(Metrics::new()),
            request_ids: Arc::new(RequestIds::default()),
            config: Arc::new(config),
        })
    }
}
