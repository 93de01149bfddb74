//! [`Config`]: the OpenTelemetry SDK environment variables an OTLP exporter and its
//! batch processors read, parsed exactly as the specification defines them
//! (configuration/sdk-environment-variables.md, protocol/exporter.md):
//! general and per-signal OTLP settings, resource attributes, batch span / log
//! record processor and periodic metric reader settings.
//!
//! Files named by variables (CA, client certificate and key) are read through a
//! function the caller injects, so a service reads them from its mounted folders.
//! Every problem is reported at once in one [`ConfigError`]; variables that are
//! unknown or not applied here become [`ConfigWarning`]s.
mod endpoint;
mod lists;
mod vars;

pub use endpoint::Endpoint;
use lists::{parse_headers, parse_key_values};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use vars::{Kind, Vars};

/// One of the three OTLP signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    Traces,
    Logs,
    Metrics,
}

impl Signal {
    /// `traces`, `logs` or `metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
        }
    }

    /// `TRACES`, `LOGS` or `METRICS`, as in variable names.
    pub(crate) fn upper(self) -> &'static str {
        match self {
            Signal::Traces => "TRACES",
            Signal::Logs => "LOGS",
            Signal::Metrics => "METRICS",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The OTLP transport (`OTEL_EXPORTER_OTLP[_SIGNAL]_PROTOCOL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `grpc`: protobuf in gRPC framing over HTTP/2.
    Grpc,
    /// `http/protobuf` (the default): protobuf bodies POSTed over HTTP/1.1.
    HttpProtobuf,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
        })
    }
}

/// Request body compression (`OTEL_EXPORTER_OTLP[_SIGNAL]_COMPRESSION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
}

/// PEM inputs for TLS, already read from their files. `None` everywhere means:
/// trust the connector's default roots, present no client certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// `OTEL_EXPORTER_OTLP[_SIGNAL]_CERTIFICATE`: the CA(s) to trust.
    pub ca_pem: Option<Arc<[u8]>>,
    /// `OTEL_EXPORTER_OTLP[_SIGNAL]_CLIENT_CERTIFICATE`: chain for mutual TLS.
    pub client_cert_pem: Option<Arc<[u8]>>,
    /// `OTEL_EXPORTER_OTLP[_SIGNAL]_CLIENT_KEY`: its private key.
    pub client_key_pem: Option<Arc<[u8]>>,
}

/// Where and how one signal is exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalConfig {
    pub signal: Signal,
    /// `false` when `OTEL_SDK_DISABLED=true` or `OTEL_<SIGNAL>S_EXPORTER=none`.
    pub enabled: bool,
    pub protocol: Protocol,
    pub endpoint: Endpoint,
    /// Extra request headers (names lower-cased, values percent-decoded).
    pub headers: Vec<(String, String)>,
    /// The budget of one export, retries included. Zero in the variable means no
    /// limit (here: `u32::MAX` milliseconds, as the specification suggests).
    pub timeout: Duration,
    pub compression: Compression,
    pub tls: TlsFiles,
}

impl fmt::Display for SignalConfig {
    /// One line for logs; header values are not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.enabled {
            return write!(f, "{}: disabled", self.signal);
        }
        write!(f, "{}: {} {} (timeout {:?}", self.signal, self.protocol, self.endpoint, self.timeout)?;
        if self.compression == Compression::Gzip {
            f.write_str(", gzip")?;
        }
        if !self.headers.is_empty() {
            let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
            write!(f, ", headers: {}", names.join(", "))?;
        }
        if self.tls.ca_pem.is_some() {
            f.write_str(", custom CA")?;
        }
        if self.tls.client_cert_pem.is_some() {
            f.write_str(", client certificate")?;
        }
        f.write_str(")")
    }
}

/// Batch processor settings (`OTEL_BSP_*` for spans, `OTEL_BLRP_*` for log records).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// Delay between two consecutive exports (time trigger).
    pub schedule_delay: Duration,
    /// Maximum time one export may take (0 in the variable: no limit).
    pub export_timeout: Duration,
    /// Items kept while waiting; more are dropped.
    pub max_queue_size: usize,
    /// Items per export (size trigger); never more than `max_queue_size`.
    pub max_export_batch_size: usize,
}

/// Periodic metric reader settings (`OTEL_METRIC_EXPORT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricReaderConfig {
    /// Time between the start of two exports.
    pub interval: Duration,
    /// Maximum time one export may take (0 in the variable: no limit).
    pub timeout: Duration,
}

/// Everything read from the `OTEL_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `OTEL_SDK_DISABLED=true`: nothing should be exported.
    pub disabled: bool,
    /// `OTEL_RESOURCE_ATTRIBUTES` in order, with `service.name` from
    /// `OTEL_SERVICE_NAME` (which takes precedence) last. `service.name` is
    /// absent when neither sets it.
    pub resource_attributes: Vec<(String, String)>,
    pub traces: SignalConfig,
    pub logs: SignalConfig,
    pub metrics: SignalConfig,
    /// `OTEL_BSP_*`.
    pub span_batch: BatchConfig,
    /// `OTEL_BLRP_*`.
    pub log_batch: BatchConfig,
    /// `OTEL_METRIC_EXPORT_*`.
    pub metric_reader: MetricReaderConfig,
    /// Variables that were ignored, and why (log them).
    pub warnings: Vec<ConfigWarning>,
}

