//! The one error type of guest-net. Every message says what failed, where (the
//! address, the listener, the TLS server name) and, where the cause is known, how to
//! fix it, so a service can log `{err}` and an operator can act on it.
use std::io;
use std::time::Duration;
use wasip3::sockets::types::ErrorCode;

/// Result alias used across the crate.
pub type Result<T, E = NetError> = std::result::Result<T, E>;

/// Everything that can go wrong in guest-net.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// The address string is not `host:port`.
    #[error(
        "invalid address `{addr}`: {reason} (expected `host:port`, e.g. `nats.internal:4222`, `127.0.0.1:80` or `[::1]:443`)"
    )]
    InvalidAddress { addr: String, reason: String },

    /// Name resolution (`wasi:sockets/ip-name-lookup`) failed.
    #[error("cannot resolve host `{host}`: {reason}")]
    Resolve { host: String, reason: String },

    /// Every address the host name resolved to refused or failed the connection.
    #[error("cannot connect to {addr}: {attempts}")]
    Connect {
        addr: String,
        /// One `ip:port: cause` per address tried, `; `-separated.
        attempts: String,
        kind: io::ErrorKind,
    },

    /// Binding or listening failed.
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String, kind: io::ErrorKind },

    /// The listener's stream of connections ended.
    #[error("listener on {addr} stopped accepting connections: {reason}")]
    Accept { addr: String, reason: String },

    /// Reading, writing or closing an established connection failed.
    #[error("{op} {peer} failed: {reason}")]
    Io { op: &'static str, peer: String, reason: String, kind: io::ErrorKind },

    /// The peer closed the connection before sending what was expected.
    #[error("connection to {peer} closed by the peer after {got} of {wanted} expected bytes")]
    UnexpectedEof { peer: String, got: usize, wanted: usize },

    /// A TLS setting (a PEM input, ALPN, versions) is unusable.
    #[error("invalid TLS configuration: {what}: {reason}")]
    TlsConfig { what: String, reason: String },

    /// As a client: the TLS handshake with `server` failed, or the server ended the
    /// session later with an alert (e.g. it refused our client certificate).
    #[error("TLS with server `{server}` at {peer} failed: {reason}")]
    Tls { server: String, peer: String, reason: String },

    /// As a server: the TLS handshake with a client failed, or it sent an alert.
    #[error("TLS with client {peer} failed: {reason}")]
    TlsAccept { peer: String, reason: String },

    /// [`crate::timeout`] ran out.
    #[error("timed out after {after:?}")]
    Timeout { after: Duration },
}

impl NetError {
    /// The closest [`std::io::ErrorKind`], for retry decisions and `io::Error`s.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            NetError::InvalidAddress { .. } | NetError::TlsConfig { .. } => io::ErrorKind::InvalidInput,
            NetError::Resolve { .. } => io::ErrorKind::NotFound,
            NetError::Connect { kind, .. } | NetError::Listen { kind, .. } | NetError::Io { kind, .. } => *kind,
            NetError::Accept { .. } => io::ErrorKind::BrokenPipe,
            NetError::UnexpectedEof { .. } => io::ErrorKind::UnexpectedEof,
            NetError::Tls { .. } | NetError::TlsAccept { .. } => io::ErrorKind::InvalidData,
            NetError::Timeout { .. } => io::ErrorKind::TimedOut,
        }
    }

    /// Recovers a `NetError` carried inside an `io::Error` (as the futures-io
    /// adapters produce), or describes a foreign one as `op peer`.
    pub(crate) fn from_io(e: io::Error, op: &'static str, peer: &str) -> NetError {
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<NetError>()) {
            return inner.clone();
        }
        NetError::Io { op, peer: peer.to_string(), reason: e.to_string(), kind: e.kind() }
    }
}

/// Joins per-address failures; a lone attempt at the very address asked for needs
/// no address prefix.
pub(crate) fn attempts(asked: &str, tried: &[(std::net::SocketAddr, String)]) -> String {
    match tried {
        [(sa, reason)] if sa.to_string() == asked => reason.clone(),
        _ => tried.iter().map(|(sa, reason)| format!("{sa}: {reason}")).collect::<Vec<_>>().join("; "),
    }
}

impl From<NetError> for io::Error {
    fn from(e: NetError) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}

/// Says what a socket error code means for `addr`, with a fix where there is one.
pub(crate) fn describe(code: &ErrorCode, addr: &str) -> (String, io::ErrorKind) {
    use io::ErrorKind as K;
    match code {
        ErrorCode::AccessDenied => (
            format!(
                "access denied by the host: add `{addr}` (or a pattern such as `host:*`) to this service's \
                 `allowedHosts` in the workload manifest"
            ),
            K::PermissionDenied,
        ),
        ErrorCode::ConnectionRefused => (
            format!("connection refused: nothing listens on {addr} (is the server running, is the port right?)"),
            K::ConnectionRefused,
        ),
        ErrorCode::Timeout => {
            (format!("timed out: no answer from {addr} (host down, wrong address, or a firewall)"), K::TimedOut)
        }
        ErrorCode::RemoteUnreachable => {
            (format!("no route to {addr} (network unreachable or host down)"), K::HostUnreachable)
        }
        ErrorCode::ConnectionReset => ("connection reset by the peer".into(), K::ConnectionReset),
        ErrorCode::ConnectionAborted => ("connection aborted".into(), K::ConnectionAborted),
        ErrorCode::ConnectionBroken => {
            ("connection broken: the peer closed it or the network failed".into(), K::BrokenPipe)
        }
        ErrorCode::AddressInUse => (
            format!("address in use: another socket is bound to {addr} (pick another port or stop the other listener)"),
            K::AddrInUse,
        ),
        ErrorCode::AddressNotBindable => {
            (format!("{addr} is not a local address this machine can bind"), K::AddrNotAvailable)
        }
        ErrorCode::InvalidArgument => (
            format!("invalid argument for {addr} (port 0, a wildcard or a mismatched address family?)"),
            K::InvalidInput,
        ),
        ErrorCode::NotSupported => ("not supported by the host (IPv6 disabled?)".into(), K::Unsupported),
        ErrorCode::InvalidState => ("socket in the wrong state (a guest-net bug: please report it)".into(), K::Other),
        ErrorCode::OutOfMemory => ("the host ran out of memory".into(), K::OutOfMemory),
        ErrorCode::DatagramTooLarge => ("datagram too large".into(), K::InvalidInput),
        ErrorCode::Other(Some(s)) => (s.clone(), K::Other),
        ErrorCode::Other(None) => ("unspecified socket error".into(), K::Other),
    }
}
