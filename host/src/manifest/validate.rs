//! Manifest validation: turns every problem into one [`Problem`] that names the file,
//! the field (`spec.services[0].maxRestarts`), what is wrong and how to fix it.
//! All problems are collected, so a user fixes a manifest in one round.
use super::hosts::Rule;
use super::{API_VERSION, Entry, MAX_MEMORY, Manifest, Role, Stdio};
use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: a field path such as `spec.services[0].component`, or `line 3, column 5`.
    pub at: String,
    /// What is wrong.
    pub what: String,
    /// How to fix it.
    pub fix: String,
}

/// A manifest that cannot be used, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ManifestError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl ManifestError {
    pub(crate) fn one(file: &Path, at: &str, what: impl Into<String>, fix: impl Into<String>) -> Self {
        ManifestError {
            file: file.to_path_buf(),
            problems: vec![Problem { at: at.to_string(), what: what.into(), fix: fix.into() }],
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "{}: {n} problem{} in this workload manifest", self.file.display(), if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            let at = if p.at.is_empty() { String::new() } else { format!("{}: ", p.at) };
            write!(f, "\n  - {at}{}\n    fix: {}", p.what, p.fix)?;
        }
        Ok(())
    }
}

/// Converts a YAML/serde error into a problem with its location and a hint.
pub(super) fn from_yaml_error(file: &Path, err: &serde_norway::Error) -> ManifestError {
    let msg = err.to_string();
    // serde_norway appends " at line L column C"; we report the location separately.
    let (what, at) = match (msg.rfind(" at line "), err.location()) {
        (Some(i), Some(loc)) => (msg[..i].to_string(), format!("line {}, column {}", loc.line(), loc.column())),
        (None, Some(loc)) => (msg.clone(), format!("line {}, column {}", loc.line(), loc.column())),
        _ => (msg.clone(), String::new()),
    };
    let fix = if let Some(hint) = unknown_field_hint(&what) {
        hint
    } else if what.contains("missing field") {
        "add the field; see examples/*.yaml for complete manifests".to_string()
    } else if what.contains("invalid type") {
        "give the field a value of the expected type".to_string()
    } else {
        "correct the YAML at that place; see examples/*.yaml".to_string()
    };
    ManifestError::one(file, &at, what, fix)
}

/// For "unknown field `maxRestart`, expected one of `name`, ...": suggests the closest name.
fn unknown_field_hint(msg: &str) -> Option<String> {
    let rest = msg.split("unknown field `").nth(1)?;
    let field = rest.split('`').next()?;
    let expected: Vec<&str> = rest.split("expected ").nth(1)?.split('`').skip(1).step_by(2).collect();
    let best = expected.iter().map(|c| (strsim::jaro_winkler(field, c), *c)).max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(if best.0 > 0.8 {
        format!("did you mean `{}`?", best.1)
    } else {
        format!("remove `{field}`; this place accepts: {}", expected.join(", "))
    })
}

struct Checker<'a> {
    manifest: &'a Manifest,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, at: impl Into<String>, what: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(Problem { at: at.into(), what: what.into(), fix: fix.into() });
    }
}

/// Checks everything serde cannot: names, files, permissions, limits, links.
pub(super) fn validate(m: &Manifest) -> Result<(), ManifestError> {
    let mut c = Checker { manifest: m, problems: Vec::new() };
    if let Some(v) = &m.api_version
        && v != API_VERSION
    {
        c.problem("apiVersion", format!("unknown apiVersion `{v}`"), format!("use `{API_VERSION}`"));
    }
    if let Some(k) = &m.kind
        && k != "Workload"
    {
        c.problem("kind", format!("unknown kind `{k}`"), "use `Workload`");
    }
    if !valid_name(&m.metadata.name) {
        c.problem("metadata.name", format!("`{}` is not a valid name", m.metadata.name), NAME_RULE);
    }
    if m.spec.services.is_empty() && m.spec.components.is_empty() {
        c.problem(
            "spec",
            "the workload has no services and no components",
            "add at least one entry under spec.services or spec.components",
        );
    }
    let mut seen: Vec<(&str, String)> = Vec::new();
    let mut stdio_owner: Option<String> = None;
    for (at, role, entry) in m.members_with_paths() {
        if entry.stdio == Stdio::Process {
            if role == Role::Component {
                c.problem(
                    format!("{at}.stdio"),
                    "a reactive component cannot own the process's stdin/stdout: it lives for one call",
                    "remove `stdio: process`, or give it to a service",
                );
            } else if let Some(first) = &stdio_owner {
                c.problem(
                    format!("{at}.stdio"),
                    format!("{first} already owns the process's stdin/stdout; only one service can"),
                    "keep `stdio: process` on one service only",
                );
            } else {
                stdio_owner = Some(format!("{at} (`{}`)", entry.name));
            }
        }
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == entry.name) {
            c.problem(
                format!("{at}.name"),
                format!("the name `{}` is already used by {first}", entry.name),
                "give every service and component a unique name",
            );
        } else {
            seen.push((&entry.name, at.clone()));
        }
        check_entry(&mut c, entry, role == Role::Service, &at);
    }
    check_volumes(&mut c, m);
    let names: Vec<&str> = seen.iter().map(|(n, _)| *n).collect();
    for (at, _, entry) in m.members_with_paths() {
        for (iface, provider) in &entry.links {
            if !iface.contains(':') || !iface.contains('/') {
                c.problem(
                    format!("{at}.links"),
                    format!("`{iface}` is not an interface name"),
                    "write it as namespace:package/interface, e.g. outrigger:examples/transform",
                );
            }
            if provider == &entry.name {
                c.problem(
                    format!("{at}.links.{iface}"),
                    "an entry cannot provide its own import",
                    "name another service or component",
                );
            } else if !names.contains(&provider.as_str()) {
                c.problem(
                    format!("{at}.links.{iface}"),
                    format!("there is no service or component named `{provider}`"),
                    format!("use one of: {}", names.join(", ")),
                );
            }
        }
    }
    if c.problems.is_empty() { Ok(()) } else { Err(ManifestError { file: m.source.clone(), problems: c.problems }) }
}

