//! `ticker` example service: the cron pattern.
//!
//! Its `run` calls `outrigger:examples/tick-handler.on-tick(seq)` every `TICK_MS`
//! milliseconds (default 100). The host links that import to a reactive component
//! that exports `tick-handler`; every call gets a fresh instance of it. With
//! `MAX_TICKS` set, `run` returns `Ok` after that many ticks (COMPLETED).
wit_bindgen::generate!({
    path: "../../wit/examples-async",
    world: "ticker-service",
});

use outrigger::examples::tick_handler;

fn env_u64(key: &str) -> Option<u64> {
    std::env::var(key).ok().and_then(|v| v.parse().ok())
}

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        let tick_ms = env_u64("TICK_MS").unwrap_or(100);
        let max_ticks = env_u64("MAX_TICKS");
        let (mut ok, mut failed) = (0u64, 0u64);
        eprintln!("ticker: calling on-tick every {tick_ms} ms");
        for seq in 1.. {
            wasip3::clocks::monotonic_clock::wait_for(tick_ms * 1_000_000).await;
            match tick_handler::on_tick(seq).await {
                Ok(()) => ok += 1,
                Err(e) => {
                    failed += 1;
                    eprintln!("ticker: tick {seq} failed: {e}");
                }
            }
            if seq % 50 == 0 {
                eprintln!("ticker: {seq} ticks ({ok} ok, {failed} failed)");
            }
            if max_ticks == Some(seq) {
                eprintln!("ticker: done after {seq} ticks ({ok} ok, {failed} failed)");
                break;
            }
        }
        Ok(())
    }
}

wasip3::cli::command::export!(Run);
