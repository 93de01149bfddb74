//! The `async` methods TCP and TLS streams share, written once over `futures-io`.
//! Each stream passes how to word an `io::Error` (with its peer) as a [`NetError`].
use crate::error::{NetError, Result};
use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use std::io;

/// Words an `io::Error` from operation `op` (e.g. "reading from") as a `NetError`.
pub(crate) trait Describe {
    fn describe(&self, e: io::Error, op: &'static str) -> NetError;
    fn peer_name(&self) -> String;
}

pub(crate) async fn read<S>(s: &mut S, buf: &mut [u8]) -> Result<usize>
where
    S: AsyncRead + Describe + Unpin,
{
    match AsyncReadExt::read(s, buf).await {
        Ok(n) => Ok(n),
        Err(e) => Err(s.describe(e, "reading from")),
    }
}

pub(crate) async fn read_exact<S>(s: &mut S, buf: &mut [u8]) -> Result<()>
where
    S: AsyncRead + Describe + Unpin,
{
    let mut got = 0;
    while got < buf.len() {
        match read(s, &mut buf[got..]).await? {
            0 => return Err(NetError::UnexpectedEof { peer: s.peer_name(), got, wanted: buf.len() }),
            n => got += n,
        }
    }
    Ok(())
}

/// Writes all of `data` and flushes: returns once the socket has taken every byte.
pub(crate) async fn write_all<S>(s: &mut S, data: &[u8]) -> Result<()>
where
    S: AsyncWrite + Describe + Unpin,
{
    let r = match AsyncWriteExt::write_all(s, data).await {
        Ok(()) => AsyncWriteExt::flush(s).await,
        Err(e) => Err(e),
    };
    r.map_err(|e| s.describe(e, "writing to"))
}

pub(crate) async fn close<S>(s: &mut S) -> Result<()>
where
    S: AsyncWrite + Describe + Unpin,
{
    match AsyncWriteExt::close(s).await {
        Ok(()) => Ok(()),
        Err(e) => Err(s.describe(e, "closing the connection to")),
    }
}
