//! The two directions of a TCP connection, each on its own WASI 0.3 stream:
//! [`ReadHalf`] reads the `stream<u8>` from `tcp-socket.receive()`, [`WriteHalf`]
//! owns the `StreamWriter` whose reader went to `tcp-socket.send(...)`.
//!
//! Both are poll-based (`futures-io` `AsyncRead` / `AsyncWrite`): an operation in
//! progress lives in the half itself (a boxed future that owns the stream end), so
//! dropping a `read` or `write` future never loses data, and the halves can live in
//! different tasks (a reader task and a writer task need no lock).
use crate::error::{NetError, describe};
use crate::io_util;
use futures::io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use wasip3::sockets::types::{ErrorCode, TcpSocket};
use wasip3::wit_bindgen::{FutureReader, StreamReader, StreamResult, StreamWriter};

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Outcome = Result<(), ErrorCode>;

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 64 * 1024;
/// Bytes `poll_write` buffers before it waits for the socket to take them.
const WRITE_HIGH_WATER: usize = 64 * 1024;

/// What the connection's final status future (`receive`'s or `send`'s) resolves to,
/// turned into an error when it is one.
fn outcome_error(outcome: Outcome, op: &'static str, peer: &str, if_ok: &str) -> NetError {
    let (reason, kind) = match outcome {
        Err(code) => describe(&code, peer),
        Ok(()) => (if_ok.to_string(), io::ErrorKind::BrokenPipe),
    };
    NetError::Io { op, peer: peer.to_string(), reason, kind }
}

enum Reading {
    Idle(StreamReader<u8>),
    Busy(BoxFut<(StreamReader<u8>, StreamResult, Vec<u8>)>),
    /// The stream ended; waiting for `receive`'s status (FIN or error).
    Ending(BoxFut<Outcome>),
    Eof,
    Failed(NetError),
}

/// The reading direction of a [`crate::TcpStream`] (see [`crate::TcpStream::split`]).
pub struct ReadHalf {
    state: Reading,
    /// Bytes received but not yet handed out: `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    status: Option<FutureReader<Outcome>>,
    peer: Arc<str>,
    _socket: Arc<TcpSocket>,
}

impl ReadHalf {
    pub(crate) fn new(socket: Arc<TcpSocket>, peer: Arc<str>) -> ReadHalf {
        let (stream, status) = socket.receive();
        ReadHalf { state: Reading::Idle(stream), buf: Vec::new(), pos: 0, status: Some(status), peer, _socket: socket }
    }

    /// The peer's address, as connected to or accepted from.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Reads what is available, at most `buf.len()` bytes; `Ok(0)` is the end of
    /// the stream.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, NetError> {
        io_util::read(self, buf).await
    }

    /// Reads exactly `buf.len()` bytes, or fails with [`NetError::UnexpectedEof`].
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), NetError> {
        io_util::read_exact(self, buf).await
    }
}

impl io_util::Describe for ReadHalf {
    fn describe(&self, e: io::Error, op: &'static str) -> NetError {
        NetError::from_io(e, op, &self.peer)
    }
    fn peer_name(&self) -> String {
        self.peer.to_string()
    }
}

impl AsyncRead for ReadHalf {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            if this.pos < this.buf.len() {
                let n = out.len().min(this.buf.len() - this.pos);
                out[..n].copy_from_slice(&this.buf[this.pos..this.pos + n]);
                this.pos += n;
                return Poll::Ready(Ok(n));
            }
            match std::mem::replace(&mut this.state, Reading::Eof) {
                Reading::Idle(mut stream) => {
                    let mut chunk = std::mem::take(&mut this.buf);
                    chunk.clear();
                    chunk.reserve(READ_CHUNK);
                    this.pos = 0;
                    this.state = Reading::Busy(Box::pin(async move {
                        let (res, chunk) = stream.read(chunk).await;
                        (stream, res, chunk)
                    }));
                }
                Reading::Busy(mut fut) => match fut.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = Reading::Busy(fut);
                        return Poll::Pending;
                    }
                    Poll::Ready((stream, res, chunk)) => {
                        this.buf = chunk;
                        this.state = match res {
                            StreamResult::Complete(_) | StreamResult::Cancelled => Reading::Idle(stream),
                            StreamResult::Dropped => match this.status.take() {
                                Some(status) => Reading::Ending(Box::pin(status.into_future())),
                                None => Reading::Eof,
                            },
                        };
                    }
                },
                Reading::Ending(mut fut) => match fut.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = Reading::Ending(fut);
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(())) => this.state = Reading::Eof,
                    Poll::Ready(Err(code)) => {
                        let e = outcome_error(Err(code), "reading from", &this.peer, "");
                        this.state = Reading::Failed(e);
                    }
                },
                Reading::Eof => return Poll::Ready(Ok(0)),
                Reading::Failed(e) => {
                    this.state = Reading::Failed(e.clone());
                    return Poll::Ready(Err(e.into()));
                }
            }
        }
    }
}

enum Writing {
    Idle(StreamWriter<u8>),
    /// A batch on its way into the socket; the future returns what was not taken.
    Busy(BoxFut<(StreamWriter<u8>, Vec<u8>)>),
    /// The host stopped taking bytes: waiting for `send`'s status to say why.
    Failing,
    /// Closed by us: the stream end is dropped (FIN sent once the host drained it).
    Closed,
    Failed(NetError),
}

