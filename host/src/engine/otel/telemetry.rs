//! The host's queue of telemetry for the workload's sidecar. Guests' spans, log
//! records and metrics (and the host's own) are pushed without waiting: when the
//! queue is full the item is dropped and counted. A pump task groups what is queued
//! by source and hands it to the sidecar's `collector.collect` in batches, with
//! Rust-typed values (no per-value `Val` conversion). `flush` goes through the same
//! queue, so everything pushed before it reaches the sidecar, which then exports.
use super::COLLECTOR;
use super::bindings::exports::outrigger::otel::collector::Batch;
use super::bindings::wasi::otel::logs::LogRecord;
use super::bindings::wasi::otel::metrics::ResourceMetrics;
use super::bindings::wasi::otel::tracing::SpanData;
use super::trace::attr;
use crate::error::CallError;
use crate::link::to_service::{Caller, Finished, ServiceHandle, TypedCall};
use crate::link::wiring::Wiring;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Items queued before new ones are dropped.
const QUEUE: usize = 65536;
/// Items per `collect` call, at most.
const BATCH: usize = 4096;

/// One piece of telemetry.
pub(crate) enum Item {
    Span(SpanData),
    Log(LogRecord),
    Metrics(ResourceMetrics),
}

// Items are queued by value on the invocation path: boxing them would cost an
// allocation per span or log record; `Flush` is rare.
#[allow(clippy::large_enum_variant)]
enum Queued {
    Item(Arc<str>, Item),
    Flush(oneshot::Sender<Result<(), String>>),
}

/// The workload's telemetry queue.
pub(crate) struct Telemetry {
    tx: mpsc::Sender<Queued>,
    /// Items dropped because the host's queue was full.
    pub dropped: AtomicU64,
    /// Items the sidecar reported dropping (its own queue was full).
    pub dropped_by_sidecar: Arc<AtomicU64>,
}

/// The workload's queue, when it has a telemetry sidecar (started on first use).
pub(crate) fn telemetry(wiring: &Wiring) -> Option<Arc<Telemetry>> {
    wiring
        .state("otel.telemetry", || {
            let w = wiring.exporters(COLLECTOR).next()?;
            let service = w.service.clone()?;
            let (collect, flush) = (w.target("collect")?, w.target("flush")?);
            let (tx, rx) = mpsc::channel(QUEUE);
            let dropped_by_sidecar = Arc::new(AtomicU64::new(0));
            let sidecar = Sidecar {
                service,
                collect,
                flush,
                workload: wiring.workload.clone(),
                dropped: dropped_by_sidecar.clone(),
            };
            tokio::spawn(pump(rx, sidecar));
            Some(Arc::new(Telemetry { tx, dropped: AtomicU64::new(0), dropped_by_sidecar }))
        })
        .as_ref()
        .clone()
}

impl Telemetry {
    /// Queues `item` from `source` (a member's name); drops it when the queue is full.
    pub fn push(&self, source: &Arc<str>, item: Item) {
        if self.tx.try_send(Queued::Item(source.clone(), item)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Hands everything queued to the sidecar and has it export now.
    pub async fn flush(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Queued::Flush(tx)).await.map_err(|_| "the telemetry pump stopped".to_string())?;
        rx.await.map_err(|_| "the telemetry pump stopped".to_string())?
    }
}

struct Sidecar {
    service: ServiceHandle,
    collect: usize,
    flush: usize,
    workload: String,
    dropped: Arc<AtomicU64>,
}

async fn pump(mut rx: mpsc::Receiver<Queued>, sidecar: Sidecar) {
    let mut queued = Vec::with_capacity(BATCH);
    let host = hostname();
    while rx.recv_many(&mut queued, BATCH).await > 0 {
        let mut batches: Vec<(Arc<str>, Batch)> = Vec::new();
        let mut flushes = Vec::new();
        for q in queued.drain(..) {
            match q {
                Queued::Flush(tx) => flushes.push(tx),
                Queued::Item(source, item) => {
                    let i = match batches.iter().position(|(s, _)| *s == source) {
                        Some(i) => i,
                        None => {
                            let attrs = vec![
                                attr("outrigger.workload", &sidecar.workload),
                                attr("outrigger.component", &source),
                                attr("host.name", &host),
                            ];
                            let empty =
                                Batch { source: attrs, spans: Vec::new(), logs: Vec::new(), metrics: Vec::new() };
                            batches.push((source, empty));
                            batches.len() - 1
                        }
                    };
                    let b = &mut batches[i].1;
                    match item {
                        Item::Span(s) => b.spans.push(s),
                        Item::Log(l) => b.logs.push(l),
                        Item::Metrics(m) => b.metrics.push(m),
                    }
                }
            }
        }
        if !batches.is_empty() {
            let batches = batches.into_iter().map(|(_, b)| b).collect();
            match collect(&sidecar.service, sidecar.collect, batches).await {
                Ok(dropped) => {
                    sidecar.dropped.fetch_add(dropped, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!("telemetry could not reach the sidecar `{}`: {e}", sidecar.service.name()),
            }
        }
        for tx in flushes {
            let _ = tx.send(flush(&sidecar.service, sidecar.flush).await);
        }
    }
}

/// One typed `collector.collect` call: how many items the sidecar dropped.
async fn collect(service: &ServiceHandle, target: usize, batches: Vec<Batch>) -> Result<u64, CallError> {
    let (tx, rx) = oneshot::channel();
    let job: TypedCall = Box::new(move |acc, func| {
        Box::pin(async move {
            let typed = match acc.with(|a| func.typed::<(Vec<Batch>,), (u64,)>(&a)) {
                Ok(t) => t,
                Err(e) => {
                    return Finished::Refused(CallError::Handle {
                        message: format!("the sidecar's `collect` does not fit: {e}"),
                    });
                }
            };
            match typed.call_concurrent(acc, (batches,)).await {
                Ok((dropped,)) => {
                    let _ = tx.send(dropped);
                    Finished::Ok
                }
                Err(e) => Finished::Trapped(e),
            }
        })
    });
    service.call_typed(target, job, Caller::Outside).await?; // from the pump
    rx.await.map_err(|_| CallError::ShuttingDown)
}

async fn flush(service: &ServiceHandle, target: usize) -> Result<(), String> {
    use wasmtime::component::Val;
    match service.call(target, Vec::new()).await {
        Ok(v) => match v.as_slice() {
            [Val::Result(Ok(_))] => Ok(()),
            [Val::Result(Err(Some(e)))] => match &**e {
                Val::String(s) => Err(s.clone()),
                other => Err(format!("{other:?}")),
            },
            other => Err(format!("unexpected answer {other:?}")),
        },
        Err(e) => Err(e.to_string()),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}
