//! Run-time linking, decided before anything runs: for every import of every service
//! and component, who provides it (the host's WASI, a service, or a reactive
//! component), and how each function maps onto the provider's export. It knows WIT
//! names and types (from the components' own type information), nothing about YAML
//! or stores. All problems are reported together, each naming the import, the
//! function and what the workload offers instead.
use crate::inspect::{ComponentInfo, Interface, base_name, names_compatible};
use crate::wit_types::{ErrorShape, same_func_shape, signature, uncrossable};
use std::collections::BTreeMap;
use std::fmt;

/// Interfaces the host itself provides (WASI 0.2 and 0.3, and `wasi:config/store`).
const HOST_PACKAGES: &[&str] = &[
    "wasi:cli/",
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:filesystem/",
    "wasi:sockets/",
    "wasi:config/store",
];

/// Whether the host provides an imported interface itself.
pub fn host_provides(import: &str) -> bool {
    let base = base_name(import);
    HOST_PACKAGES.iter().any(|p| base.starts_with(p) || base == p.trim_end_matches('/'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Service,
    Component,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Service => "service",
            Role::Component => "component",
        })
    }
}

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
    pub results: usize,
    /// How to report a failed call as a value instead of a trap, if the type allows.
    pub error_shape: Option<ErrorShape>,
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
}

/// Imports that cannot be linked.
#[derive(Debug, Clone, thiserror::Error)]
pub struct PlanError {
    pub problems: Vec<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "cannot link this workload: {n} problem{}", if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            write!(f, "\n  - {}", p.replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

impl Plan {
    /// Resolves every import of every member.
    pub fn build(members: &[Member<'_>]) -> Result<Plan, PlanError> {
        let mut plan = Plan { imports: vec![Vec::new(); members.len()], exports: vec![Vec::new(); members.len()] };
        let mut problems = Vec::new();
        for (ci, consumer) in members.iter().enumerate() {
            let who = format!("{} `{}`", consumer.role, consumer.name);
            for f in &consumer.info.root_imports {
                problems.push(format!("{who} imports the function `{}` at the root of its world; outrigger links interfaces only.\nfix: move the function into an interface", f.name));
            }
            for import in &consumer.info.imports {
                if host_provides(&import.name) {
                    continue;
                }
                match provider_for(members, ci, import) {
                    Ok(pi) => match link(&mut plan, members, pi, import) {
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
        if problems.is_empty() { Ok(plan) } else { Err(PlanError { problems }) }
    }
}

/// Picks the member that serves `import` for member `ci`: the one `links` names, or
/// the only member exporting a compatible interface.
fn provider_for(members: &[Member<'_>], ci: usize, import: &Interface) -> Result<usize, String> {
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
                "nothing provides it: the host provides only WASI (wasi:cli, io, clocks, random, filesystem, sockets, config/store), and{offered}\nfix: add a service or component that exports `{}`, or rebuild `{}` without this import",
                import.name, consumer.name
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
fn link(plan: &mut Plan, members: &[Member<'_>], pi: usize, import: &Interface) -> Result<ImportLink, String> {
    let export = members[pi].info.export_compatible(&import.name).expect("provider exports it");
    if let Some(r) = import.resources.first() {
        return Err(format!(
            "it defines the resource `{r}`; resource handles only mean something inside the store that made them, and outrigger does not proxy them across instances yet.\nfix: use an interface whose functions pass plain values"
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
        let types = f.ty.params().map(|(_, t)| t).chain(f.ty.results());
        if let Some(what) = types.into_iter().find_map(|t| uncrossable(&t)) {
            return Err(format!(
                "function `{}` (`{}`) passes {what}, which cannot cross from one instance's store to another's.\nfix: pass plain values (records, lists, strings) instead",
                f.name,
                signature(&f.ty)
            ));
        }
        let target = export_slot(&mut plan.exports[pi], &export.name, &e.name);
        let results: Vec<_> = f.ty.results().collect();
        functions.push(FuncLink {
            name: f.name.clone(),
            import_async: f.ty.async_(),
            export_async: e.ty.async_(),
            target,
            results: results.len(),
            error_shape: ErrorShape::of(&results),
        });
    }
    Ok(ImportLink { import: import.name.clone(), provider: pi, functions })
}

fn export_slot(table: &mut Vec<ExportRef>, interface: &str, function: &str) -> usize {
    if let Some(i) = table.iter().position(|r| r.interface == interface && r.function == function) {
        return i;
    }
    table.push(ExportRef { interface: interface.to_string(), function: function.to_string() });
    table.len() - 1
}
