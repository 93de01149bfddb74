//! The workload manifest (YAML): what services and reactive components a workload
//! runs, and with which limits and permissions. Shaped like wasmCloud's `Workload`
//! (apiVersion / kind / metadata / spec) so its users feel at home, with a list of
//! `services` (several sidecars per workload).
//!
//! This module knows YAML and files, nothing about wasmtime. [`Manifest::load`] parses
//! and validates; every problem is reported as one [`Problem`] naming the file, the
//! field and the fix. A wasmCloud `Workload` / `WorkloadDeployment` document
//! (`runtime.wasmcloud.dev/v1alpha1`) is read by `wasmcloud/` and lowered to the
//! same [`Manifest`] (docs/wasmcloud-workload.md).
pub mod host_interfaces;
pub(crate) mod hosts;
pub mod provided;
mod units;
mod validate;
mod warm;
mod wasmcloud;

pub use host_interfaces::HostInterface;
pub use provided::Provided;
pub use units::{Dur, Size, Text, parse_duration, parse_size};
pub use validate::{ManifestError, Problem};
pub use warm::WarmPolicy;
pub use wasmcloud::API_VERSION as WASMCLOUD_API_VERSION;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `apiVersion` this host understands.
pub const API_VERSION: &str = "outrigger.dev/v1alpha1";

/// The largest linear memory any instance may have. `limits.memory` is checked
/// against it, and the engine's pooling allocator reserves address space for it.
pub const MAX_MEMORY: u64 = 4 << 30;

/// What a workload member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Long-running: exports `wasi:cli/run`, one supervised instance.
    Service,
    /// A fresh instance per call.
    Component,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Service => "service",
            Role::Component => "component",
        })
    }
}

/// A parsed and validated workload manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// `outrigger.dev/v1alpha1` (optional).
    #[serde(default)]
    pub api_version: Option<String>,
    /// `Workload` (optional).
    #[serde(default)]
    pub kind: Option<String>,
    pub metadata: Metadata,
    pub spec: Spec,
    /// The file this manifest came from; component paths are relative to its folder.
    #[serde(skip)]
    pub source: PathBuf,
    /// The format the file was written in.
    #[serde(skip)]
    pub format: Format,
    /// What was accepted but is ignored or not honoured yet (each also logged as a
    /// warning when the manifest is loaded).
    #[serde(skip)]
    pub warnings: Vec<Problem>,
    /// Services outrigger added for the workload's host interfaces ([`provided`]).
    #[serde(skip)]
    pub provided: Vec<Provided>,
}

/// The format a manifest file was written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// `outrigger.dev/v1alpha1` (or no apiVersion).
    #[default]
    Outrigger,
    /// A wasmCloud `runtime.wasmcloud.dev/v1alpha1` document, of this kind
    /// (`Workload`, `WorkloadDeployment` or `WorkloadReplicaSet`).
    WasmCloud(&'static str),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// The workload's name (lowercase letters, digits and `-`).
    pub name: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, Text>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    /// Long-running service components, each supervised on its own.
    #[serde(default)]
    pub services: Vec<Entry>,
    /// Reactive components: a fresh instance per invocation (or warm ones: `poolSize`).
    #[serde(default)]
    pub components: Vec<Entry>,
    /// Host folders members may mount (`volumeMounts`), shaped like wasmCloud's.
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// Host interfaces the workload asks for, shaped like wasmCloud's (see
    /// [`host_interfaces`]): `wasi:config`'s `config` is given to every member.
    #[serde(default)]
    pub host_interfaces: Vec<HostInterface>,
}

/// A named folder members may mount: a host folder (`hostPath.path`, relative to
/// the manifest's folder) or `ephemeral: {}`, a temporary folder made when the
/// workload starts and removed when it stops. Exactly one of the two.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    pub name: String,
    #[serde(default)]
    pub host_path: Option<HostPath>,
    #[serde(default)]
    pub ephemeral: Option<Ephemeral>,
}

/// `ephemeral: {}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ephemeral {}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostPath {
    pub path: String,
}

/// A volume a member sees at `mountPath`; read-only unless `readOnly: false`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    #[serde(default)]
    pub read_only: Option<bool>,
}

