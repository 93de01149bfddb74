//! `resources/list`, `resources/templates/list`, `resources/read` and
//! `resources/subscribe|unsubscribe`. A read goes to the member that listed the
//! URI, else to each visible resource member in order (templates) until one has it.
use super::{input, paged, with_cursor};
use crate::bindings::outrigger::mcp::registry;
use crate::bindings::outrigger::mcp::types::CallContext;
use crate::convert;
use crate::jsonrpc::{self, ErrorReply};
use crate::server::Request;
use serde_json::{Value, json};

pub(super) fn list(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let all: Vec<Value> = req.server.catalog.resources.iter().map(|(_, r)| r.clone()).collect();
    let (page, next) = paged(req, &all)?;
    Ok(with_cursor(req, json!({ "resources": page }), next))
}

pub(super) fn templates(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let all: Vec<Value> = req.server.catalog.templates.iter().map(|(_, t)| t.clone()).collect();
    let (page, next) = paged(req, &all)?;
    Ok(with_cursor(req, json!({ "resourceTemplates": page }), next))
}

pub(super) async fn read(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let uri = req.str_param("uri")?;
    let catalog = &req.server.catalog;
    let listed = catalog.resources.iter().find(|(_, r)| r["uri"] == uri).map(|(m, _)| m.as_str());
    let candidates: Vec<&str> = match listed {
        Some(m) => vec![m],
        None => catalog.visible(|m| m.resources).collect(),
    };
    let _slot = req.server.slots.acquire().await;
    for member in candidates {
        let guard = super::guard(req, member)?;
        let outcome =
            registry::read_resource(member.to_string(), uri.to_string(), CallContext { token: guard.token }).await;
        if let Some(required) = input::required(req, &guard) {
            return required;
        }
        match outcome {
            Ok(Some(contents)) => {
                let contents: Vec<Value> = contents.iter().map(convert::contents).collect();
                let mut result = json!({ "contents": contents });
                super::cacheable(req, &mut result, false);
                return Ok(result);
            }
            Ok(None) => continue,
            Err(why) => {
                return Err(req.error(jsonrpc::INTERNAL_ERROR, format!("reading {uri} from `{member}` failed: {why}")));
            }
        }
    }
    // -32602 since 2025-11-25 (SEP-2164; it was -32002).
    let mut e = req.invalid_params(format!("Resource not found: {uri}"));
    e.data = Some(json!({ "uri": uri }));
    Err(e)
}

pub(super) fn subscribe(req: &Request<'_>, on: bool) -> Result<Value, ErrorReply> {
    let uri = req.str_param("uri")?;
    req.session.subscribe(uri, on);
    Ok(json!({}))
}