/// Volumes exist as folders; every mount names a volume and an absolute guest path.
fn check_volumes(c: &mut Checker<'_>, m: &Manifest) {
    for (i, v) in m.spec.volumes.iter().enumerate() {
        let at = format!("spec.volumes[{i}]");
        if m.spec.volumes[..i].iter().any(|w| w.name == v.name) {
            c.problem(format!("{at}.name"), format!("the volume name `{}` is used twice", v.name), "rename one");
        }
        let Some(host_path) = &v.host_path else {
            if v.ephemeral.is_none() {
                c.problem(
                    at,
                    format!("the volume `{}` says neither where it is nor that it is ephemeral", v.name),
                    "add hostPath: { path: some/folder } or ephemeral: {}",
                );
            }
            continue;
        };
        if v.ephemeral.is_some() {
            c.problem(at, format!("the volume `{}` has both hostPath and ephemeral", v.name), "keep one of them");
            continue;
        }
        let path = m.resolve(&host_path.path);
        if !path.is_dir() {
            c.problem(
                format!("{at}.hostPath.path"),
                format!("`{}` is not a folder (looked for {})", host_path.path, path.display()),
                "create it, or correct the path (relative to the manifest's folder)",
            );
        }
    }
    for (at, _, e) in m.members_with_paths() {
        for (j, mount) in e.volume_mounts.iter().enumerate() {
            let at = format!("{at}.volumeMounts[{j}]");
            if !m.spec.volumes.iter().any(|v| v.name == mount.name) {
                let known: Vec<&str> = m.spec.volumes.iter().map(|v| v.name.as_str()).collect();
                let fix = if known.is_empty() {
                    "declare it under spec.volumes (name + hostPath.path)".to_string()
                } else {
                    format!("use one of: {}, or declare it under spec.volumes", known.join(", "))
                };
                c.problem(format!("{at}.name"), format!("there is no volume named `{}`", mount.name), fix);
            }
            if !mount.mount_path.starts_with('/') {
                c.problem(
                    format!("{at}.mountPath"),
                    format!("`{}` is not an absolute path", mount.mount_path),
                    "give the path the guest opens files under, e.g. /etc/nats",
                );
            }
        }
    }
}

const NAME_RULE: &str = "use lowercase letters, digits and `-` (not first or last), at most 63 characters";

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 63
        && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !n.starts_with('-')
        && !n.ends_with('-')
}

