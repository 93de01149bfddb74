//! One connection to a collector and one request over it: opening (TCP, TLS
//! with ALPN, the hyper HTTP/1 or HTTP/2 handshake, the connection task handed to
//! the injected spawner), sending, reading a bounded response, and turning every
//! outcome into either a body or a [`Failure`] that says whether to retry.
pub(crate) mod grpc;
pub(crate) mod http;
pub(crate) mod rpc;

use crate::config::{Protocol, SignalConfig};
use crate::error::ErrorKind;
use crate::io::{Connector, Exec, Spawn, Stream, TlsSettings};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use smol_hyper::rt::FuturesIo;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests larger than this (before compression) are not sent (OTLP spec).
pub(crate) const MAX_REQUEST: usize = 64 << 20;
/// Responses larger than this (after decompression) are refused (OTLP spec).
pub(crate) const MAX_RESPONSE: usize = 4 << 20;

pub(crate) type Request = ::http::Request<Full<Bytes>>;
pub(crate) type Response = ::http::Response<Incoming>;

/// One failed attempt.
#[derive(Debug)]
pub(crate) struct Failure {
    pub kind: ErrorKind,
    pub retryable: bool,
    /// The delay the server asked for (`Retry-After`, gRPC `RetryInfo`).
    pub delay: Option<Duration>,
}

impl Failure {
    pub(crate) fn new(kind: ErrorKind, retryable: bool) -> Failure {
        Failure { kind, retryable, delay: None }
    }

    fn connect(e: io::Error, cfg: &SignalConfig) -> Failure {
        let reason = format!("{}:{}: {e}", cfg.endpoint.host, cfg.endpoint.port);
        Failure::new(ErrorKind::Unreachable { reason }, !permanent(e.kind()))
    }

    fn tls(e: io::Error) -> Failure {
        Failure::new(ErrorKind::Tls { reason: e.to_string() }, !permanent(e.kind()))
    }

    pub(crate) fn connection(reason: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::Connection { reason: reason.into() }, true)
    }

    pub(crate) fn bad_response(reason: impl Into<String>) -> Failure {
        Failure::new(ErrorKind::BadResponse { reason: reason.into() }, false)
    }

    /// A hyper error while sending or reading: a TLS alert that arrived late
    /// (TLS 1.3 reports a refused client certificate on the first read) is a TLS
    /// failure, anything else a broken connection.
    pub(crate) fn hyper(e: &hyper::Error) -> Failure {
        match io_cause(e) {
            Some(io) if io.kind() == io::ErrorKind::InvalidData => {
                Failure::new(ErrorKind::Tls { reason: io.to_string() }, false)
            }
            Some(io) => Failure::connection(format!("{e}: {io}")),
            None => Failure::connection(e.to_string()),
        }
    }
}

/// The I/O error under `e`, looking inside h2's errors too (they have no
/// `source`).
fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut next = Some(e);
    while let Some(s) = next {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return Some(io);
        }
        if let Some(io) = s.downcast_ref::<h2::Error>().and_then(|h| h.get_io()) {
            return Some(io);
        }
        next = s.source();
    }
    None
}

/// Connector errors that retrying cannot fix (see [`Connector`]).
fn permanent(kind: io::ErrorKind) -> bool {
    use io::ErrorKind as K;
    matches!(kind, K::InvalidData | K::InvalidInput | K::PermissionDenied | K::Unsupported)
}

/// A connection's request half, and how its I/O task ended (HTTP/2 fails the
/// requests with a bare "connection closed"; the cause is only in the task).
pub(crate) struct Sender {
    kind: Kind,
    died: Arc<Mutex<Option<Failure>>>,
}

enum Kind {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    /// Waits until a request can be sent; fails when the connection has closed.
    pub(crate) async fn ready(&mut self) -> Result<(), Failure> {
        let r = match &mut self.kind {
            Kind::H1(s) => s.ready().await,
            Kind::H2(s) => s.ready().await,
        };
        r.map_err(|e| self.failure(&e))
    }

