//! Component -> service calls. A [`ServiceHandle`] is the sending end of a service's
//! bounded call queue: a caller in any store puts a [`ServiceCall`] (export index,
//! argument values, a reply slot) on it and awaits the reply. The service's
//! supervisor (see `run/service.rs`) runs each call as one more Component Model
//! task of the one running instance, concurrently with `run`.
//!
//! The queue is bounded, so a flooded service pushes back on its callers (they wait
//! to enqueue); every call has an overall deadline (`calls.timeout`) that covers
//! queueing, restarts and the call itself.
use crate::error::CallError;
use crate::link::Callee;
use crate::run::status::ServiceStatus;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use wasmtime::component::Val;

/// One forwarded call.
pub(crate) struct ServiceCall {
    /// Index into the service's export table.
    pub target: usize,
    /// Plain values (data resources already taken out of the caller's store).
    pub params: Vec<Val>,
    pub reply: oneshot::Sender<Result<Vec<Val>, CallError>>,
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

    /// Calls export `target` of the running service (see
    /// [`crate::Workload::service_target`]) with plain values.
    pub async fn call(&self, target: usize, params: Vec<Val>) -> Result<Vec<Val>, CallError> {
        // A service that will not serve again has closed its queue: `send` fails at once.
        let (reply, answer) = oneshot::channel();
        let call = ServiceCall { target, params, reply };
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
    fn call_export(&self, target: usize, params: Vec<Val>) -> BoxFuture<'static, Result<Vec<Val>, CallError>> {
        let this = self.clone();
        Box::pin(async move { this.call(target, params).await })
    }
}
