//! One wasmCloud workload document, lowered to outrigger's [`Manifest`]: field by
//! field, with the meaning wasmCloud gives each (docs/wasmcloud-workload.md has the
//! table and the sources). What only the Kubernetes operator can resolve is a
//! problem saying what to do instead; what outrigger accepts without honouring it
//! yet, and keys nobody knows, are warnings.
use super::read::{Obj, Report, join};
use crate::manifest::{
    Entry, Ephemeral, Format, HostInterface, HostPath, Manifest, Metadata, Spec, Volume, VolumeMount, hosts,
};
use serde_norway::Value;
use std::path::Path;

/// Kubernetes `ObjectMeta` keys besides `name` and `annotations`: bookkeeping.
const OBJECT_META: &[&str] = &[
    "namespace",
    "labels",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "ownerReferences",
    "finalizers",
    "generateName",
    "selfLink",
];

const PULL_POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];

/// Lowers `doc` (a mapping) of the given kind; problems and warnings go to `r`.
pub(super) fn lower(doc: &Value, kind: &'static str, path: &Path, r: &mut Report) -> Manifest {
    let mut top = Obj::new(doc, "", r).unwrap_or_else(|| Obj::empty(""));
    top.ignore(&["apiVersion", "kind", "status"]);
    let mut meta = top.obj("metadata", r).unwrap_or_else(|| Obj::empty("metadata"));
    let mut metadata = Metadata { name: meta.required("name", r), annotations: meta.texts("annotations", r) };
    meta.ignore(OBJECT_META);
    meta.finish(r);
    let mut spec = Spec::default();
    let mut s = top.obj("spec", r).unwrap_or_else(|| Obj::empty("spec"));
    if kind == "Workload" {
        workload_spec(&mut s, &mut spec, &metadata.name, r);
    } else {
        replicated(&mut s, &mut spec, &mut metadata, r);
    }
    s.finish(r);
    top.finish(r);
    Manifest {
        api_version: None,
        kind: None,
        metadata,
        spec,
        source: path.to_path_buf(),
        format: Format::WasmCloud(kind),
        warnings: Vec::new(),
        provided: Vec::new(),
    }
}

/// The `spec` of a `WorkloadDeployment` or `WorkloadReplicaSet`.
fn replicated(s: &mut Obj<'_>, spec: &mut Spec, metadata: &mut Metadata, r: &mut Report) {
    let at = join(&s.at, "replicas");
    match s.count("replicas", r) {
        None | Some(1) => {}
        Some(0) => {
            r.problem(&at, "replicas: 0 asks for no running copy", "set replicas: 1 (or remove it) to run the workload")
        }
        Some(n) => r.problem(
            &at,
            format!(
                "replicas: {n} asks the wasmCloud operator for {n} copies on several hosts; one outrigger runs one copy"
            ),
            "set replicas: 1 and start one outrigger per copy (hosts sharing the work over NATS: issue 9 item 4)",
        ),
    }
    if let Some(at) = s.has("deployPolicy") {
        r.warn(&at, "deployPolicy tells the wasmCloud operator how to replace replicas: ignored", "nothing to do");
    }
    if let Some(at) = s.has("artifacts") {
        r.warn(
            &at,
            "artifacts are resolved by the wasmCloud operator: ignored",
            "an `artifact://` image is refused; give the .wasm file's path as the image",
        );
    }
    kubernetes(s, r);
    let Some(mut template) = s.obj("template", r) else {
        r.problem(&join(&s.at, "template"), "`template` is missing", "add template: { spec: { components: [...] } }");
        return;
    };
    metadata.annotations.extend(template.texts("annotations", r));
    template.ignore(&["labels"]);
    match template.obj("spec", r) {
        Some(mut inner) => {
            workload_spec(&mut inner, spec, &metadata.name, r);
            inner.finish(r);
        }
        None => r.problem(&join(&template.at, "spec"), "`spec` is missing", "add the workload under template.spec"),
    }
    template.finish(r);
}

