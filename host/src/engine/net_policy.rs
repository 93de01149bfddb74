//! Deny-by-default socket permissions (`allowedHosts`).
//!
//! A component may only use sockets towards addresses its manifest entry lists.
//! Entries: `host:port`, `host` (any port), `host:*`, `10.0.0.0/8:443`, `[::1]:4222`,
//! `*:4222` (any address, that port), `*` (anything), `scheme://host[:port]` and
//! `*.suffix[:port]` (see `manifest/hosts.rs`). Host names are resolved once, when
//! the workload starts; WASI hands the host resolved addresses, not names, so a
//! `*.suffix` entry only ever allows HTTP requests (matched by name) and a scheme
//! only narrows HTTP requests.
//! Implicit binds that the OS does for an outgoing connection (wildcard address,
//! port 0) are allowed whenever the component may connect anywhere at all; explicit
//! binds and listening need a matching entry.
use crate::manifest::hosts::{HostPattern, Rule};
use std::net::{IpAddr, SocketAddr};
use wasmtime_wasi::sockets::SocketAddrUse;

/// The socket permissions of one component.
#[derive(Debug, Clone, Default)]
pub struct NetPolicy {
    rules: Vec<(Rule, Vec<IpAddr>)>,
    /// `allowedIpNameLookups`: `Some(false)` denies `wasi:sockets/ip-name-lookup`,
    /// `Some(true)` allows it; `None` allows it when any socket use is allowed.
    name_lookups: Option<bool>,
}

impl NetPolicy {
    /// Parses the entries and resolves host names (once, now).
    pub async fn resolve(entries: &[String]) -> Result<NetPolicy, String> {
        let mut rules = Vec::new();
        for e in entries {
            let rule = Rule::parse(e)?;
            let addrs = match &rule.host {
                HostPattern::Name(name) => {
                    let found = tokio::net::lookup_host((name.as_str(), 0))
                        .await
                        .map_err(|err| format!("allowedHosts entry `{e}`: cannot resolve `{name}`: {err}"))?;
                    found.map(|a| a.ip()).collect()
                }
                _ => Vec::new(),
            };
            rules.push((rule, addrs));
        }
        Ok(NetPolicy { rules, name_lookups: None })
    }

    /// Sets whether the guest may resolve names (see [`NetPolicy::name_lookups`]).
    pub fn with_name_lookups(mut self, allowed: Option<bool>) -> NetPolicy {
        self.name_lookups = allowed;
        self
    }

    /// True when the component may use sockets at all.
    pub fn any(&self) -> bool {
        !self.rules.is_empty()
    }

    /// Whether `wasi:sockets/ip-name-lookup` answers this guest.
    pub fn name_lookups(&self) -> bool {
        self.name_lookups.unwrap_or_else(|| self.any())
    }

    /// The check wasmtime-wasi calls for every socket address a guest uses.
    pub fn allows(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        if !self.any() {
            return false;
        }
        let implicit_bind = matches!(usage, SocketAddrUse::TcpBind | SocketAddrUse::UdpBind)
            && addr.ip().is_unspecified()
            && addr.port() == 0;
        implicit_bind || self.rules.iter().any(|(r, resolved)| r.matches(addr.ip(), addr.port(), resolved))
    }
}

