//! outrigger: run long-running WebAssembly *service* components and short-lived
//! *reactive* components as one workload, linked at run time by WIT interface.
//!
//! Data flows one way: [`manifest`] (YAML, validated) -> [`plan`] (who imports what
//! from whom) -> stores: [`supervisor`]/[`service`] (one long-lived instance per
//! service, its `run` plus forwarded calls as concurrent tasks) and [`reactive`] (a
//! fresh instance per call). They meet only through small handles: a
//! [`forward::ServiceHandle`] (component -> service) and an [`invoke`] callee
//! (service -> component, component -> component), both installed by [`link`].
pub mod assemble;
pub mod call_expr;
pub mod ctx;
pub mod engine;
pub mod error;
pub mod forward;
pub mod inspect;
pub mod invoke;
pub mod link;
pub mod manifest;
pub mod net_policy;
pub mod plan;
pub mod reactive;
pub mod service;
pub mod status;
pub mod status_file;
pub mod supervisor;
pub mod wasi;
pub mod wit_types;
pub mod workload;

pub use engine::{EngineOptions, HostEngine};
pub use error::CallError;
pub use manifest::{Manifest, ManifestError};
pub use plan::PlanError;
pub use status::{ServiceState, ServiceStatus, WorkloadStatus};
pub use wasmtime::component::Val;
pub use workload::{FuncRef, HostOptions, Workload};
