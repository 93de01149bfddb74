//! The import side of run-time linking: host functions that serve one imported
//! interface from another workload member. Whatever the callee is (a running
//! service, see `to_service.rs`, or a reactive component, see `to_component.rs`),
//! the import side is the same: take the arguments out of the caller's store (data
//! resources become plain values, see `engine/data.rs`), await the callee, bring the
//! results into the caller's store.
//!
//! This is also where async-ness is bridged: a sync-typed import becomes a
//! `func_new_async` host function (the caller's fiber waits), an `async func` import
//! a `func_new_concurrent` one (the caller's task waits and the caller's other tasks
//! go on), whatever the callee's own export looks like.
pub(crate) mod to_component;
pub mod to_service;
pub(crate) mod wiring;

use crate::engine::ctx::Ctx;
use crate::engine::data::{DataKinds, Temporaries};
use crate::engine::otel::trace::TraceParent;
use crate::error::CallError;
use crate::plan::wit_types::ErrorShape;
use crate::plan::{FuncLink, ImportLink};
use futures::future::BoxFuture;
use std::sync::Arc;
use wasmtime::AsContextMut;
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{Linker, Val};

/// Something that serves calls to a provider's exported functions, by index into
/// that provider's [`crate::plan::Plan::exports`] table. Arguments and results are
/// plain values (no resource handles).
pub(crate) trait Callee: Send + Sync + 'static {
    /// `parent`: the caller's current span, for the callee's invocation span.
    fn call_export(
        &self,
        target: usize,
        params: Vec<Val>,
        parent: Option<TraceParent>,
    ) -> BoxFuture<'static, Result<Vec<Val>, CallError>>;
}

/// Defines every function of `link` in `linker`, served by `callee`.
pub(crate) fn define_import(
    linker: &mut Linker<Ctx>,
    link: &ImportLink,
    callee: Arc<dyn Callee>,
    data: &Arc<DataKinds>,
) -> anyhow::Result<()> {
    let mut inst = linker.instance(&link.import)?;
    for f in &link.functions {
        let FuncLink { target, moves_data, .. } = *f;
        let shape = f.error_shape.clone();
        let (callee, data) = (callee.clone(), data.clone());
        if f.import_async {
            inst.func_new_concurrent(&f.name, move |accessor, ty, params, out| {
                let (callee, data, shape) = (callee.clone(), data.clone(), shape.clone());
                Box::pin(async move {
                    let (args, parent) = accessor.with(|mut store| {
                        let parent = parent_of(store.as_context_mut().data());
                        let args = match moves_data {
                            false => Ok(params.to_vec()),
                            true => take_params(&data, &mut store, &ty, params),
                        };
                        (args, parent)
                    });
                    let result = match args {
                        Ok(args) => callee.call_export(target, args, parent).await,
                        Err(e) => Err(e),
                    };
                    let result = match (moves_data, result) {
                        (true, Ok(values)) => accessor.with(|mut store| bring_results(&data, &mut store, &ty, values)),
                        (_, other) => other,
                    };
                    deliver(result, out, shape.as_ref())
                })
            })?;
        } else {
            inst.func_new_async(&f.name, move |mut store, ty, params, out| {
                let (callee, data, shape) = (callee.clone(), data.clone(), shape.clone());
                Box::new(async move {
                    let parent = parent_of(store.data());
                    let args = match moves_data {
                        false => Ok(params.to_vec()),
                        true => take_params(&data, &mut store, &ty, params),
                    };
                    let result = match args {
                        Ok(args) => callee.call_export(target, args, parent).await,
                        Err(e) => Err(e),
                    };
                    let result = match (moves_data, result) {
                        (true, Ok(values)) => bring_results(&data, &mut store, &ty, values),
                        (_, other) => other,
                    };
                    deliver(result, out, shape.as_ref())
                })
            })?;
        }
    }
    Ok(())
}

/// The caller's current span, if it has one (telemetry is on).
fn parent_of(ctx: &Ctx) -> Option<TraceParent> {
    ctx.trace.current().and_then(TraceParent::of)
}

/// The caller's arguments as plain values: data-resource handles leave its store.
pub(crate) fn take_params(
    data: &DataKinds,
    store: &mut impl AsContextMut<Data = Ctx>,
    ty: &ComponentFunc,
    params: &[Val],
) -> Result<Vec<Val>, CallError> {
    ty.params().zip(params).map(|((_, t), v)| data.take_out(store, &t, v.clone()).map_err(CallError::handle)).collect()
}

/// A callee's plain results as values of the caller's store.
pub(crate) fn bring_results(
    data: &DataKinds,
    store: &mut impl AsContextMut<Data = Ctx>,
    ty: &ComponentFunc,
    values: Vec<Val>,
) -> Result<Vec<Val>, CallError> {
    let mut temps = Temporaries::new(); // results are never borrows
    ty.results().zip(values).map(|(t, v)| data.bring_in(store, &t, v, &mut temps).map_err(CallError::handle)).collect()
}

/// Plain arguments as values of the callee's store; handles made for borrowed
/// parameters go to `temps`, to release when the call has returned.
pub(crate) fn bring_params(
    data: &DataKinds,
    store: &mut impl AsContextMut<Data = Ctx>,
    ty: &ComponentFunc,
    params: Vec<Val>,
    temps: &mut Temporaries,
) -> Result<Vec<Val>, CallError> {
    ty.params().zip(params).map(|((_, t), v)| data.bring_in(store, &t, v, temps).map_err(CallError::handle)).collect()
}

/// The callee's results as plain values: data-resource handles leave its store.
pub(crate) fn take_results(
    data: &DataKinds,
    store: &mut impl AsContextMut<Data = Ctx>,
    ty: &ComponentFunc,
    values: Vec<Val>,
) -> Result<Vec<Val>, CallError> {
    ty.results().zip(values).map(|(t, v)| data.take_out(store, &t, v).map_err(CallError::handle)).collect()
}

/// Writes a callee's results into the caller's result slots. A failure becomes the
/// error value of the function's own result type when it has one, else a trap that
/// carries the [`CallError`].
fn deliver(result: Result<Vec<Val>, CallError>, out: &mut [Val], shape: Option<&ErrorShape>) -> wasmtime::Result<()> {
    match result {
        Ok(values) => {
            for (slot, v) in out.iter_mut().zip(values) {
                *slot = v;
            }
            Ok(())
        }
        Err(e) => match (shape, out.first_mut()) {
            (Some(shape), Some(slot)) => {
                *slot = shape.value(e.to_string());
                Ok(())
            }
            _ => Err(wasmtime::Error::new(e)),
        },
    }
}
