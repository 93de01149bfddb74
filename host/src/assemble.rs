//! Turns a validated manifest into a ready-to-start workload: compile every
//! component, check each is where it belongs (services export `wasi:cli/run`,
//! reactive components do not), plan the links, resolve socket permissions, build
//! one linker per member with its imports wired to the providers, and pre-instantiate.
//! Nothing runs yet; [`crate::Workload::start`] does that. Each stage fails with its
//! own [`StartError`] variant, so "does not compile" and "does not link" read apart.
use crate::engine::HostEngine;
use crate::engine::catalogue::{LIFECYCLE, SHUTDOWN};
use crate::engine::net_policy::NetPolicy;
use crate::engine::wasi::{GuestEnv, Mount};
use crate::error::{StartError, chain};
use crate::link::to_component::{ComponentCallee, PoolTable};
use crate::link::to_service::{ServiceCall, ServiceHandle};
use crate::link::wiring::{Wired, Wiring};
use crate::link::{Callee, define_import};
use crate::manifest::{Entry, Manifest, Role, Stdio};
use crate::names::names_compatible;
use crate::plan::info::ComponentInfo;
use crate::plan::{Member, Plan};
use crate::run::guest::Guest;
use crate::run::reactive::ReactivePool;
use crate::run::service::ServiceRunner;
use crate::run::status::ServiceStatus;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use wasmtime::component::Component;

/// A compiled member and what it looks like.
pub(crate) struct Compiled {
    pub entry: Entry,
    pub role: Role,
    pub component: Component,
    pub info: ComponentInfo,
}

