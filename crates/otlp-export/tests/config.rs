//! `Config::from_vars` against the specification: defaults, every variable,
//! per-signal overrides, endpoint construction, percent-decoding, and the
//! problems and warnings it reports (all at once).
mod support;

use otlp_export::{Compression, Protocol, Signal};
use std::time::Duration;
use support::{config, config_with};

const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

fn problems(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    let e = config_with(vars, &[]).expect_err("should be rejected");
    e.problems.into_iter().map(|p| (p.key, p.message)).collect()
}

#[test]
fn defaults_follow_the_specification() {
    let c = config(&[("PATH", "/usr/bin"), ("HOME", "/root")]);
    assert!(!c.disabled);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert!(c.resource_attributes.is_empty());
    for s in [Signal::Traces, Signal::Logs, Signal::Metrics] {
        let sc = c.signal(s);
        assert!(sc.enabled);
        assert_eq!(sc.protocol, Protocol::HttpProtobuf);
        assert_eq!(sc.endpoint.url(), format!("http://localhost:4318/v1/{s}"));
        assert_eq!(sc.timeout, Duration::from_secs(10));
        assert_eq!(sc.compression, Compression::None);
        assert!(sc.headers.is_empty());
        assert_eq!(sc.tls, Default::default());
    }
    let bsp = c.span_batch;
    assert_eq!((bsp.schedule_delay, bsp.export_timeout), (Duration::from_millis(5000), Duration::from_millis(30000)));
    assert_eq!((bsp.max_queue_size, bsp.max_export_batch_size), (2048, 512));
    let blrp = c.log_batch;
    assert_eq!((blrp.schedule_delay, blrp.export_timeout), (Duration::from_millis(1000), Duration::from_millis(30000)));
    assert_eq!((blrp.max_queue_size, blrp.max_export_batch_size), (2048, 512));
    assert_eq!(c.metric_reader.interval, Duration::from_millis(60000));
    assert_eq!(c.metric_reader.timeout, Duration::from_millis(30000));
}

#[test]
fn base_endpoint_gets_signal_paths_and_per_signal_endpoints_are_used_as_is() {
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/mycollector"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://collector.example.com/v1/metrics/"),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://logs:9000"),
    ]);
    assert_eq!(c.traces.endpoint.url(), "http://collector:4318/mycollector/v1/traces");
    assert_eq!(c.metrics.endpoint.url(), "https://collector.example.com/v1/metrics/");
    assert!(c.metrics.endpoint.tls);
    assert_eq!(c.metrics.endpoint.port, 443);
    // No path: the root path, not /v1/logs.
    assert_eq!(c.logs.endpoint.path, "/");
    assert_eq!((c.logs.endpoint.host.as_str(), c.logs.endpoint.port), ("logs", 9000));

    for (base, traces) in [
        ("http://collector:4318", "/v1/traces"),
        ("http://collector:4318/", "/v1/traces"),
        ("http://collector:4318/mycollector/", "/mycollector/v1/traces"),
        ("http://collector:4318/a?tenant=7", "/a/v1/traces?tenant=7"),
        ("http://collector", "/v1/traces"),
    ] {
        let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", base)]);
        assert_eq!(c.traces.endpoint.path, traces, "{base}");
    }
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector")]);
    assert_eq!(c.traces.endpoint.port, 80);
    let c = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://[::1]:4318")]);
    assert_eq!(
        (c.traces.endpoint.host.as_str(), c.traces.endpoint.url().as_str()),
        ("::1", "http://[::1]:4318/v1/traces")
    );
}

