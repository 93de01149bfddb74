//! The host's own metrics, sent through the workload's telemetry sidecar like a
//! component's: per reactive component the invocations, failures and a latency
//! histogram; per service its restarts and whether it is running (with its state as
//! an attribute). Cumulative sums, from the workload's start.
use super::bindings::wasi::otel::metrics::{
    Gauge, GaugeDataPoint, Histogram, HistogramDataPoint, Metric, MetricData, MetricNumber, ResourceMetrics,
    ScopeMetrics, Sum, SumDataPoint, Temporality,
};
use super::bindings::wasi::otel::types::{InstrumentationScope, KeyValue, Resource};
use super::trace::{attr, now};
use crate::run::status::{ServiceState, WorkloadStatus};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency bucket bounds, in milliseconds.
const BOUNDS_MS: [f64; 10] = [0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0];

/// A cumulative latency histogram, updated without locks.
#[derive(Default)]
pub(crate) struct Latency {
    buckets: [AtomicU64; BOUNDS_MS.len() + 1],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

impl Latency {
    pub fn record(&self, d: Duration) {
        let ms = d.as_secs_f64() * 1000.0;
        let i = BOUNDS_MS.iter().position(|b| ms <= *b).unwrap_or(BOUNDS_MS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }
}

/// One snapshot of the host's metrics for the workload.
pub(crate) fn snapshot(
    status: &WorkloadStatus,
    latencies: &[(&str, &Latency)],
    started: super::bindings::wasi::clocks::wall_clock::Datetime,
) -> ResourceMetrics {
    let at = now();
    let sum = |name: &str, description: &str, points: Vec<SumDataPoint>| Metric {
        name: name.into(),
        description: description.into(),
        unit: "1".into(),
        data: MetricData::U64Sum(Sum {
            data_points: points,
            start_time: started,
            time: at,
            temporality: Temporality::Cumulative,
            is_monotonic: true,
        }),
    };
    let point = |attrs: Vec<KeyValue>, v: u64| SumDataPoint {
        attributes: attrs,
        value: MetricNumber::U64(v),
        exemplars: Vec::new(),
    };
    let component = |name: &str| vec![attr("outrigger.component", name)];
    let mut metrics = vec![
        sum(
            "outrigger.invocations",
            "reactive invocations",
            status.components.iter().map(|c| point(component(&c.name), c.invocations)).collect(),
        ),
        sum(
            "outrigger.invocation.failures",
            "reactive invocations that failed",
            status.components.iter().map(|c| point(component(&c.name), c.failures)).collect(),
        ),
        sum(
            "outrigger.service.restarts",
            "service incarnations after the first",
            status.services.iter().map(|s| point(component(&s.name), s.incarnations.saturating_sub(1))).collect(),
        ),
    ];
    metrics.push(Metric {
        name: "outrigger.service.running".into(),
        description: "1 while the service is RUNNING; `outrigger.state` says which state it is in".into(),
        unit: "1".into(),
        data: MetricData::U64Gauge(Gauge {
            data_points: status
                .services
                .iter()
                .map(|s| GaugeDataPoint {
                    attributes: vec![
                        attr("outrigger.component", &s.name),
                        attr("outrigger.state", &s.state.to_string()),
                    ],
                    value: MetricNumber::U64(u64::from(s.state == ServiceState::Running)),
                    exemplars: Vec::new(),
                })
                .collect(),
            start_time: None,
            time: at,
        }),
    });
    metrics.push(Metric {
        name: "outrigger.invocation.duration".into(),
        description: "time of a reactive invocation (instantiate, call, drop)".into(),
        unit: "ms".into(),
        data: MetricData::F64Histogram(Histogram {
            data_points: latencies
                .iter()
                .map(|(name, l)| HistogramDataPoint {
                    attributes: component(name),
                    count: l.count.load(Ordering::Relaxed),
                    bounds: BOUNDS_MS.to_vec(),
                    bucket_counts: l.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
                    min: None,
                    max: None,
                    sum: MetricNumber::F64(l.sum_ns.load(Ordering::Relaxed) as f64 / 1e6),
                    exemplars: Vec::new(),
                })
                .collect(),
            start_time: started,
            time: at,
            temporality: Temporality::Cumulative,
        }),
    });
    ResourceMetrics {
        resource: Resource { attributes: vec![attr("outrigger.workload", &status.workload)], schema_url: None },
        scope_metrics: vec![ScopeMetrics {
            scope: InstrumentationScope {
                name: "outrigger".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
                schema_url: None,
                attributes: Vec::new(),
            },
            metrics,
        }],
    }
}
