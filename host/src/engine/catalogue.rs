//! The one catalogue of interfaces the host serves itself. Each entry (a
//! [`HostInterfaces`] family) says which interfaces, at which versions, how the host
//! serves them (always, or only when no workload member exports them), which of
//! their resources are host-owned data (see `data.rs`), and how to add them to a
//! linker. The planner, `outrigger inspect` / `validate` and every linker read this
//! list and nothing else, so an interface is added in exactly one place.
//!
//! Built in: WASI 0.2 and 0.3 (what std on wasm32-wasip2 and the `wasip3` crate
//! import), `wasi:config/store`, and outgoing `wasi:http` 0.2 and 0.3 under each
//! member's `allowedHosts` (see `http.rs`).
use crate::engine::ctx::Ctx;
use crate::engine::data::{DataKind, DataKinds};
use crate::names::names_compatible;
use std::sync::Arc;
use wasmtime::component::Linker;

/// Who serves a family's interfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serving {
    /// Always the host (WASI itself).
    Always,
    /// The host, unless a workload member exports the interface: then that member
    /// serves it (e.g. a logging fallback the host offers until a service takes over).
    UnlessExported,
}

/// Adds a family's interfaces to a linker.
pub type AddToLinker = Arc<dyn Fn(&mut Linker<Ctx>) -> wasmtime::Result<()> + Send + Sync>;

/// One family of host-provided interfaces.
#[derive(Clone)]
pub struct HostInterfaces {
    /// A short name for messages and `inspect`: `WASI 0.2`, `wasi:http 0.3 (outgoing)`.
    pub family: String,
    /// Every interface it defines, with the version the host implements. Imports of a
    /// semver-compatible version (`0.2.10` for `0.2.12`) are served too.
    pub interfaces: Vec<String>,
    pub serving: Serving,
    /// Resources of these interfaces that are plain data owned by the host.
    pub data: Vec<DataKind>,
    /// Interfaces the host's implementation calls on workload members (e.g. the
    /// host's `wasi:messaging` publishes through a member exporting
    /// `outrigger:messaging/bridge`). The planner wires every exporter of each.
    pub calls: Vec<MemberCalls>,
    add: AddToLinker,
}

/// An interface a family's host implementation calls on workload members.
#[derive(Debug, Clone)]
pub struct MemberCalls {
    /// The interface, with a version (compatible versions match).
    pub interface: String,
    /// A member importing the family needs at least one exporter of it.
    pub required: bool,
    /// Said when a required exporter is missing: what to add.
    pub hint: String,
}

impl HostInterfaces {
    pub fn new(
        family: &str,
        interfaces: &[&str],
        serving: Serving,
        add: impl Fn(&mut Linker<Ctx>) -> wasmtime::Result<()> + Send + Sync + 'static,
    ) -> HostInterfaces {
        HostInterfaces {
            family: family.to_string(),
            interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
            serving,
            data: Vec::new(),
            calls: Vec::new(),
            add: Arc::new(add),
        }
    }

    /// Declares an interface the host implementation calls on members.
    pub fn calling(mut self, interface: &str, required: bool, hint: &str) -> HostInterfaces {
        self.calls.push(MemberCalls { interface: interface.into(), required, hint: hint.into() });
        self
    }

    /// Declares a data resource of this family (see `data.rs`).
    pub fn with_data(mut self, kind: DataKind) -> HostInterfaces {
        self.data.push(kind);
        self
    }

    /// Whether this family serves the interface named `import`.
    pub fn serves(&self, import: &str) -> bool {
        self.interfaces.iter().any(|i| names_compatible(import, i))
    }
}

/// Every host-provided interface.
#[derive(Clone)]
pub struct Catalogue {
    families: Vec<HostInterfaces>,
    data: DataKinds,
}

/// `package/` prefixes expanded to full names: `iface("wasi:io", "0.2.12", &["poll"])`.
fn names(package: &str, version: &str, interfaces: &[&str]) -> Vec<String> {
    interfaces.iter().map(|i| format!("{package}/{i}@{version}")).collect()
}

fn family(name: &str, interfaces: Vec<String>, add: AddToLinker) -> HostInterfaces {
    HostInterfaces {
        family: name.to_string(),
        interfaces,
        serving: Serving::Always,
        data: Vec::new(),
        calls: Vec::new(),
        add,
    }
}

/// The interface a service imports to say when it is ready (see wit/service/).
pub const LIFECYCLE: &str = "outrigger:service/lifecycle@0.1.0";
/// The interface a service exports to finish its work before it stops.
pub const SHUTDOWN: &str = "outrigger:service/shutdown@0.1.0";

const TERMINAL: [&str; 5] =
    ["terminal-input", "terminal-output", "terminal-stdin", "terminal-stdout", "terminal-stderr"];

