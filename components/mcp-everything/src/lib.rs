//! `mcp-everything`: one capability component that uses every part of
//! `outrigger:mcp` — the demo's and the end-to-end tests' reference.
//! Tools: `echo`, `slow` (progress per step, stops when cancelled), `ask_name`
//! (elicitation), `summarize` (sampling), `list_roots` (roots), `logo` (image and
//! resource link), `fail` (a tool error). Resources `docs://readme`,
//! `docs://logo.png` and the template `notes://{topic}`; the prompt `greet`;
//! completions for `greet`'s `style` and the template's `topic`.
wit_bindgen::generate!({ path: "../../wit/mcp", world: "capability", generate_all });

mod resources;

use exports::outrigger::mcp::tools::Guest as Tools;
use outrigger::mcp::client::{self, elicit, roots, sample};
use outrigger::mcp::types::{Blob, CallContext, CallResult, Content, ElicitAction, ResourceLink, Tool, ToolError};
use serde_json::{Value, json};

struct Component;

fn tool(name: &str, description: &str, input: Value, output: Option<Value>) -> Tool {
    Tool {
        name: name.into(),
        title: None,
        description: Some(description.into()),
        input_schema: input.to_string(),
        output_schema: output.map(|o| o.to_string()),
        annotations: None,
    }
}

fn text(t: impl Into<String>) -> CallResult {
    CallResult { content: vec![Content::Text(t.into())], structured_content: None, is_error: false }
}

fn object(props: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": props, "required": required })
}

impl Tools for Component {
    fn list_tools() -> Vec<Tool> {
        vec![
            tool("echo", "Returns its text.", object(json!({"text": {"type": "string"}}), &["text"]), None),
            tool(
                "slow",
                "Counts `steps` steps of `delay_ms` each, reporting progress; stops when cancelled.",
                object(
                    json!({"steps": {"type": "integer", "minimum": 1}, "delay_ms": {"type": "integer", "minimum": 0}}),
                    &["steps"],
                ),
                Some(object(json!({"completed": {"type": "integer"}}), &["completed"])),
            ),
            tool(
                "ask_name",
                "Asks the user for their name (elicitation) and greets them.",
                object(json!({}), &[]),
                None,
            ),
            tool(
                "summarize",
                "Asks the client's model to summarize a text (sampling).",
                object(json!({"text": {"type": "string"}}), &["text"]),
                None,
            ),
            tool("list_roots", "Lists the client's roots.", object(json!({}), &[]), None),
            tool("logo", "Returns a small PNG image and a link to the logo resource.", object(json!({}), &[]), None),
            tool("fail", "Always fails with a tool error.", object(json!({}), &[]), None),
        ]
    }

    fn call_tool(name: String, arguments: String, ctx: CallContext) -> Result<CallResult, ToolError> {
        let args: Value = serde_json::from_str(&arguments).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        match name.as_str() {
            "echo" => Ok(text(args["text"].as_str().unwrap_or_default())),
            "slow" => slow(&args, &ctx),
            "ask_name" => match elicit(
                ctx.token,
                "name",
                "What is your name?",
                &object(json!({"name": {"type": "string"}}), &["name"]).to_string(),
            ) {
                Ok(ElicitAction::Accept(content)) => {
                    let content: Value = serde_json::from_str(&content).unwrap_or_default();
                    Ok(text(format!("Hello, {}!", content["name"].as_str().unwrap_or("stranger"))))
                }
                Ok(ElicitAction::Decline) => Ok(text("You declined to give your name.")),
                Ok(ElicitAction::Cancel) => Ok(text("You cancelled.")),
                Err(e) => Err(ToolError::Failed(e)),
            },
            "summarize" => {
                let prompt = format!("Summarize in one sentence: {}", args["text"].as_str().unwrap_or_default());
                let request = json!({
                    "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
                    "maxTokens": 100,
                });
                let answer: Value = serde_json::from_str(
                    &sample(ctx.token, "summary", &request.to_string()).map_err(ToolError::Failed)?,
                )
                .map_err(|e| ToolError::Failed(e.to_string()))?;
                Ok(text(answer["content"]["text"].as_str().unwrap_or_default()))
            }
            "list_roots" => {
                let roots = roots(ctx.token, "roots").map_err(ToolError::Failed)?;
                Ok(text(roots.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>().join("\n")))
            }
            "logo" => Ok(CallResult {
                content: vec![
                    Content::Image(Blob { data: resources::LOGO_PNG.to_vec(), mime_type: "image/png".into() }),
                    Content::ResourceLink(ResourceLink {
                        uri: "docs://logo.png".into(),
                        name: "logo".into(),
                        title: None,
                        description: None,
                        mime_type: Some("image/png".into()),
                    }),
                ],
                structured_content: None,
                is_error: false,
            }),
            "fail" => Ok(CallResult {
                content: vec![Content::Text("this tool always fails".into())],
                structured_content: None,
                is_error: true,
            }),
            _ => Err(ToolError::UnknownTool),
        }
    }
}

/// `steps` steps of `delay_ms`, a progress notification after each; returns early
/// (a tool error) once the client cancels.
fn slow(args: &Value, ctx: &CallContext) -> Result<CallResult, ToolError> {
    let steps = args["steps"].as_u64().unwrap_or(1);
    let delay = std::time::Duration::from_millis(args["delay_ms"].as_u64().unwrap_or(100));
    for step in 1..=steps {
        std::thread::sleep(delay);
        if client::is_cancelled(ctx.token) {
            return Err(ToolError::Failed(format!("cancelled after {} of {steps} steps", step - 1)));
        }
        client::progress(ctx.token, step as f64, Some(steps as f64), Some(&format!("step {step} of {steps}")));
    }
    Ok(CallResult {
        content: vec![Content::Text(format!("done after {steps} steps"))],
        structured_content: Some(json!({ "completed": steps }).to_string()),
        is_error: false,
    })
}

export!(Component);
