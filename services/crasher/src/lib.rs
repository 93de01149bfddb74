//! `crasher` example service: fails on purpose so the supervisor has work to do.
//!
//! `run` waits `AFTER_MS` milliseconds (default 200), then, by `MODE`:
//! `trap` (default) panics, which is a wasm trap; `error` returns `Err`;
//! `exit` returns `Ok` (the service is COMPLETED, not restarted); `spin` computes
//! forever without awaiting (the host must stay responsive and able to stop it).
struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        let after: u64 = std::env::var("AFTER_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
        let mode = std::env::var("MODE").unwrap_or_else(|_| "trap".into());
        eprintln!("crasher: started, will {mode} in {after} ms");
        wasip3::clocks::monotonic_clock::wait_for(after * 1_000_000).await;
        match mode.as_str() {
            "error" => Err(()),
            "exit" => Ok(()),
            "spin" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            }
            _ => panic!("crasher: crashing on purpose"),
        }
    }
}

wasip3::cli::command::export!(Run);
