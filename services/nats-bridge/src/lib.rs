//! `nats-bridge`: the workload's one NATS connection, as a long-running service
//! component. Its `run` connects (TLS, credentials, cluster URLs), subscribes for
//! every handler component of the workload (`outrigger:messaging/routes`), confirms
//! the subscriptions reached the server, tells the host it is ready, then keeps the
//! connection alive (keepalive, reconnects with resubscription) while it delivers
//! messages to fresh handler instances. When the workload stops, it drains
//! (`outrigger:service/shutdown`, see `stop.rs`). Meanwhile its exports serve publishes and
//! requests: `outrigger:messaging/bridge` (what the host's `wasi:messaging` calls)
//! and `wasmcloud:messaging/consumer` (what wasmCloud components call directly).
//!
//! Nothing here blocks: all I/O goes through WASI 0.3 streams (crates/guest-net) and
//! the runtime-agnostic NATS client (crates/nats-client).
mod config;
mod connection;
mod delivery;
mod serve;
mod stop;

wit_bindgen::generate!({
    path: "../../wit/messaging",
    world: "nats-bridge",
    generate_all,
});

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        let result = connection::run().await;
        if let Err(why) = &result {
            eprintln!("nats-bridge: {why}");
        }
        result.map_err(|_| ())
    }
}

wasip3::cli::command::export!(Run);
use serve::Bridge;
export!(Bridge);

impl exports::outrigger::service::shutdown::Guest for Bridge {
    async fn stop() {
        stop::stop().await
    }
}
