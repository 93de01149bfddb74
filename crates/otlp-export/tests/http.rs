//! OTLP/HTTP (protobuf) against the real receiver: exact content for every
//! signal, gzip, headers, connection reuse and reconnection, retries (503, 429,
//! Retry-After as seconds and as a date), final failures (400, 404, a receiver
//! that is down, an answer that comes too late), partial success.
mod support;

use otlp_export::{ErrorKind, ResponseStatus};
use std::time::Duration;
use support::{config, exporter, logs, metrics, run, spans};
use test_fixtures::{OtlpReceiver, Reply};

fn base(r: &OtlpReceiver) -> String {
    r.endpoint()
}

#[test]
fn every_signal_arrives_exactly_over_one_kept_connection() {
    let r = OtlpReceiver::start();
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r))]);
    run(async {
        let e = exporter(&c);
        let t = spans("checkout", 3);
        let l = logs("line", 2);
        let m = metrics("queue.depth", 4);
        assert_eq!(e.export_traces(t.clone()).await.unwrap().attempts, 1);
        e.export_logs(l.clone()).await.unwrap();
        e.export_metrics(m.clone()).await.unwrap();
        let t2 = spans("second", 1);
        e.export_traces(t2.clone()).await.unwrap();
        assert_eq!(r.traces(), [t, t2]);
        assert_eq!(r.logs(), [l]);
        assert_eq!(r.metrics(), [m]);
    });
    assert_eq!(r.spans().len(), 4);
    assert_eq!(r.log_records().len(), 2);
    assert_eq!(r.metric_list()[0].name, "queue.depth");
    assert_eq!(r.resource_attributes()[0], [("service.name".to_string(), "orders".to_string())]);
    let paths: Vec<String> = r.requests().iter().map(|q| q.path.clone()).collect();
    assert_eq!(paths, ["/v1/traces", "/v1/logs", "/v1/metrics", "/v1/traces"]);
    let h = &r.requests()[0].headers;
    assert_eq!(h["content-type"], "application/x-protobuf");
    assert!(h["user-agent"].to_str().unwrap().starts_with("OTel-OTLP-Exporter-Rust"));
    assert!(h.get("content-encoding").is_none());
    // One connection per signal, each kept: traces twice on the same one.
    assert_eq!(r.connection_count(), 3);
}

#[test]
fn gzip_bodies_and_configured_headers() {
    let r = OtlpReceiver::start();
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r)),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20s3cret,X-Tenant=blue"),
    ]);
    let t = spans("zipped", 200);
    run(async {
        exporter(&c).export_traces(t.clone()).await.unwrap();
    });
    assert_eq!(r.traces(), [t]);
    let h = &r.requests()[0].headers;
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(h["authorization"], "Bearer s3cret");
    assert_eq!(h["x-tenant"], "blue");
}

#[test]
fn a_503_then_200_stores_exactly_one_batch() {
    let r = OtlpReceiver::start();
    r.script(1, Reply::Http { status: 503, retry_after: None });
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r))]);
    let t = spans("retried", 5);
    let outcome = run(async { exporter(&c).export_traces(t.clone()).await.unwrap() });
    assert_eq!(outcome.attempts, 2);
    assert_eq!(r.request_count(), 2);
    assert_eq!(r.traces(), [t], "no loss, no duplicate");
    assert_eq!(r.requests()[0].reply, Some(Reply::Http { status: 503, retry_after: None }));
}

#[test]
fn retry_after_seconds_and_dates_are_honoured() {
    let r = OtlpReceiver::start();
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r))]);
    r.script(1, Reply::Http { status: 503, retry_after: Some("1".into()) });
    run(async {
        let e = exporter(&c);
        assert_eq!(e.export_traces(spans("a", 1)).await.unwrap().attempts, 2);
        // A date in whole seconds: more than 1 s from now.
        let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
        r.script(1, Reply::Http { status: 429, retry_after: Some(date) });
        assert_eq!(e.export_logs(logs("b", 1)).await.unwrap().attempts, 2);
    });
    let q = r.requests();
    assert_eq!(q.len(), 4);
    // Each retry came after the delay the server asked for (not before); with
    // the fast test policy, a backoff retry would have come after 25-50 ms.
    assert!(q[1].at - q[0].at >= Duration::from_secs(1), "{:?}", q[1].at - q[0].at);
    assert!(q[3].at - q[2].at >= Duration::from_millis(900), "{:?}", q[3].at - q[2].at);
    assert_eq!((r.traces().len(), r.logs().len()), (1, 1));
}

#[test]
fn a_retry_after_beyond_the_timeout_gives_up_at_once() {
    let r = OtlpReceiver::start();
    r.script(1, Reply::Http { status: 503, retry_after: Some("30".into()) });
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r)), ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000")]);
    let err = run(async { exporter(&c).export_traces(spans("x", 1)).await.unwrap_err() });
    assert_eq!(err.attempts, 1);
    assert_eq!(r.request_count(), 1);
    let stop = err.stop.clone().unwrap();
    assert!(stop.contains("asked to retry in 30s"), "{stop}");
    assert!(matches!(err.kind, ErrorKind::Rejected { status: ResponseStatus::Http(503), retryable: true, .. }));
    assert!(r.traces().is_empty());
}

