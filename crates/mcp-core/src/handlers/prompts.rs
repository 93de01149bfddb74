//! `prompts/list`, `prompts/get` and `completion/complete` (prompt arguments and
//! resource template variables, asked of each visible completions member in order
//! until one answers).
use super::{input, paged, with_cursor};
use crate::bindings::outrigger::mcp::registry;
use crate::bindings::outrigger::mcp::types::{CallContext, CompletionRef};
use crate::convert;
use crate::jsonrpc::{self, ErrorReply};
use crate::server::Request;
use serde_json::{Value, json};

pub(super) fn list(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let all: Vec<Value> = req.server.catalog.prompts.iter().map(|(_, p)| p.clone()).collect();
    let (page, next) = paged(req, &all)?;
    Ok(with_cursor(req, json!({ "prompts": page }), next))
}

pub(super) async fn get(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let name = req.str_param("name")?;
    let member =
        req.server.catalog.prompt_owner(name).ok_or_else(|| req.invalid_params(format!("Unknown prompt: {name}")))?;
    let args = convert::string_pairs(req.params.get("arguments"));
    let _slot = req.server.slots.acquire().await;
    let guard = super::guard(req, member)?;
    let outcome =
        registry::get_prompt(member.to_string(), name.to_string(), args, CallContext { token: guard.token }).await;
    if let Some(required) = input::required(req, &guard) {
        return required;
    }
    match outcome {
        Ok(Some(Ok(r))) => Ok(convert::prompt_result(&r)),
        Ok(Some(Err(why))) => Err(req.invalid_params(format!("prompt {name}: {why}"))),
        Ok(None) => Err(req.invalid_params(format!("Unknown prompt: {name}"))),
        Err(why) => Err(req.error(jsonrpc::INTERNAL_ERROR, format!("prompt {name} from `{member}` failed: {why}"))),
    }
}

pub(super) async fn complete(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let r = req.params.get("ref").ok_or_else(|| req.invalid_params("missing `ref`"))?;
    let reference = match (r.get("type").and_then(Value::as_str), r.get("name"), r.get("uri")) {
        (Some("ref/prompt"), Some(Value::String(n)), _) => CompletionRef::Prompt(n.clone()),
        (Some("ref/resource"), _, Some(Value::String(u))) => CompletionRef::ResourceTemplate(u.clone()),
        _ => {
            return Err(req.invalid_params(
                "`ref` must be {\"type\":\"ref/prompt\",\"name\":...} or {\"type\":\"ref/resource\",\"uri\":...}",
            ));
        }
    };
    let arg = req.params.get("argument").ok_or_else(|| req.invalid_params("missing `argument`"))?;
    let (Some(arg_name), Some(arg_value)) =
        (arg.get("name").and_then(Value::as_str), arg.get("value").and_then(Value::as_str))
    else {
        return Err(req.invalid_params("`argument` must be {\"name\": string, \"value\": string}"));
    };
    if let CompletionRef::Prompt(p) = &reference {
        if req.server.catalog.prompt_owner(p).is_none() {
            return Err(req.invalid_params(format!("Unknown prompt: {p}")));
        }
    }
    let context = convert::string_pairs(req.params.get("context").and_then(|c| c.get("arguments")));
    for member in req.server.catalog.visible(|m| m.completions) {
        let outcome = registry::complete(
            member.to_string(),
            reference.clone(),
            arg_name.to_string(),
            arg_value.to_string(),
            context.clone(),
        )
        .await;
        match outcome {
            Ok(Some(c)) => return Ok(convert::completion(&c)),
            Ok(None) => continue,
            Err(why) => {
                return Err(req.error(jsonrpc::INTERNAL_ERROR, format!("completion from `{member}` failed: {why}")));
            }
        }
    }
    Ok(json!({ "completion": { "values": [], "hasMore": false } }))
}
