//! The syntax of `allowedHosts` entries: `host:port`, `host` (any port), `host:*`,
//! `10.0.0.0/8:443`, `[::1]:4222`, `*:4222` (any address, that port), `*`
//! (anything), and the forms wasmCloud writes: `scheme://host[:port][/]` (HTTP
//! requests must use that scheme) and `*.suffix[:port]` / `scheme://*.suffix[:port]`
//! (any name under `suffix`, by name only). Also the syntax of
//! `allowedIpNameLookups` (`*`, `*.suffix`, `host`, an IP) and of wasmCloud's
//! `allowedHostLoopbackPorts` (`5432`, `5432/tcp`, `53/udp`). Parsing only; the
//! engine's network policy resolves names and checks addresses against the rules.
use ipnet::IpNet;
use std::net::IpAddr;

/// One parsed `allowedHosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub host: HostPattern,
    /// `None` = any port.
    pub port: Option<u16>,
    /// `https` in `https://api.example.com` (lowercase): outgoing HTTP must use it.
    /// Sockets have no scheme and ignore it.
    pub scheme: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Any,
    Net(IpNet),
    /// Resolved to addresses by [`NetPolicy::resolve`](crate::engine::net_policy::NetPolicy::resolve).
    Name(String),
    /// `*.example.com`, kept as `.example.com`: names under it (not the name itself).
    /// Matches HTTP requests by name; a socket address has no name, so never a socket.
    Suffix(String),
}

impl HostPattern {
    /// Whether a (lowercase) host name matches by name.
    pub fn matches_name(&self, host: &str) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Name(n) => n == host,
            HostPattern::Suffix(s) => host.len() > s.len() && host.ends_with(s.as_str()),
            HostPattern::Net(_) => false,
        }
    }
}

impl Rule {
    /// Parses one entry; the error says what is wrong with it.
    pub fn parse(entry: &str) -> Result<Rule, String> {
        let e = entry.trim();
        if e.is_empty() {
            return Err("empty entry".into());
        }
        let Some((scheme, rest)) = e.split_once("://") else {
            return parse_authority(e, e);
        };
        let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid_scheme {
            return Err(format!("`{e}`: `{scheme}` is not a URL scheme"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(format!(
                "`{e}`: a path, query or fragment has no place here: this is a list of hosts, not URLs"
            ));
        }
        if rest.is_empty() || rest == "*" || rest.starts_with("*:") {
            return Err(format!("`{e}`: give a host after `{scheme}://` (or write `*` alone for anything)"));
        }
        let mut rule = parse_authority(rest, e)?;
        rule.scheme = Some(scheme.to_ascii_lowercase());
        Ok(rule)
    }

    pub(crate) fn matches(&self, ip: IpAddr, port: u16, resolved: &[IpAddr]) -> bool {
        let port_ok = self.port.is_none_or(|p| p == port);
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Net(n) => n.contains(&ip),
            HostPattern::Name(_) => resolved.contains(&ip),
            HostPattern::Suffix(_) => false,
        };
        port_ok && host_ok
    }
}

/// `host[:port]` without a scheme; `whole` is the entry, for messages.
fn parse_authority(e: &str, whole: &str) -> Result<Rule, String> {
    if e == "*" {
        return Ok(Rule { host: HostPattern::Any, port: None, scheme: None });
    }
    // [v6]:port / [v6]
    let (host, port) = if let Some(rest) = e.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').ok_or_else(|| format!("`{whole}`: missing `]`"))?;
        (h, tail.strip_prefix(':'))
    } else if e.matches(':').count() == 1 {
        let (h, p) = e.split_once(':').unwrap();
        (h, Some(p))
    } else {
        (e, None) // a bare host, a bare IPv6 address or a CIDR
    };
    let port = match port {
        None | Some("*") => None,
        Some(p) => Some(p.parse::<u16>().map_err(|_| format!("`{whole}`: `{p}` is not a port number"))?),
    };
    let host = if host == "*" {
        HostPattern::Any
    } else if let Some(suffix) = host.strip_prefix("*.") {
        if !is_dns_name(suffix) {
            return Err(format!("`{whole}`: `{suffix}` after `*.` is not a host name"));
        }
        HostPattern::Suffix(format!(".{}", suffix.to_ascii_lowercase()))
    } else if host.contains('*') {
        return Err(format!("`{whole}`: a wildcard must be `*` alone or `*.` followed by a name (`*.example.com`)"));
    } else if let Ok(net) = host.parse::<IpNet>() {
        HostPattern::Net(net)
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        HostPattern::Net(IpNet::from(ip))
    } else if is_dns_name(host) {
        HostPattern::Name(host.to_ascii_lowercase())
    } else {
        return Err(format!("`{whole}`: `{host}` is not a host name, IP address or network"));
    };
    Ok(Rule { host, port, scheme: None })
}

fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Checks one `allowedIpNameLookups` entry: `*`, `*.suffix`, a host name or an IP
/// address (no scheme, port or path: a lookup resolves a name).
pub fn check_lookup_name(entry: &str) -> Result<(), String> {
    let e = entry.trim();
    if e == "*" || e.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    if e.contains("://") || e.contains(['/', ':', '?', '#']) {
        return Err(format!("`{e}`: a name lookup takes a host name only, without scheme, port or path"));
    }
    let name = e.strip_prefix("*.").unwrap_or(e);
    if is_dns_name(name) { Ok(()) } else { Err(format!("`{e}`: write `*`, `*.example.com`, `example.com` or an IP")) }
}

/// Checks one wasmCloud `allowedHostLoopbackPorts` entry: `5432`, `5432/tcp` or `53/udp`.
pub fn check_loopback_port(entry: &str) -> Result<(), String> {
    let e = entry.trim();
    let (port, proto) = e.split_once('/').unwrap_or((e, "tcp"));
    if !proto.eq_ignore_ascii_case("tcp") && !proto.eq_ignore_ascii_case("udp") {
        return Err(format!("`{e}`: `{proto}` is not tcp or udp"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!("`{e}`: `{port}` is not a port number (write 5432, 5432/tcp or 53/udp)")),
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

    #[test]
    fn parses_wasmcloud_forms() {
        let r = Rule::parse("https://API.example.com").unwrap();
        assert_eq!(
            (r.host, r.port, r.scheme.as_deref()),
            (HostPattern::Name("api.example.com".into()), None, Some("https"))
        );
        let r = Rule::parse("https://api.example.com:8443/").unwrap();
        assert_eq!((r.port, r.scheme.as_deref()), (Some(8443), Some("https")));
        let r = Rule::parse("*.Example.com:8443").unwrap();
        assert_eq!((r.host, r.port, r.scheme), (HostPattern::Suffix(".example.com".into()), Some(8443), None));
        let r = Rule::parse("https://*.example.com/").unwrap();
        assert_eq!((r.host, r.scheme.as_deref()), (HostPattern::Suffix(".example.com".into()), Some("https")));
        assert_eq!(Rule::parse("http://10.1.2.3:80").unwrap().port, Some(80));
        for bad in [
            "https://api.example.com/v1",
            "https://a.com?x=1",
            "*foo.com",
            "f*o.com",
            "https://",
            "1https://a",
            "https://*",
        ] {
            assert!(Rule::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn suffix_matches_names_under_it_only() {
        let s = HostPattern::Suffix(".example.com".into());
        assert!(s.matches_name("api.example.com") && s.matches_name("a.b.example.com"));
        assert!(!s.matches_name("example.com") && !s.matches_name("badexample.com"));
        let r = Rule::parse("*.example.com").unwrap();
        assert!(!r.matches("1.2.3.4".parse().unwrap(), 80, &[]), "a suffix never matches a socket address");
    }

    #[test]
    fn lookup_names_and_loopback_ports() {
        for ok in ["*", "*.wasmcloud.io", "api.wasmcloud.io", "10.0.0.1", "::1"] {
            assert!(check_lookup_name(ok).is_ok(), "{ok}");
        }
        for bad in ["https://a.io", "a.io:80", "*a.io", "a b"] {
            assert!(check_lookup_name(bad).is_err(), "{bad}");
        }
        for ok in ["5432", "5432/tcp", "53/udp", "53/UDP"] {
            assert!(check_loopback_port(ok).is_ok(), "{ok}");
        }
        for bad in ["0", "70000", "5432/sctp", "*", "1-2"] {
            assert!(check_loopback_port(bad).is_err(), "{bad}");
        }
    }
}
