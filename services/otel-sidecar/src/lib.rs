//! `otel-sidecar`: the workload's telemetry exporter, as a long-running service
//! component. Components emit through the standard `wasi:otel` / `wasi:logging`,
//! which the host serves and hands here in batches (`outrigger:otel/collector`).
//! This service queues spans, log records and metrics (bounded: when a queue is full
//! new items are dropped and counted, the caller never waits), and its `run` exports
//! them as OTLP, http/protobuf or gRPC, configured the way every OpenTelemetry SDK is
//! (`OTEL_EXPORTER_OTLP_*`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_BSP_*`, ...; crates/otlp-export). `collector.flush` and the host's
//! `shutdown.stop` export everything queued.
mod conv;
mod metrics;
mod pipeline;

wit_bindgen::generate!({
    path: "../../wit/otel",
    world: "otel-sidecar",
    generate_all,
});

use exports::outrigger::otel::collector::{Batch, Guest as Collector};
use exports::outrigger::service::shutdown::Guest as Shutdown;

struct Sidecar;

impl Collector for Sidecar {
    async fn collect(batches: Vec<Batch>) -> u64 {
        pipeline::collect(batches)
    }

    async fn flush() -> Result<(), String> {
        pipeline::flush().await
    }
}

impl Shutdown for Sidecar {
    async fn stop() {
        if let Err(e) = pipeline::flush().await {
            eprintln!("otel-sidecar: final flush failed: {e}");
        }
    }
}

export!(Sidecar);

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        pipeline::run().await.map_err(|why| eprintln!("otel-sidecar: {why}"))
    }
}

wasip3::cli::command::export!(Run);