/// The writing direction of a [`crate::TcpStream`] (see [`crate::TcpStream::split`]).
/// Through `AsyncWrite`, writes are buffered and handed to the socket batch by
/// batch: the first batch leaves at once, what is written meanwhile waits for the
/// next `poll_write` or for `flush` (flush as the `AsyncWrite` contract says).
/// `close` flushes, sends FIN and waits until the host transmitted everything.
pub struct WriteHalf {
    state: Writing,
    /// Bytes accepted by `poll_write` and not yet handed to the socket.
    pending: Vec<u8>,
    status: Option<BoxFut<Outcome>>,
    peer: Arc<str>,
    _socket: Arc<TcpSocket>,
}

impl WriteHalf {
    pub(crate) fn new(socket: Arc<TcpSocket>, peer: Arc<str>) -> WriteHalf {
        let (writer, reader) = wasip3::wit_stream::new::<u8>();
        let status = socket.send(reader);
        WriteHalf {
            state: Writing::Idle(writer),
            pending: Vec::new(),
            status: Some(Box::pin(status.into_future())),
            peer,
            _socket: socket,
        }
    }

    /// The peer's address, as connected to or accepted from.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Drives the batch in flight, if any. Ready once nothing is in flight.
    fn poll_in_flight(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), NetError>> {
        loop {
            match &mut self.state {
                Writing::Busy(fut) => {
                    let (writer, rest) = ready!(fut.as_mut().poll(cx));
                    if rest.is_empty() {
                        self.state = Writing::Idle(writer);
                        return Poll::Ready(Ok(()));
                    }
                    self.state = Writing::Failing;
                }
                Writing::Failing => {
                    let outcome = match self.status.as_mut() {
                        Some(status) => ready!(status.as_mut().poll(cx)),
                        None => Ok(()),
                    };
                    self.status = None;
                    let e = outcome_error(outcome, "writing to", &self.peer, "the connection was closed");
                    self.state = Writing::Failed(e.clone());
                    return Poll::Ready(Err(e));
                }
                Writing::Failed(e) => return Poll::Ready(Err(e.clone())),
                Writing::Idle(_) | Writing::Closed => return Poll::Ready(Ok(())),
            }
        }
    }

    /// Hands the pending bytes to the socket if nothing else is in flight.
    fn start_batch(&mut self) {
        if self.pending.is_empty() || !matches!(self.state, Writing::Idle(_)) {
            return;
        }
        let Writing::Idle(mut writer) = std::mem::replace(&mut self.state, Writing::Closed) else { unreachable!() };
        let batch = std::mem::take(&mut self.pending);
        self.state = Writing::Busy(Box::pin(async move {
            let rest = writer.write_all(batch).await;
            (writer, rest)
        }));
    }

    /// Accepts all of `bufs` into the pending batch (waiting only while more than
    /// the high-water mark is already pending) and starts moving bytes at once.
    fn poll_accept(&mut self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        if let Poll::Ready(Err(e)) = self.poll_in_flight(cx) {
            return Poll::Ready(Err(e.into()));
        }
        if matches!(self.state, Writing::Closed) {
            return Poll::Ready(Err(closed_by_us(&self.peer).into()));
        }
        if self.pending.len() >= WRITE_HIGH_WATER {
            // Full: wait until the batch in flight is taken (then `pending` moves).
            ready!(self.poll_in_flight(cx))?;
            self.start_batch();
        }
        let mut n = 0;
        for b in bufs {
            self.pending.extend_from_slice(b);
            n += b.len();
        }
        // Start moving bytes now, without waiting for a flush. Everything written
        // while a batch is in flight goes out together in the next one.
        self.start_batch();
        if let Poll::Ready(Err(e)) = self.poll_in_flight(cx) {
            return Poll::Ready(Err(e.into()));
        }
        Poll::Ready(Ok(n))
    }

    /// Sends all of `data`: returns once the host's socket has taken every byte.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<(), NetError> {
        io_util::write_all(self, data).await
    }

    /// Sends FIN after everything written and waits until the host sent it all.
    pub async fn close(&mut self) -> Result<(), NetError> {
        io_util::close(self).await
    }
}

impl io_util::Describe for WriteHalf {
    fn describe(&self, e: io::Error, op: &'static str) -> NetError {
        NetError::from_io(e, op, &self.peer)
    }
    fn peer_name(&self) -> String {
        self.peer.to_string()
    }
}

impl AsyncWrite for WriteHalf {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_accept(cx, &[IoSlice::new(data)])
    }

    /// All slices become one batch, i.e. one socket write: a TLS flight written
    /// record by record does not stall on Nagle's algorithm (see the crate docs).
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_accept(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            ready!(this.poll_in_flight(cx))?;
            if this.pending.is_empty() {
                return Poll::Ready(Ok(()));
            }
            if matches!(this.state, Writing::Closed) {
                return Poll::Ready(Err(closed_by_us(&this.peer).into()));
            }
            this.start_batch();
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush(cx))?;
        let this = &mut *self;
        // Dropping the writer ends the stream: the host sends FIN after the data.
        this.state = Writing::Closed;
        if let Some(status) = this.status.as_mut() {
            let outcome = ready!(status.as_mut().poll(cx));
            this.status = None;
            if outcome.is_err() {
                let e = outcome_error(outcome, "closing the connection to", &this.peer, "");
                this.state = Writing::Failed(e.clone());
                return Poll::Ready(Err(e.into()));
            }
        }
        Poll::Ready(Ok(()))
    }
}

fn closed_by_us(peer: &str) -> NetError {
    NetError::Io {
        op: "writing to",
        peer: peer.to_string(),
        reason: "the connection was already closed for writing by this side (`close`)".into(),
        kind: io::ErrorKind::BrokenPipe,
    }
}
