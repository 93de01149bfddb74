//! The typed errors of the public API. [`StartError`]: why a workload could not be
//! loaded, linked or started. [`CallError`]: why a call across instances failed (a
//! service that died, stopped or did not answer in time; a reactive component that
//! trapped or hit a limit). Call errors reach the calling guest either as the error
//! value of its function's own result type (when it has one, see
//! `plan/wit_types.rs` `ErrorShape`) or as a trap, and they reach host code (tests,
//! the CLI) as themselves.
use crate::manifest::{ManifestError, Role};
use crate::plan::PlanError;
use crate::run::status::ServiceState;
use std::time::Duration;

/// Why a workload could not start (or `outrigger validate` failed). Each variant
/// says which stage failed: reading the manifest, loading the component files,
/// linking them to each other, or preparing an instance.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The manifest file is missing or invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Component files that cannot be read or compiled, or that sit in the wrong list.
    #[error("{}", numbered("cannot load this workload's components", problems))]
    Load { problems: Vec<String> },
    /// OCI references that could not be pulled (or found in the cache).
    #[error("{}", numbered("cannot pull this workload's components", problems))]
    Pull { problems: Vec<String> },
    /// Imports no member (and not the host) can serve, or that do not fit.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// wasmtime refused to pre-instantiate a member after planning (a host
    /// interface that does not fit, for instance).
    #[error("{role} `{member}` cannot be linked: {message}")]
    Link { role: Role, member: String, message: String },
    /// A member's `allowedHosts` cannot be resolved.
    #[error("{role} `{member}`: {message}")]
    Network { role: Role, member: String, message: String },
    /// The engine could not be created (usually address space: lower --max-instances).
    #[error("{0}")]
    Engine(String),
}

/// `title: N problem(s)` and one indented line per problem.
pub(crate) fn numbered(title: &str, problems: &[String]) -> String {
    let n = problems.len();
    let mut out = format!("{title}: {n} problem{}", if n == 1 { "" } else { "s" });
    for p in problems {
        out.push_str(&format!("\n  - {}", p.replace('\n', "\n    ")));
    }
    out
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    #[error("service `{service}` died while serving this call: {reason}")]
    ServiceDied { service: String, reason: String },
    #[error("service `{service}` is {state} and takes no calls{}", detail.as_ref().map(|d| format!(" (last error: {d})")).unwrap_or_default())]
    ServiceUnavailable { service: String, state: ServiceState, detail: Option<String> },
    #[error(
        "service `{service}` did not answer within {waited:?} (it was busy, queued or restarting); raise calls.timeout if that is expected"
    )]
    ServiceTimeout { service: String, waited: Duration },
    #[error("component `{component}` ran out of its time limit ({limit:?}) and was stopped")]
    TimeLimit { component: String, limit: Duration },
    #[error(
        "component `{component}` hit its memory limit: it asked for {requested} bytes, the limit is {limit} (limits.memory)"
    )]
    MemoryLimit { component: String, limit: u64, requested: u64 },
    #[error("component `{component}` trapped: {message}")]
    Trapped { component: String, message: String },
    #[error("component `{component}` could not be started: {message}")]
    Instantiate { component: String, message: String },
    #[error("`{component}` has no exported function `{function}`; it exports: {available}")]
    NoSuchFunction { component: String, function: String, available: String },
    #[error("`{component}`: {message}")]
    BadArguments { component: String, message: String },
    /// A resource handle in the arguments or results could not be moved between
    /// stores (a dropped handle, or a resource the host does not own as data).
    #[error("a resource handle could not be moved to the other instance: {message}")]
    Handle { message: String },
    #[error("the workload is shutting down")]
    ShuttingDown,
}

impl CallError {
    pub(crate) fn handle(e: wasmtime::Error) -> CallError {
        CallError::Handle { message: chain(&e) }
    }
}

/// The message of a wasmtime error with its whole cause chain, on one line. The wasm
/// backtrace wasmtime attaches to traps is left out (it is in the debug log).
pub(crate) fn chain(e: &wasmtime::Error) -> String {
    if e.downcast_ref::<wasmtime::WasmBacktrace>().is_some() {
        tracing::debug!("{e:?}");
    }
    let parts: Vec<String> = e
        .chain()
        .map(|c| c.to_string())
        .filter(|p| !p.starts_with("error while executing at wasm backtrace"))
        .collect();
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        if !out.iter().any(|o| o.contains(&p)) {
            out.push(p);
        }
    }
    let mut text = out.join(": ").replace('\n', " ");
    if let Some(wasmtime::Trap::UnreachableCodeReached) = e.downcast_ref::<wasmtime::Trap>() {
        text.push_str(" (in Rust guests this is a panic; its message is in the guest's log)");
    }
    text
}
