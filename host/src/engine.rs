//! The one wasmtime [`Engine`] a host uses: Component Model async (WASI 0.3), the
//! pooling instance allocator (fast per-call instantiation), epoch interruption (per-call
//! time limits, and fair yielding in services) driven by a ticker thread, and
//! wasmtime's on-disk compilation cache. Also the base linker every guest gets
//! (WASI 0.2 + 0.3 + `wasi:config/store`) and component loading with clear errors.
use crate::ctx::Ctx;
use anyhow::{Context as _, Result, bail};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// The largest linear memory any instance may have (manifest limits are checked
/// against it; the pooling allocator reserves address space for it).
pub const MAX_MEMORY: u64 = 4 << 30;

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
    /// Use wasmtime's on-disk compilation cache.
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
    /// Reactive invocations alive at once. Callers beyond it wait for a free
    /// instance slot instead of failing; a few slots stay free for services.
    pub instance_permits: Arc<tokio::sync::Semaphore>,
    stop: Arc<AtomicBool>,
}

/// Pool slots kept for service incarnations (never taken by reactive calls).
const SERVICE_SLOTS: u32 = 8;

impl HostEngine {
    pub fn new(options: EngineOptions) -> Result<HostEngine> {
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
        if options.cache {
            match wasmtime::Cache::new(wasmtime::CacheConfig::new()) {
                Ok(cache) => {
                    config.cache(Some(cache));
                }
                Err(e) => tracing::warn!("compilation cache disabled: {e}"),
            }
        }
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
        Ok(HostEngine { engine, options, instance_permits: permits, stop })
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
        Component::new(&self.engine, &bytes)
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .with_context(|| format!("{} failed to compile", path.display()))
    }

    /// A linker with everything the host itself provides: WASI 0.2 (what std on
    /// wasm32-wasip2 imports), WASI 0.3 (what wasip3/wit-bindgen async imports) and
    /// `wasi:config/store`.
    pub fn base_linker(&self) -> Result<Linker<Ctx>> {
        let mut linker = Linker::<Ctx>::new(&self.engine);
        let w = |e: wasmtime::Error| anyhow::anyhow!("{e}");
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(w)?;
        wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(w)?;
        wasmtime_wasi_config::add_to_linker(&mut linker, |c: &mut Ctx| {
            wasmtime_wasi_config::WasiConfig::from(&*c.config)
        })
        .map_err(w)?;
        Ok(linker)
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
