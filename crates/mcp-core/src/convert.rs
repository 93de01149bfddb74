//! The WIT records of `outrigger:mcp/types` as MCP JSON, and MCP JSON back into WIT
//! where a request carries it (completion references, prompt arguments).
use crate::bindings::outrigger::mcp::types::{
    Blob, CallResult, Completion, Content, Prompt, PromptResult, ResourceContents, ResourceInfo as Resource,
    ResourceLink, ResourceTemplate, Role, Tool,
};
use data_encoding::BASE64;
use serde_json::{Map, Value, json};

/// Parses JSON a component returned; a component's bad JSON becomes a string that
/// says where it came from, never a panic.
pub fn component_json(text: &str, what: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{what} is not valid JSON ({e}): {}", clip(text)))
}

fn clip(s: &str) -> String {
    if s.len() <= 80 { s.to_string() } else { format!("{}...", &s[..s.floor_char_boundary(80)]) }
}

fn put(o: &mut Map<String, Value>, key: &str, v: &Option<String>) {
    if let Some(v) = v {
        o.insert(key.into(), json!(v));
    }
}

pub fn tool(t: &Tool) -> Result<Value, String> {
    let mut o = Map::new();
    o.insert("name".into(), json!(t.name));
    put(&mut o, "title", &t.title);
    put(&mut o, "description", &t.description);
    o.insert("inputSchema".into(), component_json(&t.input_schema, &format!("tool `{}`'s input schema", t.name))?);
    if let Some(s) = &t.output_schema {
        o.insert("outputSchema".into(), component_json(s, &format!("tool `{}`'s output schema", t.name))?);
    }
    if let Some(a) = &t.annotations {
        o.insert("annotations".into(), component_json(a, &format!("tool `{}`'s annotations", t.name))?);
    }
    Ok(Value::Object(o))
}

fn blob(kind: &str, b: &Blob) -> Value {
    json!({ "type": kind, "data": BASE64.encode(&b.data), "mimeType": b.mime_type })
}

pub fn link(l: &ResourceLink) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!("resource_link"));
    o.insert("uri".into(), json!(l.uri));
    o.insert("name".into(), json!(l.name));
    put(&mut o, "title", &l.title);
    put(&mut o, "description", &l.description);
    put(&mut o, "mimeType", &l.mime_type);
    Value::Object(o)
}

pub fn contents(c: &ResourceContents) -> Value {
    let mut o = Map::new();
    o.insert("uri".into(), json!(c.uri));
    put(&mut o, "mimeType", &c.mime_type);
    match (&c.text, &c.blob) {
        (_, Some(b)) => o.insert("blob".into(), json!(BASE64.encode(b))),
        (Some(t), None) => o.insert("text".into(), json!(t)),
        (None, None) => o.insert("text".into(), json!("")),
    };
    Value::Object(o)
}

pub fn content(c: &Content) -> Value {
    match c {
        Content::Text(t) => json!({ "type": "text", "text": t }),
        Content::Image(b) => blob("image", b),
        Content::Audio(b) => blob("audio", b),
        Content::ResourceLink(l) => link(l),
        Content::EmbeddedResource(r) => json!({ "type": "resource", "resource": contents(r) }),
    }
}

/// A `tools/call` result; `structured` is the parsed structured content.
pub fn call_result(r: &CallResult, structured: Option<Value>) -> Value {
    let mut o = Map::new();
    o.insert("content".into(), Value::Array(r.content.iter().map(content).collect()));
    if let Some(s) = structured {
        o.insert("structuredContent".into(), s);
    }
    if r.is_error {
        o.insert("isError".into(), json!(true));
    }
    Value::Object(o)
}

/// A tool error the model should see (`isError: true`), not a protocol error.
pub fn tool_error(message: &str) -> Value {
    json!({ "content": [{ "type": "text", "text": message }], "isError": true })
}

pub fn resource(r: &Resource) -> Value {
    let mut o = Map::new();
    o.insert("uri".into(), json!(r.uri));
    o.insert("name".into(), json!(r.name));
    put(&mut o, "title", &r.title);
    put(&mut o, "description", &r.description);
    put(&mut o, "mimeType", &r.mime_type);
    Value::Object(o)
}

pub fn template(t: &ResourceTemplate) -> Value {
    let mut o = Map::new();
    o.insert("uriTemplate".into(), json!(t.uri_template));
    o.insert("name".into(), json!(t.name));
    put(&mut o, "title", &t.title);
    put(&mut o, "description", &t.description);
    put(&mut o, "mimeType", &t.mime_type);
    Value::Object(o)
}

pub fn prompt(p: &Prompt) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(p.name));
    put(&mut o, "title", &p.title);
    put(&mut o, "description", &p.description);
    if !p.arguments.is_empty() {
        let args: Vec<Value> = p
            .arguments
            .iter()
            .map(|a| {
                let mut o = Map::new();
                o.insert("name".into(), json!(a.name));
                put(&mut o, "description", &a.description);
                o.insert("required".into(), json!(a.required));
                Value::Object(o)
            })
            .collect();
        o.insert("arguments".into(), Value::Array(args));
    }
    Value::Object(o)
}

pub fn prompt_result(r: &PromptResult) -> Value {
    let messages: Vec<Value> = r
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            json!({ "role": role, "content": content(&m.content) })
        })
        .collect();
    let mut o = Map::new();
    put(&mut o, "description", &r.description);
    o.insert("messages".into(), Value::Array(messages));
    Value::Object(o)
}

pub fn completion(c: &Completion) -> Value {
    // MCP allows at most 100 values per completion.
    let values: Vec<&String> = c.values.iter().take(100).collect();
    let mut o = json!({ "values": values, "hasMore": c.has_more || c.values.len() > 100 });
    if let Some(t) = c.total {
        o["total"] = json!(t);
    }
    json!({ "completion": o })
}

/// `{"a": "1", "b": 2}` → `[("a","1"), ("b","2")]`: prompt arguments are strings.
pub fn string_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(m)) = v else { return Vec::new() };
    m.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect()
}
