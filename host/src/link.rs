//! Installs the host functions that serve one imported interface from another
//! workload member. Whatever the callee is (a running service, see
//! [`crate::forward`], or a reactive component, see [`crate::invoke`]), the import
//! side is the same: copy the arguments out of the caller's store, await the callee,
//! copy the results back in. This is also where async-ness is bridged: a sync-typed
//! import becomes a `func_new_async` host function (the caller's fiber waits), an
//! `async func` import a `func_new_concurrent` one (the caller's task waits and the
//! caller's other tasks go on), whatever the callee's own export looks like.
use crate::ctx::Ctx;
use crate::error::CallError;
use crate::plan::{FuncLink, ImportLink};
use crate::wit_types::ErrorShape;
use futures::future::BoxFuture;
use std::sync::Arc;
use wasmtime::component::{Linker, Val};

/// Something that can serve calls to a provider's exported functions, by index
/// into that provider's [`crate::plan::Plan::exports`] table.
pub trait Callee: Send + Sync + 'static {
    fn call(&self, target: usize, params: Vec<Val>, results: usize) -> BoxFuture<'static, Result<Vec<Val>, CallError>>;
}

/// Defines every function of `link` in `linker`, served by `callee`.
pub fn define_import(linker: &mut Linker<Ctx>, link: &ImportLink, callee: Arc<dyn Callee>) -> anyhow::Result<()> {
    let mut inst = linker.instance(&link.import)?;
    for f in &link.functions {
        let FuncLink { target, results, .. } = *f;
        let shape = f.error_shape.clone();
        let callee = callee.clone();
        if f.import_async {
            inst.func_new_concurrent(&f.name, move |_accessor, _ty, params, out| {
                let call = callee.call(target, params.to_vec(), results);
                let shape = shape.clone();
                Box::pin(async move { deliver(call.await, out, shape.as_ref()) })
            })?;
        } else {
            inst.func_new_async(&f.name, move |_store, _ty, params, out| {
                let call = callee.call(target, params.to_vec(), results);
                let shape = shape.clone();
                Box::new(async move { deliver(call.await, out, shape.as_ref()) })
            })?;
        }
    }
    Ok(())
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
