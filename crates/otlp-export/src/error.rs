//! [`ExportError`]: what failed (the signal, the endpoint), how often it was
//! tried, why it stopped, and what to change. Built from the last failed attempt.
use crate::config::{Signal, SignalConfig};
use std::fmt;
use std::time::Duration;

/// A status a collector answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseStatus {
    /// An HTTP status (OTLP/HTTP, or a gRPC server or proxy answering without gRPC).
    Http(u16),
    /// A gRPC status code (`grpc-status`).
    Grpc(i32),
}

impl fmt::Display for ResponseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ResponseStatus::Http(s) => {
                let reason = http::StatusCode::from_u16(s).ok().and_then(|c| c.canonical_reason()).unwrap_or("");
                if reason.is_empty() { write!(f, "HTTP {s}") } else { write!(f, "HTTP {s} {reason}") }
            }
            ResponseStatus::Grpc(c) => write!(f, "gRPC {} ({c})", crate::transport::rpc::code_name(c)),
        }
    }
}

/// Why an export failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No connection could be opened (refused, unresolvable, not allowed).
    #[error("cannot connect: {reason}")]
    Unreachable { reason: String },
    /// The TLS handshake failed (or the server refused our client certificate).
    #[error("TLS failed: {reason}")]
    Tls { reason: String },
    /// The connection broke, or no answer came in time.
    #[error("connection failed: {reason}")]
    Connection { reason: String },
    /// The collector answered with an error status.
    #[error("the collector answered {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Rejected { status: ResponseStatus, message: String, retryable: bool },
    /// The answer could not be understood (or was larger than 4 MiB).
    #[error("unusable response: {reason}")]
    BadResponse { reason: String },
    /// The encoded request is larger than the limit; it was not sent.
    #[error("the request is {size} bytes, over the {limit}-byte limit for one request")]
    TooLarge { size: usize, limit: usize },
}

/// One export that did not succeed. Its message says what, where, why, and how
/// to fix it, e.g.
/// `exporting traces to http://127.0.0.1:4318/v1/traces failed after 4 attempts in
/// 10.0s (the export timeout ran out): cannot connect: connection refused. Is the
/// collector running there? ...`
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("exporting {signal} to {endpoint} failed after {attempts} attempt(s) in {elapsed:.1?}{}: {kind}. {hint}",
    stop.as_deref().map(|s| format!(" ({s})")).unwrap_or_default())]
#[non_exhaustive]
pub struct ExportError {
    pub signal: Signal,
    /// The URL (for gRPC, the origin).
    pub endpoint: String,
    /// Requests sent or connections tried.
    pub attempts: u32,
    pub elapsed: Duration,
    /// Why retrying stopped, when the last failure was retryable.
    pub stop: Option<String>,
    pub kind: ErrorKind,
    /// What to check or change.
    pub hint: String,
}

impl ExportError {
    pub(crate) fn new(
        cfg: &SignalConfig,
        attempts: u32,
        elapsed: Duration,
        stop: Option<String>,
        kind: ErrorKind,
    ) -> Self {
        let hint = hint(cfg, &kind);
        ExportError { signal: cfg.signal, endpoint: cfg.endpoint.url(), attempts, elapsed, stop, kind, hint }
    }
}

fn hint(cfg: &SignalConfig, kind: &ErrorKind) -> String {
    let sig = cfg.signal.upper();
    let e = &cfg.endpoint;
    match kind {
        ErrorKind::Unreachable { .. } => format!(
            "Is the collector running and listening on {}:{}? The endpoint comes from OTEL_EXPORTER_OTLP_{sig}_ENDPOINT or \
             OTEL_EXPORTER_OTLP_ENDPOINT; in a workload, the service's allowedHosts must list it",
            e.host, e.port
        ),
        ErrorKind::Tls { .. } => format!(
            "Check that the collector serves TLS on {}:{} with a certificate for `{}`, that OTEL_EXPORTER_OTLP_{sig}_CERTIFICATE \
             (or OTEL_EXPORTER_OTLP_CERTIFICATE) names the CA that signed it, and, if the collector requires client \
             certificates, OTEL_EXPORTER_OTLP_{sig}_CLIENT_CERTIFICATE and _CLIENT_KEY",
            e.host, e.port, e.host
        ),
        ErrorKind::Connection { .. } => format!(
            "The collector accepted the connection but did not answer in time: check that {} speaks {} there, or raise \
             OTEL_EXPORTER_OTLP_{sig}_TIMEOUT",
            e.url(),
            cfg.protocol
        ),
        ErrorKind::Rejected { status, retryable, .. } => rejected_hint(cfg, *status, *retryable),
        ErrorKind::BadResponse { .. } => {
            format!("Is {} an OTLP {} endpoint (a collector, not another service)?", e.url(), cfg.protocol)
        }
        ErrorKind::TooLarge { .. } => {
            "Export smaller batches (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE)".into()
        }
    }
}

fn rejected_hint(cfg: &SignalConfig, status: ResponseStatus, retryable: bool) -> String {
    let sig = cfg.signal.upper();
    if retryable {
        return format!(
            "The collector is overloaded or unavailable; the data was dropped after retrying. Raise \
             OTEL_EXPORTER_OTLP_{sig}_TIMEOUT to retry longer, or scale the collector"
        );
    }
    use crate::transport::rpc::code;
    match status {
        ResponseStatus::Http(401 | 403) | ResponseStatus::Grpc(code::UNAUTHENTICATED | code::PERMISSION_DENIED) => {
            format!("Check the credentials sent in OTEL_EXPORTER_OTLP_{sig}_HEADERS / OTEL_EXPORTER_OTLP_HEADERS")
        }
        ResponseStatus::Http(404 | 405) | ResponseStatus::Grpc(code::UNIMPLEMENTED) => format!(
            "Nothing serves OTLP {} at {}: a per-signal endpoint (OTEL_EXPORTER_OTLP_{sig}_ENDPOINT) is used as-is, so it \
             must include the path (e.g. /v1/{}); check the port (4318 is OTLP/HTTP, 4317 is gRPC) and the protocol",
            cfg.signal,
            cfg.endpoint.url(),
            cfg.signal
        ),
        ResponseStatus::Http(413) | ResponseStatus::Grpc(code::RESOURCE_EXHAUSTED) => {
            "The request was too large for the collector: export smaller batches".into()
        }
        ResponseStatus::Http(415) => format!("The collector does not accept {} here", cfg.protocol),
        ResponseStatus::Http(400) | ResponseStatus::Grpc(code::INVALID_ARGUMENT) => {
            "The collector found the data invalid and dropped it (a bug in what was sent: see the message)".into()
        }
        _ => "The collector refused the data; it was dropped (not retryable)".into(),
    }
}
