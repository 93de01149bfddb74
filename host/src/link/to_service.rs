//! Component -> service calls. A [`ServiceHandle`] is the sending end of a service's
//! bounded call queue: a caller in any store puts a [`ServiceCall`] (export index,
//! argument values, a reply slot) on it and awaits the reply. The service's
//! supervisor (see `run/service.rs`) runs each call as one more Component Model
//! task of the one running instance, concurrently with `run`.
//!
//! The queue is bounded, so a flooded service pushes back on its callers (they wait
//! to enqueue); every call has an overall deadline (`calls.timeout`) that covers
//! queueing, restarts and the call itself.
use crate::engine::ctx::Ctx;
use crate::error::CallError;
use crate::link::Callee;
use crate::run::status::ServiceStatus;
use futures::future::BoxFuture;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use wasmtime::component::{Accessor, Func, Val};

/// One forwarded call.
pub(crate) struct ServiceCall {
    /// Index into the service's export table.
    pub target: usize,
    pub work: Work,
    pub reply: oneshot::Sender<Result<Vec<Val>, CallError>>,
}

/// What a forwarded call does with the export.
pub(crate) enum Work {
    /// Call it with plain values (data resources already taken out of the
    /// caller's store); the results come back as values.
    Values(Vec<Val>),
    /// Call it with Rust-typed values (see [`ServiceHandle::call_typed`]).
    Typed(TypedCall),
}

/// A typed call of an export, run as a task of the service instance. It gets the
/// instance's accessor and the exported function, calls it (`Func::typed` +
/// `call_concurrent`), hands its typed result on through its own channel, and says
/// how it ended.
pub(crate) type TypedCall =
    Box<dyn for<'a> FnOnce(&'a Accessor<Ctx>, Func) -> Pin<Box<dyn Future<Output = Finished> + Send + 'a>> + Send>;

/// How a typed call ended.
pub(crate) enum Finished {
    Ok,
    /// The call could not be made (the export's type does not fit); the instance
    /// was not entered.
    Refused(CallError),
    /// The call trapped: the instance is poisoned.
    Trapped(wasmtime::Error),
}

/// A cheap, cloneable way to call one service.
#[derive(Clone)]
pub struct ServiceHandle {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    tx: mpsc::Sender<ServiceCall>,
    status: watch::Receiver<ServiceStatus>,
    timeout: Duration,
}

impl ServiceHandle {
    /// A handle and the receiving end the supervisor serves.
    pub(crate) fn new(
        name: &str,
        queue: usize,
        timeout: Duration,
        status: watch::Receiver<ServiceStatus>,
    ) -> (ServiceHandle, mpsc::Receiver<ServiceCall>) {
        let (tx, rx) = mpsc::channel(queue);
        (ServiceHandle { inner: Arc::new(Inner { name: name.to_string(), tx, status, timeout }) }, rx)
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether the service is RUNNING now.
    pub fn is_running(&self) -> bool {
        self.inner.status.borrow().state == crate::run::status::ServiceState::Running
    }

    /// Calls export `target` of the running service (see
    /// [`crate::Workload::service_target`]) with plain values.
    pub async fn call(&self, target: usize, params: Vec<Val>) -> Result<Vec<Val>, CallError> {
        // A service that will not serve again has closed its queue: `send` fails at once.
        self.send(target, Work::Values(params)).await
    }

    /// Calls export `target` with Rust-typed values: `job` makes the call inside the
    /// service's event loop and passes its result on itself. Hot paths (a bridge's
    /// batch of messages) use it to skip the per-value `Val` conversion, which for
    /// `list<u8>` costs one value per byte.
    pub(crate) async fn call_typed(&self, target: usize, job: TypedCall) -> Result<(), CallError> {
        self.send(target, Work::Typed(job)).await.map(|_| ())
    }

    async fn send(&self, target: usize, work: Work) -> Result<Vec<Val>, CallError> {
        let (reply, answer) = oneshot::channel();
        let call = ServiceCall { target, work, reply };
        let attempt = async {
            self.inner.tx.send(call).await.map_err(|_| self.unavailable())?;
            answer.await.map_err(|_| self.unavailable())?
        };
        match tokio::time::timeout(self.inner.timeout, attempt).await {
            Ok(r) => r,
            Err(_) => Err(CallError::ServiceTimeout { service: self.inner.name.clone(), waited: self.inner.timeout }),
        }
    }

    /// The error for a service that no longer takes calls.
    fn unavailable(&self) -> CallError {
        let s = self.inner.status.borrow();
        CallError::ServiceUnavailable { service: self.inner.name.clone(), state: s.state, detail: s.last_error.clone() }
    }
}

impl Callee for ServiceHandle {
    fn call_export(
        &self,
        target: usize,
        params: Vec<Val>,
        _parent: Option<crate::engine::otel::trace::TraceParent>,
    ) -> BoxFuture<'static, Result<Vec<Val>, CallError>> {
        let this = self.clone();
        Box::pin(async move { this.call(target, params).await })
    }
}