#[test]
fn grpc_uses_the_origin_and_its_own_default() {
    let c = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
    assert_eq!(c.traces.protocol, Protocol::Grpc);
    assert_eq!(c.traces.endpoint.url(), "http://localhost:4317/");
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "GRPC"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317/v1/traces"),
    ]);
    assert_eq!(c.traces.endpoint.url(), "https://collector:4317/");
    assert!(
        c.warnings.iter().any(|w| w.key == "OTEL_EXPORTER_OTLP_ENDPOINT" && w.message.contains("ignored")),
        "{:?}",
        c.warnings
    );
    // Scheme-less: secure unless INSECURE is true.
    let c = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]);
    assert!(c.traces.endpoint.tls);
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
        ("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "true"),
    ]);
    assert!(!c.traces.endpoint.tls);
    assert!(c.logs.endpoint.tls, "INSECURE for traces only");
    // An explicit scheme wins over INSECURE.
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"),
        ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
    ]);
    assert!(c.traces.endpoint.tls);
}

#[test]
fn per_signal_variables_override_the_general_ones() {
    let c = config_with(
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"),
            ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://logs.example.com/otlp/logs"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-general=1"),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-metrics=2"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/certs/ca.pem"),
            ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/certs/traces-ca.pem"),
            ("OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE", "/certs/client.pem"),
            ("OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "/certs/client.key"),
        ],
        &[
            ("/certs/ca.pem", CA),
            ("/certs/traces-ca.pem", &CA.replace("MIIB", "MIIC")),
            ("/certs/client.pem", CA),
            ("/certs/client.key", KEY),
        ],
    )
    .unwrap();
    assert_eq!(
        (c.traces.protocol, c.logs.protocol, c.metrics.protocol),
        (Protocol::Grpc, Protocol::HttpProtobuf, Protocol::Grpc)
    );
    assert_eq!(c.logs.endpoint.url(), "https://logs.example.com/otlp/logs");
    assert_eq!(c.traces.headers, [("x-general".to_string(), "1".to_string())]);
    assert_eq!(c.metrics.headers, [("x-metrics".to_string(), "2".to_string())], "replaced, not merged");
    assert_eq!((c.traces.timeout, c.logs.timeout), (Duration::from_millis(700), Duration::from_millis(2500)));
    assert_eq!((c.traces.compression, c.metrics.compression), (Compression::Gzip, Compression::None));
    assert!(c.traces.tls.ca_pem.as_deref().unwrap().windows(4).any(|w| w == b"MIIC"));
    assert!(c.logs.tls.ca_pem.as_deref().unwrap().windows(4).any(|w| w == b"MIIB"));
    assert!(c.logs.tls.client_key_pem.is_some() && c.logs.tls.client_cert_pem.is_some());
    assert!(c.traces.tls.client_key_pem.is_none());
    let line = c.metrics.to_string();
    assert!(line.contains("x-metrics") && !line.contains("=2"), "header values stay out of logs: {line}");
}

#[test]
fn headers_and_resource_attributes_are_percent_decoded() {
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_HEADERS", " Authorization = Basic%20dXNlcjpwYXNz , X-Tenant=a%2Cb%3Dc ,"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=ignored,deployment.environment=prod%20eu,k%3D1=v%2C1,note=%E2%9C%93",
        ),
        ("OTEL_SERVICE_NAME", "checkout"),
    ]);
    assert_eq!(
        c.traces.headers,
        [
            ("authorization".to_string(), "Basic dXNlcjpwYXNz".to_string()),
            ("x-tenant".to_string(), "a,b=c".to_string())
        ]
    );
    let attrs: Vec<(&str, &str)> = c.resource_attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        attrs,
        [("deployment.environment", "prod eu"), ("k=1", "v,1"), ("note", "✓"), ("service.name", "checkout")]
    );
    let r = c.resource();
    assert_eq!(r.attributes.len(), 4);

    let c = config(&[("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,a=1,a=2")]);
    assert_eq!(
        c.resource_attributes,
        [("service.name".to_string(), "from-attrs".to_string()), ("a".to_string(), "2".to_string())]
    );
}

