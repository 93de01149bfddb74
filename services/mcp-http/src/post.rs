//! POST: one JSON-RPC message, served on one of two paths (dual-era dispatch, as
//! docs/mcp-conformance.md §6 describes):
//!
//! 1. `Mcp-Session-Id` present → the 2025-11-25 session it names (404 if unknown).
//! 2. Else, no `_meta` protocol version in the body and no `MCP-Protocol-Version`
//!    header naming 2026-07-28 or newer → the session path without a session:
//!    `initialize` creates one (`Mcp-Session-Id` on its response), anything else
//!    is 400.
//! 3. Else 2026-07-28, stateless: the headers are checked against the body
//!    (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`), then the request runs on
//!    a fresh `Session`, and no session id is minted.
//!
//! Notifications and client responses get 202 with no body. A request's reply
//! (JSON or SSE) is built by [`reply::reply`] from the messages routed to it.
use crate::http::{State, header, unknown_session};
use crate::reply::{self, CloseOnDrop, HEADER_MISMATCH, Mode, Resp, SESSION_HEADER};
use crate::sessions::Live;
use bytes::Bytes;
use hyper::StatusCode;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::http::request::Parts;
use mcp_core::jsonrpc::{self, INVALID_PARAMS, INVALID_REQUEST, Id};
use mcp_core::{Session, version};
use serde_json::{Map, Value};
use std::rc::Rc;

/// A body larger than this is refused (413).
const MAX_BODY: usize = 32 * 1024 * 1024;
const VERSION_HEADER: &str = "mcp-protocol-version";

pub async fn post(state: &Rc<State>, parts: &Parts, body: Incoming) -> Resp {
    let json = header(parts, CONTENT_TYPE.as_str())
        .is_some_and(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    if !json {
        let message = "Unsupported Media Type: POST a JSON-RPC message as Content-Type: application/json";
        return reply::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, None, INVALID_REQUEST, message);
    }
    let bytes = match read_body(body).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return reply::error(StatusCode::BAD_REQUEST, None, jsonrpc::PARSE_ERROR, format!("Parse error: {e}"));
        }
    };
    let incoming = match jsonrpc::classify(value) {
        jsonrpc::Incoming::Invalid(e) => return reply::rejected(StatusCode::BAD_REQUEST, &e),
        ok => ok,
    };
    let header_version = header(parts, VERSION_HEADER);
    if let Some(sid) = header(parts, SESSION_HEADER) {
        return in_session(state, sid, header_version, incoming).await;
    }
    let meta_version = match &incoming {
        jsonrpc::Incoming::Request { params, .. } => version::requested_in_meta(params).is_some(),
        _ => false,
    };
    let legacy_header = header_version.is_none_or(|v| version::SESSION_REVISIONS.contains(&v) || v == "2024-11-05");
    if !meta_version && legacy_header {
        return without_session(state, incoming).await;
    }
    stateless(state, parts, header_version, incoming).await
}

async fn read_body(body: Incoming) -> Result<Bytes, Resp> {
    use http_body_util::BodyExt;
    match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            let message = format!("Payload Too Large: a message may be at most {MAX_BODY} bytes");
            Err(reply::error(StatusCode::PAYLOAD_TOO_LARGE, None, INVALID_REQUEST, message))
        }
        Err(e) => Err(reply::error(
            StatusCode::BAD_REQUEST,
            None,
            INVALID_REQUEST,
            format!("Bad Request: reading the body: {e}"),
        )),
    }
}

/// A message for a live 2025-11-25 session.
async fn in_session(state: &Rc<State>, sid: &str, header_version: Option<&str>, incoming: jsonrpc::Incoming) -> Resp {
    let id = match &incoming {
        jsonrpc::Incoming::Request { id, .. } => Some(id.clone()),
        _ => None,
    };
    let Some(live) = state.sessions.get(sid) else {
        return unknown_session(id.as_ref());
    };
    if let Some(v) = header_version.filter(|v| !version::is_supported(v)) {
        let message = format!(
            "Bad Request: unsupported MCP-Protocol-Version {v:?}; this server speaks {}",
            version::SUPPORTED.join(", ")
        );
        return reply::error(StatusCode::BAD_REQUEST, id.as_ref(), INVALID_REQUEST, message);
    }
    let Some(id) = id else {
        // A notification or the client's answer to our request: handled at once.
        state.server.handle_message(&live.session, incoming).await;
        return reply::empty(StatusCode::ACCEPTED);
    };
    serve_in(state, live, id, incoming).await
}

/// No session id, 2025-11-25 style: only `initialize` is served (it makes one).
async fn without_session(state: &Rc<State>, incoming: jsonrpc::Incoming) -> Resp {
    let id = match &incoming {
        jsonrpc::Incoming::Request { id, method, .. } if method == "initialize" => id.clone(),
        jsonrpc::Incoming::Request { id, .. } => return session_required(Some(id)),
        _ => return session_required(None),
    };
    let live = state.sessions.create();
    let sid = HeaderValue::from_str(&live.session.id).expect("a hex session id");
    let mut resp = serve_in(state, live, id, incoming).await;
    resp.headers_mut().insert(SESSION_HEADER, sid);
    resp
}

