//! Benchmark: the MCP server as a workload (`outrigger run examples/mcp.yaml` over
//! stdio, examples/mcp-http.yaml over streamable HTTP) against a native rmcp server
//! doing the same work (benches/mcp/native.rs), both in child processes, driven by
//! the same rmcp 3.11 client in this process.
//!
//! Run with `cargo bench -p outrigger --bench mcp` (after scripts/build-guests.sh and
//! scripts/build-polyglot.sh). It reports, in one run:
//! * `tools/call` round-trip latency p50/p99 of `echo` (components/mcp-everything,
//!   text in, text out) and `pythagorean` (three components composed through WIT),
//!   sequential calls after a warm-up, over stdio and HTTP, under 2025-11-25
//!   (`initialize`, sessions) and 2026-07-28 (`server/discover`, stateless); plus
//!   `ping` under 2025-11-25, answered without any component (transport + service).
//!   Native and outrigger are measured in alternating blocks, so background load
//!   falls on both;
//! * throughput: 16 HTTP client connections calling `echo` in a loop for 5 s, with
//!   the CPU time the server process and this (client) process spent per call;
//! * cold start: process start -> `initialize` reply -> first `tools/call` reply over
//!   stdio, for the full example (with the Python and JavaScript components), a
//!   Rust-only variant, and the native server; with the compile cache warm, with an
//!   empty cache directory (XDG_CACHE_HOME pointed at a new directory: compile and
//!   store), and with `--no-cache` (compile, store nothing).
//!
//! Numbers go to stdout as Markdown; benches/README.md holds a recorded run.
use rmcp::model::{CallToolRequestParams, CallToolResult, PingRequest};
use serde_json::json;
use std::time::{Duration, Instant};

#[path = "mcp/native.rs"]
mod native;
#[path = "mcp/procs.rs"]
mod procs;
#[path = "stats.rs"]
mod stats;

use procs::{Client, Rev, connect_http, connect_stdio, outrigger};
use stats::{median, pct};

/// The same allocator as the `outrigger` binary (for the native server too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WARMUP: usize = 200;
/// Blocks of calls per target, alternating native and outrigger.
const BLOCKS: usize = 4;
const BLOCK: usize = 500;
const CLIENTS: usize = 16;
const WINDOW: Duration = Duration::from_secs(5);
const TP_ROUNDS: usize = 2;

/// What a measured request does. `Ping` (2025-11-25 only: 2026-07-28 has no ping)
/// is answered by the server itself, so outrigger's ping is its transport + service
/// overhead without any component.
#[derive(Clone, Copy)]
enum Tool {
    Ping,
    Echo,
    Pythagorean,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Ping => "ping",
            Tool::Echo => "echo",
            Tool::Pythagorean => "pythagorean",
        }
    }

    fn label(self) -> String {
        match self {
            Tool::Ping => "`ping` (no component)".into(),
            _ => format!("`{}`", self.name()),
        }
    }

    fn request(self) -> CallToolRequestParams {
        let args = match self {
            Tool::Ping | Tool::Echo => json!({ "text": "hello, bench" }),
            Tool::Pythagorean => json!({ "a": 3, "b": 4 }),
        };
        CallToolRequestParams::new(self.name()).with_arguments(args.as_object().unwrap().clone())
    }

    fn check(self, r: &CallToolResult) {
        let text: String = r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
        match self {
            Tool::Ping => {}
            Tool::Echo => assert_eq!(text, "hello, bench", "{r:?}"),
            Tool::Pythagorean => {
                assert_eq!(text, "5", "{r:?}");
                assert_eq!(r.structured_content, Some(json!({ "hypotenuse": 5.0 })), "{r:?}");
            }
        }
    }
}

async fn call(c: &Client, tool: Tool, req: &CallToolRequestParams) -> CallToolResult {
    if let Tool::Ping = tool {
        c.send_request(PingRequest::default().into()).await.expect("ping");
        return CallToolResult::success(vec![]);
    }
    let r = c.call_tool(req.clone()).await.unwrap_or_else(|e| panic!("tools/call {}: {e}", tool.name()));
    assert_ne!(r.is_error, Some(true), "{r:?}");
    r
}

/// Sequential calls; nanoseconds per call.
async fn timed(c: &Client, tool: Tool, n: usize, out: &mut Vec<u64>) {
    let req = tool.request();
    for _ in 0..n {
        let t = Instant::now();
        call(c, tool, &req).await;
        out.push(t.elapsed().as_nanos() as u64);
    }
}

