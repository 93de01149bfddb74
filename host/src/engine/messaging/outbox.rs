//! The host side of publishing: one outbox per bridge service, shared by every
//! component of the workload. A component's `send` is checked here (subject syntax,
//! the server's `max_payload`), queued, and returns: the way a native client's
//! `publish` returns once the message is in its buffer. A pump task hands the queue
//! to the bridge in batches (one call of `bridge.publish` for up to `BATCH`
//! messages) with Rust-typed values, so a payload is copied as bytes, not as one
//! `Val` per byte. Publishes the bridge rejects after `send` returned are logged
//! with the reason, counted, and make the next `send` fail with that reason.
//! Subjects the bridge acknowledges through JetStream skip the queue: their `send`
//! waits for the acknowledgement; so does every `send` while the bridge is not
//! RUNNING (it waits for a restart, or fails at once when the bridge gave up).
use super::bindings::wasi::messaging::types::Error;
use crate::error::CallError;
use crate::link::to_service::{Caller, Finished, ServiceHandle, TypedCall};
use crate::link::wiring::{Wired, Wiring};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{mpsc, oneshot};
use wasmtime::component::{ComponentType, Lift, Lower, Val};

/// Messages per `bridge.publish` call, at most.
const BATCH: usize = 1024;
/// Messages queued per bridge before `send` waits.
const QUEUE: usize = 8192;

/// `outrigger:messaging/types.msg`, typed.
#[derive(ComponentType, Lift, Lower, Clone, Debug)]
#[component(record)]
pub struct BridgeMsg {
    pub subject: String,
    pub data: Vec<u8>,
    #[component(name = "content-type")]
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    #[component(name = "reply-to")]
    pub reply_to: Option<String>,
}

/// `outrigger:messaging/types.error`, typed.
#[derive(ComponentType, Lift, Lower, Clone, Debug)]
#[component(variant)]
pub enum BridgeError {
    #[component(name = "timeout")]
    Timeout,
    #[component(name = "connection")]
    Connection(String),
    #[component(name = "permission-denied")]
    PermissionDenied(String),
    #[component(name = "other")]
    Other(String),
}

impl From<BridgeError> for Error {
    fn from(e: BridgeError) -> Error {
        match e {
            BridgeError::Timeout => Error::Timeout,
            BridgeError::Connection(s) => Error::Connection(s),
            BridgeError::PermissionDenied(s) => Error::PermissionDenied(s),
            BridgeError::Other(s) => Error::Other(s),
        }
    }
}

type Results = Vec<Result<(), BridgeError>>;

/// What the host checks before accepting a send (from `bridge.limits`).
#[derive(Clone, Debug, Default)]
struct Limits {
    max_payload: u64,
    acknowledged: Vec<String>,
}

/// One bridge's outbox.
pub struct Outbox {
    bridge: String,
    service: ServiceHandle,
    publish: usize,
    tx: mpsc::Sender<BridgeMsg>,
    limits: Mutex<Option<Arc<Limits>>>,
    /// Why the bridge rejected an already accepted publish, for the next `send`.
    failure: Mutex<Option<String>>,
}

/// Every bridge's outbox of a workload (kept in its `Wiring`), by member index.
struct Outboxes(Vec<OnceLock<Result<Arc<Outbox>, String>>>);

/// The outbox of bridge `via` (an index in `wiring.members`: a service exporting
/// `publish`), opened and its pump started on first use.
pub fn outbox(wiring: &Wiring, via: usize) -> Result<Arc<Outbox>, String> {
    let all =
        wiring.state("messaging.outboxes", || Outboxes((0..wiring.members.len()).map(|_| OnceLock::new()).collect()));
    all.0[via].get_or_init(|| open(&wiring.members[via])).clone()
}

fn open(w: &Wired) -> Result<Arc<Outbox>, String> {
    let service = w.service.clone().ok_or_else(|| format!("the bridge `{}` is not a service", w.member))?;
    let publish = w.target("publish").ok_or_else(|| format!("the bridge `{}` exports no `publish`", w.member))?;
    let (tx, rx) = mpsc::channel(QUEUE);
    let o = Arc::new(Outbox {
        bridge: w.member.clone(),
        service: service.clone(),
        publish,
        tx,
        limits: Mutex::new(None),
        failure: Mutex::new(None),
    });
    tokio::spawn(pump(rx, service, publish, w.member.clone(), Arc::downgrade(&o)));
    Ok(o)
}

