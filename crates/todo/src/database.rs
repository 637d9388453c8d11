//! Opening the store. The embedded SQLite file opens at once or the start
//! fails with the reason. A PostgreSQL server may not be up yet when the pod
//! starts, so that connection is retried in the background with backoff while
//! the API already answers `/health` (and `/ready` with 503 until connected).

use std::sync::Arc;
use std::time::Duration;

use todo_api::StoreSlot;
use todo_core::Store;
use todo_store::DatabaseUrl;

use crate::error::{CliError, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// Fills `slot` with the store: right away for SQLite, from a background task
/// that retries until it succeeds for PostgreSQL.
pub async fn attach(url: &DatabaseUrl, slot: &StoreSlot) -> Result<()> {
    if !url.is_postgres() {
        slot.fill(connect_once(url).await?);
        return Ok(());
    }
    let (url, slot) = (url.clone(), slot.clone());
    tokio::spawn(async move {
        let store = connect_with_retry(&url).await;
        slot.fill(store);
    });
    Ok(())
}

/// Closes the store's connections (after the servers stopped), so SQLite
/// checkpoints its WAL and PostgreSQL sees clean disconnects.
pub async fn close(slot: &StoreSlot) {
    if let Ok(store) = slot.get() {
        store.close().await;
        tracing::info!("database connections closed");
    }
}

/// Connects and migrates once; the error says why it failed.
pub async fn connect_once(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    match tokio::time::timeout(CONNECT_TIMEOUT, todo_store::connect(url)).await {
        Ok(Ok(store)) => {
            tracing::info!(database = %describe(url), "database connected and migrated");
            Ok(store)
        }
        Ok(Err(e)) => Err(CliError::Store(redact(&e.to_string(), url))),
        Err(_) => Err(CliError::Store(format!(
            "no answer from {} within {CONNECT_TIMEOUT:?}",
            describe(url)
        ))),
    }
}

async fn connect_with_retry(url: &DatabaseUrl) -> Arc<dyn Store> {
    let mut delay = FIRST_RETRY;
    let mut attempt: u64 = 1;
    loop {
        match connect_once(url).await {
            Ok(store) => return store,
            Err(e) => {
                tracing::warn!(attempt, error = %e, retry_in = ?delay, "database not reachable yet; retrying")
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY);
        attempt += 1;
    }
}

/// The database for logs: scheme, host and name, never the password.
pub fn describe(url: &DatabaseUrl) -> String {
    url.redacted()
}

/// Store errors may quote the connection string; make sure no password survives.
fn redact(message: &str, url: &DatabaseUrl) -> String {
    let raw = url.to_string();
    let mut out = message.replace(&raw, &describe(url));
    if let Some(password) = password_of(&raw).filter(|p| !p.is_empty()) {
        out = out.replace(password, "***");
    }
    out
}

fn password_of(raw: &str) -> Option<&str> {
    let rest = raw.split_once("://")?.1;
    let userinfo = rest.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_log() {
        let raw = "postgres://app:s3cr3t@db.internal:5432/todo?sslmode=require";
        assert_eq!(password_of(raw), Some("s3cr3t"));
        let url: DatabaseUrl = raw.parse().unwrap();
        assert_eq!(describe(&url), "postgres://db.internal:5432/todo");
        let message = format!("password authentication failed for {raw} (password s3cr3t)");
        let clean = redact(&message, &url);
        assert!(!clean.contains("s3cr3t"), "{clean}");
    }
}
