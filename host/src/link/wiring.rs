//! What the host's own interface implementations use to reach workload members:
//! for each interface a catalogue family calls (see `plan/host_calls.rs`), every
//! member that exports it, ready to call by function name with plain values. Built
//! once per workload by `assemble`, shared by every store (`Ctx::wiring`).
use crate::engine::otel::trace::TraceParent;
use crate::error::CallError;
use crate::link::Callee;
use crate::link::to_service::ServiceHandle;
use crate::names::names_compatible;
use futures::future::BoxFuture;
use std::sync::Arc;
use wasmtime::component::Val;

/// One member exporting an interface the host calls.
pub(crate) struct Wired {
    /// The interface as the catalogue names it.
    pub interface: String,
    pub member: String,
    /// The member's position in the manifest (services, then components).
    pub index: usize,
    /// The member's `config:` (host implementations read per-member settings here,
    /// e.g. a handler component's `subscriptions`).
    pub config: Vec<(String, String)>,
    pub(crate) callee: Arc<dyn Callee>,
    /// The member's call queue when it is a service (for typed calls).
    pub(crate) service: Option<ServiceHandle>,
    pub(crate) functions: Vec<(String, usize)>,
}

impl Wired {
    /// The export-table slot of `function`.
    pub fn target(&self, function: &str) -> Option<usize> {
        self.functions.iter().find(|(f, _)| f == function).map(|(_, t)| *t)
    }

    /// Calls `function` of the interface with plain values (`parent`: the span the
    /// call belongs to, if any).
    pub fn call(
        &self,
        function: &str,
        params: Vec<Val>,
        parent: Option<TraceParent>,
    ) -> BoxFuture<'static, Result<Vec<Val>, CallError>> {
        match self.functions.iter().find(|(f, _)| f == function) {
            Some((_, target)) => self.callee.call_export(*target, params, parent),
            None => {
                let err = CallError::NoSuchFunction {
                    component: self.member.clone(),
                    function: format!("{}#{function}", self.interface),
                    available: self.functions.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>().join(", "),
                };
                Box::pin(async move { Err(err) })
            }
        }
    }
}

/// Every wired member of a workload.
#[derive(Default)]
pub(crate) struct Wiring {
    /// The workload's name (for defaults such as queue-group names).
    pub workload: String,
    pub members: Vec<Wired>,
    /// State a host implementation keeps for the whole workload (shared by every
    /// store), by a key of its choosing: e.g. the messaging outbox of each bridge.
    state: std::sync::Mutex<std::collections::HashMap<String, Arc<dyn std::any::Any + Send + Sync>>>,
}

impl Wiring {
    pub fn new(workload: String, members: Vec<Wired>) -> Wiring {
        Wiring { workload, members, state: Default::default() }
    }

    /// The workload-wide state under `key`, made by `make` on first use.
    pub fn state<T: Send + Sync + 'static>(&self, key: &str, make: impl FnOnce() -> T) -> Arc<T> {
        let mut map = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(key.to_string()).or_insert_with(|| Arc::new(make()));
        entry.clone().downcast::<T>().unwrap_or_else(|_| panic!("wiring state `{key}` has two types"))
    }

    /// Members exporting `interface` (any compatible version).
    pub fn exporters<'a>(&'a self, interface: &'a str) -> impl Iterator<Item = &'a Wired> + 'a {
        self.members.iter().filter(move |w| names_compatible(&w.interface, interface))
    }
}
