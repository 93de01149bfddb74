//! Benchmark: component -> service forwarding and reactive instantiation.
//!
//! Run with `cargo bench -p outrigger --bench forwarding` (after scripts/build-guests.sh).
//! It reports, in one run and for both tokio runtimes:
//! * forwarded calls (`counter.incr`) through a service's call queue from 1, 8 and 32
//!   concurrent callers: calls/s, p50, p99;
//! * the same calls made from inside the service's own store (`call_concurrent` on the
//!   instance, no queue, no other store): the ceiling forwarding is measured against;
//! * the whole path from real reactive guests (`client.bump(n)`: guest loop ->
//!   sync import -> host -> service queue -> async export);
//! * a reactive invocation: instantiate from the pooling allocator + call + drop.
//!
//! Every scenario runs five times and the median run is reported. Numbers go to
//! stdout as Markdown; benches/README.md holds a recorded run.
#[path = "stats.rs"]
mod stats;

use outrigger::bench_support::{GuestEnv, export_index, yield_periodically};
use outrigger::{EngineOptions, HostEngine, HostOptions, Manifest, Val, Workload};
use stats::{Run, drive};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wasmtime::Store;

const MANIFEST: &str = r#"
metadata: { name: bench }
spec:
  services:
    - name: counter
      component: counter_service.wasm
      env: { TICK_MS: 10 }
      calls: { maxInFlight: 4096, queue: 4096 }
  components:
    - name: client
      component: counter_client.wasm
      limits: { timeout: 60s }
    - name: upper
      component: upper.wasm
"#;

fn wasm_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm");
    assert!(d.join("counter_service.wasm").exists(), "run scripts/build-guests.sh first");
    d.canonicalize().unwrap()
}

/// Prints one table row; `share` is the forwarded / in-store throughput ratio.
fn row(mut r: Run, label: &str, share: Option<f64>) {
    let share = share.map(|s| format!("{:.0} %", 100.0 * s)).unwrap_or_else(|| "-".into());
    println!("| {label} | {:.0} | {:.2} | {:.2} | {share} |", r.rate(), r.pct(0.5), r.pct(0.99));
}

/// Each scenario runs this many times; the run with the median throughput is reported
/// (this machine kind has noisy neighbours: single runs vary by up to 30 %).
const ROUNDS: usize = 5;

/// The ceiling: `incr` called with `call_concurrent` from inside the service's own
/// store while its `run` is running, `callers` calls in flight at a time.
async fn in_store(engine: &HostEngine, component: &wasmtime::component::Component, callers: usize, per: usize) -> Run {
    let linker = engine.base_linker().unwrap();
    let env = GuestEnv::new("ceiling", vec![("TICK_MS".into(), "10".into())], vec![], Default::default());
    let mut store = Store::new(&engine.engine, env.ctx(1 << 30));
    yield_periodically(&mut store, engine.ticks(Duration::from_millis(10)));
    let instance = linker.instantiate_async(&mut store, component).await.unwrap();
    let run =
        instance.get_func(&mut store, export_index(component, Some("wasi:cli/run@0.3.2"), "run").unwrap()).unwrap();
    let incr = instance
        .get_func(&mut store, export_index(component, Some("outrigger:examples/counter@0.1.0"), "incr").unwrap())
        .unwrap();
    store
        .run_concurrent(async |acc| {
            let run_task = async {
                let mut out = vec![Val::Bool(false)];
                let _ = run.call_concurrent(acc, &[], &mut out).await;
            };
            let bench = async {
                let t0 = Instant::now();
                let lanes = (0..callers).map(|_| async {
                    let mut s = Vec::with_capacity(per);
                    let mut out = vec![Val::U64(0)];
                    for _ in 0..per {
                        let t = Instant::now();
                        incr.call_concurrent(acc, &[Val::U64(1)], &mut out).await.unwrap();
                        s.push(t.elapsed().as_nanos() as u64);
                    }
                    s
                });
                let samples = futures::future::join_all(lanes).await.concat();
                Run { samples, wall: t0.elapsed() }
            };
            futures::pin_mut!(run_task, bench);
            match futures::future::select(run_task, bench).await {
                futures::future::Either::Right((r, _)) => r,
                futures::future::Either::Left(_) => panic!("run ended"),
            }
        })
        .await
        .unwrap()
}

