//! wasi:otel metrics as OTLP protobuf metrics: every gauge, sum, histogram and
//! exponential histogram of f64, u64 or s64 values, with their temporality.
use crate::conv::{attrs, id, nanos, scope};
use crate::wasi::otel::metrics::{
    Exemplar, ExponentialBucket, ExponentialHistogram, Gauge, Histogram, MetricData, MetricNumber, ResourceMetrics,
    Sum, Temporality,
};
use opentelemetry_proto::tonic::metrics::v1 as m;
use opentelemetry_proto::tonic::resource::v1::Resource;

fn number(n: &MetricNumber) -> m::number_data_point::Value {
    match *n {
        MetricNumber::F64(v) => m::number_data_point::Value::AsDouble(v),
        MetricNumber::U64(v) => m::number_data_point::Value::AsInt(v as i64),
        MetricNumber::S64(v) => m::number_data_point::Value::AsInt(v),
    }
}

fn float(n: &MetricNumber) -> f64 {
    match *n {
        MetricNumber::F64(v) => v,
        MetricNumber::U64(v) => v as f64,
        MetricNumber::S64(v) => v as f64,
    }
}

fn temporality(t: Temporality) -> i32 {
    match t {
        Temporality::Cumulative => m::AggregationTemporality::Cumulative as i32,
        // Low-memory is an SDK export preference, reported as delta.
        Temporality::Delta | Temporality::LowMemory => m::AggregationTemporality::Delta as i32,
    }
}

fn exemplars(list: &[Exemplar]) -> Vec<m::Exemplar> {
    list.iter()
        .map(|e| m::Exemplar {
            filtered_attributes: attrs(&e.filtered_attributes),
            time_unix_nano: nanos(&e.time),
            span_id: id(&e.span_id),
            trace_id: id(&e.trace_id),
            value: Some(match e.value {
                MetricNumber::F64(v) => m::exemplar::Value::AsDouble(v),
                MetricNumber::U64(v) => m::exemplar::Value::AsInt(v as i64),
                MetricNumber::S64(v) => m::exemplar::Value::AsInt(v),
            }),
        })
        .collect()
}

fn gauge(g: &Gauge) -> m::metric::Data {
    let start = g.start_time.as_ref().map(nanos).unwrap_or(0);
    m::metric::Data::Gauge(m::Gauge {
        data_points: g
            .data_points
            .iter()
            .map(|p| m::NumberDataPoint {
                attributes: attrs(&p.attributes),
                start_time_unix_nano: start,
                time_unix_nano: nanos(&g.time),
                exemplars: exemplars(&p.exemplars),
                flags: 0,
                value: Some(number(&p.value)),
            })
            .collect(),
    })
}

fn sum(s: &Sum) -> m::metric::Data {
    m::metric::Data::Sum(m::Sum {
        data_points: s
            .data_points
            .iter()
            .map(|p| m::NumberDataPoint {
                attributes: attrs(&p.attributes),
                start_time_unix_nano: nanos(&s.start_time),
                time_unix_nano: nanos(&s.time),
                exemplars: exemplars(&p.exemplars),
                flags: 0,
                value: Some(number(&p.value)),
            })
            .collect(),
        aggregation_temporality: temporality(s.temporality),
        is_monotonic: s.is_monotonic,
    })
}

fn histogram(h: &Histogram) -> m::metric::Data {
    m::metric::Data::Histogram(m::Histogram {
        data_points: h
            .data_points
            .iter()
            .map(|p| m::HistogramDataPoint {
                attributes: attrs(&p.attributes),
                start_time_unix_nano: nanos(&h.start_time),
                time_unix_nano: nanos(&h.time),
                count: p.count,
                sum: Some(float(&p.sum)),
                bucket_counts: p.bucket_counts.clone(),
                explicit_bounds: p.bounds.clone(),
                exemplars: exemplars(&p.exemplars),
                flags: 0,
                min: p.min.as_ref().map(float),
                max: p.max.as_ref().map(float),
            })
            .collect(),
        aggregation_temporality: temporality(h.temporality),
    })
}

fn buckets(b: &ExponentialBucket) -> m::exponential_histogram_data_point::Buckets {
    m::exponential_histogram_data_point::Buckets { offset: b.offset, bucket_counts: b.counts.clone() }
}

fn exponential(h: &ExponentialHistogram) -> m::metric::Data {
    m::metric::Data::ExponentialHistogram(m::ExponentialHistogram {
        data_points: h
            .data_points
            .iter()
            .map(|p| m::ExponentialHistogramDataPoint {
                attributes: attrs(&p.attributes),
                start_time_unix_nano: nanos(&h.start_time),
                time_unix_nano: nanos(&h.time),
                count: p.count,
                sum: Some(float(&p.sum)),
                scale: p.scale as i32,
                zero_count: p.zero_count,
                positive: Some(buckets(&p.positive_bucket)),
                negative: Some(buckets(&p.negative_bucket)),
                flags: 0,
                exemplars: exemplars(&p.exemplars),
                min: p.min.as_ref().map(float),
                max: p.max.as_ref().map(float),
                zero_threshold: p.zero_threshold,
            })
            .collect(),
        aggregation_temporality: temporality(h.temporality),
    })
}

/// One export's metrics, under the resource of their source (the metrics' own
/// resource attributes join it).
pub fn resource_metrics(mut resource: Resource, rm: ResourceMetrics) -> m::ResourceMetrics {
    for kv in attrs(&rm.resource.attributes) {
        if !resource.attributes.iter().any(|a| a.key == kv.key) {
            resource.attributes.push(kv);
        }
    }
    let scope_metrics = rm
        .scope_metrics
        .into_iter()
        .map(|sm| m::ScopeMetrics {
            scope: Some(scope(&sm.scope)),
            metrics: sm
                .metrics
                .into_iter()
                .map(|metric| m::Metric {
                    data: Some(match &metric.data {
                        MetricData::F64Gauge(g) | MetricData::U64Gauge(g) | MetricData::S64Gauge(g) => gauge(g),
                        MetricData::F64Sum(s) | MetricData::U64Sum(s) | MetricData::S64Sum(s) => sum(s),
                        MetricData::F64Histogram(h) | MetricData::U64Histogram(h) | MetricData::S64Histogram(h) => {
                            histogram(h)
                        }
                        MetricData::F64ExponentialHistogram(h)
                        | MetricData::U64ExponentialHistogram(h)
                        | MetricData::S64ExponentialHistogram(h) => exponential(h),
                    }),
                    name: metric.name,
                    description: metric.description,
                    unit: metric.unit,
                    metadata: Vec::new(),
                })
                .collect(),
            schema_url: String::new(),
        })
        .collect();
    m::ResourceMetrics {
        resource: Some(resource),
        scope_metrics,
        schema_url: rm.resource.schema_url.unwrap_or_default(),
    }
}
