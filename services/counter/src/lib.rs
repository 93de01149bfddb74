//! `counter` example service.
//!
//! Its `wasi:cli/run` loop ticks every `TICK_MS` milliseconds (default 10) for the
//! instance's whole life, while reactive components call its exported
//! `outrigger:examples/counter` and `slow` interfaces. Every such call is a separate
//! Component Model task of this same instance, so the state below is shared by `run`
//! and all callers. Set `EXIT_AFTER_TICKS` to make `run` return `Ok` after that many
//! ticks (the service is then COMPLETED).
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

wit_bindgen::generate!({
    path: "../../wit/examples-async",
    world: "counter-service",
});

use exports::outrigger::examples::{counter, slow};

static COUNTER: AtomicU64 = AtomicU64::new(0);
static TICKS: AtomicU64 = AtomicU64::new(0);

struct Counter;

impl counter::Guest for Counter {
    async fn incr(n: u64) -> u64 {
        COUNTER.fetch_add(n, Relaxed) + n
    }
    async fn get() -> u64 {
        COUNTER.load(Relaxed)
    }
    async fn echo(payload: Vec<u8>) -> Vec<u8> {
        payload
    }
    async fn ticks() -> u64 {
        TICKS.load(Relaxed)
    }
}

impl slow::Guest for Counter {
    async fn wait(ms: u64) -> u64 {
        wasip3::clocks::monotonic_clock::wait_for(ms * 1_000_000).await;
        ms
    }
    async fn boom() {
        panic!("boom: asked to trap by a caller");
    }
}

export!(Counter);

struct Run;

fn env_u64(key: &str) -> Option<u64> {
    std::env::var(key).ok().and_then(|v| v.parse().ok())
}

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        let tick_ms = env_u64("TICK_MS").unwrap_or(10);
        let exit_after = env_u64("EXIT_AFTER_TICKS");
        eprintln!("counter service: run started (tick every {tick_ms} ms)");
        loop {
            wasip3::clocks::monotonic_clock::wait_for(tick_ms * 1_000_000).await;
            let t = TICKS.fetch_add(1, Relaxed) + 1;
            if exit_after == Some(t) {
                eprintln!("counter service: {t} ticks done, counter={}; exiting", COUNTER.load(Relaxed));
                return Ok(());
            }
        }
    }
}

wasip3::cli::command::export!(Run);
