//! `host:port` strings to socket addresses: parsing, name resolution through
//! `wasi:sockets/ip-name-lookup` (WASI 0.3, async), and conversion between
//! `std::net` and WASI address types.
use crate::error::{NetError, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use wasip3::sockets::ip_name_lookup::{self, ErrorCode as LookupError};
use wasip3::sockets::types::{IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress};

/// Splits `host:port` (`[v6]:port` for IPv6) into the host and the port.
pub(crate) fn split_host_port(addr: &str) -> Result<(&str, u16)> {
    let bad = |reason: &str| NetError::InvalidAddress { addr: addr.to_string(), reason: reason.to_string() };
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').ok_or_else(|| bad("missing `]` after the IPv6 address"))?;
        (h, tail.strip_prefix(':').ok_or_else(|| bad("missing `:port` after `]`"))?)
    } else {
        let (h, p) = addr.rsplit_once(':').ok_or_else(|| bad("missing `:port`"))?;
        if h.contains(':') {
            return Err(bad("IPv6 addresses need brackets"));
        }
        (h, p)
    };
    if host.is_empty() {
        return Err(bad("empty host"));
    }
    let port = port.parse::<u16>().map_err(|_| bad(&format!("`{port}` is not a port number (0-65535)")))?;
    Ok((host, port))
}

/// The socket addresses `addr` stands for, in the resolver's preference order.
/// IP literals are used as they are; names go to the host's resolver.
pub(crate) async fn resolve(addr: &str) -> Result<Vec<SocketAddr>> {
    let (host, port) = split_host_port(addr)?;
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let found = ip_name_lookup::resolve_addresses(host.to_string())
        .await
        .map_err(|e| NetError::Resolve { host: host.to_string(), reason: lookup_reason(&e) })?;
    Ok(found.into_iter().map(|ip| SocketAddr::new(from_wasi_ip(ip), port)).collect())
}

fn lookup_reason(e: &LookupError) -> String {
    match e {
        LookupError::AccessDenied => "name lookup denied by the host (the host must allow `ip-name-lookup`)".into(),
        LookupError::InvalidArgument => "not a valid host name".into(),
        LookupError::NameUnresolvable => "no such host (check the spelling and the DNS setup)".into(),
        LookupError::TemporaryResolverFailure => "temporary DNS failure (try again later)".into(),
        LookupError::PermanentResolverFailure => "permanent DNS failure".into(),
        LookupError::Other(Some(s)) => s.clone(),
        LookupError::Other(None) => "unspecified resolver error".into(),
    }
}

pub(crate) fn family(addr: &SocketAddr) -> IpAddressFamily {
    match addr {
        SocketAddr::V4(_) => IpAddressFamily::Ipv4,
        SocketAddr::V6(_) => IpAddressFamily::Ipv6,
    }
}

pub(crate) fn to_wasi(addr: SocketAddr) -> IpSocketAddress {
    match addr {
        SocketAddr::V4(a) => {
            let [a0, a1, a2, a3] = a.ip().octets();
            IpSocketAddress::Ipv4(Ipv4SocketAddress { port: a.port(), address: (a0, a1, a2, a3) })
        }
        SocketAddr::V6(a) => {
            let [s0, s1, s2, s3, s4, s5, s6, s7] = a.ip().segments();
            IpSocketAddress::Ipv6(Ipv6SocketAddress {
                port: a.port(),
                flow_info: a.flowinfo(),
                address: (s0, s1, s2, s3, s4, s5, s6, s7),
                scope_id: a.scope_id(),
            })
        }
    }
}

pub(crate) fn from_wasi(addr: IpSocketAddress) -> SocketAddr {
    match addr {
        IpSocketAddress::Ipv4(a) => SocketAddr::new(from_wasi_ip(IpAddress::Ipv4(a.address)), a.port),
        IpSocketAddress::Ipv6(a) => SocketAddr::new(from_wasi_ip(IpAddress::Ipv6(a.address)), a.port),
    }
}

fn from_wasi_ip(ip: IpAddress) -> IpAddr {
    match ip {
        IpAddress::Ipv4((a, b, c, d)) => IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
        IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)),
    }
}

#[cfg(test)]
mod tests {
    use super::split_host_port;

    #[test]
    fn host_port_forms() {
        assert_eq!(split_host_port("nats.internal:4222").unwrap(), ("nats.internal", 4222));
        assert_eq!(split_host_port("127.0.0.1:80").unwrap(), ("127.0.0.1", 80));
        assert_eq!(split_host_port("[::1]:443").unwrap(), ("::1", 443));
        for bad in ["nohost", ":80", "h:port", "::1:80", "[::1]", "h:70000"] {
            let e = split_host_port(bad).unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("expected `host:port`"), "{e}");
        }
    }
}
