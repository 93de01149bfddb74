//! `mcp-conformance-fixtures`: the reference server fixtures of the official MCP
//! conformance suite (`@modelcontextprotocol/conformance`, its
//! `examples/servers/typescript/everything-server.ts`) as one capability
//! component, so that a server built from Wasm components passes the suite under
//! both `--requirements 2025-11-25` and `--requirements 2026-07-28`. Names,
//! arguments and results follow docs/mcp-conformance.md §3 and §5.3.
//!
//! Modules: [`tools`] (the plain tools), [`mrtr`] (the 2026-07-28
//! `test_input_required_result_*` tools), [`resources`] (resources and
//! completions) and [`prompts`].
wit_bindgen::generate!({ path: "../../wit/mcp", world: "capability", generate_all });

mod mrtr;
mod prompts;
mod resources;
mod tools;

use outrigger::mcp::types::{CallResult, Content, Tool};
use serde_json::Value;

pub(crate) struct Component;

/// The fixture's 1×1 PNG, base64 (`IMG`).
pub(crate) const IMG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// The fixture's tiny WAV file, base64 (`WAV`).
pub(crate) const WAV: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// The input schema of a tool without arguments.
pub(crate) const NO_ARGS: &str = r#"{"type":"object","properties":{}}"#;

/// Decodes standard base64 (with or without `=` padding); the constants above
/// are well-formed, so invalid characters are simply skipped.
pub(crate) fn base64(text: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a') as u32 + 26),
            b'0'..=b'9' => Some((c - b'0') as u32 + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A tool with a description and an input schema given as JSON text (kept
/// verbatim, so the schema's key order survives).
pub(crate) fn tool(name: &str, description: &str, input_schema: &str) -> Tool {
    Tool {
        name: name.into(),
        title: None,
        description: Some(description.into()),
        input_schema: input_schema.into(),
        output_schema: None,
        annotations: None,
    }
}

/// A successful result with one text item.
pub(crate) fn text(t: impl Into<String>) -> CallResult {
    CallResult { content: vec![Content::Text(t.into())], structured_content: None, is_error: false }
}

/// A tool error (`isError: true`) with one text item.
pub(crate) fn error(t: impl Into<String>) -> CallResult {
    CallResult { content: vec![Content::Text(t.into())], structured_content: None, is_error: true }
}

/// Parses a JSON value; anything that is not valid JSON (or is missing) is `{}`.
pub(crate) fn parse(json: &str) -> Value {
    match serde_json::from_str::<Value>(json) {
        Ok(v @ Value::Object(_)) => v,
        Ok(v) if !v.is_null() => v,
        _ => Value::Object(Default::default()),
    }
}

/// The text of a sampling result (`content.text`), or `""`.
pub(crate) fn sampled_text(result: &str) -> String {
    parse(result)["content"]["text"].as_str().unwrap_or_default().to_string()
}

export!(Component);

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_the_png() {
        let png = super::base64(super::IMG);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(png.len(), 70);
        assert_eq!(super::base64("TWFu"), b"Man");
        assert_eq!(super::base64("TWE="), b"Ma");
    }
}
