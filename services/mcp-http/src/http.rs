//! One HTTP request to the endpoint: DNS-rebinding protection (`Host`, `Origin`),
//! the path, then by method: POST ([`crate::post`]), GET (a session's stream of
//! server-initiated messages), DELETE (ends a session). GET and DELETE exist only
//! for 2025-11-25 sessions: without `Mcp-Session-Id` they get 405 (2026-07-28 is
//! POST only).
use crate::config::HttpConfig;
use crate::reply::{self, Resp, SESSION_HEADER, SESSION_NOT_FOUND};
use crate::sessions::Registry;
use futures::channel::mpsc;
use hyper::body::Incoming;
use hyper::header::{ACCEPT, ALLOW, HOST, HeaderValue, ORIGIN};
use hyper::{Method, Request, StatusCode};
use mcp_core::Server;
use mcp_core::jsonrpc::INVALID_REQUEST;
use std::rc::Rc;

/// What every connection shares.
pub struct State {
    pub server: Rc<Server>,
    pub config: HttpConfig,
    pub sessions: Registry,
}

pub async fn handle(state: Rc<State>, req: Request<Incoming>) -> Resp {
    if let Some(refusal) = guard(&state.config, &req) {
        return refusal;
    }
    if req.uri().path() != state.config.path {
        let message = format!("Not Found: the MCP endpoint is {}", state.config.path);
        return reply::error(StatusCode::NOT_FOUND, None, INVALID_REQUEST, message);
    }
    let (parts, body) = req.into_parts();
    match parts.method {
        Method::POST => crate::post::post(&state, &parts, body).await,
        Method::GET => get(&state, &parts),
        Method::DELETE => delete(&state, &parts),
        _ => not_allowed("GET, POST, DELETE"),
    }
}

/// 403 for a `Host` or `Origin` this server does not answer (a web page's script
/// reaching a local server through DNS rebinding).
fn guard(config: &HttpConfig, req: &Request<Incoming>) -> Option<Resp> {
    let forbidden = |what: &str| {
        let message = format!("Forbidden: {what} is not allowed (MCP_HTTP_ALLOWED_HOSTS / MCP_HTTP_ALLOWED_ORIGINS)");
        Some(reply::error(StatusCode::FORBIDDEN, None, INVALID_REQUEST, message))
    };
    if let Some(host) = req.headers().get(HOST) {
        match host.to_str() {
            Ok(h) if config.host_allowed(h) => {}
            _ => return forbidden(&format!("Host {host:?}")),
        }
    }
    if let Some(origin) = req.headers().get(ORIGIN) {
        match origin.to_str() {
            Ok(o) if config.origin_allowed(o) => {}
            _ => return forbidden(&format!("Origin {origin:?}")),
        }
    }
    None
}

/// A header's value, trimmed; `None` when absent, empty or not visible ASCII.
pub fn header<'a>(parts: &'a hyper::http::request::Parts, name: &str) -> Option<&'a str> {
    let v = parts.headers.get(name)?.to_str().ok()?.trim();
    (!v.is_empty()).then_some(v)
}

pub fn not_allowed(allow: &'static str) -> Resp {
    let mut r =
        reply::error(StatusCode::METHOD_NOT_ALLOWED, None, INVALID_REQUEST, format!("Method Not Allowed: use {allow}"));
    r.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    r
}

pub fn unknown_session(id: Option<&mcp_core::jsonrpc::Id>) -> Resp {
    let message = "Session not found: it ended or never existed; send initialize for a new one";
    reply::error(StatusCode::NOT_FOUND, id, SESSION_NOT_FOUND, message)
}

/// GET: the session's stream of messages unrelated to any request (one per
/// session; a new GET replaces the previous stream).
fn get(state: &State, parts: &hyper::http::request::Parts) -> Resp {
    let Some(sid) = header(parts, SESSION_HEADER) else {
        return not_allowed("POST");
    };
    let Some(live) = state.sessions.get(sid) else {
        return unknown_session(None);
    };
    if let Some(accept) = header(parts, ACCEPT.as_str())
        && !accept.contains("text/event-stream")
        && !accept.contains("*/*")
    {
        let message = "Not Acceptable: the GET stream is text/event-stream";
        return reply::error(StatusCode::NOT_ACCEPTABLE, None, INVALID_REQUEST, message);
    }
    let (tx, rx) = mpsc::unbounded();
    live.set_listener(tx);
    reply::listen(rx)
}

/// DELETE: ends the session; its id answers 404 from now on.
fn delete(state: &State, parts: &hyper::http::request::Parts) -> Resp {
    let Some(sid) = header(parts, SESSION_HEADER) else {
        return not_allowed("POST");
    };
    if state.sessions.delete(sid) { reply::empty(StatusCode::NO_CONTENT) } else { unknown_session(None) }
}