impl Catalogue {
    /// What every outrigger host serves.
    pub fn builtin() -> Catalogue {
        let p2 = "0.2.12";
        let mut wasi02 = Vec::new();
        wasi02.extend(names("wasi:cli", p2, &["environment", "exit", "stdin", "stdout", "stderr"]));
        wasi02.extend(names("wasi:cli", p2, &TERMINAL));
        wasi02.extend(names("wasi:io", p2, &["error", "poll", "streams"]));
        wasi02.extend(names("wasi:clocks", p2, &["monotonic-clock", "wall-clock"]));
        wasi02.extend(names("wasi:random", p2, &["random", "insecure", "insecure-seed"]));
        wasi02.extend(names("wasi:filesystem", p2, &["types", "preopens"]));
        let sockets = ["network", "instance-network", "ip-name-lookup", "tcp", "tcp-create-socket", "udp"];
        wasi02.extend(names("wasi:sockets", p2, &sockets));
        wasi02.extend(names("wasi:sockets", p2, &["udp-create-socket"]));
        let p3 = "0.3.0";
        let mut wasi03 = Vec::new();
        wasi03.extend(names("wasi:cli", p3, &["environment", "exit", "types", "stdin", "stdout", "stderr"]));
        wasi03.extend(names("wasi:cli", p3, &TERMINAL));
        wasi03.extend(names("wasi:clocks", p3, &["types", "monotonic-clock", "system-clock"]));
        wasi03.extend(names("wasi:random", p3, &["random", "insecure", "insecure-seed"]));
        wasi03.extend(names("wasi:filesystem", p3, &["types", "preopens"]));
        wasi03.extend(names("wasi:sockets", p3, &["types", "ip-name-lookup"]));
        let families = [
            family("WASI 0.2", wasi02, Arc::new(wasmtime_wasi::p2::add_to_linker_async)),
            family("WASI 0.3", wasi03, Arc::new(wasmtime_wasi::p3::add_to_linker)),
            family(
                "wasi:config",
                names("wasi:config", "0.2.0-rc.1", &["store"]),
                Arc::new(|l| {
                    wasmtime_wasi_config::add_to_linker(l, |c: &mut Ctx| {
                        wasmtime_wasi_config::WasiConfig::from(&*c.config)
                    })
                }),
            ),
            family("outrigger:service", vec![LIFECYCLE.to_string()], Arc::new(add_lifecycle)),
            family(
                "wasi:http 0.2 (outgoing)",
                names("wasi:http", "0.2.12", &["types", "outgoing-handler"]),
                Arc::new(wasmtime_wasi_http::p2::add_only_http_to_linker_async),
            ),
            family(
                "wasi:http 0.3 (outgoing)",
                names("wasi:http", p3, &["types", "client"]),
                Arc::new(wasmtime_wasi_http::p3::add_to_linker),
            ),
        ];
        families
            .into_iter()
            .chain(super::messaging::families())
            .chain(super::otel::families())
            .chain([super::mcp::family()])
            .fold(Catalogue { families: Vec::new(), data: DataKinds::default() }, Catalogue::with)
    }

    /// Adds a family (embedders and tests extend the host this way).
    pub fn with(mut self, family: HostInterfaces) -> Catalogue {
        self.families.push(family);
        self.data = DataKinds::new(self.families.iter().flat_map(|f| f.data.iter().cloned()).collect());
        self
    }

    pub fn families(&self) -> &[HostInterfaces] {
        &self.families
    }

    /// The family that serves `import`, if the host serves it.
    pub fn find(&self, import: &str) -> Option<&HostInterfaces> {
        self.families.iter().find(|f| f.serves(import))
    }

    /// Every data resource of every family.
    pub fn data(&self) -> &DataKinds {
        &self.data
    }

    /// One line for messages: what the host serves itself.
    pub fn summary(&self) -> String {
        self.families.iter().map(|f| f.family.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// A linker with every family added. Shadowing is allowed, so a workload member
    /// that exports an interface the host serves `UnlessExported` can take its place.
    pub fn linker(&self, engine: &wasmtime::Engine) -> wasmtime::Result<Linker<Ctx>> {
        let mut linker = Linker::<Ctx>::new(engine);
        for f in &self.families {
            (f.add)(&mut linker).map_err(|e| wasmtime::format_err!("adding {} to the linker: {e}", f.family))?;
        }
        linker.allow_shadowing(true);
        Ok(linker)
    }
}

/// `outrigger:service/lifecycle.ready()`: hands the incarnation's ready signal to its
/// supervisor (see `run/service.rs`).
fn add_lifecycle(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    linker.instance(LIFECYCLE)?.func_wrap("ready", |mut store: wasmtime::StoreContextMut<'_, Ctx>, (): ()| {
        if let Some(tx) = store.data_mut().ready.take() {
            let _ = tx.send(());
        }
        Ok(())
    })
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_families_by_compatible_version() {
        let c = Catalogue::builtin();
        assert_eq!(c.find("wasi:cli/stdin@0.2.3").unwrap().family, "WASI 0.2");
        assert_eq!(c.find("wasi:cli/stdin@0.3.2").unwrap().family, "WASI 0.3");
        assert_eq!(c.find("wasi:http/types@0.2.10").unwrap().family, "wasi:http 0.2 (outgoing)");
        assert_eq!(c.find("wasi:http/client@0.3.2").unwrap().family, "wasi:http 0.3 (outgoing)");
        assert!(c.find("wasi:http/incoming-handler@0.2.10").is_none(), "incoming HTTP is not served");
        assert!(c.find("wasi:cli/stdin@0.4.0").is_none());
        assert!(c.find("outrigger:examples/counter@0.1.0").is_none());
    }

    #[test]
    fn builds_a_linker() {
        let engine = wasmtime::Engine::new(wasmtime::Config::new().wasm_component_model_async(true)).unwrap();
        Catalogue::builtin().linker(&engine).expect("every builtin family adds itself");
    }
}
