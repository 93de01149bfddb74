//! Received messages and subscriptions. Each subscription has its own bounded
//! queue: the driver never waits for a slow reader; when the queue is full the new
//! message is dropped and counted, and a `SlowConsumer` event is emitted.
use crate::headers::Headers;
use crate::shared::Shared;
use bytes::Bytes;
use futures::Stream;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use watermelon_proto::{ServerMessage, StatusCode, Subject};

/// A message delivered by the server.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    pub subject: Subject,
    /// Where to send a reply, if the publisher asked for one.
    pub reply: Option<Subject>,
    pub headers: Headers,
    pub payload: Bytes,
    /// A status the server set (e.g. 503 on a reply: no responders).
    pub status: Option<StatusCode>,
    pub description: Option<String>,
}

impl Message {
    /// `headers`: read from the raw frame (see [`Headers`] for why).
    pub(crate) fn from_server(m: ServerMessage, headers: Headers) -> Message {
        Message {
            subject: m.base.subject,
            reply: m.base.reply_subject,
            headers,
            payload: m.base.payload,
            status: m.status_code,
            description: m.status_description.map(|d| d.to_string()),
        }
    }
}

/// Outcome of offering a message to a subscription's queue.
pub(crate) enum Push {
    Delivered,
    /// The queue was full. `first` is true for the first drop after a delivery
    /// (when to report a slow consumer).
    Dropped {
        first: bool,
        total: u64,
    },
}

struct QueueState {
    items: VecDeque<Message>,
    waker: Option<Waker>,
    closed: bool,
    dropped: u64,
    dropping: bool,
}

/// The bounded queue between the driver and one [`Subscriber`].
pub(crate) struct SubQueue {
    state: Mutex<QueueState>,
    capacity: usize,
}

impl SubQueue {
    pub(crate) fn new(capacity: usize) -> Arc<SubQueue> {
        let state = QueueState { items: VecDeque::new(), waker: None, closed: false, dropped: 0, dropping: false };
        Arc::new(SubQueue { state: Mutex::new(state), capacity: capacity.max(1) })
    }

    pub(crate) fn push(&self, m: Message) -> Push {
        let mut s = self.state.lock().unwrap();
        if s.items.len() >= self.capacity {
            s.dropped += 1;
            let first = !s.dropping;
            s.dropping = true;
            return Push::Dropped { first, total: s.dropped };
        }
        s.dropping = false;
        s.items.push_back(m);
        if let Some(w) = s.waker.take() {
            w.wake();
        }
        Push::Delivered
    }

    /// Ends the stream after the messages already queued.
    pub(crate) fn close(&self) {
        let mut s = self.state.lock().unwrap();
        s.closed = true;
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }
}

/// A subscription: a [`Stream`] of [`Message`]s. Dropping it unsubscribes. The
/// stream ends when the subscription is unsubscribed or the client closes.
pub struct Subscriber {
    pub(crate) sid: u64,
    pub(crate) subject: String,
    pub(crate) queue: Arc<SubQueue>,
    pub(crate) shared: Arc<Shared>,
}

impl Subscriber {
    /// The subscription id (the same across reconnects).
    pub fn sid(&self) -> u64 {
        self.sid
    }

    /// The subject (possibly with wildcards) subscribed to.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Messages dropped so far because this subscription's queue was full.
    pub fn dropped(&self) -> u64 {
        self.queue.state.lock().unwrap().dropped
    }

    /// Messages waiting in the queue.
    pub fn pending(&self) -> usize {
        self.queue.state.lock().unwrap().items.len()
    }

    /// Takes the next queued message without waiting.
    pub fn try_next(&mut self) -> Option<Message> {
        self.queue.state.lock().unwrap().items.pop_front()
    }

    /// Unsubscribes; messages already queued are dropped.
    pub fn unsubscribe(self) {
        // Drop does it.
    }
}

impl Stream for Subscriber {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let mut s = self.queue.state.lock().unwrap();
        if let Some(m) = s.items.pop_front() {
            return Poll::Ready(Some(m));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        if !s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            s.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.shared.unsubscribe(self.sid);
    }
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber").field("sid", &self.sid).field("subject", &self.subject).finish()
    }
}