#[test]
fn booleans_timeouts_and_empty_values() {
    let c = config(&[("OTEL_SDK_DISABLED", "TRUE")]);
    assert!(c.disabled && !c.traces.enabled && !c.logs.enabled && !c.metrics.enabled);
    let c = config(&[("OTEL_SDK_DISABLED", "yes")]);
    assert!(!c.disabled, "only `true` is true");
    assert!(c.warnings.iter().any(|w| w.key == "OTEL_SDK_DISABLED" && w.message.contains("taken as false")));
    let c = config(&[("OTEL_SDK_DISABLED", "false"), ("OTEL_TRACES_EXPORTER", "none"), ("OTEL_LOGS_EXPORTER", "otlp")]);
    assert!(!c.traces.enabled && c.logs.enabled && c.metrics.enabled && c.warnings.is_empty());
    // Timeout 0 is no limit; empty values are unset.
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
        ("OTEL_BSP_MAX_QUEUE_SIZE", " "),
    ]);
    assert_eq!(c.traces.timeout, Duration::from_millis(u32::MAX as u64));
    assert_eq!(c.traces.endpoint.url(), "http://localhost:4318/v1/traces");
    assert_eq!(c.span_batch.max_queue_size, 2048);
    let c = config(&[
        ("OTEL_BSP_SCHEDULE_DELAY", "250"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "0"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "4096"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "1000"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "15000"),
        ("OTEL_METRIC_EXPORT_TIMEOUT", "5000"),
    ]);
    assert_eq!(c.span_batch.schedule_delay, Duration::from_millis(250));
    assert_eq!(c.span_batch.export_timeout, Duration::from_millis(u32::MAX as u64));
    assert_eq!(
        (c.span_batch.max_queue_size, c.span_batch.max_export_batch_size),
        (100, 100),
        "default batch follows the queue"
    );
    assert_eq!((c.log_batch.max_queue_size, c.log_batch.max_export_batch_size), (4096, 1000));
    assert_eq!((c.metric_reader.interval, c.metric_reader.timeout), (Duration::from_secs(15), Duration::from_secs(5)));
}

#[test]
fn every_problem_is_reported_at_once() {
    let p = problems(&[
        ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc,Authorization Bearer secret-token"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "thrift"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "localhost:4318"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "-5"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "10"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "20"),
        ("OTEL_RESOURCE_ATTRIBUTES", "a=100%,b"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "0"),
        ("OTEL_BSP_SCHEDULE_DELAY", "-1"),
    ]);
    let find = |key: &str, text: &str| {
        assert!(
            p.iter().any(|(k, m)| k == key && m.contains(text)),
            "no problem for {key} mentioning `{text}` in {p:#?}"
        )
    };
    find("OTEL_EXPORTER_OTLP_HEADERS", "entry 2");
    assert!(!p.iter().any(|(_, m)| m.contains("secret-token")), "secrets are not echoed: {p:#?}");
    find(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "`http/json` is not supported by this exporter: use `http/protobuf` or `grpc`",
    );
    find("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "the supported values are `http/protobuf` and `grpc`");
    find("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://localhost:4318");
    find("OTEL_EXPORTER_OTLP_TIMEOUT", "`10s` is not a whole number");
    find("OTEL_EXPORTER_OTLP_COMPRESSION", "`gzip` and `none`");
    find("OTEL_BSP_MAX_QUEUE_SIZE", "-5");
    find("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "OTEL_BLRP_MAX_QUEUE_SIZE (10)");
    find("OTEL_RESOURCE_ATTRIBUTES", "entry 1");
    find("OTEL_RESOURCE_ATTRIBUTES", "entry 2 (`b`) has no `=`");
    find("OTEL_METRIC_EXPORT_INTERVAL", "at least 1");
    find("OTEL_BSP_SCHEDULE_DELAY", "must not be negative");
    let text = config_with(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "x")], &[])
        .unwrap_err()
        .to_string();
    assert!(text.starts_with("invalid OpenTelemetry configuration (2 problem(s)):\n  - "), "{text}");
}