/// Latency of `tool` on two connected clients, measured in alternating blocks.
async fn latency_pair(native: &Client, outrigger: &Client, tool: Tool) -> [(f64, f64); 2] {
    let req = tool.request();
    for c in [native, outrigger] {
        tool.check(&call(c, tool, &req).await);
        let mut warm = Vec::new();
        timed(c, tool, WARMUP, &mut warm).await;
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..BLOCKS {
        timed(native, tool, BLOCK, &mut a).await;
        timed(outrigger, tool, BLOCK, &mut b).await;
    }
    [(pct(&mut a, 0.5), pct(&mut a, 0.99)), (pct(&mut b, 0.5), pct(&mut b, 0.99))]
}

async fn latency(native: &Client, outrigger: &Client, transport: &str, rev: Rev) {
    let tools: &[Tool] =
        if rev == Rev::V2025 { &[Tool::Ping, Tool::Echo, Tool::Pythagorean] } else { &[Tool::Echo, Tool::Pythagorean] };
    for &tool in tools {
        let [(n50, n99), (o50, o99)] = latency_pair(native, outrigger, tool).await;
        println!(
            "| {transport} | {} | {} | {n50:.0} | {n99:.0} | {o50:.0} | {o99:.0} | {:.2}x |",
            rev.label(),
            tool.label(),
            o50 / n50
        );
    }
}

/// `CLIENTS` connections calling `echo` in a loop for `WINDOW`: (calls/s, server CPU
/// µs per call, client CPU µs per call). The window closes after the clients have
/// closed their sessions (a few ms of 5 s).
async fn throughput(url: &str, server_pid: u32, rev: Rev) -> (f64, f64, f64) {
    let clients = futures::future::join_all((0..CLIENTS).map(|_| connect_http(url, rev))).await;
    let req = Tool::Echo.request();
    for c in &clients {
        call(c, Tool::Echo, &req).await;
    }
    let (spid, cpu) = (server_pid.to_string(), procs::cpu_seconds);
    let (s0, c0, t0) = (cpu(&spid), cpu("self"), Instant::now());
    let deadline = t0 + WINDOW;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| {
            let req = req.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    call(&c, Tool::Echo, &req).await;
                    n += 1;
                }
                let _ = c.cancel().await;
                n
            })
        })
        .collect();
    let mut calls = 0;
    for t in tasks {
        calls += t.await.unwrap();
    }
    let secs = t0.elapsed().as_secs_f64();
    let (s1, c1) = (cpu(&spid), cpu("self"));
    let per = |d: f64| d * 1e6 / calls as f64;
    (calls as f64 / secs, per(s1 - s0), per(c1 - c0))
}

/// Process start -> `initialize` reply -> first `tools/call` (`echo`) reply, in ms.
async fn cold_once(cmd: tokio::process::Command) -> (f64, f64) {
    let t0 = Instant::now();
    let client = connect_stdio(cmd, Rev::V2025).await;
    let init = t0.elapsed().as_secs_f64() * 1e3;
    Tool::Echo.check(&call(&client, Tool::Echo, &Tool::Echo.request()).await);
    let first = t0.elapsed().as_secs_f64() * 1e3;
    let _ = client.cancel().await;
    // Let the process end before the next one starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (init, first)
}

async fn cold(label: &str, runs: usize, mut make: impl FnMut() -> tokio::process::Command) {
    let (mut init, mut first) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (i, f) = cold_once(make()).await;
        init.push(i);
        first.push(f);
    }
    let (lo, hi) = first.iter().fold((f64::MAX, 0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    println!("| {label} | {runs} | {:.0} | {:.0} | {lo:.0} - {hi:.0} |", median(init), median(first));
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model =
        cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|m| m.trim_start_matches([' ', '\t', ':']));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "{} CPU(s), {}; load average at start: {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        model.unwrap_or("?"),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    )
}

