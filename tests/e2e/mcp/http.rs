//! The same MCP workload over streamable HTTP (services/mcp-http), driven by rmcp's
//! HTTP client under both revisions, plus what only HTTP has: DNS-rebinding
//! protection (Host / Origin), session ids, JSON vs SSE replies, and the HTTP
//! status of stateless errors.
use super::client::{BOTH, Revision, connect_http, repo};
use super::protocol;
use crate::common::{RunProcess, TestManifest};
use serde_json::{Value, json};
use std::time::Duration;

/// `outrigger run` on examples/mcp-http.yaml (on a free port); ends with the test.
pub struct HttpServer {
    pub url: String,
    _run: RunProcess,
    _manifest: TestManifest,
}

pub async fn start(extra_env: &str) -> HttpServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let yaml = std::fs::read_to_string(repo().join("examples/mcp-http.yaml")).unwrap();
    let yaml = yaml
        .replace("../target/wasm", "{wasm}")
        .replace("MCP_HTTP_BIND: 127.0.0.1:8080", &format!("MCP_HTTP_BIND: 127.0.0.1:{port}{extra_env}"));
    let manifest = TestManifest::new(&yaml);
    // Generous: on a fresh machine the first start compiles the 18 MB Python and 12 MB
    // JavaScript components (no compile cache yet), several tests at once on 2 cores.
    let run =
        RunProcess::start("mcp-http", &manifest.path, &[], "mcp-http: listening on", Duration::from_secs(300)).await;
    HttpServer { url: format!("http://127.0.0.1:{port}/mcp"), _run: run, _manifest: manifest }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_scenario_over_http_under_both_revisions() {
    let server = start("").await;
    for revision in BOTH {
        let (client, handler) = connect_http(&server.url, revision).await;
        protocol::tools_in_three_languages(&client).await;
        protocol::resources_prompts_and_completion(&client).await;
        protocol::progress_and_questions(&client, &handler, revision).await;
        protocol::concurrent_calls(&client).await;
        client.cancel().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_http_call_frees_its_slot() {
    let server = start("\n        MCP_MAX_CONCURRENT_CALLS: \"1\"").await;
    let (client, _) = connect_http(&server.url, Revision::Session).await;
    protocol::cancellation_frees_the_slot(&client).await;
    client.cancel().await.unwrap();
}

async fn post(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.body(body.to_string()).send().await.unwrap();
    let status = resp.status().as_u16();
    let kind = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, kind, resp.text().await.unwrap())
}

fn stateless(method: &str, params: Value) -> String {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": params }).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn http_guards_dns_rebinding_and_maps_stateless_errors_to_statuses() {
    let server = start("").await;
    let v26 = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/list")];
    let (status, kind, body) = post(&server.url, &v26, &stateless("tools/list", json!({}))).await;
    assert_eq!((status, kind.as_str()), (200, "application/json"), "{body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["result"]["resultType"], "complete");
    assert!(list["result"]["ttlMs"].is_number(), "{list}");

    let evil = [v26[0], v26[1], ("host", "evil.example.com")];
    assert_eq!(post(&server.url, &evil, &stateless("tools/list", json!({}))).await.0, 403, "a foreign Host");
    let evil = [v26[0], v26[1], ("origin", "http://evil.example.com")];
    assert_eq!(post(&server.url, &evil, &stateless("tools/list", json!({}))).await.0, 403, "a foreign Origin");

    let unknown = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "nope/nothing")];
    let (status, _, body) = post(&server.url, &unknown, &stateless("nope/nothing", json!({}))).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], -32601);

    let (status, _, body) = post(&server.url, &v26, "{not json").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], -32700);

    // A 2025-11-25 request without a session (other than initialize) is refused.
    let old = [("mcp-protocol-version", "2025-11-25")];
    let ping = json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }).to_string();
    assert_eq!(post(&server.url, &old, &ping).await.0, 400);
    let (status, _, _) =
        post(&server.url, &[("mcp-protocol-version", "2025-11-25"), ("mcp-session-id", "deadbeef")], &ping).await;
    assert_eq!(status, 404, "an unknown session");
}
