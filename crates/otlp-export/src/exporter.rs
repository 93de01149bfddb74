//! [`Exporter`]: sends `Export*ServiceRequest`s to the configured endpoints.
//! Each signal has its own connection (endpoints may differ), opened on first use,
//! kept between exports and reopened when it breaks; exports of one signal take
//! turns, different signals run concurrently. One export is a sequence of
//! attempts spaced by [`RetryPolicy`] or the server's advice, all within the
//! signal's timeout.
use crate::config::{Compression, Config, Protocol, Signal, SignalConfig};
use crate::error::{ErrorKind, ExportError};
use crate::io::{Connector, Spawn, Timer};
use crate::retry::{Backoff, RetryPolicy};
use crate::transport::{self, Failure, MAX_REQUEST, Sender, grpc, http};
use bytes::Bytes;
use futures::future::{Either, select};
use futures::lock::Mutex;
use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use prost::Message;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::future::Future;
use std::pin::pin;
use std::time::{Duration, Instant};

/// What a successful export reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportOutcome {
    /// Requests sent (1 without retries); 0 when the signal is disabled and
    /// nothing was sent.
    pub attempts: u32,
    /// The collector accepted only part of the data (or sent a warning): not
    /// retried, as the specification requires; log it and count the rejects.
    pub partial_success: Option<PartialSuccess>,
}

/// `partial_success` of an OTLP response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartialSuccess {
    /// Spans, log records or data points the collector dropped.
    pub rejected: i64,
    /// Why (may be a warning with `rejected == 0`).
    pub message: String,
}

struct Lane {
    config: SignalConfig,
    conn: Mutex<Option<Sender>>,
}

/// Exports to the endpoints of a [`Config`] over injected I/O. Methods take
/// `&self`: share it (`Rc`) between tasks freely.
pub struct Exporter<C, T, S> {
    connector: C,
    timer: T,
    spawn: S,
    retry: RetryPolicy,
    rng: std::sync::Mutex<StdRng>,
    traces: Lane,
    logs: Lane,
    metrics: Lane,
}

impl<C: Connector, T: Timer, S: Spawn> Exporter<C, T, S> {
    /// An exporter for `config`'s three signals. Nothing connects yet: the first
    /// export of each signal opens its connection, so a collector that is down
    /// at start is not an error.
    pub fn new(config: &Config, connector: C, timer: T, spawn: S) -> Self {
        let lane = |c: &SignalConfig| Lane { config: c.clone(), conn: Mutex::new(None) };
        let seed = {
            let mut s = [0u8; 8];
            // Jitter only needs to differ between instances: the clock will do
            // where there is no randomness.
            if getrandom::getrandom(&mut s).is_err() {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                s = (now.as_nanos() as u64).to_le_bytes();
            }
            u64::from_le_bytes(s)
        };
        Exporter {
            connector,
            timer,
            spawn,
            retry: RetryPolicy::default(),
            rng: std::sync::Mutex::new(StdRng::seed_from_u64(seed)),
            traces: lane(&config.traces),
            logs: lane(&config.logs),
            metrics: lane(&config.metrics),
        }
    }

    /// Spaces retries with `policy` instead of [`RetryPolicy::default`].
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The settings one signal is exported with.
    pub fn config(&self, signal: Signal) -> &SignalConfig {
        &self.lane(signal).config
    }

