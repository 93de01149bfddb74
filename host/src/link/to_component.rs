//! Service -> component and component -> component calls: the callee is a reactive
//! component, and every call gets a fresh instance of it from its
//! [`ReactivePool`]. The pool is looked up when the call happens
//! (late binding through a weak [`PoolTable`]), so components may import from each
//! other in any order, and a dropped workload frees its pools.
use crate::engine::otel::trace::TraceParent;
use crate::error::CallError;
use crate::link::Callee;
use crate::run::reactive::ReactivePool;
use futures::future::BoxFuture;
use std::sync::{Arc, OnceLock, Weak};
use wasmtime::component::Val;

/// All reactive pools of a workload, by member index (`None` for services).
pub(crate) type PoolTable = OnceLock<Vec<Option<Arc<ReactivePool>>>>;

/// Calls into one reactive component.
pub(crate) struct ComponentCallee {
    pub table: Weak<PoolTable>,
    pub member: usize,
}

impl ComponentCallee {
    fn pool(&self) -> Result<Arc<ReactivePool>, CallError> {
        let table = self.table.upgrade().ok_or(CallError::ShuttingDown)?;
        let pools = table.get().ok_or(CallError::ShuttingDown)?;
        Ok(pools[self.member].clone().expect("the plan links components to component members only"))
    }
}

impl Callee for ComponentCallee {
    fn call_export(
        &self,
        target: usize,
        params: Vec<Val>,
        parent: Option<TraceParent>,
    ) -> BoxFuture<'static, Result<Vec<Val>, CallError>> {
        let pool = self.pool();
        Box::pin(async move {
            let pool = pool?;
            let component = pool.name.clone();
            // Its own tokio task: the callee runs in parallel with the caller's store,
            // and is never polled from inside another store's event loop.
            let task = tokio::spawn(async move { pool.call_export(target, params, parent).await });
            // A caller that stops waiting (an MCP request cancelled by its client,
            // a caller's own time limit) ends the callee too: its store is dropped,
            // as at a time limit, and its instance slot is free at once.
            let _abort = AbortOnDrop(task.abort_handle());
            task.await.unwrap_or_else(|e| {
                Err(CallError::Trapped { component, message: format!("the invocation task failed: {e}") })
            })
        })
    }
}

/// Aborts a spawned invocation when the future waiting for it is dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
