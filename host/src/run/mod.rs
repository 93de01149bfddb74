//! Running guests. Services: one supervised, long-lived instance each
//! (`supervisor.rs` restarts incarnations, `service.rs` runs one: `run` plus every
//! forwarded call as tasks of the same instance). Reactive components: a fresh
//! instance per call (`reactive.rs`), or warm instances reused between calls when
//! the manifest asks for them (`pool.rs`, `pool_shared.rs`). Both are built on
//! `guest.rs` (a pre-linked component, its WASI environment and limits, and a fresh
//! store). `home.rs` holds a service's supervisor future where callers can drive it;
//! `status.rs` holds what can be observed.
pub(crate) mod guest;
pub(crate) mod home;
pub(crate) mod pool;
pub(crate) mod pool_shared;
pub(crate) mod reactive;
pub mod service;
pub mod status;
pub(crate) mod supervisor;
