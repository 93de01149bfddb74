//! `mcp-pythagorean`: the MCP tool `pythagorean` (the hypotenuse √(a² + b²)),
//! composed at run time from two other components through typed WIT: `square`
//! (outrigger:mcp-examples/square) and `sqrt`. The workload hides those two from
//! MCP clients (`hidden: "true"`); it still calls them, each in a fresh instance.
wit_bindgen::generate!({ path: "../../wit/mcp-examples", world: "pythagorean-tool", generate_all });

use exports::outrigger::mcp::tools::Guest as Tools;
use outrigger::mcp::client;
use outrigger::mcp::types::{CallContext, CallResult, Content, Tool, ToolError};
use outrigger::mcp_examples::{sqrt::sqrt, square::square};

struct Component;

impl Tools for Component {
    fn list_tools() -> Vec<Tool> {
        vec![Tool {
            name: "pythagorean".into(),
            title: Some("Hypotenuse".into()),
            description: Some(
                "The length of the hypotenuse of a right triangle with legs a and b: sqrt(a² + b²).".into(),
            ),
            input_schema:
                r#"{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}"#
                    .into(),
            output_schema: Some(
                r#"{"type":"object","properties":{"hypotenuse":{"type":"number"}},"required":["hypotenuse"]}"#.into(),
            ),
            annotations: Some(r#"{"readOnlyHint":true,"idempotentHint":true}"#.into()),
        }]
    }

    fn call_tool(name: String, arguments: String, ctx: CallContext) -> Result<CallResult, ToolError> {
        if name != "pythagorean" {
            return Err(ToolError::UnknownTool);
        }
        let args: serde_json::Value =
            serde_json::from_str(&arguments).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let leg =
            |k: &str| args[k].as_f64().ok_or_else(|| ToolError::InvalidArguments(format!("`{k}` must be a number")));
        let (a, b) = (leg("a")?, leg("b")?);
        let sum = square(a) + square(b);
        client::log(ctx.token, "debug", &serde_json::json!({ "a²+b²": sum }).to_string());
        let hypotenuse = sqrt(sum).map_err(ToolError::Failed)?;
        Ok(CallResult {
            content: vec![Content::Text(hypotenuse.to_string())],
            structured_content: Some(serde_json::json!({ "hypotenuse": hypotenuse }).to_string()),
            is_error: false,
        })
    }
}

export!(Component);
