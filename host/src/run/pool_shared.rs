//! Warm instances that serve several calls at once (`maxConcurrency` > 1), as
//! wasmCloud's instance driver does: each instance is owned by a task of its own that
//! runs one long `run_concurrent` and starts every call it is given as one more
//! Component Model task of that instance, at most `maxConcurrency` at a time.
//! Overlapping only happens where the guest allows it: an `async` export that awaits
//! yields the instance to the next call. A call of a sync export is only given to an
//! idle instance and has it to itself until it returns (wasmtime would hold any other
//! call meanwhile, with that call's time limit running); see [`State::admit`].
//!
//! Limits, per call: a timer ends a call that waits too long, and an epoch callback
//! stops the instance when a call computes past its deadline (a spinning guest never
//! lets the driver's own timers run). Either way, and after a trap, a refused
//! memory growth, refused values, or a caller that stopped waiting, the instance takes
//! no new calls: the calls still on it finish (a trap ends them all, as in wasmCloud),
//! calls handed to it but not started yet go to fresh instances, and then its store
//! is dropped. After `maxInvocations` calls it is drained and dropped the same way.
//!
//! One store means one trace context: a call sets its span as the store's current
//! invocation when it starts, so with overlapping calls a guest span may be parented
//! by the call that started last.
use crate::engine::ctx::Ctx;
use crate::engine::data::DataKinds;
use crate::engine::otel::trace::{SpanContext, TraceState};
use crate::error::CallError;
use crate::link::{bring_params, take_results};
use crate::run::guest::Export;
use crate::run::pool::{Slot, WarmPool};
use crate::run::reactive::{CallLimits, Failure, ReactivePool};
use futures::stream::{FuturesUnordered, StreamExt};
use slab::Slab;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use wasmtime::component::{Accessor, Instance, Val};
use wasmtime::{Store, Trap, UpdateDeadline};

/// A warm instance that serves several calls at once, as the pool sees it.
pub(crate) struct Shared {
    jobs: mpsc::UnboundedSender<Job>,
    state: Arc<State>,
}

/// What the pool and the instance's task share.
#[derive(Default)]
struct State {
    /// Calls admitted and not answered yet.
    in_flight: AtomicUsize,
    /// Calls admitted so far, against `maxInvocations`.
    admitted: AtomicU64,
    /// Takes no more calls: its invocations are spent, or a call failed.
    retired: AtomicBool,
    /// A call of a sync export is in the instance: it has the instance to itself.
    exclusive: AtomicBool,
    /// Its task has ended (its store is gone).
    ended: AtomicBool,
}

/// One call handed to a warm instance.
struct Job {
    export: Export,
    params: Vec<Val>,
    span: Option<SpanContext>,
    /// When its time limit runs out (counted from when the caller asked, as for a
    /// fresh instance).
    deadline: Instant,
    reply: Reply,
    /// Resolves when the caller stops waiting (its sender is dropped).
    gone: oneshot::Receiver<()>,
}

type Reply = oneshot::Sender<Answer>;

enum Answer {
    Done(Result<Vec<Val>, CallError>),
    /// Not started: the instance failed first. The caller uses a fresh instance.
    Declined(Vec<Val>),
}

/// How one call on the instance ended.
enum Outcome {
    Done(Vec<Val>),
    Failed(Failure),
    TimedOut,
    Cancelled,
}

/// What the caller waits beyond the call's own time limit before it gives up on
/// the instance's task (which enforces the limit itself).
const SLACK: Duration = Duration::from_millis(100);

impl State {
    /// Admits one more call if the instance takes it (under the pool's lock, so
    /// admissions never race each other; the task only ever frees places). A call
    /// of a sync export only goes to an idle instance and keeps it to itself:
    /// wasmtime would hold any other call until it returns, and that wait would
    /// count against the other call's time limit.
    fn admit(&self, export: &Export, max_concurrency: usize, max_invocations: Option<u64>) -> bool {
        let in_flight = self.in_flight.load(Relaxed);
        let busy = if export.is_async { self.exclusive.load(Relaxed) } else { in_flight > 0 };
        if self.retired.load(Relaxed) || busy || in_flight >= max_concurrency {
            return false;
        }
        self.in_flight.fetch_add(1, Relaxed);
        if !export.is_async {
            self.exclusive.store(true, Relaxed);
        }
        let n = self.admitted.fetch_add(1, Relaxed) + 1;
        if max_invocations.is_some_and(|max| n >= max) {
            self.retired.store(true, Relaxed);
        }
        true
    }
}

