//! The one wasmtime [`Engine`] a host uses: Component Model async (WASI 0.3), the
//! pooling instance allocator (fast per-call instantiation), epoch interruption (per-call
//! time limits, and fair yielding in services) driven by a ticker thread, and the
//! on-disk cache of compiled components (`compiled.rs`). Also what every guest's store gets from the
//! host: the catalogue of host-provided interfaces and the linker built from it
//! (`catalogue.rs`), host-owned data resources (`data.rs`), the WASI context with
//! its socket and HTTP policies (`wasi.rs`, `net_policy.rs`, `http.rs`) and the
//! store data (`ctx.rs`); and component loading with clear errors.
pub mod catalogue;
pub mod compiled;
pub mod ctx;
pub mod data;
pub(crate) mod http;
pub(crate) mod mcp;
pub mod messaging;
pub(crate) mod net_policy;
pub(crate) mod otel;
pub(crate) mod wasi;

use crate::engine::catalogue::Catalogue;
use crate::engine::ctx::Ctx;
use crate::manifest::MAX_MEMORY;
use anyhow::{Context as _, Result, bail};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Bytes at the start of each pooled linear memory that stay resident between
/// instances (reset with memset, not page faults).
const KEEP_RESIDENT: usize = 256 << 10;

/// Host-wide engine settings.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Instances (services and reactive components together) alive at once.
    pub max_instances: u32,
    /// How often the epoch advances; per-call time limits are rounded up to it.
    pub epoch_tick: Duration,
    /// Keep compiled components on disk (`engine/compiled.rs`).
    pub cache: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { max_instances: 1000, epoch_tick: Duration::from_millis(5), cache: true }
    }
}

/// An engine plus the thread that ticks its epoch. Dropping it stops the thread.
pub struct HostEngine {
    pub engine: Engine,
    pub options: EngineOptions,
    /// What the host serves itself.
    pub catalogue: Arc<Catalogue>,
    /// Reactive invocations alive at once. Callers beyond it wait for a free
    /// instance slot instead of failing; a few slots stay free for services.
    pub instance_permits: Arc<tokio::sync::Semaphore>,
    stop: Arc<AtomicBool>,
    /// Compiled components on disk (`None`: `--no-cache`).
    compiled: Option<compiled::CompiledCache>,
}

/// Pool slots kept for service incarnations (never taken by reactive calls).
const SERVICE_SLOTS: u32 = 8;

impl HostEngine {
    pub fn new(options: EngineOptions, catalogue: Arc<Catalogue>) -> Result<HostEngine> {
        let mut config = Config::new();
        config.wasm_component_model_async(true);
        config.epoch_interruption(true);
        let n = options.max_instances.max(16);
        let mut pool = PoolingAllocationConfig::default();
        // A Rust component has one memory, a few tables and several core instances
        // (its module plus the shims wit-component adds).
        pool.total_component_instances(n)
            .total_memories(n)
            .total_tables(n * 4)
            .total_core_instances(n * 10)
            .total_stacks(n)
            .max_memory_size(MAX_MEMORY as usize)
            // Reset the start of a slot's memory and tables by memset instead of
            // decommitting them, so the next instance does not page-fault its stack,
            // data and first heap pages back in: with guests linked with a small stack
            // (see .cargo/config.toml) a reactive call's first touch of its memory
            // costs about 2 µs instead of 13 µs on this machine kind (benches/README.md).
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(64 << 10)
            // Decommit what is not kept in batches: fewer madvise calls per drop.
            .decommit_batch_size(32);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine =
            Engine::new(&config).map_err(|e| anyhow::anyhow!("{e}")).context("creating the wasmtime engine")?;
        let stop = Arc::new(AtomicBool::new(false));
        let (ticking, flag, tick) = (engine.clone(), stop.clone(), options.epoch_tick);
        std::thread::Builder::new()
            .name("outrigger-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    ticking.increment_epoch();
                }
            })
            .context("starting the epoch thread")?;
        let permits = Arc::new(tokio::sync::Semaphore::new((n - SERVICE_SLOTS) as usize));
        let compiled = options.cache.then(|| compiled::CompiledCache::new(&engine));
        Ok(HostEngine { engine, options, catalogue, instance_permits: permits, stop, compiled })
    }

    /// Epoch ticks that cover `d` (at least one).
    pub fn ticks(&self, d: Duration) -> u64 {
        let tick = self.options.epoch_tick.as_nanos().max(1);
        (d.as_nanos().div_ceil(tick) as u64).max(1)
    }

    /// Compiles a component file, saying clearly what is wrong if it is not one.
    pub fn load_component(&self, path: &Path) -> Result<Component> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        check_is_component(&bytes).with_context(|| format!("{} is not usable", path.display()))?;
        let compiled = match &self.compiled {
            Some(cache) => cache.load(&self.engine, &bytes),
            None => Component::new(&self.engine, &bytes).map_err(|e| anyhow::anyhow!("{e:?}")),
        };
        compiled.with_context(|| format!("{} failed to compile", path.display()))
    }

    /// A linker with every interface of the catalogue (the host's own).
    pub fn base_linker(&self) -> Result<Linker<Ctx>> {
        self.catalogue.linker(&self.engine).map_err(|e| anyhow::anyhow!("{e}"))
    }
}

impl Drop for HostEngine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Checks the 8-byte preamble: `\0asm`, then version and layer. A core module has
/// layer 0 and needs `wasm-tools component new` (or a wasm32-wasip2 build) first.
/// Hand-written because it is four comparisons; wasmparser would say the same thing.
fn check_is_component(bytes: &[u8]) -> Result<()> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        bail!("it is not a WebAssembly file (no \\0asm header)");
    }
    let layer = u16::from_le_bytes([bytes[6], bytes[7]]);
    if layer == 0 {
        bail!(
            "it is a core WebAssembly module, not a component; build it for wasm32-wasip2 or wrap it with `wasm-tools component new`"
        );
    }
    Ok(())
}
