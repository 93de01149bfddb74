//! TCP over WASI 0.3 sockets: [`TcpStream`] (connect by name, read, write, close)
//! and [`TcpListener`] (bind, listen, accept). Nothing here blocks the instance:
//! every wait is a Component Model wait the host can interleave with other tasks.
mod halves;
mod listener;

use crate::addr;
use crate::error::{self, NetError, Result, describe};
use crate::io_util;
use futures::io::{AsyncRead, AsyncWrite};
pub use halves::{ReadHalf, WriteHalf};
pub use listener::TcpListener;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use wasip3::sockets::types::TcpSocket;

/// A connected TCP stream. Use its `async` methods directly, or through
/// `futures-io` ([`AsyncRead`] / [`AsyncWrite`]) for runtime-agnostic crates.
pub struct TcpStream {
    read: ReadHalf,
    write: WriteHalf,
    peer: Arc<str>,
    peer_addr: Option<SocketAddr>,
}

impl TcpStream {
    /// Connects to `addr` (`host:port`, `ip:port` or `[ipv6]:port`), trying every
    /// address the name resolves to, in order, until one accepts. The error lists
    /// each address tried and why it failed.
    pub async fn connect(addr: &str) -> Result<TcpStream> {
        let candidates = addr::resolve(addr).await?;
        let mut attempts = Vec::new();
        let mut kind = io::ErrorKind::Other;
        for sa in candidates {
            match connect_one(sa).await {
                Ok(socket) => return Ok(TcpStream::from_socket(socket, addr.to_string(), Some(sa))),
                Err((reason, k)) => {
                    // A denial is the most useful thing to report; keep it as the kind.
                    if kind != io::ErrorKind::PermissionDenied {
                        kind = k;
                    }
                    attempts.push((sa, reason));
                }
            }
        }
        Err(NetError::Connect { addr: addr.to_string(), attempts: error::attempts(addr, &attempts), kind })
    }

    /// Wraps an already connected socket (e.g. one the listener accepted).
    pub(crate) fn from_socket(socket: TcpSocket, name: String, peer_addr: Option<SocketAddr>) -> TcpStream {
        let peer: Arc<str> = match peer_addr {
            Some(sa) if sa.to_string() != name => format!("{name} ({sa})").into(),
            _ => name.into(),
        };
        let socket = Arc::new(socket);
        TcpStream {
            read: ReadHalf::new(socket.clone(), peer.clone()),
            write: WriteHalf::new(socket, peer.clone()),
            peer,
            peer_addr,
        }
    }

    /// The peer as given to `connect` (with the address used), or as accepted.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// The peer's socket address, when known.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer_addr
    }

    /// Reads what is available, at most `buf.len()` bytes; `Ok(0)` means the peer
    /// closed its side (end of stream).
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        io_util::read(self, buf).await
    }

    /// Reads exactly `buf.len()` bytes, or fails with [`NetError::UnexpectedEof`].
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        io_util::read_exact(self, buf).await
    }

    /// Sends all of `data`: returns once the host's socket has taken every byte.
    /// Send a message in one call: see the crate docs on Nagle's algorithm.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<()> {
        io_util::write_all(self, data).await
    }

    /// Ends the sending direction (FIN) and waits until the host has
    /// transmitted everything. Reading stays possible until the peer closes.
    pub async fn close(&mut self) -> Result<()> {
        io_util::close(self).await
    }

    /// Splits into independently owned halves, e.g. for a reader task and a writer
    /// task. The connection closes when both are dropped.
    pub fn split(self) -> (ReadHalf, WriteHalf) {
        (self.read, self.write)
    }
}

impl io_util::Describe for TcpStream {
    fn describe(&self, e: io::Error, op: &'static str) -> NetError {
        NetError::from_io(e, op, &self.peer)
    }
    fn peer_name(&self) -> String {
        self.peer.to_string()
    }
}

/// One connection attempt; the error is already worded for `sa`.
async fn connect_one(sa: SocketAddr) -> std::result::Result<TcpSocket, (String, io::ErrorKind)> {
    let where_ = sa.to_string();
    let socket = TcpSocket::create(addr::family(&sa)).map_err(|e| describe(&e, &where_))?;
    socket.connect(addr::to_wasi(sa)).await.map_err(|e| describe(&e, &where_))?;
    Ok(socket)
}

impl AsyncRead for TcpStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.write).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.write).poll_write_vectored(cx, bufs)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_flush(cx)
    }
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_close(cx)
    }
}
