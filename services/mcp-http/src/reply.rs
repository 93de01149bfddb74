//! HTTP responses: plain JSON, JSON-RPC errors, and a request's reply built from
//! the messages routed to it.
//!
//! A request's reply format is decided by the first message for it: its final
//! response → one `application/json` body; a notification or a request to the
//! client first → `text/event-stream`, every message one SSE event
//! (`id: n` + `data: <one-line JSON>`), the stream ending after the final response.
//! Every JSON message is on one line (serde_json's compact form), as the MCP
//! conformance harness parses SSE line by line.
use bytes::Bytes;
use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use futures::future::Either;
use futures::stream::LocalBoxStream;
use hyper::body::Frame;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use mcp_core::jsonrpc::{ErrorReply, Id};
use mcp_core::{Outbound, Session};
use serde_json::Value;
use std::convert::Infallible;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

pub type Resp = Response<Body>;

/// A response body: all at once, or a stream of SSE events. (Not `Send`: the
/// streams hold the session's `Rc`s; hyper's HTTP/1 server does not need `Send`.)
pub enum Body {
    Full(Option<Bytes>),
    Stream(LocalBoxStream<'static, Bytes>),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Stream(s) => s.as_mut().poll_next(cx).map(|b| b.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            Body::Full(b) => hyper::body::SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Body::Stream(_) => hyper::body::SizeHint::default(),
        }
    }
}

/// Keep-alive comment on the GET stream.
const PING_EVERY: Duration = Duration::from_secs(15);

/// The JSON-RPC error codes of the 2026-07-28 HTTP binding.
pub const HEADER_MISMATCH: i64 = -32020;
pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
/// Implementation-defined: the `Mcp-Session-Id` names no live session.
pub const SESSION_NOT_FOUND: i64 = -32001;

pub const SESSION_HEADER: &str = "mcp-session-id";

pub fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(Body::Full(None));
    *r.status_mut() = status;
    r
}

pub fn json(status: StatusCode, body: String) -> Resp {
    let mut r = Response::new(Body::Full(Some(Bytes::from(body))));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A JSON-RPC error as the whole HTTP response.
pub fn error(status: StatusCode, id: Option<&Id>, code: i64, message: impl Into<String>) -> Resp {
    rejected(status, &ErrorReply::new(id.cloned(), code, message))
}

pub fn rejected(status: StatusCode, e: &ErrorReply) -> Resp {
    json(status, serde_json::to_string(&e.to_json()).expect("JSON"))
}

/// How a request's final response maps to an HTTP status.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 2025-11-25 session: JSON-RPC errors travel with 200.
    Session,
    /// 2026-07-28: protocol errors get 400, unknown methods 404.
    Stateless,
}

fn status_of(message: &str, mode: Mode) -> StatusCode {
    if mode == Mode::Session {
        return StatusCode::OK;
    }
    let code = serde_json::from_str::<Value>(message).ok().and_then(|v| v.get("error")?.get("code")?.as_i64());
    match code {
        Some(
            mcp_core::jsonrpc::INVALID_PARAMS
            | HEADER_MISMATCH
            | MISSING_REQUIRED_CLIENT_CAPABILITY
            | UNSUPPORTED_PROTOCOL_VERSION,
        ) => StatusCode::BAD_REQUEST,
        Some(mcp_core::jsonrpc::METHOD_NOT_FOUND) => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// Closes a stateless request's session when its HTTP exchange ends, which stops
/// the request if it is still running (2026-07-28: closing the response stream
/// is cancellation).
pub struct CloseOnDrop(pub Rc<Session>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// The reply to request `id` from the messages routed to it. `guard` lives as
/// long as the HTTP exchange (while waiting, then inside an SSE body).
pub async fn reply(mut rx: UnboundedReceiver<Outbound>, id: Id, mode: Mode, guard: Option<CloseOnDrop>) -> Resp {
    let Some(first) = rx.next().await else {
        // Ended without a response (cancelled, or the session was deleted).
        return empty(StatusCode::ACCEPTED);
    };
    if is_final(&first, &id) {
        let status = status_of(&first.message, mode);
        return json(status, first.message);
    }
    let state = (Some(first), rx, false, guard, 0u64);
    let events = futures::stream::unfold(state, move |(pending, mut rx, ended, guard, n)| {
        let id = id.clone();
        async move {
            if ended {
                return None; // the final response was the last event
            }
            let out = match pending {
                Some(o) => o,
                None => rx.next().await?,
            };
            let ended = is_final(&out, &id);
            Some((event(n, &out.message), (None, rx, ended, guard, n + 1)))
        }
    });
    sse(events)
}

fn is_final(o: &Outbound, id: &Id) -> bool {
    o.is_response && o.related.as_ref() == Some(id)
}

/// The session's GET stream: every message the router sends it, and a comment
/// every 15 s so a vanished client is noticed (the write fails) and proxies keep
/// the connection open.
pub fn listen(rx: UnboundedReceiver<Outbound>) -> Resp {
    let events = futures::stream::unfold((rx, 0u64), |(mut rx, n)| async move {
        let next = match futures::future::select(rx.next(), std::pin::pin!(guest_net::sleep(PING_EVERY))).await {
            Either::Left((next, _)) => Some(next),
            Either::Right(_) => None,
        };
        match next {
            Some(Some(out)) => Some((event(n, &out.message), (rx, n + 1))),
            Some(None) => None, // the session ended
            None => Some((Bytes::from_static(b": ping\n\n"), (rx, n))),
        }
    });
    sse(events)
}

fn event(n: u64, message: &str) -> Bytes {
    Bytes::from(format!("id: {n}\ndata: {message}\n\n"))
}

fn sse(events: impl futures::Stream<Item = Bytes> + 'static) -> Resp {
    let mut r = Response::new(Body::Stream(Box::pin(events)));
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}