#[test]
fn a_400_fails_at_once_with_a_clear_error() {
    let r = OtlpReceiver::start();
    r.script(1, Reply::Http { status: 400, retry_after: None });
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r))]);
    let err = run(async { exporter(&c).export_traces(spans("x", 1)).await.unwrap_err() });
    assert_eq!((err.attempts, r.request_count()), (1, 1));
    assert_eq!(
        err.kind,
        ErrorKind::Rejected { status: ResponseStatus::Http(400), message: "scripted failure".into(), retryable: false }
    );
    let text = err.to_string();
    let expected = format!("exporting traces to {}/v1/traces failed after 1 attempt(s) in ", base(&r));
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.contains("the collector answered HTTP 400 Bad Request: scripted failure"), "{text}");
    assert!(text.contains("found the data invalid"), "{text}");
}

#[test]
fn a_wrong_path_is_a_404_that_says_how_to_fix_it() {
    let r = OtlpReceiver::start();
    // Per-signal endpoints are used as-is: without /v1/traces this is "/".
    let c = config(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &base(&r))]);
    let err = run(async { exporter(&c).export_traces(spans("x", 1)).await.unwrap_err() });
    assert!(matches!(err.kind, ErrorKind::Rejected { status: ResponseStatus::Http(404), .. }), "{err}");
    assert!(err.hint.contains("must include the path (e.g. /v1/traces)"), "{err}");
    assert_eq!(r.request_count(), 1);
}

#[test]
fn a_receiver_that_is_down_fails_within_the_timeout() {
    let mut r = OtlpReceiver::start();
    r.stop();
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r)), ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")]);
    let err = run(async { exporter(&c).export_metrics(metrics("m", 1)).await.unwrap_err() });
    assert!(matches!(err.kind, ErrorKind::Unreachable { .. }), "{err}");
    assert!(err.attempts > 1, "retried with backoff: {err}");
    assert!(err.elapsed < Duration::from_millis(1500), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("exporting metrics to {}/v1/metrics", base(&r))), "{text}");
    assert!(text.contains("(the export timeout of 1s ran out): cannot connect: 127.0.0.1:"), "{text}");
    assert!(text.contains("refused"), "{text}");
    assert!(text.contains("allowedHosts"), "{text}");
}

#[test]
fn reconnects_after_the_receiver_restarts() {
    let mut r = OtlpReceiver::start();
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r)), ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")]);
    run(async {
        let e = exporter(&c);
        e.export_traces(spans("before", 1)).await.unwrap();
        r.restart();
        // The kept connection was closed by the restart: replaced at once.
        let o = e.export_traces(spans("after", 1)).await.unwrap();
        assert_eq!(o.attempts, 1);
        r.stop();
        let err = e.export_traces(spans("lost", 1)).await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Unreachable { .. } | ErrorKind::Connection { .. }), "{err}");
        r.restart();
        e.export_traces(spans("again", 1)).await.unwrap();
    });
    let names: Vec<String> = r.spans().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["before-0", "after-0", "again-0"]);
    assert_eq!(r.connection_count(), 3);
}

#[test]
fn an_answer_after_the_timeout_fails_and_the_next_export_works() {
    let r = OtlpReceiver::start();
    r.script(1, Reply::Delay(Duration::from_secs(3)));
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r)), ("OTEL_EXPORTER_OTLP_TIMEOUT", "500")]);
    run(async {
        let e = exporter(&c);
        let err = e.export_traces(spans("slow", 1)).await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Connection { .. }), "{err}");
        assert!(err.stop.as_deref().unwrap().contains("export timeout of 500ms ran out"), "{err}");
        e.export_traces(spans("fast", 1)).await.unwrap();
    });
    assert_eq!(r.spans()[0].name, "fast-0");
}

#[test]
fn partial_success_is_reported_and_not_retried() {
    let r = OtlpReceiver::start();
    r.script(1, Reply::PartialSuccess { rejected: 2, message: "2 spans had no trace id".into() });
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r))]);
    let o = run(async { exporter(&c).export_traces(spans("p", 3)).await.unwrap() });
    assert_eq!(o.attempts, 1);
    let p = o.partial_success.unwrap();
    assert_eq!((p.rejected, p.message.as_str()), (2, "2 spans had no trace id"));
    assert_eq!(r.request_count(), 1);
}

#[test]
fn a_disabled_signal_sends_nothing() {
    let r = OtlpReceiver::start();
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &base(&r)), ("OTEL_LOGS_EXPORTER", "none")]);
    let o = run(async { exporter(&c).export_logs(logs("l", 1)).await.unwrap() });
    assert_eq!(o.attempts, 0);
    assert_eq!(r.request_count(), 0);
}