/// Serves one call from the pool's shared instances (or a fresh instance).
pub(super) async fn invoke(
    pool: &WarmPool,
    list: &Mutex<Vec<Arc<Shared>>>,
    r: &ReactivePool,
    export: Export,
    params: Vec<Val>,
    span: Option<SpanContext>,
) -> Result<Vec<Val>, CallError> {
    let policy = pool.policy;
    let deadline = Instant::now() + r.timeout;
    let picked = {
        let mut list = list.lock().expect("pool lock");
        list.retain(|s| !s.state.ended.load(Relaxed));
        let mut open: Vec<&Arc<Shared>> = list.iter().collect();
        open.sort_by_key(|s| s.state.in_flight.load(Relaxed));
        match open.into_iter().find(|s| s.state.admit(&export, policy.max_concurrency, policy.max_invocations)) {
            Some(s) => Ok(s.clone()),
            None => Err(pool.reserve(&r.guest.engine)),
        }
    };
    let stats = &pool.stats;
    let shared = match picked {
        Ok(s) => {
            stats.reused.fetch_add(1, Relaxed);
            s
        }
        Err(None) => {
            stats.overflow.fetch_add(1, Relaxed);
            return r.fresh(export, params, span).await;
        }
        Err(Some(slot)) => {
            let mut store = r.new_store();
            r.prepare(&mut store, None);
            let start = r.guest.pre.instantiate_async(&mut store);
            let instance = match tokio::time::timeout_at(deadline.into(), start).await {
                Ok(Ok(i)) => i,
                Ok(Err(e)) => return Err(r.limits.start_failed(&e)),
                Err(_) => return Err(r.limits.time_limit()),
            };
            stats.started.fetch_add(1, Relaxed);
            let state = Arc::new(State::default());
            state.admit(&export, policy.max_concurrency, policy.max_invocations);
            let (jobs, rx) = mpsc::unbounded_channel();
            let driver = Driver {
                state: state.clone(),
                limits: r.limits.clone(),
                data: r.guest.data.clone(),
                max_invocations: policy.max_invocations,
                slot,
            };
            tokio::spawn(driver.run(store, instance, rx));
            let shared = Arc::new(Shared { jobs, state });
            list.lock().expect("pool lock").push(shared.clone());
            shared
        }
    };
    let (reply, answer) = oneshot::channel();
    let (_gone, gone) = oneshot::channel::<()>();
    let job = Job { export: export.clone(), params, span: span.clone(), deadline, reply, gone };
    if let Err(mpsc::error::SendError(job)) = shared.jobs.send(job) {
        stats.overflow.fetch_add(1, Relaxed);
        return r.fresh(export, job.params, span).await;
    }
    // A caller that stops waiting retires the instance at once: no call admitted
    // after that may see what the abandoned call left behind.
    let mut waiting = Waiting { state: &shared.state, answered: false };
    let answer = tokio::time::timeout_at((deadline + SLACK).into(), answer).await;
    waiting.answered = matches!(answer, Ok(Ok(_)));
    match answer {
        Ok(Ok(Answer::Done(result))) => result,
        Ok(Ok(Answer::Declined(params))) => {
            stats.overflow.fetch_add(1, Relaxed);
            r.fresh(export, params, span).await
        }
        Ok(Err(_)) => Err(CallError::Trapped {
            component: r.name.clone(),
            message: "the warm instance serving this call ended before it answered".into(),
        }),
        Err(_) => Err(r.limits.time_limit()),
    }
}

/// Retires the instance when dropped before the answer came.
struct Waiting<'a> {
    state: &'a State,
    answered: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.state.retired.store(true, Relaxed);
        }
    }
}

/// The task that owns one shared warm instance.
struct Driver {
    state: Arc<State>,
    limits: CallLimits,
    data: Arc<DataKinds>,
    max_invocations: Option<u64>,
    /// Its place in the pool, freed when the task ends.
    slot: Slot,
}

