//! Benchmark: the NATS bridge against the native `async-nats` client, in one run, on
//! one local nats-server (started here from tests/fixtures).
//!
//! Run with `cargo bench -p outrigger --bench messaging` (after scripts/build-guests.sh
//! and scripts/install-nats-server.sh). It reports:
//! * publish throughput, 128-byte messages: native async-nats from one tokio task vs
//!   reactive components publishing through the bridge (`publish-many`, one
//!   invocation sending many messages; standard wasi:messaging and wasmCloud's
//!   consumer), counted when a native subscriber has received them all;
//! * request-reply latency p50/p99 both ways: a component's request answered by a
//!   native responder, and a native request answered by a component's handler (a
//!   fresh instance per message), each against native -> native;
//! * the bridge service's linear memory after the run.
//!
//! Numbers go to stdout as Markdown; benches/README.md holds a recorded run.
#[path = "stats.rs"]
mod stats;

use futures::StreamExt;
use outrigger::{EngineOptions, HostOptions, Manifest, Val, Workload};
use stats::{latency, median};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use test_fixtures::NatsServer;

/// The same allocator as the `outrigger` binary (and for the native baseline).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZE: usize = 128;
const ROUNDS: usize = 3;

fn wasm_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm");
    assert!(d.join("nats_bridge_service.wasm").exists(), "run scripts/build-guests.sh first");
    d.canonicalize().unwrap()
}

fn manifest(server: &NatsServer) -> String {
    format!(
        r#"
metadata: {{ name: bench }}
spec:
  services:
    - name: nats
      component: nats_bridge_service.wasm
      env: {{ NATS_URL: "{url}" }}
      allowedHosts: ["127.0.0.1:{port}"]
  components:
    - name: app
      component: msg_app.wasm
      limits: {{ timeout: 120s }}
      config: {{ subscriptions: "echo.>", max_in_flight: "256" }}
    - name: wc
      component: wc_app.wasm
      limits: {{ timeout: 120s }}
"#,
        url = server.url(),
        port = server.port()
    )
}

/// Counts `n` messages on `subject`; returns when all arrived.
async fn counter(peer: &async_nats::Client, subject: &str, n: usize) -> tokio::task::JoinHandle<()> {
    let mut sub = peer.subscribe(subject.to_string()).await.unwrap();
    peer.flush().await.unwrap();
    let subject = subject.to_string();
    tokio::spawn(async move {
        for i in 0..n {
            match tokio::time::timeout(Duration::from_secs(30), sub.next()).await {
                Ok(Some(_)) => {}
                _ => panic!("only {i} of {n} messages arrived on `{subject}`"),
            }
        }
    })
}

async fn publish_native(peer: &async_nats::Client, n: usize) -> f64 {
    let done = counter(peer, "bench.native", n).await;
    let body = bytes::Bytes::from(vec![b'x'; SIZE]);
    let t0 = Instant::now();
    for _ in 0..n {
        peer.publish("bench.native", body.clone()).await.unwrap();
    }
    peer.flush().await.unwrap();
    done.await.unwrap();
    n as f64 / t0.elapsed().as_secs_f64()
}

async fn publish_bridge(w: &Workload, peer: &async_nats::Client, component: &str, n: usize) -> f64 {
    let subject = format!("bench.{component}");
    let done = counter(peer, &subject, n).await;
    let t0 = Instant::now();
    let r =
        w.invoke(component, "publish-many", &[Val::String(subject), Val::U32(n as u32), Val::U32(SIZE as u32)]).await;
    assert!(matches!(r.as_deref(), Ok([Val::Result(Ok(_))])), "{r:?}");
    done.await.unwrap();
    n as f64 / t0.elapsed().as_secs_f64()
}

async fn suite() {
    let server = NatsServer::start();
    let dir = wasm_dir();
    let m = Manifest::parse(&manifest(&server), &dir.join("bench.yaml")).unwrap();
    let opts = HostOptions { engine: EngineOptions { max_instances: 512, ..Default::default() }, ..Default::default() };
    let w = Workload::start(&m, opts).await.unwrap();
    w.wait_running(Duration::from_secs(20)).await.unwrap();
    // A deep subscription buffer: the counting subscriber must not drop messages
    // (async-nats drops past its default capacity of 65536 when the reader lags).
    let peer = async_nats::ConnectOptions::new().subscription_capacity(1 << 21).connect(server.url()).await.unwrap();

    println!("\n### publish, {SIZE}-byte messages (median of {ROUNDS} rounds)\n");
    println!("| publisher | messages | msgs/s | of native |");
    println!("|---|---:|---:|---:|");
    let n = 200_000;
    let (mut native, mut wasi, mut wc) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        native.push(publish_native(&peer, n).await);
        wasi.push(publish_bridge(&w, &peer, "app", n).await);
        wc.push(publish_bridge(&w, &peer, "wc", n).await);
    }
    let native = median(native);
    println!("| native async-nats, one tokio task | {n} | {native:.0} | 100 % |");
    for (label, v) in [
        ("component via bridge, wasi:messaging `send`", wasi),
        ("component via bridge, wasmcloud `consumer.publish`", wc),
    ] {
        let v = median(v);
        println!("| {label} | {n} | {v:.0} | {:.0} % |", 100.0 * v / native);
    }

    println!("\n### request-reply latency (µs)\n");
    println!("| path | requests | p50 | p99 |");
    println!("|---|---:|---:|---:|");
    let mut svc = peer.subscribe("svc.>").await.unwrap();
    let responder = peer.clone();
    tokio::spawn(async move {
        while let Some(m) = svc.next().await {
            responder.publish(m.reply.unwrap(), m.payload).await.unwrap();
        }
    });
    peer.flush().await.unwrap();
    let requests = 2_000;
    let body = bytes::Bytes::from(vec![b'x'; SIZE]);
    let (p50, p99) = latency(requests, || async {
        peer.request("svc.native", body.clone()).await.unwrap();
    })
    .await;
    println!("| native -> native responder | {requests} | {p50:.0} | {p99:.0} |");
    let req = w.func("app", "request").unwrap();
    let args = [Val::String("svc.bridge".into()), Val::String("x".repeat(SIZE)), Val::U32(5000), Val::U32(1)];
    let (p50, p99) = latency(requests, || async {
        let r = req.call(&args).await.unwrap();
        assert!(matches!(r.as_slice(), [Val::Result(Ok(_))]), "{r:?}");
    })
    .await;
    println!("| component (fresh instance) -> bridge -> native responder | {requests} | {p50:.0} | {p99:.0} |");
    let (p50, p99) = latency(requests, || async {
        peer.request("echo.bench", body.clone()).await.unwrap();
    })
    .await;
    println!("| native -> bridge -> component handler (fresh instance) | {requests} | {p50:.0} | {p99:.0} |");

    let st = w.status();
    let bridge = st.services.iter().find(|s| s.name == "nats").unwrap();
    println!(
        "\nbridge service: {} incarnation(s), {} calls served, linear memory {} after the run",
        bridge.incarnations,
        bridge.calls,
        bytesize::ByteSize(bridge.memory)
    );
    w.shutdown().await;
}

fn main() {
    // Warnings (a bridge that could not send an accepted publish, a slow consumer)
    // show on stderr.
    tracing_subscriber::fmt().with_env_filter("warn,guest=info").with_writer(std::io::stderr).init();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("## outrigger messaging benchmark\n\nmachine: {} CPU(s); nats-server from tests/fixtures", cpus);
    let rt = if std::env::var("BENCH_RT").as_deref() == Ok("current") {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
    };
    rt.block_on(suite());
}
