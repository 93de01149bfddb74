//! State shared by the [`Client`](crate::Client) handles and the driver, behind one
//! mutex (never held across an await). Client calls encode operations straight into
//! `encoder`, the queue of bytes not yet handed to the socket; the driver takes all
//! of it at once, so many publishes become one socket write. The queue always
//! starts at an operation boundary, which is what lets it survive a reconnect.
use crate::error::Error;
use crate::events::{Event, EventHub};
use crate::options::Options;
use crate::proto::ServerInfo;
use crate::request::Inbox;
use crate::subscriber::SubQueue;
use bytes::{Buf, Bytes};
use futures::channel::oneshot;
use futures::task::AtomicWaker;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Instant;
use watermelon_proto::proto::{ClientOp, StreamEncoder};
use watermelon_proto::{QueueGroup, Subject};

/// A live subscription, as the driver needs it (to deliver and to resubscribe).
pub(crate) struct SubEntry {
    pub subject: Subject,
    pub queue_group: Option<QueueGroup>,
    pub queue: Arc<SubQueue>,
    /// Being drained: the server was told to stop sending; a reconnect does not
    /// subscribe it again.
    pub draining: bool,
}

/// Someone waiting for the PONG that answers one PING (`tx` is `None` for the
/// driver's keepalive PINGs).
pub(crate) struct PingWaiter {
    pub id: u64,
    pub tx: Option<oneshot::Sender<Result<(), Error>>>,
}

/// Timers the driver keeps for callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Deadline {
    Request(u64),
    Flush(u64),
}

pub(crate) struct Inner {
    pub encoder: StreamEncoder,
    pub connected: bool,
    /// The current server (or the last one, while disconnected).
    pub server: String,
    pub info: Option<ServerInfo>,
    pub max_payload: usize,
    pub closed: Option<Error>,
    pub close_requested: bool,
    pub subs: HashMap<u64, SubEntry>,
    pub next_sid: u64,
    pub inbox: Inbox,
    /// PINGs still in `encoder`, then PINGs handed to the socket, in order.
    pub pings_queued: VecDeque<PingWaiter>,
    pub pings_sent: VecDeque<PingWaiter>,
    pub next_ping_id: u64,
    pub deadlines: BinaryHeap<Reverse<(Instant, Deadline)>>,
    /// Publishers waiting for room in `encoder`.
    pub space_wakers: Vec<Waker>,
    pub events: EventHub,
}

#[derive(Default)]
pub(crate) struct Stats {
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub out_msgs: AtomicU64,
    pub out_bytes: AtomicU64,
    pub reconnects: AtomicU64,
    pub dropped: AtomicU64,
}

pub(crate) struct Shared {
    pub inner: Mutex<Inner>,
    pub driver: AtomicWaker,
    pub opts: Options,
    pub stats: Stats,
}

impl Shared {
    pub(crate) fn new(opts: Options, inbox: Inbox, server: String, info: ServerInfo) -> Arc<Shared> {
        let inner = Inner {
            encoder: StreamEncoder::new(),
            connected: true,
            server,
            max_payload: info.max_payload,
            info: Some(info),
            closed: None,
            close_requested: false,
            subs: HashMap::new(),
            next_sid: 1,
            inbox,
            pings_queued: VecDeque::new(),
            pings_sent: VecDeque::new(),
            next_ping_id: 1,
            deadlines: BinaryHeap::new(),
            space_wakers: Vec::new(),
            events: EventHub::default(),
        };
        Arc::new(Shared { inner: Mutex::new(inner), driver: AtomicWaker::new(), opts, stats: Stats::default() })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes a subscription and tells the server (when connected).
    pub(crate) fn unsubscribe(&self, sid: u64) {
        let mut inner = self.lock();
        if inner.subs.remove(&sid).is_some() && inner.connected && inner.closed.is_none() {
            let wake = inner.enqueue(&ClientOp::Unsubscribe { id: sid.into(), max_messages: None });
            drop(inner);
            if wake {
                self.driver.wake();
            }
        }
    }

    pub(crate) fn closed_error(&self) -> Option<Error> {
        self.lock().closed.clone()
    }
}

impl Inner {
    /// Queues an operation; true when the queue was empty (the driver needs a wake).
    pub(crate) fn enqueue(&mut self, op: &ClientOp) -> bool {
        let was_empty = !self.encoder.has_remaining();
        self.encoder.enqueue_write_op(op);
        was_empty
    }

