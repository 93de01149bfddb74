//! The one error type of the crate. Every message says what failed, where (which
//! server, which subject) and, when the cause is known, how to fix it, so a service
//! can log `{err}` and an operator can act on it. Errors are `Clone`: the reason a
//! client closed reaches every caller that was waiting.
use std::time::Duration;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the NATS client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An [`Options`](crate::Options) value is unusable (a server URL, credentials...).
    #[error("invalid NATS client option {what}: {reason}")]
    InvalidOption { what: String, reason: String },

    /// A subject (or queue group, or header) is not valid NATS syntax.
    #[error("invalid {what} `{value}`: {reason}")]
    InvalidInput { what: &'static str, value: String, reason: String },

    /// The TCP connection could not be opened (the connector's error says why).
    #[error("cannot connect to NATS server {server}: {reason}")]
    Connect { server: String, reason: String },

    /// The TLS handshake failed, or the server ended the session with an alert.
    #[error("TLS with NATS server {server} failed: {reason}")]
    Tls { server: String, reason: String },

    /// The server refused our credentials (`-ERR 'Authorization Violation'`).
    #[error("authorization violation at NATS server {server}: {reason}")]
    Auth { server: String, reason: String },

    /// Connecting took longer than `connect_timeout`.
    #[error("timed out after {after:?} {during} NATS server {server}{hint}")]
    ConnectTimeout { server: String, after: Duration, during: &'static str, hint: &'static str },

    /// The server sent something that is not the NATS protocol, or an `-ERR`
    /// while connecting.
    #[error("protocol error with NATS server {server}: {reason}")]
    Protocol { server: String, reason: String },

    /// Every server of the pool failed on the first connect.
    #[error("cannot connect to any of {} NATS servers: {}", attempts.len(), join(attempts))]
    NoServer { attempts: Vec<Error> },

    /// Reconnecting gave up after `max_reconnect_attempts` failed attempts.
    #[error("gave up reconnecting to NATS after {attempts} failed attempts; last error: {last}")]
    ReconnectGaveUp { attempts: u32, last: Box<Error> },

    /// The message is larger than the server's `max_payload`.
    #[error(
        "message to `{subject}` is {size} bytes (headers + payload), more than the server's max_payload of {max} bytes: send less, or raise `max_payload` in the server configuration"
    )]
    MaxPayload { subject: String, size: usize, max: usize },

    /// Disconnected, and the publish buffer kept for the reconnect is full.
    #[error(
        "cannot publish to `{subject}` while disconnected from NATS: the reconnect buffer holds {buffered} bytes, its limit is {limit} (Options::reconnect_buffer_size); retry after the client reconnects"
    )]
    ReconnectBufferFull { subject: String, buffered: usize, limit: usize },

    /// A request found no subscriber (status 503 from the server).
    #[error("no responders for request to `{subject}`: nothing subscribes to this subject")]
    NoResponders { subject: String },

    /// No reply arrived in time.
    #[error("request to `{subject}` timed out after {after:?} without a reply")]
    RequestTimeout { subject: String, after: Duration },

    /// The server did not answer the flush's PING in time.
    #[error("flush timed out after {after:?}: NATS server {server} did not answer PING")]
    FlushTimeout { server: String, after: Duration },

    /// The connection broke before the server confirmed what was sent before.
    #[error(
        "the connection to NATS server {server} broke before the server confirmed the flush ({reason}); data sent before it may be lost"
    )]
    FlushInterrupted { server: String, reason: String },

    /// JetStream answered a publish with an error.
    #[error("JetStream refused the message to `{subject}`: {description} (code {code}, err_code {err_code})")]
    JetStream { subject: String, code: u16, err_code: u64, description: String },

    /// No JetStream stream listens on the subject (no responders).
    #[error(
        "no JetStream stream captures `{subject}` (no responders): create a stream whose subjects include it, or check the subject"
    )]
    NoStream { subject: String },

    /// The reply to a JetStream publish was not a publish acknowledgement.
    #[error("invalid JetStream acknowledgement for `{subject}`: {reason}")]
    InvalidAck { subject: String, reason: String },

    /// The client is closed (closed on request, all handles dropped, the driver
    /// stopped, or reconnecting gave up); `reason` says which.
    #[error("the NATS client is closed: {reason}")]
    Closed { reason: String },
}

impl Error {
    /// True for errors that retrying the same thing will not fix: bad credentials,
    /// TLS trust problems, invalid options or input.
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::InvalidOption { .. } | Error::InvalidInput { .. } | Error::Auth { .. } | Error::Tls { .. } => true,
            Error::NoServer { attempts } => attempts.iter().all(Error::is_fatal),
            Error::ReconnectGaveUp { last, .. } => last.is_fatal(),
            _ => false,
        }
    }

    pub(crate) fn input(what: &'static str, value: &str, reason: impl std::fmt::Display) -> Error {
        Error::InvalidInput { what, value: value.to_string(), reason: reason.to_string() }
    }

    pub(crate) fn option(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidOption { what: what.into(), reason: reason.into() }
    }
}

fn join(errors: &[Error]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
