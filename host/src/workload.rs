//! A running workload: its supervised services and reactive components, and the
//! API to call them, watch them and stop them.
use crate::assemble::{self, Assembled};
use crate::engine::catalogue::Catalogue;
use crate::engine::otel::host_metrics::{Latency, snapshot};
use crate::engine::otel::telemetry::{Item, telemetry};
use crate::engine::otel::trace::{Datetime, now as trace_now};
use crate::engine::{EngineOptions, HostEngine};
use crate::error::{CallError, StartError};
use crate::link::to_component::PoolTable;
use crate::link::to_service::ServiceHandle;
use crate::link::wiring::Wiring;
use crate::manifest::Manifest;
use crate::plan::{ExportRef, Plan};
use crate::run::reactive::{ExportFunc, ReactivePool};
use crate::run::status::{ComponentStatus, ServiceState, ServiceStatus, WorkloadStatus, now};
use crate::run::supervisor::Supervisor;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use wasmtime::component::Val;

/// Host-level settings.
#[derive(Clone)]
pub struct HostOptions {
    pub engine: EngineOptions,
    /// How long a stopping service's in-flight calls may take to finish.
    pub stop_grace: Duration,
    /// The interfaces the host serves itself (extend it with [`Catalogue::with`]).
    pub catalogue: Arc<Catalogue>,
    /// Experimental, off by default: a caller outside any store (this API, the
    /// host's pumps) runs an idle service's event loop itself instead of switching
    /// tasks (`run/home.rs`; one caller 64-73 % of the in-store rate instead of 46 %
    /// on the multi-thread runtime). Off because it still loses a wake-up: with it
    /// on, the e2e test `otel::one_trace_spans_publisher_nats_and_handler` fails
    /// 2-6 times in 15 (a message the bridge should deliver never arrives).
    pub callers_drive_services: bool,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            engine: EngineOptions::default(),
            stop_grace: Duration::from_secs(2),
            catalogue: Arc::new(Catalogue::builtin()),
            callers_drive_services: false,
        }
    }
}

/// Why waiting for a service failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WaitError {
    #[error("no service named `{0}`")]
    NoSuchService(String),
    #[error("service `{0}` supervisor ended")]
    Ended(String),
    #[error("service `{service}` did not reach the expected state within {timeout:?}; it is {status:?}")]
    Timeout { service: String, timeout: Duration, status: Box<ServiceStatus> },
}

#[derive(Clone)]
struct ServiceEntry {
    name: String,
    handle: ServiceHandle,
    /// Export slot of its `shutdown.stop`, if any.
    stop: Option<usize>,
    /// Why outrigger added it (see [`ServiceStatus::added_for`]).
    added_for: Option<String>,
    status: watch::Receiver<ServiceStatus>,
    served: Arc<std::sync::atomic::AtomicU64>,
    memory: Arc<std::sync::atomic::AtomicU64>,
}

/// A workload whose services are running (or finished).
pub struct Workload {
    name: String,
    engine: Arc<HostEngine>,
    services: Vec<ServiceEntry>,
    pools: Arc<PoolTable>,
    /// Per member: the exported functions other members call (the plan's export tables).
    exports: Vec<(String, Vec<ExportRef>)>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    wiring: Arc<Wiring>,
    grace: Duration,
    /// When the workload started (the start of its cumulative metrics).
    started: Datetime,
    /// Its ephemeral volumes' folders, removed when the workload is dropped.
    _scratch: assemble::Scratch,
}

/// A reactive component's exported function, resolved once for repeated calls.
#[derive(Clone)]
pub struct FuncRef {
    pool: Arc<ReactivePool>,
    func: ExportFunc,
}

impl Workload {
    /// Loads, links and starts a workload from a manifest file.
    pub async fn start_file(path: impl AsRef<std::path::Path>, options: HostOptions) -> Result<Workload, StartError> {
        let manifest = Manifest::load(path.as_ref())?;
        Workload::start(&manifest, options).await
    }

