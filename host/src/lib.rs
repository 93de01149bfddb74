//! outrigger: run long-running WebAssembly *service* components and short-lived
//! *reactive* components as one workload, linked at run time by WIT interface.
//!
//! Data flows one way: [`manifest`] (YAML, validated) -> `plan` (who imports what
//! from whom, against the host's [`Catalogue`]) -> `assemble` (linkers, one per
//! member) -> `run` (supervised services: one long-lived instance each, its `run`
//! plus forwarded calls as concurrent tasks; reactive components: a fresh instance
//! per call). They meet only through small handles installed by `link`: a
//! [`ServiceHandle`] (component -> service) and a component callee (service ->
//! component, component -> component).
//!
//! The public API: [`Workload`] (start, invoke, status, shutdown) with
//! [`HostOptions`]; [`Manifest`]; the typed errors [`StartError`] and [`CallError`];
//! statuses; [`Catalogue`] and [`engine::data`] to extend what the host serves;
//! [`ComponentInfo`] for inspection.
mod assemble;
pub mod cli;
pub mod engine;
mod error;
mod link;
pub mod manifest;
mod names;
pub mod oci;
mod plan;
pub(crate) mod run;
mod workload;

pub use engine::catalogue::{Catalogue, HostInterfaces, Serving};
pub use engine::ctx::Ctx;
pub use engine::{EngineOptions, HostEngine};
pub use error::{CallError, StartError};
pub use link::to_service::ServiceHandle;
pub use manifest::{Manifest, ManifestError, Role};
pub use plan::info::ComponentInfo;
pub use plan::{Plan, PlanError};
pub use run::status::{ComponentStatus, PoolStatus, ServiceState, ServiceStatus, WorkloadStatus};
pub use wasmtime::component::Val;
pub use workload::{FuncRef, HostOptions, WaitError, Workload};

/// For `benches/`: the pieces the forwarding benchmark needs to measure the in-store
/// ceiling (a service's exports called from inside its own store). Not a stable API.
#[doc(hidden)]
pub mod bench_support {
    pub use crate::engine::wasi::GuestEnv;
    pub use crate::plan::info::export_index;
    pub use crate::run::service::yield_periodically;
}
