//! Injected I/O: a [`Connector`] opens plain streams and upgrades them to TLS, a
//! [`Timer`] sleeps. The client never spawns and never blocks; it only awaits what
//! these return, so it runs on any executor (tokio natively, the WASI 0.3 task of a
//! service component).
use futures::io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Opens connections to NATS servers. Two steps, because NATS upgrades to TLS
/// after the server's plaintext INFO (or, with `tls_first`, before it).
///
/// Error messages of the returned `io::Error`s reach the user inside
/// [`Error::Connect`](crate::Error) / [`Error::Tls`](crate::Error): make them say why.
pub trait Connector {
    /// A plain TCP (or any byte) stream.
    type Stream: AsyncRead + AsyncWrite + Unpin;
    /// The stream after the TLS handshake.
    type TlsStream: AsyncRead + AsyncWrite + Unpin;

    /// Opens a plain stream to `host:port`.
    fn connect(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Self::Stream>>;

    /// Runs the TLS client handshake over `stream`, verifying the server's
    /// certificate for `server_name` (trusted CAs and a client certificate for
    /// mutual TLS are the connector's own configuration).
    fn upgrade(&self, stream: Self::Stream, server_name: &str) -> impl Future<Output = io::Result<Self::TlsStream>>;
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

/// A connection before or after the TLS upgrade.
pub(crate) enum Conn<C: Connector> {
    Plain(C::Stream),
    Tls(C::TlsStream),
}

impl<C: Connector> Conn<C> {
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Conn::Tls(_))
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            Conn::Plain($s) => $e,
            Conn::Tls($s) => $e,
        }
    };
}

impl<C: Connector> AsyncRead for Conn<C> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl<C: Connector> AsyncWrite for Conn<C> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_write(cx, buf))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_write_vectored(cx, bufs))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_flush(cx))
    }
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_close(cx))
    }
}
