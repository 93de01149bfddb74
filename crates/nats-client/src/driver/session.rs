//! Serving one established connection: a hand-written poll loop that reads and
//! dispatches operations, writes everything queued in one vectored write, keeps
//! the connection alive with PINGs, completes deadlines, and notices lame duck
//! mode. It returns when the connection is lost or the client closes.
use super::handshake::Established;
use super::{Driver, Ticker};
use crate::events::Event;
use crate::io::{Conn, Connector, Timer};
use crate::proto::{Frame, next_frame};
use crate::shared::{Inner, Stats};
use crate::subscriber::{Message, Push};
use bytes::{Buf, Bytes, BytesMut};
use futures::io::{AsyncRead, AsyncWrite};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use watermelon_proto::proto::{ClientOp, ServerOp};

/// Why serving a connection ended.
pub(super) enum Exit {
    /// The client asked to close; everything queued was written.
    Closed,
    /// The connection broke (or is being left); the reason, for the event.
    Lost(String),
}

/// Reads (and writes) per poll before yielding to other tasks: in a WASI
/// component everything shares one thread, so the driver must not hog it.
const BUDGET: usize = 32;
const READ_CHUNK: usize = 64 * 1024;

struct Session<C: Connector, S> {
    conn: Conn<C>,
    read_buf: BytesMut,
    scratch: Box<[u8]>,
    /// Bytes taken from the shared queue, being written (starts at an op boundary).
    in_flight: VecDeque<Bytes>,
    need_flush: bool,
    ticker: Ticker<S>,
    next_ping: Instant,
    pings_outstanding: u32,
    /// The last `-ERR` the server sent, for the disconnect reason.
    last_error: Option<String>,
    /// Lame duck mode with another server in the pool: leave once written out.
    leaving: bool,
    closing: bool,
}

pub(super) async fn serve<C: Connector, T: Timer>(
    d: &mut Driver<C, T>,
    est: Established<C>,
    reconnected: bool,
) -> Exit {
    let mut s = Session {
        conn: est.conn,
        read_buf: est.read_buf,
        scratch: vec![0; READ_CHUNK].into_boxed_slice(),
        in_flight: VecDeque::new(),
        need_flush: false,
        ticker: Ticker::new(),
        next_ping: Instant::now() + d.shared.opts.ping_interval,
        pings_outstanding: 0,
        last_error: None,
        leaving: false,
        closing: false,
    };
    {
        let mut inner = d.shared.lock();
        inner.server = d.current.to_string();
        inner.max_payload = est.info.max_payload;
        inner.info = Some(est.info);
        // Subscriptions go first: buffered requests need the inbox subscribed.
        let resub = inner.resubscribe();
        if !resub.is_empty() {
            s.in_flight.push_back(resub);
        }
        inner.connected = true;
        if reconnected {
            inner.events.emit(Event::Reconnected { server: d.current.to_string() });
        }
    }
    poll_fn(|cx| s.poll(d, cx)).await
}

impl<C: Connector, S: Future<Output = ()>> Session<C, S> {
    fn poll<T: Timer<Sleep = S>>(&mut self, d: &mut Driver<C, T>, cx: &mut Context<'_>) -> Poll<Exit> {
        d.shared.driver.register(cx.waker());
        if let Err(reason) = self.read(d, cx) {
            return Poll::Ready(Exit::Lost(reason));
        }
        if let Err(reason) = self.timers(d, cx) {
            return Poll::Ready(Exit::Lost(reason));
        }
        if !self.closing && d.shared.lock().close_requested {
            self.closing = true;
        }
        if let Err(reason) = self.write(d, cx) {
            return Poll::Ready(Exit::Lost(reason));
        }
        let written_out = self.in_flight.is_empty() && !self.need_flush && !d.shared.lock().encoder.has_remaining();
        if self.closing && written_out {
            // Best effort: the client is done either way.
            let _ = Pin::new(&mut self.conn).poll_close(cx);
            return Poll::Ready(Exit::Closed);
        }
        if self.leaving && written_out {
            return Poll::Ready(Exit::Lost("the server entered lame duck mode; moving to another server".into()));
        }
        Poll::Pending
    }

    fn read<T: Timer>(&mut self, d: &mut Driver<C, T>, cx: &mut Context<'_>) -> Result<(), String> {
        self.process(d)?;
        for _ in 0..BUDGET {
            match Pin::new(&mut self.conn).poll_read(cx, &mut self.scratch) {
                Poll::Ready(Ok(0)) => {
                    let after = self.last_error.as_ref().map(|e| format!(" after -ERR '{e}'")).unwrap_or_default();
                    return Err(format!("the server closed the connection{after}"));
                }
                Poll::Ready(Ok(n)) => {
                    self.read_buf.extend_from_slice(&self.scratch[..n]);
                    self.process(d)?;
                }
                Poll::Ready(Err(e)) => return Err(format!("reading failed: {e}")),
                Poll::Pending => return Ok(()),
            }
        }
        cx.waker().wake_by_ref();
        Ok(())
    }

