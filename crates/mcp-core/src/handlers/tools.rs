//! `tools/list` and `tools/call`: arguments are checked against the tool's input
//! schema before its component runs (a mismatch is a tool error the model can
//! correct, as MCP asks), structured output against its output schema after.
use super::{input, paged, with_cursor};
use crate::bindings::outrigger::mcp::registry;
use crate::bindings::outrigger::mcp::types::{CallContext, ToolError};
use crate::convert::{self, tool_error};
use crate::jsonrpc::{self, ErrorReply};
use crate::server::Request;
use serde_json::{Value, json};

pub(super) fn list(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let all: Vec<Value> = req.server.catalog.tools.iter().map(|t| t.json.clone()).collect();
    let (page, next) = paged(req, &all)?;
    Ok(with_cursor(req, json!({ "tools": page }), next))
}

pub(super) async fn call(req: &Request<'_>) -> Result<Value, ErrorReply> {
    let name = req.str_param("name")?;
    let entry = req.server.catalog.tool(name).ok_or_else(|| req.invalid_params(format!("Unknown tool: {name}")))?;
    let args = match req.params.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => return Err(req.invalid_params(format!("`arguments` must be an object, not {other}"))),
    };
    if let Err(why) = entry.input.check(&args) {
        return Ok(tool_error(&format!("Invalid arguments for tool {name}: {why}")));
    }
    let _slot = req.server.slots.acquire().await;
    let guard = super::guard(req, &entry.member)?;
    let ctx = CallContext { token: guard.token };
    let outcome = registry::call_tool(entry.member.clone(), name.to_string(), args.to_string(), ctx).await;
    if let Some(required) = input::required(req, &guard) {
        return required;
    }
    let result = match outcome {
        Err(why) => return Ok(tool_error(&format!("tool {name} could not run: {why}"))),
        Ok(Err(ToolError::UnknownTool)) => return Err(req.invalid_params(format!("Unknown tool: {name}"))),
        Ok(Err(ToolError::InvalidArguments(why))) => {
            return Ok(tool_error(&format!("Invalid arguments for tool {name}: {why}")));
        }
        Ok(Err(ToolError::Failed(why))) => return Ok(tool_error(&why)),
        Ok(Ok(r)) => r,
    };
    let structured = match &result.structured_content {
        None => None,
        Some(s) => Some(
            convert::component_json(s, &format!("tool {name}'s structured content"))
                .map_err(|e| req.error(jsonrpc::INTERNAL_ERROR, e))?,
        ),
    };
    if let (Some(schema), false) = (&entry.output, result.is_error) {
        let Some(s) = &structured else {
            return Err(req.error(
                jsonrpc::INTERNAL_ERROR,
                format!("tool {name} declares an output schema but returned no structured content"),
            ));
        };
        if let Err(why) = schema.check(s) {
            return Err(req.error(
                jsonrpc::INTERNAL_ERROR,
                format!("tool {name} returned structured content that does not match its output schema: {why}"),
            ));
        }
    }
    let mut json = convert::call_result(&result, structured.clone());
    // Older clients read only `content`: give them the structured result as text.
    if let (Some(s), true) = (&structured, result.content.is_empty()) {
        json["content"] = json!([{ "type": "text", "text": s.to_string() }]);
    }
    Ok(json)
}
