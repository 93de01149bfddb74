//! [`Client`]: the cloneable handle. Every method only queues work in the shared
//! state and wakes the driver; replies, PONGs and timeouts come back through
//! oneshot channels the driver completes. Nothing here touches a socket or a timer.
use crate::driver;
use crate::error::{Error, Result};
use crate::events::Events;
use crate::headers::Headers;
use crate::io::{Connector, Timer};
use crate::options::Options;
use crate::proto::ServerInfo;
use crate::shared::{Deadline, Shared, Stats, SubEntry};
use crate::subscriber::{Message, SubQueue, Subscriber};
use bytes::{Buf, Bytes};
use futures::channel::oneshot;
use std::cmp::Reverse;
use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::task::Poll;
use std::time::{Duration, Instant};
use watermelon_proto::proto::ClientOp;
use watermelon_proto::{MessageBase, QueueGroup, Subject};

/// A handle to one NATS connection. Clones share the connection; when the last
/// clone is dropped (or [`close`](Client::close) is called) the driver sends what
/// is queued and ends.
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
    _handle: Arc<Handle>,
}

/// Closes the connection when the last [`Client`] clone goes away.
struct Handle(Arc<Shared>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.lock().close_requested = true;
        self.0.driver.wake();
    }
}

/// Counters since the client was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statistics {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub reconnects: u64,
    /// Messages dropped by full subscription queues.
    pub dropped: u64,
}

impl Client {
    /// Connects to the first reachable server of `options.servers` (each is tried
    /// once; the error says why each failed) and returns the client with its
    /// driver: the future that does all the I/O (reading, coalesced writing,
    /// keepalive, reconnecting). Poll the driver for as long as the client is used
    /// (spawn it, or `select` it with your own work); it ends with `Ok` after
    /// [`close`](Client::close) or when every `Client` is dropped, and with the
    /// reason when reconnecting gave up (`max_reconnect_attempts`).
    pub async fn connect<C, T>(
        options: Options,
        connector: C,
        timer: T,
    ) -> Result<(Client, impl Future<Output = Result<()>> + use<C, T>)>
    where
        C: Connector,
        T: Timer,
    {
        let (shared, driver) = driver::connect(options, connector, timer).await?;
        Ok((Client::from_shared(shared), driver))
    }

    fn from_shared(shared: Arc<Shared>) -> Client {
        Client { _handle: Arc::new(Handle(shared.clone())), shared }
    }

    /// Publishes `payload` to `subject`. Returns once the message is queued; waits
    /// only while the write queue is full (backpressure). Fails at once on a
    /// message over the server's `max_payload`, or while disconnected when the
    /// reconnect buffer is full.
    pub async fn publish(&self, subject: &str, payload: impl Into<Bytes>) -> Result<()> {
        self.publish_message(subject, None, &Headers::new(), payload.into()).await
    }

    /// Publishes with headers.
    pub async fn publish_with_headers(
        &self,
        subject: &str,
        headers: &Headers,
        payload: impl Into<Bytes>,
    ) -> Result<()> {
        self.publish_message(subject, None, headers, payload.into()).await
    }

    /// Publishes with a reply subject (and headers, possibly empty).
    pub async fn publish_with_reply(
        &self,
        subject: &str,
        reply: &str,
        headers: &Headers,
        payload: impl Into<Bytes>,
    ) -> Result<()> {
        let reply = parse_subject(reply, "reply subject")?;
        self.publish_message(subject, Some(reply), headers, payload.into()).await
    }

