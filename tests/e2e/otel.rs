//! Telemetry end to end: the otel-demo component emits spans, log records and
//! metrics through the standard `wasi:otel` / `wasi:logging`; the host adds a span per
//! invocation (the parent the guest sees) and its own metrics; the otel-sidecar
//! service exports OTLP to a real receiver started by the test (tests/fixtures), which
//! decodes with the official protobufs. Also: retries, a receiver that is down, bad
//! settings, a clean stop, and one trace across NATS.
use crate::common::{TestManifest, options};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use outrigger::{ServiceState, Val, Workload};
use std::time::Duration;
use test_fixtures::{OtlpReceiver, Reply};

fn workload(receiver: &OtlpReceiver, extra_env: &str, extra: &str) -> String {
    format!(
        r#"
metadata: {{ name: shop }}
spec:
  services:
    - name: otel
      component: "{{wasm}}/otel_sidecar_service.wasm"
      env:
        OTEL_EXPORTER_OTLP_ENDPOINT: "{endpoint}"
        OTEL_SERVICE_NAME: shop-api
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test,team=payments"
        OTEL_BSP_SCHEDULE_DELAY: "100"
        OTEL_BLRP_SCHEDULE_DELAY: "100"
        OTEL_METRIC_EXPORT_INTERVAL: "200"
        OTEL_EXPORTER_OTLP_TIMEOUT: "2000"{extra_env}
      allowedHosts: ["127.0.0.1:{port}"]
      backoff: {{ initial: 50ms }}
      maxRestarts: 1
  components:
    - name: orders
      component: "{{wasm}}/otel_demo.wasm"
{extra}"#,
        endpoint = receiver.endpoint(),
        port = receiver.port(),
    )
}

async fn start(yaml: &str) -> (Workload, TestManifest) {
    let m = TestManifest::new(yaml);
    let w = Workload::start(&m.load(), options()).await.unwrap_or_else(|e| panic!("{e}"));
    w.wait_running(Duration::from_secs(20)).await.unwrap();
    (w, m)
}

async fn process(w: &Workload, order: &str) -> String {
    match w.invoke("orders", "process", &[Val::String(order.into()), Val::Float64(42.5)]).await.unwrap().as_slice() {
        [Val::String(trace)] => trace.clone(),
        other => panic!("{other:?}"),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn text(kv: &[KeyValue], key: &str) -> Option<String> {
    kv.iter().find(|k| k.key == key).and_then(|k| match k.value.as_ref()?.value.as_ref()? {
        AnyValue::StringValue(s) => Some(s.clone()),
        AnyValue::IntValue(i) => Some(i.to_string()),
        AnyValue::DoubleValue(d) => Some(d.to_string()),
        other => Some(format!("{other:?}")),
    })
}

fn span<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span `{name}` among {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>()))
}