/// Forwarded `incr` from 1, 8 and 32 callers, each round paired with an in-store run:
/// prints the forwarded rows with their share of in-store (and the in-store rows
/// themselves when `ceilings`). In-store and forwarded runs alternate, and the share is
/// taken per pair, so a noisy moment on the machine hits both sides of a ratio alike.
async fn forwarded_rows(
    engine: &HostEngine,
    component: &wasmtime::component::Component,
    svc: &outrigger::ServiceHandle,
    incr: usize,
    ceilings: bool,
) {
    for (callers, per) in [(1usize, 100_000usize), (8, 12_500), (32, 3_200)] {
        let (mut inside, mut forwarded, mut shares) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let c = in_store(engine, component, callers, per).await;
            let s = svc.clone();
            let f = drive(callers, per, move || {
                let s = s.clone();
                async move {
                    s.call(incr, vec![Val::U64(1)]).await.unwrap();
                }
            })
            .await;
            shares.push(f.rate() / c.rate());
            inside.push(c);
            forwarded.push(f);
        }
        shares.sort_by(f64::total_cmp);
        if ceilings {
            row(Run::median(inside), &format!("in-store `incr`, {callers} in flight (ceiling)"), None);
        }
        row(Run::median(forwarded), &format!("forwarded `incr`, {callers} caller(s)"), Some(shares[shares.len() / 2]));
    }
}

async fn suite(runtime: &str) {
    let dir = wasm_dir();
    let manifest = Manifest::parse(MANIFEST, &dir.join("bench.yaml")).unwrap();
    // Measures the experimental caller-driven path (`callers_drive_services`, off
    // by default: docs/NOTES.md "Forwarding cost"); with it off the forwarded rows are
    // the queue-and-switch figures recorded before it (benches/README.md).
    let opts = HostOptions {
        engine: EngineOptions { max_instances: 256, ..EngineOptions::default() },
        callers_drive_services: true,
        ..HostOptions::default()
    };
    let w = Workload::start(&manifest, opts.clone()).await.unwrap();
    w.wait_running(Duration::from_secs(10)).await.unwrap();
    let svc = w.service("counter").unwrap().clone();
    let incr = w.service_target("counter", "outrigger:examples/counter@0.1.0", "incr").unwrap();
    let engine = HostEngine::new(opts.engine.clone(), opts.catalogue.clone()).unwrap();

    println!("\n### tokio {runtime}\n");
    println!("| scenario | calls/s | p50 µs | p99 µs | of in-store |");
    println!("|---|---:|---:|---:|---:|");
    let component = engine.load_component(&wasm_dir().join("counter_service.wasm")).unwrap();
    forwarded_rows(&engine, &component, &svc, incr, true).await;
    // The whole path from real guests: each caller is one reactive instance looping
    // over its sync `counter.incr` import. One sample per guest call of bump(n); the
    // table shows calls/s and the mean time per forwarded call.
    for (callers, n) in [(1usize, 200_000u32), (8, 25_000)] {
        let bump = w.func("client", "bump").unwrap();
        let mut walls = Vec::new();
        for _ in 0..ROUNDS {
            let t0 = Instant::now();
            let tasks: Vec<_> = (0..callers)
                .map(|_| {
                    let bump = bump.clone();
                    tokio::spawn(async move { bump.call(&[Val::U32(n)]).await.unwrap() })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            walls.push(t0.elapsed());
        }
        walls.sort();
        let wall = walls[walls.len() / 2];
        let total = callers as f64 * n as f64;
        println!(
            "| guest -> service `bump({n})`, {callers} reactive caller(s) | {:.0} | {:.2} (mean) | - | - |",
            total / wall.as_secs_f64(),
            wall.as_secs_f64() * 1e6 * callers as f64 / total
        );
    }
    let upper = w.func("upper", "apply").unwrap();
    let arg = [Val::String("hi".into())];
    for callers in [1usize, 2] {
        let mut runs = Vec::new();
        for _ in 0..ROUNDS {
            let (u, a) = (upper.clone(), arg.clone());
            runs.push(
                drive(callers, 20_000, move || {
                    let (u, a) = (u.clone(), a.clone());
                    async move {
                        u.call(&a).await.unwrap();
                    }
                })
                .await,
            );
        }
        row(
            Run::median(runs),
            &format!("reactive instantiate + call + drop (`upper.apply`), {callers} caller(s)"),
            None,
        );
    }
    w.shutdown().await;
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("## outrigger forwarding benchmark\n\nmachine: {} CPU(s), {}", cpus, std::env::consts::ARCH);
    let current = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    current.block_on(suite("current_thread"));
    drop(current);
    let multi = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    multi.block_on(suite("multi_thread (2 workers)"));
}
