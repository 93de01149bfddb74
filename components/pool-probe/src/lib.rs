//! `pool-probe`: a reactive component whose answers show whether calls share an
//! instance (tests/e2e/pool.rs). Everything it counts lives in its linear memory,
//! so a fresh instance starts from zero and a warm one remembers.
wit_bindgen::generate!({
    path: "../../wit/pool-probe",
    world: "pool-probe",
});

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

static CALLS: AtomicU64 = AtomicU64::new(0);
static NAPPING: AtomicU32 = AtomicU32::new(0);
static HOLDING: AtomicU32 = AtomicU32::new(0);
static HOARD: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

struct Probe;

impl exports::outrigger::pool_probe::probe::Guest for Probe {
    fn count() -> u64 {
        CALLS.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn nap(ms: u64) -> u32 {
        let inside = NAPPING.fetch_add(1, Ordering::Relaxed) + 1;
        std::thread::sleep(std::time::Duration::from_millis(ms));
        NAPPING.fetch_sub(1, Ordering::Relaxed);
        inside
    }

    fn trap() {
        panic!("pool-probe: trapping on request");
    }

    fn spin() {
        let mut x: u64 = 0;
        loop {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }

    fn hoard(mib: u32) -> u64 {
        let mut held = HOARD.lock().unwrap();
        for _ in 0..mib {
            held.push(vec![1u8; 1 << 20]);
        }
        held.iter().map(|v| v.len() as u64).sum()
    }
}

impl exports::outrigger::pool_probe::overlap::Guest for Probe {
    async fn hold(ms: u64) -> u32 {
        let inside = HOLDING.fetch_add(1, Ordering::Relaxed) + 1;
        wasip3::clocks::monotonic_clock::wait_for(ms * 1_000_000).await;
        HOLDING.fetch_sub(1, Ordering::Relaxed);
        inside
    }
}

export!(Probe);
