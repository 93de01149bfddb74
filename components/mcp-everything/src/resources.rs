//! `mcp-everything`'s resources, prompt and completions.
use crate::Component;
use crate::exports::outrigger::mcp::completions::Guest as Completions;
use crate::exports::outrigger::mcp::prompts::Guest as Prompts;
use crate::exports::outrigger::mcp::resources::Guest as Resources;
use crate::outrigger::mcp::types::{
    CallContext, Completion, CompletionRef, Content, Prompt, PromptArgument, PromptMessage, PromptResult,
    ResourceContents, ResourceInfo, ResourceTemplate, Role,
};

/// A 1×1 transparent PNG.
pub const LOGO_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

const README: &str = "# outrigger\nMCP tools, resources and prompts as WebAssembly components.\n";
const STYLES: [&str; 3] = ["formal", "friendly", "pirate"];
const TOPICS: [&str; 3] = ["mcp", "rust", "wasm"];

impl Resources for Component {
    fn list_resources() -> Vec<ResourceInfo> {
        vec![
            ResourceInfo {
                uri: "docs://readme".into(),
                name: "readme".into(),
                title: Some("README".into()),
                description: Some("What outrigger is.".into()),
                mime_type: Some("text/markdown".into()),
            },
            ResourceInfo {
                uri: "docs://logo.png".into(),
                name: "logo".into(),
                title: None,
                description: None,
                mime_type: Some("image/png".into()),
            },
        ]
    }

    fn list_resource_templates() -> Vec<ResourceTemplate> {
        vec![ResourceTemplate {
            uri_template: "notes://{topic}".into(),
            name: "notes".into(),
            title: Some("Notes on a topic".into()),
            description: None,
            mime_type: Some("text/plain".into()),
        }]
    }

    fn read_resource(uri: String, _ctx: CallContext) -> Option<Vec<ResourceContents>> {
        let (mime, text, blob) = match uri.as_str() {
            "docs://readme" => ("text/markdown", Some(README.to_string()), None),
            "docs://logo.png" => ("image/png", None, Some(LOGO_PNG.to_vec())),
            _ => ("text/plain", Some(format!("Notes about {}.", uri.strip_prefix("notes://")?)), None),
        };
        Some(vec![ResourceContents { uri, mime_type: Some(mime.into()), text, blob }])
    }
}

impl Prompts for Component {
    fn list_prompts() -> Vec<Prompt> {
        vec![Prompt {
            name: "greet".into(),
            title: Some("Greeting".into()),
            description: Some("Asks the model to greet someone.".into()),
            arguments: vec![
                PromptArgument { name: "name".into(), description: Some("Who to greet".into()), required: true },
                PromptArgument {
                    name: "style".into(),
                    description: Some("formal, friendly or pirate".into()),
                    required: false,
                },
            ],
        }]
    }

    fn get_prompt(
        name: String,
        arguments: Vec<(String, String)>,
        _ctx: CallContext,
    ) -> Option<Result<PromptResult, String>> {
        if name != "greet" {
            return None;
        }
        let arg = |k: &str| arguments.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let Some(who) = arg("name") else { return Some(Err("the argument `name` is required".into())) };
        let style = arg("style").unwrap_or_else(|| "friendly".into());
        Some(Ok(PromptResult {
            description: Some(format!("A {style} greeting")),
            messages: vec![PromptMessage {
                role: Role::User,
                content: Content::Text(format!("Greet {who} in a {style} way.")),
            }],
        }))
    }
}

impl Completions for Component {
    fn complete(
        reference: CompletionRef,
        argument: String,
        value: String,
        _context: Vec<(String, String)>,
    ) -> Option<Completion> {
        let options: &[&str] = match (&reference, argument.as_str()) {
            (CompletionRef::Prompt(p), "style") if p == "greet" => &STYLES,
            (CompletionRef::ResourceTemplate(t), "topic") if t == "notes://{topic}" => &TOPICS,
            _ => return None,
        };
        let values: Vec<String> = options.iter().filter(|o| o.starts_with(&value)).map(|o| o.to_string()).collect();
        Some(Completion { total: Some(values.len() as u32), values, has_more: false })
    }
}
