//! Run-time linking, decided before anything runs: for every import of every service
//! and component, who provides it (the host, per its catalogue; a service; or a
//! reactive component), and how each function maps onto the provider's export. It
//! knows WIT names and types (from the components' own type information), nothing
//! about YAML or stores. All problems are reported together, each naming the import,
//! the function and what the workload offers instead.
//!
//! `info.rs` reads a component's surface; `wit_types.rs` compares and spells types.
mod host_calls;
pub mod info;
#[cfg(test)]
mod tests;
pub mod wit_types;

use crate::engine::catalogue::{Catalogue, Serving};
use crate::manifest::Role;
use crate::names::{base_name, names_compatible};
use info::{ComponentInfo, Interface};
use std::collections::BTreeMap;
use std::fmt;
use wit_types::{ErrorShape, resources_in, same_func_shape, signature, uncrossable};

/// What the planner needs to know about one workload member.
pub struct Member<'a> {
    pub name: &'a str,
    pub role: Role,
    pub info: &'a ComponentInfo,
    /// `links:` from the manifest: interface name -> provider name.
    pub links: &'a BTreeMap<String, String>,
}

/// One exported function of a provider that some consumer calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRef {
    /// The provider's exact export name, e.g. `outrigger:examples/counter@0.1.0`.
    pub interface: String,
    pub function: String,
    /// Its parameters or results carry host-owned data resources.
    pub moves_data: bool,
}

/// How one imported function is served.
#[derive(Debug, Clone)]
pub struct FuncLink {
    pub name: String,
    /// The consumer lowers it as an `async func` (needs a concurrent host function).
    pub import_async: bool,
    /// The provider lifts it as an `async func`.
    pub export_async: bool,
    /// Index into the provider's [`Plan::exports`] table.
    pub target: usize,
    /// How to report a failed call as a value instead of a trap, if the type allows.
    pub error_shape: Option<ErrorShape>,
    /// Its parameters or results carry host-owned data resources, which move
    /// between the stores as plain values (see `engine/data.rs`).
    pub moves_data: bool,
}

/// How one imported interface is served by another workload member.
#[derive(Debug, Clone)]
pub struct ImportLink {
    /// The import name exactly as the consumer spells it.
    pub import: String,
    pub provider: usize,
    pub functions: Vec<FuncLink>,
}

/// The whole workload's wiring.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Per member (same order as the input): the imports other members serve.
    pub imports: Vec<Vec<ImportLink>>,
    /// Per member: its exported functions that others call, indexed by `FuncLink::target`.
    pub exports: Vec<Vec<ExportRef>>,
    /// Members the host's own implementations call (see `host_calls.rs`).
    pub host_calls: Vec<HostCall>,
}

/// A member exporting an interface some host-served family calls.
#[derive(Debug, Clone)]
pub struct HostCall {
    /// The interface as the catalogue names it (e.g. `outrigger:messaging/bridge@0.1.0`).
    pub interface: String,
    pub member: usize,
    /// The interface's functions: name and slot in the member's export table.
    pub functions: Vec<(String, usize)>,
}

/// Imports that cannot be linked.
#[derive(Debug, Clone, thiserror::Error)]
pub struct PlanError {
    pub problems: Vec<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::error::numbered("cannot link this workload", &self.problems))
    }
}

