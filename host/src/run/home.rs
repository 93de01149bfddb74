//! Where a service's supervisor future lives, so that a caller can drive it.
//!
//! A forwarded call otherwise costs two task switches (caller → service task →
//! caller). On tokio's multi-thread runtime such a ping-pong pair bounces between
//! workers: after a few hand-offs tokio stops using its LIFO slot for the pair, puts
//! the woken task on the shared queue and unparks the idle worker (a futex wake, an
//! IPI on a VM), which then steals it (benches/README.md, "forwarding").
//!
//! Here the supervisor future sits in a slot that its own tokio task polls as usual,
//! and that a caller may poll too: it takes the future ([`Home::hold`]) *before* it
//! queues its call, so the queue's wake-up only leaves a mark instead of scheduling
//! the service task, then polls it ([`Held::help`]): a lone caller usually gets its
//! answer within its own poll, on its own thread, with no task switch at all.
//! Whoever polls, the future always sees the same waker. One atomic word says who
//! may poll and whether a wake-up is due:
//! - `POLLING`: somebody (the task or a caller) holds the future now;
//! - `NOTIFIED`: a wake-up arrived since that poll began: the holder polls again
//!   before it lets go, or hands the future to the service task;
//! - `SCHEDULED`: the service task was woken and will poll;
//! - `DONE`: the future has finished.
//!
//! Wake-ups are never lost to a caller that has gone away, and a caller never waits
//! for another: one that finds the future held queues its call as before (the
//! queue's wake-up leaves a `NOTIFIED` mark the holder honours) and awaits its
//! answer; the holder serves the queue in order. A helper polls a bounded number of
//! times, then leaves the rest to the service task. Measured in benches/README.md
//! ("forwarding") and docs/NOTES.md ("Forwarding cost").
//!
//! tokio cannot run one task's future from another task; this small piece of
//! scheduling is written by hand for that reason.
use futures::task::AtomicWaker;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Wake, Waker};

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

const POLLING: u8 = 1;
const NOTIFIED: u8 = 2;
const SCHEDULED: u8 = 4;
const DONE: u8 = 8;

/// How many polls a helping caller makes at most before it leaves the rest to the
/// service task (a busy service must not keep a caller working for others).
const HELP_POLLS: usize = 8;
/// How many polls the service task makes per turn before it yields to tokio.
const TASK_POLLS: usize = 32;

/// The slot of one service's supervisor future (see the module docs).
pub(crate) struct Home {
    state: AtomicU8,
    /// Whether callers may take the future at all ([`Home::hold_for_caller`]); set
    /// by [`Home::spawn`] from `HostOptions::callers_drive_services`.
    callers: AtomicBool,
    /// The future; only the holder of `POLLING` locks it, so the lock never waits.
    slot: Mutex<Slot>,
    /// The service task's waker.
    task: AtomicWaker,
    /// The one waker the future is polled with (made once: no allocation per poll).
    waker: Waker,
}

#[derive(Default)]
struct Slot {
    job: Option<Job>,
    /// A panic of the future, re-raised by the service task (its join handle then
    /// reports it, as if the task itself had panicked).
    panic: Option<Box<dyn std::any::Any + Send>>,
}

/// Wakes a [`Home`]: marks it notified and schedules the service task if nobody
/// holds the future.
struct HomeWaker(Weak<Home>);

impl Wake for HomeWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(home) = self.0.upgrade() {
            home.notify();
        }
    }
}

impl Home {
    pub(crate) fn new() -> Arc<Home> {
        Arc::new_cyclic(|me| Home {
            state: AtomicU8::new(0),
            callers: AtomicBool::new(false),
            slot: Mutex::new(Slot::default()),
            task: AtomicWaker::new(),
            waker: Waker::from(Arc::new(HomeWaker(me.clone()))),
        })
    }

    /// Puts `job` in the slot and spawns the service task, which owns its life: the
    /// task ends when `job` does, whoever polled it last. `callers`: whether callers
    /// may drive it too (otherwise only the task polls it, as a plain task).
    pub(crate) fn spawn(
        self: &Arc<Self>,
        job: impl Future<Output = ()> + Send + 'static,
        callers: bool,
    ) -> tokio::task::JoinHandle<()> {
        self.callers.store(callers, Ordering::Release);
        self.lock().job = Some(Box::pin(job));
        let owner = Owner(self.clone());
        tokio::spawn(std::future::poll_fn(move |cx| {
            let home = &owner.0;
            home.task.register(cx.waker());
            if home.state.load(Ordering::Acquire) & DONE == 0 {
                home.state.fetch_and(!SCHEDULED, Ordering::AcqRel);
                if let Some(held) = home.hold() {
                    held.drive(TASK_POLLS);
                }
            }
            if home.state.load(Ordering::Acquire) & DONE == 0 {
                return Poll::Pending;
            }
            if let Some(p) = home.lock().panic.take() {
                resume_unwind(p);
            }
            Poll::Ready(())
        }))
    }

