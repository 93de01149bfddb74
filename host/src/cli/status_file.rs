//! The status file a running workload keeps up to date (JSON, replaced atomically),
//! which `outrigger status` reads from another process.
use crate::WorkloadStatus;
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};

/// The default place: `$XDG_RUNTIME_DIR/outrigger/<workload>.json`, else the temp dir.
pub fn default_path(workload: &str) -> PathBuf {
    let base = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    base.join("outrigger").join(format!("{workload}.json"))
}

/// Writes the status atomically (write a temp file, then rename).
pub fn write(path: &Path, status: &WorkloadStatus) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(status)?).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Reads a status file.
pub fn read(path: &Path) -> Result<WorkloadStatus> {
    let bytes = std::fs::read(path).with_context(|| {
        format!("no status at {} (is the workload running? `outrigger run` writes it)", path.display())
    })?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not an outrigger status file", path.display()))
}

/// Whether the process that wrote a status is still alive (Linux: /proc/<pid>).
pub fn writer_alive(status: &WorkloadStatus) -> bool {
    Path::new(&format!("/proc/{}", status.pid)).exists()
}
