//! Turns a validated manifest into a ready-to-start workload: compile every
//! component, check each is where it belongs (services export `wasi:cli/run`,
//! reactive components do not), plan the links, resolve socket permissions, build
//! one linker per member with its imports wired to the providers, and pre-instantiate.
//! Nothing runs yet; [`crate::Workload::start`] does that.
use crate::engine::HostEngine;
use crate::forward::{ServiceCall, ServiceHandle};
use crate::inspect::ComponentInfo;
use crate::invoke::{ComponentCallee, PoolTable};
use crate::link::{Callee, define_import};
use crate::manifest::{Entry, Manifest};
use crate::net_policy::NetPolicy;
use crate::plan::{Member, Plan, Role};
use crate::reactive::{PoolSpec, ReactivePool};
use crate::service::{RunnerSpec, ServiceRunner};
use crate::status::ServiceStatus;
use crate::wasi::GuestEnv;
use anyhow::{Context as _, Result, bail};
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
async fn compile(engine: &Arc<HostEngine>, manifest: &Manifest) -> Result<Vec<Compiled>> {
    let entries = manifest
        .spec
        .services
        .iter()
        .map(|e| (e, Role::Service))
        .chain(manifest.spec.components.iter().map(|e| (e, Role::Component)));
    let mut jobs = Vec::new();
    for (entry, role) in entries {
        let (engine, entry, path) = (engine.clone(), entry.clone(), manifest.resolve(&entry.component));
        jobs.push(tokio::task::spawn_blocking(move || {
            let component = engine.load_component(&path).with_context(|| format!("{role} `{}`", entry.name))?;
            let info = ComponentInfo::of(&engine.engine, &component);
            Ok::<_, anyhow::Error>(Compiled { entry, role, component, info })
        }));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for job in jobs {
        match job.await? {
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
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    if !problems.is_empty() {
        bail!(crate::plan::PlanError { problems });
    }
    Ok(out)
}

/// Plans the links between compiled members.
fn plan(members: &[Compiled]) -> Result<Plan, crate::plan::PlanError> {
    let view: Vec<Member<'_>> = members
        .iter()
        .map(|m| Member { name: &m.entry.name, role: m.role, info: &m.info, links: &m.entry.links })
        .collect();
    Plan::build(&view)
}

/// A service, ready to be supervised.
pub(crate) struct ServiceParts {
    pub runner: ServiceRunner,
    pub handle: ServiceHandle,
    pub calls: mpsc::Receiver<ServiceCall>,
    pub status: watch::Sender<ServiceStatus>,
    pub entry: Entry,
}

/// Everything [`crate::Workload`] holds.
pub(crate) struct Assembled {
    pub services: Vec<ServiceParts>,
    /// Reactive pools by member index (`None` for services).
    pub pools: Arc<PoolTable>,
}

/// Everything from a validated manifest to a ready workload: compile, plan, assemble.
/// Returns the plan too (who serves which import; each member's export table).
pub(crate) async fn build(engine: &Arc<HostEngine>, manifest: &Manifest, grace: Duration) -> Result<(Plan, Assembled)> {
    let members = compile(engine, manifest).await?;
    let plan = plan(&members)?;
    let assembled = assemble(engine, members, plan.clone(), grace).await?;
    Ok((plan, assembled))
}

/// Builds linkers, handles, pools and runners for a planned workload.
async fn assemble(
    engine: &Arc<HostEngine>,
    members: Vec<Compiled>,
    plan: Plan,
    grace: Duration,
) -> Result<Assembled> {
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
    let mut services = Vec::new();
    let mut pool_list = Vec::new();
    for (i, m) in members.into_iter().enumerate() {
        let mut linker = engine.base_linker()?;
        for link in &plan.imports[i] {
            let callee: Arc<dyn Callee> = match &handles[link.provider] {
                Some(h) => Arc::new(h.clone()),
                None => Arc::new(ComponentCallee { table: Arc::downgrade(&pools), member: link.provider }),
            };
            define_import(&mut linker, link, callee)
                .with_context(|| format!("linking `{}` into {} `{}`", link.import, m.role, m.entry.name))?;
        }
        let pre = linker
            .instantiate_pre(&m.component)
            .map_err(|e| anyhow::anyhow!("{}", crate::error::chain(&e)))
            .with_context(|| format!("{} `{}` cannot be linked", m.role, m.entry.name))?;
        let net = NetPolicy::resolve(&m.entry.allowed_hosts)
            .await
            .map_err(|e| anyhow::anyhow!("{} `{}`: {e}", m.role, m.entry.name))?;
        let env = GuestEnv::new(&m.entry.name, m.entry.env_pairs(), m.entry.config_pairs(), net);
        let exports = plan.exports[i].iter().map(|r| (r.interface.clone(), r.function.clone())).collect();
        match m.role {
            Role::Service => {
                let run_interface = m.info.run_export().expect("checked by compile").name.clone();
                let runner = ServiceRunner::new(
                    engine.clone(),
                    RunnerSpec {
                        name: m.entry.name.clone(),
                        pre,
                        env,
                        memory: m.entry.memory_limit(true),
                        run_interface,
                        exports,
                        max_in_flight: m.entry.calls().max_in_flight,
                        grace,
                    },
                )?;
                let (calls, status) = receivers[i].take().expect("one per service");
                services.push(ServiceParts {
                    runner,
                    handle: handles[i].clone().expect("service"),
                    calls,
                    status,
                    entry: m.entry,
                });
                pool_list.push(None);
            }
            Role::Component => {
                let spec = PoolSpec {
                    name: m.entry.name.clone(),
                    pre,
                    env,
                    memory: m.entry.memory_limit(false),
                    timeout: m.entry.timeout(),
                    info: m.info,
                    exports,
                };
                pool_list.push(Some(Arc::new(ReactivePool::new(engine.clone(), spec)?)));
            }
        }
    }
    let _ = pools.set(pool_list);
    Ok(Assembled { services, pools })
}
