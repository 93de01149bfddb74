//! `outrigger run examples/mcp.yaml` over stdio, driven by rmcp under both
//! revisions, plus raw lines rmcp would never send (malformed JSON, unknown
//! methods, bad requests), answered with the exact JSON-RPC codes.
use super::client::{BOTH, Revision, command, connect, repo};
use super::protocol;
use crate::common::TestManifest;
use serde_json::{Value, json};
use std::path::PathBuf;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn example() -> PathBuf {
    repo().join("examples/mcp.yaml")
}

/// examples/mcp.yaml with one call slot, so a stuck slot would show.
fn one_slot() -> TestManifest {
    let yaml = std::fs::read_to_string(example()).unwrap();
    let yaml = yaml.replace("../target/wasm", "{wasm}").replace(
        "MCP_SERVER_NAME: outrigger-demo",
        "MCP_SERVER_NAME: outrigger-demo\n        MCP_MAX_CONCURRENT_CALLS: \"1\"",
    );
    TestManifest::new(&yaml)
}

async fn each_revision<F, Fut>(manifest: PathBuf, scenario: F)
where
    F: Fn(super::client::Client, super::client::TestClient, Revision) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for revision in BOTH {
        let (client, handler) = connect(&manifest, revision).await;
        let info = client.peer_info().expect("server info");
        let expected = if revision == Revision::Session { "2025-11-25" } else { "2026-07-28" };
        assert_eq!(info.protocol_version.as_str(), expected);
        scenario(client, handler, revision).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_in_rust_python_and_javascript_with_hidden_inner_tools() {
    each_revision(example(), |client, _, _| async move {
        protocol::tools_in_three_languages(&client).await;
        client.cancel().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn resources_prompts_and_completion() {
    each_revision(example(), |client, _, _| async move {
        protocol::resources_prompts_and_completion(&client).await;
        client.cancel().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_elicitation_sampling_and_roots() {
    each_revision(example(), |client, handler, revision| async move {
        protocol::progress_and_questions(&client, &handler, revision).await;
        client.cancel().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_call_stops_and_frees_its_slot() {
    let m = one_slot();
    let (client, _) = connect(&m.path, Revision::Session).await;
    protocol::cancellation_frees_the_slot(&client).await;
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_run_concurrently() {
    each_revision(example(), |client, _, _| async move {
        protocol::concurrent_calls(&client).await;
        client.cancel().await.unwrap();
    })
    .await;
}

/// Sends raw lines, returns the responses by id (`null` for the id-less errors).
async fn raw(lines: &[&str]) -> Vec<Value> {
    let mut child = command(&example())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for l in lines {
        stdin.write_all(format!("{l}\n").as_bytes()).await.unwrap();
    }
    drop(stdin);
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut replies = Vec::new();
    while let Some(line) = out.next_line().await.unwrap() {
        replies.push(
            serde_json::from_str::<Value>(&line).unwrap_or_else(|e| panic!("stdout carried non-JSON {line:?}: {e}")),
        );
    }
    assert!(child.wait().await.unwrap().success(), "the server ends cleanly at end of input");
    replies
}

/// A client that pipes its requests and closes stdin at once still gets every answer,
/// also from a tool that takes a few seconds.
#[tokio::test(flavor = "multi_thread")]
async fn requests_piped_before_stdin_closes_are_all_answered() {
    let replies = raw(&[
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"steps":3,"delay_ms":1000}}}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#,
    ])
    .await;
    let slow =
        replies.iter().find(|r| r["id"] == 2).unwrap_or_else(|| panic!("the slow call was answered: {replies:?}"));
    assert_eq!(slow["result"]["structuredContent"]["completed"], 3, "{slow}");
    assert!(replies.iter().any(|r| r["id"] == 3), "{replies:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_json_rpc_gets_exact_errors_and_the_server_lives_on() {
    let replies = raw(&[
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","#,
        r#"{"jsonrpc":"2.0","id":3,"method":"no/such/method"}"#,
        r#"{"jsonrpc":"1.0","id":4,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool"}}"#,
        r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"arguments":{}}}"#,
        r#"[{"jsonrpc":"2.0","id":7,"method":"ping"}]"#,
        r#"{"jsonrpc":"2.0","id":8,"method":"logging/setLevel","params":{"level":"loud"}}"#,
        r#"{"jsonrpc":"2.0","id":9,"method":"tools/list","params":{"cursor":"not-a-cursor"}}"#,
        r#"{"jsonrpc":"2.0","id":10,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"1999-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
        r#"{"jsonrpc":"2.0","id":11,"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
        r#"{"jsonrpc":"2.0","id":12,"method":"ping"}"#,
    ])
    .await;
    let code = |id: Value| -> i64 {
        let r = replies.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no reply for id {id}: {replies:?}"));
        r["error"]["code"].as_i64().unwrap_or(0)
    };
    assert_eq!(code(json!(null)), -32700, "malformed JSON: parse error with a null id");
    assert_eq!(code(json!(3)), -32601, "unknown method");
    assert_eq!(code(json!(4)), -32600, "not JSON-RPC 2.0");
    assert_eq!(code(json!(5)), -32602, "unknown tool");
    assert_eq!(code(json!(6)), -32602, "no tool name");
    assert_eq!(code(json!(8)), -32602, "unknown log level");
    assert_eq!(code(json!(9)), -32602, "bad cursor");
    assert_eq!(code(json!(10)), -32022, "unsupported revision");
    let unsupported = replies.iter().find(|r| r["id"] == 10).unwrap();
    assert_eq!(unsupported["error"]["data"]["requested"], "1999-01-01");
    assert_eq!(code(json!(11)), -32601, "ping was removed in 2026-07-28");
    assert_eq!(
        replies.iter().find(|r| r["id"] == 12).unwrap()["result"],
        json!({}),
        "the server lives on: {replies:?}"
    );
    assert!(
        replies.iter().any(|r| r["error"]["code"] == -32600 && r["id"].is_null()),
        "a batch is refused: {replies:?}"
    );
}