/// A variable that was ignored or interpreted leniently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// One unusable variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

/// Every unusable variable at once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid OpenTelemetry configuration ({} problem(s)):{}", problems.len(), list(problems))]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  - {}: {}", p.key, p.message)).collect()
}

impl Config {
    /// Reads the process environment; files with `std::fs::read`.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(std::env::vars(), |path| std::fs::read(path))
    }

    /// Reads `vars` (other keys than `OTEL_*` are ignored); files named by them are
    /// read with `read(path)`.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
        read: impl Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<Config, ConfigError> {
        let mut v = Vars::new(vars);
        let disabled = v.boolean("OTEL_SDK_DISABLED");
        let resource_attributes = resource(&mut v);
        let mut files = Files { read: &read, cache: HashMap::new() };
        let traces = signal(&mut v, &mut files, Signal::Traces, disabled);
        let logs = signal(&mut v, &mut files, Signal::Logs, disabled);
        let metrics = signal(&mut v, &mut files, Signal::Metrics, disabled);
        let span_batch = batch(&mut v, "OTEL_BSP", Duration::from_millis(5000));
        let log_batch = batch(&mut v, "OTEL_BLRP", Duration::from_millis(1000));
        let interval = v.millis("OTEL_METRIC_EXPORT_INTERVAL", 60_000, Kind::Interval);
        let timeout = v.millis("OTEL_METRIC_EXPORT_TIMEOUT", 30_000, Kind::Timeout);
        let metric_reader = MetricReaderConfig { interval, timeout };
        let (problems, warnings) = v.finish();
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        Ok(Config {
            disabled,
            resource_attributes,
            traces,
            logs,
            metrics,
            span_batch,
            log_batch,
            metric_reader,
            warnings,
        })
    }

    /// The settings of one signal.
    pub fn signal(&self, signal: Signal) -> &SignalConfig {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Logs => &self.logs,
            Signal::Metrics => &self.metrics,
        }
    }

    /// The resource attributes as an OTLP `Resource` (string values).
    pub fn resource(&self) -> opentelemetry_proto::tonic::resource::v1::Resource {
        use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
        let attributes = self
            .resource_attributes
            .iter()
            .map(|(k, v)| KeyValue {
                key: k.clone(),
                value: Some(AnyValue { value: Some(Value::StringValue(v.clone())) }),
                ..Default::default()
            })
            .collect();
        opentelemetry_proto::tonic::resource::v1::Resource { attributes, ..Default::default() }
    }
}

fn resource(v: &mut Vars) -> Vec<(String, String)> {
    let mut attrs = match v.get("OTEL_RESOURCE_ATTRIBUTES") {
        Some(raw) => parse_key_values(&raw).unwrap_or_else(|e| {
            v.problem("OTEL_RESOURCE_ATTRIBUTES", e);
            Vec::new()
        }),
        None => Vec::new(),
    };
    // A later duplicate wins, as in a merge.
    let mut seen = std::collections::HashSet::new();
    let mut dedup: Vec<(String, String)> = attrs.drain(..).rev().filter(|(k, _)| seen.insert(k.clone())).collect();
    dedup.reverse();
    if let Some(name) = v.get("OTEL_SERVICE_NAME") {
        dedup.retain(|(k, _)| k != "service.name");
        dedup.push(("service.name".into(), name));
    }
    dedup
}

/// Reads each file once, reporting unreadable ones against the variable.
struct Files<'a> {
    read: &'a dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    cache: HashMap<String, Result<Arc<[u8]>, String>>,
}

impl Files<'_> {
    fn load(&mut self, v: &mut Vars, key: &str, path: &str, looks_like: &str, what: &str) -> Option<Arc<[u8]>> {
        let read = self.read;
        let got =
            self.cache.entry(path.to_string()).or_insert_with(|| read(path).map(Arc::from).map_err(|e| e.to_string()));
        match got {
            Ok(bytes) if bytes.windows(looks_like.len()).any(|w| w == looks_like.as_bytes()) => Some(bytes.clone()),
            Ok(_) => {
                v.problem(
                    key,
                    format!("`{path}` holds no {what} (no `{looks_like}` found): is it the right file, and PEM?"),
                );
                None
            }
            Err(e) => {
                let hint = "mount its folder into the service (volumeMounts) and give the path inside it";
                v.problem(key, format!("cannot read `{path}`: {e} ({hint})"));
                None
            }
        }
    }
}

