//! `spec.hostInterfaces`: the host-provided interfaces a workload asks for, shaped
//! like wasmCloud's `HostInterface` (namespace, package, interfaces, version, name,
//! config). Both manifest formats carry them. For now the host only checks them and
//! says what it does with each:
//!
//! - `wasi:config`: served by the host; its `config` is every member's `config`
//!   underneath the member's own (wasmCloud layers them the same way);
//! - `wasi:logging`, outgoing `wasi:http`: served by the host;
//! - `wasmcloud:messaging`, `wasi:messaging`, `wasi:otel`: served by the nats-bridge
//!   / otel-sidecar service, added to the workload for them (see `provided.rs`);
//! - incoming `wasi:http` and anything else: not served (a warning).
use super::Problem;
use super::units::Text;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One host interface entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostInterface {
    /// `wasi`, `wasmcloud`, ...
    pub namespace: String,
    /// `config`, `http`, `messaging`, ...
    pub package: String,
    /// `store`, `incoming-handler`, `handler`, ... (at least one).
    #[serde(default)]
    pub interfaces: Vec<String>,
    /// `0.2.0`, `0.1.0-draft`, ... (optional).
    #[serde(default)]
    pub version: Option<String>,
    /// Tells apart several entries of one package (`^[a-z0-9][a-z0-9-]*$`).
    #[serde(default)]
    pub name: Option<String>,
    /// Configuration for whoever serves the interface.
    #[serde(default)]
    pub config: BTreeMap<String, Text>,
}

impl HostInterface {
    /// `namespace:package@version` (without `@` when there is no version).
    pub fn package_id(&self) -> String {
        let v = self.version.as_deref().map(|v| format!("@{v}")).unwrap_or_default();
        format!("{}:{}{v}", self.namespace, self.package)
    }

