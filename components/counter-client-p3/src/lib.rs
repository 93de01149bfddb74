//! `counter-client-p3`: the same driver as `counter-client`, written the WASI 0.3 way.
//! Its exports are `async func` and it imports the service's async-typed view of
//! `outrigger:examples/counter`, so the host links it with concurrent host functions
//! (the caller's task waits, not its whole instance).
wit_bindgen::generate!({
    path: "../../wit/examples-async",
    world: "counter-client-p3",
});

use exports::outrigger::examples::driver;
use outrigger::examples::{counter, slow};

struct Client;

impl driver::Guest for Client {
    async fn bump(times: u32) -> u64 {
        let mut last = 0;
        for _ in 0..times {
            last = counter::incr(1).await;
        }
        last
    }
    async fn read() -> u64 {
        counter::get().await
    }
    async fn ticks() -> u64 {
        counter::ticks().await
    }
    async fn echo(times: u32, size: u32) -> u64 {
        let payload = vec![0x5au8; size as usize];
        let mut seen = 0u64;
        for _ in 0..times {
            let back = counter::echo(payload.clone()).await;
            assert!(back == payload, "echo returned different bytes");
            seen += back.len() as u64;
        }
        seen
    }
    async fn wait(ms: u64) -> u64 {
        slow::wait(ms).await
    }
    async fn boom() {
        slow::boom().await
    }
}

export!(Client);