/// One service or reactive component. Services and components share this shape;
/// the fields marked "services only" are refused on components (and vice versa) by
/// validation, with a message saying where they belong.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// Unique name within the workload.
    pub name: String,
    /// Path to the `.wasm` component, relative to the manifest's folder, or an OCI
    /// reference (`registry/repo:tag`, `registry/repo@sha256:…`; see `crate::oci`).
    pub component: String,
    /// When an OCI `component` is pulled: `IfNotPresent` (default), `Always`, `Never`.
    #[serde(default)]
    pub pull_policy: Option<crate::oci::PullPolicy>,
    /// Environment variables (WASI `environment`).
    #[serde(default)]
    pub env: BTreeMap<String, Text>,
    /// Host environment variables passed through, by name or `PREFIX*` pattern
    /// (`["OTEL_*"]`); `env:` entries win over inherited ones.
    #[serde(default)]
    pub inherit_env: Vec<String>,
    /// Key/value configuration (`wasi:config/store`).
    #[serde(default)]
    pub config: BTreeMap<String, Text>,
    /// Where the component may open sockets: `host:port`, `host` (any port),
    /// `10.0.0.0/8:443`, `*:4222`, `*`, `https://api.example.com`, `*.example.com`.
    /// Empty (the default) denies all sockets and outgoing HTTP.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Names the component may resolve (`wasi:sockets/ip-name-lookup`): `*`,
    /// `*.suffix`, `host`, an IP. Absent: lookups are allowed when `allowedHosts`
    /// is not empty. Empty: none. Named entries allow every lookup for now (the
    /// host cannot filter lookups by name yet).
    #[serde(default)]
    pub allowed_ip_name_lookups: Option<Vec<String>>,
    /// Host folders (from `spec.volumes`) this member sees. None by default.
    #[serde(default)]
    pub volume_mounts: Vec<VolumeMount>,
    /// Which workload member provides an imported interface, when several could:
    /// `{ "outrigger:examples/transform": upper }`.
    #[serde(default)]
    pub links: BTreeMap<String, String>,
    /// Services only: restarts after consecutive failures before the service is in ERROR.
    #[serde(default)]
    pub max_restarts: Option<u32>,
    /// Services only: delay between restarts.
    #[serde(default)]
    pub backoff: Option<Backoff>,
    /// Services only: how callers reach the service.
    #[serde(default)]
    pub calls: Option<CallPolicy>,
    /// Services only: `process` gives this service the process's real stdin and
    /// stdout (at most one service per workload); `log` (the default) sends its
    /// output to the host's log and gives it an empty stdin.
    #[serde(default)]
    pub stdio: Stdio,
    #[serde(default)]
    pub limits: Limits,
    /// Components only: instances kept warm between calls (0, the default: a fresh
    /// instance per call). A warm instance keeps its memory from call to call, for
    /// every caller. See `warm.rs`.
    #[serde(default)]
    pub pool_size: Option<u32>,
    /// Components only, with `poolSize`: calls a warm instance serves before it is
    /// replaced (0: no limit).
    #[serde(default)]
    pub max_invocations: Option<u32>,
    /// Components only, with `poolSize`: calls a warm instance serves at once (default 1).
    #[serde(default)]
    pub max_concurrency: Option<u32>,
}

/// Resource limits. `memory` applies to both kinds; `timeout` (per invocation) to
/// reactive components only, since a service's `run` lasts its whole life.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Linear memory one instance may grow to (default 1GiB for services, 64MiB for
    /// components).
    #[serde(default)]
    pub memory: Option<Size>,
    /// Wall-clock time one invocation may take (default 10s).
    #[serde(default)]
    pub timeout: Option<Dur>,
}

/// Where a member's stdin and stdout go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stdio {
    /// Output lines go to the host's log (stderr), tagged with the member's name;
    /// stdin is empty.
    #[default]
    Log,
    /// The process's own stdin and stdout: what an MCP stdio server or a filter
    /// needs. The host's logs stay on stderr.
    Process,
}

/// Capped exponential backoff between restarts: `initial * multiplier^(n-1)`, at most `max`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backoff {
    #[serde(default = "defaults::backoff_initial")]
    pub initial: Dur,
    #[serde(default = "defaults::backoff_max")]
    pub max: Dur,
    #[serde(default = "defaults::backoff_multiplier")]
    pub multiplier: f64,
    /// An incarnation that stays up this long resets the failure count.
    #[serde(default = "defaults::backoff_reset_after")]
    pub reset_after: Dur,
}

