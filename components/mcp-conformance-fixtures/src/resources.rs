//! The conformance fixture's resources (docs/mcp-conformance.md §3):
//! `test://static-text` (listed first: the 2026-07-28 `caching` scenario reads
//! the first listed resource), `test://static-binary`, `test://watched-resource`
//! and the template `test://template/{id}/data`; anything else, such as
//! `test://nonexistent-resource-for-conformance-testing`, does not exist. Also
//! the completions: an empty completion for `test_prompt_with_arguments`.
use crate::exports::outrigger::mcp::completions::Guest as Completions;
use crate::exports::outrigger::mcp::resources::Guest as Resources;
use crate::outrigger::mcp::types::{
    CallContext, Completion, CompletionRef, ResourceContents, ResourceInfo, ResourceTemplate,
};
use crate::{Component, IMG, base64};

const STATIC_TEXT: &str = "This is the content of the static text resource.";
const WATCHED_TEXT: &str = "Watched resource content";

fn info(uri: &str, name: &str, title: &str, description: &str, mime_type: &str) -> ResourceInfo {
    ResourceInfo {
        uri: uri.into(),
        name: name.into(),
        title: Some(title.into()),
        description: Some(description.into()),
        mime_type: Some(mime_type.into()),
    }
}

/// The `id` of a `test://template/{id}/data` URI.
fn template_id(uri: &str) -> Option<&str> {
    let id = uri.strip_prefix("test://template/")?.strip_suffix("/data")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

impl Resources for Component {
    fn list_resources() -> Vec<ResourceInfo> {
        vec![
            info(
                "test://static-text",
                "static-text",
                "Static Text Resource",
                "A static text resource for testing",
                "text/plain",
            ),
            info(
                "test://static-binary",
                "static-binary",
                "Static Binary Resource",
                "A static binary resource (image) for testing",
                "image/png",
            ),
            info(
                "test://watched-resource",
                "watched-resource",
                "Watched Resource",
                "A resource that can be subscribed to for update notifications",
                "text/plain",
            ),
        ]
    }

    fn list_resource_templates() -> Vec<ResourceTemplate> {
        vec![ResourceTemplate {
            uri_template: "test://template/{id}/data".into(),
            name: "template".into(),
            title: Some("Template Resource".into()),
            description: Some("A resource template with parameter substitution".into()),
            mime_type: Some("application/json".into()),
        }]
    }

    fn read_resource(uri: String, _ctx: CallContext) -> Option<Vec<ResourceContents>> {
        let (mime_type, text, blob) = match uri.as_str() {
            "test://static-text" => ("text/plain", Some(STATIC_TEXT.to_string()), None),
            "test://static-binary" => ("image/png", None, Some(base64(IMG))),
            "test://watched-resource" => ("text/plain", Some(WATCHED_TEXT.to_string()), None),
            other => {
                let id = serde_json::Value::from(template_id(other)?).to_string();
                let data = serde_json::Value::from(format!("Data for ID: {}", template_id(other)?)).to_string();
                ("application/json", Some(format!(r#"{{"id":{id},"templateTest":true,"data":{data}}}"#)), None)
            }
        };
        Some(vec![ResourceContents { uri, mime_type: Some(mime_type.into()), text, blob }])
    }
}

impl Completions for Component {
    fn complete(
        reference: CompletionRef,
        _argument: String,
        _value: String,
        _context: Vec<(String, String)>,
    ) -> Option<Completion> {
        match reference {
            CompletionRef::Prompt(name) if name == "test_prompt_with_arguments" => {
                Some(Completion { values: Vec::new(), total: Some(0), has_more: false })
            }
            _ => None,
        }
    }
}