fn check_entry(c: &mut Checker<'_>, e: &Entry, service: bool, at: &str) {
    c.problems.extend(super::warm::problems(e, service, at));
    if !valid_name(&e.name) {
        c.problem(format!("{at}.name"), format!("`{}` is not a valid name", e.name), NAME_RULE);
    }
    check_component_path(c, e, at);
    for (i, h) in e.allowed_hosts.iter().enumerate() {
        if let Err(err) = Rule::parse(h) {
            c.problem(
                format!("{at}.allowedHosts[{i}]"),
                err,
                "write host:port, host, ip/prefix:port, *:port, *, scheme://host[:port] or *.suffix[:port]",
            );
        }
    }
    for (i, n) in e.allowed_ip_name_lookups.iter().flatten().enumerate() {
        if let Err(err) = super::hosts::check_lookup_name(n) {
            c.problem(
                format!("{at}.allowedIpNameLookups[{i}]"),
                err,
                "write *, *.suffix, a host name or an IP address",
            );
        }
    }
    for key in e.env.keys() {
        if key.is_empty() || key.contains('=') {
            c.problem(format!("{at}.env"), format!("`{key}` is not a valid variable name"), "use a name without `=`");
        }
    }
    let memory = e.limits.memory.map(|m| m.0);
    if let Some(m) = memory {
        if m < (1 << 20) {
            c.problem(
                format!("{at}.limits.memory"),
                format!("{m} bytes is too little memory for any component"),
                "give at least 1MiB (components usually need 2MiB+)",
            );
        } else if m > MAX_MEMORY {
            c.problem(
                format!("{at}.limits.memory"),
                format!("{} exceeds the host's per-instance maximum", super::Size(m)),
                format!("use at most {}", super::Size(MAX_MEMORY)),
            );
        }
    }
    if service {
        if e.limits.timeout.is_some() {
            c.problem(
                format!("{at}.limits.timeout"),
                "a service's `run` lasts its whole life, so it has no per-call time limit",
                "remove it; to bound how long callers wait, set calls.timeout",
            );
        }
        let b = e.backoff();
        if b.multiplier < 1.0 || !b.multiplier.is_finite() {
            c.problem(
                format!("{at}.backoff.multiplier"),
                format!("{} would shrink the delay between restarts", b.multiplier),
                "use a number >= 1.0 (2.0 doubles the delay each time)",
            );
        }
        if b.initial.0 > b.max.0 {
            c.problem(
                format!("{at}.backoff"),
                format!("initial ({}) is larger than max ({})", b.initial, b.max),
                "make initial <= max",
            );
        }
        let calls = e.calls();
        if calls.queue == 0 || calls.max_in_flight == 0 {
            c.problem(
                format!("{at}.calls"),
                "queue and maxInFlight must be at least 1",
                "use e.g. queue: 1024, maxInFlight: 1024",
            );
        }
        if calls.timeout.0.is_zero() {
            c.problem(format!("{at}.calls.timeout"), "a zero timeout fails every call", "use e.g. 30s");
        }
    } else {
        for (field, set) in
            [("maxRestarts", e.max_restarts.is_some()), ("backoff", e.backoff.is_some()), ("calls", e.calls.is_some())]
        {
            if set {
                c.problem(
                    format!("{at}.{field}"),
                    format!("`{field}` only applies to services; reactive components get a fresh instance per call"),
                    "remove it, or move this entry under spec.services if it is a long-running service",
                );
            }
        }
        if e.limits.timeout.is_some_and(|t| t.0.is_zero()) {
            c.problem(format!("{at}.limits.timeout"), "a zero timeout fails every call", "use e.g. 10s");
        }
    }
}

fn check_component_path(c: &mut Checker<'_>, e: &Entry, at: &str) {
    let field = format!("{at}.component");
    let p = e.component.trim();
    if p.is_empty() {
        c.problem(field, "no component given", "give the path of a .wasm file, relative to this manifest");
        return;
    }
    let path = c.manifest.resolve(p);
    let found = std::fs::metadata(&path);
    if found.is_err() && looks_like_oci(p) {
        // Pulled when the workload starts (crate::oci); only its shape is checked here.
        if let Err(why) = crate::oci::OciRef::parse(p) {
            c.problem(
                field,
                why,
                "write registry/repository:tag or registry/repository@sha256:<64 hex digits>, or a .wasm path",
            );
        }
        return;
    }
    match found {
        Ok(md) if md.is_file() => {}
        Ok(_) => c.problem(field, format!("`{}` is not a file", path.display()), "give the path of a .wasm file"),
        Err(_) => {
            let hint = if p.contains("target/wasm/") {
                "build the example components first: scripts/build-guests.sh"
            } else {
                "correct the path (it is relative to the manifest's folder)"
            };
            c.problem(field, format!("`{p}` does not exist (looked for {})", path.display()), hint)
        }
    }
}

/// `ghcr.io/org/thing:1.0`, `localhost:5000/thing:1`, `org/thing@sha256:...` style
/// references (only asked about names that are not an existing file).
fn looks_like_oci(p: &str) -> bool {
    crate::oci::looks_like_reference(p)
}

/// What is accepted but not honoured as written (logged when the manifest loads).
pub(super) fn warnings(m: &Manifest) -> Vec<Problem> {
    let mut out = Vec::new();
    for (at, role, e) in m.members_with_paths() {
        out.extend(super::warm::warnings(e, role == Role::Service, &at));
        if let Some(policy) = e.pull_policy
            && !crate::oci::is_oci_source(&m.base_dir(), &e.component)
        {
            out.push(Problem {
                at: format!("{at}.pullPolicy"),
                what: format!("pullPolicy: {policy} has no effect: the component is a local file"),
                fix: "remove it, or give an OCI reference (registry/repository:tag)".to_string(),
            });
        }
        if e.allowed_ip_name_lookups.iter().flatten().any(|n| n.trim() != "*") {
            out.push(Problem {
                at: format!("{at}.allowedIpNameLookups"),
                what: "the host cannot limit name lookups to the names listed yet: every name can be resolved"
                    .to_string(),
                fix: "connections are still limited by allowedHosts; use [\"*\"] to say so, or [] to deny lookups"
                    .to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::looks_like_oci;

    #[test]
    fn oci_references_are_told_from_paths() {
        for oci in
            ["ghcr.io/org/thing:1.0", "localhost:5000/thing:1", "org/thing@sha256:abcd", "org/thing:1", "oci.io/x"]
        {
            assert!(looks_like_oci(oci), "{oci}");
        }
        for path in ["build/thing.wasm", "./org/thing:1", "/abs/thing", "thing", "target/wasm/upper"] {
            assert!(!looks_like_oci(path), "{path}");
        }
    }
}
