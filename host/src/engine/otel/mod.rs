//! Telemetry for components: the standard `wasi:otel@0.2.0-rc.2` (tracing, logs,
//! metrics) and `wasi:logging@0.1.0-draft`, served by the host itself. The host
//! knows each invocation (it records a span for it and gives it to the guest as the
//! parent of its own spans), and it hands what guests emit to the workload's
//! telemetry sidecar (`services/otel-sidecar`, exporting `outrigger:otel/collector`)
//! in batches, never waiting: when the queue is full, telemetry is dropped and
//! counted. Without a sidecar, spans and metrics are dropped and `wasi:logging` goes
//! to the host's own log (a component that logs runs in any workload).
//!
//! - `host.rs`: the interfaces' host functions;
//! - `trace.rs`: span contexts, ids, W3C `traceparent`, the host's invocation spans;
//! - `telemetry.rs`: the queue to the sidecar and its pump;
//! - `host_metrics.rs`: the host's own metrics (invocations, latency, services).
mod host;
pub(crate) mod host_metrics;
pub(crate) mod telemetry;
pub(crate) mod trace;

use super::catalogue::{HostInterfaces, Serving};

/// What a telemetry sidecar exports.
pub const COLLECTOR: &str = "outrigger:otel/collector@0.1.0";
const TYPES: &str = "wasi:otel/types@0.2.0-rc.2";
const TRACING: &str = "wasi:otel/tracing@0.2.0-rc.2";
const LOGS: &str = "wasi:otel/logs@0.2.0-rc.2";
const METRICS: &str = "wasi:otel/metrics@0.2.0-rc.2";
const LOGGING: &str = "wasi:logging/logging@0.1.0-draft";

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/otel",
        world: "host",
        imports: { default: trappable },
    });
}

/// The catalogue families: `wasi:otel` (always the host's), and `wasi:logging` (the
/// host's unless a workload member exports it).
pub(crate) fn families() -> Vec<HostInterfaces> {
    let otel = HostInterfaces::new("wasi:otel", &[TYPES, TRACING, LOGS, METRICS], Serving::Always, host::add_otel)
        .calling(COLLECTOR, false, "");
    let logging = HostInterfaces::new("wasi:logging", &[LOGGING], Serving::UnlessExported, host::add_logging)
        .calling(COLLECTOR, false, "");
    vec![otel, logging]
}
