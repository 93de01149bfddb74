//! One incarnation of a service: a fresh `Store`, a fresh instance, its `run` started
//! as a Component Model task inside `run_concurrent`, and every forwarded call run as
//! one more task of the same instance, concurrently with `run`. The incarnation ends
//! when `run` returns, when the instance traps (in `run` or in any call), or on
//! shutdown; calls still in flight then get a [`CallError::ServiceDied`] at once.
//! Restart policy lives in `supervisor.rs`.
use crate::engine::ctx::Ctx;
use crate::engine::data::DataKinds;
use crate::error::{CallError, chain};
use crate::link::to_service::{Finished, ServiceCall, Work};
use crate::link::{bring_params, take_results};
use crate::plan::info::export_index;
use crate::run::guest::{Export, Guest};
use futures::future::Either;
use futures::stream::{FuturesUnordered, StreamExt};
use slab::Slab;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{ComponentExportIndex, Func, Val};
use wasmtime::{Store, UpdateDeadline};

/// How an incarnation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exit {
    /// `run` returned `Ok`.
    Completed,
    /// `run` returned `Err`, trapped, or a call trapped the instance.
    Failed(String),
    /// The host asked the service to stop.
    Shutdown,
}

/// Everything needed to start incarnations of one service.
pub(crate) struct ServiceRunner {
    pub name: String,
    guest: Guest,
    run: ComponentExportIndex,
    max_in_flight: usize,
    /// How long in-flight calls may finish after a stop is requested.
    pub grace: Duration,
    /// Calls served, over all incarnations.
    pub served: Arc<AtomicU64>,
    /// The current incarnation's linear memory, in bytes.
    pub memory: Arc<AtomicU64>,
    /// It imports `outrigger:service/lifecycle` and says itself when it is ready.
    waits_ready: bool,
}

/// How often a service that computes without awaiting is made to yield, so its
/// other tasks (and the rest of the host) keep running.
const YIELD_EVERY: Duration = Duration::from_millis(10);

impl ServiceRunner {
    /// `run_interface` is the exact name of the exported `wasi:cli/run`.
    pub fn new(
        guest: Guest,
        run_interface: &str,
        max_in_flight: usize,
        grace: Duration,
        waits_ready: bool,
    ) -> anyhow::Result<ServiceRunner> {
        let run = export_index(guest.pre.component(), Some(run_interface), "run")
            .ok_or_else(|| anyhow::anyhow!("service `{}` has no {run_interface}#run export", guest.name))?;
        Ok(ServiceRunner {
            name: guest.name.clone(),
            guest,
            run,
            max_in_flight,
            grace,
            served: Arc::new(AtomicU64::new(0)),
            memory: Arc::new(AtomicU64::new(0)),
            waits_ready,
        })
    }

    /// Replies to a finished forwarded call. A call that trapped the instance gets
    /// `ServiceDied`, and the reason comes back as `Err` (the incarnation is over).
    /// Values the host refused to move get their error; the instance lives on.
    fn answer(&self, reply: Reply, result: Outcome) -> Result<(), String> {
        match result {
            Outcome::Done(values) => {
                self.served.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(Ok(values));
                Ok(())
            }
            Outcome::Refused(e) => {
                let _ = reply.send(Err(e));
                Ok(())
            }
            Outcome::Trapped(e) => {
                let why = format!("trapped while serving a call: {}", chain(&e));
                let _ = reply.send(Err(CallError::ServiceDied { service: self.name.clone(), reason: why.clone() }));
                Err(why)
            }
        }
    }

