//! `todo api`: the HTTP backend.

use todo_api::{ApiConfig, AppState, StoreSlot};

use crate::cli::ApiArgs;
use crate::config::{self, StoreChoice};
use crate::database;
use crate::error::Result;
use crate::server::{self, Endpoint};

/// Everything `todo api` needs before it can listen, also used by `todo serve`.
pub async fn prepare(args: &ApiArgs) -> Result<AppState> {
    let choice = StoreChoice::from_args(&args.store)?;
    let secret = config::auth_secret(args.auth_secret.as_deref(), &choice)?;
    let slot = StoreSlot::default();
    database::attach(&choice.url, &slot).await?;
    // Computes the log-in decoy hash: a few milliseconds of CPU, once.
    let state = tokio::task::block_in_place(|| AppState::new(slot, &secret, ApiConfig::default()))?;
    Ok(state)
}

pub async fn run(args: ApiArgs) -> Result<()> {
    let state = prepare(&args).await?;
    let slot = state.store.clone();
    let listener = server::bind(&args.listen.host, args.listen.port).await?;
    let router = todo_api::router(state);
    let endpoints = vec![Endpoint {
        name: "api",
        listener,
        router,
    }];
    let served = server::serve(endpoints, args.listen.shutdown_timeout).await;
    database::close(&slot).await;
    served
}
