//! `counter-client`: a WASI 0.2-style reactive component (sync exports, sync imports).
//!
//! It imports `outrigger:examples/counter` and `slow` exactly as a standard, sync-typed
//! interface; the host forwards each call into the one running `counter` service
//! instance, whose exports are `async func`. Tests and benchmarks call its `driver`.
wit_bindgen::generate!({
    path: "../../wit/examples",
    world: "counter-client",
});

use exports::outrigger::examples::driver;
use outrigger::examples::{counter, slow};

struct Client;

impl driver::Guest for Client {
    fn bump(times: u32) -> u64 {
        let mut last = 0;
        for _ in 0..times {
            last = counter::incr(1);
        }
        last
    }
    fn read() -> u64 {
        counter::get()
    }
    fn ticks() -> u64 {
        counter::ticks()
    }
    fn echo(times: u32, size: u32) -> u64 {
        let payload = vec![0xa5u8; size as usize];
        let mut seen = 0u64;
        for _ in 0..times {
            let back = counter::echo(&payload);
            assert!(back == payload, "echo returned different bytes");
            seen += back.len() as u64;
        }
        seen
    }
    fn wait(ms: u64) -> u64 {
        slow::wait(ms)
    }
    fn boom() {
        slow::boom()
    }
}

export!(Client);
