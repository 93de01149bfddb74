//! One client's session: what `initialize` agreed (2025-11-25 and older), the log
//! level the client asked for, the requests in flight (so `notifications/cancelled`
//! can stop them), the requests the server sent to the client (elicitation,
//! sampling, roots) waiting for answers, and the outbound queue the transport
//! drains. A 2026-07-28 request needs no session state: over HTTP the transport
//! gives each one a fresh `Session`.
use crate::jsonrpc::{self, Id};
use futures::channel::{mpsc, oneshot};
use futures::future::AbortHandle;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A message for the transport to send. `related` is the request it belongs to
/// (progress, log messages and server → client requests made while serving it):
/// the HTTP transport sends it on that request's SSE stream; stdio ignores it.
#[derive(Debug)]
pub struct Outbound {
    pub message: String,
    pub related: Option<Id>,
    /// The final response to `related`: the HTTP transport ends that stream.
    pub is_response: bool,
}

/// syslog levels, as `logging/setLevel` and `notifications/message` name them.
pub const LEVELS: [&str; 8] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

pub fn level_index(level: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == level)
}

pub struct Session {
    pub id: String,
    /// Revision agreed by `initialize`.
    version: Cell<Option<&'static str>>,
    client_capabilities: RefCell<Value>,
    /// Messages below this level are not sent (`logging/setLevel`); default: info.
    log_level: Cell<usize>,
    subscriptions: RefCell<HashSet<String>>,
    outbound: mpsc::UnboundedSender<Outbound>,
    pending: RefCell<HashMap<i64, oneshot::Sender<Result<Value, Value>>>>,
    next_request: Cell<i64>,
    in_flight: RefCell<HashMap<Id, AbortHandle>>,
}

impl Session {
    /// A new session and the queue its transport sends from.
    pub fn new(id: impl Into<String>) -> (Rc<Session>, mpsc::UnboundedReceiver<Outbound>) {
        let (tx, rx) = mpsc::unbounded();
        let s = Session {
            id: id.into(),
            version: Cell::new(None),
            client_capabilities: RefCell::new(Value::Null),
            log_level: Cell::new(1),
            subscriptions: RefCell::default(),
            outbound: tx,
            pending: RefCell::default(),
            next_request: Cell::new(1),
            in_flight: RefCell::default(),
        };
        (Rc::new(s), rx)
    }

    pub fn version(&self) -> Option<&'static str> {
        self.version.get()
    }

    pub(crate) fn initialized(&self, version: &'static str, capabilities: Value) {
        self.version.set(Some(version));
        *self.client_capabilities.borrow_mut() = capabilities;
    }

    pub fn client_capabilities(&self) -> Value {
        self.client_capabilities.borrow().clone()
    }

    pub(crate) fn set_log_level(&self, index: usize) {
        self.log_level.set(index);
    }

    pub(crate) fn log_level(&self) -> usize {
        self.log_level.get()
    }

    /// Marks a session whose transport knows every request is 2026-07-28 (an
    /// HTTP request with `MCP-Protocol-Version: 2026-07-28`): requests without the
    /// `_meta` fields are then refused rather than served the older way.
    pub fn set_stateless(&self) {
        self.version.set(Some(crate::version::STATELESS));
    }

    pub(crate) fn subscribe(&self, uri: &str, on: bool) {
        let mut s = self.subscriptions.borrow_mut();
        if on {
            s.insert(uri.to_string());
        } else {
            s.remove(uri);
        }
    }

    /// Queues a message. A transport that went away drops it (nothing to send to).
    pub fn send(&self, message: &Value, related: Option<&Id>) {
        self.push(message, related, false);
    }

    pub(crate) fn respond(&self, message: &Value, to: &Id) {
        self.push(message, Some(to), true);
    }

    fn push(&self, message: &Value, related: Option<&Id>, is_response: bool) {
        let out = Outbound { message: message.to_string(), related: related.cloned(), is_response };
        let _ = self.outbound.unbounded_send(out);
    }

    /// Sends a request to the client and waits for its answer (`Err` carries the
    /// client's JSON-RPC error object, or a string when the session ended).
    pub async fn request(&self, method: &str, params: Value, related: Option<&Id>) -> Result<Value, Value> {
        let id = self.next_request.get();
        self.next_request.set(id + 1);
        let (tx, rx) = oneshot::channel();
        self.pending.borrow_mut().insert(id, tx);
        self.send(&jsonrpc::request(id, method, params), related);
        rx.await.unwrap_or_else(|_| Err(Value::String("the session ended before the client answered".into())))
    }

    /// Routes the client's answer to the request waiting for it. `false`: no
    /// request of ours has that id.
    pub fn deliver(&self, id: &Id, outcome: Result<Value, Value>) -> bool {
        let Id::Num(n) = id else { return false };
        match self.pending.borrow_mut().remove(n) {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    }

    /// A request started: `notifications/cancelled` for its id aborts it.
    pub(crate) fn track(&self, id: &Id, abort: AbortHandle) {
        self.in_flight.borrow_mut().insert(id.clone(), abort);
    }

    pub(crate) fn untrack(&self, id: &Id) {
        self.in_flight.borrow_mut().remove(id);
    }

    /// Stops a request in flight. `false`: it had already finished (or never was).
    pub fn cancel(&self, id: &Id) -> bool {
        match self.in_flight.borrow_mut().remove(id) {
            Some(abort) => {
                abort.abort();
                true
            }
            None => false,
        }
    }

    /// Requests in flight right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.borrow().len()
    }

    /// Ends the session: every request in flight stops, every server → client
    /// request waiting for an answer fails.
    pub fn close(&self) {
        for (_, a) in self.in_flight.borrow_mut().drain() {
            a.abort();
        }
        self.pending.borrow_mut().clear();
    }
}
