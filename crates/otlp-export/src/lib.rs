//! An OTLP exporter for WASI 0.3 service components (nothing blocks, no threads,
//! no tokio) and native hosts alike.
//!
//! - [`Config::from_vars`] reads the OpenTelemetry SDK environment variables
//!   (`OTEL_EXPORTER_OTLP_*` general and per signal, `OTEL_RESOURCE_ATTRIBUTES`,
//!   `OTEL_SERVICE_NAME`, `OTEL_BSP_*`, `OTEL_BLRP_*`, `OTEL_METRIC_EXPORT_*`, ...)
//!   as the specification defines them, reporting every problem at once.
//! - [`Exporter`] sends the official `opentelemetry-proto` requests over OTLP/HTTP
//!   (protobuf, HTTP/1.1) or OTLP/gRPC (HTTP/2), both on hyper, optionally gzip'd
//!   and over TLS or mutual TLS; it keeps one connection per signal, retries
//!   transient failures with jittered exponential backoff or the server's
//!   `Retry-After` / `RetryInfo`, within the export timeout, and reports partial
//!   success. I/O is injected: a [`Connector`], a [`Timer`] and a [`Spawn`]
//!   (guest-net's in a component, see the `guest` feature; tokio's natively).
//! - [`BatchQueue`] buffers items for a batch processor: bounded, `push` never
//!   waits (drops and counts), batches by size or schedule delay, `drain_all`.
//!
//! ```ignore
//! let config = Config::from_vars(env_vars, |path| std::fs::read(path))?;
//! for w in &config.warnings { eprintln!("warning: {w}"); }
//! let exporter = otlp_export::guest::exporter(&config);   // feature `guest`
//! let spans: BatchQueue<Span> = BatchQueue::new(config.span_batch);
//! // producers: spans.push(span)  (false = dropped; spans.dropped() counts)
//! loop {
//!     let batch = spans.next_batch(&guest_net::sleep).await;
//!     if batch.is_empty() { continue; }
//!     match exporter.export_traces(to_request(&config, batch)).await {
//!         Ok(o) => if let Some(p) = o.partial_success { eprintln!("collector rejected {}: {}", p.rejected, p.message) },
//!         Err(e) => eprintln!("{e}"),   // what, where, why and how to fix
//!     }
//! }
//! ```
mod config;
mod error;
mod exporter;
#[cfg(feature = "guest")]
pub mod guest;
mod io;
mod queue;
mod retry;
mod transport;

pub use config::{
    BatchConfig, Compression, Config, ConfigError, ConfigWarning, Endpoint, MetricReaderConfig, Problem, Protocol,
    Signal, SignalConfig, TlsFiles,
};
pub use error::{ErrorKind, ExportError, ResponseStatus};
pub use exporter::{ExportOutcome, Exporter, PartialSuccess};
pub use io::{Connector, Spawn, Task, Timer, TlsSettings};
/// The request and response types (`opentelemetry-proto`, prost messages).
pub use opentelemetry_proto::tonic as proto;
pub use queue::BatchQueue;
pub use retry::RetryPolicy;
