//! Deny-by-default socket permissions (`allowedHosts`).
//!
//! A component may only use sockets towards addresses its manifest entry lists.
//! Entries: `host:port`, `host` (any port), `host:*`, `10.0.0.0/8:443`, `[::1]:4222`,
//! `*:4222` (any address, that port) and `*` (anything). Host names are resolved once,
//! when the workload starts; WASI hands the host resolved addresses, not names.
//! Implicit binds that the OS does for an outgoing connection (wildcard address,
//! port 0) are allowed whenever the component may connect anywhere at all; explicit
//! binds and listening need a matching entry.
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use wasmtime_wasi::sockets::SocketAddrUse;

/// One parsed `allowedHosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub host: HostPattern,
    /// `None` = any port.
    pub port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Any,
    Net(IpNet),
    /// Resolved to addresses by [`NetPolicy::resolve`].
    Name(String),
}

impl Rule {
    /// Parses one entry; the error says what is wrong with it.
    pub fn parse(entry: &str) -> Result<Rule, String> {
        let e = entry.trim();
        if e.is_empty() {
            return Err("empty entry".into());
        }
        if e == "*" {
            return Ok(Rule { host: HostPattern::Any, port: None });
        }
        // [v6]:port / [v6]
        let (host, port) = if let Some(rest) = e.strip_prefix('[') {
            let (h, tail) = rest.split_once(']').ok_or_else(|| format!("`{e}`: missing `]`"))?;
            (h, tail.strip_prefix(':'))
        } else if e.matches(':').count() == 1 {
            let (h, p) = e.split_once(':').unwrap();
            (h, Some(p))
        } else {
            (e, None) // a bare host, a bare IPv6 address or a CIDR
        };
        let port = match port {
            None | Some("*") => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| format!("`{e}`: `{p}` is not a port number"))?),
        };
        let host = if host == "*" {
            HostPattern::Any
        } else if let Ok(net) = host.parse::<IpNet>() {
            HostPattern::Net(net)
        } else if let Ok(ip) = host.parse::<IpAddr>() {
            HostPattern::Net(IpNet::from(ip))
        } else if host.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) {
            HostPattern::Name(host.to_ascii_lowercase())
        } else {
            return Err(format!("`{e}`: `{host}` is not a host name, IP address or network"));
        };
        Ok(Rule { host, port })
    }

    fn matches(&self, ip: IpAddr, port: u16, resolved: &[IpAddr]) -> bool {
        let port_ok = self.port.is_none_or(|p| p == port);
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Net(n) => n.contains(&ip),
            HostPattern::Name(_) => resolved.contains(&ip),
        };
        port_ok && host_ok
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> NetPolicy {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(NetPolicy::resolve(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>())).unwrap()
    }

    #[test]
    fn parses_entries() {
        assert_eq!(Rule::parse("*").unwrap().host, HostPattern::Any);
        assert_eq!(Rule::parse("*:4222").unwrap().port, Some(4222));
        assert_eq!(Rule::parse("10.0.0.0/8:443").unwrap().port, Some(443));
        assert_eq!(Rule::parse("[::1]:80").unwrap().port, Some(80));
        assert_eq!(Rule::parse("nats.internal").unwrap().port, None);
        assert!(Rule::parse("host:notaport").is_err());
        assert!(Rule::parse("bad host").is_err());
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
}