    fn is(&self, namespace: &str, package: &str) -> bool {
        self.namespace == namespace && self.package == package
    }
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Checked {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Checks every entry; `spec` is the path of the spec (`spec` or
/// `spec.template.spec`) for messages.
pub fn check(list: &[HostInterface], spec: &str) -> Checked {
    let mut out = Checked::default();
    let mut problem = |at: String, what: String, fix: &str| {
        out.problems.push(Problem { at, what, fix: fix.to_string() });
    };
    for (i, h) in list.iter().enumerate() {
        let at = format!("{spec}.hostInterfaces[{i}]");
        for (field, value) in [("namespace", &h.namespace), ("package", &h.package)] {
            if !valid_word(value) {
                problem(
                    format!("{at}.{field}"),
                    format!("`{value}` is not a WIT {field} name"),
                    "use lowercase words joined by `-`, e.g. namespace: wasi, package: config",
                );
            }
        }
        if h.interfaces.is_empty() {
            problem(
                format!("{at}.interfaces"),
                "no interfaces listed".into(),
                "list at least one, e.g. interfaces: [store]",
            );
        }
        for (j, iface) in h.interfaces.iter().enumerate() {
            if !valid_word(iface) {
                problem(
                    format!("{at}.interfaces[{j}]"),
                    format!("`{iface}` is not a WIT interface name"),
                    "give the bare interface name, e.g. store or incoming-handler",
                );
            }
        }
        if let Some(name) = &h.name
            && !valid_entry_name(name)
        {
            problem(
                format!("{at}.name"),
                format!("`{name}` is not a valid name"),
                "use lowercase letters, digits and `-` (starting with a letter or digit), at most 64 characters",
            );
        }
        let same = |other: &HostInterface| other.is(&h.namespace, &h.package);
        if let Some(first) = list[..i].iter().position(|o| same(o) && o.name == h.name && o.version == h.version) {
            problem(
                at.clone(),
                format!("the same interface entry as hostInterfaces[{first}]"),
                "remove one of them (or give them different names)",
            );
        } else if h.name.is_none()
            && let Some(first) = list[..i].iter().position(|o| same(o) && o.name.is_none())
        {
            problem(
                at.clone(),
                format!(
                    "a second unnamed entry for {}:{} (the first is hostInterfaces[{first}])",
                    h.namespace, h.package
                ),
                "give each entry of the same package its own `name`",
            );
        }
        if let Some(w) = note(h) {
            out.warnings.push(Problem { at, what: w.0, fix: w.1.to_string() });
        }
    }
    out
}

/// What the host does with an entry it does not serve as asked: `(what, fix)`.
fn note(h: &HostInterface) -> Option<(String, &'static str)> {
    let id = h.package_id();
    let outgoing = ["outgoing-handler", "types", "client"];
    match (h.namespace.as_str(), h.package.as_str()) {
        ("wasi", "config") | ("wasi", "logging") => None,
        ("wasi", "http") if h.interfaces.iter().all(|i| outgoing.contains(&i.as_str())) => None,
        ("wasi", "http") => Some((
            format!(
                "{id} {}: outrigger has no HTTP ingress of its own yet; this entry is ignored",
                h.interfaces.join(", ")
            ),
            "serve HTTP from a service (see examples/mcp-http.yaml), or call the component with `outrigger call`",
        )),
        // Served by a service outrigger adds (provided.rs).
        ("wasmcloud", "messaging") | ("wasi", "messaging") | ("wasi", "otel") => None,
        _ => Some((
            format!("{id} is not served by outrigger; this entry is ignored"),
            "a component that imports it will fail to link, naming the import; provide it from a workload member",
        )),
    }
}

/// The `wasi:config` entries' `config`, merged in order: what every member's
/// `config` is laid over.
pub fn shared_config(list: &[HostInterface]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for h in list.iter().filter(|h| h.is("wasi", "config")) {
        out.extend(h.config.iter().map(|(k, v)| (k.clone(), v.0.clone())));
    }
    out
}

fn valid_word(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn valid_entry_name(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hi(ns: &str, pkg: &str, ifaces: &[&str]) -> HostInterface {
        HostInterface {
            namespace: ns.into(),
            package: pkg.into(),
            interfaces: ifaces.iter().map(|s| s.to_string()).collect(),
            ..HostInterface::default()
        }
    }

    #[test]
    fn served_interfaces_pass_quietly() {
        let list = [
            hi("wasi", "config", &["store"]),
            hi("wasi", "logging", &["logging"]),
            hi("wasi", "http", &["outgoing-handler"]),
        ];
        let c = check(&list, "spec");
        assert!(c.problems.is_empty() && c.warnings.is_empty(), "{c:?}");
    }

    #[test]
    fn unserved_ones_are_warned_and_service_served_ones_pass() {
        let list = [
            hi("wasmcloud", "messaging", &["handler", "consumer"]),
            hi("wasi", "otel", &["tracing"]),
            hi("wasi", "http", &["incoming-handler"]),
            hi("wasi", "keyvalue", &["store"]),
        ];
        let c = check(&list, "spec.template.spec");
        assert!(c.problems.is_empty(), "{c:?}");
        // Messaging and otel are served by services outrigger adds (provided.rs).
        let w: Vec<&str> = c.warnings.iter().map(|w| w.what.as_str()).collect();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("no HTTP ingress"), "{w:?}");
        assert!(w[1].contains("wasi:keyvalue is not served"), "{w:?}");
        assert_eq!(c.warnings[1].at, "spec.template.spec.hostInterfaces[3]");
    }

    #[test]
    fn bad_entries_are_problems() {
        let mut named = hi("wasi", "config", &["store"]);
        named.name = Some("Bad_Name".into());
        let list = [hi("wasi", "config", &["store"]), hi("wasi", "config", &["store"]), hi("wasi", "", &[]), named];
        let c = check(&list, "spec");
        let at: Vec<&str> = c.problems.iter().map(|p| p.at.as_str()).collect();
        assert_eq!(
            at,
            [
                "spec.hostInterfaces[1]",
                "spec.hostInterfaces[2].package",
                "spec.hostInterfaces[2].interfaces",
                "spec.hostInterfaces[3].name"
            ]
        );
    }

    #[test]
    fn config_entries_merge_in_order() {
        let mut a = hi("wasi", "config", &["store"]);
        a.config.insert("k".into(), Text("1".into()));
        a.config.insert("only-a".into(), Text("a".into()));
        let mut b = hi("wasi", "config", &["store"]);
        b.name = Some("second".into());
        b.config.insert("k".into(), Text("2".into()));
        let shared = shared_config(&[a, b, hi("wasi", "http", &["types"])]);
        assert_eq!(shared.get("k").map(String::as_str), Some("2"));
        assert_eq!(shared.get("only-a").map(String::as_str), Some("a"));
    }
}