impl Outbox {
    /// Accepts `m` for publishing (see the module docs).
    pub async fn send(&self, w: &Wired, m: BridgeMsg) -> Result<(), Error> {
        if let Some(why) = invalid_subject(&m.subject) {
            return Err(Error::Other(format!("invalid subject `{}`: {why}", m.subject)));
        }
        let limits = self.limits(w).await;
        let size = size(&m);
        if limits.max_payload > 0 && size as u64 > limits.max_payload {
            return Err(Error::Other(format!(
                "message to `{}` is {size} bytes (headers + payload), more than the server's max_payload of {} bytes: send less, or raise `max_payload` in the server configuration",
                m.subject, limits.max_payload
            )));
        }
        // Straight to the bridge, waiting for its answer: a subject with JetStream
        // acknowledgements, or a bridge that is not running (starting, restarting,
        // or failed: then the caller hears why at once instead of a later log line).
        let acknowledged =
            !limits.acknowledged.is_empty() && limits.acknowledged.iter().any(|p| subject_matches(p, &m.subject));
        if acknowledged || !self.service.is_running() {
            let mut results = publish(&self.service, self.publish, vec![m], Caller::InStore)
                .await
                .map_err(|e| Error::Connection(e.to_string()))?;
            return results.pop().unwrap_or(Ok(())).map_err(Error::from);
        }
        if let Some(why) = self.failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(Error::Connection(why));
        }
        self.tx.send(m).await.map_err(|_| Error::Connection(format!("the bridge `{}` stopped publishing", self.bridge)))
    }

    /// The bridge's limits, asked once it knows them (the server's max_payload
    /// arrives with its INFO).
    async fn limits(&self, w: &Wired) -> Arc<Limits> {
        if let Some(l) = self.limits.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return l;
        }
        let Ok(mut out) = w.call("limits", Vec::new(), None).await else { return Arc::default() };
        let limits = match out.pop() {
            Some(Val::Record(fields)) => {
                let mut l = Limits::default();
                for (name, v) in fields {
                    match (name.as_str(), v) {
                        ("max-payload", Val::U64(n)) => l.max_payload = n,
                        ("acknowledged", Val::List(items)) => {
                            l.acknowledged = items
                                .into_iter()
                                .filter_map(|i| if let Val::String(s) = i { Some(s) } else { None })
                                .collect()
                        }
                        _ => {}
                    }
                }
                l
            }
            _ => Limits::default(),
        };
        let limits = Arc::new(limits);
        if limits.max_payload > 0 {
            *self.limits.lock().unwrap_or_else(|p| p.into_inner()) = Some(limits.clone());
        }
        limits
    }
}

/// Hands queued messages to the bridge in batches, until the outbox is gone.
async fn pump(
    mut rx: mpsc::Receiver<BridgeMsg>,
    service: ServiceHandle,
    target: usize,
    bridge: String,
    outbox: std::sync::Weak<Outbox>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let subjects: Vec<String> = batch.iter().map(|m| m.subject.clone()).collect();
        let failed: Vec<(String, String)> =
            match publish(&service, target, std::mem::take(&mut batch), Caller::Outside).await {
                Ok(results) => {
                    subjects.into_iter().zip(results).filter_map(|(s, r)| r.err().map(|e| (s, describe(e)))).collect()
                }
                Err(e) => subjects.into_iter().map(|s| (s, e.to_string())).collect(),
            };
        if let Some((subject, why)) = failed.first() {
            tracing::warn!(
                bridge = %bridge,
                "{} accepted publish(es) could not be sent (first: `{subject}`): {why}",
                failed.len()
            );
            let Some(outbox) = outbox.upgrade() else { return };
            *outbox.failure.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(format!("{} earlier publish(es) through `{bridge}` failed: {why}", failed.len()));
        }
    }
}

/// One typed `bridge.publish` call.
/// `caller`: the pump (outside any store) or a component's `send` (inside its store).
async fn publish(
    service: &ServiceHandle,
    target: usize,
    batch: Vec<BridgeMsg>,
    caller: Caller,
) -> Result<Results, CallError> {
    let (tx, rx) = oneshot::channel();
    let job: TypedCall = Box::new(move |acc, func| {
        Box::pin(async move {
            let typed = match acc.with(|a| func.typed::<(Vec<BridgeMsg>,), (Results,)>(&a)) {
                Ok(t) => t,
                Err(e) => {
                    return Finished::Refused(CallError::Handle {
                        message: format!("the bridge's `publish` does not fit: {e}"),
                    });
                }
            };
            match typed.call_concurrent(acc, (batch,)).await {
                Ok((results,)) => {
                    let _ = tx.send(results);
                    Finished::Ok
                }
                Err(e) => Finished::Trapped(e),
            }
        })
    });
    service.call_typed(target, job, caller).await?;
    rx.await.map_err(|_| CallError::ShuttingDown)
}

fn describe(e: BridgeError) -> String {
    match e {
        BridgeError::Timeout => "timeout".into(),
        BridgeError::Connection(s) | BridgeError::PermissionDenied(s) | BridgeError::Other(s) => s,
    }
}

/// Headers + payload, as NATS counts a message against `max_payload`.
fn size(m: &BridgeMsg) -> usize {
    let headers: usize = m.metadata.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>()
        + m.content_type.as_ref().map(|c| "Content-Type".len() + c.len() + 4).unwrap_or(0);
    m.data.len() + if headers > 0 { headers + "NATS/1.0\r\n\r\n".len() } else { 0 }
}

/// Why `s` cannot be published to, if it cannot (no wildcards, no whitespace, no
/// empty tokens).
fn invalid_subject(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("it is empty")
    } else if s.contains(char::is_whitespace) {
        Some("it contains whitespace")
    } else if s.split('.').any(str::is_empty) {
        Some("it has an empty token (a leading, trailing or double `.`)")
    } else if s.split('.').any(|t| t == "*" || t == ">") {
        Some("a publish cannot use wildcards")
    } else {
        None
    }
}

/// NATS subject matching: `*` is one token, `>` the rest.
fn subject_matches(pattern: &str, subject: &str) -> bool {
    let (mut p, mut s) = (pattern.split('.'), subject.split('.'));
    loop {
        match (p.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}
