//! Warm instances of a reactive component (`poolSize`, `maxInvocations`,
//! `maxConcurrency`, with wasmCloud's meaning: `manifest/warm.rs`).
//!
//! Up to `poolSize` instances are kept between calls, each started by the first call
//! that finds every warm instance busy. A call takes an idle warm instance; when all
//! are busy and the pool is full, it is served by a fresh instance of its own, as
//! without a pool, so pooling never makes a caller wait for another's call.
//!
//! - With `maxConcurrency: 1` (the default) a warm instance is checked out by one
//!   call at a time and runs it in the caller's own task, like a fresh instance,
//!   with the same epoch deadline and timer.
//! - With more, each warm instance is driven by a task of its own that runs calls as
//!   concurrent Component Model tasks of the one instance (`pool_shared.rs`).
//!
//! What is reset per call: the store's trace context (the call's own span, no spans
//! left open by an earlier call), the deadline, and the host-owned data resources
//! the call brought in (borrowed ones are released when it returns, owned ones
//! belong to the guest from then on). What is not: everything the guest keeps (its
//! linear memory, globals, open WASI handles), its WASI environment and config
//! (fixed when the instance starts). That is the point of a warm instance, and why
//! it is opt-in: a pooled component's callers are not isolated from each other.
//!
//! An instance is only kept after a call that returned normally (a guest-level
//! `err` result is normal) and never after one that trapped, hit its time or memory
//! limit, had values refused, or whose caller stopped waiting (the call's future is
//! dropped, and the instance with it). After `maxInvocations` calls it is dropped
//! and the next call starts a fresh one.
use crate::engine::HostEngine;
use crate::engine::ctx::Ctx;
use crate::engine::otel::trace::{SpanContext, TraceState};
use crate::error::CallError;
use crate::manifest::WarmPolicy;
use crate::run::guest::Export;
use crate::run::pool_shared::Shared;
use crate::run::reactive::ReactivePool;
use crate::run::status::PoolStatus;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedSemaphorePermit;
use wasmtime::Store;
use wasmtime::component::{Instance, Val};

/// The warm instances of one reactive component.
pub(crate) struct WarmPool {
    pub policy: WarmPolicy,
    /// Idle instances (`maxConcurrency: 1`), the most recently used last.
    idle: Mutex<Vec<Warm>>,
    /// Instances that serve several calls at once (`maxConcurrency` > 1).
    shared: Mutex<Vec<Arc<Shared>>>,
    pub stats: Arc<WarmStats>,
}

/// Counters for `outrigger status`.
#[derive(Default)]
pub(crate) struct WarmStats {
    /// Warm instances alive (idle or busy), or being started; at most `poolSize`.
    pub live: AtomicUsize,
    /// Warm instances started.
    pub started: AtomicU64,
    /// Calls served by a warm instance that had served one before.
    pub reused: AtomicU64,
    /// Calls served by a fresh instance because every warm one was busy.
    pub overflow: AtomicU64,
    /// Warm instances dropped after `maxInvocations` calls.
    pub retired: AtomicU64,
    /// Warm instances dropped after a failed or abandoned call.
    pub discarded: AtomicU64,
}

/// One of the `poolSize` places, with the engine instance slot that goes with it;
/// both are freed when it is dropped (with its instance).
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
    stats: Arc<WarmStats>,
}

impl Slot {
    pub(crate) fn stats(&self) -> &WarmStats {
        &self.stats
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.stats.live.fetch_sub(1, Relaxed);
    }
}

/// What happens to a warm instance when it is dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// In use: dropped now means its call failed or was abandoned.
    Discarded,
    /// Served its `maxInvocations`.
    Retired,
    /// Idle in the pool (dropped with it).
    Kept,
}

/// A warm instance checked out by one call (`maxConcurrency: 1`).
struct Warm {
    store: Store<Ctx>,
    instance: Instance,
    served: u64,
    fate: Fate,
    _slot: Slot,
}

impl Drop for Warm {
    fn drop(&mut self) {
        let stats = &self._slot.stats;
        match self.fate {
            Fate::Discarded => stats.discarded.fetch_add(1, Relaxed),
            Fate::Retired => stats.retired.fetch_add(1, Relaxed),
            Fate::Kept => 0,
        };
    }
}

