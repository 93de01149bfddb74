//! The data every wasmtime `Store` holds (one store per service incarnation and one
//! per reactive invocation): its WASI context, resource table (WASI handles and the
//! host's data resources), `wasi:config` values, `wasi:http` policy and a memory
//! limiter that remembers why it refused to grow memory. Built by
//! [`crate::engine::wasi::GuestEnv::ctx`].
use crate::engine::http::HttpPolicy;
use crate::link::wiring::Wiring;
use std::sync::Arc;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::WasiConfigVariables;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

pub struct Ctx {
    /// The member this store belongs to.
    pub(crate) name: Arc<str>,
    pub wasi: WasiCtx,
    /// The last line the guest wrote to stderr (said when a service fails).
    pub(crate) last_stderr: crate::engine::wasi::LastLine,
    pub table: ResourceTable,
    pub config: Arc<WasiConfigVariables>,
    pub limiter: MemoryLimiter,
    pub(crate) http: WasiHttpCtx,
    pub(crate) http_policy: HttpPolicy,
    /// Members the host's own implementations call (shared by the workload).
    pub(crate) wiring: Arc<Wiring>,
    /// A service's "I am ready" signal (`outrigger:service/lifecycle.ready`), taken
    /// by the first call.
    pub(crate) ready: Option<tokio::sync::oneshot::Sender<()>>,
    /// Spans: the host's span for this invocation and the guest's open ones.
    pub(crate) trace: crate::engine::otel::trace::TraceState,
    /// The workload's telemetry queue (`None` until looked up; `Some(None)`: no sidecar).
    pub(crate) telemetry: Option<Option<Arc<crate::engine::otel::telemetry::Telemetry>>>,
}

impl WasiView for Ctx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Ctx {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.http_policy }
    }
}

/// Caps linear memory per instance; records the refused request so the caller's
/// error can say "memory limit" instead of just "trap".
#[derive(Debug)]
pub struct MemoryLimiter {
    pub max: u64,
    /// The size (bytes) of the last refused growth.
    pub refused: Option<u64>,
    /// Where to publish the linear memory's size as it grows (services' status).
    pub gauge: Option<Arc<std::sync::atomic::AtomicU64>>,
}

impl MemoryLimiter {
    pub fn new(max: u64) -> Self {
        MemoryLimiter { max, refused: None, gauge: None }
    }
}

/// Table growth beyond this many elements is refused (guests use a handful).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired as u64 > self.max {
            self.refused = Some(desired as u64);
            return Ok(false);
        }
        if let Some(g) = &self.gauge {
            g.store(desired as u64, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
