//! `mcp-square`: the MCP tool `square` (x²), and the same as a typed WIT function
//! (`outrigger:mcp-examples/square`) for other components, e.g. `pythagorean`.
wit_bindgen::generate!({ path: "../../wit/mcp-examples", world: "square-tool", generate_all });

use exports::outrigger::mcp::tools::Guest as Tools;
use exports::outrigger::mcp_examples::square::Guest as Square;
use outrigger::mcp::types::{CallContext, CallResult, Content, Tool, ToolError};

struct Component;

impl Square for Component {
    fn square(x: f64) -> f64 {
        x * x
    }
}

impl Tools for Component {
    fn list_tools() -> Vec<Tool> {
        vec![Tool {
            name: "square".into(),
            title: Some("Square".into()),
            description: Some("The square of a number.".into()),
            input_schema: r#"{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}"#.into(),
            output_schema: Some(
                r#"{"type":"object","properties":{"result":{"type":"number"}},"required":["result"]}"#.into(),
            ),
            annotations: Some(r#"{"readOnlyHint":true,"idempotentHint":true}"#.into()),
        }]
    }

    fn call_tool(name: String, arguments: String, _ctx: CallContext) -> Result<CallResult, ToolError> {
        if name != "square" {
            return Err(ToolError::UnknownTool);
        }
        let args: serde_json::Value =
            serde_json::from_str(&arguments).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let x = args["x"].as_f64().ok_or_else(|| ToolError::InvalidArguments("`x` must be a number".into()))?;
        let result = Component::square(x);
        Ok(CallResult {
            content: vec![Content::Text(result.to_string())],
            structured_content: Some(serde_json::json!({ "result": result }).to_string()),
            is_error: false,
        })
    }
}

export!(Component);
