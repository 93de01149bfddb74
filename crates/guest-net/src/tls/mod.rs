//! TLS 1.2 / 1.3 on rustls with the `ring` provider, over a guest-net [`TcpStream`]:
//! [`TlsConnector`] (client, optional client certificate for mTLS) and
//! [`TlsAcceptor`] (server, optional client-certificate requirement). rustls runs
//! sans-IO inside futures-rustls; all socket I/O is the WASI 0.3 streams underneath.
mod client;
mod explain;
mod pem;
mod server;

use crate::error::{NetError, Result};
use crate::io_util;
use crate::tcp::TcpStream;
pub use client::{TlsConnector, TlsConnectorBuilder};
use explain::Role;
use futures::io::{AsyncRead, AsyncWrite};
pub use server::{TlsAcceptor, TlsAcceptorBuilder};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// An established TLS session (client or server side). Use its `async` methods, or
/// `futures-io` [`AsyncRead`] / [`AsyncWrite`].
pub struct TlsStream {
    inner: futures_rustls::TlsStream<TcpStream>,
    role: Role,
    /// Client side: the name the certificate was checked against. Server side: the
    /// name the client asked for (SNI), if any.
    server_name: Option<Arc<str>>,
    peer: Arc<str>,
}

impl TlsStream {
    fn new(inner: futures_rustls::TlsStream<TcpStream>, role: Role, server_name: Option<String>) -> TlsStream {
        let peer = inner.get_ref().0.peer().into();
        TlsStream { inner, role, server_name: server_name.map(Into::into), peer }
    }

    /// The TCP peer (address as connected to or accepted from).
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Client side: the name the server's certificate was verified for. Server
    /// side: the name the client asked for with SNI.
    pub fn server_name(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// The negotiated version: `"TLSv1_3"` or `"TLSv1_2"`.
    pub fn protocol_version(&self) -> Option<&'static str> {
        self.inner.get_ref().1.protocol_version().and_then(|v| v.as_str())
    }

    /// The negotiated cipher suite, e.g. `"TLS13_AES_128_GCM_SHA256"`.
    pub fn cipher_suite(&self) -> Option<&'static str> {
        self.inner.get_ref().1.negotiated_cipher_suite().and_then(|s| s.suite().as_str())
    }

    /// The ALPN protocol both sides agreed on (e.g. `b"h2"`), if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.inner.get_ref().1.alpn_protocol()
    }

    /// The peer's end-entity certificate (DER): the server's, or on a server that
    /// requires client certificates, the client's.
    pub fn peer_certificate_der(&self) -> Option<&[u8]> {
        self.inner.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.as_ref())
    }

    /// Reads decrypted bytes, at most `buf.len()`; `Ok(0)` is the end of the stream.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        io_util::read(self, buf).await
    }

    /// Reads exactly `buf.len()` bytes, or fails with [`NetError::UnexpectedEof`].
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        io_util::read_exact(self, buf).await
    }

    /// Encrypts and sends all of `data`: returns once the socket has taken it.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<()> {
        io_util::write_all(self, data).await
    }

    /// Sends `close_notify`, then closes the TCP sending direction (FIN).
    pub async fn close(&mut self) -> Result<()> {
        io_util::close(self).await
    }

    /// The error for a failure in this session: TLS causes worded by
    /// [`explain`], socket errors as they are.
    fn session_error(&self, e: io::Error, op: &'static str) -> NetError {
        let is_tls = e.get_ref().is_some_and(|i| i.is::<rustls::Error>());
        if !is_tls {
            return NetError::from_io(e, op, &self.peer);
        }
        let server = self.server_name.as_deref().unwrap_or("");
        let reason = explain::explain(&e, self.role, server);
        match self.role {
            Role::Client => NetError::Tls { server: server.to_string(), peer: self.peer.to_string(), reason },
            Role::Server => NetError::TlsAccept { peer: self.peer.to_string(), reason },
        }
    }

    /// Keeps TLS errors readable through the `futures-io` traits too.
    fn io_error(&self, e: io::Error, op: &'static str) -> io::Error {
        if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) { self.session_error(e, op).into() } else { e }
    }
}

impl io_util::Describe for TlsStream {
    fn describe(&self, e: io::Error, op: &'static str) -> NetError {
        self.session_error(e, op)
    }
    fn peer_name(&self) -> String {
        self.peer.to_string()
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        r.map_err(|e| self.io_error(e, "reading from"))
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        r.map_err(|e| self.io_error(e, "writing to"))
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        r.map_err(|e| self.io_error(e, "writing to"))
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        r.map_err(|e| self.io_error(e, "writing to"))
    }
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_close(cx);
        r.map_err(|e| self.io_error(e, "closing the connection to"))
    }
}

/// The crypto provider every config here uses: ring, with ChaCha20-Poly1305 first.
/// wasm has no AES instructions, and ring's portable AES-GCM is about 4x slower
/// than its ChaCha20-Poly1305 (measured: a 100 KiB TLS echo took 9.2 ms of guest
/// time with AES-256-GCM, 4.0 ms with ChaCha20). Peers still get AES-GCM when
/// they do not offer ChaCha20.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    p.cipher_suites.sort_by_key(|s| !is_chacha(s.suite()));
    Arc::new(p)
}

fn is_chacha(s: rustls::CipherSuite) -> bool {
    use rustls::CipherSuite as C;
    matches!(
        s,
        C::TLS13_CHACHA20_POLY1305_SHA256
            | C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
            | C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    )
}

fn config_error(what: &str, e: impl std::fmt::Display) -> NetError {
    NetError::TlsConfig { what: what.to_string(), reason: e.to_string() }
}