impl NetPolicy {
    /// Whether outgoing HTTP to `scheme://host:port` (a request's authority) is
    /// allowed. Only rules without a scheme or with this scheme count. A rule naming
    /// the host (or a `*.suffix` above it) matches it by name; otherwise an IP
    /// literal, or every address the name resolves to, must be allowed for a TCP
    /// connect.
    pub async fn allows_authority(&self, scheme: &str, host: &str, port: u16) -> bool {
        if !self.any() || host.is_empty() {
            return false;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let rules =
            || self.rules.iter().filter(|(r, _)| r.scheme.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(scheme)));
        let by_address = |a: SocketAddr| rules().any(|(r, resolved)| r.matches(a.ip(), a.port(), resolved));
        if let Ok(ip) = host.parse::<IpAddr>() {
            return by_address(SocketAddr::new(ip, port));
        }
        if rules().any(|(r, _)| r.port.is_none_or(|p| p == port) && r.host.matches_name(&host)) {
            return true;
        }
        match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(addrs) => {
                let addrs: Vec<SocketAddr> = addrs.collect();
                !addrs.is_empty() && addrs.iter().all(|a| by_address(*a))
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> NetPolicy {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(NetPolicy::resolve(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>())).unwrap()
    }

    #[test]
    fn denies_by_default_and_matches() {
        let connect = SocketAddrUse::TcpConnect;
        let a: SocketAddr = "127.0.0.1:4222".parse().unwrap();
        assert!(!NetPolicy::default().allows(a, connect));
        let p = policy(&["127.0.0.1:4222"]);
        assert!(p.allows(a, connect));
        assert!(!p.allows("127.0.0.1:4223".parse().unwrap(), connect));
        assert!(p.allows("0.0.0.0:0".parse().unwrap(), SocketAddrUse::TcpBind));
        assert!(!p.allows("0.0.0.0:8080".parse().unwrap(), SocketAddrUse::TcpBind));
        assert!(policy(&["localhost:*"]).allows(a, connect));
        assert!(policy(&["10.0.0.0/8"]).allows("10.1.2.3:1".parse().unwrap(), connect));
    }

    #[test]
    fn http_authorities() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let p = policy(&["localhost:8080", "10.0.0.0/8:443"]);
        assert!(rt.block_on(p.allows_authority("http", "localhost", 8080)));
        assert!(rt.block_on(p.allows_authority("http", "LOCALHOST", 8080)));
        assert!(!rt.block_on(p.allows_authority("http", "localhost", 8081)));
        assert!(rt.block_on(p.allows_authority("https", "10.9.9.9", 443)));
        assert!(!rt.block_on(p.allows_authority("https", "example.invalid", 443)));
        assert!(rt.block_on(p.allows_authority("http", "127.0.0.1", 8080)), "resolved addresses of a named rule count");
        assert!(!rt.block_on(NetPolicy::default().allows_authority("http", "localhost", 8080)));
    }

    #[test]
    fn http_schemes_and_suffixes() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let p = policy(&["https://localhost", "*.example.invalid:8443", "http://*.internal.invalid"]);
        assert!(rt.block_on(p.allows_authority("https", "localhost", 9999)), "no port: any port");
        assert!(!rt.block_on(p.allows_authority("http", "localhost", 9999)), "the scheme is pinned");
        assert!(!rt.block_on(p.allows_authority("http", "127.0.0.1", 9999)), "also through its addresses");
        assert!(rt.block_on(p.allows_authority("https", "api.example.invalid", 8443)));
        assert!(rt.block_on(p.allows_authority("http", "a.b.example.invalid", 8443)));
        assert!(!rt.block_on(p.allows_authority("https", "api.example.invalid", 443)));
        assert!(!rt.block_on(p.allows_authority("https", "example.invalid", 8443)), "not the suffix itself");
        assert!(rt.block_on(p.allows_authority("http", "db.internal.invalid", 80)));
        assert!(!rt.block_on(p.allows_authority("https", "db.internal.invalid", 443)));
        // Sockets ignore schemes; suffixes never match an address.
        assert!(p.allows("127.0.0.1:5".parse().unwrap(), SocketAddrUse::TcpConnect));
    }

    #[test]
    fn name_lookups_follow_the_setting() {
        assert!(!NetPolicy::default().name_lookups());
        assert!(policy(&["*"]).name_lookups());
        assert!(!policy(&["*"]).with_name_lookups(Some(false)).name_lookups());
        assert!(NetPolicy::default().with_name_lookups(Some(true)).name_lookups());
    }
}