impl Driver {
    async fn run(self, mut store: Store<Ctx>, instance: Instance, mut jobs: mpsc::UnboundedReceiver<Job>) {
        let Driver { state, limits, data, max_invocations, slot } = self;
        // Deadlines of the calls in flight, for the epoch callback: a guest that
        // computes past one is stopped there (taking the instance with it).
        let deadlines: Arc<Mutex<Slab<Instant>>> = Arc::default();
        let watched = deadlines.clone();
        store.epoch_deadline_callback(move |_| {
            let now = Instant::now();
            if watched.lock().expect("deadlines").iter().any(|(_, d)| *d <= now) {
                return Err(Trap::Interrupt.into());
            }
            Ok(UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now())))
        });
        store.set_epoch_deadline(1);
        // Kept outside the event loop: if it fails, these callers still hear why.
        let mut replies: HashMap<usize, Reply> = HashMap::new();
        // The answers of the last calls, sent once the instance is gone, so that
        // their callers' next call finds its place in the pool free.
        let mut last: Vec<(Reply, Result<Vec<Val>, CallError>)> = Vec::new();
        let mut failed = false;
        let (state, limits, data) = (&*state, &limits, &*data);
        let (replies_ref, failed_ref, deadlines_ref, last_ref) = (&mut replies, &mut failed, &deadlines, &mut last);
        let ended = store
            .run_concurrent(async |acc| {
                let (replies, failed, deadlines, last) = (replies_ref, failed_ref, deadlines_ref, last_ref);
                let mut tasks = FuturesUnordered::new();
                let mut open = true;
                loop {
                    if state.in_flight.load(Relaxed) == 0 && (!open || state.retired.load(Relaxed)) {
                        break;
                    }
                    tokio::select! {
                        Some((key, outcome)) = tasks.next() => {
                            deadlines.lock().expect("deadlines").remove(key);
                            let reply: Reply = replies.remove(&key).expect("one reply per call");
                            let result = acc.with(|mut s| {
                                let ctx = s.data_mut();
                                let refused_memory = ctx.limiter.refused.is_some();
                                match outcome {
                                    Outcome::Done(values) => (refused_memory, Ok(values)),
                                    Outcome::Failed(f) => (true, Err(limits.error(f, ctx))),
                                    Outcome::TimedOut => (true, Err(limits.time_limit())),
                                    Outcome::Cancelled => (true, Err(CallError::ShuttingDown)),
                                }
                            });
                            if result.0 {
                                *failed = true;
                                state.retired.store(true, Relaxed);
                            }
                            state.exclusive.store(false, Relaxed);
                            let idle = state.in_flight.fetch_sub(1, Relaxed) == 1;
                            if idle && state.retired.load(Relaxed) {
                                last.push((reply, result.1));
                            } else {
                                let _ = reply.send(Answer::Done(result.1));
                            }
                            if idle {
                                acc.with(|mut s| s.data_mut().trace = TraceState::default());
                            }
                        }
                        job = jobs.recv(), if open => match job {
                            None => open = false,
                            Some(job) if *failed => {
                                let _ = job.reply.send(Answer::Declined(job.params));
                                state.in_flight.fetch_sub(1, Relaxed);
                            }
                            Some(job) => {
                                let deadline = job.deadline;
                                let key = deadlines.lock().expect("deadlines").insert(deadline);
                                replies.insert(key, job.reply);
                                acc.with(|mut s| {
                                    let trace = &mut s.data_mut().trace;
                                    if tasks.is_empty() {
                                        trace.open.clear();
                                    }
                                    trace.invocation = job.span;
                                });
                                let call = serve(acc, instance, data, job.export, job.params);
                                tasks.push(async move {
                                    let outcome = tokio::select! {
                                        o = call => o,
                                        _ = tokio::time::sleep_until(deadline.into()) => Outcome::TimedOut,
                                        _ = job.gone => Outcome::Cancelled,
                                    };
                                    (key, outcome)
                                });
                            }
                        },
                        else => break,
                    }
                }
            })
            .await;
        state.retired.store(true, Relaxed);
        if let Err(e) = &ended {
            // A trap (or the epoch callback) ended every call on the instance.
            failed = true;
            let now = Instant::now();
            let overdue = |key: usize| deadlines.lock().expect("deadlines").get(key).is_some_and(|d| *d <= now);
            for (key, reply) in replies.drain() {
                let err = if overdue(key) {
                    limits.time_limit()
                } else if let Some(Trap::Interrupt) = e.downcast_ref::<Trap>() {
                    CallError::Trapped {
                        component: limits.name.clone(),
                        message: "another call on the same warm instance ran past its time limit, and the instance was stopped".into(),
                    }
                } else {
                    limits.classify(e, store.data())
                };
                last.push((reply, Err(err)));
            }
        }
        let stats = slot.stats();
        if failed {
            stats.discarded.fetch_add(1, Relaxed);
        } else if max_invocations.is_some_and(|max| state.admitted.load(Relaxed) >= max) {
            stats.retired.fetch_add(1, Relaxed);
        }
        drop(store);
        drop(slot);
        state.ended.store(true, Relaxed);
        for (reply, result) in last {
            let _ = reply.send(Answer::Done(result));
        }
        // Calls handed over but not started go to fresh instances.
        jobs.close();
        while let Ok(job) = jobs.try_recv() {
            let _ = job.reply.send(Answer::Declined(job.params));
        }
    }
}

/// Runs one call as a task of the instance. Plain values in, plain out: data
/// resources become handles of this store for the call.
async fn serve(acc: &Accessor<Ctx>, instance: Instance, data: &DataKinds, export: Export, params: Vec<Val>) -> Outcome {
    let Some(func) = acc.with(|mut s| instance.get_func(&mut s, export.index)) else {
        return Outcome::Failed(Failure::Start(wasmtime::format_err!("the export is not a function")));
    };
    let ty = acc.with(|s| func.ty(&s));
    let mut temps = Vec::new();
    let params = match export.moves_data {
        false => params,
        true => match acc.with(|mut s| bring_params(data, &mut s, &ty, params, &mut temps)) {
            Ok(p) => p,
            Err(e) => return Outcome::Failed(Failure::Refused(e)),
        },
    };
    let mut out = vec![Val::Bool(false); ty.results().len()];
    if let Err(e) = func.call_concurrent(acc, &params, &mut out).await {
        return Outcome::Failed(Failure::Call(e));
    }
    if !export.moves_data {
        return Outcome::Done(out);
    }
    let taken = acc.with(|mut s| {
        DataKinds::release(&mut s, temps).map_err(CallError::handle)?;
        take_results(data, &mut s, &ty, out)
    });
    match taken {
        Ok(values) => Outcome::Done(values),
        Err(e) => Outcome::Failed(Failure::Refused(e)),
    }
}
