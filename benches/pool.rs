//! Benchmark: a reactive call in a fresh instance vs a warm one (`poolSize`).
//!
//! Run with `cargo bench -p outrigger --bench pool` (after scripts/build-guests.sh
//! and scripts/build-polyglot.sh). For three components it measures one call made
//! from the host (`FuncRef::call`: what a service's or component's import does after
//! taking its arguments out of its own store):
//! * Rust: `upper.apply("hi")` (58 KB, linked with a small stack);
//! * Python: `outrigger:mcp/tools#call-tool("word_count", ...)` on py_tools.wasm
//!   (componentize-py, 18 MB);
//! * JavaScript: `call-tool("js_sum", ...)` on js_tools.wasm (componentize-js, 12 MB),
//!
//! each with `poolSize` unset (instantiate + call + drop per call) and `poolSize: 2`
//! (the call runs in a warm instance), from 1 and 2 concurrent callers, on a
//! current-thread and on the multi-thread runtime the `outrigger` binary uses. The
//! Python and JavaScript components import `outrigger:mcp/client`, so the workload
//! has the mcp-http service too (on a free local port; it is not called here).
//!
//! Every scenario runs five times; the median run is reported. Numbers go to stdout
//! as Markdown; benches/README.md holds a recorded run.
#[path = "stats.rs"]
mod stats;

use outrigger::{EngineOptions, HostOptions, Manifest, Val, Workload};
use stats::{Run, drive};
use std::path::PathBuf;
use std::time::Duration;

fn manifest(port: u16, pool: u32) -> String {
    let pool = if pool == 0 { String::new() } else { format!("\n      poolSize: {pool}") };
    format!(
        r#"
metadata: {{ name: pool-bench }}
spec:
  services:
    - name: mcp
      component: mcp_http_service.wasm
      env: {{ MCP_HTTP_BIND: "127.0.0.1:{port}" }}
      allowedHosts: ["127.0.0.1:{port}"]
  components:
    - name: upper
      component: upper.wasm{pool}
    - name: python
      component: py_tools.wasm{pool}
    - name: javascript
      component: js_tools.wasm{pool}
"#
    )
}

fn wasm_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm");
    assert!(d.join("upper.wasm").exists(), "run scripts/build-guests.sh first");
    assert!(d.join("py_tools.wasm").exists(), "run scripts/build-polyglot.sh first");
    d.canonicalize().unwrap()
}

const ROUNDS: usize = 5;

/// `callers` tasks each make `per` calls of `f`, timing each one.
async fn drive_func(f: &outrigger::FuncRef, args: &[Val], callers: usize, per: usize) -> Run {
    let (f, args) = (f.clone(), args.to_vec());
    drive(callers, per, move || {
        let (f, args) = (f.clone(), args.clone());
        async move {
            f.call(&args).await.unwrap();
        }
    })
    .await
}

fn tool_call(name: &str, arguments: &str) -> Vec<Val> {
    vec![Val::String(name.into()), Val::String(arguments.into()), Val::Record(vec![("token".into(), Val::U64(0))])]
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The scenarios: label, member, function, arguments, calls per caller and round.
fn scenarios() -> Vec<(&'static str, &'static str, &'static str, Vec<Val>, usize)> {
    vec![
        ("Rust `upper.apply`", "upper", "apply", vec![Val::String("hi".into())], 20_000),
        ("Python `word_count`", "python", "call-tool", tool_call("word_count", r#"{"text":"one two three"}"#), 1_000),
        ("JavaScript `js_sum`", "javascript", "call-tool", tool_call("js_sum", r#"{"numbers":[1,2,3.5]}"#), 1_000),
    ]
}

async fn suite(runtime: &str) {
    let dir = wasm_dir();
    println!("\n### tokio {runtime}\n");
    println!("| component, call | instances | callers | calls/s | p50 µs | p99 µs |");
    println!("|---|---|---:|---:|---:|---:|");
    // Fresh and warm workloads side by side; rounds alternate between them.
    let opts = HostOptions {
        engine: EngineOptions { max_instances: 64, ..EngineOptions::default() },
        ..HostOptions::default()
    };
    let mut workloads = Vec::new();
    for pool in [0u32, 2] {
        let m = Manifest::parse(&manifest(free_port(), pool), &dir.join("bench.yaml")).unwrap();
        let w = Workload::start(&m, opts.clone()).await.unwrap();
        w.wait_running(Duration::from_secs(60)).await.unwrap();
        workloads.push((pool, w));
    }
    for (label, member, function, args, per) in scenarios() {
        for callers in [1usize, 2] {
            let funcs: Vec<_> = workloads.iter().map(|(_, w)| w.func(member, function).unwrap()).collect();
            for f in &funcs {
                let out = f.call(&args).await.unwrap();
                assert!(!matches!(out.as_slice(), [Val::Result(Err(_))]), "{label}: {out:?}");
                drive_func(f, &args, callers, per / 10).await; // warm up
            }
            let mut runs: Vec<Vec<Run>> = funcs.iter().map(|_| Vec::new()).collect();
            for _ in 0..ROUNDS {
                for (i, f) in funcs.iter().enumerate() {
                    runs[i].push(drive_func(f, &args, callers, per).await);
                }
            }
            for ((pool, _), rs) in workloads.iter().zip(runs) {
                let mut r = Run::median(rs);
                let what = if *pool == 0 { "fresh per call".to_string() } else { format!("warm (poolSize {pool})") };
                let (p50, p99) = (r.pct(0.5), r.pct(0.99));
                println!("| {label} | {what} | {callers} | {:.0} | {p50:.1} | {p99:.1} |", r.rate());
            }
        }
    }
    for (pool, w) in workloads {
        let st = w.shutdown().await;
        if pool > 0 {
            for c in &st.components {
                let p = c.pool.as_ref().unwrap();
                eprintln!(
                    "{}: {} calls, {} warm started, {} reused, {} fresh",
                    c.name, c.invocations, p.started, p.reused, p.overflow
                );
            }
        }
    }
}

fn main() {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("## outrigger warm-instance benchmark\n\nmachine: {} CPU(s), {}", cpus, std::env::consts::ARCH);
    let current = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    current.block_on(suite("current_thread"));
    drop(current);
    let multi = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    multi.block_on(suite("multi_thread (2 workers)"));
}
