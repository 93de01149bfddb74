//! Pulling one component: the pull policy decides between the cache and the
//! registry. From the registry: the manifest (checked against the reference's
//! digest, and to be the Wasm artifact layout: config
//! `application/vnd.wasm.config.v0+json`, one `application/wasm` layer), then the
//! layer, streamed, hashed and refused unless its sha256 is the one the manifest
//! names. Both are stored in the cache by digest and the tag is indexed. From the
//! cache: the same checks, on the files.
use super::auth::DockerConfig;
use super::cache::{Cache, Cached, hex_of, sha256_of};
use super::errors::{Op, describe, not_wasm};
use super::reference::{OciRef, client_for};
use super::{PullPolicy, Settings};
use futures::StreamExt;
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE,
    OciDescriptor, OciImageManifest, OciManifest,
};
use oci_wasm::{WASM_LAYER_MEDIA_TYPE, WASM_MANIFEST_CONFIG_MEDIA_TYPE};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Pulls components for one workload, reusing a client (and its tokens) per registry.
pub struct Puller {
    cache: Cache,
    docker: DockerConfig,
    progress: bool,
    clients: BTreeMap<String, oci_client::Client>,
    warned: BTreeSet<String>,
}

impl Puller {
    pub fn new(settings: &Settings) -> Puller {
        Puller {
            cache: Cache::new(settings.cache_dir.clone()),
            docker: DockerConfig::load(settings.docker_config.as_deref()),
            progress: settings.progress,
            clients: BTreeMap::new(),
            warned: BTreeSet::new(),
        }
    }

    /// The verified layer file of `r`, from the cache or the registry as `policy` says.
    pub async fn fetch(&mut self, r: &OciRef, policy: PullPolicy) -> Result<PathBuf, String> {
        if policy != PullPolicy::Always
            && let Some(path) = self.cached(r)?
        {
            tracing::debug!(reference = %r, path = %path.display(), "component found in the OCI cache");
            return Ok(path);
        }
        if policy == PullPolicy::Never {
            return Err(format!(
                "`{r}` is not in the OCI cache ({}) and the pull policy is Never; fix: pull it once with pullPolicy: \
                 IfNotPresent (imagePullPolicy in a wasmCloud file), or use a local .wasm file",
                self.cache.root().display()
            ));
        }
        self.pull(r).await
    }

    /// The layer of `r` if the cache has it whole: `Ok(None)` when something is
    /// missing, an error when something is there but does not match its digest.
    fn cached(&self, r: &OciRef) -> Result<Option<PathBuf>, String> {
        let Some(digest) = r.digest().map(str::to_string).or_else(|| self.cache.tag(r)) else { return Ok(None) };
        let Some(bytes) = self.cache.read(&digest)? else { return Ok(None) };
        let manifest = wasm_manifest(r, &bytes)?;
        match self.cache.blob(&manifest.layers[0].digest)? {
            Cached::Absent => Ok(None),
            Cached::Verified(path) => Ok(Some(path)),
        }
    }

    async fn pull(&mut self, r: &OciRef) -> Result<PathBuf, String> {
        let registry = r.registry().to_string();
        let creds = self.docker.credentials(&registry).await;
        if let Some(w) = &creds.warning
            && self.warned.insert(registry.clone())
        {
            tracing::warn!("{w}");
        }
        let source = creds.source.clone().unwrap_or_else(|| format!("none found in {}", self.docker.file_name()));
        let client = self.clients.entry(registry.clone()).or_insert_with(|| client_for(&registry)).clone();
        let accept = [
            OCI_IMAGE_MEDIA_TYPE,
            IMAGE_MANIFEST_MEDIA_TYPE,
            OCI_IMAGE_INDEX_MEDIA_TYPE,
            IMAGE_MANIFEST_LIST_MEDIA_TYPE,
        ];
        let (body, digest) = client
            .pull_manifest_raw(&r.reference, &creds.auth, &accept)
            .await
            .map_err(|e| describe(&e, r, Op::Pull, &source))?;
        // oci-client checked the body against the reference's digest (if any) and
        // the registry's header; the cache keys on our own hash of it.
        let actual = sha256_of(&body);
        if actual != digest || r.digest().is_some_and(|d| d != actual) {
            return Err(format!(
                "digest mismatch: the manifest {registry} sent for `{r}` hashes to {actual}, not {}; fix: push the \
                 component again and check the registry",
                r.digest().unwrap_or(&digest)
            ));
        }
        let manifest = wasm_manifest(r, &body)?;
        let layer = manifest.layers[0].clone();
        let path = match self.cache.blob(&layer.digest) {
            Ok(Cached::Verified(path)) => path,
            cached => {
                if let Err(e) = cached {
                    tracing::warn!("{e}; pulling it again");
                }
                let bytes = self.download(&client, r, &layer, &source).await?;
                self.cache.store(&layer.digest, &bytes)?
            }
        };
        self.cache.store(&actual, &body)?;
        if r.digest().is_none() {
            self.cache.set_tag(r, &actual)?;
        }
        Ok(path)
    }

