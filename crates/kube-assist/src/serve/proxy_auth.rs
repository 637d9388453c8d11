//! Trusted-header authentication (oauth2-proxy style), off by default: an
//! authenticating proxy in front of the agent sends the signed-in person's name
//! in a header (`X-Auth-Request-User`, `X-Forwarded-User`, ...). The header is
//! believed only on connections from the configured source addresses; from
//! anywhere else it is removed before any handler sees it, so a client that
//! reaches the agent directly cannot claim to be someone.
//!
//! The person's role is the one their name has in the tokens file (so one team
//! list serves both ways of signing in), else `--trusted-header-role` (viewer).
//! The console opens a session for them on their first page, so its forms carry
//! a CSRF token exactly as after a token sign-in.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::ServeState;
use super::auth::{Caller, Role};
use super::error::ServeError;

/// A source network, `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceNet {
    addr: IpAddr,
    prefix: u8,
}

impl SourceNet {
    /// `ADDR/PREFIX` or `ADDR` (a single host), IPv4 or IPv6.
    pub fn parse(text: &str) -> Result<SourceNet, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| {
            format!("{text:?} is not an address or network such as 10.0.0.0/8 or 127.0.0.1")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(SourceNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket shows up as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The source networks of `--trusted-proxies` (one flag value, comma-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceList(pub Vec<SourceNet>);

/// Parse a comma-separated list of source networks.
pub fn parse_sources(text: &str) -> Result<SourceList, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(SourceNet::parse)
        .collect::<Result<Vec<_>, _>>()
        .map(SourceList)
}

/// Who may vouch for a person, and how.
#[derive(Debug, Clone)]
pub struct TrustedProxy {
    /// The header carrying the person's name.
    pub header: HeaderName,
    /// Connections from these addresses may send it.
    pub sources: Vec<SourceNet>,
    /// The role of a name the tokens file does not list.
    pub default_role: Role,
}

impl TrustedProxy {
    /// The configuration from the flags; `Ok(None)` when no header is set.
    pub fn from_flags(
        header: Option<&str>,
        sources: &[SourceNet],
        default_role: &str,
    ) -> Result<Option<TrustedProxy>, String> {
        let Some(header) = header.map(str::trim).filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let header = HeaderName::try_from(header)
            .map_err(|_| format!("--trusted-header {header:?} is not a valid header name"))?;
        if header == header::AUTHORIZATION || header == header::COOKIE {
            return Err(format!(
                "--trusted-header {header} would take a credential for a name; use the header your proxy sets for the user, e.g. X-Auth-Request-User"
            ));
        }
        if sources.is_empty() {
            return Err(
                "--trusted-header needs --trusted-proxies (the proxy's source addresses, e.g. 10.0.0.0/8): otherwise anyone reaching the agent could send the header".into(),
            );
        }
        let default_role = Role::parse(default_role).ok_or_else(|| {
            format!(
                "--trusted-header-role {default_role:?} is not one of viewer, operator, approver"
            )
        })?;
        Ok(Some(TrustedProxy {
            header,
            sources: sources.to_vec(),
            default_role,
        }))
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.sources.iter().any(|n| n.contains(ip))
    }
}

/// The person a trusted proxy vouched for on this request.
#[derive(Debug, Clone)]
pub struct ProxyCaller(pub Caller);

/// A person's name as a proxy may send it: printable, no spaces, not too long,
/// so it reads the same in the audit and cannot forge audit fields.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 256 && name.chars().all(|c| c.is_ascii_graphic())
}

/// Runs before every route: believes the trusted header only from a trusted
/// source (else removes it), and opens a console session for the person.
pub async fn middleware(
    State(state): State<Arc<ServeState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(proxy) = &state.proxy else {
        return next.run(req).await;
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let sent = req.headers().contains_key(&proxy.header);
    if !peer.is_some_and(|ip| proxy.trusts(ip)) {
        if sent {
            tracing::warn!(
                peer = ?peer,
                header = %proxy.header,
                "ignored the trusted header from an address not in --trusted-proxies"
            );
            req.headers_mut().remove(&proxy.header);
        }
        return next.run(req).await;
    }
    let name = req
        .headers()
        .get(&proxy.header)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    let Some(name) = name.filter(|n| valid_name(n)) else {
        return next.run(req).await;
    };
    let caller = Caller {
        role: state.tokens.role_of(&name).unwrap_or(proxy.default_role),
        name,
    };
    req.extensions_mut().insert(ProxyCaller(caller.clone()));
    let has_session = state
        .console
        .visitor(req.headers())
        .is_some_and(|v| v.caller == caller);
    if has_session {
        return next.run(req).await;
    }
    // The console's handlers read the session from the cookie: hand them the new
    // one on this request already, and the browser keeps it for the next.
    let id = state.console.open(caller);
    if let Ok(v) = HeaderValue::from_str(&format!("{}={id}", super::console::COOKIE)) {
        req.headers_mut().append(header::COOKIE, v);
    }
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&super::console::session_cookie(&id)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The authenticated caller of an API request: the person a trusted proxy vouched
/// for, else the owner of the bearer token.
pub struct Authed(pub Caller);

impl FromRequestParts<Arc<ServeState>> for Authed {
    type Rejection = ServeError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ServeState>,
    ) -> Result<Self, Self::Rejection> {
        if let Some(ProxyCaller(c)) = parts.extensions.get::<ProxyCaller>() {
            return Ok(Authed(c.clone()));
        }
        state.tokens.authenticate(&parts.headers).map(Authed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let n = SourceNet::parse("10.1.0.0/16").unwrap();
        assert!(n.contains(ip("10.1.255.3")));
        assert!(!n.contains(ip("10.2.0.1")));
        assert!(n.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped peers");
        let host = SourceNet::parse("127.0.0.1").unwrap();
        assert!(host.contains(ip("127.0.0.1")) && !host.contains(ip("127.0.0.2")));
        let all = SourceNet::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("192.168.1.1")) && !all.contains(ip("::1")));
        let v6 = SourceNet::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "10.0.0/8", "proxy", "::1/129", "10.0.0.0/x"] {
            assert!(SourceNet::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_sources("10.0.0.0/8, 127.0.0.1").unwrap().0.len(), 2);
    }

    #[test]
    fn the_header_needs_sources_and_a_real_role() {
        assert!(
            TrustedProxy::from_flags(None, &[], "viewer")
                .unwrap()
                .is_none()
        );
        let err = TrustedProxy::from_flags(Some("X-Auth-Request-User"), &[], "viewer").unwrap_err();
        assert!(err.contains("--trusted-proxies"), "{err}");
        let src = parse_sources("10.0.0.0/8").unwrap().0;
        let err = TrustedProxy::from_flags(Some("Authorization"), &src, "viewer").unwrap_err();
        assert!(err.contains("credential"), "{err}");
        let err = TrustedProxy::from_flags(Some("X-User"), &src, "admin").unwrap_err();
        assert!(err.contains("not one of"), "{err}");
        let p = TrustedProxy::from_flags(Some("X-User"), &src, "operator")
            .unwrap()
            .unwrap();
        assert_eq!(p.default_role, Role::Operator);
        assert!(p.trusts(ip("10.9.9.9")) && !p.trusts(ip("11.0.0.1")));
    }

    #[test]
    fn names_with_spaces_or_control_characters_are_not_names() {
        assert!(valid_name("alice@example.com"));
        assert!(!valid_name("alice smith"));
        assert!(!valid_name("a\"b\u{7}"));
        assert!(!valid_name(""));
    }
}