    pub(crate) async fn send(&mut self, req: Request) -> Result<Response, Failure> {
        let r = match &mut self.kind {
            Kind::H1(s) => s.send_request(req).await,
            Kind::H2(s) => s.send_request(req).await,
        };
        r.map_err(|e| self.failure(&e))
    }

    /// Why the connection failed: the I/O task's error when it has one.
    pub(crate) fn failure(&self, e: &hyper::Error) -> Failure {
        let died = self.died.lock().unwrap_or_else(|p| p.into_inner()).take();
        died.unwrap_or_else(|| Failure::hyper(e))
    }
}

/// Spawns a connection's I/O task, keeping its error for the [`Sender`].
fn drive<S, F>(spawn: &S, conn: F) -> Arc<Mutex<Option<Failure>>>
where
    S: Spawn,
    F: std::future::Future<Output = Result<(), hyper::Error>> + 'static,
{
    let died = Arc::new(Mutex::new(None));
    let slot = died.clone();
    spawn.spawn(Box::pin(async move {
        if let Err(e) = conn.await {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(Failure::hyper(&e));
        }
    }));
    died
}

/// Opens a connection for `cfg` (TLS when its endpoint is `https`) and spawns
/// its I/O task.
pub(crate) async fn open<C: Connector, S: Spawn>(
    connector: &C,
    spawn: &S,
    cfg: &SignalConfig,
) -> Result<Sender, Failure> {
    let e = &cfg.endpoint;
    let tcp = connector.connect(&e.host, e.port).await.map_err(|err| Failure::connect(err, cfg))?;
    let stream: Stream<C::Stream, C::TlsStream> = if e.tls {
        let alpn: &[u8] = match cfg.protocol {
            Protocol::Grpc => b"h2",
            Protocol::HttpProtobuf => b"http/1.1",
        };
        let settings = TlsSettings {
            server_name: e.host.clone(),
            ca_pem: cfg.tls.ca_pem.clone(),
            client_cert_pem: cfg.tls.client_cert_pem.clone(),
            client_key_pem: cfg.tls.client_key_pem.clone(),
            alpn: vec![alpn.to_vec()],
        };
        Stream::Tls(connector.upgrade(tcp, &settings).await.map_err(Failure::tls)?)
    } else {
        Stream::Plain(tcp)
    };
    let io = FuturesIo::new(stream);
    match cfg.protocol {
        Protocol::HttpProtobuf => {
            let (sender, conn) = http1::handshake(io).await.map_err(|e| Failure::hyper(&e))?;
            Ok(Sender { kind: Kind::H1(sender), died: drive(spawn, conn) })
        }
        Protocol::Grpc => {
            let (sender, conn) =
                http2::Builder::new(Exec(spawn.clone())).handshake(io).await.map_err(|e| Failure::hyper(&e))?;
            Ok(Sender { kind: Kind::H2(sender), died: drive(spawn, conn) })
        }
    }
}

/// Reads a whole response body (and trailers), at most `limit` bytes.
pub(crate) async fn read_body(body: Incoming, limit: usize) -> Result<http_body_util::Collected<Bytes>, Failure> {
    Limited::new(body, limit).collect().await.map_err(|e| {
        if e.is::<http_body_util::LengthLimitError>() {
            Failure::bad_response(format!("the response is larger than {limit} bytes"))
        } else if let Some(h) = e.downcast_ref::<hyper::Error>() {
            Failure::hyper(h)
        } else {
            Failure::connection(format!("reading the response: {e}"))
        }
    })
}

/// gzip, fast level: the exporter's CPU matters more than a few bytes.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 4 + 64), flate2::Compression::fast());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// gunzip, refusing more than `limit` bytes of output.
pub(crate) fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    let mut dec = flate2::read::GzDecoder::new(data).take(limit as u64 + 1);
    dec.read_to_end(&mut out).map_err(|e| Failure::bad_response(format!("the gzip response does not decode: {e}")))?;
    if out.len() > limit {
        return Err(Failure::bad_response(format!("the response is larger than {limit} bytes once decompressed")));
    }
    Ok(out)
}
