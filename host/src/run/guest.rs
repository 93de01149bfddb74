//! What services and reactive components share: a pre-linked component, its WASI
//! environment, its memory limit, the exports other members call (resolved once) and
//! how to make a fresh store for one instance of it.
use crate::engine::HostEngine;
use crate::engine::ctx::Ctx;
use crate::engine::data::DataKinds;
use crate::engine::wasi::GuestEnv;
use crate::plan::ExportRef;
use crate::plan::info::export_index;
use std::sync::Arc;
use wasmtime::Store;
use wasmtime::component::{ComponentExportIndex, InstancePre};

/// One exported function other members call.
#[derive(Clone)]
pub(crate) struct Export {
    pub index: ComponentExportIndex,
    /// `interface#function`, for spans and messages.
    pub name: Arc<str>,
    /// Data resources move through its parameters or results (see `engine/data.rs`).
    pub moves_data: bool,
    /// Its WIT type is `async func`: a call may wait without holding the instance
    /// (a warm instance can serve another call meanwhile, see `pool_shared.rs`).
    pub is_async: bool,
}

/// A workload member ready to be instantiated, again and again.
pub(crate) struct Guest {
    pub name: String,
    pub engine: Arc<HostEngine>,
    pub pre: InstancePre<Ctx>,
    pub env: GuestEnv,
    /// Linear memory one instance may grow to.
    pub memory: u64,
    /// The plan's export table for this member, by slot.
    pub exports: Vec<Export>,
    pub data: Arc<DataKinds>,
}

impl Guest {
    /// Resolves the export table (`table`, from the plan) against the component.
    pub fn new(
        engine: Arc<HostEngine>,
        name: &str,
        pre: InstancePre<Ctx>,
        env: GuestEnv,
        memory: u64,
        table: &[ExportRef],
    ) -> anyhow::Result<Guest> {
        let component = pre.component();
        let exports = table
            .iter()
            .map(|r| {
                let index = export_index(component, Some(&r.interface), &r.function)
                    .ok_or_else(|| anyhow::anyhow!("`{name}` has no export {}#{}", r.interface, r.function))?;
                let name = format!("{}#{}", crate::names::base_name(&r.interface), r.function).into();
                let is_async = is_async(&engine.engine, component, Some(&r.interface), &r.function);
                Ok(Export { index, name, moves_data: r.moves_data, is_async })
            })
            .collect::<anyhow::Result<_>>()?;
        let data = Arc::new(engine.catalogue.data().clone());
        Ok(Guest { name: name.to_string(), engine, pre, env, memory, exports, data })
    }

    /// A fresh store for one instance, with its WASI context and memory limit.
    pub fn store(&self) -> Store<Ctx> {
        let mut store = Store::new(&self.engine.engine, self.env.ctx(self.memory));
        store.limiter(|c| &mut c.limiter);
        store
    }
}

/// Whether an exported function's WIT type is `async func`.
pub(crate) fn is_async(
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
    interface: Option<&str>,
    function: &str,
) -> bool {
    use wasmtime::component::types::ComponentItem;
    let ty = component.component_type();
    let item = match interface {
        None => ty.get_export(engine, function).map(|e| e.ty),
        Some(i) => match ty.get_export(engine, i).map(|e| e.ty) {
            Some(ComponentItem::ComponentInstance(inst)) => inst.get_export(engine, function).map(|e| e.ty),
            _ => None,
        },
    };
    matches!(item, Some(ComponentItem::ComponentFunc(f)) if f.async_())
}