    pub(crate) async fn publish_message(
        &self,
        subject: &str,
        reply: Option<Subject>,
        headers: &Headers,
        payload: Bytes,
    ) -> Result<()> {
        let subject_checked = parse_subject(subject, "subject")?;
        let size = payload.len() + headers.wire_len();
        let map = if headers.is_empty() { Default::default() } else { headers.to_map()? };
        let mut message = Some(MessageBase { subject: subject_checked, reply_subject: reply, headers: map, payload });
        let shared = &self.shared;
        poll_fn(|cx| {
            let mut inner = shared.lock();
            if let Some(e) = &inner.closed {
                return Poll::Ready(Err(e.clone()));
            }
            if inner.max_payload > 0 && size > inner.max_payload {
                let max = inner.max_payload;
                return Poll::Ready(Err(Error::MaxPayload { subject: subject.to_string(), size, max }));
            }
            let queued = inner.encoder.remaining();
            if inner.connected {
                if queued > 0 && queued + size > shared.opts.write_buffer_size {
                    inner.space_wakers.push(cx.waker().clone());
                    return Poll::Pending;
                }
            } else if queued + size > shared.opts.reconnect_buffer_size {
                let limit = shared.opts.reconnect_buffer_size;
                let subject = subject.to_string();
                return Poll::Ready(Err(Error::ReconnectBufferFull { subject, buffered: queued, limit }));
            }
            let message = message.take().expect("polled after completion");
            let wake = inner.enqueue(&ClientOp::Publish { message });
            drop(inner);
            Stats::add(&shared.stats.out_msgs, 1);
            Stats::add(&shared.stats.out_bytes, size as u64);
            if wake {
                shared.driver.wake();
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Subscribes to `subject` (wildcards allowed). Messages arrive on the
    /// returned stream; call [`flush`](Client::flush) to know the server has the
    /// subscription.
    pub fn subscribe(&self, subject: &str) -> Result<Subscriber> {
        self.subscribe_inner(subject, None)
    }

    /// Subscribes as a member of `queue_group`: each message goes to one member.
    pub fn queue_subscribe(&self, subject: &str, queue_group: &str) -> Result<Subscriber> {
        let q =
            QueueGroup::try_from(queue_group.to_string()).map_err(|e| Error::input("queue group", queue_group, e))?;
        self.subscribe_inner(subject, Some(q))
    }

    fn subscribe_inner(&self, subject: &str, queue_group: Option<QueueGroup>) -> Result<Subscriber> {
        let subject_checked = parse_subject(subject, "subject")?;
        let queue = SubQueue::new(self.shared.opts.subscription_capacity);
        let mut inner = self.shared.lock();
        if let Some(e) = &inner.closed {
            return Err(e.clone());
        }
        let sid = inner.next_sid;
        inner.next_sid += 1;
        let op =
            ClientOp::Subscribe { id: sid.into(), subject: subject_checked.clone(), queue_group: queue_group.clone() };
        inner
            .subs
            .insert(sid, SubEntry { subject: subject_checked, queue_group, queue: queue.clone(), draining: false });
        // While disconnected, the reconnect subscribes everything in `subs`.
        let wake = inner.connected && inner.enqueue(&op);
        drop(inner);
        if wake {
            self.shared.driver.wake();
        }
        Ok(Subscriber { sid, subject: subject.to_string(), queue, shared: self.shared.clone() })
    }

    /// Waits until the server has processed everything sent before (PING/PONG),
    /// up to `flush_timeout`. While disconnected, waits for the reconnect.
    pub async fn flush(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        {
            let mut inner = self.shared.lock();
            if let Some(e) = &inner.closed {
                return Err(e.clone());
            }
            let (id, _) = inner.enqueue_ping(Some(tx));
            let at = Instant::now() + self.shared.opts.flush_timeout;
            inner.deadlines.push(Reverse((at, Deadline::Flush(id))));
        }
        self.shared.driver.wake();
        rx.await.unwrap_or_else(|_| Err(self.gone()))
    }

    /// Ends subscriptions without losing a message (a queue-group member leaving
    /// its group): tells the server to stop sending to each (UNSUB), waits until it
    /// has (PING/PONG: what it sent before still arrives and is queued), then ends
    /// each [`Subscriber`] stream after the messages already queued. Afterwards the
    /// server gives the group's messages to the other members.
    pub async fn drain(&self, subscribers: &[u64]) -> Result<()> {
        let wake = {
            let mut inner = self.shared.lock();
            let mut wake = false;
            for sid in subscribers {
                let connected = inner.connected && inner.closed.is_none();
                if let Some(entry) = inner.subs.get_mut(sid)
                    && !entry.draining
                {
                    entry.draining = true;
                    if connected {
                        wake |= inner.enqueue(&ClientOp::Unsubscribe { id: (*sid).into(), max_messages: None });
                    }
                }
            }
            wake
        };
        if wake {
            self.shared.driver.wake();
        }
        let flushed = self.flush().await;
        let mut inner = self.shared.lock();
        for sid in subscribers {
            if let Some(entry) = inner.subs.remove(sid) {
                entry.queue.close();
            }
        }
        flushed
    }

    /// Sends a request and waits for the first reply, up to `request_timeout`.
    pub async fn request(&self, subject: &str, payload: impl Into<Bytes>) -> Result<Message> {
        let timeout = self.shared.opts.request_timeout;
        self.request_with_headers(subject, &Headers::new(), payload, timeout).await
    }

    /// Sends a request with headers and waits up to `timeout` for the first reply.
    pub async fn request_with_headers(
        &self,
        subject: &str,
        headers: &Headers,
        payload: impl Into<Bytes>,
        timeout: Duration,
    ) -> Result<Message> {
        let mut replies = self.request_many(subject, headers, payload, timeout, 1).await?;
        Ok(replies.remove(0))
    }

    /// Sends a request and collects replies until `max_replies` arrived or
    /// `timeout` passed; returns what arrived (at least one), or
    /// [`Error::RequestTimeout`] / [`Error::NoResponders`].
    pub async fn request_many(
        &self,
        subject: &str,
        headers: &Headers,
        payload: impl Into<Bytes>,
        timeout: Duration,
        max_replies: usize,
    ) -> Result<Vec<Message>> {
        parse_subject(subject, "subject")?;
        let (tx, rx) = oneshot::channel();
        let (token, reply, wake) = {
            let mut inner = self.shared.lock();
            if let Some(e) = &inner.closed {
                return Err(e.clone());
            }
            let mut wake = false;
            if inner.inbox.sid.is_none() {
                let sid = inner.next_sid;
                inner.next_sid += 1;
                inner.inbox.sid = Some(sid);
                if inner.connected {
                    let subject = inner.inbox.wildcard();
                    wake = inner.enqueue(&ClientOp::Subscribe { id: sid.into(), subject, queue_group: None });
                }
            }
            let (token, reply) = inner.inbox.register(subject, timeout, max_replies, tx);
            let at = Instant::now() + timeout;
            // The driver's timer only needs re-arming for a new earliest deadline.
            wake |= inner.deadlines.peek().is_none_or(|Reverse((first, _))| at < *first);
            inner.deadlines.push(Reverse((at, Deadline::Request(token))));
            compact_deadlines(&mut inner);
            (token, reply, wake)
        };
        if wake {
            self.shared.driver.wake();
        }
        if let Err(e) = self.publish_message(subject, Some(reply), headers, payload.into()).await {
            self.shared.lock().inbox.cancel(token);
            return Err(e);
        }
        rx.await.unwrap_or_else(|_| Err(self.gone()))
    }

    /// A unique subject to receive replies on outside [`request`](Client::request).
    pub fn new_inbox(&self) -> String {
        self.shared.lock().inbox.unique_subject()
    }

    /// A stream of connection [`Events`](crate::Event) from now on.
    pub fn events(&self) -> Events {
        self.shared.lock().events.listen()
    }

    /// The latest INFO of the current (or last) server.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.shared.lock().info.clone()
    }

    pub fn is_connected(&self) -> bool {
        self.shared.lock().connected
    }

    /// The current server's `max_payload`.
    pub fn max_payload(&self) -> usize {
        self.shared.lock().max_payload
    }

    pub fn statistics(&self) -> Statistics {
        let s = &self.shared.stats;
        Statistics {
            in_msgs: s.in_msgs.load(Relaxed),
            in_bytes: s.in_bytes.load(Relaxed),
            out_msgs: s.out_msgs.load(Relaxed),
            out_bytes: s.out_bytes.load(Relaxed),
            reconnects: s.reconnects.load(Relaxed),
            dropped: s.dropped.load(Relaxed),
        }
    }

    /// Closes the connection: the driver sends what is queued, then ends. Calls
    /// made afterwards fail with [`Error::Closed`].
    pub fn close(&self) {
        self.shared.lock().close_requested = true;
        self.shared.driver.wake();
    }

    /// Why a reply channel was dropped: the client closed.
    fn gone(&self) -> Error {
        self.shared.closed_error().unwrap_or_else(|| Error::Closed { reason: "the driver stopped".into() })
    }
}

/// Drops deadline entries of requests that already completed, once they pile up
/// (requests that finish early leave their entry behind).
fn compact_deadlines(inner: &mut crate::shared::Inner) {
    let live = inner.inbox.len() + inner.pings_queued.len() + inner.pings_sent.len();
    if inner.deadlines.len() > 1024 && inner.deadlines.len() > 4 * live {
        let pings: std::collections::HashSet<u64> =
            inner.pings_queued.iter().chain(inner.pings_sent.iter()).map(|w| w.id).collect();
        let inbox = &inner.inbox;
        inner.deadlines.retain(|Reverse((_, d))| match d {
            Deadline::Request(t) => inbox.contains(*t),
            Deadline::Flush(id) => pings.contains(id),
        });
    }
}

pub(crate) fn parse_subject(s: &str, what: &'static str) -> Result<Subject> {
    Subject::try_from(s.to_string()).map_err(|e| Error::input(what, s, e))
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.shared.lock();
        f.debug_struct("Client").field("server", &inner.server).field("connected", &inner.connected).finish()
    }
}
