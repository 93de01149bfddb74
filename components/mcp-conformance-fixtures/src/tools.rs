//! The conformance fixture's tools (docs/mcp-conformance.md §3): content types,
//! errors, progress, logging, sampling and elicitation (2025-11-25), the JSON
//! Schema 2020-12 tool, and the 2026-07-28 diagnostic tools. The
//! `test_input_required_result_*` tools live in [`crate::mrtr`].
use crate::exports::outrigger::mcp::tools::Guest as Tools;
use crate::outrigger::mcp::client::{self, elicit, sample};
use crate::outrigger::mcp::types::{
    Blob, CallContext, CallResult, Content, ElicitAction, ResourceContents, Tool, ToolError,
};
use crate::{Component, IMG, NO_ARGS, WAV, base64, error, mrtr, parse, sampled_text, text, tool};
use serde_json::json;
use std::thread::sleep;
use std::time::Duration;

/// The pause between the notifications of the progress and logging tools.
const STEP: Duration = Duration::from_millis(50);

/// `json_schema_2020_12_tool`'s input schema, exactly as the suite checks it.
const SCHEMA_2020_12: &str = r##"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","$defs":{"address":{"$anchor":"addressDef","type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},"properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"},"contactMethod":{"type":"string","enum":["phone","email"]},"phone":{"type":"string"},"email":{"type":"string"}},"allOf":[{"anyOf":[{"required":["phone"]},{"required":["email"]}]}],"if":{"properties":{"contactMethod":{"const":"phone"}},"required":["contactMethod"]},"then":{"required":["phone"]},"else":{"required":["email"]},"additionalProperties":false}"##;

/// `test_elicitation_sep1034_defaults`'s requested schema (SEP-1034 defaults).
const SEP1034_SCHEMA: &str = r#"{"type":"object","properties":{"name":{"type":"string","description":"User name","default":"John Doe"},"age":{"type":"integer","description":"User age","default":30},"score":{"type":"number","description":"User score","default":95.5},"status":{"type":"string","description":"User status","enum":["active","inactive","pending"],"default":"active"},"verified":{"type":"boolean","description":"Verification status","default":true}},"required":[]}"#;

/// `test_elicitation_sep1330_enums`'s requested schema (SEP-1330 enum forms).
const SEP1330_SCHEMA: &str = r#"{"type":"object","required":[],"properties":{"untitledSingle":{"type":"string","enum":["option1","option2","option3"]},"titledSingle":{"type":"string","oneOf":[{"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},"legacyEnum":{"type":"string","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},"untitledMulti":{"type":"array","minItems":1,"maxItems":3,"items":{"type":"string","enum":["option1","option2","option3"]}},"titledMulti":{"type":"array","minItems":1,"maxItems":3,"items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}}}"#;

/// `test_elicitation`'s requested schema (the scenario's documented one).
const ELICITATION_SCHEMA: &str = r#"{"type":"object","properties":{"username":{"type":"string","description":"User's response"},"email":{"type":"string","description":"User's email address"}},"required":["username","email"]}"#;

impl Tools for Component {
    fn list_tools() -> Vec<Tool> {
        let mut tools = vec![
            tool("test_simple_text", "Tests simple text content response", NO_ARGS),
            tool("test_image_content", "Tests image content response", NO_ARGS),
            tool("test_audio_content", "Tests audio content response", NO_ARGS),
            tool("test_embedded_resource", "Tests embedded resource content response", NO_ARGS),
            tool(
                "test_multiple_content_types",
                "Tests response with multiple content types (text, image, resource)",
                NO_ARGS,
            ),
            tool("test_tool_with_logging", "Tests tool that emits log messages during execution", NO_ARGS),
            tool("test_error_handling", "Tests error response handling", NO_ARGS),
            tool("test_tool_with_progress", "Tests tool that reports progress notifications", NO_ARGS),
            tool(
                "test_sampling",
                "Tests server-initiated sampling (LLM completion request)",
                r#"{"type":"object","properties":{"prompt":{"type":"string","description":"The prompt to send to the LLM"}},"required":["prompt"]}"#,
            ),
            tool(
                "test_elicitation",
                "Tests server-initiated elicitation (user input request)",
                r#"{"type":"object","properties":{"message":{"type":"string","description":"The message to show the user"}},"required":["message"]}"#,
            ),
            tool("test_elicitation_sep1034_defaults", "Tests elicitation with default values per SEP-1034", NO_ARGS),
            tool(
                "test_elicitation_sep1330_enums",
                "Tests elicitation with enum schema improvements per SEP-1330",
                NO_ARGS,
            ),
            tool(
                "json_schema_2020_12_tool",
                "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
                SCHEMA_2020_12,
            ),
            tool("test_reconnection", "Tests SSE stream reconnection (SEP-1699): returns a text result", NO_ARGS),
            tool(
                "test_missing_capability",
                "Needs the client's sampling capability; fails with -32021 without it",
                NO_ARGS,
            ),
            tool(
                "test_streaming_elicitation",
                "Streams a progress notification and then its result, asking the client nothing",
                NO_ARGS,
            ),
            tool(
                "test_logging_tool",
                "Logs one message (sent only when the request set a log level) and returns",
                NO_ARGS,
            ),
            tool(
                "test_trigger_tool_change",
                "Triggers a tools/list_changed notification to subscribed listeners",
                NO_ARGS,
            ),
            tool(
                "test_trigger_prompt_change",
                "Triggers a prompts/list_changed notification to subscribed listeners",
                NO_ARGS,
            ),
        ];
        tools.extend(mrtr::list());
        tools
    }