fn kubernetes(s: &mut Obj<'_>, r: &mut Report) {
    if let Some(at) = s.has("kubernetes") {
        r.warn(&at, "outrigger manages no Kubernetes Service endpoints: ignored", "nothing to do");
    }
}

/// A `WorkloadSpec`.
fn workload_spec(s: &mut Obj<'_>, spec: &mut Spec, workload: &str, r: &mut Report) {
    for (key, what) in [
        ("hostSelector", "picks the wasmCloud hosts that may run this workload"),
        ("hostId", "pins this workload to one wasmCloud host"),
        ("environment", "limits this workload to the wasmCloud hosts of one environment"),
    ] {
        // Scheduling hints: wasmCloud's own samples set `hostSelector`, so a
        // workload file must run with them unedited; on one machine they mean nothing.
        if let Some(at) = s.has(key) {
            r.warn(
                &at,
                format!("`{key}` {what}, which only the wasmCloud operator does: ignored"),
                "nothing to do: outrigger runs the workload on the machine it is started on",
            );
        }
    }
    kubernetes(s, r);
    for (v, at) in s.list("components", r) {
        if let Some(mut o) = Obj::new(v, &at, r) {
            spec.components.push(component(&mut o, r));
            o.finish(r);
        }
    }
    for (v, at) in s.list("hostInterfaces", r) {
        if let Some(mut o) = Obj::new(v, &at, r) {
            spec.host_interfaces.push(host_interface(&mut o, r));
            o.finish(r);
        }
    }
    for (v, at) in s.list("volumes", r) {
        if let Some(mut o) = Obj::new(v, &at, r) {
            spec.volumes.push(volume(&mut o, r));
            o.finish(r);
        }
    }
    if let Some(mut o) = s.obj("service", r) {
        let mut service = Entry { max_restarts: Some(o.count("maxRestarts", r).unwrap_or(0)), ..Entry::default() };
        image(&mut o, &mut service, r);
        local_resources(&mut o, &mut service, r);
        o.finish(r);
        let taken = |n: &str| spec.components.iter().any(|c| c.name == n);
        service.name = if taken("service") { format!("{workload}-service") } else { "service".to_string() };
        spec.services.push(service);
    }
}

/// A `WorkloadComponent`.
fn component(o: &mut Obj<'_>, r: &mut Report) -> Entry {
    let mut e = Entry { name: o.required("name", r), ..Entry::default() };
    image(o, &mut e, r);
    // Warm instances, same names and meaning (manifest/warm.rs).
    e.pool_size = o.count("poolSize", r);
    e.max_invocations = o.count("maxInvocations", r);
    e.max_concurrency = o.count("maxConcurrency", r);
    local_resources(o, &mut e, r);
    e
}

/// `image`, `imagePullPolicy`, `imagePullSecret`.
fn image(o: &mut Obj<'_>, e: &mut Entry, r: &mut Report) {
    let image = o.required("image", r);
    e.component = match image.strip_prefix("artifact://") {
        Some(name) => {
            r.problem(
                &join(&o.at, "image"),
                format!("`{image}` names the artifact `{name}`, which only the wasmCloud operator resolves"),
                "give the artifact's OCI reference (registry/repository:tag) or the path of the .wasm file instead",
            );
            image.clone()
        }
        None => image.strip_prefix("file://").unwrap_or(&image).to_string(),
    };
    if let Some(at) = o.has("imagePullSecret") {
        r.problem(
            &at,
            "imagePullSecret names a Kubernetes Secret, which only the wasmCloud operator reads",
            "remove it: outrigger reads registry credentials from the docker config file ($DOCKER_CONFIG/config.json, ~/.docker/config.json: docker login)",
        );
    }
    let at = join(&o.at, "imagePullPolicy");
    // Same meaning in our format (`pullPolicy`); a local file makes it moot (warned
    // by validation).
    use crate::oci::PullPolicy;
    match o.text("imagePullPolicy", r) {
        Some(p) if PULL_POLICIES.contains(&p.as_str()) => {
            e.pull_policy = Some(match p.as_str() {
                "Always" => PullPolicy::Always,
                "Never" => PullPolicy::Never,
                _ => PullPolicy::IfNotPresent,
            })
        }
        Some(p) => r.problem(&at, format!("`{p}` is not a pull policy"), "write Always, IfNotPresent or Never"),
        None => {}
    }
}

