//! Serving routers until SIGTERM/SIGINT, then shutting down gracefully: stop
//! accepting, let in-flight requests finish within a bound, then return.

use std::future::IntoFuture;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::error::{CliError, Result};

/// One router on one listener.
pub struct Endpoint {
    /// For logs: `api`, `web`.
    pub name: &'static str,
    pub listener: TcpListener,
    pub router: Router,
}

/// Binds `host:port`, with an error that says what to do when the port is taken.
pub async fn bind(host: &str, port: u16) -> Result<TcpListener> {
    let addr = format!("{host}:{port}");
    TcpListener::bind(&addr)
        .await
        .map_err(|source| CliError::Bind { addr, source })
}

/// Serves every endpoint until a shutdown signal, then waits up to `grace` for
/// in-flight requests. Returns when all servers have stopped (or the grace
/// period ran out, after which remaining connections are dropped).
pub async fn serve(endpoints: Vec<Endpoint>, grace: Duration) -> Result<()> {
    let mut terminate = signal(SignalKind::terminate()).map_err(CliError::Signals)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(CliError::Signals)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut servers = JoinSet::new();
    for Endpoint {
        name,
        listener,
        router,
    } in endpoints
    {
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        tracing::info!(%name, %addr, "listening on http://{addr}");
        let mut stop = stop_rx.clone();
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        });
        servers.spawn(async move { (name, server.into_future().await) });
    }

    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM received; shutting down"),
        _ = interrupt.recv() => tracing::info!("SIGINT received; shutting down"),
        Some(finished) = servers.join_next() => {
            // A server only returns on its own when it failed.
            let _ = stop_tx.send(true);
            return Err(CliError::Server(describe(finished)));
        }
    }
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(grace, async {
        while let Some(finished) = servers.join_next().await {
            if let Ok((name, Err(e))) = &finished {
                tracing::error!(%name, error = %e, "server stopped with an error");
            }
        }
    })
    .await;
    match drained {
        Ok(()) => tracing::info!("all requests finished; stopped"),
        Err(_) => {
            tracing::warn!(
                ?grace,
                "requests still running after the shutdown timeout; dropping them"
            );
            servers.abort_all();
        }
    }
    Ok(())
}

fn describe(
    finished: std::result::Result<(&'static str, std::io::Result<()>), tokio::task::JoinError>,
) -> String {
    match finished {
        Ok((name, Ok(()))) => format!("the {name} server stopped unexpectedly"),
        Ok((name, Err(e))) => format!("the {name} server failed: {e}"),
        Err(e) => format!("a server task failed: {e}"),
    }
}
