//! Shared by the integration tests and the example: a tokio [`Connector`] (tokio
//! TCP with TCP_NODELAY + tokio-rustls, adapted to futures-io with tokio-util's
//! `compat`), a `spawn_local` spawner (connection tasks need not be `Send`, as in
//! a component), configuration from a variable list with in-memory "files", and
//! requests with recognisable content.
#![allow(dead_code)]
use otlp_export::proto::collector::logs::v1::ExportLogsServiceRequest;
use otlp_export::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otlp_export::proto::collector::trace::v1::ExportTraceServiceRequest;
use otlp_export::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otlp_export::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otlp_export::proto::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric, number_data_point,
};
use otlp_export::proto::resource::v1::Resource;
use otlp_export::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otlp_export::{Config, ConfigError, Connector, Exporter, RetryPolicy, Task, TlsSettings};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// tokio TCP + tokio-rustls, configured per connection from [`TlsSettings`].
#[derive(Clone, Copy, Default)]
pub struct TokioConnector;

impl Connector for TokioConnector {
    type Stream = Compat<TcpStream>;
    type TlsStream = Compat<tokio_rustls::client::TlsStream<TcpStream>>;

    fn connect(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Self::Stream>> {
        let (host, port) = (host.to_string(), port);
        async move {
            let s = TcpStream::connect((host.as_str(), port)).await?;
            s.set_nodelay(true)?;
            Ok(s.compat())
        }
    }

    fn upgrade(&self, stream: Self::Stream, tls: &TlsSettings) -> impl Future<Output = io::Result<Self::TlsStream>> {
        let config = client_config(tls);
        let name = ServerName::try_from(tls.server_name.clone());
        async move {
            let name = name.map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let s = tokio_rustls::TlsConnector::from(config?).connect(name, stream.into_inner()).await?;
            Ok(s.compat())
        }
    }
}

fn client_config(tls: &TlsSettings) -> io::Result<Arc<rustls::ClientConfig>> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_string());
    let mut roots = rustls::RootCertStore::empty();
    let ca = tls.ca_pem.as_ref().ok_or_else(|| invalid("tests always give a CA"))?;
    for c in CertificateDer::pem_slice_iter(ca) {
        roots.add(c.map_err(|_| invalid("CA PEM"))?).map_err(|_| invalid("CA"))?;
    }
    let b = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match (&tls.client_cert_pem, &tls.client_key_pem) {
        (Some(cert), Some(key)) => {
            let chain =
                CertificateDer::pem_slice_iter(cert).collect::<Result<Vec<_>, _>>().map_err(|_| invalid("cert"))?;
            let key = PrivateKeyDer::from_pem_slice(key).map_err(|_| invalid("key"))?;
            b.with_client_auth_cert(chain, key).map_err(|e| invalid(&e.to_string()))?
        }
        _ => b.with_no_client_auth(),
    };
    config.alpn_protocols = tls.alpn.clone();
    Ok(Arc::new(config))
}

/// Connection tasks on the current `LocalSet`.
pub fn spawn(task: Task) {
    tokio::task::spawn_local(task);
}

pub type TestExporter = Exporter<TokioConnector, fn(Duration) -> tokio::time::Sleep, fn(Task)>;

/// Quick retries for tests: 50 ms doubling to at most 200 ms.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy { initial_backoff: Duration::from_millis(50), max_backoff: Duration::from_millis(200), multiplier: 2.0 }
}

/// An exporter over tokio with [`fast_retry`].
pub fn exporter(config: &Config) -> TestExporter {
    Exporter::new(config, TokioConnector, tokio::time::sleep as fn(Duration) -> tokio::time::Sleep, spawn as fn(Task))
        .with_retry(fast_retry())
}

/// Runs `f` on a current-thread runtime inside a `LocalSet` (single-threaded,
/// like a component).
pub fn run<F: Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    tokio::task::LocalSet::new().block_on(&rt, f)
}

/// A configuration from `vars`; `files` are what the injected `read` finds.
pub fn config_with(vars: &[(&str, &str)], files: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let files: HashMap<String, Vec<u8>> = files.iter().map(|(p, c)| (p.to_string(), c.as_bytes().to_vec())).collect();
    let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Config::from_vars(vars, move |path| {
        files.get(path).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "No such file or directory"))
    })
}

pub fn config(vars: &[(&str, &str)]) -> Config {
    config_with(vars, &[]).expect("valid configuration")
}

pub fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }),
        ..Default::default()
    }
}

fn resource(service: &str) -> Option<Resource> {
    Some(Resource { attributes: vec![kv("service.name", service)], ..Default::default() })
}

fn scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope { name: "otlp-export-tests".into(), version: "1".into(), ..Default::default() })
}

/// `n` spans named `{prefix}-{i}` with distinct ids and an attribute.
pub fn spans(prefix: &str, n: usize) -> ExportTraceServiceRequest {
    let spans = (0..n)
        .map(|i| Span {
            trace_id: (i as u128 + 1).to_be_bytes().to_vec(),
            span_id: (i as u64 + 1).to_be_bytes().to_vec(),
            name: format!("{prefix}-{i}"),
            kind: 2,
            start_time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
            end_time_unix_nano: 1_700_000_000_000_500_000 + i as u64,
            attributes: vec![kv("http.route", "/orders/{id}"), kv("index", &i.to_string())],
            ..Default::default()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource("orders"),
            scope_spans: vec![ScopeSpans { scope: scope(), spans, ..Default::default() }],
            ..Default::default()
        }],
    }
}

/// `n` log records with bodies `{prefix}-{i}`.
pub fn logs(prefix: &str, n: usize) -> ExportLogsServiceRequest {
    let log_records = (0..n)
        .map(|i| LogRecord {
            time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
            severity_number: 9,
            severity_text: "INFO".into(),
            body: Some(AnyValue { value: Some(any_value::Value::StringValue(format!("{prefix}-{i}"))) }),
            ..Default::default()
        })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource("orders"),
            scope_logs: vec![ScopeLogs { scope: scope(), log_records, ..Default::default() }],
            ..Default::default()
        }],
    }
}

/// One gauge `{name}` with `n` points valued 0..n.
pub fn metrics(name: &str, n: usize) -> ExportMetricsServiceRequest {
    let data_points = (0..n)
        .map(|i| NumberDataPoint {
            time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
            value: Some(number_data_point::Value::AsInt(i as i64)),
            ..Default::default()
        })
        .collect();
    let metric = Metric {
        name: name.into(),
        unit: "1".into(),
        data: Some(metric::Data::Gauge(Gauge { data_points })),
        ..Default::default()
    };
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource("orders"),
            scope_metrics: vec![ScopeMetrics { scope: scope(), metrics: vec![metric], ..Default::default() }],
            ..Default::default()
        }],
    }
}
