//! The Todo Chatbot's web frontend (`todo web`).
//!
//! Server-rendered HTML (askama templates compiled into the binary) with htmx for
//! in-place updates; every form also works without JavaScript. The browser holds
//! one sealed, HttpOnly, SameSite=Strict session cookie ([`session`]); this server
//! calls the backend API with the user's JWT ([`backend`]), so the backend never
//! needs to be reachable from the browser.
//!
//! Entry points: [`router`] builds the axum app, [`serve`] runs it on a listener.

mod assets;
pub mod backend;
pub mod config;
mod error;
mod forms;
mod layers;
mod pages;
mod repeat;
mod retry;
pub mod session;
mod views;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use assets::HTMX_VERSION;
pub use config::{BackendUrl, CookieSecurity, SessionSecret, WebConfig};
pub use error::{Result, WebError};

use assets::Assets;
use backend::BackendClient;
use session::{RevokedSessions, Session, SessionSealer};
use views::Chrome;

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

struct Shared {
    backend: BackendClient,
    sealer: SessionSealer,
    revoked: RevokedSessions,
    cookie_security: CookieSecurity,
    assets: Assets,
}

impl AppState {
    pub fn new(config: &WebConfig) -> Self {
        Self(Arc::new(Shared {
            backend: BackendClient::new(config),
            sealer: SessionSealer::new(&config.session_secret),
            revoked: RevokedSessions::default(),
            cookie_security: config.cookie_security,
            assets: Assets::new(),
        }))
    }

    fn backend(&self) -> &BackendClient {
        &self.0.backend
    }

    fn sealer(&self) -> &SessionSealer {
        &self.0.sealer
    }

    fn revoked(&self) -> &RevokedSessions {
        &self.0.revoked
    }

    fn cookie_security(&self) -> CookieSecurity {
        self.0.cookie_security
    }

    fn assets(&self) -> &Assets {
        &self.0.assets
    }

    fn chrome(&self, session: &Session) -> Chrome {
        Chrome {
            csrf: session.csrf.clone(),
            assets: self.0.assets.urls.clone(),
            user_label: session.account.as_ref().map(|a| a.label.clone()),
        }
    }

    fn anonymous_chrome(&self) -> Chrome {
        Chrome {
            csrf: String::new(),
            assets: self.0.assets.urls.clone(),
            user_label: None,
        }
    }
}

/// The whole frontend as an axum router.
pub fn router(config: &WebConfig) -> Router {
    let state = AppState::new(config);
    let pages = Router::new()
        .route("/", get(pages::auth::home))
        .route(
            "/login",
            get(pages::auth::login_page).post(pages::auth::login),
        )
        .route(
            "/signup",
            get(pages::auth::signup_page).post(pages::auth::signup),
        )
        .route("/logout", post(pages::auth::logout))
        .route(
            "/tasks",
            get(pages::tasks::tasks_page).post(pages::tasks::create_task),
        )
        .route("/tasks/list", get(pages::tasks::task_list))
        .route("/tasks/{id}", post(pages::tasks::update_task))
        .route("/tasks/{id}/edit", get(pages::tasks::edit_task))
        .route("/tasks/{id}/toggle", post(pages::tasks::toggle_task))
        .route("/tasks/{id}/delete", post(pages::tasks::delete_task))
        .route("/chat", post(pages::chat::send_message))
        .fallback(pages::not_found)
        // Innermost first: CSRF needs the session, problems need both.
        .layer(from_fn(layers::require_csrf))
        .layer(from_fn_with_state(state.clone(), layers::render_problems))
        .layer(from_fn_with_state(state.clone(), layers::load_session));
    Router::new()
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/assets/{name}", get(assets::serve_asset))
        .merge(pages)
        .layer(from_fn(layers::security_headers))
        .layer(from_fn(layers::access_log))
        .with_state(state)
}

/// Serves the frontend on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: &WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let app = router(config);
    tracing::info!(addr = ?listener.local_addr().ok(), backend = config.backend_url.as_str(), "web frontend listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
