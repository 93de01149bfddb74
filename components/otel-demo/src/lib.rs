//! `otel-demo`: a reactive component that emits telemetry with nothing but the
//! standard interfaces. `process(order, amount)` logs a line (`wasi:logging`) and a
//! log record (`wasi:otel/logs`), opens a `process-order` span under the host's span
//! for this invocation (`outer-span-context`), a nested `charge-card` span with an
//! event, and exports an `orders.processed` counter and an `orders.amount` histogram.
wit_bindgen::generate!({
    path: "../../wit/otel-examples",
    world: "otel-demo",
    generate_all,
});

use exports::outrigger::otel_examples::orders::Guest;
use wasi::clocks::wall_clock::{Datetime, now};
use wasi::logging::logging::{Level, log};
use wasi::otel::logs::{LogRecord, on_emit};
use wasi::otel::metrics::{
    self, Histogram, HistogramDataPoint, Metric, MetricData, MetricNumber, ResourceMetrics, ScopeMetrics, Sum,
    SumDataPoint, Temporality,
};
use wasi::otel::tracing::{self, Event, SpanContext, SpanData, SpanKind, Status, TraceFlags};
use wasi::otel::types::{InstrumentationScope, KeyValue, Resource};

fn kv(key: &str, value: &str) -> KeyValue {
    // Values are JSON-encoded AnyValues.
    KeyValue { key: key.into(), value: format!("{value:?}") }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "otel-demo".into(),
        version: Some("0.1.0".into()),
        schema_url: None,
        attributes: vec![],
    }
}

fn span_id() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("wasi random");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Starts a child of `parent` (a new trace when the parent is invalid).
fn start(parent: &SpanContext) -> SpanContext {
    let trace_id = if parent.trace_id.bytes().all(|b| b == b'0') {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).expect("wasi random");
        b.iter().map(|x| format!("{x:02x}")).collect()
    } else {
        parent.trace_id.clone()
    };
    let ctx = SpanContext {
        trace_id,
        span_id: span_id(),
        trace_flags: TraceFlags::SAMPLED,
        is_remote: false,
        trace_state: vec![],
    };
    tracing::on_start(&ctx);
    ctx
}

fn end(
    ctx: SpanContext,
    parent: &SpanContext,
    name: &str,
    started: Datetime,
    attributes: Vec<KeyValue>,
    events: Vec<Event>,
) {
    tracing::on_end(&SpanData {
        span_context: ctx,
        parent_span_id: parent.span_id.clone(),
        span_kind: SpanKind::Internal,
        name: name.into(),
        start_time: started,
        end_time: now(),
        attributes,
        events,
        links: vec![],
        status: Status::Ok,
        instrumentation_scope: scope(),
        dropped_attributes: 0,
        dropped_events: 0,
        dropped_links: 0,
    });
}

struct Demo;

impl Guest for Demo {
    fn process(order: String, amount: f64) -> String {
        log(Level::Info, "orders", &format!("processing order {order}"));
        let outer = tracing::outer_span_context();
        let t0 = now();
        let span = start(&outer);
        on_emit(&LogRecord {
            timestamp: Some(now()),
            observed_timestamp: None,
            severity_text: Some("INFO".into()),
            severity_number: Some(9),
            body: Some(format!("{:?}", format!("order {order} accepted"))),
            attributes: Some(vec![kv("order.id", &order)]),
            event_name: None,
            resource: None,
            instrumentation_scope: Some(scope()),
            trace_id: Some(span.trace_id.clone()),
            span_id: Some(span.span_id.clone()),
            trace_flags: Some(TraceFlags::SAMPLED),
        });
        let t1 = now();
        let charge = start(&span);
        let event = Event { name: "card.authorized".into(), time: now(), attributes: vec![kv("card.network", "test")] };
        end(charge, &span, "charge-card", t1, vec![kv("payment.amount", &amount.to_string())], vec![event]);
        end(span.clone(), &outer, "process-order", t0, vec![kv("order.id", &order)], vec![]);
        let at = now();
        let attrs = vec![kv("order.kind", "demo")];
        let counter = Metric {
            name: "orders.processed".into(),
            description: "orders processed".into(),
            unit: "1".into(),
            data: MetricData::U64Sum(Sum {
                data_points: vec![SumDataPoint {
                    attributes: attrs.clone(),
                    value: MetricNumber::U64(1),
                    exemplars: vec![],
                }],
                start_time: t0,
                time: at,
                temporality: Temporality::Delta,
                is_monotonic: true,
            }),
        };
        let bounds = vec![10.0, 100.0, 1000.0];
        let mut buckets = vec![0u64; 4];
        buckets[bounds.iter().position(|b| amount <= *b).unwrap_or(3)] = 1;
        let histogram = Metric {
            name: "orders.amount".into(),
            description: "order amounts".into(),
            unit: "EUR".into(),
            data: MetricData::F64Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: attrs,
                    count: 1,
                    bounds,
                    bucket_counts: buckets,
                    min: Some(MetricNumber::F64(amount)),
                    max: Some(MetricNumber::F64(amount)),
                    sum: MetricNumber::F64(amount),
                    exemplars: vec![],
                }],
                start_time: t0,
                time: at,
                temporality: Temporality::Delta,
            }),
        };
        let rm = ResourceMetrics {
            resource: Resource { attributes: vec![], schema_url: None },
            scope_metrics: vec![ScopeMetrics { scope: scope(), metrics: vec![counter, histogram] }],
        };
        if let Err(e) = metrics::export(&rm) {
            log(Level::Warn, "orders", &format!("metrics export failed: {e}"));
        }
        span.trace_id
    }

    fn burst(count: u32) {
        let outer = tracing::outer_span_context();
        for i in 0..count {
            let t0 = now();
            let s = start(&outer);
            end(s, &outer, "burst", t0, vec![kv("i", &i.to_string())], vec![]);
        }
    }
}

export!(Demo);
