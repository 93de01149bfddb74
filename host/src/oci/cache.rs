//! The on-disk cache of pulled components, shared by every workload of this user:
//! content-addressed blobs (`blobs/sha256/<hex>`: manifests and Wasm layers) and an
//! index from tag to manifest digest (`index/<registry>/<repository>/_tags/<tag>`).
//! Files are written to a temporary name and renamed, so two workloads pulling the
//! same thing at once each see a whole file. Every read checks the file against its
//! digest: a changed blob is refused, never run.
use super::reference::OciRef;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// `sha256:<hex>` of `bytes`.
pub fn sha256_of(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// The hex part of a `sha256:<64 lowercase hex>` digest; anything else is refused
/// (a digest from a registry becomes a file name: no `/`, no `..`).
pub fn hex_of(digest: &str) -> Result<&str, String> {
    match digest.strip_prefix("sha256:") {
        Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => {
            Ok(hex)
        }
        _ => Err(format!("`{digest}` is not a sha256 digest (sha256:<64 hex digits>)")),
    }
}

/// A blob read back from the cache.
pub enum Cached {
    /// Not in the cache.
    Absent,
    /// Present and matching its digest.
    Verified(PathBuf),
}

pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: PathBuf) -> Cache {
        Cache { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with `digest` lives (whether or not it is there).
    pub fn blob_path(&self, digest: &str) -> Result<PathBuf, String> {
        Ok(self.root.join("blobs").join("sha256").join(hex_of(digest)?))
    }

    /// The blob with `digest`, checked against it. A blob whose content does not
    /// match is an error naming the file.
    pub fn blob(&self, digest: &str) -> Result<Cached, String> {
        let path = self.blob_path(digest)?;
        let mut file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Cached::Absent),
            Err(e) => return Err(format!("cannot read the cached blob {}: {e}", path.display())),
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) => return Err(format!("cannot read the cached blob {}: {e}", path.display())),
            }
        }
        let actual = format!("sha256:{:x}", hasher.finalize());
        if actual != digest {
            return Err(format!(
                "digest mismatch in the cache: {} should have digest {digest} but has {actual} (changed on disk); \
                 fix: delete that file and pull again (or set pullPolicy: Always)",
                path.display()
            ));
        }
        Ok(Cached::Verified(path))
    }

    /// The bytes of a verified blob (small ones: manifests).
    pub fn read(&self, digest: &str) -> Result<Option<Vec<u8>>, String> {
        match self.blob(digest)? {
            Cached::Absent => Ok(None),
            Cached::Verified(path) => std::fs::read(&path)
                .map(Some)
                .map_err(|e| format!("cannot read the cached blob {}: {e}", path.display())),
        }
    }

    /// Stores `bytes` under `digest` (checked first) and returns the blob's path.
    pub fn store(&self, digest: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        let actual = sha256_of(bytes);
        if actual != digest {
            return Err(format!("refusing to cache a blob as {digest}: its content has digest {actual}"));
        }
        let path = self.blob_path(digest)?;
        write_atomically(&path, bytes)?;
        Ok(path)
    }

    /// The manifest digest a tag pointed to when it was last pulled.
    pub fn tag(&self, r: &OciRef) -> Option<String> {
        let text = std::fs::read_to_string(self.tag_path(r)).ok()?;
        let digest = text.trim().to_string();
        hex_of(&digest).is_ok().then_some(digest)
    }

    /// Records what a tag points to now.
    pub fn set_tag(&self, r: &OciRef, digest: &str) -> Result<(), String> {
        hex_of(digest)?;
        write_atomically(&self.tag_path(r), format!("{digest}\n").as_bytes())
    }

    fn tag_path(&self, r: &OciRef) -> PathBuf {
        // Repository components never start with `_`, so `_tags` cannot clash with
        // a nested repository; a registry's `host:port` becomes `host_port`.
        let mut path = self.root.join("index").join(r.registry().replace(':', "_"));
        for part in r.reference.repository().split('/') {
            path.push(part);
        }
        path.join("_tags").join(r.tag())
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().expect("cache paths have a folder");
    let fail = |e: std::io::Error| {
        format!(
            "cannot write {} in the OCI cache: {e}; fix: make {} writable (or set XDG_CACHE_HOME)",
            path.display(),
            dir.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("blob");
    let tmp = dir.join(format!(".{name}.{:016x}.tmp", rand::random::<u64>()));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_cache_verifies_what_it_reads_and_keeps_tags() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf());
        let digest = sha256_of(b"hello");
        assert!(matches!(cache.blob(&digest).unwrap(), Cached::Absent));
        let path = cache.store(&digest, b"hello").unwrap();
        assert!(matches!(cache.blob(&digest).unwrap(), Cached::Verified(p) if p == path));
        assert!(cache.store(&digest, b"other").unwrap_err().contains("refusing"));
        std::fs::write(&path, b"hellO").unwrap();
        let err = cache.blob(&digest).err().unwrap();
        assert!(err.contains("digest mismatch") && err.contains("fix:"), "{err}");
        let r = OciRef::parse("127.0.0.1:5000/outrigger/upper:1").unwrap();
        assert_eq!(cache.tag(&r), None);
        cache.set_tag(&r, &digest).unwrap();
        assert_eq!(cache.tag(&r), Some(digest.clone()));
        assert!(hex_of("sha256:../../etc").is_err() && hex_of(&digest).is_ok());
    }
}
