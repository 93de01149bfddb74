//! The sidecar's queues and export loop. `collect` (an export call) converts and
//! queues; `run` (the service's own long-lived task: the exporter's connection
//! tasks must live there) exports spans and logs when a batch is full or the
//! schedule delay passed, metrics every export interval, and serves flush requests.
use crate::exports::outrigger::otel::collector::Batch;
use crate::outrigger::service::lifecycle;
use crate::{conv, metrics};
use futures::StreamExt;
use futures::channel::{mpsc, oneshot};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1 as common;
use opentelemetry_proto::tonic::logs::v1 as logs;
use opentelemetry_proto::tonic::metrics::v1 as m;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1 as trace;
use otlp_export::{BatchQueue, Config, Exporter};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// An item of a source, with what it is grouped by when exported.
struct Keyed<T> {
    resource: Arc<Resource>,
    scope: common::InstrumentationScope,
    item: T,
}

struct Pipeline {
    disabled: bool,
    base: Vec<common::KeyValue>,
    spans: BatchQueue<Keyed<trace::Span>>,
    logs: BatchQueue<Keyed<logs::LogRecord>>,
    metrics: RefCell<Vec<m::ResourceMetrics>>,
    flushes: mpsc::UnboundedSender<oneshot::Sender<Result<(), String>>>,
}

thread_local! {
    static PIPELINE: RefCell<Option<Rc<Pipeline>>> = const { RefCell::new(None) };
}

fn pipeline() -> Option<Rc<Pipeline>> {
    PIPELINE.with_borrow(|p| p.clone())
}

/// Converts and queues; returns how many items were dropped (full queues, or
/// before the sidecar is configured).
pub fn collect(batches: Vec<Batch>) -> u64 {
    let Some(p) = pipeline() else {
        return batches.iter().map(|b| (b.spans.len() + b.logs.len() + b.metrics.len()) as u64).sum();
    };
    if p.disabled {
        return 0;
    }
    let mut dropped = 0u64;
    for b in batches {
        let resource = Arc::new(conv::resource(&p.base, &b.source));
        for s in b.spans {
            let scope = conv::scope(&s.instrumentation_scope);
            let kept = p.spans.push(Keyed { resource: resource.clone(), scope, item: conv::span(s) });
            dropped += u64::from(!kept);
        }
        for l in b.logs {
            let scope = l.instrumentation_scope.as_ref().map(conv::scope).unwrap_or_default();
            let kept = p.logs.push(Keyed { resource: resource.clone(), scope, item: conv::log(l) });
            dropped += u64::from(!kept);
        }
        let mut queued = p.metrics.borrow_mut();
        for rm in b.metrics {
            queued.push(metrics::resource_metrics((*resource).clone(), rm));
        }
    }
    dropped
}

/// Exports everything queued now, from `run`'s task.
pub async fn flush() -> Result<(), String> {
    let p = pipeline().ok_or("the sidecar is not configured")?;
    let (tx, rx) = oneshot::channel();
    p.flushes.unbounded_send(tx).map_err(|_| "the sidecar is not running".to_string())?;
    rx.await.map_err(|_| "the sidecar stopped".to_string())?
}

pub async fn run() -> Result<(), String> {
    let config = Config::from_vars(std::env::vars(), |path| std::fs::read(path)).map_err(|e| e.to_string())?;
    for w in &config.warnings {
        eprintln!("otel-sidecar: warning: {w}");
    }
    let mut base: Vec<common::KeyValue> = config
        .resource_attributes
        .iter()
        .map(|(k, v)| common::KeyValue {
            key: k.clone(),
            value: Some(common::AnyValue { value: Some(common::any_value::Value::StringValue(v.clone())) }),
            ..Default::default()
        })
        .collect();
    base.sort_by(|a, b| a.key.cmp(&b.key));
    let (tx, mut flushes) = mpsc::unbounded();
    let p = Rc::new(Pipeline {
        disabled: config.disabled,
        base,
        spans: BatchQueue::new(config.span_batch),
        logs: BatchQueue::new(config.log_batch),
        metrics: RefCell::new(Vec::new()),
        flushes: tx,
    });
    PIPELINE.with_borrow_mut(|slot| *slot = Some(p.clone()));
    let exporter = otlp_export::guest::exporter(&config);
    lifecycle::ready();
    if config.disabled {
        eprintln!("otel-sidecar: OTEL_SDK_DISABLED=true: telemetry is accepted and discarded");
        std::future::pending::<()>().await;
    }
    eprintln!(
        "otel-sidecar: exporting traces to {}, logs to {}, metrics to {}",
        config.traces.endpoint, config.logs.endpoint, config.metrics.endpoint
    );
    // One loop per signal, each with its own timer (a shared `select!` would restart
    // the other signals' schedule delays every time one of them fires).
    let interval = config.metric_reader.interval;
    let sleep = guest_net::sleep;
    let spans = async {
        loop {
            let batch = p.spans.next_batch(&sleep).await;
            export_spans(&exporter, batch).await;
        }
    };
    let logs = async {
        loop {
            let batch = p.logs.next_batch(&sleep).await;
            export_logs(&exporter, batch).await;
        }
    };
    let metrics = async {
        loop {
            guest_net::sleep(interval).await;
            export_metrics(&exporter, &p).await;
        }
    };
    let flushing = async {
        while let Some(reply) = flushes.next().await {
            let mut failed = Vec::new();
            for batch in p.spans.drain_all() {
                failed.extend(export_spans(&exporter, batch).await);
            }
            for batch in p.logs.drain_all() {
                failed.extend(export_logs(&exporter, batch).await);
            }
            failed.extend(export_metrics(&exporter, &p).await);
            let _ = reply.send(if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) });
        }
    };
    futures::join!(spans, logs, metrics, flushing);
    Ok(())
}

