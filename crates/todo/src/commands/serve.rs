//! `todo serve`: every part of the system in one process: the API and the web
//! frontend, which calls the API over loopback exactly as it would across a cluster.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::cli::ServeArgs;
use crate::config::{self, StoreChoice};
use crate::error::Result;
use crate::server::{self, Endpoint};

pub async fn run(args: ServeArgs) -> Result<()> {
    let api = args.api_args();
    let state = super::api::prepare(&api).await?;
    let slot = state.store.clone();
    let api_listener = server::bind(&api.listen.host, api.listen.port).await?;
    let backend_url =
        loopback_url(
            api_listener
                .local_addr()
                .map_err(|source| crate::error::CliError::Bind {
                    addr: format!("{}:{}", api.listen.host, api.listen.port),
                    source,
                })?,
        )
        .parse()?;
    // Sessions survive restarts: the session key is derived from the API's secret
    // (generated once beside the embedded database, or BETTER_AUTH_SECRET).
    let choice = StoreChoice::from_args(&args.store)?;
    let auth_secret = config::auth_secret(args.auth_secret.as_deref(), &choice)?;
    let web_config = super::web::config(&args.web, backend_url, Some(auth_secret.as_bytes()))?;
    let web_listener = server::bind(&args.host, args.port).await?;
    let endpoints = vec![
        Endpoint {
            name: "api",
            listener: api_listener,
            router: todo_api::router(state),
        },
        Endpoint {
            name: "web",
            listener: web_listener,
            router: todo_web::router(&web_config),
        },
    ];
    let served = server::serve(endpoints, args.shutdown_timeout).await;
    crate::database::close(&slot).await;
    served
}

/// The API's address as the web side should call it: a wildcard address is
/// reached through loopback.
fn loopback_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_addresses_are_called_through_loopback() {
        assert_eq!(
            loopback_url("0.0.0.0:8000".parse().unwrap()),
            "http://127.0.0.1:8000"
        );
        assert_eq!(
            loopback_url("[::]:8000".parse().unwrap()),
            "http://[::1]:8000"
        );
        assert_eq!(
            loopback_url("127.0.0.2:81".parse().unwrap()),
            "http://127.0.0.2:81"
        );
    }
}
