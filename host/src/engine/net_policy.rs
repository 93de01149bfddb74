//! Deny-by-default socket permissions (`allowedHosts`).
//!
//! A component may only use sockets towards addresses its manifest entry lists.
//! Entries: `host:port`, `host` (any port), `host:*`, `10.0.0.0/8:443`, `[::1]:4222`,
//! `*:4222` (any address, that port) and `*` (anything). Host names are resolved once,
//! when the workload starts; WASI hands the host resolved addresses, not names.
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
        Ok(NetPolicy { rules })
    }

    /// True when the component may use sockets at all.
    pub fn any(&self) -> bool {
        !self.rules.is_empty()
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
    /// Whether outgoing HTTP to `host:port` (a request's authority) is allowed. A
    /// rule naming the host matches it by name; otherwise an IP literal, or every
    /// address the name resolves to, must be allowed for a TCP connect.
    pub async fn allows_authority(&self, host: &str, port: u16) -> bool {
        if !self.any() || host.is_empty() {
            return false;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self.allows(SocketAddr::new(ip, port), SocketAddrUse::TcpConnect);
        }
        let by_name = self.rules.iter().any(|(r, _)| {
            r.port.is_none_or(|p| p == port)
                && match &r.host {
                    HostPattern::Name(n) => *n == host,
                    HostPattern::Any => true,
                    HostPattern::Net(_) => false,
                }
        });
        if by_name {
            return true;
        }
        match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(addrs) => {
                let addrs: Vec<SocketAddr> = addrs.collect();
                !addrs.is_empty() && addrs.iter().all(|a| self.allows(*a, SocketAddrUse::TcpConnect))
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
        assert!(rt.block_on(p.allows_authority("localhost", 8080)));
        assert!(rt.block_on(p.allows_authority("LOCALHOST", 8080)));
        assert!(!rt.block_on(p.allows_authority("localhost", 8081)));
        assert!(rt.block_on(p.allows_authority("10.9.9.9", 443)));
        assert!(!rt.block_on(p.allows_authority("example.invalid", 443)));
        assert!(rt.block_on(p.allows_authority("127.0.0.1", 8080)), "resolved addresses of a named rule count");
        assert!(!rt.block_on(NetPolicy::default().allows_authority("localhost", 8080)));
    }
}