#[test]
fn malformed_endpoints_and_headers() {
    for (value, text) in [
        ("ftp://collector:21", "scheme `ftp` is not supported"),
        ("http://", "has no host"),
        ("http://collector:0", "port 0"),
        ("http://collector:99999", "99999"),
        ("http://user:pw@collector:4318", "credentials in the URL"),
        ("http://collector:4318/a b", "not a valid URL"),
    ] {
        let p = problems(&[("OTEL_EXPORTER_OTLP_ENDPOINT", value)]);
        assert!(p.iter().any(|(k, m)| k == "OTEL_EXPORTER_OTLP_ENDPOINT" && m.contains(text)), "{value}: {p:?}");
    }
    for (value, text) in [
        ("bad header=1", "not a valid HTTP header name"),
        ("=1", "empty key"),
        ("x-a=%zz", "`%` that does not start an escape"),
        ("x-a=%FF", "invalid UTF-8"),
        ("x-a=line%0Abreak", "not a valid header value"),
    ] {
        let p = problems(&[("OTEL_EXPORTER_OTLP_TRACES_HEADERS", value)]);
        assert!(p.iter().any(|(k, m)| k == "OTEL_EXPORTER_OTLP_TRACES_HEADERS" && m.contains(text)), "{value}: {p:?}");
    }
}

#[test]
fn certificate_files_are_read_and_checked() {
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/certs/missing.pem"),
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/certs/key.pem"),
        ("OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE", "/certs/client.pem"),
    ];
    let e = config_with(&vars, &[("/certs/key.pem", KEY), ("/certs/client.pem", CA)]).unwrap_err();
    let p: Vec<(String, String)> = e.problems.into_iter().map(|p| (p.key, p.message)).collect();
    let has = |key: &str, text: &str| p.iter().any(|(k, m)| k == key && m.contains(text));
    assert!(has("OTEL_EXPORTER_OTLP_CERTIFICATE", "cannot read `/certs/missing.pem`"), "{p:#?}");
    assert!(has("OTEL_EXPORTER_OTLP_CERTIFICATE", "volumeMounts"), "{p:#?}");
    assert!(has("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "holds no certificate"), "{p:#?}");
    assert!(has("OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "needs both a client certificate and its key"), "{p:#?}");
    // Certificates for a plain http endpoint are ignored, with a warning.
    let c = config_with(&[("OTEL_EXPORTER_OTLP_CERTIFICATE", "/certs/ca.pem")], &[("/certs/ca.pem", CA)]).unwrap();
    assert!(c.traces.tls.ca_pem.is_none());
    assert!(c.warnings.iter().any(|w| w.key == "OTEL_EXPORTER_OTLP_CERTIFICATE" && w.message.contains("not TLS")));
}

#[test]
fn unknown_and_unapplied_variables_are_warnings() {
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_TRACE_ENDPOINT", "http://typo:4318"),
        ("OTEL_TRACES_SAMPLER", "always_on"),
        ("OTEL_EXPORTER_OTLP_SPAN_INSECURE", "true"),
        ("OTEL_SOMETHING_ELSE", "1"),
        ("NOT_OTEL", "x"),
    ]);
    let w = |key: &str| c.warnings.iter().find(|w| w.key == key).map(|w| w.message.clone()).unwrap_or_default();
    assert!(
        w("OTEL_EXPORTER_OTLP_TRACE_ENDPOINT").contains("did you mean OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?"),
        "{:?}",
        c.warnings
    );
    assert!(w("OTEL_TRACES_SAMPLER").contains("not applied"), "{:?}", c.warnings);
    assert!(w("OTEL_EXPORTER_OTLP_SPAN_INSECURE").contains("OTEL_EXPORTER_OTLP_TRACES_INSECURE"));
    assert!(w("OTEL_SOMETHING_ELSE").contains("unknown"));
    assert_eq!(c.warnings.len(), 4, "{:?}", c.warnings);
    assert_eq!(c.traces.endpoint.url(), "http://localhost:4318/v1/traces");
}
