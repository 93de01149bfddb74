//! The variable set being read: typed getters that follow the specification's
//! rules (an empty value is unset; booleans are `true` in any case and nothing
//! else; durations and timeouts are milliseconds; a timeout of 0 is no limit),
//! collecting problems and warnings, and the list of known variables that tells a
//! misspelt one from one this exporter does not apply.
use super::{ConfigWarning, Problem, Signal};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How a millisecond value is interpreted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// 0 is allowed (no delay).
    Duration,
    /// 0 means no limit.
    Timeout,
    /// Must be at least 1 ms (an interval of 0 would be a busy loop).
    Interval,
}

/// "No limit" for a timeout, as the specification suggests: the largest 32-bit
/// millisecond count.
pub(crate) const NO_LIMIT: Duration = Duration::from_millis(u32::MAX as u64);

const SUFFIXES: &[&str] = &[
    "ENDPOINT",
    "PROTOCOL",
    "HEADERS",
    "TIMEOUT",
    "COMPRESSION",
    "CERTIFICATE",
    "CLIENT_KEY",
    "CLIENT_CERTIFICATE",
    "INSECURE",
];

const OTHERS: &[&str] = &[
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_EXPORTER",
    "OTEL_LOGS_EXPORTER",
    "OTEL_METRICS_EXPORTER",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BLRP_SCHEDULE_DELAY",
    "OTEL_BLRP_EXPORT_TIMEOUT",
    "OTEL_BLRP_MAX_QUEUE_SIZE",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_METRIC_EXPORT_TIMEOUT",
];

/// Specified variables that belong to other parts of an SDK (sampling,
/// propagation, limits, other exporters): recognised, not applied here.
const NOT_APPLIED: &[&str] = &[
    "OTEL_LOG_LEVEL",
    "OTEL_PROPAGATORS",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_ENTITIES",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "OTEL_SPAN_LINK_COUNT_LIMIT",
    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_METRICS_EXEMPLAR_FILTER",
    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "OTEL_EXPORTER_ZIPKIN_TIMEOUT",
    "OTEL_EXPORTER_PROMETHEUS_HOST",
    "OTEL_EXPORTER_PROMETHEUS_PORT",
    "OTEL_CONFIG_FILE",
    "OTEL_EXPERIMENTAL_CONFIG_FILE",
];

/// Obsolete spellings (exporter.md, note 2) and what replaces them.
const OBSOLETE: &[(&str, &str)] = &[
    ("OTEL_EXPORTER_OTLP_SPAN_INSECURE", "OTEL_EXPORTER_OTLP_TRACES_INSECURE"),
    ("OTEL_EXPORTER_OTLP_METRIC_INSECURE", "OTEL_EXPORTER_OTLP_METRICS_INSECURE"),
];

fn known() -> BTreeSet<String> {
    let mut k: BTreeSet<String> = OTHERS.iter().map(|s| s.to_string()).collect();
    for suffix in SUFFIXES {
        k.insert(format!("OTEL_EXPORTER_OTLP_{suffix}"));
        for signal in ["TRACES", "LOGS", "METRICS"] {
            k.insert(format!("OTEL_EXPORTER_OTLP_{signal}_{suffix}"));
        }
    }
    k
}

pub(crate) struct Vars {
    map: BTreeMap<String, String>,
    problems: Vec<Problem>,
    warnings: Vec<ConfigWarning>,
}

impl Vars {
    pub(crate) fn new(vars: impl IntoIterator<Item = (String, String)>) -> Vars {
        let map = vars.into_iter().filter(|(k, _)| k.starts_with("OTEL_")).collect();
        Vars { map, problems: Vec::new(), warnings: Vec::new() }
    }

    /// Records a problem (once: general variables are read for every signal).
    pub(crate) fn problem(&mut self, key: &str, message: impl Into<String>) {
        let p = Problem { key: key.to_string(), message: message.into() };
        if !self.problems.contains(&p) {
            self.problems.push(p);
        }
    }

    pub(crate) fn warn(&mut self, key: &str, message: impl Into<String>) {
        let w = ConfigWarning { key: key.to_string(), message: message.into() };
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    /// The value, or `None` when unset or empty (the specification treats both
    /// alike).
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.map.get(key).filter(|v| !v.trim().is_empty()).cloned()
    }