    /// Takes the future if nobody holds it (and it has not finished). A caller
    /// takes it *before* it queues its call, so the queue's wake-up only marks the
    /// home notified instead of scheduling the service task; it then polls it
    /// ([`Held::help`]) or, if it could not queue after all, just lets go.
    pub(crate) fn hold(&self) -> Option<Held<'_>> {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if s & (POLLING | DONE) != 0 {
                return None;
            }
            match self.state.compare_exchange_weak(s, s | POLLING, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(Held(self)),
                Err(now) => s = now,
            }
        }
    }

    /// [`Home::hold`] for a caller: `None` unless callers may drive this home.
    pub(crate) fn hold_for_caller(&self) -> Option<Held<'_>> {
        match self.callers.load(Ordering::Acquire) {
            true => self.hold(),
            false => None,
        }
    }

    /// Records a wake-up; schedules the service task when nobody holds the future.
    fn notify(&self) {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if s & DONE != 0 {
                return;
            }
            let (next, wake) = if s & POLLING != 0 {
                (s | NOTIFIED, false)
            } else if s & SCHEDULED != 0 {
                return;
            } else {
                (s | NOTIFIED | SCHEDULED, true)
            };
            match self.state.compare_exchange_weak(s, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    if wake {
                        self.task.wake();
                    }
                    return;
                }
                Err(now) => s = now,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The service task's hold on the job: a task dropped unfinished (a runtime shutting
/// down drops its tasks) drops the job with it, as a plain task would, so the store
/// inside does not live on in the slot.
struct Owner(Arc<Home>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.state.fetch_or(DONE, Ordering::AcqRel);
        let job = self.0.lock().job.take();
        drop(job);
    }
}

/// The right to poll a home's future, held by one task or caller at a time; dropping
/// it lets go (a wake-up that arrived meanwhile goes to the service task).
pub(crate) struct Held<'a>(&'a Home);

