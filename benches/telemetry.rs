//! Benchmark: telemetry through the otel-sidecar against the official
//! `opentelemetry-sdk` batch exporter, in one run, to the same local OTLP receiver
//! (tests/fixtures, which decodes every request with the official protobufs).
//!
//! Run with `cargo bench -p outrigger --bench telemetry` (after scripts/build-guests.sh).
//! It reports:
//! * spans/s: 50,000 spans made as fast as possible, until the receiver has them
//!   (native: one thread, `tracer.start(..)` + end, SDK batch span processor, OTLP
//!   http/protobuf; sidecar: one reactive invocation emitting them through
//!   `wasi:otel`, the host's queue, the sidecar's batches, OTLP http/protobuf);
//! * the time a reactive invocation takes with telemetry on (a host span per
//!   invocation, sent to the sidecar) and off (no sidecar in the workload).
#[path = "stats.rs"]
mod stats;

use opentelemetry::trace::{Tracer, TracerProvider};
use opentelemetry_otlp::WithExportConfig;
use outrigger::{EngineOptions, HostOptions, Manifest, Val, Workload};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use test_fixtures::OtlpReceiver;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SPANS: usize = 50_000;

fn wasm_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm");
    assert!(d.join("otel_sidecar_service.wasm").exists(), "run scripts/build-guests.sh first");
    d.canonicalize().unwrap()
}

fn manifest(receiver: Option<&OtlpReceiver>) -> String {
    let sidecar = receiver
        .map(|r| {
            format!(
                r#"  services:
    - name: otel
      component: otel_sidecar_service.wasm
      env:
        OTEL_EXPORTER_OTLP_ENDPOINT: "{}"
        OTEL_BSP_SCHEDULE_DELAY: "100"
        OTEL_BSP_MAX_QUEUE_SIZE: "100000"
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "512"
      allowedHosts: ["127.0.0.1:{}"]
"#,
                r.endpoint(),
                r.port()
            )
        })
        .unwrap_or_default();
    format!(
        "metadata: {{ name: bench }}\nspec:\n{sidecar}  components:\n    - name: demo\n      component: otel_demo.wasm\n      limits: {{ timeout: 120s }}\n    - name: upper\n      component: upper.wasm\n"
    )
}

async fn wait_for(receiver: &OtlpReceiver, n: usize) -> usize {
    for _ in 0..600 {
        let got: usize = receiver
            .traces()
            .iter()
            .flat_map(|t| &t.resource_spans)
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        if got >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    0
}

fn native(receiver: &OtlpReceiver) -> (f64, usize) {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", receiver.endpoint()))
        .build()
        .unwrap();
    let processor = opentelemetry_sdk::trace::BatchSpanProcessor::builder(exporter)
        .with_batch_config(
            opentelemetry_sdk::trace::BatchConfigBuilder::default()
                .with_max_queue_size(100_000)
                .with_max_export_batch_size(512)
                .with_scheduled_delay(Duration::from_millis(100))
                .build(),
        )
        .build();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().with_span_processor(processor).build();
    let tracer = provider.tracer("bench");
    let t0 = Instant::now();
    for _ in 0..SPANS {
        tracer.start("burst");
    }
    provider.force_flush().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let got = rt.block_on(wait_for(receiver, SPANS));
    let rate = got as f64 / t0.elapsed().as_secs_f64();
    let _ = provider.shutdown();
    (rate, got)
}

async fn invocation_latency(w: &Workload) -> f64 {
    let upper = w.func("upper", "apply").unwrap();
    let arg = [Val::String("hi".into())];
    let mut samples = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let t = Instant::now();
        upper.call(&arg).await.unwrap();
        samples.push(t.elapsed().as_nanos() as u64);
    }
    stats::pct(&mut samples, 0.5)
}

async fn sidecar(receiver: &OtlpReceiver) -> (f64, usize, f64) {
    let dir = wasm_dir();
    let m = Manifest::parse(&manifest(Some(receiver)), &dir.join("bench.yaml")).unwrap();
    let opts = HostOptions { engine: EngineOptions { max_instances: 256, ..Default::default() }, ..Default::default() };
    let w = Workload::start(&m, opts).await.unwrap();
    w.wait_running(Duration::from_secs(20)).await.unwrap();
    let t0 = Instant::now();
    w.invoke("demo", "burst", &[Val::U32(SPANS as u32)]).await.unwrap();
    let got = wait_for(receiver, SPANS + 1).await;
    let rate = got as f64 / t0.elapsed().as_secs_f64();
    let latency = invocation_latency(&w).await;
    let st = w.shutdown().await;
    if st.telemetry_dropped > 0 {
        println!("(sidecar: {} telemetry items dropped)", st.telemetry_dropped);
    }
    (rate, got, latency)
}

async fn without_sidecar() -> f64 {
    let dir = wasm_dir();
    let m = Manifest::parse(&manifest(None), &dir.join("bench.yaml")).unwrap();
    let w = Workload::start(&m, HostOptions::default()).await.unwrap();
    let latency = invocation_latency(&w).await;
    w.shutdown().await;
    latency
}

fn main() {
    println!("## outrigger telemetry benchmark\n");
    let receiver = OtlpReceiver::start();
    let (native_rate, native_got) = native(&receiver);
    receiver.clear();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (side_rate, side_got, on) = rt.block_on(sidecar(&receiver));
    let off = rt.block_on(without_sidecar());
    println!("| exporter, {SPANS} spans | spans received | spans/s | of native |");
    println!("|---|---:|---:|---:|");
    println!("| native opentelemetry-sdk batch exporter (http/protobuf) | {native_got} | {native_rate:.0} | 100 % |");
    println!(
        "| component -> host -> otel-sidecar (http/protobuf) | {side_got} | {side_rate:.0} | {:.0} % |",
        100.0 * side_rate / native_rate
    );
    println!("\n| reactive invocation (`upper.apply`, 20,000 calls) | p50 µs |");
    println!("|---|---:|");
    println!("| telemetry off (no sidecar) | {off:.2} |");
    println!("| telemetry on (host span per invocation -> sidecar) | {on:.2} |");
    println!("| added per invocation | {:.2} |", on - off);
}
