//! wasi:otel values (what components emit, through the host) as the official OTLP
//! protobuf messages (`opentelemetry-proto`): attribute values (JSON-encoded
//! `AnyValue`s in wasi:otel) become typed `AnyValue`s, hex ids become bytes, WIT
//! datetimes become Unix nanoseconds.
use crate::wasi::clocks::wall_clock::Datetime;
use crate::wasi::otel::logs::LogRecord;
use crate::wasi::otel::tracing::{self, SpanData, SpanKind, TraceFlags};
use crate::wasi::otel::types::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::common::v1 as common;
use opentelemetry_proto::tonic::logs::v1 as logs;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1 as trace;

pub fn nanos(t: &Datetime) -> u64 {
    t.seconds.saturating_mul(1_000_000_000).saturating_add(t.nanoseconds as u64)
}

/// Hex (`4bf9...`) to bytes; empty or invalid hex gives no bytes (no id).
pub fn id(hex: &str) -> Vec<u8> {
    if hex.len() % 2 != 0 || hex.bytes().all(|b| b == b'0') {
        return Vec::new();
    }
    (0..hex.len()).step_by(2).map_while(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}

/// A JSON-encoded `AnyValue` (what wasi:otel carries) as a typed one; text that is
/// not JSON is taken as a string.
pub fn any(json: &str) -> common::AnyValue {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v) => from_json(v),
        Err(_) => string(json.to_string()),
    }
}

fn string(s: String) -> common::AnyValue {
    common::AnyValue { value: Some(common::any_value::Value::StringValue(s)) }
}

fn from_json(v: serde_json::Value) -> common::AnyValue {
    use common::any_value::Value as V;
    use serde_json::Value as J;
    let value = match v {
        J::Null => return common::AnyValue { value: None },
        J::Bool(b) => V::BoolValue(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => V::IntValue(i),
            None => V::DoubleValue(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => V::StringValue(s),
        J::Array(items) => V::ArrayValue(common::ArrayValue { values: items.into_iter().map(from_json).collect() }),
        J::Object(map) => V::KvlistValue(common::KeyValueList {
            values: map
                .into_iter()
                .map(|(k, v)| common::KeyValue { key: k, value: Some(from_json(v)), ..Default::default() })
                .collect(),
        }),
    };
    common::AnyValue { value: Some(value) }
}

pub fn attrs(list: &[KeyValue]) -> Vec<common::KeyValue> {
    list.iter()
        .map(|kv| common::KeyValue { key: kv.key.clone(), value: Some(any(&kv.value)), ..Default::default() })
        .collect()
}

pub fn scope(s: &InstrumentationScope) -> common::InstrumentationScope {
    common::InstrumentationScope {
        name: s.name.clone(),
        version: s.version.clone().unwrap_or_default(),
        attributes: attrs(&s.attributes),
        dropped_attributes_count: 0,
    }
}

/// The resource of a source: the sidecar's own attributes (OTEL_SERVICE_NAME,
/// OTEL_RESOURCE_ATTRIBUTES), then the source's (workload, component, host).
pub fn resource(base: &[common::KeyValue], source: &[KeyValue]) -> Resource {
    let mut attributes = base.to_vec();
    for kv in attrs(source) {
        match attributes.iter_mut().find(|a| a.key == kv.key) {
            Some(a) => *a = kv,
            None => attributes.push(kv),
        }
    }
    Resource { attributes, ..Default::default() }
}

fn flags(f: TraceFlags) -> u32 {
    u32::from(f.contains(TraceFlags::SAMPLED))
}

pub fn span(s: SpanData) -> trace::Span {
    use trace::span::SpanKind as K;
    let kind = match s.span_kind {
        SpanKind::Client => K::Client,
        SpanKind::Server => K::Server,
        SpanKind::Producer => K::Producer,
        SpanKind::Consumer => K::Consumer,
        SpanKind::Internal => K::Internal,
    };
    let status = match s.status {
        tracing::Status::Unset => None,
        tracing::Status::Ok => {
            Some(trace::Status { code: trace::status::StatusCode::Ok as i32, message: String::new() })
        }
        tracing::Status::Error(message) => {
            Some(trace::Status { code: trace::status::StatusCode::Error as i32, message })
        }
    };
    let state = s.span_context.trace_state.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
    trace::Span {
        trace_id: id(&s.span_context.trace_id),
        span_id: id(&s.span_context.span_id),
        trace_state: state,
        parent_span_id: id(&s.parent_span_id),
        flags: flags(s.span_context.trace_flags),
        name: s.name,
        kind: kind as i32,
        start_time_unix_nano: nanos(&s.start_time),
        end_time_unix_nano: nanos(&s.end_time),
        attributes: attrs(&s.attributes),
        dropped_attributes_count: s.dropped_attributes,
        events: s
            .events
            .into_iter()
            .map(|e| trace::span::Event {
                time_unix_nano: nanos(&e.time),
                name: e.name,
                attributes: attrs(&e.attributes),
                dropped_attributes_count: 0,
            })
            .collect(),
        dropped_events_count: s.dropped_events,
        links: s
            .links
            .into_iter()
            .map(|l| trace::span::Link {
                trace_id: id(&l.span_context.trace_id),
                span_id: id(&l.span_context.span_id),
                trace_state: String::new(),
                attributes: attrs(&l.attributes),
                dropped_attributes_count: 0,
                flags: flags(l.span_context.trace_flags),
            })
            .collect(),
        dropped_links_count: s.dropped_links,
        status,
    }
}

pub fn log(l: LogRecord) -> logs::LogRecord {
    logs::LogRecord {
        time_unix_nano: l.timestamp.as_ref().map(nanos).unwrap_or(0),
        observed_time_unix_nano: l.observed_timestamp.as_ref().map(nanos).unwrap_or(0),
        severity_number: l.severity_number.unwrap_or(0) as i32,
        severity_text: l.severity_text.unwrap_or_default(),
        body: l.body.as_deref().map(any),
        attributes: l.attributes.as_deref().map(attrs).unwrap_or_default(),
        dropped_attributes_count: 0,
        flags: l.trace_flags.map(flags).unwrap_or(0),
        trace_id: l.trace_id.as_deref().map(id).unwrap_or_default(),
        span_id: l.span_id.as_deref().map(id).unwrap_or_default(),
        event_name: l.event_name.unwrap_or_default(),
    }
}
