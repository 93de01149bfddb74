//! What a compiled component imports and exports, read from its own type
//! information, and whether it is a *service* (it exports `wasi:cli/run`, so it has a
//! `run` that lasts its whole life) or a *reactive* component (a fresh instance per
//! call). Used by `outrigger inspect` and by the planner.
use crate::wit_types::signature;
use std::fmt;
use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex};

/// One function of an interface (or of the component's root).
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub ty: ComponentFunc,
}

/// One imported or exported instance, normally a WIT interface.
#[derive(Clone, Debug)]
pub struct Interface {
    /// The full name, e.g. `outrigger:examples/counter@0.1.0`.
    pub name: String,
    pub functions: Vec<Function>,
    /// Resource types the interface defines.
    pub resources: Vec<String>,
}

/// A component's surface.
#[derive(Clone, Debug, Default)]
pub struct ComponentInfo {
    pub imports: Vec<Interface>,
    pub exports: Vec<Interface>,
    /// Functions imported directly at the root of the world.
    pub root_imports: Vec<Function>,
    /// Functions exported directly at the root of the world.
    pub root_exports: Vec<Function>,
}

impl ComponentInfo {
    pub fn of(engine: &Engine, component: &Component) -> ComponentInfo {
        let ty = component.component_type();
        let mut info = ComponentInfo::default();
        for (name, ext) in ty.imports(engine) {
            match ext.ty {
                ComponentItem::ComponentInstance(i) => info.imports.push(interface(engine, name, &i)),
                ComponentItem::ComponentFunc(f) => info.root_imports.push(Function { name: name.into(), ty: f }),
                _ => {}
            }
        }
        for (name, ext) in ty.exports(engine) {
            match ext.ty {
                ComponentItem::ComponentInstance(i) => info.exports.push(interface(engine, name, &i)),
                ComponentItem::ComponentFunc(f) => info.root_exports.push(Function { name: name.into(), ty: f }),
                _ => {}
            }
        }
        info
    }

    /// The exported `wasi:cli/run` interface, if the component is a service.
    pub fn run_export(&self) -> Option<&Interface> {
        self.exports
            .iter()
            .find(|i| base_name(&i.name) == "wasi:cli/run" && i.functions.iter().any(|f| f.name == "run"))
    }

    pub fn is_service(&self) -> bool {
        self.run_export().is_some()
    }

    /// The exported interface that serves `import_name` (same interface, compatible version).
    pub fn export_compatible(&self, import_name: &str) -> Option<&Interface> {
        self.exports.iter().find(|i| names_compatible(&i.name, import_name))
    }

    /// All exported functions, as `(interface or None, function)`.
    pub fn exported_functions(&self) -> impl Iterator<Item = (Option<&Interface>, &Function)> {
        let root = self.root_exports.iter().map(|f| (None, f));
        root.chain(self.exports.iter().flat_map(|i| i.functions.iter().map(move |f| (Some(i), f))))
    }
}

fn interface(engine: &Engine, name: &str, inst: &wasmtime::component::types::ComponentInstance) -> Interface {
    let mut functions = Vec::new();
    let mut resources = Vec::new();
    for (fname, ext) in inst.exports(engine) {
        match ext.ty {
            ComponentItem::ComponentFunc(f) => functions.push(Function { name: fname.into(), ty: f }),
            ComponentItem::Resource(_) => resources.push(fname.to_string()),
            _ => {}
        }
    }
    Interface { name: name.into(), functions, resources }
}

