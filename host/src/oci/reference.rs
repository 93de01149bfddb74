//! What counts as an OCI reference in `component:` / `image:`, and the client that
//! talks to its registry. A manifest entry names a local file when that file exists
//! (relative to the manifest's folder), otherwise an OCI reference when it looks
//! like one (`registry/repo:tag`, `registry/repo@sha256:…`, `localhost:5000/x:1`,
//! or anything behind `oci://`). Registries on this machine (`localhost`,
//! `127.0.0.1`, `[::1]`) are spoken to over plain HTTP, every other one over HTTPS.
use oci_client::Reference;
use oci_client::client::{ClientConfig, ClientProtocol};
use std::path::Path;
use std::time::Duration;

/// A parsed reference, with the text it was written as (for messages).
#[derive(Debug, Clone)]
pub struct OciRef {
    pub text: String,
    pub reference: Reference,
}

impl OciRef {
    /// Parses `registry/repo:tag` or `registry/repo@sha256:<hex>` (an `oci://`
    /// prefix is dropped). Only sha256 digests are accepted (what the cache keys on).
    pub fn parse(text: &str) -> Result<OciRef, String> {
        let bare = text.trim().strip_prefix("oci://").unwrap_or(text.trim());
        let reference = Reference::try_from(bare).map_err(|e| format!("`{text}` is not a valid OCI reference: {e}"))?;
        if let Some(d) = reference.digest()
            && !d.starts_with("sha256:")
        {
            return Err(format!("`{text}`: only sha256 digests are supported"));
        }
        Ok(OciRef { text: text.trim().to_string(), reference })
    }

    /// The registry's address as the client uses it (`index.docker.io` for `docker.io`).
    pub fn registry(&self) -> &str {
        self.reference.resolve_registry()
    }

    /// The manifest digest the reference pins, if any.
    pub fn digest(&self) -> Option<&str> {
        self.reference.digest()
    }

    /// The tag (`latest` when neither tag nor digest was written).
    pub fn tag(&self) -> &str {
        self.reference.tag().unwrap_or("latest")
    }

    /// Whether the registry is on this machine (spoken to over plain HTTP).
    pub fn is_local(&self) -> bool {
        is_local_registry(self.registry())
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `localhost[:port]`, `127.0.0.1[:port]`, `[::1][:port]`.
pub fn is_local_registry(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => registry.split(':').next().unwrap_or(""),
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// An oci-client for `registry`: plain HTTP for a local registry, HTTPS otherwise.
pub fn client_for(registry: &str) -> oci_client::Client {
    let protocol = if is_local_registry(registry) {
        ClientProtocol::HttpsExcept(vec![registry.to_string()])
    } else {
        ClientProtocol::Https
    };
    let config = ClientConfig {
        protocol,
        connect_timeout: Some(Duration::from_secs(10)),
        read_timeout: Some(Duration::from_secs(60)),
        user_agent: concat!("outrigger/", env!("CARGO_PKG_VERSION")),
        // A Wasm artifact is one manifest, never an index: refuse indexes plainly.
        platform_resolver: None,
        ..ClientConfig::default()
    };
    oci_client::Client::new(config)
}

/// Whether `text` reads as an OCI reference rather than a path: `oci://…`, or
/// `ghcr.io/org/thing:1.0`, `localhost:5000/thing:1`, `org/thing@sha256:…`,
/// `org/thing:1`. Only asked about names that are not an existing file.
pub fn looks_like_reference(text: &str) -> bool {
    let p = text.trim();
    if p.starts_with("oci://") {
        return true;
    }
    if p.ends_with(".wasm") || p.starts_with(['.', '/', '~']) || !p.contains('/') {
        return false;
    }
    let first = p.split('/').next().unwrap_or("");
    let last = p.rsplit('/').next().unwrap_or("");
    p.contains("@sha256:") || last.contains(':') || first.contains('.') || first.contains(':') || first == "localhost"
}

/// Whether a manifest's `component:` names an OCI reference: not an existing file
/// (relative to `base_dir`) and shaped like one.
pub fn is_oci_source(base_dir: &Path, component: &str) -> bool {
    let p = component.trim();
    !p.is_empty() && std::fs::metadata(base_dir.join(p)).is_err() && looks_like_reference(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_references_parse_and_local_registries_are_plain_http() {
        let r = OciRef::parse("127.0.0.1:5000/outrigger/upper:1").unwrap();
        assert_eq!((r.registry(), r.reference.repository(), r.tag()), ("127.0.0.1:5000", "outrigger/upper", "1"));
        assert!(r.is_local());
        let d = format!("localhost:5000/x@sha256:{}", "a".repeat(64));
        let r = OciRef::parse(&d).unwrap();
        assert!(r.is_local() && r.digest().unwrap().starts_with("sha256:aaaa"));
        let r = OciRef::parse("oci://ghcr.io/org/thing:1.0").unwrap();
        assert!(!r.is_local() && r.registry() == "ghcr.io");
        assert!(is_local_registry("[::1]:5000") && !is_local_registry("localhost.example.com"));
        assert!(OciRef::parse("ghcr.io/org/thing@sha256:abcd").unwrap_err().contains("not a valid OCI reference"));
        assert!(OciRef::parse("ghcr.io/Org/thing:1").is_err());
    }

    #[test]
    fn oci_references_are_told_from_paths() {
        for oci in [
            "ghcr.io/org/thing:1.0",
            "localhost:5000/thing:1",
            "org/thing@sha256:abcd",
            "org/thing:1",
            "oci.io/x",
            "oci://thing",
        ] {
            assert!(looks_like_reference(oci), "{oci}");
        }
        for path in ["build/thing.wasm", "./org/thing:1", "/abs/thing", "thing", "target/wasm/upper"] {
            assert!(!looks_like_reference(path), "{path}");
        }
    }
}