    /// Dispatches every complete operation in the read buffer.
    fn process<T: Timer>(&mut self, d: &mut Driver<C, T>) -> Result<(), String> {
        if self.read_buf.is_empty() {
            return Ok(());
        }
        let shared = d.shared.clone();
        let mut inner = shared.lock();
        while let Some(frame) = next_frame(&mut self.read_buf).map_err(|e| format!("protocol error: {e}"))? {
            match frame {
                Frame::Msg(sid, m) => deliver(&shared.stats, &mut inner, sid, m),
                Frame::Op(ServerOp::Ping) => {
                    inner.enqueue(&ClientOp::Pong);
                }
                Frame::Op(ServerOp::Pong) => {
                    inner.pong();
                    self.pings_outstanding = 0;
                }
                Frame::Op(ServerOp::Error { error }) => {
                    let message = error.to_string();
                    self.last_error = Some(message.clone());
                    inner.events.emit(Event::ServerError { server: d.current.to_string(), message });
                }
                Frame::Op(_) => {}
                Frame::Info(info) => {
                    inner.max_payload = info.max_payload;
                    if !shared.opts.ignore_discovered_servers && !info.connect_urls.is_empty() {
                        let added = d.pool.discover(&info.connect_urls, &d.current);
                        if !added.is_empty() {
                            inner.events.emit(Event::ServersDiscovered { servers: added });
                        }
                    }
                    if info.ldm && !self.leaving {
                        inner.events.emit(Event::LameDuck { server: d.current.to_string() });
                        d.pool.demote(&d.current);
                        self.leaving = d.pool.has_other_than(&d.current);
                    }
                    inner.info = Some(*info);
                }
            }
        }
        Ok(())
    }

    /// Completes due deadlines and sends keepalive PINGs.
    fn timers<T: Timer<Sleep = S>>(&mut self, d: &mut Driver<C, T>, cx: &mut Context<'_>) -> Result<(), String> {
        let opts = &d.shared.opts;
        loop {
            let now = Instant::now();
            let mut inner = d.shared.lock();
            let deadline = inner.expire(now, opts.flush_timeout);
            if now >= self.next_ping {
                if self.pings_outstanding >= opts.max_pings_outstanding {
                    let n = self.pings_outstanding;
                    return Err(format!("stale connection: {n} keepalive PINGs were not answered"));
                }
                self.pings_outstanding += 1;
                inner.enqueue_ping(None);
                self.next_ping = now + opts.ping_interval;
            }
            drop(inner);
            let target = deadline.map_or(self.next_ping, |t| t.min(self.next_ping));
            if self.ticker.poll(cx, &d.timer, Some(target)).is_pending() {
                return Ok(());
            }
        }
    }

    /// Writes what is in flight, taking everything queued whenever it runs dry.
    fn write<T: Timer>(&mut self, d: &mut Driver<C, T>, cx: &mut Context<'_>) -> Result<(), String> {
        let mut budget = BUDGET;
        loop {
            if self.in_flight.is_empty() {
                let mut inner = d.shared.lock();
                // A PING at the end of every burst makes the server answer (and ACK)
                // at once. Without it, a small write that follows an unacknowledged one
                // waits in the kernel (Nagle) for the server's delayed ACK, about 40 ms:
                // WASI 0.3 sockets cannot set TCP_NODELAY. See docs/NOTES.md.
                if inner.encoder.has_remaining() {
                    inner.enqueue_ping(None);
                }
                inner.take_pending(&mut self.in_flight);
                drop(inner);
                if self.in_flight.is_empty() {
                    break;
                }
            }
            if budget == 0 {
                // More to write, but let other tasks run first.
                cx.waker().wake_by_ref();
                return Ok(());
            }
            budget -= 1;
            let mut slices = [IoSlice::new(&[]); 64];
            let n = self.in_flight.iter().zip(slices.iter_mut()).map(|(b, s)| *s = IoSlice::new(b)).count();
            match Pin::new(&mut self.conn).poll_write_vectored(cx, &slices[..n]) {
                Poll::Ready(Ok(0)) => return Err("writing failed: the connection is closed".into()),
                Poll::Ready(Ok(written)) => {
                    self.advance(written);
                    self.need_flush = true;
                }
                Poll::Ready(Err(e)) => return Err(format!("writing failed: {e}")),
                Poll::Pending => return Ok(()),
            }
        }
        if self.need_flush {
            match Pin::new(&mut self.conn).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.need_flush = false,
                Poll::Ready(Err(e)) => return Err(format!("writing failed: {e}")),
                Poll::Pending => {}
            }
        }
        Ok(())
    }

    fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let front = self.in_flight.front_mut().expect("wrote more than was in flight");
            if front.len() <= n {
                n -= front.len();
                self.in_flight.pop_front();
            } else {
                front.advance(n);
                n = 0;
            }
        }
    }
}

/// Hands a message to its subscription (or the request inbox).
fn deliver(stats: &Stats, inner: &mut Inner, sid: u64, m: Message) {
    Stats::add(&stats.in_msgs, 1);
    Stats::add(&stats.in_bytes, (m.payload.len()) as u64);
    if inner.inbox.sid == Some(sid) {
        inner.inbox.deliver(m);
        return;
    }
    let Some(sub) = inner.subs.get(&sid) else { return };
    if let Push::Dropped { first, total } = sub.queue.push(m) {
        Stats::add(&stats.dropped, 1);
        if first {
            let subject = sub.subject.to_string();
            inner.events.emit(Event::SlowConsumer { sid, subject, dropped: total });
        }
    }
}
