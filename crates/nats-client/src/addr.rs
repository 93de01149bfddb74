//! Server addresses and the reconnect pool. URLs are parsed with watermelon-proto's
//! `ServerAddr`; servers a cluster advertises in INFO (`connect_urls`, given as bare
//! `host:port`) join the pool at the back.
use crate::error::{Error, Result};
use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::VecDeque;
use watermelon_proto::{Host, Protocol, ServerAddr, Transport};

/// One server of the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Addr {
    pub host: String,
    pub port: u16,
    /// `tls://` URL: TLS is required for this server.
    pub tls: bool,
    /// Name to verify the certificate for: the host, or for an IP the server
    /// advertised, the DNS name the pool was configured with.
    pub tls_name: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Learned from a server's `connect_urls`.
    pub discovered: bool,
}

impl Addr {
    /// Parses `nats://[user:pass@]host[:port]`, `tls://...` or a bare `host:port`.
    pub(crate) fn parse(url: &str) -> Result<Addr> {
        let full = if url.contains("://") { url.to_string() } else { format!("nats://{url}") };
        let sa: ServerAddr = full.parse().map_err(|e| {
            Error::option(
                format!("server `{url}`"),
                format!("{e} (expected nats://host:port, tls://host:port or host:port)"),
            )
        })?;
        if sa.transport() == Transport::Websocket {
            return Err(Error::option(
                format!("server `{url}`"),
                "WebSocket URLs are not supported: use nats:// or tls://",
            ));
        }
        let host = match sa.host() {
            Host::Ip(ip) => ip.to_string(),
            Host::Dns(name) => name.to_string(),
        };
        Ok(Addr {
            tls_name: host.clone(),
            host,
            port: sa.port(),
            tls: sa.protocol() == Protocol::TLS,
            user: sa.username().map(str::to_string),
            password: sa.password().map(str::to_string),
            discovered: false,
        })
    }

    fn same_endpoint(&self, other: &Addr) -> bool {
        self.host == other.host && self.port == other.port
    }
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "tls" } else { "nats" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// The servers to (re)connect to, next candidate first.
pub(crate) struct Pool {
    servers: VecDeque<Addr>,
}

impl Pool {
    pub(crate) fn new(urls: &[String], randomize: bool, rng: &mut impl Rng) -> Result<Pool> {
        if urls.is_empty() {
            return Err(Error::option("servers", "no server given: add at least one URL, e.g. nats://127.0.0.1:4222"));
        }
        let mut servers = urls.iter().map(|u| Addr::parse(u)).collect::<Result<Vec<_>>>()?;
        if randomize {
            servers.shuffle(rng);
        }
        Ok(Pool { servers: servers.into() })
    }

    pub(crate) fn len(&self) -> usize {
        self.servers.len()
    }

    /// The next server to try; it moves to the back of the pool.
    pub(crate) fn next(&mut self) -> Addr {
        let a = self.servers.pop_front().expect("the pool is never empty");
        self.servers.push_back(a.clone());
        a
    }

    /// Adds advertised `host:port`s that are not in the pool yet; returns the added
    /// URLs. They inherit TLS and the TLS name from `current`.
    pub(crate) fn discover(&mut self, urls: &[String], current: &Addr) -> Vec<String> {
        let mut added = Vec::new();
        for u in urls {
            let Ok(mut a) = Addr::parse(u) else { continue };
            if self.servers.iter().any(|s| s.same_endpoint(&a)) {
                continue;
            }
            a.tls = current.tls;
            a.discovered = true;
            if a.host.parse::<std::net::IpAddr>().is_ok() {
                a.tls_name = current.tls_name.clone();
            }
            added.push(a.to_string());
            self.servers.push_back(a);
        }
        added
    }

    /// Moves `addr` to the back (a server in lame duck mode is tried last).
    pub(crate) fn demote(&mut self, addr: &Addr) {
        if let Some(i) = self.servers.iter().position(|s| s.same_endpoint(addr)) {
            let a = self.servers.remove(i).expect("index in range");
            self.servers.push_back(a);
        }
    }

    /// Whether another server than `addr` is known.
    pub(crate) fn has_other_than(&self, addr: &Addr) -> bool {
        self.servers.iter().any(|s| !s.same_endpoint(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let a = Addr::parse("127.0.0.1:4333").unwrap();
        assert_eq!((a.host.as_str(), a.port, a.tls), ("127.0.0.1", 4333, false));
        let a = Addr::parse("tls://u:p%40ss@nats.internal").unwrap();
        assert_eq!((a.host.as_str(), a.port, a.tls), ("nats.internal", 4222, true));
        assert_eq!((a.user.as_deref(), a.password.as_deref()), (Some("u"), Some("p@ss")));
        assert_eq!(a.to_string(), "tls://nats.internal:4222");
        assert!(Addr::parse("ws://x:80").is_err());
        assert!(Addr::parse("http://x").unwrap_err().to_string().contains("expected nats://"));
    }

    #[test]
    fn discovery_inherits_tls_name() {
        let mut rng = rand::rngs::mock::StepRng::new(0, 1);
        let mut pool = Pool::new(&["tls://nats.internal:4222".into()], false, &mut rng).unwrap();
        let current = pool.next();
        let added = pool.discover(&["10.0.0.2:4222".into(), "nats.internal:4222".into()], &current);
        assert_eq!(added, vec!["tls://10.0.0.2:4222".to_string()]);
        pool.next();
        let d = pool.next();
        assert_eq!((d.host.as_str(), d.tls_name.as_str(), d.tls), ("10.0.0.2", "nats.internal", true));
    }
}
