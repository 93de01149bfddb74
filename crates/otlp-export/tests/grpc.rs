//! OTLP/gRPC against the real receiver (the official tonic services): exact
//! content with and without gzip (tonic answers gzip'd when asked), metadata,
//! UNAVAILABLE with and without RetryInfo, RESOURCE_EXHAUSTED (retried only
//! with RetryInfo), final statuses, an HTTP 503 from a proxy, partial success,
//! reconnection over HTTP/2.
mod support;

use otlp_export::{ErrorKind, ResponseStatus};
use std::time::Duration;
use support::{config, exporter, logs, metrics, run, spans};
use test_fixtures::{OtlpReceiver, Reply, Transport};

const UNAVAILABLE: i32 = 14;
const RESOURCE_EXHAUSTED: i32 = 8;
const INVALID_ARGUMENT: i32 = 3;

fn grpc(r: &OtlpReceiver, extra: &[(&str, &str)]) -> otlp_export::Config {
    let base = r.endpoint();
    let mut vars = vec![("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", base.as_str())];
    vars.extend_from_slice(extra);
    config(&vars)
}

fn unavailable(retry_delay: Option<Duration>) -> Reply {
    Reply::Grpc { code: UNAVAILABLE, message: "collector overloaded".into(), retry_delay }
}

