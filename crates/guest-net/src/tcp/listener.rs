//! [`TcpListener`]: bind, listen, and the WASI 0.3 stream of accepted connections.
use super::TcpStream;
use crate::addr;
use crate::error::{self, NetError, Result, describe};
use futures::Stream;
use std::net::SocketAddr;
use wasip3::sockets::types::TcpSocket;
use wasip3::wit_bindgen::StreamReader;

/// A listening TCP socket. The host must allow the address: `allowedHosts` must
/// list it (e.g. `127.0.0.1:8080` or `0.0.0.0:*`).
pub struct TcpListener {
    accepted: StreamReader<TcpSocket>,
    local: SocketAddr,
    _socket: TcpSocket,
}

impl TcpListener {
    /// Binds to `addr` (`ip:port`, or `host:port` resolved to its first address that
    /// binds; port 0 picks a free port, see [`TcpListener::local_addr`]) and listens.
    pub async fn bind(addr: &str) -> Result<TcpListener> {
        let candidates = addr::resolve(addr).await?;
        let mut errors = Vec::new();
        let mut kind = std::io::ErrorKind::Other;
        for sa in candidates {
            match listen_on(sa) {
                Ok(l) => return Ok(l),
                Err((reason, k)) => {
                    kind = k;
                    errors.push((sa, reason));
                }
            }
        }
        Err(NetError::Listen { addr: addr.to_string(), reason: error::attempts(addr, &errors), kind })
    }

    /// The address actually bound (with the port the host chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Waits for the next connection.
    pub async fn accept(&mut self) -> Result<TcpStream> {
        match self.accepted.next().await {
            Some(socket) => {
                let remote = socket.get_remote_address().ok().map(addr::from_wasi);
                let name = remote.map(|r| r.to_string()).unwrap_or_else(|| "an accepted peer".into());
                Ok(TcpStream::from_socket(socket, name, remote))
            }
            None => Err(NetError::Accept {
                addr: self.local.to_string(),
                reason: "the host ended the stream of connections (the listening socket failed)".into(),
            }),
        }
    }

    /// The accepted connections as a `futures` stream (ends after an accept error).
    pub fn incoming(self) -> impl Stream<Item = Result<TcpStream>> {
        futures::stream::unfold(Some(self), |listener| async move {
            let mut listener = listener?;
            match listener.accept().await {
                Ok(s) => Some((Ok(s), Some(listener))),
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}

fn listen_on(sa: SocketAddr) -> std::result::Result<TcpListener, (String, std::io::ErrorKind)> {
    let where_ = sa.to_string();
    let socket = TcpSocket::create(addr::family(&sa)).map_err(|e| describe(&e, &where_))?;
    socket.bind(addr::to_wasi(sa)).map_err(|e| describe(&e, &where_))?;
    let accepted = socket.listen().map_err(|e| describe(&e, &where_))?;
    let local = socket.get_local_address().map(addr::from_wasi).unwrap_or(sa);
    Ok(TcpListener { accepted, local, _socket: socket })
}
