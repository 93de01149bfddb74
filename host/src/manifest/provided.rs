//! Host interfaces served by outrigger's own service components: a workload that
//! asks for `wasmcloud:messaging` / `wasi:messaging` gets the nats-bridge service,
//! one that asks for `wasi:otel` gets the otel-sidecar, the way a wasmCloud host
//! answers the same `hostInterfaces` with its built-in plugins. The added service is
//! configured as those plugins read their settings: from the host's environment
//! (`NATS_*`, `OTEL_*`, inherited) and from the host interface's `config`
//! (messaging: `subscriptions`, `consumer_group`, `broadcast`, `max_in_flight` go
//! to the handler components that set none of their own, see
//! [`handler_defaults`]; `url` / `cluster_uris` become `NATS_URL`).
//!
//! A workload that lists its own bridge or sidecar service keeps it: nothing is
//! added. The services ship beside the binary (see [`services_dir`]).
use super::host_interfaces::HostInterface;
use super::units::Text;
use super::{Entry, Manifest, Problem};
use std::path::{Path, PathBuf};

/// A service added for a host interface, and why (shown by `validate`, `run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provided {
    /// The service's name in the workload.
    pub service: String,
    /// The host interface it serves, as written (`wasmcloud:messaging@0.2.0`).
    pub interface: String,
    /// Where the workload asks for it (`spec.hostInterfaces[0]`).
    pub at: String,
}

struct Kind {
    service: &'static str,
    file: &'static str,
    inherit: &'static str,
}

const BRIDGE: Kind = Kind { service: "nats-bridge", file: "nats_bridge_service.wasm", inherit: "NATS_*" };
const SIDECAR: Kind = Kind { service: "otel-sidecar", file: "otel_sidecar_service.wasm", inherit: "OTEL_*" };

/// Which service serves `h`, if one of ours does.
fn kind(h: &HostInterface) -> Option<&'static Kind> {
    match (h.namespace.as_str(), h.package.as_str()) {
        ("wasmcloud" | "wasi", "messaging") => Some(&BRIDGE),
        ("wasi", "otel") => Some(&SIDECAR),
        _ => None,
    }
}

/// Whether the host interface is served by a service outrigger adds.
pub fn served_by_service(h: &HostInterface) -> bool {
    kind(h).is_some()
}

/// Where the shipped services are: `$OUTRIGGER_SERVICES_DIR`, else `services/` or
/// `../wasm/` beside the binary (an installed layout, and `target/release/` next to
/// `target/wasm/` in a checkout), else this checkout's `target/wasm/`.
pub fn services_dir(file: &str) -> Result<PathBuf, String> {
    let mut tried: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("OUTRIGGER_SERVICES_DIR") {
        tried.push(PathBuf::from(d));
    }
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        tried.push(exe_dir.join("services"));
        tried.push(exe_dir.join("../wasm"));
        tried.push(exe_dir.join("../../wasm"));
    }
    tried.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm"));
    for d in &tried {
        let f = d.join(file);
        if f.is_file() {
            return Ok(f.canonicalize().unwrap_or(f));
        }
    }
    let list: Vec<String> = tried.iter().map(|d| d.display().to_string()).collect();
    Err(format!("{file} is in none of: {}", list.join(", ")))
}

/// `host:port` of every URL in a comma-separated list (`nats://a:4222,tls://b`).
fn hosts_of(urls: &str, default_port: u16) -> Vec<String> {
    urls.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            let (scheme, rest) = u.split_once("://").unwrap_or(("", u));
            let default_port = match scheme {
                "https" => 443,
                "http" => 80,
                _ => default_port,
            };
            let hostport = rest.split(['/', '?']).next().unwrap_or(rest);
            let hostport = hostport.rsplit_once('@').map(|(_, h)| h).unwrap_or(hostport);
            if hostport.starts_with('[') || hostport.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
                hostport.to_string()
            } else {
                format!("{hostport}:{default_port}")
            }
        })
        .collect()
}

