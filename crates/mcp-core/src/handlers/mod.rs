//! Method dispatch and the lifecycle methods (`initialize`, `server/discover`,
//! `ping`, `logging/setLevel`); the capability methods live in [`tools`],
//! [`resources`] and [`prompts`].
pub(crate) mod input;
mod prompts;
mod resources;
mod tools;

use crate::client::CallGuard;
use crate::jsonrpc::{self, ErrorReply, Id};
use crate::server::Request;
use crate::session::level_index;
use crate::version;
use serde_json::{Map, Value, json};

pub(crate) async fn dispatch(req: &Request<'_>, method: &str) -> Result<Value, ErrorReply> {
    if req.stateless() && version::REMOVED_IN_STATELESS.contains(&method) {
        return Err(req.error(
            jsonrpc::METHOD_NOT_FOUND,
            format!("Method not found: {method} (removed in {})", version::STATELESS),
        ));
    }
    match method {
        "initialize" => initialize(req),
        "server/discover" => Ok(discover(req)),
        "ping" => Ok(json!({})),
        "logging/setLevel" => set_level(req),
        "tools/list" => tools::list(req),
        "tools/call" => tools::call(req).await,
        "resources/list" => resources::list(req),
        "resources/templates/list" => resources::templates(req),
        "resources/read" => resources::read(req).await,
        "resources/subscribe" | "resources/unsubscribe" => resources::subscribe(req, method == "resources/subscribe"),
        "prompts/list" => prompts::list(req),
        "prompts/get" => prompts::get(req).await,
        "completion/complete" => prompts::complete(req).await,
        _ => Err(req.error(jsonrpc::METHOD_NOT_FOUND, format!("Method not found: {method}"))),
    }
}

/// A request naming a revision this server does not speak.
pub(crate) fn unsupported_version(id: &Id, requested: &str) -> ErrorReply {
    let mut e = ErrorReply::new(
        Some(id.clone()),
        jsonrpc::UNSUPPORTED_PROTOCOL_VERSION,
        format!("Unsupported protocol version {requested}: this server speaks {}", version::SUPPORTED.join(", ")),
    );
    e.data = Some(json!({ "supported": version::SUPPORTED, "requested": requested }));
    e
}

fn capabilities(req: &Request<'_>) -> Value {
    let c = &req.server.catalog;
    let mut caps = Map::new();
    if c.has(|m| m.tools) {
        caps.insert("tools".into(), json!({ "listChanged": false }));
    }
    if c.has(|m| m.resources) {
        let subscribe = !req.stateless();
        caps.insert("resources".into(), json!({ "subscribe": subscribe, "listChanged": false }));
    }
    if c.has(|m| m.prompts) {
        caps.insert("prompts".into(), json!({ "listChanged": false }));
    }
    if c.has(|m| m.completions) {
        caps.insert("completions".into(), json!({}));
    }
    if !req.stateless() {
        caps.insert("logging".into(), json!({}));
    }
    Value::Object(caps)
}

fn server_info(req: &Request<'_>) -> Value {
    json!({ "name": req.server.config.name, "version": req.server.config.version })
}

fn initialize(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let requested = req.params.get("protocolVersion").and_then(Value::as_str);
    let agreed = version::negotiate(requested);
    let client_caps = req.params.get("capabilities").cloned().unwrap_or(json!({}));
    req.session.initialized(agreed, client_caps);
    let probe = Request {
        server: req.server,
        session: req.session,
        id: req.id,
        version: agreed,
        client_capabilities: Value::Null,
        params: Map::new(),
    };
    let mut result = json!({
        "protocolVersion": agreed,
        "capabilities": capabilities(&probe),
        "serverInfo": server_info(req),
    });
    if let Some(i) = &req.server.config.instructions {
        result["instructions"] = json!(i);
    }
    Ok(result)
}

fn discover(req: &Request<'_>) -> Value {
    let probe = Request {
        server: req.server,
        session: req.session,
        id: req.id,
        version: version::STATELESS,
        client_capabilities: Value::Null,
        params: Map::new(),
    };
    let mut result = json!({
        "supportedVersions": version::SUPPORTED,
        "capabilities": capabilities(&probe),
        "_meta": { version::META_SERVER_INFO: server_info(req) },
    });
    cacheable(req, &mut result, true);
    if let Some(i) = &req.server.config.instructions {
        result["instructions"] = json!(i);
    }
    result
}

fn set_level(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let level = req.str_param("level")?;
    let index = level_index(level).ok_or_else(|| {
        req.invalid_params(format!("unknown log level {level:?}: use one of {}", crate::session::LEVELS.join(", ")))
    })?;
    req.session.set_log_level(index);
    Ok(json!({}))
}

/// Registers a call into `member` for the component's `client` calls.
pub(crate) fn guard(req: &Request<'_>, member: &str) -> Result<CallGuard, ErrorReply> {
    CallGuard::new(req.session, req.id, member, req.version, req.client_capabilities.clone(), &req.params)
        .map_err(|e| req.invalid_params(e))
}

/// The `cursor` of a list request, paged by the server's page size.
pub(crate) fn paged<T: Clone>(req: &Request<'_>, items: &[T]) -> Result<(Vec<T>, Option<String>), ErrorReply> {
    crate::catalog::page(items, req.params.get("cursor"), req.server.config.page_size)
        .map_err(|e| req.invalid_params(e))
}

pub(crate) fn with_cursor(req: &Request<'_>, mut result: Value, next: Option<String>) -> Value {
    if let Some(n) = next {
        result["nextCursor"] = json!(n);
    }
    cacheable(req, &mut result, true);
    result
}

/// 2026-07-28 cache hints: the lists are fixed while the workload runs (shared by
/// every client); a resource's contents are read fresh and per client.
pub(crate) fn cacheable(req: &Request<'_>, result: &mut Value, list: bool) {
    if req.stateless() {
        let (ttl, scope) = if list { (60_000, "public") } else { (0, "private") };
        result["ttlMs"] = json!(ttl);
        result["cacheScope"] = json!(scope);
    }
}
