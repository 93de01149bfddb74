//! 2025-11-25 sessions: the registry (`Mcp-Session-Id` → [`Live`]) and each
//! session's router task.
//!
//! A session has one outbound queue (crates/mcp-core), but over HTTP its messages
//! go to different places: a request's own response stream (JSON or SSE), or the
//! session's GET stream. One router task per session reads the queue and forwards
//! each message to the channel registered for the request it relates to; what
//! relates to no open request goes to the GET stream, or is dropped when none is
//! open (a response is never sent on the GET stream).
//!
//! The router also hears, through a control channel, when a request's handler
//! task ends (so a request cancelled without a response still ends its HTTP
//! exchange) and when the session is deleted. It always drains the outbound queue
//! before looking at control events, so a response queued just before its
//! handler ended is forwarded first.
use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use futures::stream::{PollNext, select_with_strategy};
use mcp_core::jsonrpc::Id;
use mcp_core::{Outbound, Session};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

enum Event {
    Out(Outbound),
    /// The handler of this request ended (after responding, or cancelled).
    Done(Id),
    /// The session was deleted: stop routing, end every stream.
    Close,
}

/// One live session with its routes.
pub struct Live {
    pub session: Rc<Session>,
    /// Per request in flight: where its messages go.
    routes: RefCell<HashMap<Id, UnboundedSender<Outbound>>>,
    /// The GET stream, if the client opened one.
    listener: RefCell<Option<UnboundedSender<Outbound>>>,
    control: UnboundedSender<Event>,
}

impl Live {
    /// Registers a request's route; `None` if that id is already in flight.
    pub fn open_route(&self, id: &Id) -> Option<UnboundedReceiver<Outbound>> {
        let mut routes = self.routes.borrow_mut();
        if routes.contains_key(id) {
            return None;
        }
        let (tx, rx) = mpsc::unbounded();
        routes.insert(id.clone(), tx);
        Some(rx)
    }

    /// The request's handler ended: its route closes once what it queued is sent.
    pub fn request_done(&self, id: Id) {
        let _ = self.control.unbounded_send(Event::Done(id));
    }

    /// Makes `tx` the session's GET stream (a previous one ends).
    pub fn set_listener(&self, tx: UnboundedSender<Outbound>) {
        *self.listener.borrow_mut() = Some(tx);
    }

    fn forward(&self, out: Outbound) {
        let out = match out.related.as_ref().and_then(|id| self.routes.borrow().get(id).cloned()) {
            Some(route) => {
                let done = out.is_response;
                let id = out.related.clone();
                let undelivered = route.unbounded_send(out).err().map(|e| e.into_inner());
                if done || undelivered.is_some() {
                    self.routes.borrow_mut().remove(id.as_ref().expect("routed by id"));
                }
                match undelivered {
                    // The client went away from that request's stream: a response
                    // is lost with it; notifications and requests to the client go
                    // to the GET stream if there is one (2025-11-25: a disconnect
                    // is not a cancellation).
                    Some(out) if !out.is_response => out,
                    _ => return,
                }
            }
            None if out.is_response => return, // its HTTP exchange is gone
            None => out,
        };
        let mut listener = self.listener.borrow_mut();
        if let Some(tx) = listener.as_ref()
            && tx.unbounded_send(out).is_err()
        {
            *listener = None;
        }
    }
}

/// Every live session, by id.
#[derive(Default)]
pub struct Registry {
    sessions: RefCell<HashMap<String, Rc<Live>>>,
}

impl Registry {
    /// A new session with a fresh random id, and its router task running.
    pub fn create(&self) -> Rc<Live> {
        let id = loop {
            let id = new_session_id();
            if !self.sessions.borrow().contains_key(&id) {
                break id;
            }
        };
        let (session, outbound) = Session::new(id.clone());
        let (control, events) = mpsc::unbounded();
        let live = Rc::new(Live { session, routes: RefCell::default(), listener: RefCell::default(), control });
        self.sessions.borrow_mut().insert(id, live.clone());
        drop(wasip3::wit_bindgen::spawn_local(route(live.clone(), outbound, events)));
        live
    }

    pub fn get(&self, id: &str) -> Option<Rc<Live>> {
        self.sessions.borrow().get(id).cloned()
    }

    /// Ends a session: requests in flight stop, its streams end, the id is dead.
    /// `false`: no such session.
    pub fn delete(&self, id: &str) -> bool {
        let Some(live) = self.sessions.borrow_mut().remove(id) else { return false };
        live.session.close();
        let _ = live.control.unbounded_send(Event::Close);
        true
    }
}

async fn route(live: Rc<Live>, outbound: UnboundedReceiver<Outbound>, control: UnboundedReceiver<Event>) {
    // Left first: the outbound queue is drained before any control event.
    let mut events = select_with_strategy(outbound.map(Event::Out), control, |_: &mut ()| PollNext::Left);
    while let Some(event) = events.next().await {
        match event {
            Event::Out(out) => live.forward(out),
            Event::Done(id) => drop(live.routes.borrow_mut().remove(&id)),
            Event::Close => break,
        }
    }
    live.routes.borrow_mut().clear();
    *live.listener.borrow_mut() = None;
}

/// 128 random bits from WASI `random`, as 32 hex digits (visible ASCII).
fn new_session_id() -> String {
    let bytes = wasip3::random::random::get_random_bytes(16);
    data_encoding::HEXLOWER.encode(&bytes)
}
