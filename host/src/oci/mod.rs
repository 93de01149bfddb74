//! Components from OCI registries. A manifest's `component:` (wasmCloud's `image:`)
//! may name an OCI reference instead of a file: `registry/repo:tag`,
//! `registry/repo@sha256:…`, `localhost:5000/x:1` (see [`reference`] for how the two
//! are told apart). Before a workload is compiled, [`resolve`] turns each reference
//! into a file of the on-disk cache, pulled as the entry's [`PullPolicy`] says and
//! verified by digest; compilation then reads that file (`assemble.rs`).
//!
//! - [`reference`]: parsing, and plain HTTP for registries on this machine;
//! - [`pull`]: the Wasm artifact layout (oci-wasm's media types), digest checks,
//!   progress on a terminal;
//! - [`cache`]: content-addressed blobs and the tag index, shared by workloads
//!   (`${XDG_CACHE_HOME:-~/.cache}/outrigger/oci`);
//! - [`auth`]: credentials from the docker config file;
//! - [`push`]: `outrigger push`;
//! - [`errors`]: one line per failure (what, where, how to fix).
pub mod auth;
pub mod cache;
pub mod errors;
mod helper;
pub mod pull;
pub mod push;
pub mod reference;

pub use push::{Pushed, push};
pub use reference::{OciRef, is_oci_source, looks_like_reference};

use crate::manifest::Manifest;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// When a component is pulled (wasmCloud's `imagePullPolicy`, Kubernetes' meaning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum PullPolicy {
    /// Only from the cache; fail if it is not there.
    Never,
    /// From the cache when it is there (tag as last pulled), else from the registry.
    #[default]
    IfNotPresent,
    /// Ask the registry every time what the reference points to; a layer already
    /// in the cache with that digest is not downloaded again.
    Always,
}

impl std::fmt::Display for PullPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PullPolicy::Never => "Never",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Always => "Always",
        })
    }
}

/// Where the cache is, where credentials are, whether to show progress.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `${XDG_CACHE_HOME:-~/.cache}/outrigger/oci`.
    pub cache_dir: PathBuf,
    /// The docker config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`).
    pub docker_config: Option<PathBuf>,
    /// Progress lines on stderr (default: when stderr is a terminal).
    pub progress: bool,
}

impl Settings {
    /// From the environment, as described on each field.
    pub fn from_env() -> Settings {
        let cache_home = crate::engine::compiled::cache_home();
        Settings {
            cache_dir: cache_home.join("outrigger").join("oci"),
            docker_config: auth::DockerConfig::default_path(),
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
}

/// The files OCI references were resolved to, by the reference text in the manifest.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: BTreeMap<String, PathBuf>,
}

impl Sources {
    /// The verified cached file for `component`, if it is an OCI reference.
    pub fn path(&self, component: &str) -> Option<&Path> {
        self.files.get(component.trim()).map(PathBuf::as_path)
    }
}

/// The verified cached file of one reference (`outrigger inspect <reference>`).
pub async fn pull_one(text: &str, policy: PullPolicy, settings: &Settings) -> Result<PathBuf, String> {
    let r = OciRef::parse(text)?;
    pull::Puller::new(settings).fetch(&r, policy).await
}

/// Pulls (or finds in the cache) every OCI reference of `manifest`. Each reference
/// is fetched once, with the most eager policy any member gives it. Problems are
/// one line each, naming the member.
pub async fn resolve(manifest: &Manifest) -> Result<Sources, Vec<String>> {
    resolve_with(manifest, &Settings::from_env()).await
}

/// [`resolve`] with explicit settings.
pub async fn resolve_with(manifest: &Manifest, settings: &Settings) -> Result<Sources, Vec<String>> {
    let base = manifest.base_dir();
    // reference text -> (policy, members that name it)
    let mut wanted: BTreeMap<String, (PullPolicy, Vec<String>)> = BTreeMap::new();
    for (role, e) in manifest.members() {
        if is_oci_source(&base, &e.component) {
            let slot = wanted.entry(e.component.trim().to_string()).or_insert((PullPolicy::Never, Vec::new()));
            slot.0 = slot.0.max(e.pull_policy.unwrap_or_default());
            slot.1.push(format!("{role} `{}`", e.name));
        }
    }
    let mut sources = Sources::default();
    if wanted.is_empty() {
        return Ok(sources);
    }
    let mut puller = pull::Puller::new(settings);
    let mut problems = Vec::new();
    for (text, (policy, members)) in wanted {
        let fetched = match OciRef::parse(&text) {
            Ok(r) => puller.fetch(&r, policy).await,
            Err(e) => Err(e),
        };
        match fetched {
            Ok(path) => {
                sources.files.insert(text, path);
            }
            Err(e) => problems.push(format!("{}: {e}", members.join(", "))),
        }
    }
    if problems.is_empty() { Ok(sources) } else { Err(problems) }
}