/// `wasi:cli/run@0.3.2` -> `wasi:cli/run`
pub fn base_name(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// The part of a version that must match for two names to be interchangeable, the
/// way wasmtime's linker treats semver: `1.2.3` -> `1`, `0.3.2` -> `0.3`,
/// `0.0.3` -> `0.0.3`, and pre-releases (`0.2.0-draft`) exactly.
fn compat_version(name: &str) -> Option<String> {
    let v = name.split_once('@')?.1;
    if v.contains('-') || v.contains('+') {
        return Some(v.to_string());
    }
    let parts: Vec<&str> = v.split('.').collect();
    Some(match parts.as_slice() {
        [major, ..] if *major != "0" => major.to_string(),
        ["0", minor, ..] if *minor != "0" => format!("0.{minor}"),
        _ => v.to_string(),
    })
}

/// Whether `want` names the interface `full`: the full name, the name without version
/// (`outrigger:examples/driver`) or just the interface (`driver`).
pub fn refers_to(full: &str, want: &str) -> bool {
    let base = base_name(full);
    full == want || base == want || base.rsplit('/').next() == Some(want)
}

/// Whether an import named `a` can be served by an export named `b`.
pub fn names_compatible(a: &str, b: &str) -> bool {
    base_name(a) == base_name(b) && compat_version(a) == compat_version(b)
}

impl fmt::Display for ComponentInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.run_export() {
            Some(run) => {
                let r = &run.functions.iter().find(|f| f.name == "run").expect("run").ty;
                let how = if r.async_() {
                    "async `run` (WASI 0.3): callers are served while it runs"
                } else {
                    "sync `run` (WASI 0.2): calls into it wait while `run` blocks"
                };
                writeln!(f, "kind: SERVICE (exports {}; {how})", run.name)?;
            }
            None => writeln!(f, "kind: REACTIVE (no wasi:cli/run export: a fresh instance per call)")?,
        }
        let section =
            |f: &mut fmt::Formatter<'_>, title: &str, list: &[&Interface], root: &[Function]| -> fmt::Result {
                writeln!(f, "{title}:")?;
                if list.is_empty() && root.is_empty() {
                    writeln!(f, "  (none)")?;
                }
                for func in root {
                    writeln!(f, "  {}: {}", func.name, signature(&func.ty))?;
                }
                for i in list {
                    writeln!(f, "  {}", i.name)?;
                    for r in &i.resources {
                        writeln!(f, "    resource {r}")?;
                    }
                    for func in &i.functions {
                        writeln!(f, "    {}: {}", func.name, signature(&func.ty))?;
                    }
                }
                Ok(())
            };
        let (host, linked): (Vec<&Interface>, Vec<&Interface>) =
            self.imports.iter().partition(|i| crate::plan::host_provides(&i.name));
        section(f, "exports", &self.exports.iter().collect::<Vec<_>>(), &self.root_exports)?;
        section(f, "imports linked to other workload members", &linked, &self.root_imports)?;
        let names: Vec<&str> = host.iter().map(|i| i.name.as_str()).collect();
        let names = if names.is_empty() { "(none)".to_string() } else { names.join(", ") };
        writeln!(f, "imports the host provides (WASI): {names}")
    }
}

/// Looks up `function`, inside `interface` if given, in a component's exports.
pub fn export_index(component: &Component, interface: Option<&str>, function: &str) -> Option<ComponentExportIndex> {
    match interface {
        Some(i) => {
            let inst = component.get_export_index(None, i)?;
            component.get_export_index(Some(&inst), function)
        }
        None => component.get_export_index(None, function),
    }
}

/// Resolves a member's export table (the plan's `(interface, function)` pairs, in
/// order) to export indexes, once, before any instance exists.
pub fn export_indexes(
    component: &Component,
    member: &str,
    table: &[(String, String)],
) -> anyhow::Result<Vec<ComponentExportIndex>> {
    table
        .iter()
        .map(|(i, f)| {
            export_index(component, Some(i), f).ok_or_else(|| anyhow::anyhow!("`{member}` has no export {i}#{f}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::names_compatible;

    #[test]
    fn semver_compatibility() {
        assert!(names_compatible("wasi:cli/run@0.3.0", "wasi:cli/run@0.3.2"));
        assert!(!names_compatible("wasi:cli/run@0.2.0", "wasi:cli/run@0.3.0"));
        assert!(names_compatible("a:b/c@1.0.0", "a:b/c@1.4.1"));
        assert!(!names_compatible("wasi:messaging/producer@0.2.0-draft", "wasi:messaging/producer@0.2.0"));
        assert!(names_compatible("a:b/c", "a:b/c"));
        assert!(!names_compatible("a:b/c", "a:b/d"));
    }
}