/// How callers reach a service.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallPolicy {
    /// Calls queued for the service before callers are pushed back (they wait).
    #[serde(default = "defaults::queue")]
    pub queue: usize,
    /// Calls the service serves at once; more wait in the queue.
    #[serde(default = "defaults::max_in_flight")]
    pub max_in_flight: usize,
    /// How long a caller waits in total (queue, restart, the call itself) before it
    /// gets an error.
    #[serde(default = "defaults::call_timeout")]
    pub timeout: Dur,
}

mod defaults {
    use super::*;
    pub fn max_restarts() -> u32 {
        5
    }
    pub fn backoff_initial() -> Dur {
        Dur(Duration::from_millis(200))
    }
    pub fn backoff_max() -> Dur {
        Dur(Duration::from_secs(10))
    }
    pub fn backoff_multiplier() -> f64 {
        2.0
    }
    pub fn backoff_reset_after() -> Dur {
        Dur(Duration::from_secs(60))
    }
    pub fn queue() -> usize {
        1024
    }
    pub fn max_in_flight() -> usize {
        1024
    }
    pub fn call_timeout() -> Dur {
        Dur(Duration::from_secs(30))
    }
    pub fn service_memory() -> Size {
        Size(1 << 30)
    }
    pub fn component_memory() -> Size {
        Size(64 << 20)
    }
    pub fn component_timeout() -> Dur {
        Dur(Duration::from_secs(10))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: defaults::backoff_initial(),
            max: defaults::backoff_max(),
            multiplier: defaults::backoff_multiplier(),
            reset_after: defaults::backoff_reset_after(),
        }
    }
}

impl Default for CallPolicy {
    fn default() -> Self {
        CallPolicy {
            queue: defaults::queue(),
            max_in_flight: defaults::max_in_flight(),
            timeout: defaults::call_timeout(),
        }
    }
}

impl Backoff {
    /// The delay before restart number `restart` (1-based), capped at `max`.
    pub fn delay(&self, restart: u32) -> Duration {
        let factor = self.multiplier.powi(restart.saturating_sub(1).min(64) as i32);
        let secs = (self.initial.0.as_secs_f64() * factor).min(self.max.0.as_secs_f64());
        Duration::from_secs_f64(secs)
    }
}

