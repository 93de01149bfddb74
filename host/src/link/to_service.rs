//! Component -> service calls. A [`ServiceHandle`] is the sending end of a service's
//! bounded call queue: a caller in any store puts a [`ServiceCall`] (export index,
//! argument values, a reply slot) on it and awaits the reply. The service's
//! supervisor (see `run/service.rs`) runs each call as one more Component Model
//! task of the one running instance, concurrently with `run`. When the service is
//! idle, a caller outside any store runs that supervisor itself for a moment
//! (`run/home.rs`), so a lone caller usually gets its answer without a task switch.
//!
//! The queue is bounded, so a flooded service pushes back on its callers (they wait
//! to enqueue); every call has an overall deadline (`calls.timeout`) that covers
//! queueing, restarts and the call itself.
use crate::engine::ctx::Ctx;
use crate::error::CallError;
use crate::link::Callee;
use crate::run::home::Home;
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
    /// Where the service's supervisor future lives; callers drive it themselves
    /// when it is idle (see `run/home.rs`).
    home: Arc<Home>,
}

/// Whether the caller may drive the service's event loop itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A task of the host's own (a pump, an embedder's task): not inside any store.
    Outside,
    /// A host function serving a guest (a component's import), polled by that
    /// guest's store event loop. Driving the service's store nested in that poll was
    /// tried and loses a wake-up somewhere: the NATS e2e test
    /// `a_wasi_messaging_publish_arrives_with_its_headers` then failed 3 times in 30
    /// (the message never reached the subscriber), 0 in 30 without nesting. So these
    /// callers queue and wait (docs/NOTES.md, "Forwarding cost").
    InStore,
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
        let home = Home::new();
        (ServiceHandle { inner: Arc::new(Inner { name: name.to_string(), tx, status, timeout, home }) }, rx)
    }

    /// The slot the service's supervisor future is spawned in.
    pub(crate) fn home(&self) -> &Arc<Home> {
        &self.inner.home
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether the service is RUNNING now.
    pub fn is_running(&self) -> bool {
        self.inner.status.borrow().state == crate::run::status::ServiceState::Running
    }

    /// Calls export `target` of the running service (see
    /// [`crate::Workload::service_target`]) with plain values. When the service is
    /// idle, the calling task runs its event loop itself for a moment and usually
    /// has the answer without a task switch (`run/home.rs`); so do not call it from
    /// inside a wasmtime host function (components reach services through their
    /// imports, which queue instead).
    pub async fn call(&self, target: usize, params: Vec<Val>) -> Result<Vec<Val>, CallError> {
        // A service that will not serve again has closed its queue: `send` fails at once.
        self.send(target, Work::Values(params), Caller::Outside).await
    }

    /// Calls export `target` with Rust-typed values: `job` makes the call inside the
    /// service's event loop and passes its result on itself. Hot paths (a bridge's
    /// batch of messages) use it to skip the per-value `Val` conversion, which for
    /// `list<u8>` costs one value per byte. `caller` says where the call comes from:
    /// a host function serving a guest queues and waits; a task outside any store (a
    /// pump) may drive the service itself.
    pub(crate) async fn call_typed(&self, target: usize, job: TypedCall, caller: Caller) -> Result<(), CallError> {
        self.send(target, Work::Typed(job), caller).await.map(|_| ())
    }

    async fn send(&self, target: usize, work: Work, caller: Caller) -> Result<Vec<Val>, CallError> {
        let (reply, mut answer) = oneshot::channel();
        let mut call = Some(ServiceCall { target, work, reply });
        // A caller outside any store takes the service's future first (if it is
        // free), queues its call, and polls the service itself: when the service is
        // idle the call is answered right here, with no task switch (run/home.rs).
        if caller == Caller::Outside
            && let Some(held) = self.inner.home.hold_for_caller()
        {
            match self.inner.tx.try_send(call.take().expect("not sent yet")) {
                Ok(()) => {
                    held.help();
                    // Answered inline: like a plain function call, this spends none
                    // of the caller's cooperative budget (a budget-forced yield would
                    // move the caller to another worker, the bounce avoided here).
                    match answer.try_recv() {
                        Ok(r) => return r,
                        Err(oneshot::error::TryRecvError::Closed) => return Err(self.unavailable()),
                        Err(oneshot::error::TryRecvError::Empty) => {}
                    }
                }
                Err(mpsc::error::TrySendError::Full(c)) => call = Some(c),
                Err(mpsc::error::TrySendError::Closed(_)) => return Err(self.unavailable()),
            }
        }
        let attempt = async {
            if let Some(call) = call {
                self.inner.tx.send(call).await.map_err(|_| self.unavailable())?;
            }
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
        Box::pin(async move { this.send(target, Work::Values(params), Caller::InStore).await })
    }
}