/// Compiles every member (in parallel) and checks its kind. Errors name the member.
/// `sources` gives the cached file of each OCI reference (`crate::oci`).
async fn compile(
    engine: &Arc<HostEngine>,
    manifest: &Manifest,
    sources: &crate::oci::Sources,
) -> Result<Vec<Compiled>, StartError> {
    let mut jobs = Vec::new();
    for (role, entry) in manifest.members() {
        let path = match sources.path(&entry.component) {
            Some(cached) => cached.to_path_buf(),
            None => manifest.resolve(&entry.component),
        };
        let (engine, entry) = (engine.clone(), entry.clone());
        jobs.push(tokio::task::spawn_blocking(move || {
            let component = engine.load_component(&path).map_err(|e| format!("{role} `{}`: {e:#}", entry.name))?;
            let info = ComponentInfo::of(&engine.engine, &component);
            Ok::<_, String>(Compiled { entry, role, component, info })
        }));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for job in jobs {
        match job.await.map_err(|e| e.to_string()).and_then(|r| r) {
            Ok(c) => {
                match (c.role, c.info.is_service()) {
                    (Role::Service, false) => problems.push(format!(
                        "service `{}` ({}) does not export wasi:cli/run, so it has no `run` to keep it alive.\nfix: move it under spec.components if it is reactive, or export wasi:cli/run (wasip3::cli::command::export!)",
                        c.entry.name, c.entry.component
                    )),
                    (Role::Component, true) => problems.push(format!(
                        "component `{}` ({}) exports wasi:cli/run: it is a service.\nfix: move it under spec.services",
                        c.entry.name, c.entry.component
                    )),
                    _ => {}
                }
                out.push(c);
            }
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(StartError::Load { problems });
    }
    Ok(out)
}

/// Plans the links between compiled members.
fn plan(engine: &HostEngine, members: &[Compiled]) -> Result<Plan, StartError> {
    let view: Vec<Member<'_>> = members
        .iter()
        .map(|m| Member { name: &m.entry.name, role: m.role, info: &m.info, links: &m.entry.links })
        .collect();
    Ok(Plan::build(&view, &engine.catalogue)?)
}

/// A service, ready to be supervised.
pub(crate) struct ServiceParts {
    pub runner: ServiceRunner,
    pub handle: ServiceHandle,
    pub calls: mpsc::Receiver<ServiceCall>,
    pub status: watch::Sender<ServiceStatus>,
    pub entry: Entry,
    /// Export slot of `outrigger:service/shutdown#stop`, if the service has one.
    pub stop: Option<usize>,
}

/// Everything [`crate::Workload`] holds.
pub(crate) struct Assembled {
    /// The workload's ephemeral volumes, removed when this is dropped.
    pub scratch: Scratch,
    pub services: Vec<ServiceParts>,
    /// Reactive pools by member index (`None` for services).
    pub pools: Arc<PoolTable>,
    /// What the host's own implementations reach (and flush at shutdown).
    pub wiring: Arc<Wiring>,
}

/// Everything from a validated manifest to a ready workload: pull OCI references
/// (`crate::oci`), compile, plan, assemble. Returns the plan too (who serves which
/// import; each member's export table).
pub(crate) async fn build(
    engine: &Arc<HostEngine>,
    manifest: &Manifest,
    grace: Duration,
) -> Result<(Plan, Assembled), StartError> {
    let sources = crate::oci::resolve(manifest).await.map_err(|problems| StartError::Pull { problems })?;
    let mut members = compile(engine, manifest, &sources).await?;
    handler_defaults(manifest, &mut members);
    let plan = plan(engine, &members)?;
    let assembled = assemble(engine, manifest, members, &plan, grace).await?;
    Ok((plan, assembled))
}

/// Builds linkers, handles, pools and runners for a planned workload.
async fn assemble(
    engine: &Arc<HostEngine>,
    manifest: &Manifest,
    members: Vec<Compiled>,
    plan: &Plan,
    grace: Duration,
) -> Result<Assembled, StartError> {
    let scratch = Scratch::create(manifest)?;
    // Service handles first: linkers of any member may forward to them.
    let mut handles = Vec::new();
    let mut receivers = Vec::new();
    for m in &members {
        if m.role == Role::Service {
            let calls = m.entry.calls();
            let (tx, rx) = watch::channel(ServiceStatus::new(&m.entry.name, m.entry.max_restarts()));
            let (handle, calls_rx) = ServiceHandle::new(&m.entry.name, calls.queue, calls.timeout.0, rx);
            handles.push(Some(handle));
            receivers.push(Some((calls_rx, tx)));
        } else {
            handles.push(None);
            receivers.push(None);
        }
    }
    let pools: Arc<PoolTable> = Arc::new(PoolTable::new());
    let callee = |member: usize| -> Arc<dyn Callee> {
        match &handles[member] {
            Some(h) => Arc::new(h.clone()),
            None => Arc::new(ComponentCallee { table: Arc::downgrade(&pools), member }),
        }
    };
    let wired = plan
        .host_calls
        .iter()
        .map(|c| Wired {
            interface: c.interface.clone(),
            member: members[c.member].entry.name.clone(),
            index: c.member,
            config: members[c.member].entry.config_pairs(),
            callee: callee(c.member),
            service: handles[c.member].clone(),
            functions: c.functions.clone(),
        })
        .collect();
    let wiring = Arc::new(Wiring::new(manifest.name().to_string(), wired));
    check_subscriptions(manifest, &members)?;
    let data = Arc::new(engine.catalogue.data().clone());
    let mut services = Vec::new();
    let mut pool_list = Vec::new();
    for (i, m) in members.into_iter().enumerate() {
        let link_error = |message: String| StartError::Link { role: m.role, member: m.entry.name.clone(), message };
        let mut linker = engine.base_linker().map_err(|e| StartError::Engine(format!("{e:#}")))?;
        for link in &plan.imports[i] {
            define_import(&mut linker, link, callee(link.provider), &data)
                .map_err(|e| link_error(format!("defining `{}`: {e:#}", link.import)))?;
        }
        let pre = linker.instantiate_pre(&m.component).map_err(|e| link_error(chain(&e)))?;
        let net = NetPolicy::resolve(&m.entry.allowed_hosts).await.map_err(|message| StartError::Network {
            role: m.role,
            member: m.entry.name.clone(),
            message,
        })?;
        let net = net.with_name_lookups(m.entry.ip_name_lookups());
        let mut env = GuestEnv::new(&m.entry.name, m.entry.env_pairs(), m.entry.config_pairs(), net);
        env.process_stdio = m.entry.stdio == Stdio::Process;
        env.wiring = wiring.clone();
        env.mounts = m
            .entry
            .mounts(manifest, &scratch.dirs)
            .into_iter()
            .map(|(host, guest, read_only)| Mount { host, guest, read_only })
            .collect();
        let memory = m.entry.memory_limit(m.role == Role::Service);
        // A service's `shutdown.stop`, which the host calls itself, joins its table.
        let mut table = plan.exports[i].clone();
        let stop = m.info.exports.iter().find(|e| names_compatible(&e.name, SHUTDOWN)).map(|e| {
            table.push(crate::plan::ExportRef {
                interface: e.name.clone(),
                function: "stop".into(),
                moves_data: false,
            });
            table.len() - 1
        });
        let guest = Guest::new(engine.clone(), &m.entry.name, pre, env, memory, &table)
            .map_err(|e| link_error(format!("{e:#}")))?;
        match m.role {
            Role::Service => {
                let run_interface = &m.info.run_export().expect("checked by compile").name;
                let waits_ready = m.info.imports.iter().any(|i| names_compatible(&i.name, LIFECYCLE));
                let runner =
                    ServiceRunner::new(guest, run_interface, m.entry.calls().max_in_flight, grace, waits_ready)
                        .map_err(|e| link_error(format!("{e:#}")))?;
                let (calls, status) = receivers[i].take().expect("one per service");
                services.push(ServiceParts {
                    runner,
                    handle: handles[i].clone().expect("service"),
                    calls,
                    status,
                    entry: m.entry,
                    stop,
                });
                pool_list.push(None);
            }
            Role::Component => {
                pool_list.push(Some(Arc::new(ReactivePool::new(guest, m.entry.timeout(), m.info, m.entry.warm()))));
            }
        }
    }
    let _ = pools.set(pool_list);
    Ok(Assembled { scratch, services, pools, wiring })
}

/// The folders of a workload's `ephemeral: {}` volumes: made when it starts (under
/// the system's temp folder, private to this user), removed with their contents when
/// the workload is dropped.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Volume name, folder.
    pub dirs: Vec<(String, std::path::PathBuf)>,
}

impl Scratch {
    fn create(manifest: &Manifest) -> Result<Scratch, StartError> {
        let mut scratch = Scratch::default();
        for v in manifest.spec.volumes.iter().filter(|v| v.host_path.is_none()) {
            let dir = std::env::temp_dir().join(format!(
                "outrigger-{}-{}-{:016x}",
                manifest.name(),
                v.name,
                rand::random::<u64>()
            ));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir).map_err(|e| StartError::Load {
                problems: vec![format!(
                    "cannot make a folder for the ephemeral volume `{}` ({}): {e}\nfix: check that the temp folder is writable (TMPDIR)",
                    v.name,
                    dir.display()
                )],
            })?;
            scratch.dirs.push((v.name.clone(), dir));
        }
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for (name, dir) in &self.dirs {
            if let Err(e) = std::fs::remove_dir_all(dir) {
                tracing::warn!(volume = %name, dir = %dir.display(), "cannot remove the ephemeral volume's folder: {e}");
            }
        }
    }
}