    fn call_tool(name: String, arguments: String, ctx: CallContext) -> Result<CallResult, ToolError> {
        let args = parse(&arguments);
        let token = ctx.token;
        match name.as_str() {
            "test_simple_text" => Ok(text("This is a simple text response for testing.")),
            "test_image_content" => Ok(one(image())),
            "test_audio_content" => Ok(one(Content::Audio(Blob { data: base64(WAV), mime_type: "audio/wav".into() }))),
            "test_embedded_resource" => {
                Ok(one(embedded("test://embedded-resource", "text/plain", "This is an embedded resource content.")))
            }
            "test_multiple_content_types" => Ok(CallResult {
                content: vec![
                    Content::Text("Multiple content types test:".into()),
                    image(),
                    embedded("test://mixed-content-resource", "application/json", r#"{"test":"data","value":123}"#),
                ],
                structured_content: None,
                is_error: false,
            }),
            "test_tool_with_logging" => {
                let steps = ["Tool execution started", "Tool processing data", "Tool execution completed"];
                for (i, message) in steps.iter().enumerate() {
                    if i > 0 {
                        sleep(STEP);
                    }
                    client::log(token, "info", &json!(message).to_string());
                }
                Ok(text("Tool with logging executed successfully"))
            }
            "test_error_handling" => Ok(error("This tool intentionally returns an error for testing")),
            "test_tool_with_progress" => {
                for (i, p) in [0.0, 50.0, 100.0].into_iter().enumerate() {
                    if i > 0 {
                        sleep(STEP);
                    }
                    client::progress(token, p, Some(100.0), Some(&format!("Completed step {} of 3", i + 1)));
                }
                Ok(text("Progress test completed"))
            }
            "test_sampling" => {
                let prompt = args["prompt"].as_str().unwrap_or_default();
                let request = json!({
                    "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
                    "maxTokens": 100,
                });
                let answer = sample(token, "sample", &request.to_string()).map_err(ToolError::Failed)?;
                Ok(text(format!("LLM response: {}", sampled_text(&answer))))
            }
            "test_elicitation" => {
                let message = args["message"].as_str().unwrap_or("Please provide your information");
                let action = elicit(token, "elicitation", message, ELICITATION_SCHEMA).map_err(ToolError::Failed)?;
                Ok(text(format!("User response: {}", describe(&action))))
            }
            "test_elicitation_sep1034_defaults" => {
                let message = "Please review and update the form fields with defaults";
                let action = elicit(token, "defaults", message, SEP1034_SCHEMA).map_err(ToolError::Failed)?;
                Ok(text(format!("Elicitation completed: {}", describe(&action))))
            }
            "test_elicitation_sep1330_enums" => {
                let message = "Please select options from the enum fields";
                let action = elicit(token, "enums", message, SEP1330_SCHEMA).map_err(ToolError::Failed)?;
                Ok(text(format!("Elicitation completed: {}", describe(&action))))
            }
            "json_schema_2020_12_tool" => Ok(text(format!("JSON Schema 2020-12 tool called with: {args}"))),
            "test_reconnection" => Ok(text("Reconnection test completed successfully.")),
            "test_missing_capability" => {
                let request = json!({
                    "messages": [{ "role": "user", "content": { "type": "text", "text": "Say hello." } }],
                    "maxTokens": 10,
                });
                match sample(token, "sample", &request.to_string()) {
                    Ok(_) => Ok(text("Success")),
                    Err(why) => Ok(error(why)),
                }
            }
            "test_streaming_elicitation" => {
                client::progress(token, 1.0, Some(1.0), Some("Streaming without server-to-client requests"));
                Ok(text("Streaming completed without any server-to-client request"))
            }
            "test_logging_tool" => {
                client::log(token, "info", &json!("test_logging_tool was called").to_string());
                Ok(text("Logging tool completed"))
            }
            "test_trigger_tool_change" | "test_trigger_prompt_change" => Ok(text("Mutation triggered")),
            other => mrtr::call(other, token),
        }
    }
}

/// A result with a single content item.
fn one(content: Content) -> CallResult {
    CallResult { content: vec![content], structured_content: None, is_error: false }
}

/// The fixture's PNG as image content.
fn image() -> Content {
    Content::Image(Blob { data: base64(IMG), mime_type: "image/png".into() })
}

/// An embedded text resource.
fn embedded(uri: &str, mime_type: &str, body: &str) -> Content {
    Content::EmbeddedResource(ResourceContents {
        uri: uri.into(),
        mime_type: Some(mime_type.into()),
        text: Some(body.into()),
        blob: None,
    })
}

/// `action=…, content=…` for an elicitation answer, as the fixture reports it.
fn describe(action: &ElicitAction) -> String {
    match action {
        ElicitAction::Accept(content) => {
            format!("action=accept, content={}", serde_json::to_string(&parse(content)).unwrap_or_default())
        }
        ElicitAction::Decline => "action=decline, content=undefined".into(),
        ElicitAction::Cancel => "action=cancel, content=undefined".into(),
    }
}