    /// Streams a layer into memory, hashing as it comes, with progress on a terminal.
    async fn download(
        &self,
        client: &oci_client::Client,
        r: &OciRef,
        layer: &OciDescriptor,
        source: &str,
    ) -> Result<Vec<u8>, String> {
        let started = Instant::now();
        let expected = layer.size.max(0) as u64;
        let mut stream =
            client.pull_blob_stream(&r.reference, layer).await.map_err(|e| describe(&e, r, Op::Pull, source))?;
        let mut bytes = Vec::with_capacity(expected.min(512 << 20) as usize);
        let short = &layer.digest[..layer.digest.len().min(19)];
        let mut shown = Instant::now();
        let mut drawn = false;
        let mut failed = None;
        while let Some(chunk) = stream.stream.next().await {
            match chunk {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            if bytes.len() as u64 > expected {
                break; // more than the manifest says: the digest check below refuses it
            }
            if self.progress && shown.elapsed() > Duration::from_millis(100) {
                shown = Instant::now();
                drawn = true;
                eprint!("\r{r}: {short} {}/{}", kib(bytes.len() as u64), kib(expected));
                let _ = std::io::stderr().flush();
            }
        }
        if drawn {
            eprint!("\r\x1b[K"); // clear the progress line
        }
        let actual = sha256_of(&bytes);
        let network = failed.as_ref().map(|e| e.to_string()).filter(|e| !e.to_ascii_lowercase().contains("digest"));
        if let Some(e) = network {
            return Err(format!("pulling the layer {} of `{r}` failed: {e}; fix: try again", layer.digest));
        }
        if actual != layer.digest {
            return Err(format!(
                "digest mismatch: the layer {registry} sent for `{r}` ({} bytes) hashes to {actual}, but the manifest \
                 says {} ({expected} bytes); the registry's storage (or something between it and here) changed it, \
                 so it is refused; fix: push the component again (outrigger push) and check the registry's storage",
                bytes.len(),
                layer.digest,
                registry = r.registry()
            ));
        }
        let took = started.elapsed();
        if self.progress {
            eprintln!("{r}: pulled {short} ({}) in {took:.1?}", kib(expected));
        } else {
            tracing::info!(reference = %r, digest = %layer.digest, bytes = expected, "pulled in {took:.1?}");
        }
        Ok(bytes)
    }
}

/// The manifest in `body`, if it is a Wasm component artifact (else why not).
fn wasm_manifest(r: &OciRef, body: &[u8]) -> Result<OciImageManifest, String> {
    let manifest: OciManifest = serde_json::from_slice(body)
        .map_err(|e| format!("the registry {} sent a manifest for `{r}` that does not parse: {e}", r.registry()))?;
    let manifest = match manifest {
        OciManifest::Image(m) => m,
        OciManifest::ImageIndex(_) => return Err(not_wasm(r, "an image index (a multi-platform container image)")),
    };
    let layers: Vec<&str> = manifest.layers.iter().map(|l| l.media_type.as_str()).collect();
    if manifest.config.media_type != WASM_MANIFEST_CONFIG_MEDIA_TYPE || layers != [WASM_LAYER_MEDIA_TYPE] {
        return Err(not_wasm(r, &format!("config media type {}, layers {layers:?}", manifest.config.media_type)));
    }
    hex_of(&manifest.layers[0].digest).map_err(|e| format!("the manifest of `{r}` names its layer oddly: {e}"))?;
    Ok(manifest)
}

fn kib(n: u64) -> String {
    bytesize::ByteSize::b(n).to_string()
}