/// Messaging settings written on the workload's host interface (wasmCloud's way)
/// go to every handler component that sets no `subscriptions` of its own.
fn handler_defaults(manifest: &Manifest, members: &mut [Compiled]) {
    use crate::engine::messaging::{INCOMING_HANDLER, WASMCLOUD_HANDLER};
    let defaults = crate::manifest::provided::handler_defaults(&manifest.spec.host_interfaces);
    if defaults.is_empty() {
        return;
    }
    for m in members.iter_mut() {
        let handler = m
            .info
            .exports
            .iter()
            .any(|e| names_compatible(&e.name, INCOMING_HANDLER) || names_compatible(&e.name, WASMCLOUD_HANDLER));
        if handler && !m.entry.config.contains_key("subscriptions") {
            for (k, v) in &defaults {
                m.entry.config.entry(k.clone()).or_insert_with(|| crate::manifest::Text(v.clone()));
            }
        }
    }
}

/// Handler components' subscription settings (see `engine/messaging/subscriptions.rs`)
/// are checked before anything runs: every problem at once, like the plan's.
fn check_subscriptions(manifest: &Manifest, members: &[Compiled]) -> Result<(), StartError> {
    use crate::engine::messaging::{BRIDGE, INCOMING_HANDLER, WASMCLOUD_HANDLER, subscriptions};
    let exports = |m: &Compiled, iface: &str| m.info.exports.iter().any(|e| names_compatible(&e.name, iface));
    let bridges: Vec<&str> = members.iter().filter(|m| exports(m, BRIDGE)).map(|m| m.entry.name.as_str()).collect();
    let mut problems = Vec::new();
    for m in members {
        match subscriptions::parse(manifest.name(), &m.entry.name, &m.entry.config_pairs(), &bridges) {
            Ok(Some(_)) if !exports(m, INCOMING_HANDLER) && !exports(m, WASMCLOUD_HANDLER) => problems.push(format!(
                "{} `{}` subscribes (config.subscriptions) but exports no message handler.\nfix: export {INCOMING_HANDLER} or {WASMCLOUD_HANDLER}, or remove the subscriptions",
                m.role, m.entry.name
            )),
            Ok(_) => {}
            Err(why) => problems.push(format!("{} `{}`: {why}", m.role, m.entry.name)),
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(StartError::Plan(crate::plan::PlanError { problems })) }
}
