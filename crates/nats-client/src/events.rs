//! Connection events ([`Event`]) and the [`Events`] stream that reports them. Every
//! `Events` stream gets every event emitted after it was created; a stream nobody
//! reads keeps the newest 1024 and counts the rest as lost, so it never grows
//! without bound and never slows the driver.
use crate::error::Error;
use futures::Stream;
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};

const CAPACITY: usize = 1024;

/// Something that happened to the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The connection to `server` was lost; the client reconnects.
    Disconnected { server: String, reason: String },
    /// Connected again (subscriptions restored, buffered publishes being sent).
    Reconnected { server: String },
    /// One reconnect attempt failed (`attempt` counts from 1 since the disconnect).
    ReconnectFailed { server: String, attempt: u32, error: Error },
    /// The server entered lame duck mode (it is about to shut down); the client
    /// moves to another server when the pool has one.
    LameDuck { server: String },
    /// The server sent `-ERR` on an established connection.
    ServerError { server: String, message: String },
    /// A subscription's queue was full and messages were dropped (reported once
    /// per episode; `dropped` is the subscription's total so far).
    SlowConsumer { sid: u64, subject: String, dropped: u64 },
    /// The cluster advertised servers that joined the reconnect pool.
    ServersDiscovered { servers: Vec<String> },
    /// The client closed for good.
    Closed { reason: String },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Disconnected { server, reason } => write!(f, "disconnected from {server}: {reason}"),
            Event::Reconnected { server } => write!(f, "reconnected to {server}"),
            Event::ReconnectFailed { server, attempt, error } => {
                write!(f, "reconnect attempt {attempt} to {server} failed: {error}")
            }
            Event::LameDuck { server } => write!(f, "{server} entered lame duck mode"),
            Event::ServerError { server, message } => write!(f, "{server} reported an error: {message}"),
            Event::SlowConsumer { sid, subject, dropped } => {
                write!(f, "slow consumer on `{subject}` (sid {sid}): {dropped} messages dropped so far")
            }
            Event::ServersDiscovered { servers } => write!(f, "servers discovered: {}", servers.join(", ")),
            Event::Closed { reason } => write!(f, "closed: {reason}"),
        }
    }
}

struct QueueState {
    items: VecDeque<Event>,
    waker: Option<Waker>,
    closed: bool,
    lost: u64,
}

struct EventQueue {
    state: Mutex<QueueState>,
}

/// Fans events out to every live [`Events`] stream.
#[derive(Default)]
pub(crate) struct EventHub {
    listeners: Vec<Weak<EventQueue>>,
    closed: bool,
}

impl EventHub {
    pub(crate) fn listen(&mut self) -> Events {
        let state = QueueState { items: VecDeque::new(), waker: None, closed: self.closed, lost: 0 };
        let q = Arc::new(EventQueue { state: Mutex::new(state) });
        self.listeners.push(Arc::downgrade(&q));
        Events { queue: q }
    }

    pub(crate) fn emit(&mut self, e: Event) {
        let closing = matches!(e, Event::Closed { .. });
        self.closed |= closing;
        self.listeners.retain(|l| {
            let Some(q) = l.upgrade() else { return false };
            let mut s = q.state.lock().unwrap();
            if s.items.len() >= CAPACITY {
                s.items.pop_front();
                s.lost += 1;
            }
            s.items.push_back(e.clone());
            s.closed |= closing;
            if let Some(w) = s.waker.take() {
                w.wake();
            }
            true
        });
    }
}

/// A stream of [`Event`]s from [`Client::events`](crate::Client::events). Ends
/// after [`Event::Closed`].
pub struct Events {
    queue: Arc<EventQueue>,
}

impl Events {
    /// Events dropped because this stream was not read fast enough.
    pub fn lost(&self) -> u64 {
        self.queue.state.lock().unwrap().lost
    }

    /// Takes the next event without waiting.
    pub fn try_next(&mut self) -> Option<Event> {
        self.queue.state.lock().unwrap().items.pop_front()
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut s = self.queue.state.lock().unwrap();
        if let Some(e) = s.items.pop_front() {
            return Poll::Ready(Some(e));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