    fn lane(&self, signal: Signal) -> &Lane {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Logs => &self.logs,
            Signal::Metrics => &self.metrics,
        }
    }

    /// Sends spans.
    pub async fn export_traces(&self, request: ExportTraceServiceRequest) -> Result<ExportOutcome, ExportError> {
        let (attempts, body) = self.export(Signal::Traces, request.encode_to_vec()).await?;
        let partial = ExportTraceServiceResponse::decode(body).ok().and_then(|r| r.partial_success);
        Ok(outcome(attempts, partial.map(|p| (p.rejected_spans, p.error_message))))
    }

    /// Sends log records.
    pub async fn export_logs(&self, request: ExportLogsServiceRequest) -> Result<ExportOutcome, ExportError> {
        let (attempts, body) = self.export(Signal::Logs, request.encode_to_vec()).await?;
        let partial = ExportLogsServiceResponse::decode(body).ok().and_then(|r| r.partial_success);
        Ok(outcome(attempts, partial.map(|p| (p.rejected_log_records, p.error_message))))
    }

    /// Sends metrics.
    pub async fn export_metrics(&self, request: ExportMetricsServiceRequest) -> Result<ExportOutcome, ExportError> {
        let (attempts, body) = self.export(Signal::Metrics, request.encode_to_vec()).await?;
        let partial = ExportMetricsServiceResponse::decode(body).ok().and_then(|r| r.partial_success);
        Ok(outcome(attempts, partial.map(|p| (p.rejected_data_points, p.error_message))))
    }

    /// Sends one encoded message with retries; returns the attempts and the
    /// response message.
    async fn export(&self, signal: Signal, message: Vec<u8>) -> Result<(u32, Bytes), ExportError> {
        let lane = self.lane(signal);
        let cfg = &lane.config;
        if !cfg.enabled {
            return Ok((0, Bytes::new()));
        }
        let started = Instant::now();
        if message.len() > MAX_REQUEST {
            let kind = ErrorKind::TooLarge { size: message.len(), limit: MAX_REQUEST };
            return Err(ExportError::new(cfg, 0, started.elapsed(), None, kind));
        }
        let gzip = cfg.compression == Compression::Gzip;
        let payload = if gzip { transport::gzip(&message) } else { message };
        let body = match cfg.protocol {
            Protocol::HttpProtobuf => Bytes::from(payload),
            Protocol::Grpc => grpc::frame(&payload, gzip),
        };
        let mut conn = lane.conn.lock().await;
        let deadline = started.checked_add(cfg.timeout);
        let remaining = || deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(Instant::now()));
        let mut backoff = Backoff::new(self.retry);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let left = remaining();
            let failure = match self.within(left, self.attempt(cfg, &mut conn, &body, gzip, left)).await {
                Some(Ok(response)) => return Ok((attempts, response)),
                Some(Err(f)) => f,
                None => {
                    // Cut off mid-request: the connection's state is unknown.
                    *conn = None;
                    let stop = Some(format!("the export timeout of {:?} ran out", cfg.timeout));
                    let kind = ErrorKind::Connection { reason: "no answer before the export timeout".into() };
                    return Err(ExportError::new(cfg, attempts, started.elapsed(), stop, kind));
                }
            };
            eprintln!("DEBUG attempt {attempts}: {:?}", failure);
            if !failure.retryable {
                return Err(ExportError::new(cfg, attempts, started.elapsed(), None, failure.kind));
            }
            let delay = match failure.delay {
                Some(d) => d,
                None => backoff.next(&mut *self.rng.lock().unwrap_or_else(|e| e.into_inner())),
            };
            let left = remaining();
            if delay >= left {
                let stop = match failure.delay {
                    Some(d) => {
                        format!("the server asked to retry in {d:?}, after the export timeout of {:?}", cfg.timeout)
                    }
                    None => format!("the export timeout of {:?} ran out", cfg.timeout),
                };
                return Err(ExportError::new(cfg, attempts, started.elapsed(), Some(stop), failure.kind));
            }
            self.timer.sleep(delay).await;
        }
    }

    /// Runs `fut` for at most `limit`.
    async fn within<F: Future>(&self, limit: Duration, fut: F) -> Option<F::Output> {
        if limit == Duration::MAX {
            return Some(fut.await);
        }
        match select(pin!(fut), pin!(self.timer.sleep(limit))).await {
            Either::Left((out, _)) => Some(out),
            Either::Right(_) => None,
        }
    }

    /// One request on the kept connection (opened if needed). A kept connection
    /// that fails before answering is replaced at once, without counting as a
    /// failed attempt.
    async fn attempt(
        &self,
        cfg: &SignalConfig,
        conn: &mut Option<Sender>,
        body: &Bytes,
        gzip: bool,
        left: Duration,
    ) -> Result<Bytes, Failure> {
        let mut reused = conn.is_some();
        loop {
            if conn.is_none() {
                *conn = Some(transport::open(&self.connector, &self.spawn, cfg).await?);
                reused = false;
            }
            let sender = conn.as_mut().expect("just opened");
            let sent = match sender.ready().await {
                Ok(()) => {
                    let req = match cfg.protocol {
                        Protocol::HttpProtobuf => http::request(cfg, body.clone(), gzip),
                        Protocol::Grpc => grpc::request(cfg, body.clone(), gzip, left),
                    };
                    sender.send(req).await
                }
                Err(e) => Err(e),
            };
            let resp = match sent {
                Ok(resp) => resp,
                Err(e) => {
                    *conn = None;
                    // A kept connection the collector closed while idle (a
                    // restart, an idle timeout) fails before any answer: once
                    // more on a new connection. (At worst the collector got the
                    // data and answers again: OTLP is at-least-once.)
                    if reused && e.retryable {
                        reused = false;
                        continue;
                    }
                    return Err(e);
                }
            };
            let result = match cfg.protocol {
                Protocol::HttpProtobuf => http::response(resp).await,
                Protocol::Grpc => grpc::response(resp).await,
            };
            if let Err(f) = &result {
                if matches!(f.kind, ErrorKind::Connection { .. } | ErrorKind::Tls { .. }) {
                    *conn = None;
                }
            }
            return result;
        }
    }
}

fn outcome(attempts: u32, partial: Option<(i64, String)>) -> ExportOutcome {
    let partial_success = partial
        .filter(|(rejected, message)| *rejected != 0 || !message.is_empty())
        .map(|(rejected, message)| PartialSuccess { rejected, message });
    ExportOutcome { attempts, partial_success }
}