async fn check_one_order(receiver: &OtlpReceiver, extra_env: &str) {
    let (w, _m) = start(&workload(receiver, extra_env, "")).await;
    let trace = process(&w, "A-1").await;
    w.shutdown().await; // a clean stop flushes
    let spans = receiver.spans();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let host = span(&spans, "orders outrigger:otel-examples/orders#process");
    let order = span(&spans, "process-order");
    let charge = span(&spans, "charge-card");
    for s in [host, order, charge] {
        assert_eq!(hex(&s.trace_id), trace, "one trace: host span -> component span -> nested span");
    }
    assert!(host.parent_span_id.is_empty(), "the invocation starts the trace");
    assert_eq!(order.parent_span_id, host.span_id, "the guest's span is a child of the host's");
    assert_eq!(charge.parent_span_id, order.span_id);
    assert_eq!(text(&order.attributes, "order.id").as_deref(), Some("A-1"));
    assert_eq!(text(&host.attributes, "outrigger.outcome").as_deref(), Some("ok"));
    assert_eq!(charge.events[0].name, "card.authorized");
    let resources = receiver.resource_attributes();
    let orders = resources.iter().find(|r| r.contains(&("outrigger.component".into(), "orders".into()))).unwrap();
    for kv in [
        ("service.name", "shop-api"),
        ("deployment.environment", "test"),
        ("team", "payments"),
        ("outrigger.workload", "shop"),
    ] {
        assert!(orders.contains(&(kv.0.to_string(), kv.1.to_string())), "{kv:?} in {orders:?}");
    }
    let logs = receiver.log_records();
    let line = logs
        .iter()
        .find(|l| matches!(&l.body, Some(b) if b.value == Some(AnyValue::StringValue("processing order A-1".into()))))
        .expect("the wasi:logging line");
    assert_eq!((line.severity_text.as_str(), line.severity_number), ("INFO", 9));
    assert_eq!(hex(&line.trace_id), trace, "logged inside the invocation's trace");
    let record =
        logs.iter().find(|l| text(&l.attributes, "order.id").as_deref() == Some("A-1")).expect("the wasi:otel record");
    assert_eq!(record.body.as_ref().unwrap().value, Some(AnyValue::StringValue("order A-1 accepted".into())));
    use opentelemetry_proto::tonic::metrics::v1::{metric::Data, number_data_point::Value as N};
    let metrics = receiver.metric_list();
    let counter = metrics.iter().find(|m| m.name == "orders.processed").expect("the counter");
    let Some(Data::Sum(sum)) = &counter.data else { panic!("{counter:?}") };
    assert!(sum.is_monotonic && sum.aggregation_temporality == 1, "a delta, monotonic sum");
    assert_eq!(sum.data_points[0].value, Some(N::AsInt(1)));
    let hist = metrics.iter().find(|m| m.name == "orders.amount").expect("the histogram");
    let Some(Data::Histogram(h)) = &hist.data else { panic!("{hist:?}") };
    assert_eq!((h.data_points[0].count, h.data_points[0].sum), (1, Some(42.5)));
    let invocations = metrics.iter().find(|m| m.name == "outrigger.invocations").expect("the host's metrics");
    let Some(Data::Sum(inv)) = &invocations.data else { panic!() };
    let point = inv
        .data_points
        .iter()
        .find(|p| text(&p.attributes, "outrigger.component").as_deref() == Some("orders"))
        .unwrap();
    assert_eq!(point.value, Some(N::AsInt(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_logs_and_metrics_arrive_over_http_protobuf() {
    let receiver = OtlpReceiver::start();
    check_one_order(&receiver, "").await;
    assert!(receiver.requests().iter().all(|r| r.transport == test_fixtures::Transport::Http));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_logs_and_metrics_arrive_over_grpc_with_gzip() {
    let receiver = OtlpReceiver::start();
    check_one_order(
        &receiver,
        "\n        OTEL_EXPORTER_OTLP_PROTOCOL: grpc\n        OTEL_EXPORTER_OTLP_COMPRESSION: gzip",
    )
    .await;
    assert!(receiver.requests().iter().all(|r| r.transport == test_fixtures::Transport::Grpc));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_answers_503_then_200_gets_every_batch_once() {
    let receiver = OtlpReceiver::start();
    receiver.script(2, Reply::Http { status: 503, retry_after: Some("0".into()) });
    let (w, _m) = start(&workload(&receiver, "", "")).await;
    for i in 0..5 {
        process(&w, &format!("R-{i}")).await;
    }
    w.shutdown().await;
    let spans = receiver.spans();
    let mut ids: Vec<Vec<u8>> = spans.iter().map(|s| s.span_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((spans.len(), ids.len()), (15, 15), "every span once, none twice");
    assert!(receiver.requests().iter().any(|r| r.reply.is_some()), "the 503s were really answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_is_down_loses_telemetry_not_calls() {
    let mut receiver = OtlpReceiver::start();
    receiver.stop();
    let env = "\n        OTEL_BSP_MAX_QUEUE_SIZE: \"16\"\n        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: \"8\"";
    let (w, _m) = start(&workload(&receiver, env, "")).await;
    for i in 0..100 {
        process(&w, &format!("D-{i}")).await; // never waits for the collector
    }
    let st = w.status();
    assert_eq!(st.components[0].failures, 0);
    let st = w.shutdown().await;
    assert!(st.telemetry_dropped > 0, "the drop counter says what was lost: {st}");
    assert_eq!(st.services[0].state, ServiceState::Stopped, "the sidecar stayed up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_one_clear_error_and_the_workload_keeps_running() {
    let receiver = OtlpReceiver::start();
    for (env, says) in [
        ("\n        OTEL_EXPORTER_OTLP_PROTOCOL: smtp", "OTEL_EXPORTER_OTLP_PROTOCOL"),
        ("\n        OTEL_EXPORTER_OTLP_HEADERS: \"no-equals-sign\"", "OTEL_EXPORTER_OTLP_HEADERS"),
        ("\n        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: \"not a url\"", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
    ] {
        let m = TestManifest::new(&workload(&receiver, env, ""));
        let w = Workload::start(&m.load(), options()).await.unwrap();
        let st = w.wait_for_service("otel", Duration::from_secs(20), |s| s.state.is_final()).await.unwrap();
        let why = st.last_error.unwrap_or_default();
        assert!(why.contains(says), "{says}: {why}");
        // Components that emit telemetry still work.
        process(&w, "still-works").await;
        w.shutdown().await;
    }
}

#[tokio::test]
async fn a_clean_stop_of_the_process_flushes_what_was_queued() {
    let receiver = OtlpReceiver::start();
    // A long schedule delay: only the stop can export these spans.
    let env = "\n        OTEL_BSP_SCHEDULE_DELAY: \"600000\"";
    let yaml = workload(&receiver, env, "").replace("        OTEL_BSP_SCHEDULE_DELAY: \"100\"\n", "");
    let m = TestManifest::new(&yaml);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_outrigger"))
        .args(["run", m.path.to_str().unwrap(), "--invoke", "orders.process(\"S-1\", 1.0)"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    if !line.starts_with("orders.process") {
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        panic!("{line}{err}");
    }
    assert!(receiver.spans().is_empty(), "nothing exported yet");
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(receiver.spans().len(), 3, "SIGTERM flushed the queued spans");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_spans_publisher_nats_and_handler() {
    let receiver = OtlpReceiver::start();
    let server = test_fixtures::NatsServer::start();
    let extra =
        "    - name: app\n      component: \"{wasm}/msg_app.wasm\"\n      config: { subscriptions: \"traced.>\" }\n";
    let yaml = workload(&receiver, "", extra).replace(
        "  components:\n",
        &format!(
            "    - name: nats\n      component: \"{{wasm}}/nats_bridge_service.wasm\"\n      env: {{ NATS_URL: \"{}\" }}\n      allowedHosts: [\"127.0.0.1:{}\"]\n  components:\n",
            server.url(),
            server.port()
        ),
    );
    let (w, _m) = start(&yaml).await;
    let r = w
        .invoke("app", "publish", &[Val::String("traced.order".into()), Val::String("hi".into()), Val::List(vec![])])
        .await
        .unwrap();
    assert!(matches!(r.as_slice(), [Val::Result(Ok(_))]), "{r:?}");
    // The handler runs when the message comes back from NATS.
    for _ in 0..100 {
        if w.status().components.iter().any(|c| c.name == "app" && c.invocations >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.shutdown().await;
    let spans = receiver.spans();
    let publish = span(&spans, "app outrigger:messaging-examples/driver#publish");
    let handle = span(&spans, "app wasi:messaging/incoming-handler#handle");
    assert_eq!(handle.trace_id, publish.trace_id, "one trace across NATS");
    assert_eq!(handle.parent_span_id, publish.span_id, "the handler's span is a child of the publisher's");
}
