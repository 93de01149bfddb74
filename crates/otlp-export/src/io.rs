//! Injected I/O. The exporter never blocks, never spawns threads and uses no
//! runtime of its own: a [`Connector`] opens streams (and runs TLS), a [`Timer`]
//! sleeps, a [`Spawn`] runs hyper's connection tasks. In a WASI 0.3 service these
//! are guest-net's `TcpStream` / `TlsConnector`, `guest_net::sleep` and
//! wit-bindgen's `spawn_local` (the `guest` feature has them ready in
//! [`guest`](crate::guest)); natively, tokio's.
use futures::io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// What a TLS handshake needs for one endpoint, from its [`TlsFiles`](crate::TlsFiles).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TlsSettings {
    /// The name to verify the server's certificate for (and send as SNI): the
    /// endpoint's host.
    pub server_name: String,
    /// CA certificate(s) to trust (PEM); `None`: the connector's default roots.
    pub ca_pem: Option<Arc<[u8]>>,
    /// Client certificate chain (PEM) for mutual TLS.
    pub client_cert_pem: Option<Arc<[u8]>>,
    /// Its private key (PEM).
    pub client_key_pem: Option<Arc<[u8]>>,
    /// ALPN protocols to offer: `h2` for gRPC, `http/1.1` for OTLP/HTTP.
    pub alpn: Vec<Vec<u8>>,
}

/// Opens connections to collectors.
///
/// The kind of a returned `io::Error` decides what happens next:
/// `InvalidData` (a TLS certificate problem), `InvalidInput` (unusable TLS
/// settings), `PermissionDenied` (e.g. the host's `allowedHosts`) and
/// `Unsupported` fail the export at once; any other kind (refused, reset, timed
/// out, name not resolved) is retried with backoff within the export timeout.
/// Say why in the message: it reaches the user inside [`ExportError`](crate::ExportError).
pub trait Connector {
    /// A plain TCP (or any byte) stream.
    type Stream: AsyncRead + AsyncWrite + Unpin + 'static;
    /// The stream after the TLS handshake.
    type TlsStream: AsyncRead + AsyncWrite + Unpin + 'static;

    /// Opens a plain stream to `host` (a name, an IPv4 address, or an IPv6
    /// address without brackets) and `port`.
    fn connect(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Self::Stream>>;

    /// Runs the TLS client handshake over `stream` with `tls`.
    fn upgrade(&self, stream: Self::Stream, tls: &TlsSettings) -> impl Future<Output = io::Result<Self::TlsStream>>;
}

/// Sleeps. Any `Fn(Duration) -> impl Future<Output = ()>` is a timer:
/// `tokio::time::sleep` natively, `guest_net::sleep` in a WASI 0.3 component.
pub trait Timer {
    type Sleep: Future<Output = ()>;
    fn sleep(&self, duration: Duration) -> Self::Sleep;
}

impl<F, S> Timer for F
where
    F: Fn(Duration) -> S,
    S: Future<Output = ()>,
{
    type Sleep = S;
    fn sleep(&self, duration: Duration) -> S {
        self(duration)
    }
}

/// A task for [`Spawn`]: one connection's I/O, which ends when the connection
/// closes or the exporter drops it.
pub type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Runs connection tasks concurrently with the exports (hyper needs this for
/// both HTTP/1 and HTTP/2). Tasks need not be `Send`: any
/// `Fn(Task) + Clone + 'static` spawns, e.g. `|t| { tokio::task::spawn_local(t); }`
/// natively (inside a `LocalSet`), or wit-bindgen's `spawn_local` in a component.
pub trait Spawn: Clone + 'static {
    fn spawn(&self, task: Task);
}

impl<F> Spawn for F
where
    F: Fn(Task) + Clone + 'static,
{
    fn spawn(&self, task: Task) {
        self(task)
    }
}

/// hyper's executor over a [`Spawn`].
#[derive(Clone)]
pub(crate) struct Exec<S>(pub(crate) S);

// Never pinned structurally: hyper only asks for `Unpin` executors.
impl<S> Unpin for Exec<S> {}

impl<S: Spawn, F> hyper::rt::Executor<F> for Exec<S>
where
    F: Future + 'static,
{
    fn execute(&self, fut: F) {
        self.0.spawn(Box::pin(async move {
            fut.await;
        }))
    }
}

/// A connection before or after TLS, as one futures-io type.
pub(crate) enum Stream<P, T> {
    Plain(P),
    Tls(T),
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            Stream::Plain($s) => $e,
            Stream::Tls($s) => $e,
        }
    };
}

impl<P: AsyncRead + Unpin, T: AsyncRead + Unpin> AsyncRead for Stream<P, T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl<P, T> Stream<P, T>
where
    P: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    /// A TLS server that refuses our client certificate (TLS 1.3: after the
    /// handshake) sends an alert and closes; our next write then fails with a
    /// broken pipe or a reset. The alert may still be readable: prefer it.
    fn explain_write_error(&mut self, cx: &mut Context<'_>, e: io::Error) -> io::Error {
        let gone = matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset);
        if let (true, Stream::Tls(s)) = (gone, self) {
            let mut scratch = [0u8; 256];
            if let Poll::Ready(Err(alert)) = Pin::new(s).poll_read(cx, &mut scratch) {
                if alert.kind() == io::ErrorKind::InvalidData {
                    return alert;
                }
            }
        }
        e
    }
}

impl<P, T> AsyncWrite for Stream<P, T>
where
    P: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = match this {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        };
        r.map_err(|e| this.explain_write_error(cx, e))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = match this {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        };
        r.map_err(|e| this.explain_write_error(cx, e))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_flush(cx))
    }
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_close(cx))
    }
}