fn session_required(id: Option<&Id>) -> Resp {
    let message = "Bad Request: the Mcp-Session-Id header is required (send initialize first, \
                   or a 2026-07-28 request with _meta[\"io.modelcontextprotocol/protocolVersion\"])";
    reply::error(StatusCode::BAD_REQUEST, id, INVALID_REQUEST, message)
}

/// Runs a request in a session, in its own task; the reply comes through the
/// route the session's router feeds.
async fn serve_in(state: &Rc<State>, live: Rc<Live>, id: Id, incoming: jsonrpc::Incoming) -> Resp {
    let Some(rx) = live.open_route(&id) else {
        let message = format!("Invalid Request: request id {} is already in flight in this session", id.to_json());
        return reply::error(StatusCode::BAD_REQUEST, Some(&id), INVALID_REQUEST, message);
    };
    let (server, task_id) = (state.server.clone(), id.clone());
    drop(wasip3::wit_bindgen::spawn_local(async move {
        server.handle_message(&live.session, incoming).await;
        live.request_done(task_id);
    }));
    reply::reply(rx, id, Mode::Session, None).await
}

/// 2026-07-28: headers checked against the body, then the request alone on a
/// fresh session.
async fn stateless(
    state: &Rc<State>,
    parts: &Parts,
    header_version: Option<&str>,
    incoming: jsonrpc::Incoming,
) -> Resp {
    let checked = match &incoming {
        jsonrpc::Incoming::Request { id, method, params } => {
            check_headers(parts, header_version, id, method, params).map(|()| Some(id.clone()))
        }
        _ => Ok(None), // notifications and responses need no session state: nothing to do
    };
    let id = match checked {
        Ok(Some(id)) => id,
        Ok(None) => return reply::empty(StatusCode::ACCEPTED),
        Err(resp) => return resp,
    };
    let (session, rx) = Session::new("stateless");
    let guard = CloseOnDrop(session.clone());
    let server = state.server.clone();
    drop(wasip3::wit_bindgen::spawn_local(async move { server.handle_message(&session, incoming).await }));
    reply::reply(rx, id, Mode::Stateless, Some(guard)).await
}

/// The 2026-07-28 checks, in the order the conformance suite expects: header
/// present (-32020), `_meta` complete (-32602), header = `_meta` version (-32020),
/// `Mcp-Method` / `Mcp-Name` = the body (-32020). An unsupported version (-32022)
/// is the server's to answer.
fn check_headers(
    parts: &Parts,
    header_version: Option<&str>,
    id: &Id,
    method: &str,
    params: &Map<String, Value>,
) -> Result<(), Resp> {
    let bad = |code: i64, message: String| Err(reply::error(StatusCode::BAD_REQUEST, Some(id), code, message));
    let Some(header_version) = header_version else {
        return bad(HEADER_MISMATCH, "Header mismatch: the MCP-Protocol-Version header is required".into());
    };
    let meta = match params.get("_meta") {
        Some(Value::Object(m)) => m,
        _ => {
            return bad(
                INVALID_PARAMS,
                "Invalid params: `_meta` with the protocol version and client capabilities is required".into(),
            );
        }
    };
    let Some(meta_version) = meta.get(version::META_VERSION).and_then(Value::as_str) else {
        return bad(
            INVALID_PARAMS,
            format!("Invalid params: `_meta[\"{}\"]` (a string) is required", version::META_VERSION),
        );
    };
    if !meta.get(version::META_CLIENT_CAPABILITIES).is_some_and(Value::is_object) {
        let message = format!(
            "Invalid params: `_meta[\"{}\"]` (an object; {{}} for none) is required",
            version::META_CLIENT_CAPABILITIES
        );
        return bad(INVALID_PARAMS, message);
    }
    if header_version != meta_version {
        return bad(
            HEADER_MISMATCH,
            format!(
                "Header mismatch: MCP-Protocol-Version is {header_version:?} but the body's _meta says {meta_version:?}"
            ),
        );
    }
    match header(parts, "mcp-method") {
        Some(m) if m == method => {}
        Some(m) => {
            return bad(
                HEADER_MISMATCH,
                format!("Header mismatch: Mcp-Method is {m:?} but the body's method is {method:?}"),
            );
        }
        None => {
            return bad(
                HEADER_MISMATCH,
                format!("Header mismatch: the Mcp-Method header is required (here: {method})"),
            );
        }
    }
    let name_param = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        _ => return Ok(()),
    };
    let Some(expected) = params.get(name_param).and_then(Value::as_str) else {
        return Ok(()); // the server reports the missing parameter
    };
    match header(parts, "mcp-name").map(decode_header) {
        Some(Some(n)) if n == expected => Ok(()),
        Some(_) => bad(
            HEADER_MISMATCH,
            format!("Header mismatch: Mcp-Name does not match the body's `{name_param}` {expected:?}"),
        ),
        None => bad(HEADER_MISMATCH, format!("Header mismatch: the Mcp-Name header is required (here: {expected})")),
    }
}

/// A header value, `=?base64?…?=` decoded; `None` if that encoding is broken.
fn decode_header(v: &str) -> Option<String> {
    match v.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")) {
        Some(b64) => String::from_utf8(data_encoding::BASE64.decode(b64.as_bytes()).ok()?).ok(),
        None => Some(v.to_string()),
    }
}