/// Where a call goes.
enum Pick {
    Idle(Warm),
    Start(Slot),
    Fresh,
}

impl WarmPool {
    pub fn new(policy: WarmPolicy) -> WarmPool {
        WarmPool {
            policy,
            idle: Mutex::new(Vec::new()),
            shared: Mutex::new(Vec::new()),
            stats: Arc::new(WarmStats::default()),
        }
    }

    /// Takes one of the `poolSize` places and an engine instance slot, if both are
    /// free right now (never waits: a warm instance holds its slot for its life, so
    /// it only takes one nobody is waiting for).
    pub(crate) fn reserve(&self, engine: &HostEngine) -> Option<Slot> {
        let size = self.policy.pool_size;
        self.stats.live.fetch_update(Relaxed, Relaxed, |n| (n < size).then_some(n + 1)).ok()?;
        match engine.instance_permits.clone().try_acquire_owned() {
            Ok(permit) => Some(Slot { _permit: permit, stats: self.stats.clone() }),
            Err(_) => {
                self.stats.live.fetch_sub(1, Relaxed);
                None
            }
        }
    }

    /// Serves one call from the pool (or a fresh instance when it is full).
    pub async fn invoke(
        &self,
        r: &ReactivePool,
        export: Export,
        params: Vec<Val>,
        span: Option<SpanContext>,
    ) -> Result<Vec<Val>, CallError> {
        if self.policy.max_concurrency > 1 {
            return crate::run::pool_shared::invoke(self, &self.shared, r, export, params, span).await;
        }
        let pick = match self.idle.lock().expect("pool lock").pop() {
            Some(mut w) => {
                w.fate = Fate::Discarded; // unless it is handed back below
                Pick::Idle(w)
            }
            None => self.reserve(&r.guest.engine).map_or(Pick::Fresh, Pick::Start),
        };
        if let Pick::Fresh = pick {
            self.stats.overflow.fetch_add(1, Relaxed);
            return r.fresh(export, params, span).await;
        }
        let run = async {
            let mut w = match pick {
                Pick::Idle(mut w) => {
                    self.stats.reused.fetch_add(1, Relaxed);
                    r.prepare(&mut w.store, span);
                    w
                }
                Pick::Start(slot) => {
                    let mut store = r.new_store();
                    r.prepare(&mut store, span);
                    let instance = r.guest.pre.instantiate_async(&mut store).await?;
                    self.stats.started.fetch_add(1, Relaxed);
                    Warm { store, instance, served: 0, fate: Fate::Discarded, _slot: slot }
                }
                Pick::Fresh => unreachable!("served above"),
            };
            let out = r.call_in(&mut w.store, &w.instance, &export, params).await;
            Ok::<_, wasmtime::Error>((out, w))
        };
        // A time limit drops `run`, and the instance in it; so does a caller that
        // stops waiting (this whole future is dropped).
        let (out, mut w) = match tokio::time::timeout(r.timeout, run).await {
            Err(_) => return Err(r.limits.time_limit()),
            Ok(Err(e)) => return Err(r.limits.start_failed(&e)),
            Ok(Ok(done)) => done,
        };
        let out = match out {
            Ok(out) => out,
            Err(f) => return Err(r.limits.error(f, w.store.data())),
        };
        w.served += 1;
        if w.store.data().limiter.refused.is_some() {
            // It hit its memory limit and went on: dropped (as discarded).
        } else if self.policy.max_invocations.is_some_and(|max| w.served >= max) {
            w.fate = Fate::Retired;
        } else {
            w.store.data_mut().trace = TraceState::default();
            w.fate = Fate::Kept;
            self.idle.lock().expect("pool lock").push(w);
        }
        Ok(out)
    }

    /// What `outrigger status` shows.
    pub fn status(&self) -> PoolStatus {
        let s = &self.stats;
        PoolStatus {
            size: self.policy.pool_size as u64,
            max_invocations: self.policy.max_invocations.unwrap_or(0),
            max_concurrency: self.policy.max_concurrency as u64,
            warm: s.live.load(Relaxed) as u64,
            started: s.started.load(Relaxed),
            reused: s.reused.load(Relaxed),
            overflow: s.overflow.load(Relaxed),
            retired: s.retired.load(Relaxed),
            discarded: s.discarded.load(Relaxed),
        }
    }
}
