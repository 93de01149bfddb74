//! The scenarios every transport must pass, written once against rmcp's client:
//! discovery, tools in three languages, structured output, hidden tools,
//! resources, prompts, completion, progress, elicitation, sampling, roots,
//! cancellation that frees the slot, and concurrent calls.
use super::client::{Client, Revision, TestClient};
use rmcp::model::{
    ArgumentInfo, CallToolRequestParams, CallToolResult, ClientRequest, CompleteRequestParams, CompletionContext,
    GetPromptRequestParams, ReadResourceRequestParams, Reference, ResourceContents,
};
use rmcp::service::{PeerRequestOptions, ServiceError};
use serde_json::{Value, json};
use std::time::Duration;

pub fn args(v: Value) -> rmcp::model::JsonObject {
    v.as_object().cloned().expect("an object")
}

pub async fn call(client: &Client, name: &'static str, arguments: Value) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(name).with_arguments(args(arguments)))
        .await
        .unwrap_or_else(|e| panic!("tools/call {name}: {e}"))
}

pub fn text_of(r: &CallToolResult) -> String {
    r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}

/// Lists tools from every language, without the hidden ones, and calls them.
pub async fn tools_in_three_languages(client: &Client) {
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in ["pythagorean", "echo", "slow", "word_count", "py_reverse", "js_uppercase", "js_sum"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    assert!(!names.contains(&"square") && !names.contains(&"sqrt"), "hidden tools are listed: {names:?}");
    let pyth = tools.iter().find(|t| t.name == "pythagorean").unwrap();
    assert!(pyth.output_schema.is_some(), "the output schema is listed");

    let r = call(client, "pythagorean", json!({ "a": 3, "b": 4 })).await;
    assert_eq!(r.structured_content, Some(json!({ "hypotenuse": 5.0 })), "{r:?}");
    assert_eq!(text_of(&r), "5");

    let r = call(client, "word_count", json!({ "text": "one two  three" })).await;
    assert_eq!(r.structured_content, Some(json!({ "words": 3 })), "python: {r:?}");
    let r = call(client, "py_reverse", json!({ "text": "abc" })).await;
    assert_eq!(text_of(&r), "cba", "python: {r:?}");
    let r = call(client, "js_uppercase", json!({ "text": "shout" })).await;
    assert_eq!(text_of(&r), "SHOUT", "javascript: {r:?}");
    let r = call(client, "js_sum", json!({ "numbers": [1, 2, 3.5] })).await;
    assert_eq!(r.structured_content, Some(json!({ "sum": 6.5 })), "javascript: {r:?}");

    // Arguments that break the input schema never reach the component: a tool
    // error the model can correct.
    let r = call(client, "pythagorean", json!({ "a": "three", "b": 4 })).await;
    assert_eq!(r.is_error, Some(true), "{r:?}");
    assert!(text_of(&r).contains("Invalid arguments for tool pythagorean") && text_of(&r).contains("/a"), "{r:?}");
    // A hidden tool cannot be called by the client either.
    let e = client
        .call_tool(CallToolRequestParams::new("square").with_arguments(args(json!({ "x": 2 }))))
        .await
        .unwrap_err();
    assert_mcp_error(&e, -32602, "Unknown tool: square");
    // A tool error (isError) is a result, not a protocol error.
    let r = call(client, "fail", json!({})).await;
    assert_eq!(r.is_error, Some(true));
}

pub fn assert_mcp_error(e: &ServiceError, code: i32, message: &str) {
    match e {
        ServiceError::McpError(d) => {
            assert_eq!(d.code.0, code, "{d:?}");
            assert!(d.message.contains(message), "{d:?}");
        }
        other => panic!("expected MCP error {code}, got {other}"),
    }
}

pub async fn resources_prompts_and_completion(client: &Client) {
    let resources = client.list_all_resources().await.expect("resources/list");
    assert!(resources.iter().any(|r| r.uri == "docs://readme"), "{resources:?}");
    let templates = client.list_all_resource_templates().await.expect("resources/templates/list");
    assert!(templates.iter().any(|t| t.uri_template == "notes://{topic}"), "{templates:?}");

    let read = |uri: &'static str| client.read_resource(ReadResourceRequestParams::new(uri));
    let r = read("docs://readme").await.expect("read docs://readme");
    match &r.contents[0] {
        ResourceContents::TextResourceContents { text, mime_type, .. } => {
            assert!(text.starts_with("# outrigger"));
            assert_eq!(mime_type.as_deref(), Some("text/markdown"));
        }
        other => panic!("{other:?}"),
    }
    let r = read("docs://logo.png").await.expect("read the logo");
    assert!(matches!(&r.contents[0], ResourceContents::BlobResourceContents { blob, .. } if !blob.is_empty()), "{r:?}");
    let r = read("notes://wasm").await.expect("read through the template");
    assert!(
        matches!(&r.contents[0], ResourceContents::TextResourceContents { text, .. } if text == "Notes about wasm."),
        "{r:?}"
    );
    assert_mcp_error(&read("nothing://here").await.unwrap_err(), -32602, "Resource not found");

    let prompts = client.list_all_prompts().await.expect("prompts/list");
    assert!(prompts.iter().any(|p| p.name == "greet"), "{prompts:?}");
    let p = client
        .get_prompt(
            GetPromptRequestParams::new("greet").with_arguments(args(json!({ "name": "Ada", "style": "pirate" }))),
        )
        .await
        .expect("prompts/get");
    assert!(serde_json::to_string(&p.messages).unwrap().contains("Greet Ada in a pirate way."), "{p:?}");
    let e = client.get_prompt(GetPromptRequestParams::new("greet")).await.unwrap_err();
    assert_mcp_error(&e, -32602, "`name` is required");

    let c = client
        .complete(CompleteRequestParams::new(Reference::for_prompt("greet"), ArgumentInfo::new("style", "p")))
        .await
        .expect("completion/complete");
    assert_eq!(c.completion.values, vec!["pirate".to_string()]);
    let c = client
        .complete(
            CompleteRequestParams::new(Reference::for_resource("notes://{topic}"), ArgumentInfo::new("topic", "w"))
                .with_context(CompletionContext::new()),
        )
        .await
        .expect("completion/complete for a template");
    assert_eq!(c.completion.values, vec!["wasm".to_string()]);
}

/// Every progress notification reaches the client, in order; elicitation,
/// sampling and roots are answered by the client (as server → client requests
/// or as input-required rounds, by revision).
pub async fn progress_and_questions(client: &Client, handler: &TestClient, revision: Revision) {
    let r = call(client, "slow", json!({ "steps": 3, "delay_ms": 20 })).await;
    assert_eq!(r.structured_content, Some(json!({ "completed": 3 })));
    // rmcp hands notifications to the handler in a task of their own, so the last one
    // may be recorded just after `call` returned: wait for it (briefly), then compare.
    let progress = || -> Vec<f64> { handler.seen.lock().unwrap().progress.iter().map(|p| p.progress).collect() };
    for _ in 0..100 {
        if progress().len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(progress(), vec![1.0, 2.0, 3.0], "progress notifications");

    let r = call(client, "ask_name", json!({})).await;
    assert_eq!(text_of(&r), "Hello, Ada!", "elicitation: {r:?}");
    let r = call(client, "summarize", json!({ "text": "a long story" })).await;
    assert_eq!(text_of(&r), "A short summary.", "sampling: {r:?}");
    let r = call(client, "list_roots", json!({})).await;
    assert_eq!(text_of(&r), "file:///work/project", "roots: {r:?}");
    let seen = handler.seen.lock().unwrap();
    assert_eq!((seen.elicitations, seen.samplings), (1, 1), "each question asked once ({revision:?})");
}

/// A cancelled slow call stops and frees its slot: with one slot
/// (MCP_MAX_CONCURRENT_CALLS=1) the next call runs at once instead of waiting
/// for the slow one (20 s) to finish.
pub async fn cancellation_frees_the_slot(client: &Client) {
    let slow = CallToolRequestParams::new("slow").with_arguments(args(json!({ "steps": 200, "delay_ms": 100 })));
    let handle = client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(rmcp::model::CallToolRequest::new(slow)),
            PeerRequestOptions::no_options(),
        )
        .await
        .expect("send the slow call");
    tokio::time::sleep(Duration::from_millis(300)).await;
    handle.cancel(Some("the user gave up".into())).await.expect("notifications/cancelled");
    let echo = CallToolRequestParams::new("echo").with_arguments(args(json!({ "text": "next" })));
    let r = tokio::time::timeout(Duration::from_secs(10), client.call_tool(echo))
        .await
        .expect("the slot was not freed: the next call waited for the cancelled one")
        .expect("echo");
    assert_eq!(text_of(&r), "next");
}

/// Calls run concurrently: a slow call blocks neither a quick one nor a list.
pub async fn concurrent_calls(client: &Client) {
    let slow: Vec<_> = (0..8).map(|_| call(client, "slow", json!({ "steps": 10, "delay_ms": 100 }))).collect();
    let quick = async {
        let r = call(client, "echo", json!({ "text": "quick" })).await;
        client.list_all_tools().await.expect("tools/list while slow calls run");
        r
    };
    let (slow, quick) = tokio::join!(futures::future::join_all(slow), quick);
    assert_eq!(text_of(&quick), "quick");
    assert!(slow.iter().all(|r| r.structured_content == Some(json!({ "completed": 10 }))));
}