impl Held<'_> {
    /// A caller's turn, right after it queued its call: polls the service while
    /// wake-ups keep arriving, a few times at most (a busy service must not keep
    /// its caller working for others), then lets go. The polls run outside tokio's
    /// cooperative budget: the caller's task has spent its own budget, not the
    /// service's, and a budget-exhausted resource inside the service would defer
    /// the home's wake-up to the end of the caller's turn, handing the service to
    /// its task after all (the cross-worker bounce this module exists to avoid).
    pub(crate) fn help(self) {
        let mut once = Some(self);
        let mut help = tokio::task::unconstrained(std::future::poll_fn(move |_| {
            if let Some(held) = once.take() {
                held.drive(HELP_POLLS);
            }
            Poll::Ready(())
        }));
        let mut cx = Context::from_waker(Waker::noop());
        let _ = Pin::new(&mut help).poll(&mut cx);
    }

    /// Polls the future while wake-ups keep arriving, at most `polls` times, then
    /// lets go.
    fn drive(self, polls: usize) {
        let home = self.0;
        let mut cx = Context::from_waker(&home.waker);
        let mut slot = home.lock();
        for _ in 0..polls {
            home.state.fetch_and(!NOTIFIED, Ordering::AcqRel);
            let Some(job) = slot.job.as_mut() else { break };
            let finished = match catch_unwind(AssertUnwindSafe(|| job.as_mut().poll(&mut cx))) {
                Ok(p) => p.is_ready(),
                Err(panic) => {
                    slot.panic = Some(panic);
                    true
                }
            };
            if finished {
                slot.job = None;
                home.state.fetch_or(DONE, Ordering::AcqRel);
                break;
            }
            if home.state.load(Ordering::Acquire) & NOTIFIED == 0 {
                break;
            }
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let home = self.0;
        let mut s = home.state.load(Ordering::Acquire);
        loop {
            let wake = s & DONE != 0 || (s & NOTIFIED != 0 && s & SCHEDULED == 0);
            let next = match wake && s & DONE == 0 {
                true => (s & !POLLING) | SCHEDULED,
                false => s & !POLLING,
            };
            match home.state.compare_exchange_weak(s, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    if wake {
                        // Serve the wake-up, or (finished) let the service task end.
                        home.task.wake();
                    }
                    return;
                }
                Err(now) => s = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;
    use tokio::sync::{mpsc, oneshot};

    type Ask = (u64, oneshot::Sender<u64>);

    /// A stand-in for a supervisor: answers every ask with the value plus one,
    /// panics on 666, ends on 0. Counts what it served.
    async fn echo(mut rx: mpsc::Receiver<Ask>, served: Arc<AtomicUsize>) {
        while let Some((v, reply)) = rx.recv().await {
            assert_ne!(v, 666, "asked to panic");
            served.fetch_add(1, SeqCst);
            let _ = reply.send(v + 1);
            if v == 0 {
                break;
            }
        }
    }

    /// What `ServiceHandle::send` does: hold, queue, help, else wait.
    async fn ask(home: &Home, tx: &mpsc::Sender<Ask>, v: u64) -> u64 {
        let (reply, mut answer) = oneshot::channel();
        match home.hold() {
            Some(held) => {
                tx.try_send((v, reply)).unwrap();
                held.help();
                if let Ok(r) = answer.try_recv() {
                    return r;
                }
            }
            None => tx.send((v, reply)).await.unwrap(),
        }
        answer.await.unwrap()
    }

    /// An echo service in its home, after the service task's first poll (idle).
    struct Echo {
        home: Arc<Home>,
        tx: mpsc::Sender<Ask>,
        task: tokio::task::JoinHandle<()>,
        served: Arc<AtomicUsize>,
    }

    async fn idle_echo() -> Echo {
        let (tx, rx) = mpsc::channel(64);
        let served = Arc::new(AtomicUsize::new(0));
        let home = Home::new();
        let task = home.spawn(echo(rx, served.clone()), true);
        tokio::task::yield_now().await;
        Echo { home, tx, task, served }
    }

    /// What a caller does before it helps: take the idle home, then queue `v`.
    fn hold_and_queue<'a>(home: &'a Home, tx: &mpsc::Sender<Ask>, v: u64) -> (Held<'a>, oneshot::Receiver<u64>) {
        let held = home.hold().expect("nobody polls an idle service");
        let (reply, answer) = oneshot::channel();
        tx.try_send((v, reply)).unwrap();
        (held, answer)
    }

    #[tokio::test]
    async fn an_idle_service_answers_within_the_callers_own_poll() {
        let e = idle_echo().await;
        let (held, mut answer) = hold_and_queue(&e.home, &e.tx, 41);
        held.help();
        assert_eq!(answer.try_recv().expect("answered without a task switch"), 42);
        assert_eq!(ask(&e.home, &e.tx, 0).await, 1);
        tokio::time::timeout(Duration::from_secs(5), e.task).await.unwrap().unwrap();
        assert_eq!(e.served.load(SeqCst), 2);
    }

    #[tokio::test]
    async fn a_wake_up_left_by_a_holder_that_lets_go_reaches_the_service_task() {
        let e = idle_echo().await;
        let (held, answer) = hold_and_queue(&e.home, &e.tx, 7);
        assert!(e.home.hold().is_none(), "one holder at a time");
        drop(held); // queued, never polled by the caller: the task must serve it
        assert_eq!(tokio::time::timeout(Duration::from_secs(5), answer).await.unwrap().unwrap(), 8);
    }

    #[tokio::test]
    async fn a_panic_met_by_a_helper_reaches_the_join_handle() {
        let e = idle_echo().await;
        let (held, answer) = hold_and_queue(&e.home, &e.tx, 666);
        held.help(); // the caller survives the service's panic
        assert!(answer.await.is_err(), "the panicking service dropped the reply");
        let err = tokio::time::timeout(Duration::from_secs(5), e.task).await.unwrap().unwrap_err();
        assert!(err.is_panic());
        assert!(e.home.hold().is_none(), "a finished home is never held again");
    }

    #[test]
    fn a_runtime_that_shuts_down_drops_the_job() {
        let (tx, rx) = mpsc::channel::<Ask>(8);
        let home = Home::new();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let _task = home.spawn(echo(rx, Arc::default()), true);
            tokio::task::yield_now().await;
        });
        assert!(!tx.is_closed(), "the job (and its receiver) is alive while its task is");
        drop(rt);
        assert!(tx.is_closed(), "the job went with its task");
        assert!(home.hold().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_callers_on_two_workers_lose_no_wake_up() {
        let Echo { home, tx, task, served } = idle_echo().await;
        let callers: Vec<_> = (0..8u64)
            .map(|c| {
                let (home, tx) = (home.clone(), tx.clone());
                tokio::spawn(async move {
                    for i in 1..=5_000u64 {
                        let v = 1_000 + c * 1_000_000 + i; // never 0 (end) or 666 (panic)
                        assert_eq!(ask(&home, &tx, v).await, v + 1);
                        if i % 100 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for c in callers {
            tokio::time::timeout(Duration::from_secs(60), c).await.expect("a call was never answered").unwrap();
        }
        assert_eq!(served.load(SeqCst), 40_000);
        assert_eq!(ask(&home, &tx, 0).await, 1);
        tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap();
    }
}