fn signal(v: &mut Vars, files: &mut Files, signal: Signal, disabled: bool) -> SignalConfig {
    let exporter_key = format!("OTEL_{}_EXPORTER", signal.upper());
    let selected = match v.get(&exporter_key).map(|s| s.trim().to_ascii_lowercase()) {
        None => true,
        Some(s) if s == "otlp" => true,
        Some(s) if s == "none" => false,
        Some(s) => {
            v.problem(&exporter_key, format!("`{s}` is not supported here: use `otlp` (the default) or `none`"));
            true
        }
    };
    let protocol = match v.signal_value(signal, "PROTOCOL") {
        None => Protocol::HttpProtobuf,
        Some((key, raw)) => match raw.trim().to_ascii_lowercase().as_str() {
            "grpc" => Protocol::Grpc,
            "http/protobuf" => Protocol::HttpProtobuf,
            "http/json" => {
                v.problem(&key, "`http/json` is not supported by this exporter: use `http/protobuf` or `grpc`");
                Protocol::HttpProtobuf
            }
            _ => {
                v.problem(
                    &key,
                    format!("unknown protocol `{raw}`: the supported values are `http/protobuf` and `grpc`"),
                );
                Protocol::HttpProtobuf
            }
        },
    };
    let insecure = v.signal_bool(signal, "INSECURE");
    let endpoint = endpoint::resolve(v, signal, protocol, insecure);
    let headers = match v.signal_value(signal, "HEADERS") {
        None => Vec::new(),
        Some((key, raw)) => parse_headers(&raw).unwrap_or_else(|e| {
            v.problem(&key, e);
            Vec::new()
        }),
    };
    let timeout = v.signal_millis(signal, "TIMEOUT", 10_000);
    let compression = match v.signal_value(signal, "COMPRESSION") {
        None => Compression::None,
        Some((key, raw)) => match raw.trim().to_ascii_lowercase().as_str() {
            "gzip" => Compression::Gzip,
            "none" => Compression::None,
            _ => {
                v.problem(&key, format!("unknown compression `{raw}`: the supported values are `gzip` and `none`"));
                Compression::None
            }
        },
    };
    let tls = tls_files(v, files, signal, endpoint.as_ref().is_some_and(|e| e.tls));
    SignalConfig {
        signal,
        enabled: selected && !disabled,
        protocol,
        endpoint: endpoint.unwrap_or_else(|| Endpoint::placeholder(signal)),
        headers,
        timeout,
        compression,
        tls,
    }
}

fn tls_files(v: &mut Vars, files: &mut Files, signal: Signal, secure: bool) -> TlsFiles {
    let mut t = TlsFiles::default();
    let mut keys = Vec::new();
    let items = [
        ("CERTIFICATE", "CERTIFICATE-----", "certificate"),
        ("CLIENT_CERTIFICATE", "CERTIFICATE-----", "certificate"),
        ("CLIENT_KEY", "PRIVATE KEY-----", "private key"),
    ];
    for (suffix, marker, what) in items {
        let Some((key, path)) = v.signal_value(signal, suffix) else { continue };
        let path = path.trim().to_string();
        if !secure {
            v.warn(&key, format!("ignored: the {signal} endpoint is not TLS (use an `https://` endpoint)"));
            continue;
        }
        let pem = files.load(v, &key, &path, marker, what);
        keys.push(key);
        match suffix {
            "CERTIFICATE" => t.ca_pem = pem,
            "CLIENT_CERTIFICATE" => t.client_cert_pem = pem,
            _ => t.client_key_pem = pem,
        }
    }
    let has_cert = keys.iter().any(|k| k.ends_with("_CLIENT_CERTIFICATE"));
    let has_key = keys.iter().any(|k| k.ends_with("_CLIENT_KEY"));
    if has_cert != has_key {
        let (set, missing) =
            if has_cert { ("CLIENT_CERTIFICATE", "CLIENT_KEY") } else { ("CLIENT_KEY", "CLIENT_CERTIFICATE") };
        v.problem(
            &format!("OTEL_EXPORTER_OTLP_{}_{missing}", signal.upper()),
            format!(
                "mutual TLS for {signal} needs both a client certificate and its key: {set} is set, {missing} is not"
            ),
        );
    }
    t
}

fn batch(v: &mut Vars, prefix: &str, delay: Duration) -> BatchConfig {
    let schedule_delay = v.millis(&format!("{prefix}_SCHEDULE_DELAY"), delay.as_millis() as u64, Kind::Duration);
    let export_timeout = v.millis(&format!("{prefix}_EXPORT_TIMEOUT"), 30_000, Kind::Timeout);
    let queue_key = format!("{prefix}_MAX_QUEUE_SIZE");
    let batch_key = format!("{prefix}_MAX_EXPORT_BATCH_SIZE");
    let max_queue_size = v.positive(&queue_key, 2048);
    let mut max_export_batch_size = v.positive(&batch_key, 512);
    if v.get(&batch_key).is_none() {
        // The default (512) follows a smaller queue size.
        max_export_batch_size = max_export_batch_size.min(max_queue_size);
    } else if max_export_batch_size > max_queue_size {
        v.problem(
            &batch_key,
            format!(
                "{max_export_batch_size} is more than {queue_key} ({max_queue_size}): it must be less than or equal"
            ),
        );
    }
    BatchConfig { schedule_delay, export_timeout, max_queue_size, max_export_batch_size }
}