    /// `OTEL_EXPORTER_OTLP_<SIGNAL>_<suffix>`, else `OTEL_EXPORTER_OTLP_<suffix>`:
    /// the key that was used and its value.
    pub(crate) fn signal_value(&self, signal: Signal, suffix: &str) -> Option<(String, String)> {
        let specific = format!("OTEL_EXPORTER_OTLP_{}_{suffix}", signal.upper());
        let general = format!("OTEL_EXPORTER_OTLP_{suffix}");
        [specific, general].into_iter().find_map(|k| self.get(&k).map(|v| (k, v)))
    }

    /// A boolean: `true` in any case is true; anything else is false, with a
    /// warning unless it is `false`.
    pub(crate) fn boolean(&mut self, key: &str) -> bool {
        match self.get(key) {
            Some(v) => self.parse_bool(key, &v),
            None => false,
        }
    }

    pub(crate) fn signal_bool(&mut self, signal: Signal, suffix: &str) -> bool {
        match self.signal_value(signal, suffix) {
            Some((key, v)) => self.parse_bool(&key, &v),
            None => false,
        }
    }

    fn parse_bool(&mut self, key: &str, v: &str) -> bool {
        let v = v.trim();
        if v.eq_ignore_ascii_case("true") {
            return true;
        }
        if !v.eq_ignore_ascii_case("false") {
            self.warn(key, format!("`{v}` is taken as false: only `true` (in any case) means true"));
        }
        false
    }

    /// Milliseconds (a non-negative integer).
    pub(crate) fn millis(&mut self, key: &str, default_ms: u64, kind: Kind) -> Duration {
        match self.get(key) {
            Some(v) => self.parse_millis(key, &v, kind).unwrap_or(Duration::from_millis(default_ms)),
            None => Duration::from_millis(default_ms),
        }
    }

    pub(crate) fn signal_millis(&mut self, signal: Signal, suffix: &str, default_ms: u64) -> Duration {
        match self.signal_value(signal, suffix) {
            Some((key, v)) => self.parse_millis(&key, &v, Kind::Timeout).unwrap_or(Duration::from_millis(default_ms)),
            None => Duration::from_millis(default_ms),
        }
    }

    fn parse_millis(&mut self, key: &str, v: &str, kind: Kind) -> Option<Duration> {
        let v = v.trim();
        let Ok(ms) = v.parse::<u64>() else {
            let why = if v.starts_with('-') { "must not be negative" } else { "is not a whole number" };
            self.problem(key, format!("`{v}` {why}: give milliseconds, e.g. `10000` for 10 s"));
            return None;
        };
        match (ms, kind) {
            (0, Kind::Timeout) => Some(NO_LIMIT),
            (0, Kind::Interval) => {
                self.problem(key, "must be at least 1 (milliseconds)");
                None
            }
            _ => Some(Duration::from_millis(ms)),
        }
    }

    /// A positive integer.
    pub(crate) fn positive(&mut self, key: &str, default: usize) -> usize {
        let Some(v) = self.get(key) else { return default };
        match v.trim().parse::<usize>() {
            Ok(n) if n > 0 && n <= i32::MAX as usize => n,
            Ok(_) => {
                self.problem(key, format!("`{}` is out of range: give a positive number up to 2147483647", v.trim()));
                default
            }
            Err(_) => {
                self.problem(key, format!("`{}` is not a positive whole number", v.trim()));
                default
            }
        }
    }

    /// Warns about every `OTEL_*` variable that is not read here, and returns
    /// what was collected.
    pub(crate) fn finish(mut self) -> (Vec<Problem>, Vec<ConfigWarning>) {
        let known = known();
        let keys: Vec<String> = self.map.keys().cloned().collect();
        for key in keys {
            if known.contains(&key) {
                continue;
            }
            if let Some((_, new)) = OBSOLETE.iter().find(|(old, _)| *old == key) {
                self.warn(&key, format!("obsolete spelling, ignored: use {new}"));
            } else if NOT_APPLIED.contains(&key.as_str()) {
                self.warn(&key, "not applied by this exporter (ignored)");
            } else {
                let best = known
                    .iter()
                    .map(String::as_str)
                    .chain(NOT_APPLIED.iter().copied())
                    .map(|k| (strsim::levenshtein(k, &key), k))
                    .min();
                let hint = match best {
                    Some((d, k)) if d <= 3 => format!("; did you mean {k}?"),
                    _ => String::new(),
                };
                self.warn(&key, format!("unknown OpenTelemetry variable (ignored){hint}"));
            }
        }
        (self.problems, self.warnings)
    }
}
