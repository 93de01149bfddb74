//! `outrigger push <file.wasm> <reference>`: publishes a component in the Wasm OCI
//! artifact layout (what wasmCloud and `wkg oci push` write): one `application/wasm`
//! layer, and the `application/vnd.wasm.config.v0+json` config oci-wasm derives from
//! the component's WIT world (its imports and exports).
use super::auth::DockerConfig;
use super::errors::{Op, describe};
use super::reference::{OciRef, client_for};
use super::{Settings, cache::sha256_of};
use std::path::Path;

/// What a push published.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The manifest's digest: pull `registry/repo@<digest>` for exactly this.
    pub digest: String,
    /// The layer's digest (the component file's sha256).
    pub layer: String,
    pub size: usize,
}

/// Publishes `file` as `reference` (`registry/repo:tag`).
pub async fn push(file: &Path, reference: &str, settings: &Settings) -> Result<Pushed, String> {
    let r = OciRef::parse(reference)?;
    if r.digest().is_some() {
        return Err(format!(
            "`{r}` names a digest; a push names a tag (the digest is computed); fix: write {}/{}:<tag>",
            r.registry(),
            r.reference.repository()
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}; fix: check the path", file.display()))?;
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" || bytes[6..8] != [1, 0] {
        return Err(format!(
            "{} is not a WebAssembly component (a core module or not Wasm at all); fix: build it for \
             wasm32-wasip2, or wrap a module with `wasm-tools component new`",
            file.display()
        ));
    }
    let layer_digest = sha256_of(&bytes);
    let size = bytes.len();
    let (config, layer) = oci_wasm::WasmConfig::from_raw_component(bytes, None)
        .map_err(|e| format!("{}: cannot read its WIT world: {e:#}", file.display()))?;
    let docker = DockerConfig::load(settings.docker_config.as_deref());
    let creds = docker.credentials(r.registry()).await;
    if let Some(w) = &creds.warning {
        tracing::warn!("{w}");
    }
    let source = creds.source.clone().unwrap_or_else(|| format!("none found in {}", docker.file_name()));
    let client = oci_wasm::WasmClient::new(client_for(r.registry()));
    let response = client.push(&r.reference, &creds.auth, layer, config, None).await.map_err(|e| {
        match e.downcast_ref::<oci_client::errors::OciDistributionError>() {
            Some(oci) => describe(oci, &r, Op::Push, &source),
            None => format!("pushing `{r}` failed: {e:#}"),
        }
    })?;
    // The registry answers with the manifest's address, by digest.
    let digest = match response.manifest_url.rsplit_once("/manifests/") {
        Some((_, d)) if d.starts_with("sha256:") => d.to_string(),
        _ => client.fetch_manifest_digest(&r.reference, &creds.auth).await.map_err(|e| {
            format!("pushed `{r}`, but cannot read back its digest: {}", describe(&e, &r, Op::Pull, &source))
        })?,
    };
    Ok(Pushed { digest, layer: layer_digest, size })
}
