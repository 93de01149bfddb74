//! The syntax of `allowedHosts` entries: `host:port`, `host` (any port), `host:*`,
//! `10.0.0.0/8:443`, `[::1]:4222`, `*:4222` (any address, that port) and `*`
//! (anything). Parsing only; the engine's network policy resolves names and checks
//! addresses against the parsed rules.
use ipnet::IpNet;
use std::net::IpAddr;

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

    pub(crate) fn matches(&self, ip: IpAddr, port: u16, resolved: &[IpAddr]) -> bool {
        let port_ok = self.port.is_none_or(|p| p == port);
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Net(n) => n.contains(&ip),
            HostPattern::Name(_) => resolved.contains(&ip),
        };
        port_ok && host_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
