//! Reactive components: by default a fresh instance for every invocation, from a
//! pre-linked [`InstancePre`] and the pooling allocator, so nothing leaks from one
//! call to the next. A component whose manifest asks for warm instances
//! (`poolSize`, see `manifest/warm.rs`) is served by its [`WarmPool`] instead
//! (`pool.rs`), which reuses instances between calls and falls back to a fresh one
//! when all of them are busy. Each invocation has a memory limit and a wall-clock
//! time limit (epoch interruption stops a guest that spins; a timer stops one that
//! waits), and every failure becomes a typed [`CallError`] for its caller.
use crate::engine::ctx::Ctx;
use crate::engine::data::DataKinds;
use crate::engine::otel::host_metrics::Latency;
use crate::engine::otel::telemetry::{Item, Telemetry, telemetry};
use crate::engine::otel::trace::{InvocationSpan, SpanContext, SpanKind, TraceParent, TraceState, attr};
use crate::error::{CallError, chain};
use crate::link::{bring_params, take_results};
use crate::manifest::WarmPolicy;
use crate::plan::info::{ComponentInfo, export_index};
use crate::plan::wit_types::resources_in;
use crate::run::guest::{Export, Guest};
use crate::run::pool::WarmPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wasmtime::component::{Instance, Val};
use wasmtime::{Store, Trap};

/// One reactive component, ready to be instantiated per call.
pub(crate) struct ReactivePool {
    pub name: String,
    pub(super) guest: Guest,
    pub(super) timeout: Duration,
    pub(super) limits: CallLimits,
    pub info: ComponentInfo,
    /// The workload's telemetry queue, if it has a sidecar (looked up once).
    telemetry: std::sync::OnceLock<Option<Arc<Telemetry>>>,
    /// Invocation times (recorded when telemetry is on).
    pub latency: Latency,
    pub invocations: AtomicU64,
    pub failures: AtomicU64,
    /// Warm instances, when the manifest asks for them (`poolSize`).
    pub warm: Option<WarmPool>,
}

/// A resolved exported function: where it is and its type.
#[derive(Clone)]
pub(crate) struct ExportFunc {
    pub export: Export,
    pub name: String,
    pub ty: wasmtime::component::types::ComponentFunc,
}

