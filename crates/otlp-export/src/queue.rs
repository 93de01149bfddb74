//! [`BatchQueue`]: the buffer of a batch processor. Producers `push` without
//! ever waiting (a full queue drops the item and counts it); one consumer takes
//! batches when `max_export_batch_size` items are waiting (size trigger) or when
//! the schedule delay has passed (time trigger), and drains everything at the
//! end. No runtime: the consumer's timer is injected, and a push wakes it through
//! a plain `Waker`.
use crate::config::BatchConfig;
use crate::io::Timer;
use futures::future::{Either, select};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

/// A bounded queue of telemetry items (spans, log records, ...). Clones share
/// the queue.
pub struct BatchQueue<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

impl<T> Clone for BatchQueue<T> {
    fn clone(&self) -> Self {
        BatchQueue { inner: self.inner.clone() }
    }
}

struct Inner<T> {
    items: VecDeque<T>,
    config: BatchConfig,
    dropped: u64,
    waker: Option<Waker>,
}

impl<T> BatchQueue<T> {
    /// An empty queue with `config`'s limits (a batch size above the queue size
    /// is lowered to it; zero sizes count as one).
    pub fn new(config: BatchConfig) -> Self {
        let mut config = config;
        config.max_queue_size = config.max_queue_size.max(1);
        config.max_export_batch_size = config.max_export_batch_size.clamp(1, config.max_queue_size);
        let items = VecDeque::with_capacity(config.max_queue_size.min(4096));
        BatchQueue { inner: Arc::new(Mutex::new(Inner { items, config, dropped: 0, waker: None })) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `item`, or drops it when the queue is full (counted in
    /// [`dropped`](Self::dropped)). Returns whether it was kept. Never waits.
    pub fn push(&self, item: T) -> bool {
        let mut q = self.lock();
        if q.items.len() >= q.config.max_queue_size {
            q.dropped += 1;
            return false;
        }
        q.items.push_back(item);
        q.wake_if_full();
        true
    }

    /// Adds every item that fits; returns how many were dropped.
    pub fn push_all(&self, items: impl IntoIterator<Item = T>) -> usize {
        let mut q = self.lock();
        let mut dropped = 0;
        for item in items {
            if q.items.len() >= q.config.max_queue_size {
                dropped += 1;
            } else {
                q.items.push_back(item);
            }
        }
        q.dropped += dropped as u64;
        q.wake_if_full();
        dropped
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Items dropped because the queue was full, since it was created.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// The limits in force.
    pub fn config(&self) -> BatchConfig {
        self.lock().config
    }

    /// Takes up to `max_export_batch_size` of the oldest items (none when empty).
    pub fn take_batch(&self) -> Vec<T> {
        let mut q = self.lock();
        let n = q.items.len().min(q.config.max_export_batch_size);
        q.items.drain(..n).collect()
    }

    /// Takes everything, in batches of at most `max_export_batch_size`: the final
    /// flush.
    pub fn drain_all(&self) -> Vec<Vec<T>> {
        let mut q = self.lock();
        let size = q.config.max_export_batch_size;
        let mut batches = Vec::new();
        while !q.items.is_empty() {
            let n = q.items.len().min(size);
            batches.push(q.items.drain(..n).collect());
        }
        batches
    }

    /// Resolves once a full batch is waiting. One consumer at a time: a second
    /// waiter replaces the first one's wake-up.
    pub async fn full_batch(&self) {
        poll_fn(|cx| {
            let mut q = self.lock();
            if q.items.len() >= q.config.max_export_batch_size {
                q.waker = None;
                Poll::Ready(())
            } else {
                q.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// Waits for a full batch (size trigger) or the schedule delay (time
    /// trigger), whichever comes first, then takes a batch. The result may be
    /// empty when nothing arrived during the delay.
    pub async fn next_batch<Tm: Timer>(&self, timer: &Tm) -> Vec<T> {
        let delay = self.config().schedule_delay;
        let _: Either<_, _> = select(pin!(self.full_batch()), pin!(timer.sleep(delay))).await;
        self.lock().waker = None;
        self.take_batch()
    }
}

impl<T> Inner<T> {
    fn wake_if_full(&mut self) {
        if self.items.len() >= self.config.max_export_batch_size {
            if let Some(w) = self.waker.take() {
                w.wake();
            }
        }
    }
}
