//! The conformance fixture's prompts (docs/mcp-conformance.md §3 and §5.3):
//! `test_simple_prompt`, `test_prompt_with_arguments`,
//! `test_prompt_with_embedded_resource`, `test_prompt_with_image`, and the
//! 2026-07-28 Multi Round-Trip prompt `test_input_required_result_prompt`, which
//! asks the user for context (key `user_context`) before it completes.
use crate::exports::outrigger::mcp::prompts::Guest as Prompts;
use crate::outrigger::mcp::client::elicit;
use crate::outrigger::mcp::types::{
    Blob, CallContext, Content, ElicitAction, Prompt, PromptArgument, PromptMessage, PromptResult, ResourceContents,
    Role,
};
use crate::{Component, IMG, base64, parse};

const CONTEXT_SCHEMA: &str = r#"{"type":"object","properties":{"context":{"type":"string"}},"required":["context"]}"#;

fn prompt(name: &str, title: &str, description: &str, arguments: &[(&str, &str)]) -> Prompt {
    Prompt {
        name: name.into(),
        title: Some(title.into()),
        description: Some(description.into()),
        arguments: arguments
            .iter()
            .map(|(name, description)| PromptArgument {
                name: (*name).into(),
                description: Some((*description).into()),
                required: true,
            })
            .collect(),
    }
}

fn user(content: Content) -> PromptMessage {
    PromptMessage { role: Role::User, content }
}

fn messages(messages: Vec<PromptMessage>) -> Option<Result<PromptResult, String>> {
    Some(Ok(PromptResult { description: None, messages }))
}

impl Prompts for Component {
    fn list_prompts() -> Vec<Prompt> {
        vec![
            prompt("test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments", &[]),
            prompt(
                "test_prompt_with_arguments",
                "Prompt With Arguments",
                "A prompt with required arguments",
                &[("arg1", "First test argument"), ("arg2", "Second test argument")],
            ),
            prompt(
                "test_prompt_with_embedded_resource",
                "Prompt With Embedded Resource",
                "A prompt that includes an embedded resource",
                &[("resourceUri", "URI of the resource to embed")],
            ),
            prompt("test_prompt_with_image", "Prompt With Image", "A prompt that includes image content", &[]),
            prompt(
                "test_input_required_result_prompt",
                "Input Required Prompt",
                "A prompt that asks the user for context (input-required result, key user_context) before completing",
                &[],
            ),
        ]
    }

    fn get_prompt(
        name: String,
        arguments: Vec<(String, String)>,
        ctx: CallContext,
    ) -> Option<Result<PromptResult, String>> {
        let arg = |k: &str| arguments.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match name.as_str() {
            "test_simple_prompt" => messages(vec![user(Content::Text("This is a simple prompt for testing.".into()))]),
            "test_prompt_with_arguments" => {
                let (Some(arg1), Some(arg2)) = (arg("arg1"), arg("arg2")) else {
                    return Some(Err("the arguments `arg1` and `arg2` are required".into()));
                };
                messages(vec![user(Content::Text(format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")))])
            }
            "test_prompt_with_embedded_resource" => {
                let Some(uri) = arg("resourceUri") else {
                    return Some(Err("the argument `resourceUri` is required".into()));
                };
                messages(vec![
                    user(Content::EmbeddedResource(ResourceContents {
                        uri: uri.into(),
                        mime_type: Some("text/plain".into()),
                        text: Some("Embedded resource content for testing.".into()),
                        blob: None,
                    })),
                    user(Content::Text("Please process the embedded resource above.".into())),
                ])
            }
            "test_prompt_with_image" => messages(vec![
                user(Content::Image(Blob { data: base64(IMG), mime_type: "image/png".into() })),
                user(Content::Text("Please analyze the image above.".into())),
            ]),
            "test_input_required_result_prompt" => {
                // Under 2026-07-28 an unanswered question fails: return at once, the
                // server answers input_required and the retry brings the answer.
                let action = match elicit(
                    ctx.token,
                    "user_context",
                    "Please provide context for this prompt.",
                    CONTEXT_SCHEMA,
                ) {
                    Ok(action) => action,
                    Err(why) => return Some(Err(why)),
                };
                let context = match &action {
                    ElicitAction::Accept(content) => parse(content)["context"].as_str().unwrap_or_default().to_string(),
                    ElicitAction::Decline | ElicitAction::Cancel => String::new(),
                };
                let text = if context.is_empty() {
                    "No context was provided. Please help without additional context.".to_string()
                } else {
                    format!("Using the context you provided: {context}")
                };
                messages(vec![user(Content::Text(text))])
            }
            _ => None,
        }
    }
}