impl ReactivePool {
    /// `warm`: the manifest's warm-instance policy (`None`: a fresh instance per call).
    pub fn new(guest: Guest, timeout: Duration, info: ComponentInfo, warm: Option<WarmPolicy>) -> ReactivePool {
        let limits = CallLimits { name: guest.name.clone(), timeout, memory: guest.memory };
        ReactivePool {
            name: guest.name.clone(),
            warm: warm.map(WarmPool::new),
            guest,
            timeout,
            limits,
            info,
            telemetry: std::sync::OnceLock::new(),
            latency: Latency::default(),
            invocations: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    /// Calls the export behind plan export-table slot `target`.
    pub async fn call_export(
        &self,
        target: usize,
        params: Vec<Val>,
        parent: Option<TraceParent>,
    ) -> Result<Vec<Val>, CallError> {
        self.invoke(self.guest.exports[target].clone(), params, parent).await
    }

    /// Finds an exported function by name: `bump`, `driver.bump`,
    /// `outrigger:examples/driver#bump`, or a root-level export.
    pub fn find(&self, function: &str) -> Result<ExportFunc, CallError> {
        let (iface, fname) = match function.rsplit_once(['#', '.']) {
            Some((i, f)) if !i.is_empty() => (Some(i), f),
            _ => (None, function),
        };
        let matches: Vec<_> = self
            .info
            .exported_functions()
            .filter(|(i, f)| {
                f.name == fname
                    && match (iface, i) {
                        (None, _) => true,
                        (Some(want), Some(i)) => crate::names::refers_to(&i.name, want),
                        (Some(_), None) => false,
                    }
            })
            .collect();
        let available = || {
            self.info
                .exported_functions()
                .map(|(i, f)| match i {
                    Some(i) => format!("{}#{}", i.name, f.name),
                    None => f.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let [(i, f)] = matches.as_slice() else {
            let function = if matches.is_empty() {
                function.to_string()
            } else {
                format!("{function} (ambiguous: qualify it with its interface)")
            };
            return Err(CallError::NoSuchFunction { component: self.name.clone(), function, available: available() });
        };
        let component = self.guest.pre.component();
        let index = export_index(component, i.map(|i| i.name.as_str()), &f.name).expect("listed exports exist");
        let moves_data = f.ty.params().any(|(_, t)| !resources_in(&t).is_empty())
            || f.ty.results().any(|t| !resources_in(&t).is_empty());
        let name = match i {
            Some(i) => format!("{}#{}", crate::names::base_name(&i.name), f.name),
            None => f.name.clone(),
        };
        Ok(ExportFunc {
            export: Export { index, name: name.into(), moves_data, is_async: f.ty.async_() },
            name: f.name.clone(),
            ty: f.ty.clone(),
        })
    }

    /// Calls one export with plain values (data resources become handles of the
    /// instance's store, and come back out as plain values), in a fresh instance or
    /// a warm one. With a telemetry sidecar in the workload, the invocation is a span (a child
    /// of `parent`), the parent of the guest's own spans.
    pub async fn invoke(
        &self,
        export: Export,
        params: Vec<Val>,
        parent: Option<TraceParent>,
    ) -> Result<Vec<Val>, CallError> {
        self.invocations.fetch_add(1, Ordering::Relaxed);
        let telemetry = self.telemetry.get_or_init(|| telemetry(&self.guest.env.wiring)).clone();
        let span = telemetry.as_ref().map(|_| {
            let attrs = vec![
                attr("outrigger.workload", &self.guest.env.wiring.workload),
                attr("outrigger.component", &self.name),
                attr("outrigger.function", &export.name),
            ];
            InvocationSpan::start(parent.as_ref(), format!("{} {}", self.name, export.name), SpanKind::Server, attrs)
        });
        let context = span.as_ref().map(|s| s.context.clone());
        let started = std::time::Instant::now();
        let r = self.invoke_inner(export, params, context).await;
        if r.is_err() {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        if let (Some(t), Some(span)) = (telemetry, span) {
            self.latency.record(started.elapsed());
            let outcome = r.as_ref().map(|_| ()).map_err(|e| e.to_string());
            t.push(&self.guest.env.name, Item::Span(span.finish(outcome)));
        }
        r
    }

    async fn invoke_inner(
        &self,
        export: Export,
        params: Vec<Val>,
        span: Option<SpanContext>,
    ) -> Result<Vec<Val>, CallError> {
        match &self.warm {
            Some(warm) => warm.invoke(self, export, params, span).await,
            None => self.fresh(export, params, span).await,
        }
    }

    /// One call in a fresh instance: a new store, instantiate, call, drop.
    pub(super) async fn fresh(
        &self,
        export: Export,
        params: Vec<Val>,
        span: Option<SpanContext>,
    ) -> Result<Vec<Val>, CallError> {
        // Wait for a free instance slot (the time limit does not run while waiting).
        let engine = &self.guest.engine;
        let _permit = engine.instance_permits.acquire().await.map_err(|_| CallError::ShuttingDown)?;
        let mut store = self.new_store();
        self.prepare(&mut store, span);
        let run = async {
            let instance = self.guest.pre.instantiate_async(&mut store).await.map_err(Failure::Start)?;
            self.call_in(&mut store, &instance, &export, params).await
        };
        match tokio::time::timeout(self.timeout, run).await {
            Ok(Ok(out)) => Ok(out),
            Err(_) => Err(self.limits.time_limit()),
            Ok(Err(f)) => Err(self.limits.error(f, store.data())),
        }
    }

    /// A store for one instance of this component, stopped by epoch interruption
    /// when a call runs past its deadline (see [`ReactivePool::prepare`]).
    pub(super) fn new_store(&self) -> Store<Ctx> {
        let mut store = self.guest.store();
        store.epoch_deadline_trap();
        store
    }

    /// Readies a store for the next call: this call's trace context (nothing left
    /// from an earlier call) and its deadline.
    pub(super) fn prepare(&self, store: &mut Store<Ctx>, span: Option<SpanContext>) {
        store.data_mut().trace = TraceState { invocation: span, open: Vec::new() };
        store.set_epoch_deadline(self.guest.engine.ticks(self.timeout));
    }

    /// Calls one export of `instance` with plain values: data resources become
    /// handles of this store for the call (borrowed ones are released when it
    /// returns) and come back out as plain values.
    pub(super) async fn call_in(
        &self,
        store: &mut Store<Ctx>,
        instance: &Instance,
        export: &Export,
        params: Vec<Val>,
    ) -> Result<Vec<Val>, Failure> {
        let func = instance
            .get_func(&mut *store, export.index)
            .ok_or_else(|| Failure::Start(wasmtime::format_err!("the export is not a function")))?;
        let ty = func.ty(&*store);
        let data = &self.guest.data;
        let mut temps = Vec::new();
        let params = match export.moves_data {
            true => bring_params(data, &mut *store, &ty, params, &mut temps).map_err(Failure::Refused)?,
            false => params,
        };
        let mut out = vec![Val::Bool(false); ty.results().len()];
        func.call_async(&mut *store, &params, &mut out).await.map_err(Failure::Call)?;
        if !export.moves_data {
            return Ok(out);
        }
        DataKinds::release(&mut *store, temps).map_err(|e| Failure::Refused(CallError::handle(e)))?;
        take_results(data, &mut *store, &ty, out).map_err(Failure::Refused)
    }
}

/// What a call's error is made of: the component's name and limits.
#[derive(Clone)]
pub(crate) struct CallLimits {
    pub name: String,
    pub timeout: Duration,
    pub memory: u64,
}

impl CallLimits {
    pub fn time_limit(&self) -> CallError {
        CallError::TimeLimit { component: self.name.clone(), limit: self.timeout }
    }

    pub fn start_failed(&self, e: &wasmtime::Error) -> CallError {
        CallError::Instantiate { component: self.name.clone(), message: chain(e) }
    }

    /// Turns a failed call into the most precise [`CallError`].
    pub fn error(&self, f: Failure, ctx: &Ctx) -> CallError {
        match f {
            Failure::Start(e) => self.start_failed(&e),
            Failure::Refused(e) => e,
            Failure::Call(e) => self.classify(&e, ctx),
        }
    }

    /// Turns a trap (or a host error inside the call) into a [`CallError`].
    pub fn classify(&self, e: &wasmtime::Error, ctx: &Ctx) -> CallError {
        if let Some(inner) = e.chain().find_map(|c| c.downcast_ref::<CallError>()) {
            return inner.clone();
        }
        if let Some(Trap::Interrupt) = e.downcast_ref::<Trap>() {
            return self.time_limit();
        }
        if let Some(requested) = ctx.limiter.refused {
            return CallError::MemoryLimit { component: self.name.clone(), limit: self.memory, requested };
        }
        CallError::Trapped { component: self.name.clone(), message: chain(e) }
    }
}

/// How a reactive call failed before a [`CallError`] is chosen.
pub(crate) enum Failure {
    /// Instantiation failed.
    Start(wasmtime::Error),
    /// The call trapped or failed inside the guest.
    Call(wasmtime::Error),
    /// The host refused the values (a data resource that could not move).
    Refused(CallError),
}
