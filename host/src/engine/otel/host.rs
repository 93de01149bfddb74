//! The host functions of `wasi:otel` and `wasi:logging`. They never wait: telemetry
//! goes to the workload's queue (`telemetry.rs`) or, without a sidecar, is dropped
//! (spans, metrics) or written to the host's log (`wasi:logging`, and log records).
//! `outer-span-context` and its later name `current-span-context` both answer the
//! innermost open span of the guest, else the host's span for this invocation.
use super::bindings::wasi::logging::logging::{self, Level};
use super::bindings::wasi::otel::logs::{self, LogRecord};
use super::bindings::wasi::otel::metrics::{self, ResourceMetrics};
use super::bindings::wasi::otel::tracing::{self, SpanContext, SpanData};
use super::bindings::wasi::otel::types;
use super::telemetry::{Item, Telemetry, telemetry};
use super::trace::{attr, invalid, now};
use crate::engine::ctx::Ctx;
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker};

pub(super) fn add_otel(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    types::add_to_linker::<_, HasSelf<_>>(linker, |c| c)?;
    tracing::add_to_linker::<_, HasSelf<_>>(linker, |c| c)?;
    logs::add_to_linker::<_, HasSelf<_>>(linker, |c| c)?;
    metrics::add_to_linker::<_, HasSelf<_>>(linker, |c| c)?;
    // wasi-otel renamed `outer-span-context` to `current-span-context` without a new
    // version (upstream bb1810c): guests built with either name link.
    linker
        .instance(super::TRACING)?
        .func_wrap("current-span-context", |store: wasmtime::StoreContextMut<'_, Ctx>, (): ()| {
            Ok((current(store.data()),))
        })
}

pub(super) fn add_logging(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    logging::add_to_linker::<_, HasSelf<_>>(linker, |c| c)
}

fn current(ctx: &Ctx) -> SpanContext {
    ctx.trace.current().cloned().unwrap_or_else(invalid)
}

impl Ctx {
    /// The workload's telemetry queue, looked up once per store.
    pub(crate) fn telemetry(&mut self) -> Option<Arc<Telemetry>> {
        if self.telemetry.is_none() {
            self.telemetry = Some(telemetry(&self.wiring));
        }
        self.telemetry.clone().flatten()
    }

    fn emit(&mut self, item: Item) {
        if let Some(t) = self.telemetry() {
            t.push(&self.name, item);
        }
    }
}

impl types::Host for Ctx {}

impl tracing::Host for Ctx {
    fn on_start(&mut self, context: SpanContext) -> wasmtime::Result<()> {
        self.trace.open.push(context);
        Ok(())
    }

    fn on_end(&mut self, span: SpanData) -> wasmtime::Result<()> {
        let id = &span.span_context.span_id;
        if let Some(i) = self.trace.open.iter().rposition(|c| c.span_id == *id) {
            self.trace.open.remove(i);
        }
        self.emit(Item::Span(span));
        Ok(())
    }

    fn outer_span_context(&mut self) -> wasmtime::Result<SpanContext> {
        Ok(current(self))
    }
}

impl logs::Host for Ctx {
    fn on_emit(&mut self, data: LogRecord) -> wasmtime::Result<()> {
        if self.telemetry().is_some() {
            self.emit(Item::Log(data));
        } else {
            // The body is a JSON-encoded AnyValue; show a plain string as itself.
            let raw = data.body.as_deref().unwrap_or("");
            let body = serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_string());
            ::tracing::info!(target: "guest", guest = %self.name, severity = data.severity_text.as_deref().unwrap_or("-"), "{body}");
        }
        Ok(())
    }
}

impl metrics::Host for Ctx {
    fn export(&mut self, metrics: ResourceMetrics) -> wasmtime::Result<Result<(), String>> {
        self.emit(Item::Metrics(metrics));
        Ok(Ok(()))
    }
}

impl logging::Host for Ctx {
    fn log(&mut self, level: Level, context: String, message: String) -> wasmtime::Result<()> {
        if self.telemetry().is_some() {
            let (text, number) = severity(level);
            let trace = self.trace.current().cloned();
            let record = LogRecord {
                timestamp: Some(now()),
                observed_timestamp: Some(now()),
                severity_text: Some(text.into()),
                severity_number: Some(number),
                body: Some(serde_json::Value::String(message).to_string()),
                attributes: (!context.is_empty()).then(|| vec![attr("log.context", &context)]),
                event_name: None,
                resource: None,
                instrumentation_scope: None,
                trace_id: trace.as_ref().map(|t| t.trace_id.clone()),
                span_id: trace.as_ref().map(|t| t.span_id.clone()),
                trace_flags: trace.map(|t| t.trace_flags),
            };
            self.emit(Item::Log(record));
            return Ok(());
        }
        let (guest, ctx) = (&*self.name, context.as_str());
        match level {
            Level::Trace => ::tracing::trace!(target: "guest", guest, context = ctx, "{message}"),
            Level::Debug => ::tracing::debug!(target: "guest", guest, context = ctx, "{message}"),
            Level::Info => ::tracing::info!(target: "guest", guest, context = ctx, "{message}"),
            Level::Warn => ::tracing::warn!(target: "guest", guest, context = ctx, "{message}"),
            Level::Error | Level::Critical => ::tracing::error!(target: "guest", guest, context = ctx, "{message}"),
        }
        Ok(())
    }
}

/// OpenTelemetry severity text and number for a `wasi:logging` level.
fn severity(level: Level) -> (&'static str, u8) {
    match level {
        Level::Trace => ("TRACE", 1),
        Level::Debug => ("DEBUG", 5),
        Level::Info => ("INFO", 9),
        Level::Warn => ("WARN", 13),
        Level::Error => ("ERROR", 17),
        Level::Critical => ("FATAL", 21),
    }
}
