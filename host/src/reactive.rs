//! Reactive components: a fresh instance for every invocation, from a pre-linked
//! [`InstancePre`] and the pooling allocator, so nothing leaks from one call to the
//! next. Each invocation gets its own `Store` with a memory limit and a wall-clock
//! time limit (epoch interruption stops a guest that spins; a timer stops one that
//! waits), and every failure becomes a typed [`CallError`] for its caller.
use crate::ctx::Ctx;
use crate::engine::HostEngine;
use crate::error::{CallError, chain};
use crate::inspect::{ComponentInfo, export_index, export_indexes};
use crate::wasi::GuestEnv;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wasmtime::component::{ComponentExportIndex, InstancePre, Val};
use wasmtime::{Store, Trap};

/// One reactive component, ready to be instantiated per call.
pub struct ReactivePool {
    pub name: String,
    engine: Arc<HostEngine>,
    pre: InstancePre<Ctx>,
    env: GuestEnv,
    memory: u64,
    timeout: Duration,
    /// Export indexes for the plan's export table of this component.
    exports: Vec<ComponentExportIndex>,
    pub info: ComponentInfo,
    pub invocations: AtomicU64,
    pub failures: AtomicU64,
}

/// A resolved exported function: where it is and how many results it has.
#[derive(Clone)]
pub struct ExportFunc {
    pub index: ComponentExportIndex,
    pub name: String,
    pub params: usize,
    pub results: usize,
    pub ty: wasmtime::component::types::ComponentFunc,
}

/// What [`ReactivePool::new`] needs.
pub struct PoolSpec {
    pub name: String,
    pub pre: InstancePre<Ctx>,
    pub env: GuestEnv,
    pub memory: u64,
    pub timeout: Duration,
    pub info: ComponentInfo,
    /// `(interface, function)` pairs other members call, in plan order.
    pub exports: Vec<(String, String)>,
}

impl ReactivePool {
    pub fn new(engine: Arc<HostEngine>, spec: PoolSpec) -> anyhow::Result<ReactivePool> {
        let component = spec.pre.component().clone();
        let exports = export_indexes(&component, &spec.name, &spec.exports)?;
        Ok(ReactivePool {
            name: spec.name,
            engine,
            pre: spec.pre,
            env: spec.env,
            memory: spec.memory,
            timeout: spec.timeout,
            exports,
            info: spec.info,
            invocations: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        })
    }

    /// The export behind plan export-table slot `target`.
    pub fn export(&self, target: usize) -> ComponentExportIndex {
        self.exports[target]
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
                        (Some(want), Some(i)) => crate::inspect::refers_to(&i.name, want),
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
        let component = self.pre.component();
        let index = export_index(component, i.map(|i| i.name.as_str()), &f.name).expect("listed exports exist");
        Ok(ExportFunc {
            index,
            name: f.name.clone(),
            params: f.ty.params().len(),
            results: f.ty.results().len(),
            ty: f.ty.clone(),
        })
    }

    /// Instantiates the component in a fresh store, calls one export, drops the store.
    pub async fn invoke(
        &self,
        export: &ComponentExportIndex,
        params: &[Val],
        results: usize,
    ) -> Result<Vec<Val>, CallError> {
        self.invocations.fetch_add(1, Ordering::Relaxed);
        let r = self.invoke_inner(export, params, results).await;
        if r.is_err() {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    async fn invoke_inner(
        &self,
        export: &ComponentExportIndex,
        params: &[Val],
        results: usize,
    ) -> Result<Vec<Val>, CallError> {
        // Wait for a free instance slot (the time limit does not run while waiting).
        let _permit = self.engine.instance_permits.acquire().await.map_err(|_| CallError::ShuttingDown)?;
        let ctx = Ctx::new(self.env.wasi_ctx(), self.env.config.clone(), self.memory);
        let mut store = Store::new(&self.engine.engine, ctx);
        store.limiter(|c| &mut c.limiter);
        store.set_epoch_deadline(self.engine.ticks(self.timeout));
        store.epoch_deadline_trap();
        let run = async {
            let instance = self.pre.instantiate_async(&mut store).await.map_err(|e| (true, e))?;
            let func = instance
                .get_func(&mut store, export)
                .ok_or_else(|| (true, wasmtime::format_err!("the export is not a function")))?;
            let mut out = vec![Val::Bool(false); results];
            func.call_async(&mut store, params, &mut out).await.map_err(|e| (false, e))?;
            Ok::<_, (bool, wasmtime::Error)>(out)
        };
        match tokio::time::timeout(self.timeout, run).await {
            Ok(Ok(out)) => Ok(out),
            Err(_) => Err(CallError::TimeLimit { component: self.name.clone(), limit: self.timeout }),
            Ok(Err((true, e))) => Err(CallError::Instantiate { component: self.name.clone(), message: chain(&e) }),
            Ok(Err((false, e))) => Err(self.classify(&e, store.data())),
        }
    }

    /// Turns a failed call into the most precise [`CallError`].
    fn classify(&self, e: &wasmtime::Error, ctx: &Ctx) -> CallError {
        if let Some(inner) = e.chain().find_map(|c| c.downcast_ref::<CallError>()) {
            return inner.clone();
        }
        if let Some(Trap::Interrupt) = e.downcast_ref::<Trap>() {
            return CallError::TimeLimit { component: self.name.clone(), limit: self.timeout };
        }
        if let Some(requested) = ctx.limiter.refused {
            return CallError::MemoryLimit { component: self.name.clone(), limit: self.memory, requested };
        }
        CallError::Trapped { component: self.name.clone(), message: chain(e) }
    }
}