impl Plan {
    /// Resolves every import of every member against the other members and the
    /// host's `catalogue`.
    pub fn build(members: &[Member<'_>], catalogue: &Catalogue) -> Result<Plan, PlanError> {
        let mut plan = Plan {
            imports: vec![Vec::new(); members.len()],
            exports: vec![Vec::new(); members.len()],
            host_calls: Vec::new(),
        };
        let mut problems = Vec::new();
        for (ci, consumer) in members.iter().enumerate() {
            let who = format!("{} `{}`", consumer.role, consumer.name);
            for f in &consumer.info.root_imports {
                problems.push(format!("{who} imports the function `{}` at the root of its world; outrigger links interfaces only.\nfix: move the function into an interface", f.name));
            }
            for import in &consumer.info.imports {
                if import.types_only() {
                    continue; // type definitions only: nothing to provide
                }
                let host = catalogue.find(&import.name);
                let exported =
                    (0..members.len()).any(|i| i != ci && members[i].info.export_compatible(&import.name).is_some());
                match host {
                    Some(f) if f.serving == Serving::Always || !exported => continue,
                    _ => {}
                }
                match provider_for(members, ci, import, catalogue) {
                    Ok(pi) => match link(&mut plan, members, ci, pi, import, catalogue) {
                        Ok(l) => plan.imports[ci].push(l),
                        Err(why) => problems.push(format!(
                            "{who} imports `{}`, which {} `{}` exports, but {why}",
                            import.name, members[pi].role, members[pi].name
                        )),
                    },
                    Err(why) => problems.push(format!("{who} imports `{}`, but {why}", import.name)),
                }
            }
        }
        host_calls::plan(&mut plan, members, catalogue, &mut problems);
        if problems.is_empty() { Ok(plan) } else { Err(PlanError { problems }) }
    }
}

/// Picks the member that serves `import` for member `ci`: the one `links` names, or
/// the only member exporting a compatible interface.
fn provider_for(members: &[Member<'_>], ci: usize, import: &Interface, catalogue: &Catalogue) -> Result<usize, String> {
    let consumer = &members[ci];
    let exporters: Vec<usize> =
        (0..members.len()).filter(|&i| i != ci && members[i].info.export_compatible(&import.name).is_some()).collect();
    let linked =
        consumer.links.iter().find(|(k, _)| names_compatible(k, &import.name) || k.as_str() == base_name(&import.name));
    if let Some((key, target)) = linked {
        let Some(ti) = members.iter().position(|m| m.name == target.as_str()) else {
            return Err(format!("links.{key} names `{target}`, which is not in this workload"));
        };
        if !exporters.contains(&ti) {
            return Err(format!(
                "links.{key} names `{target}`, which does not export it.\nfix: {}",
                offer(members, &exporters)
            ));
        }
        return Ok(ti);
    }
    match exporters.as_slice() {
        [one] => Ok(*one),
        [] => {
            let mut offered = String::new();
            for m in members {
                let names: Vec<&str> =
                    m.info.exports.iter().map(|i| i.name.as_str()).filter(|n| !n.starts_with("wasi:cli/run")).collect();
                if !names.is_empty() {
                    offered.push_str(&format!("\n  {} `{}` exports: {}", m.role, m.name, names.join(", ")));
                }
            }
            if offered.is_empty() {
                offered = "\n  no member exports any interface".into();
            }
            Err(format!(
                "nothing provides it: the host serves only {}, and{offered}\nfix: add a service or component that exports `{}`, or rebuild `{}` without this import",
                catalogue.summary(),
                import.name,
                consumer.name
            ))
        }
        many => Err(format!(
            "{} members export it: {}.\nfix: choose one with `links: {{ \"{}\": <name> }}` on `{}`",
            many.len(),
            many.iter().map(|&i| format!("{} `{}`", members[i].role, members[i].name)).collect::<Vec<_>>().join(", "),
            base_name(&import.name),
            consumer.name
        )),
    }
}

fn offer(members: &[Member<'_>], exporters: &[usize]) -> String {
    if exporters.is_empty() {
        "no member of this workload exports it".into()
    } else {
        format!("it is exported by: {}", exporters.iter().map(|&i| members[i].name).collect::<Vec<_>>().join(", "))
    }
}

/// Maps every function of `import` onto the provider's export, registering the
/// provider's functions in its export table.
fn link(
    plan: &mut Plan,
    members: &[Member<'_>],
    ci: usize,
    pi: usize,
    import: &Interface,
    catalogue: &Catalogue,
) -> Result<ImportLink, String> {
    let export = members[pi].info.export_compatible(&import.name).expect("provider exports it");
    // Resources the interface merely `use`s from a host data interface are fine.
    let own = import.resources.iter().find(|(_, rt)| {
        let origin = members[ci].info.resource_origin(*rt, catalogue);
        origin.is_none_or(|(iface, res)| catalogue.data().by_name(iface, res).is_none())
    });
    if let Some((r, _)) = own {
        return Err(format!(
            "it defines the resource `{r}`; a resource defined by one instance only means something inside its store, so it cannot be served across instances.\nfix: pass plain values, or define the resource in an interface the host owns as data (see `outrigger inspect`)"
        ));
    }
    let mut functions = Vec::new();
    for f in &import.functions {
        let Some(e) = export.functions.iter().find(|e| e.name == f.name) else {
            let have: Vec<&str> = export.functions.iter().map(|e| e.name.as_str()).collect();
            return Err(format!(
                "its export has no function `{}` (it has: {}).\nfix: build both against the same version of the WIT",
                f.name,
                have.join(", ")
            ));
        };
        let mismatch = |why: String| {
            format!(
                "function `{}` differs: imported as `{}`, exported as `{}`: {why}.\nfix: build both against the same version of the WIT",
                f.name,
                signature(&f.ty),
                signature(&e.ty)
            )
        };
        same_func_shape(&f.ty, &e.ty).map_err(mismatch)?;
        let types: Vec<_> = f.ty.params().map(|(_, t)| t).chain(f.ty.results()).collect();
        if let Some(what) = types.iter().find_map(uncrossable) {
            return Err(format!(
                "function `{}` (`{}`) passes {what}, which cannot cross from one instance's store to another's.\nfix: pass plain values (records, lists, strings) instead",
                f.name,
                signature(&f.ty)
            ));
        }
        let import_data = data_resources(&members[ci], &f.ty, catalogue)
            .map_err(|r| format!("function `{}` passes a `{r}` handle, {NOT_DATA}", f.name))?;
        let export_data = data_resources(&members[pi], &e.ty, catalogue).map_err(|r| {
            format!("function `{}` takes or returns a `{r}` handle in the provider, {NOT_DATA}", f.name)
        })?;
        if import_data != export_data {
            return Err(format!(
                "function `{}` passes different resources: {} on the importing side, {} on the exporting side.\nfix: build both against the same version of the WIT",
                f.name,
                import_data.join(", "),
                export_data.join(", ")
            ));
        }
        let target = export_slot(&mut plan.exports[pi], &export.name, &e.name, !export_data.is_empty());
        let results: Vec<_> = f.ty.results().collect();
        functions.push(FuncLink {
            name: f.name.clone(),
            import_async: f.ty.async_(),
            export_async: e.ty.async_(),
            target,
            error_shape: ErrorShape::of(&results),
            moves_data: !import_data.is_empty(),
        });
    }
    Ok(ImportLink { import: import.name.clone(), provider: pi, functions })
}

const NOT_DATA: &str = "and a resource handle only means something inside the store that made it; the host moves only the data resources it owns (listed by `outrigger inspect` under the interfaces the host serves).\nfix: pass plain values (records, lists, strings) instead";

/// The data resources (`interface.resource`, in order of appearance) that a
/// function of `member` passes, or the first resource that is not host-owned data.
fn data_resources(
    member: &Member<'_>,
    f: &wasmtime::component::types::ComponentFunc,
    catalogue: &Catalogue,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for t in f.params().map(|(_, t)| t).chain(f.results()) {
        for rt in resources_in(&t) {
            let Some((iface, res)) = member.info.resource_origin(rt, catalogue) else {
                return Err("resource defined by the component itself".into());
            };
            let name = format!("{}.{res}", base_name(iface));
            if catalogue.data().by_name(iface, res).is_none() {
                return Err(name);
            }
            out.push(name);
        }
    }
    Ok(out)
}

pub(crate) fn export_slot(table: &mut Vec<ExportRef>, interface: &str, function: &str, moves_data: bool) -> usize {
    if let Some(i) = table.iter().position(|r| r.interface == interface && r.function == function) {
        return i;
    }
    table.push(ExportRef { interface: interface.to_string(), function: function.to_string(), moves_data });
    table.len() - 1
}