    /// Compiles and links `manifest` (failing with every problem at once), then
    /// starts one supervisor per service.
    pub async fn start(manifest: &Manifest, options: HostOptions) -> Result<Workload, StartError> {
        let engine = engine(&options)?;
        let (plan, Assembled { scratch, services, pools, wiring }) =
            assemble::build(&engine, manifest, options.stop_grace).await?;
        let names = manifest.members().map(|(_, e)| e.name.clone());
        let exports = names.zip(plan.exports).collect();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut entries = Vec::new();
        let mut tasks = Vec::new();
        for s in services {
            let home = s.handle.home().clone();
            entries.push(ServiceEntry {
                name: s.entry.name.clone(),
                handle: s.handle,
                stop: s.stop,
                added_for: manifest
                    .provided
                    .iter()
                    .find(|p| p.service == s.entry.name)
                    .map(|p| format!("{} ({})", p.interface, p.at)),
                status: s.status.subscribe(),
                served: s.runner.served.clone(),
                memory: s.runner.memory.clone(),
            });
            let sup = Supervisor {
                backoff: s.entry.backoff(),
                max_restarts: s.entry.max_restarts(),
                runner: s.runner,
                status: s.status,
                calls: s.calls,
                shutdown: shutdown_rx.clone(),
            };
            tasks.push(home.spawn(sup.run(), options.callers_drive_services));
        }
        let grace = options.stop_grace;
        let started = trace_now();
        if telemetry(&wiring).is_some() {
            let (name, services, pools, wiring) =
                (manifest.name().to_string(), entries.clone(), pools.clone(), wiring.clone());
            let mut stop = shutdown_rx.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(HOST_METRICS_EVERY) => push_host_metrics(&name, &services, &pools, &wiring, started),
                        _ = stop.changed() => break,
                    }
                }
            }));
        }
        Ok(Workload {
            name: manifest.name().to_string(),
            engine,
            services: entries,
            pools,
            exports,
            shutdown,
            tasks,
            wiring,
            grace,
            started,
            _scratch: scratch,
        })
    }

    /// Compiles and plans a manifest without running anything: what
    /// `outrigger validate` does after the manifest itself is valid.
    pub async fn check(manifest: &Manifest, options: HostOptions) -> Result<Plan, StartError> {
        let engine = engine(&options)?;
        // Assembling also links, which checks WASI imports against what the host provides.
        let (plan, _) = assemble::build(&engine, manifest, options.stop_grace).await?;
        Ok(plan)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn engine(&self) -> &Arc<HostEngine> {
        &self.engine
    }

    fn pool(&self, component: &str) -> Result<Arc<ReactivePool>, CallError> {
        let pools = self.pools.get().ok_or(CallError::ShuttingDown)?;
        pools.iter().flatten().find(|p| p.name == component).cloned().ok_or_else(|| CallError::NoSuchFunction {
            component: component.to_string(),
            function: "(any)".into(),
            available: format!(
                "no reactive component of that name; components: {}",
                pools.iter().flatten().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        })
    }

    /// Resolves `component`'s exported `function` (`bump`, `driver.bump` or
    /// `outrigger:examples/driver#bump`) for repeated calls.
    pub fn func(&self, component: &str, function: &str) -> Result<FuncRef, CallError> {
        let pool = self.pool(component)?;
        let func = pool.find(function)?;
        Ok(FuncRef { pool, func })
    }

    /// Calls a reactive component's export (in a fresh instance, or a warm one when
    /// it has `poolSize`).
    pub async fn invoke(&self, component: &str, function: &str, params: &[Val]) -> Result<Vec<Val>, CallError> {
        let f = self.func(component, function)?;
        f.call(params).await
    }

    /// A handle to call a service's exports directly (benchmarks, embedding).
    pub fn service(&self, name: &str) -> Option<&ServiceHandle> {
        self.services.iter().find(|s| s.name == name).map(|s| &s.handle)
    }

    /// The `target` to pass to [`ServiceHandle::call`] for a service's exported
    /// function. Only functions some member imports are callable (others are not
    /// looked up when the service starts).
    pub fn service_target(&self, service: &str, interface: &str, function: &str) -> Option<usize> {
        let (_, table) = self.exports.iter().find(|(n, _)| n == service)?;
        table.iter().position(|r| crate::names::names_compatible(&r.interface, interface) && r.function == function)
    }

    /// A snapshot of every service and component.
    pub fn status(&self) -> WorkloadStatus {
        status_of(&self.name, &self.services, &self.pools, &self.wiring)
    }

    /// Sends the host's metrics (invocations, latency, services) to the telemetry
    /// sidecar, if the workload has one.
    fn push_host_metrics(&self) {
        push_host_metrics(&self.name, &self.services, &self.pools, &self.wiring, self.started);
    }
}

/// A snapshot of a workload's services and components.
fn status_of(name: &str, services: &[ServiceEntry], pools: &PoolTable, wiring: &Wiring) -> WorkloadStatus {
    let services = services
        .iter()
        .map(|s| {
            let mut st = s.status.borrow().clone();
            st.calls = s.served.load(Ordering::Relaxed);
            st.memory = s.memory.load(Ordering::Relaxed);
            st.added_for = s.added_for.clone();
            st
        })
        .collect();
    let components = pools
        .get()
        .map(|pools| {
            pools
                .iter()
                .flatten()
                .map(|p| ComponentStatus {
                    name: p.name.clone(),
                    invocations: p.invocations.load(Ordering::Relaxed),
                    failures: p.failures.load(Ordering::Relaxed),
                    pool: p.warm.as_ref().map(|w| w.status()),
                })
                .collect()
        })
        .unwrap_or_default();
    let telemetry_dropped = telemetry(wiring)
        .map(|t| t.dropped.load(Ordering::Relaxed) + t.dropped_by_sidecar.load(Ordering::Relaxed))
        .unwrap_or(0);
    WorkloadStatus {
        workload: name.to_string(),
        pid: std::process::id(),
        updated: now(),
        services,
        components,
        telemetry_dropped,
    }
}

/// How often the host sends its own metrics to the telemetry sidecar.
const HOST_METRICS_EVERY: Duration = Duration::from_secs(10);

fn push_host_metrics(name: &str, services: &[ServiceEntry], pools: &PoolTable, wiring: &Wiring, started: Datetime) {
    let Some(t) = telemetry(wiring) else { return };
    let status = status_of(name, services, pools, wiring);
    let list = pools.get().map(|p| p.iter().flatten().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let latencies: Vec<(&str, &Latency)> = list.iter().map(|p| (p.name.as_str(), &p.latency)).collect();
    t.push(&Arc::from("outrigger"), Item::Metrics(snapshot(&status, &latencies, started)));
}

impl Workload {
    /// A receiver that sees every state change of one service.
    pub fn watch_service(&self, name: &str) -> Option<watch::Receiver<ServiceStatus>> {
        self.services.iter().find(|s| s.name == name).map(|s| s.status.clone())
    }

    /// Waits until service `name` satisfies `pred`, up to `timeout`.
    pub async fn wait_for_service(
        &self,
        name: &str,
        timeout: Duration,
        pred: impl FnMut(&ServiceStatus) -> bool,
    ) -> Result<ServiceStatus, WaitError> {
        let mut rx = self.watch_service(name).ok_or_else(|| WaitError::NoSuchService(name.to_string()))?;
        let r = tokio::time::timeout(timeout, async { rx.wait_for(pred).await.map(|s| s.clone()) }).await;
        match r {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(_)) => Err(WaitError::Ended(name.to_string())),
            Err(_) => {
                Err(WaitError::Timeout { service: name.to_string(), timeout, status: Box::new(rx.borrow().clone()) })
            }
        }
    }

    /// Waits until every service is RUNNING (or has already finished).
    pub async fn wait_running(&self, timeout: Duration) -> Result<(), WaitError> {
        for s in &self.services {
            self.wait_for_service(&s.name, timeout, |st| st.state == ServiceState::Running || st.state.is_final())
                .await?;
        }
        Ok(())
    }

    /// Stops every service (in-flight calls get the grace period), waits for the
    /// supervisors to finish and returns the final status.
    pub async fn shutdown(mut self) -> WorkloadStatus {
        self.stop().await;
        self.status()
    }

    /// Stops in order: the host's last metrics and the telemetry still queued on the
    /// host go to the sidecar, which
    /// exports it; services that export `outrigger:service/shutdown` finish their work
    /// (each at most the grace period); then every service stops.
    async fn stop(&mut self) {
        self.push_host_metrics();
        if let Some(t) = telemetry(&self.wiring)
            && let Ok(Err(e)) = tokio::time::timeout(self.grace, t.flush()).await
        {
            tracing::warn!("telemetry could not be flushed before stopping: {e}");
        }
        let grace = self.grace;
        let stops = self.services.iter().filter_map(|s| s.stop.map(|target| (s.handle.clone(), target)));
        let stops = stops.map(|(h, target)| async move {
            if let Ok(Err(e)) = tokio::time::timeout(grace, h.call(target, Vec::new())).await {
                tracing::warn!(service = %h.name(), "its shutdown.stop failed: {e}");
            }
        });
        futures::future::join_all(stops).await;
        let _ = self.shutdown.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Workload {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl FuncRef {
    /// Calls the function (in a fresh or a warm instance). Host-owned data resources (see
    /// [`crate::engine::data`]) are passed and returned as their plain values.
    pub async fn call(&self, params: &[Val]) -> Result<Vec<Val>, CallError> {
        let expected = self.func.ty.params().len();
        if params.len() != expected {
            return Err(CallError::BadArguments {
                component: self.pool.name.clone(),
                message: format!("`{}` takes {expected} argument(s), {} given", self.func.name, params.len()),
            });
        }
        self.pool.invoke(self.func.export.clone(), params.to_vec(), None).await
    }

    /// The function's type, for parsing arguments and printing results.
    pub fn ty(&self) -> &wasmtime::component::types::ComponentFunc {
        &self.func.ty
    }

    pub fn name(&self) -> &str {
        &self.func.name
    }

    /// The component's invocation counters: `(invocations, failures)`.
    pub fn counters(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.pool.invocations.load(Relaxed), self.pool.failures.load(Relaxed))
    }
}

/// The engine for one workload (its pooling allocator is sized per workload).
fn engine(options: &HostOptions) -> Result<Arc<HostEngine>, StartError> {
    HostEngine::new(options.engine.clone(), options.catalogue.clone())
        .map(Arc::new)
        .map_err(|e| StartError::Engine(format!("{e:#}")))
}
