//! The typed errors a caller gets when a call across instances fails: a service
//! that died, stopped or did not answer in time; a reactive component that trapped
//! or hit a limit. They reach the calling guest either as the error value of its
//! function's own result type (when it has one, see [`crate::wit_types::ErrorShape`])
//! or as a trap, and they reach host code (tests, the CLI) as themselves.
use crate::status::ServiceState;
use std::time::Duration;

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
    #[error("the workload is shutting down")]
    ShuttingDown,
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