/// Groups keyed items by resource and scope.
fn group<T>(batch: Vec<Keyed<T>>) -> Vec<(Arc<Resource>, Vec<(common::InstrumentationScope, Vec<T>)>)> {
    let mut out: Vec<(Arc<Resource>, Vec<(common::InstrumentationScope, Vec<T>)>)> = Vec::new();
    for k in batch {
        let i = match out.iter().position(|(r, _)| Arc::ptr_eq(r, &k.resource) || **r == *k.resource) {
            Some(i) => i,
            None => {
                out.push((k.resource.clone(), Vec::new()));
                out.len() - 1
            }
        };
        let scopes = &mut out[i].1;
        match scopes.iter_mut().find(|(s, _)| *s == k.scope) {
            Some((_, items)) => items.push(k.item),
            None => scopes.push((k.scope, vec![k.item])),
        }
    }
    out
}

async fn export_spans<C, T, S>(exporter: &Exporter<C, T, S>, batch: Vec<Keyed<trace::Span>>) -> Option<String>
where
    C: otlp_export::Connector,
    T: otlp_export::Timer,
    S: otlp_export::Spawn,
{
    if batch.is_empty() {
        return None;
    }
    let resource_spans = group(batch)
        .into_iter()
        .map(|(r, scopes)| trace::ResourceSpans {
            resource: Some((*r).clone()),
            scope_spans: scopes
                .into_iter()
                .map(|(scope, spans)| trace::ScopeSpans { scope: Some(scope), spans, schema_url: String::new() })
                .collect(),
            schema_url: String::new(),
        })
        .collect();
    report(exporter.export_traces(ExportTraceServiceRequest { resource_spans }).await)
}

async fn export_logs<C, T, S>(exporter: &Exporter<C, T, S>, batch: Vec<Keyed<logs::LogRecord>>) -> Option<String>
where
    C: otlp_export::Connector,
    T: otlp_export::Timer,
    S: otlp_export::Spawn,
{
    if batch.is_empty() {
        return None;
    }
    let resource_logs = group(batch)
        .into_iter()
        .map(|(r, scopes)| logs::ResourceLogs {
            resource: Some((*r).clone()),
            scope_logs: scopes
                .into_iter()
                .map(|(scope, log_records)| logs::ScopeLogs {
                    scope: Some(scope),
                    log_records,
                    schema_url: String::new(),
                })
                .collect(),
            schema_url: String::new(),
        })
        .collect();
    report(exporter.export_logs(ExportLogsServiceRequest { resource_logs }).await)
}

async fn export_metrics<C, T, S>(exporter: &Exporter<C, T, S>, p: &Pipeline) -> Option<String>
where
    C: otlp_export::Connector,
    T: otlp_export::Timer,
    S: otlp_export::Spawn,
{
    let resource_metrics = std::mem::take(&mut *p.metrics.borrow_mut());
    if resource_metrics.is_empty() {
        return None;
    }
    report(exporter.export_metrics(ExportMetricsServiceRequest { resource_metrics }).await)
}

/// Logs a failed export (what, where, why) and returns its text.
fn report(r: Result<otlp_export::ExportOutcome, otlp_export::ExportError>) -> Option<String> {
    match r {
        Ok(outcome) => {
            if let Some(p) = outcome.partial_success {
                eprintln!("otel-sidecar: the collector rejected {} item(s): {}", p.rejected, p.message);
            }
            None
        }
        Err(e) => {
            eprintln!("otel-sidecar: {e}");
            Some(e.to_string())
        }
    }
}