/// The added service's entry.
fn entry(kind: &Kind, h: &HostInterface, workload: &str, component: PathBuf) -> Entry {
    let config = |k: &str| h.config.get(k).map(|t| t.0.clone());
    let mut env = std::collections::BTreeMap::new();
    let allowed_hosts = if kind.service == BRIDGE.service {
        let url = config("url").or_else(|| config("cluster_uris"));
        if let Some(u) = &url {
            env.insert("NATS_URL".to_string(), Text(u.clone()));
        }
        let url = url.or_else(|| std::env::var("NATS_URL").ok()).unwrap_or_else(|| "nats://127.0.0.1:4222".into());
        hosts_of(&url, 4222)
    } else {
        if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
            env.insert("OTEL_SERVICE_NAME".to_string(), Text(workload.to_string()));
        }
        let endpoint = [
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .collect::<Vec<_>>()
        .join(",");
        if endpoint.is_empty() {
            vec!["127.0.0.1:4317".into(), "127.0.0.1:4318".into(), "localhost:4317".into(), "localhost:4318".into()]
        } else {
            hosts_of(&endpoint, 4318)
        }
    };
    Entry {
        name: kind.service.to_string(),
        component: component.display().to_string(),
        env,
        inherit_env: vec![kind.inherit.to_string()],
        allowed_hosts,
        ..Entry::default()
    }
}

/// Adds the services the workload's host interfaces need and it does not list
/// itself. Problems: a service file that cannot be found, a name already taken.
pub fn add_services(manifest: &mut Manifest, spec_path: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut added: Vec<(Entry, Provided)> = Vec::new();
    for (i, h) in manifest.spec.host_interfaces.iter().enumerate() {
        let Some(kind) = kind(h) else { continue };
        let at = format!("{spec_path}.hostInterfaces[{i}]");
        let listed = manifest.spec.services.iter().any(|s| s.component.ends_with(kind.file));
        if listed || added.iter().any(|(e, _)| e.name == kind.service) {
            continue;
        }
        if manifest.members().any(|(_, e)| e.name == kind.service) {
            problems.push(Problem {
                at: at.clone(),
                what: format!(
                    "{} is served by the {} service, but a member already has that name",
                    h.package_id(),
                    kind.service
                ),
                fix: format!(
                    "rename your member `{}`, or list the {} service yourself under spec.services",
                    kind.service, kind.service
                ),
            });
            continue;
        }
        match services_dir(kind.file) {
            Ok(path) => {
                let provided = Provided { service: kind.service.into(), interface: h.package_id(), at };
                added.push((entry(kind, h, manifest.name(), path), provided));
            }
            Err(why) => problems.push(Problem {
                at,
                what: format!("{} is served by outrigger's {} service, but {why}", h.package_id(), kind.service),
                fix: "build it (scripts/build-guests.sh), or set OUTRIGGER_SERVICES_DIR to the folder holding it"
                    .into(),
            }),
        }
    }
    for (e, p) in added {
        tracing::info!(service = %p.service, file = %e.component, "service added: the workload asks for {} ({})", p.interface, p.at);
        manifest.spec.services.push(e);
        manifest.provided.push(p);
    }
    problems
}

/// Messaging settings of the host interfaces, for handler components that set no
/// `subscriptions` of their own (wasmCloud puts them on the host interface).
pub fn handler_defaults(list: &[HostInterface]) -> Vec<(String, String)> {
    const KEYS: [&str; 4] = ["subscriptions", "consumer_group", "broadcast", "max_in_flight"];
    list.iter()
        .filter(|h| kind(h).is_some_and(|k| k.service == BRIDGE.service))
        .flat_map(|h| KEYS.iter().filter_map(|k| h.config.get(*k).map(|v| (k.to_string(), v.0.clone()))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(hosts_of("nats://a:4222, tls://user:pw@b , c", 4222), vec!["a:4222", "b:4222", "c:4222"]);
        assert_eq!(hosts_of("http://collector:4318/v1/traces", 4318), vec!["collector:4318"]);
        assert_eq!(hosts_of("https://otel.example.com", 4318), vec!["otel.example.com:443"]);
        assert_eq!(hosts_of("127.0.0.1", 4318), vec!["127.0.0.1:4318"]);
    }
}