async fn suite() {
    let dir = tempfile::tempdir().unwrap();
    let (port, native_port) = (procs::free_port(), procs::free_port());
    let (full, rust, http) = procs::manifests(dir.path(), port);
    println!("## outrigger MCP benchmark\n\nmachine: {}\n", machine());

    println!(
        "### tools/call latency, sequential (µs; {} calls per row and server after {WARMUP} warm-up)\n",
        BLOCKS * BLOCK
    );
    println!(
        "| transport | revision | request | native p50 | native p99 | outrigger p50 | outrigger p99 | p50 ratio |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for rev in [Rev::V2025, Rev::V2026] {
        let n = connect_stdio(procs::native("native-stdio"), rev).await;
        let o = connect_stdio(outrigger(&full, &[]), rev).await;
        latency(&n, &o, "stdio", rev).await;
        let _ = tokio::join!(n.cancel(), o.cancel());
    }
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_outrigger"));
    cmd.arg("run").arg(&http).env("RUST_LOG", "warn,guest=info");
    let o_http = procs::start_http(cmd, port, "mcp-http: listening on").await;
    let n_http =
        procs::start_http(procs::native(&format!("native-http:{native_port}")), native_port, native::LISTENING).await;
    for rev in [Rev::V2025, Rev::V2026] {
        let n = connect_http(&n_http.url, rev).await;
        let o = connect_http(&o_http.url, rev).await;
        latency(&n, &o, "HTTP", rev).await;
        let _ = tokio::join!(n.cancel(), o.cancel());
    }

    println!(
        "\n### throughput: {CLIENTS} HTTP connections calling `echo` for {} s (mean of {TP_ROUNDS} alternating rounds)\n",
        WINDOW.as_secs()
    );
    println!("| revision | server | calls/s | rounds | server CPU µs/call | client CPU µs/call | of native |");
    println!("|---|---|---:|---|---:|---:|---:|");
    for rev in [Rev::V2025, Rev::V2026] {
        let mut rows: [Vec<(f64, f64, f64)>; 2] = Default::default();
        for _ in 0..TP_ROUNDS {
            rows[0].push(throughput(&n_http.url, n_http.pid(), rev).await);
            rows[1].push(throughput(&o_http.url, o_http.pid(), rev).await);
        }
        let mean =
            |v: &[(f64, f64, f64)], f: fn(&(f64, f64, f64)) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
        let native_rate = mean(&rows[0], |r| r.0);
        for (name, v) in [("native rmcp", &rows[0]), ("outrigger", &rows[1])] {
            let rate = mean(v, |r| r.0);
            let each: Vec<String> = v.iter().map(|r| format!("{:.0}", r.0)).collect();
            println!(
                "| {} | {name} | {rate:.0} | {} | {:.0} | {:.0} | {:.0} % |",
                rev.label(),
                each.join(" / "),
                mean(v, |r| r.1),
                mean(v, |r| r.2),
                100.0 * rate / native_rate
            );
        }
    }
    println!(
        "\nresident memory after the runs: native HTTP server {:.1} MiB, outrigger (examples/mcp-http.yaml) {:.1} MiB",
        procs::rss_mib(n_http.pid()),
        procs::rss_mib(o_http.pid())
    );
    drop((n_http, o_http));

    println!("\n### cold start over stdio: process start -> reply (ms)\n");
    println!(
        "| server | runs | `initialize` reply (median) | first `tools/call` reply (median) | first reply, min - max |"
    );
    println!("|---|---:|---:|---:|---:|");
    // One unmeasured run of each manifest makes sure the cache holds them.
    cold_once(outrigger(&full, &[])).await;
    cold_once(outrigger(&rust, &[])).await;
    cold("native rmcp server (this binary re-executed)", 10, || procs::native("native-stdio")).await;
    cold("outrigger, examples/mcp.yaml (7 members), cache warm", 10, || outrigger(&full, &[])).await;
    cold("outrigger, Rust-only (5 members), cache warm", 10, || outrigger(&rust, &[])).await;
    for (label, manifest, runs) in [("examples/mcp.yaml", &full, 2), ("Rust-only", &rust, 3)] {
        cold(&format!("outrigger, {label}, empty cache directory"), runs, || {
            let empty = dir.path().join(format!("cache-{}", next_id()));
            let mut cmd = outrigger(manifest, &[]);
            cmd.env("XDG_CACHE_HOME", empty);
            cmd
        })
        .await;
        cold(&format!("outrigger, {label}, `--no-cache`"), runs, || outrigger(manifest, &["--no-cache"])).await;
    }
}

/// A distinct number per call (a fresh cache directory per run).
fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn main() {
    if let Ok(role) = std::env::var(native::ROLE) {
        return native::serve(&role);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(suite());
}