impl Manifest {
    /// Reads, parses and validates a manifest file.
    pub fn load(path: impl AsRef<Path>) -> Result<Manifest, ManifestError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ManifestError::one(path, "", format!("cannot read the file: {e}"), "check the path you passed")
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates manifest text; `path` is used for messages and to resolve
    /// component paths. Warnings (see [`Manifest::warnings`]) are logged.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let (mut manifest, mut problems) = match wasmcloud::read(text, path)? {
            Some(lowered) => lowered,
            None => {
                let mut m: Manifest = serde_norway::from_str(text).map_err(|e| validate::from_yaml_error(path, &e))?;
                m.source = path.to_path_buf();
                (m, Vec::new())
            }
        };
        let interfaces = host_interfaces::check(&manifest.spec.host_interfaces, &wasmcloud::spec_path(&manifest));
        let mut found = interfaces.problems;
        if let Err(e) = validate::validate(&manifest) {
            found.extend(e.problems);
        }
        // A field the lowering already refused is not reported twice.
        for p in wasmcloud::source_paths(&manifest, found) {
            if !problems.iter().any(|q| q.at == p.at) {
                problems.push(p);
            }
        }
        manifest.warnings.extend(interfaces.warnings);
        let later = wasmcloud::source_paths(&manifest, validate::warnings(&manifest));
        manifest.warnings.extend(later);
        for w in &manifest.warnings {
            tracing::warn!("{}: {}: {} ({})", manifest.source.display(), w.at, w.what, w.fix);
        }
        if problems.is_empty() {
            let spec = wasmcloud::spec_path(&manifest);
            problems.extend(provided::add_services(&mut manifest, &spec));
        }
        if !problems.is_empty() {
            return Err(ManifestError { file: manifest.source.clone(), problems });
        }
        let shared = host_interfaces::shared_config(&manifest.spec.host_interfaces);
        for entry in manifest.members_mut() {
            for (k, v) in &shared {
                entry.config.entry(k.clone()).or_insert_with(|| Text(v.clone()));
            }
        }
        Ok(manifest)
    }

    /// The folder component paths are relative to.
    pub fn base_dir(&self) -> PathBuf {
        match self.source.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Resolves a `component:` path against the manifest's folder.
    pub fn resolve(&self, component: &str) -> PathBuf {
        self.base_dir().join(component)
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Every member in the one order the host uses everywhere (plan indexes,
    /// status, errors): services first, then components, each in manifest order.
    pub fn members(&self) -> impl Iterator<Item = (Role, &Entry)> {
        let services = self.spec.services.iter().map(|e| (Role::Service, e));
        services.chain(self.spec.components.iter().map(|e| (Role::Component, e)))
    }

    /// [`Manifest::members`] with each member's field path (`spec.services[0]`).
    pub fn members_with_paths(&self) -> impl Iterator<Item = (String, Role, &Entry)> {
        let services = self.spec.services.iter().enumerate().map(|(i, e)| (format!("spec.services[{i}]"), e));
        let components = self.spec.components.iter().enumerate().map(|(i, e)| (format!("spec.components[{i}]"), e));
        let services = services.map(|(at, e)| (at, Role::Service, e));
        services.chain(components.map(|(at, e)| (at, Role::Component, e)))
    }

    /// Every member, mutably (services first).
    fn members_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.spec.services.iter_mut().chain(self.spec.components.iter_mut())
    }
}

impl Entry {
    pub fn max_restarts(&self) -> u32 {
        self.max_restarts.unwrap_or_else(defaults::max_restarts)
    }

    pub fn backoff(&self) -> Backoff {
        self.backoff.clone().unwrap_or_default()
    }

    pub fn calls(&self) -> CallPolicy {
        self.calls.clone().unwrap_or_default()
    }

    /// Memory limit for a service (`service == true`) or a reactive component.
    pub fn memory_limit(&self, service: bool) -> u64 {
        let default = if service { defaults::service_memory() } else { defaults::component_memory() };
        self.limits.memory.unwrap_or(default).0
    }

    /// Per-invocation time limit of a reactive component.
    pub fn timeout(&self) -> Duration {
        self.limits.timeout.unwrap_or_else(defaults::component_timeout).0
    }

    /// The guest's environment: inherited host variables (`inheritEnv`), then `env:`.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        let wanted = |k: &str| {
            self.inherit_env.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => k.starts_with(prefix),
                None => k == p,
            })
        };
        let mut out: Vec<(String, String)> = if self.inherit_env.is_empty() {
            Vec::new()
        } else {
            std::env::vars().filter(|(k, _)| wanted(k) && !self.env.contains_key(k)).collect()
        };
        out.sort();
        out.extend(self.env.iter().map(|(k, v)| (k.clone(), v.0.clone())));
        out
    }

    /// The host folders this member mounts: `(host path, guest path, read-only)`.
    /// `ephemeral` gives the folder made for each ephemeral volume, by name.
    pub fn mounts(&self, manifest: &Manifest, ephemeral: &[(String, PathBuf)]) -> Vec<(PathBuf, String, bool)> {
        self.volume_mounts
            .iter()
            .filter_map(|m| {
                let v = manifest.spec.volumes.iter().find(|v| v.name == m.name)?;
                let host = match &v.host_path {
                    Some(h) => manifest.resolve(&h.path),
                    None => ephemeral.iter().find(|(name, _)| *name == v.name)?.1.clone(),
                };
                Some((host, m.mount_path.clone(), m.read_only.unwrap_or(true)))
            })
            .collect()
    }

    /// Whether the guest may resolve names: `None` = the default (see
    /// [`Entry::allowed_ip_name_lookups`]).
    pub fn ip_name_lookups(&self) -> Option<bool> {
        self.allowed_ip_name_lookups.as_ref().map(|names| !names.is_empty())
    }

    /// `config:` as plain string pairs.
    pub fn config_pairs(&self) -> Vec<(String, String)> {
        self.config.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect()
    }
}
