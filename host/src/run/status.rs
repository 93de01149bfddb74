//! Observable state: each service's lifecycle state machine (STARTING, RUNNING,
//! BACKOFF, COMPLETED, ERROR, STOPPING, STOPPED), counters for reactive components
//! (and their warm instances),
//! and the workload status that `outrigger status` prints (also written to a JSON
//! status file while `outrigger run` runs).
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where a service is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceState {
    /// A fresh store is being created and the component instantiated.
    Starting,
    /// `run` is running; calls are served.
    Running,
    /// The last incarnation failed; waiting before the next restart.
    Backoff,
    /// `run` returned `Ok`: the service finished its work. Not restarted.
    Completed,
    /// Failed more than `maxRestarts` times in a row. Not restarted.
    Error,
    /// Shutting down: no new calls, in-flight calls get a grace period.
    Stopping,
    /// Shut down by the host.
    Stopped,
}

impl ServiceState {
    /// States from which the service never serves calls again.
    pub fn is_final(self) -> bool {
        matches!(self, ServiceState::Completed | ServiceState::Error | ServiceState::Stopped)
    }
}

impl fmt::Display for ServiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServiceState::Starting => "STARTING",
            ServiceState::Running => "RUNNING",
            ServiceState::Backoff => "BACKOFF",
            ServiceState::Completed => "COMPLETED",
            ServiceState::Error => "ERROR",
            ServiceState::Stopping => "STOPPING",
            ServiceState::Stopped => "STOPPED",
        })
    }
}

/// A snapshot of one service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceStatus {
    pub name: String,
    pub state: ServiceState,
    /// Incarnations started so far (1 = never restarted).
    pub incarnations: u64,
    /// Consecutive failures counted against `maxRestarts`.
    pub failures: u32,
    pub max_restarts: u32,
    /// Why the last incarnation ended, if it failed.
    pub last_error: Option<String>,
    /// When the service entered `state` (seconds since the Unix epoch).
    pub since: f64,
    /// Calls served by this service (all incarnations).
    pub calls: u64,
    /// Linear memory of the current incarnation, in bytes.
    #[serde(default)]
    pub memory: u64,
    /// Why outrigger added this service itself: the host interface it serves and
    /// where the manifest asks for it (`wasmcloud:messaging@0.2.0 (spec.hostInterfaces[0])`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_for: Option<String>,
}

impl ServiceStatus {
    pub fn new(name: &str, max_restarts: u32) -> ServiceStatus {
        ServiceStatus {
            name: name.to_string(),
            state: ServiceState::Starting,
            incarnations: 0,
            failures: 0,
            max_restarts,
            last_error: None,
            since: now(),
            calls: 0,
            memory: 0,
            added_for: None,
        }
    }
}

/// A snapshot of one reactive component.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ComponentStatus {
    pub name: String,
    pub invocations: u64,
    pub failures: u64,
    /// Its warm instances, when it keeps some (`poolSize`).
    #[serde(default)]
    pub pool: Option<PoolStatus>,
}

/// A reactive component's warm instances (counters since the workload started).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolStatus {
    /// `poolSize`, `maxInvocations` (0: no limit), `maxConcurrency`.
    pub size: u64,
    pub max_invocations: u64,
    pub max_concurrency: u64,
    /// Warm instances alive now.
    pub warm: u64,
    /// Warm instances started.
    pub started: u64,
    /// Calls served by a warm instance that had served one before.
    pub reused: u64,
    /// Calls served by a fresh instance because every warm one was busy.
    pub overflow: u64,
    /// Warm instances dropped after `maxInvocations` calls.
    pub retired: u64,
    /// Warm instances dropped after a trap, a time or memory limit, or a caller
    /// that stopped waiting.
    pub discarded: u64,
}

/// A snapshot of the whole workload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkloadStatus {
    pub workload: String,
    pub pid: u32,
    pub updated: f64,
    pub services: Vec<ServiceStatus>,
    pub components: Vec<ComponentStatus>,
    /// Telemetry items lost because a queue was full: the host's queue to the
    /// sidecar, and the sidecar's own (none without a sidecar).
    #[serde(default)]
    pub telemetry_dropped: u64,
}

impl WorkloadStatus {
    /// True when no service will serve calls again.
    pub fn all_services_final(&self) -> bool {
        self.services.iter().all(|s| s.state.is_final())
    }
}

pub(crate) fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs_f64()
}

impl fmt::Display for WorkloadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "workload {} (pid {})", self.workload, self.pid)?;
        if !self.services.is_empty() {
            writeln!(
                f,
                "  {:<20} {:<10} {:>6} {:>9} {:>10} {:>9}  LAST ERROR",
                "SERVICE", "STATE", "RUNS", "FAILURES", "CALLS", "MEMORY"
            )?;
        }
        for s in &self.services {
            let since = now() - s.since;
            writeln!(
                f,
                "  {:<20} {:<10} {:>6} {:>9} {:>10} {:>9}  {} (for {:.1}s)",
                s.name,
                s.state.to_string(),
                s.incarnations,
                format!("{}/{}", s.failures, s.max_restarts),
                s.calls,
                bytesize::ByteSize(s.memory).to_string(),
                s.last_error.as_deref().unwrap_or("-"),
                since
            )?;
        }
        for s in &self.services {
            if let Some(why) = &s.added_for {
                writeln!(f, "  ({} was added by outrigger: the workload asks for {why})", s.name)?;
            }
        }
        if !self.components.is_empty() {
            writeln!(f, "  {:<20} {:>12} {:>9}  WARM INSTANCES", "COMPONENT", "INVOCATIONS", "FAILURES")?;
        }
        for c in &self.components {
            let warm = match &c.pool {
                None => "- (fresh instance per call)".to_string(),
                Some(p) => format!(
                    "{}/{} warm, {} reused, {} fresh (pool busy), {} started, {} retired, {} discarded",
                    p.warm, p.size, p.reused, p.overflow, p.started, p.retired, p.discarded
                ),
            };
            writeln!(f, "  {:<20} {:>12} {:>9}  {warm}", c.name, c.invocations, c.failures)?;
        }
        if self.telemetry_dropped > 0 {
            writeln!(f, "  telemetry: {} item(s) dropped (a queue was full)", self.telemetry_dropped)?;
        }
        Ok(())
    }
}
