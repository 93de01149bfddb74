//! The on-disk cache of compiled components: `${XDG_CACHE_HOME:-~/.cache}/outrigger/
//! compiled/<sha256 of the .wasm>-<engine>.cwasm`, written by `precompile_component`
//! and loaded with `Component::deserialize_file`, which maps the file instead of
//! reading it.
//!
//! Why not wasmtime's own cache (`Config::cache`): it stores entries zstd-compressed
//! and reads them into memory, so starting examples/mcp.yaml (an 18 MB Python and a
//! 12 MB JavaScript component) spent most of its time decompressing and copying
//! (perf: zstd 27 %, memmove 14 %, page zeroing 12 %). A mapped file costs neither.
//!
//! Trust: deserializing runs the file's machine code, so the cache must be as trusted
//! as the binary (it is the user's own folder, as wasmtime's cache is). A file that an
//! engine of another version or configuration wrote has another name; one that fails
//! to load anyway (truncated, damaged) is compiled again and replaced.
use anyhow::{Context as _, Result};
use sha2::Digest as _;
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// `${XDG_CACHE_HOME:-$HOME/.cache}` (else the temporary folder): the root of every
/// cache outrigger keeps (compiled components, OCI blobs).
pub fn cache_home() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
}

/// Compiled components of one engine configuration.
#[derive(Clone, Debug)]
pub struct CompiledCache {
    dir: PathBuf,
    /// Tells apart engines whose compiled code is not interchangeable.
    engine: String,
}

impl CompiledCache {
    pub fn new(engine: &Engine) -> CompiledCache {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        CompiledCache { dir: cache_home().join("outrigger").join("compiled"), engine: format!("{:016x}", h.finish()) }
    }

    fn path_of(&self, wasm: &[u8]) -> PathBuf {
        let digest = sha2::Sha256::digest(wasm);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}-{}.cwasm", self.engine))
    }

    /// The compiled component for `wasm`: mapped from the cache, else compiled and
    /// stored (a cache that cannot be written only costs the next start its time).
    pub fn load(&self, engine: &Engine, wasm: &[u8]) -> Result<Component> {
        let path = self.path_of(wasm);
        if path.is_file() {
            // SAFETY: the file was written by `store` below from this engine's
            // `precompile_component` (its name carries the engine's compatibility
            // hash), in the user's own cache folder; see the module comment.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(c) => return Ok(c),
                Err(e) => {
                    tracing::warn!(file = %path.display(), "cached compiled component unusable, compiling again: {e}")
                }
            }
        }
        let compiled = engine.precompile_component(wasm).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if let Err(e) = self.store(&path, &compiled) {
            tracing::warn!("compiled component not cached ({e}); the next start compiles it again");
        }
        // SAFETY: just produced by this engine's `precompile_component`.
        unsafe { Component::deserialize(engine, &compiled) }.map_err(|e| anyhow::anyhow!("{e:?}"))
    }

    /// Writes `compiled` to `path` whole or not at all (a temporary file renamed).
    fn store(&self, path: &Path, compiled: &[u8]) -> Result<()> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("creating {}", self.dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut tmp, compiled)?;
        tmp.persist(path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component there is.
    const EMPTY: &str = "(component)";

    #[test]
    fn compiled_components_are_cached_reused_and_repaired() {
        let engine = Engine::default();
        let dir = tempfile::tempdir().unwrap();
        let cache = CompiledCache { dir: dir.path().join("compiled"), ..CompiledCache::new(&engine) };
        let wasm = wat::parse_str(EMPTY).unwrap();
        cache.load(&engine, &wasm).unwrap();
        let path = cache.path_of(&wasm);
        assert!(path.is_file(), "stored at {}", path.display());
        let written = std::fs::metadata(&path).unwrap().modified().unwrap();
        cache.load(&engine, &wasm).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), written, "reused, not rewritten");
        std::fs::write(&path, b"damaged").unwrap();
        cache.load(&engine, &wasm).unwrap();
        assert_ne!(std::fs::read(&path).unwrap(), b"damaged", "a damaged entry is compiled again and replaced");
        // Another engine configuration writes its own entry.
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let other = Engine::new(&config).unwrap();
        let other_cache = CompiledCache { dir: dir.path().join("compiled"), ..CompiledCache::new(&other) };
        assert_ne!(other_cache.path_of(&wasm), path);
    }
}
