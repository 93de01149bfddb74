//! Leaving cleanly when the workload stops (`outrigger:service/shutdown`): the bridge
//! drains its handler subscriptions — the server stops sending to this host, and what
//! it sent before is still handled — waits for the deliveries in flight, then flushes
//! the replies and publishes still buffered. With a queue group (the default), the
//! other hosts running the workload take over the subject and no message is lost.
use crate::connection;
use futures::channel::oneshot;
use std::cell::{Cell, RefCell};

thread_local! {
    /// The handler subscriptions to drain.
    static SUBSCRIPTIONS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    /// Resolves when every delivery has finished after the drain.
    static DELIVERIES_DONE: RefCell<Option<oneshot::Receiver<()>>> = const { RefCell::new(None) };
    static STOPPING: Cell<bool> = const { Cell::new(false) };
}

/// Remembers the subscriptions to drain; returns what the deliveries signal when they
/// end.
pub fn track(subscriptions: Vec<u64>) -> oneshot::Sender<()> {
    let (tx, rx) = oneshot::channel();
    SUBSCRIPTIONS.set(subscriptions);
    DELIVERIES_DONE.set(Some(rx));
    tx
}

/// Whether the bridge is stopping (deliveries ending is then expected).
pub fn stopping() -> bool {
    STOPPING.get()
}

pub async fn stop() {
    STOPPING.set(true);
    let Some(handle) = connection::current() else {
        return; // never connected: nothing to leave
    };
    let subscriptions = SUBSCRIPTIONS.take();
    if !subscriptions.is_empty() {
        if let Err(e) = handle.client.drain(&subscriptions).await {
            eprintln!("nats-bridge: draining the handler subscriptions failed: {e}");
        }
        if let Some(done) = DELIVERIES_DONE.take() {
            let _ = done.await;
        }
    }
    match handle.client.flush().await {
        Ok(()) => eprintln!("nats-bridge: left cleanly ({} subscription(s) drained)", subscriptions.len()),
        Err(e) => eprintln!("nats-bridge: the last replies and publishes may not have reached the server: {e}"),
    }
}