    /// Runs one incarnation to its end. `running` is called once the instance exists
    /// and `run` is about to start; `stopping` when a stop was requested.
    pub async fn incarnation(
        &self,
        calls: &mut mpsc::Receiver<ServiceCall>,
        shutdown: &mut watch::Receiver<bool>,
        running: impl FnOnce(),
        stopping: impl FnOnce(),
    ) -> Exit {
        let mut store = self.guest.store();
        let last_words = store.data().last_stderr.clone();
        store.data_mut().limiter.gauge = Some(self.memory.clone());
        yield_periodically(&mut store, self.guest.engine.ticks(YIELD_EVERY));
        // A service that imports `outrigger:service/lifecycle` is RUNNING once it
        // calls `ready()`; any other as soon as `run` starts.
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        store.data_mut().ready = Some(ready_tx);
        let instance = match self.guest.pre.instantiate_async(&mut store).await {
            Ok(i) => i,
            Err(e) => return Exit::Failed(format!("instantiation failed: {}", chain(&e))),
        };
        let run = instance.get_func(&mut store, self.run).expect("checked when the runner was built");
        let funcs: Vec<Served> = self
            .guest
            .exports
            .iter()
            .map(|e| {
                let func = instance.get_func(&mut store, e.index).expect("checked when the runner was built");
                Served { func, ty: func.ty(&store), export: e.clone() }
            })
            .collect();
        let funcs = &funcs;
        let data = &*self.guest.data;
        let mut running = Some(running);
        let mut ready = pin!(async move {
            if self.waits_ready {
                // A dropped sender (the store is gone) never says ready.
                if ready_rx.await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        });
        // Reply slots of calls in flight. Kept outside `run_concurrent`: if the event
        // loop itself fails (a trap in any task), its closure is dropped, and these
        // callers must still hear why, at once.
        let mut replies: Slab<Reply> = Slab::new();
        let replies_ref = &mut replies;
        // While a guest computes without awaiting, wasmtime keeps resuming it and does
        // not poll the closure below, so a stop request could go unseen. This watch
        // gives up on the whole event loop once the grace period is over.
        let mut stop_watch = shutdown.clone();
        let grace = self.grace;
        let forced_stop = async move {
            if !*stop_watch.borrow_and_update() {
                let _ = stop_watch.changed().await;
            }
            tokio::time::sleep(grace + Duration::from_millis(500)).await;
        };
        let event_loop = store.run_concurrent(async |acc| {
            let replies = replies_ref;
            // `run` and every forwarded call are tasks of this one instance. They
            // share one FuturesUnordered, so only the ones that were woken get polled.
            let run_task = async {
                let mut out = vec![Val::Bool(false)];
                Done::Run(run.call_concurrent(acc, &[], &mut out).await.map(|()| out))
            };
            let serve = |key: usize, target: usize, work: Work| async move {
                let outcome = match work {
                    Work::Values(params) => serve_call(acc, data, &funcs[target], params).await,
                    Work::Typed(job) => match job(acc, funcs[target].func).await {
                        Finished::Ok => Outcome::Done(Vec::new()),
                        Finished::Refused(e) => Outcome::Refused(e),
                        Finished::Trapped(e) => Outcome::Trapped(e),
                    },
                };
                Done::Call(key, outcome)
            };
            let mut tasks = FuturesUnordered::new();
            tasks.push(Either::Left(run_task));
            let mut stop = pin!(shutdown.changed());
            let exit = loop {
                tokio::select! {
                    biased;
                    _ = &mut stop => break Exit::Shutdown,
                    _ = &mut ready, if running.is_some() => {
                        if let Some(announce) = running.take() {
                            announce();
                        }
                    }
                    Some(done) = tasks.next() => match done {
                        Done::Run(r) => break run_exit(r, last_words.lock().ok().and_then(|mut l| l.take())),
                        Done::Call(key, r) => {
                            if let Err(why) = self.answer(replies.remove(key), r) {
                                break Exit::Failed(why);
                            }
                        }
                    },
                    call = calls.recv(), if replies.len() < self.max_in_flight => {
                        let Some(mut call) = call else { break Exit::Shutdown };
                        // Start this call and whatever else is queued (up to the
                        // limit) without another round through `select!`.
                        loop {
                            let key = replies.insert(call.reply);
                            tasks.push(Either::Right(serve(key, call.target, call.work)));
                            if replies.len() >= self.max_in_flight {
                                break;
                            }
                            match calls.try_recv() {
                                Ok(next) => call = next,
                                Err(_) => break,
                            }
                        }
                    }
                }
            };
            if exit == Exit::Shutdown && !replies.is_empty() {
                stopping();
                let mut grace = pin!(tokio::time::sleep(self.grace));
                while !replies.is_empty() {
                    tokio::select! {
                        _ = &mut grace => break,
                        Some(done) = tasks.next() => {
                            if let Done::Call(key, r) = done {
                                let _ = self.answer(replies.remove(key), r);
                            }
                        }
                    }
                }
            }
            exit
        });
        let outcome = tokio::select! {
            r = event_loop => r,
            _ = forced_stop => {
                tracing::warn!(service = %self.name, "the service did not stop within its grace period (busy computing?); dropping it");
                Ok(Exit::Shutdown)
            }
        };
        let exit = match outcome {
            Ok(exit) => exit,
            Err(e) => Exit::Failed(format!("trapped: {}", chain(&e))),
        };
        let reason = match &exit {
            Exit::Failed(why) => why.clone(),
            Exit::Completed => "its `run` returned before the call finished".to_string(),
            Exit::Shutdown => "the service was stopped".to_string(),
        };
        for tx in replies.drain() {
            let _ = tx.send(Err(CallError::ServiceDied { service: self.name.clone(), reason: reason.clone() }));
        }
        exit
    }
}

/// Makes a guest that computes without awaiting hand its thread back to tokio every
/// `ticks` epochs. wasmtime's own `epoch_deadline_async_yield_and_update` does not
/// help inside `run_concurrent` (its yield is resumed by the store's event loop
/// within the same poll), so the yield goes through tokio's scheduler instead.
pub fn yield_periodically(store: &mut Store<Ctx>, ticks: u64) {
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_callback(move |_| Ok(UpdateDeadline::YieldCustom(ticks, Box::pin(tokio::task::yield_now()))));
}

/// Where a forwarded call's answer goes.
type Reply = oneshot::Sender<Result<Vec<Val>, CallError>>;

/// What finished: `run`, or the forwarded call with this reply key.
enum Done {
    Run(wasmtime::Result<Vec<Val>>),
    Call(usize, Outcome),
}

/// How a forwarded call ended.
enum Outcome {
    Done(Vec<Val>),
    /// The call trapped: the instance is poisoned and the incarnation ends.
    Trapped(wasmtime::Error),
    /// The host refused the values (a data resource that could not move); the
    /// instance was not entered or is unharmed.
    Refused(CallError),
}

/// An export other members call, resolved in this incarnation's instance.
struct Served {
    func: Func,
    ty: ComponentFunc,
    export: Export,
}

/// Runs one forwarded call as a task of the instance. Plain values in, plain out:
/// data resources become handles of the service's store for the call.
async fn serve_call(
    acc: &wasmtime::component::Accessor<Ctx>,
    data: &DataKinds,
    f: &Served,
    params: Vec<Val>,
) -> Outcome {
    let mut temps = Vec::new();
    let params = match f.export.moves_data {
        false => params,
        true => match acc.with(|mut s| bring_params(data, &mut s, &f.ty, params, &mut temps)) {
            Ok(p) => p,
            Err(e) => return Outcome::Refused(e),
        },
    };
    let mut out = vec![Val::Bool(false); f.ty.results().len()];
    if let Err(e) = f.func.call_concurrent(acc, &params, &mut out).await {
        return Outcome::Trapped(e);
    }
    if !f.export.moves_data {
        return Outcome::Done(out);
    }
    let taken = acc.with(|mut s| {
        DataKinds::release(&mut s, temps).map_err(CallError::handle)?;
        take_results(data, &mut s, &f.ty, out)
    });
    match taken {
        Ok(values) => Outcome::Done(values),
        Err(e) => Outcome::Refused(e),
    }
}

/// Reads `run`'s outcome: `Ok(())` -> COMPLETED, `Err(())` or a trap -> failed.
/// A failed `run` also reports the last line the guest wrote to stderr, which is
/// where a service says why it gave up (the exit value `Err(())` carries nothing).
fn run_exit(r: wasmtime::Result<Vec<Val>>, last_words: Option<String>) -> Exit {
    let said = last_words.map(|w| format!("; its last words: {w}")).unwrap_or_default();
    match r {
        Err(e) => Exit::Failed(format!("`run` trapped: {}{said}", chain(&e))),
        Ok(result) => match result.first() {
            Some(Val::Result(Err(_))) => Exit::Failed(format!("`run` returned an error{said}")),
            _ => Exit::Completed,
        },
    }
}
