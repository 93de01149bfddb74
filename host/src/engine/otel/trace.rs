//! Span contexts as the host handles them: random ids, the W3C `traceparent` /
//! `tracestate` headers (carried across NATS), the per-store state that answers
//! `current-span-context` (the guest's innermost open span, else the host's span for
//! this invocation), and the span the host records around an invocation.
pub(crate) use super::bindings::wasi::clocks::wall_clock::Datetime;
pub(crate) use super::bindings::wasi::otel::tracing::{SpanContext, SpanKind};
use super::bindings::wasi::otel::tracing::{SpanData, Status, TraceFlags};
use super::bindings::wasi::otel::types::{InstrumentationScope, KeyValue};
use std::time::{SystemTime, UNIX_EPOCH};

/// A parent span, as propagated between components and hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: String,
    pub span_id: String,
    pub sampled: bool,
    pub state: Vec<(String, String)>,
}

impl TraceParent {
    /// Parses W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex flags>`) and `tracestate`.
    pub fn parse(traceparent: &str, tracestate: Option<&str>) -> Option<TraceParent> {
        let parts: Vec<&str> = traceparent.trim().split('-').collect();
        let [version, trace_id, span_id, flags] = parts.as_slice() else { return None };
        let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex(version, 2) || *version == "ff" || !hex(trace_id, 32) || !hex(span_id, 16) || !hex(flags, 2) {
            return None;
        }
        if trace_id.bytes().all(|b| b == b'0') || span_id.bytes().all(|b| b == b'0') {
            return None;
        }
        let sampled = u8::from_str_radix(flags, 16).ok()? & 1 == 1;
        let state = tracestate
            .map(|s| {
                s.split(',').filter_map(|kv| kv.trim().split_once('=')).map(|(k, v)| (k.into(), v.into())).collect()
            })
            .unwrap_or_default();
        Some(TraceParent { trace_id: trace_id.to_lowercase(), span_id: span_id.to_lowercase(), sampled, state })
    }

    /// The `traceparent` header value.
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-{}", self.trace_id, self.span_id, if self.sampled { "01" } else { "00" })
    }

    /// The `tracestate` header value, if any.
    pub fn tracestate(&self) -> Option<String> {
        (!self.state.is_empty())
            .then(|| self.state.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
    }

    pub fn of(c: &SpanContext) -> Option<TraceParent> {
        let valid = c.trace_id.len() == 32 && c.span_id.len() == 16 && !c.trace_id.bytes().all(|b| b == b'0');
        valid.then(|| TraceParent {
            trace_id: c.trace_id.clone(),
            span_id: c.span_id.clone(),
            sampled: c.trace_flags.contains(TraceFlags::SAMPLED),
            state: c.trace_state.clone(),
        })
    }
}

/// A fresh 16-byte trace id, as 32 lowercase hex digits.
pub fn new_trace_id() -> String {
    format!("{:032x}", rand::random::<u128>() | 1)
}

/// A fresh 8-byte span id, as 16 lowercase hex digits.
pub fn new_span_id() -> String {
    format!("{:016x}", rand::random::<u64>() | 1)
}

/// The invalid (all-zero) span context: "no span".
pub fn invalid() -> SpanContext {
    SpanContext {
        trace_id: "0".repeat(32),
        span_id: "0".repeat(16),
        trace_flags: TraceFlags::empty(),
        is_remote: false,
        trace_state: Vec::new(),
    }
}

pub fn now() -> Datetime {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Datetime { seconds: d.as_secs(), nanoseconds: d.subsec_nanos() }
}

/// A string attribute (wasi:otel values are JSON-encoded `AnyValue`s).
pub fn attr(key: &str, value: &str) -> KeyValue {
    KeyValue { key: key.to_string(), value: serde_json::Value::String(value.to_string()).to_string() }
}

/// What a store knows about spans: the host's span for the current invocation and
/// the spans the guest has started and not ended.
#[derive(Default)]
pub struct TraceState {
    pub invocation: Option<SpanContext>,
    pub open: Vec<SpanContext>,
}

impl TraceState {
    /// The context a new guest span should use as its parent.
    pub fn current(&self) -> Option<&SpanContext> {
        self.open.last().or(self.invocation.as_ref())
    }
}

/// A span the host records around one invocation.
pub struct InvocationSpan {
    pub context: SpanContext,
    parent: Option<String>,
    name: String,
    kind: SpanKind,
    start: Datetime,
    attributes: Vec<KeyValue>,
}

impl InvocationSpan {
    /// Starts a span, a child of `parent` when there is one (else a new trace).
    pub fn start(
        parent: Option<&TraceParent>,
        name: String,
        kind: SpanKind,
        attributes: Vec<KeyValue>,
    ) -> InvocationSpan {
        let context = SpanContext {
            trace_id: parent.map(|p| p.trace_id.clone()).unwrap_or_else(new_trace_id),
            span_id: new_span_id(),
            trace_flags: TraceFlags::SAMPLED,
            is_remote: false,
            trace_state: parent.map(|p| p.state.clone()).unwrap_or_default(),
        };
        InvocationSpan { context, parent: parent.map(|p| p.span_id.clone()), name, kind, start: now(), attributes }
    }

    /// Ends it: `Err` carries the failure.
    pub fn finish(mut self, outcome: Result<(), String>) -> SpanData {
        self.attributes.push(attr("outrigger.outcome", if outcome.is_ok() { "ok" } else { "error" }));
        SpanData {
            span_context: self.context,
            parent_span_id: self.parent.unwrap_or_default(),
            span_kind: self.kind,
            name: self.name,
            start_time: self.start,
            end_time: now(),
            attributes: self.attributes,
            events: Vec::new(),
            links: Vec::new(),
            status: match outcome {
                Ok(()) => Status::Ok,
                Err(e) => Status::Error(e),
            },
            instrumentation_scope: InstrumentationScope {
                name: "outrigger".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
                schema_url: None,
                attributes: Vec::new(),
            },
            dropped_attributes: 0,
            dropped_events: 0,
            dropped_links: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_round_trip_and_rejects() {
        let t =
            TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Some("a=1, b=2")).unwrap();
        assert!(t.sampled);
        assert_eq!(t.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert_eq!(t.tracestate().as_deref(), Some("a=1,b=2"));
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01",
        ] {
            assert!(TraceParent::parse(bad, None).is_none(), "{bad}");
        }
        assert_eq!(new_trace_id().len(), 32);
        assert_eq!(new_span_id().len(), 16);
    }
}