#[test]
fn every_signal_arrives_exactly_with_grpc_metadata() {
    let r = OtlpReceiver::start();
    let c = grpc(&r, &[("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k1")]);
    let (t, l, m) = (spans("grpc", 3), logs("grpc", 2), metrics("grpc.gauge", 3));
    run(async {
        let e = exporter(&c);
        assert_eq!(e.export_traces(t.clone()).await.unwrap().attempts, 1);
        e.export_logs(l.clone()).await.unwrap();
        e.export_metrics(m.clone()).await.unwrap();
        e.export_traces(t.clone()).await.unwrap();
    });
    assert_eq!(r.traces(), [t.clone(), t]);
    assert_eq!(r.logs(), [l]);
    assert_eq!(r.metrics(), [m]);
    let q = r.requests();
    assert!(q.iter().all(|q| q.transport == Transport::Grpc));
    assert_eq!(q[0].path, "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
    assert_eq!(q[1].path, "/opentelemetry.proto.collector.logs.v1.LogsService/Export");
    assert_eq!(q[2].path, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
    let h = &q[0].headers;
    assert_eq!(h["content-type"], "application/grpc");
    assert_eq!(h["te"], "trailers");
    assert_eq!(h["x-api-key"], "k1");
    assert!(h["grpc-timeout"].to_str().unwrap().ends_with('m'));
    assert_eq!(r.connection_count(), 3, "one HTTP/2 connection per signal, kept");
}

#[test]
fn gzip_requests_and_gzip_answers() {
    let r = OtlpReceiver::start();
    let c = grpc(&r, &[("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")]);
    let t = spans("zipped", 300);
    r.script(1, Reply::PartialSuccess { rejected: 1, message: "one span too old".into() });
    let o = run(async { exporter(&c).export_traces(t.clone()).await.unwrap() });
    // The partial success came back in a gzip'd gRPC message.
    assert_eq!(o.partial_success.map(|p| (p.rejected, p.message)), Some((1, "one span too old".to_string())));
    assert_eq!(r.traces(), [t]);
    assert_eq!(r.requests()[0].headers["grpc-encoding"], "gzip");
}

#[test]
fn unavailable_with_retry_info_waits_the_delay_then_succeeds_once() {
    let r = OtlpReceiver::start();
    r.script(1, unavailable(Some(Duration::from_secs(1))));
    let c = grpc(&r, &[]);
    let o = run(async { exporter(&c).export_logs(logs("ri", 2)).await.unwrap() });
    assert_eq!(o.attempts, 2);
    let q = r.requests();
    assert_eq!(q.len(), 2);
    assert!(q[1].at - q[0].at >= Duration::from_secs(1), "RetryInfo honoured: {:?}", q[1].at - q[0].at);
    assert_eq!(r.log_records().len(), 2, "exactly one batch stored");
}

#[test]
fn unavailable_without_retry_info_backs_off_and_succeeds() {
    let r = OtlpReceiver::start();
    r.script(3, unavailable(None));
    let c = grpc(&r, &[]);
    let o = run(async { exporter(&c).export_traces(spans("b", 1)).await.unwrap() });
    assert_eq!((o.attempts, r.request_count(), r.traces().len()), (4, 4, 1));
}

#[test]
fn resource_exhausted_is_retried_only_with_retry_info() {
    let r = OtlpReceiver::start();
    let c = grpc(&r, &[]);
    let exhausted = |d| Reply::Grpc { code: RESOURCE_EXHAUSTED, message: "quota".into(), retry_delay: d };
    r.script(1, exhausted(Some(Duration::from_millis(100))));
    run(async {
        let e = exporter(&c);
        assert_eq!(e.export_traces(spans("with", 1)).await.unwrap().attempts, 2);
        r.script(1, exhausted(None));
        let err = e.export_traces(spans("without", 1)).await.unwrap_err();
        assert_eq!(err.attempts, 1);
        assert_eq!(
            err.kind,
            ErrorKind::Rejected {
                status: ResponseStatus::Grpc(RESOURCE_EXHAUSTED),
                message: "quota".into(),
                retryable: false
            }
        );
    });
    assert_eq!((r.request_count(), r.spans().len()), (3, 1));
}

#[test]
fn invalid_argument_fails_at_once_with_the_message() {
    let r = OtlpReceiver::start();
    r.script(1, Reply::Grpc { code: INVALID_ARGUMENT, message: "span 3: bad trace id".into(), retry_delay: None });
    let c = grpc(&r, &[]);
    let err = run(async { exporter(&c).export_metrics(metrics("m", 1)).await.unwrap_err() });
    assert_eq!(err.attempts, 1);
    let text = err.to_string();
    assert!(text.contains("the collector answered gRPC INVALID_ARGUMENT (3): span 3: bad trace id"), "{text}");
    assert!(r.metrics().is_empty());
}

#[test]
fn a_proxy_503_counts_as_unavailable() {
    let r = OtlpReceiver::start();
    r.script(1, Reply::Http { status: 503, retry_after: None });
    let c = grpc(&r, &[]);
    let o = run(async { exporter(&c).export_traces(spans("p", 1)).await.unwrap() });
    assert_eq!((o.attempts, r.traces().len()), (2, 1));
}

#[test]
fn retries_stop_at_the_export_timeout() {
    let r = OtlpReceiver::start();
    r.script(100, unavailable(None));
    let c = grpc(&r, &[("OTEL_EXPORTER_OTLP_TIMEOUT", "800")]);
    let err = run(async { exporter(&c).export_traces(spans("t", 1)).await.unwrap_err() });
    assert!(err.attempts >= 3, "{err}");
    assert_eq!(err.attempts as usize, r.request_count());
    assert!(err.stop.as_deref().unwrap().contains("export timeout of 800ms ran out"), "{err}");
    assert!(matches!(err.kind, ErrorKind::Rejected { status: ResponseStatus::Grpc(UNAVAILABLE), retryable: true, .. }));
    assert!(err.hint.contains("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"), "{err}");
}

#[test]
fn reconnects_after_the_receiver_restarts_and_fails_clearly_while_down() {
    let mut r = OtlpReceiver::start();
    let c = grpc(&r, &[("OTEL_EXPORTER_OTLP_TIMEOUT", "700")]);
    run(async {
        let e = exporter(&c);
        e.export_logs(logs("one", 1)).await.unwrap();
        r.restart();
        assert_eq!(e.export_logs(logs("two", 1)).await.unwrap().attempts, 1);
        r.stop();
        let err = e.export_logs(logs("lost", 1)).await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains(&format!("exporting logs to {}/ failed", r.endpoint())), "{err}");
        r.restart();
        e.export_logs(logs("three", 1)).await.unwrap();
    });
    assert_eq!(r.log_records().len(), 3);
}
