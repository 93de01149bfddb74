//! `mcp-sqrt`: the MCP tool `sqrt` (√x), and the same as a typed WIT function
//! (`outrigger:mcp-examples/sqrt`) for other components, e.g. `pythagorean`.
wit_bindgen::generate!({ path: "../../wit/mcp-examples", world: "sqrt-tool", generate_all });

use exports::outrigger::mcp::tools::Guest as Tools;
use exports::outrigger::mcp_examples::sqrt::Guest as Sqrt;
use outrigger::mcp::types::{CallContext, CallResult, Content, Tool, ToolError};

struct Component;

impl Sqrt for Component {
    fn sqrt(x: f64) -> Result<f64, String> {
        if x < 0.0 { Err(format!("cannot take the square root of {x}, a negative number")) } else { Ok(x.sqrt()) }
    }
}

impl Tools for Component {
    fn list_tools() -> Vec<Tool> {
        vec![Tool {
            name: "sqrt".into(),
            title: Some("Square root".into()),
            description: Some("The square root of a non-negative number.".into()),
            input_schema: r#"{"type":"object","properties":{"x":{"type":"number","minimum":0}},"required":["x"]}"#
                .into(),
            output_schema: Some(
                r#"{"type":"object","properties":{"result":{"type":"number"}},"required":["result"]}"#.into(),
            ),
            annotations: Some(r#"{"readOnlyHint":true,"idempotentHint":true}"#.into()),
        }]
    }

    fn call_tool(name: String, arguments: String, _ctx: CallContext) -> Result<CallResult, ToolError> {
        if name != "sqrt" {
            return Err(ToolError::UnknownTool);
        }
        let args: serde_json::Value =
            serde_json::from_str(&arguments).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let x = args["x"].as_f64().ok_or_else(|| ToolError::InvalidArguments("`x` must be a number".into()))?;
        let result = Component::sqrt(x).map_err(ToolError::InvalidArguments)?;
        Ok(CallResult {
            content: vec![Content::Text(result.to_string())],
            structured_content: Some(serde_json::json!({ "result": result }).to_string()),
            is_error: false,
        })
    }
}

export!(Component);