    /// Queues a PING whose PONG `tx` waits for (`None`: a keepalive).
    pub(crate) fn enqueue_ping(&mut self, tx: Option<oneshot::Sender<Result<(), Error>>>) -> (u64, bool) {
        let id = self.next_ping_id;
        self.next_ping_id += 1;
        self.pings_queued.push_back(PingWaiter { id, tx });
        (id, self.enqueue(&ClientOp::Ping))
    }

    /// Moves everything queued to `out` (chunks, without copying) and wakes
    /// publishers waiting for room.
    pub(crate) fn take_pending(&mut self, out: &mut VecDeque<Bytes>) {
        while self.encoder.has_remaining() {
            let n = self.encoder.chunk().len();
            out.push_back(self.encoder.copy_to_bytes(n));
        }
        self.pings_sent.extend(self.pings_queued.drain(..));
        for w in self.space_wakers.drain(..) {
            w.wake();
        }
    }

    /// SUB operations for every live subscription and the request inbox (after a
    /// reconnect).
    pub(crate) fn resubscribe(&self) -> Bytes {
        let mut enc = StreamEncoder::new();
        if let Some(sid) = self.inbox.sid {
            enc.enqueue_write_op(&ClientOp::Subscribe {
                id: sid.into(),
                subject: self.inbox.wildcard(),
                queue_group: None,
            });
        }
        for (sid, s) in self.subs.iter().filter(|(_, s)| !s.draining) {
            enc.enqueue_write_op(&ClientOp::Subscribe {
                id: (*sid).into(),
                subject: s.subject.clone(),
                queue_group: s.queue_group.clone(),
            });
        }
        enc.copy_to_bytes(enc.remaining())
    }

    /// A server's PONG: completes the oldest PING sent.
    pub(crate) fn pong(&mut self) {
        if let Some(PingWaiter { tx: Some(tx), .. }) = self.pings_sent.pop_front() {
            let _ = tx.send(Ok(()));
        }
    }

    /// Completes whatever is due at `now`; returns the next deadline.
    pub(crate) fn expire(&mut self, now: Instant, flush_timeout: std::time::Duration) -> Option<Instant> {
        while let Some(Reverse((at, what))) = self.deadlines.peek().copied() {
            if at > now {
                return Some(at);
            }
            self.deadlines.pop();
            match what {
                Deadline::Request(token) => self.inbox.expire(token),
                Deadline::Flush(id) => {
                    let server = self.server.clone();
                    let w = self.pings_queued.iter_mut().chain(self.pings_sent.iter_mut()).find(|w| w.id == id);
                    if let Some(tx) = w.and_then(|w| w.tx.take()) {
                        let _ = tx.send(Err(Error::FlushTimeout { server, after: flush_timeout }));
                    }
                }
            }
        }
        None
    }

    /// The connection broke: PINGs already sent will never be answered.
    pub(crate) fn disconnected(&mut self, reason: &str) {
        self.connected = false;
        for w in self.pings_sent.drain(..) {
            if let Some(tx) = w.tx {
                let server = self.server.clone();
                let _ = tx.send(Err(Error::FlushInterrupted { server, reason: reason.to_string() }));
            }
        }
        // PINGs still in `encoder` go out on the next connection, with their waiters.
        // Publishers waiting for room now face the reconnect buffer's bound instead.
        for w in self.space_wakers.drain(..) {
            w.wake();
        }
    }

    /// Closes for good: every waiting caller gets `err`, every stream ends.
    pub(crate) fn close_all(&mut self, err: Error) {
        if self.closed.is_some() {
            return;
        }
        self.connected = false;
        self.closed = Some(err.clone());
        for w in self.pings_queued.drain(..).chain(self.pings_sent.drain(..)) {
            if let Some(tx) = w.tx {
                let _ = tx.send(Err(err.clone()));
            }
        }
        self.inbox.fail_all(&err);
        for s in self.subs.values() {
            s.queue.close();
        }
        self.subs.clear();
        for w in self.space_wakers.drain(..) {
            w.wake();
        }
        let reason = match &err {
            Error::Closed { reason } => reason.clone(),
            other => other.to_string(),
        };
        self.events.emit(Event::Closed { reason });
    }
}

impl Stats {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }
}