/// `localResources` of a component or the service. Absent fields keep wasmCloud's
/// defaults: no sockets, no name lookups, no mounts.
fn local_resources(o: &mut Obj<'_>, e: &mut Entry, r: &mut Report) {
    e.allowed_ip_name_lookups = Some(Vec::new());
    let Some(mut lr) = o.obj("localResources", r) else { return };
    if let Some(mut env) = lr.obj("environment", r) {
        e.env = env.texts("config", r);
        operator_only(&mut env, "environment.config", r);
        env.finish(r);
    }
    e.config = lr.texts("config", r);
    e.allowed_hosts = lr.strings("allowedHosts", r);
    e.allowed_ip_name_lookups = Some(lr.strings("allowedIpNameLookups", r));
    let at = join(&lr.at, "allowedHostLoopbackPorts");
    let ports = lr.strings("allowedHostLoopbackPorts", r);
    for (i, p) in ports.iter().enumerate() {
        if let Err(err) = hosts::check_loopback_port(p) {
            r.problem(&format!("{at}[{i}]"), err, "write 5432, 5432/tcp or 53/udp");
        }
    }
    if let Some(first) = ports.first() {
        let port = first.split('/').next().unwrap_or(first);
        r.warn(
            &at,
            "outrigger has no host.wasmcloud.internal: these ports stay closed, as on a wasmCloud host started without --allow-host-loopback",
            format!("to reach a port of this machine, list it in allowedHosts (e.g. 127.0.0.1:{port})"),
        );
    }
    for (v, at) in lr.list("volumeMounts", r) {
        if let Some(mut m) = Obj::new(v, &at, r) {
            let (name, mount_path) = (m.required("name", r), m.required("mountPath", r));
            // wasmCloud mounts read-write unless `readOnly: true`.
            let read_only = Some(m.bool("readOnly", r).unwrap_or(false));
            e.volume_mounts.push(VolumeMount { name, mount_path, read_only });
            m.finish(r);
        }
    }
    lr.finish(r);
}

/// `configFrom` / `secretFrom` of a config layer: Kubernetes objects.
fn operator_only(o: &mut Obj<'_>, config: &str, r: &mut Report) {
    for (key, objects) in [("configFrom", "ConfigMaps"), ("secretFrom", "Secrets")] {
        if let Some(at) = o.has(key) {
            r.problem(
                &at,
                format!("{key} names Kubernetes {objects}, which only the wasmCloud operator reads"),
                format!("copy the values under `{config}` instead and remove {key}"),
            );
        }
    }
}

/// A `HostInterface`.
fn host_interface(o: &mut Obj<'_>, r: &mut Report) -> HostInterface {
    let h = HostInterface {
        namespace: o.required("namespace", r),
        package: o.required("package", r),
        interfaces: o.strings("interfaces", r),
        version: o.text("version", r),
        name: o.text("name", r),
        config: o.texts("config", r),
    };
    operator_only(o, "config", r);
    h
}

/// A `Volume`: `hostPath.path` or `ephemeral: {}`.
fn volume(o: &mut Obj<'_>, r: &mut Report) -> Volume {
    let name = o.required("name", r);
    let host_path = o.obj("hostPath", r).map(|mut h| {
        let path = h.required("path", r);
        h.finish(r);
        HostPath { path }
    });
    let ephemeral = o.obj("ephemeral", r).map(|e| {
        e.finish(r);
        Ephemeral {}
    });
    Volume { name, host_path, ephemeral }
}
