//! What a compiled component imports and exports, read from its own type
//! information, and whether it is a *service* (it exports `wasi:cli/run`, so it has a
//! `run` that lasts its whole life) or a *reactive* component (a fresh instance per
//! call). Used by `outrigger inspect` and by the planner.
use crate::engine::catalogue::Catalogue;
use crate::names::{base_name, names_compatible};
use crate::plan::wit_types::signature;
use std::fmt::Write as _;
use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex, ResourceType};

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
    /// Resource types the interface defines, by name.
    pub resources: Vec<(String, ResourceType)>,
}

impl Interface {
    /// Only type definitions: no functions and no resources (`wasmcloud:messaging/types`).
    /// Importing it needs no provider.
    pub fn types_only(&self) -> bool {
        self.functions.is_empty() && self.resources.is_empty()
    }
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
            ComponentItem::Resource(r) => resources.push((fname.to_string(), r)),
            _ => {}
        }
    }
    Interface { name: name.into(), functions, resources }
}

impl ComponentInfo {
    /// Which imported interface resource type `ty` comes from: `(interface,
    /// resource)`. An interface that `use`s a resource lists it too, so one the host
    /// serves (where data resources are defined) is preferred.
    pub fn resource_origin(&self, ty: ResourceType, catalogue: &Catalogue) -> Option<(&str, &str)> {
        fn with(i: &Interface, ty: ResourceType) -> Option<(&str, &str)> {
            i.resources.iter().find(|(_, t)| *t == ty).map(|(r, _)| (i.name.as_str(), r.as_str()))
        }
        let mut served = self.imports.iter().filter(|i| catalogue.find(&i.name).is_some());
        served.find_map(|i| with(i, ty)).or_else(|| self.imports.iter().find_map(|i| with(i, ty)))
    }

    /// What `outrigger inspect` prints: the kind, exports, imports linked to other
    /// members, and imports the host serves (with the catalogue family serving each).
    pub fn describe(&self, catalogue: &Catalogue) -> String {
        let mut f = String::new();
        match self.run_export() {
            Some(run) => {
                let r = &run.functions.iter().find(|f| f.name == "run").expect("run").ty;
                let how = if r.async_() {
                    "async `run` (WASI 0.3): callers are served while it runs"
                } else {
                    "sync `run` (WASI 0.2): calls into it wait while `run` blocks"
                };
                let _ = writeln!(f, "kind: SERVICE (exports {}; {how})", run.name);
            }
            None => {
                let _ = writeln!(f, "kind: REACTIVE (no wasi:cli/run export: a fresh instance per call)");
            }
        }
        let section = |f: &mut String, title: &str, list: &[&Interface], root: &[Function]| {
            let _ = writeln!(f, "{title}:");
            if list.is_empty() && root.is_empty() {
                let _ = writeln!(f, "  (none)");
            }
            for func in root {
                let _ = writeln!(f, "  {}: {}", func.name, signature(&func.ty));
            }
            for i in list {
                let _ = writeln!(f, "  {}", i.name);
                for (r, _) in &i.resources {
                    let _ = writeln!(f, "    resource {r}");
                }
                for func in &i.functions {
                    let _ = writeln!(f, "    {}: {}", func.name, signature(&func.ty));
                }
            }
        };
        let (host, linked): (Vec<&Interface>, Vec<&Interface>) =
            self.imports.iter().filter(|i| !i.types_only()).partition(|i| catalogue.find(&i.name).is_some());
        section(&mut f, "exports", &self.exports.iter().collect::<Vec<_>>(), &self.root_exports);
        section(&mut f, "imports linked to other workload members", &linked, &self.root_imports);
        let _ = writeln!(f, "imports the host serves:");
        if host.is_empty() {
            let _ = writeln!(f, "  (none)");
        }
        let mut by_family: Vec<(&str, Vec<&str>)> = Vec::new();
        for i in &host {
            let fam = catalogue.find(&i.name).expect("partitioned").family.as_str();
            match by_family.iter_mut().find(|(n, _)| *n == fam) {
                Some((_, list)) => list.push(&i.name),
                None => by_family.push((fam, vec![&i.name])),
            }
        }
        for (fam, list) in by_family {
            let _ = writeln!(f, "  {fam}: {}", list.join(", "));
        }
        let types: Vec<&str> = self.imports.iter().filter(|i| i.types_only()).map(|i| i.name.as_str()).collect();
        if !types.is_empty() {
            let _ = writeln!(f, "type-only imports (need no provider): {}", types.join(", "));
        }
        f
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
