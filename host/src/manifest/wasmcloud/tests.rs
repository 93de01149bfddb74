//! The wasmCloud reader on realistic documents: what each field becomes, each
//! refusal's message, and the warnings (unknown keys with their paths).
use super::source_path;
use crate::manifest::{Format, Manifest, ManifestError, Problem};
use std::path::PathBuf;

/// A temp folder with `app.wasm`, `svc.wasm` and a `data/` folder, and `text`
/// written to `workload.yaml` in it.
struct Files {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn files(text: &str) -> Files {
    let dir = tempfile::tempdir().unwrap();
    for f in ["app.wasm", "svc.wasm"] {
        std::fs::write(dir.path().join(f), b"not read by parsing").unwrap();
    }
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let path = dir.path().join("workload.yaml");
    std::fs::write(&path, text).unwrap();
    Files { _dir: dir, path }
}

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    let f = files(text);
    Manifest::load(&f.path)
}

fn problems(text: &str) -> Vec<Problem> {
    match parse(text) {
        Ok(_) => panic!("expected problems"),
        Err(e) => e.problems,
    }
}

fn at_what(ps: &[Problem]) -> Vec<(String, String)> {
    ps.iter().map(|p| (p.at.clone(), p.what.clone())).collect()
}

const FULL: &str = r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: shop
  namespace: default
  labels: { team: a }
  annotations: { owner: me }
spec:
  hostInterfaces:
    - namespace: wasi
      package: config
      interfaces: [store]
      config: { region: eu, level: from-interface }
    - { namespace: wasi, package: http, interfaces: [outgoing-handler] }
    - namespace: wasmcloud
      package: messaging
      version: 0.2.0
      interfaces: [handler, consumer]
      config: { subscriptions: "orders.>" }
  volumes:
    - name: data
      hostPath: { path: data }
    - name: tmp
      ephemeral: {}
  components:
    - name: app
      image: file://app.wasm
      imagePullPolicy: IfNotPresent
      poolSize: 4
      maxInvocations: 100
      maxConcurrency: 2
      localResources:
        environment:
          config: { LOG: debug, PORT: 8080 }
        config: { level: from-component }
        allowedHosts: ["*.example.com", "https://api.example.org", "db.local:5432", "10.0.0.1"]
        allowedIpNameLookups: ["*"]
        allowedHostLoopbackPorts: ["5432", "53/udp"]
        volumeMounts:
          - { name: data, mountPath: /data, readOnly: true }
          - { name: tmp, mountPath: /tmp }
  service:
    image: svc.wasm
    maxRestarts: 3
    localResources:
      allowedHosts: ["127.0.0.1:4222"]
"#;

#[test]
fn a_full_workload_lowers_field_by_field() {
    let m = parse(FULL).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.format, Format::WasmCloud("Workload"));
    assert_eq!(m.name(), "shop");
    assert_eq!(m.metadata.annotations.get("owner").map(|t| t.0.as_str()), Some("me"));

    let app = &m.spec.components[0];
    assert_eq!((app.name.as_str(), app.component.as_str()), ("app", "app.wasm"));
    assert_eq!(app.env_pairs(), [("LOG".to_string(), "debug".to_string()), ("PORT".into(), "8080".into())]);
    // The component's own config wins over the wasi:config interface's.
    let config: Vec<(String, String)> = app.config_pairs();
    assert!(config.contains(&("level".into(), "from-component".into())), "{config:?}");
    assert!(config.contains(&("region".into(), "eu".into())), "{config:?}");
    assert_eq!(app.allowed_hosts, ["*.example.com", "https://api.example.org", "db.local:5432", "10.0.0.1"]);
    assert_eq!(app.ip_name_lookups(), Some(true));
    let mounts = app.mounts(&m, &[("tmp".into(), PathBuf::from("/scratch"))]);
    assert_eq!(mounts[0].1, "/data");
    assert!(mounts[0].2, "readOnly: true");
    assert_eq!(
        mounts[1],
        (PathBuf::from("/scratch"), "/tmp".to_string(), false),
        "wasmCloud mounts read-write by default"
    );

    let svc = &m.spec.services[0];
    assert_eq!((svc.name.as_str(), svc.component.as_str(), svc.max_restarts()), ("service", "svc.wasm", 3));
    assert_eq!(svc.allowed_hosts, ["127.0.0.1:4222"]);
    assert_eq!(svc.ip_name_lookups(), Some(false), "absent allowedIpNameLookups denies lookups, as in wasmCloud");
    assert_eq!(
        svc.config_pairs(),
        [("level".to_string(), "from-interface".to_string()), ("region".into(), "eu".into())]
    );

    assert_eq!(m.spec.host_interfaces.len(), 3);
    assert_eq!(m.spec.host_interfaces[2].package_id(), "wasmcloud:messaging@0.2.0");
    assert!(m.spec.volumes[1].ephemeral.is_some() && m.spec.volumes[1].host_path.is_none());

    let warned: Vec<&str> = m.warnings.iter().map(|w| w.at.as_str()).collect();
    let c = "spec.components[0]";
    for at in [format!("{c}.imagePullPolicy"), format!("{c}.localResources.allowedHostLoopbackPorts")] {
        assert!(warned.contains(&at.as_str()), "no warning at {at}: {warned:?}");
    }
    // The messaging host interface gets the nats-bridge service (provided.rs).
    assert!(
        m.provided.iter().any(|p| p.service == "nats-bridge" && p.at == "spec.hostInterfaces[2]"),
        "{:?}",
        m.provided
    );
    // Warm instances are honoured, with wasmCloud's meaning (manifest/warm.rs).
    let pool_fields = ["poolSize", "maxInvocations", "maxConcurrency"];
    assert!(!warned.iter().any(|at| pool_fields.iter().any(|f| at.contains(f))), "{warned:?}");
    let warm = app.warm().expect("poolSize: 4 keeps instances warm");
    assert_eq!((warm.pool_size, warm.max_invocations, warm.max_concurrency), (4, Some(100), 2));
}

#[test]
fn a_deployment_is_read_from_its_template_and_other_documents_are_skipped() {
    let text = r#"
apiVersion: v1
kind: Service
metadata: { name: hello }
spec: { type: NodePort }
---
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: { name: hello }
spec:
  replicas: 1
  deployPolicy: Recreate
  template:
    annotations: { from: template }
    labels: { app: hello }
    spec:
      components:
        - name: hello
          image: ./app.wasm
"#;
    let m = parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.format, Format::WasmCloud("WorkloadDeployment"));
    assert_eq!(m.spec.components[0].component, "./app.wasm");
    assert_eq!(m.metadata.annotations.get("from").map(|t| t.0.as_str()), Some("template"));
    assert_eq!(m.spec.components[0].max_restarts, None);
    let warned = at_what(&m.warnings);
    assert!(warned.iter().any(|(at, what)| at == "document 1" && what.contains("`Service` (v1)")), "{warned:?}");
    assert!(warned.iter().any(|(at, _)| at == "spec.deployPolicy"), "{warned:?}");
}

#[test]
fn what_only_the_operator_resolves_is_refused_one_problem_each() {
    let text = r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: { name: ops }
spec:
  replicas: 3
  template:
    spec:
      hostSelector: { hostgroup: default }
      hostId: abc
      environment: prod
      hostInterfaces:
        - namespace: wasi
          package: keyvalue
          interfaces: [store]
          secretFrom: [{ name: kv-creds }]
      components:
        - name: app
          image: artifact://app
          imagePullSecret: { name: regcred }
          localResources:
            environment:
              configFrom: [{ name: app-env }]
              secretFrom: [{ name: app-secrets }]
"#;
    let ps = problems(text);
    let got = at_what(&ps);
    let t = "spec.template.spec";
    let expect = [
        ("spec.replicas".to_string(), "3 copies"),
        (format!("{t}.components[0].image"), "`artifact://app` names the artifact `app`"),
        (format!("{t}.components[0].imagePullSecret"), "Kubernetes Secret"),
        (format!("{t}.components[0].localResources.environment.configFrom"), "Kubernetes ConfigMaps"),
        (format!("{t}.components[0].localResources.environment.secretFrom"), "Kubernetes Secrets"),
        (format!("{t}.hostInterfaces[0].secretFrom"), "Kubernetes Secrets"),
    ];
    for (at, what) in &expect {
        assert!(got.iter().any(|(a, w)| a == at && w.contains(what)), "no problem `{what}` at {at}: {got:#?}");
    }
    assert_eq!(ps.len(), expect.len(), "one problem each, nothing twice: {got:#?}");
    for p in &ps {
        assert!(!p.what.contains('\n') && !p.fix.is_empty() && !p.fix.contains('\n'), "{p:?}");
    }
}

#[test]
fn replicas_other_than_one_and_missing_parts_are_problems() {
    let ps = problems(
        "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: WorkloadDeployment\nmetadata: {}\nspec: { replicas: 0 }\n",
    );
    let got = at_what(&ps);
    assert!(got.iter().any(|(a, w)| a == "spec.replicas" && w.contains("no running copy")), "{got:?}");
    assert!(got.iter().any(|(a, w)| a == "metadata.name" && w.contains("missing")), "{got:?}");
    assert!(got.iter().any(|(a, w)| a == "spec.template" && w.contains("missing")), "{got:?}");
}

#[test]
fn unknown_keys_are_accepted_with_a_warning_naming_their_path() {
    let text = r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: { name: odd, flavour: mint }
spec:
  futureField: 1
  components:
    - name: app
      image: app.wasm
      replica: 2
      localResources:
        allowedHost: ["*"]
        memoryLimitMb: 64
        volumeMounts: []
  volumes:
    - name: v
      ephemeral: { medium: Memory }
"#;
    let m = parse(text).unwrap_or_else(|e| panic!("unknown keys must not be refused: {e}"));
    let warned = at_what(&m.warnings);
    for at in [
        "metadata.flavour",
        "spec.futureField",
        "spec.components[0].replica",
        "spec.components[0].localResources.allowedHost",
        "spec.components[0].localResources.memoryLimitMb",
        "spec.volumes[0].ephemeral.medium",
    ] {
        let w = warned.iter().find(|(a, _)| a == at).unwrap_or_else(|| panic!("no warning at {at}: {warned:#?}"));
        assert!(w.1.starts_with("unknown key `") && w.1.ends_with("`: ignored"), "{w:?}");
    }
    let typo = m.warnings.iter().find(|w| w.at.ends_with("allowedHost")).unwrap();
    assert_eq!(typo.fix, "did you mean `allowedHosts`? Otherwise remove it");
}

#[test]
fn later_problems_name_the_wasmcloud_field() {
    let text = r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: { name: paths }
spec:
  template:
    spec:
      components:
        - name: Bad_Name
          image: missing.wasm
          localResources:
            allowedHosts: ["https://api.example.com/v1"]
            allowedIpNameLookups: ["a.io:80"]
            volumeMounts: [{ name: nope, mountPath: relative }]
        - name: oci
          image: ghcr.io/wasmcloud/components/http-hello-world-rust@sha256:0123
      service:
        image: svc.wasm
        maxRestarts: -1
"#;
    let got = at_what(&problems(text));
    let c = "spec.template.spec.components";
    for (at, what) in [
        (format!("{c}[0].name"), "not a valid name"),
        (format!("{c}[0].image"), "does not exist"),
        (format!("{c}[0].localResources.allowedHosts[0]"), "a path, query or fragment"),
        (format!("{c}[0].localResources.allowedIpNameLookups[0]"), "host name only"),
        (format!("{c}[0].localResources.volumeMounts[0].name"), "no volume named `nope`"),
        (format!("{c}[0].localResources.volumeMounts[0].mountPath"), "not an absolute path"),
        (format!("{c}[1].image"), "not a valid OCI reference"),
        ("spec.template.spec.service.maxRestarts".to_string(), "out of range"),
    ] {
        assert!(got.iter().any(|(a, w)| *a == at && w.contains(what)), "no `{what}` at {at}: {got:#?}");
    }
}

#[test]
fn file_level_mistakes_are_one_problem() {
    let two = "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Workload\nmetadata: {name: a}\n---\napiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Workload\nmetadata: {name: b}\n";
    assert!(problems(two)[0].what.contains("a second workload in this file"));
    let host = "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Host\nmetadata: {name: a}\n";
    assert!(problems(host)[0].what.contains("kind `Host` is not a workload"));
    let beta = "apiVersion: runtime.wasmcloud.dev/v1beta1\nkind: Workload\nmetadata: {name: a}\n";
    assert!(problems(beta)[0].fix.contains("runtime.wasmcloud.dev/v1alpha1"));
    let wadm = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec: {components: []}\n";
    assert!(problems(wadm)[0].what.contains("wasmCloud 1 (wadm)"));
}

#[test]
fn the_service_name_avoids_a_component_named_service() {
    let text = "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Workload\nmetadata: {name: w}\nspec:\n  components: [{name: service, image: app.wasm}]\n  service: {image: svc.wasm}\n";
    let m = parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.spec.services[0].name, "w-service");
    assert_eq!(m.spec.services[0].max_restarts(), 0, "wasmCloud's default: no restarts");
}

#[test]
fn our_own_format_is_not_taken_for_wasmcloud() {
    let m = parse("metadata: { name: own }\nspec:\n  components: [{ name: a, component: app.wasm }]\n").unwrap();
    assert_eq!(m.format, Format::Outrigger);
    assert_eq!(m.spec.components[0].ip_name_lookups(), None);
}

#[test]
fn lowered_paths_map_back_to_wasmcloud_fields() {
    let t = "spec.template.spec";
    assert_eq!(source_path("spec.components[2].component", t), format!("{t}.components[2].image"));
    assert_eq!(source_path("spec.components[0].env", "spec"), "spec.components[0].localResources.environment.config");
    assert_eq!(
        source_path("spec.services[0].volumeMounts[1].name", t),
        format!("{t}.service.localResources.volumeMounts[1].name")
    );
    assert_eq!(source_path("spec.services[0].maxRestarts", t), format!("{t}.service.maxRestarts"));
    assert_eq!(source_path("spec.volumes[0].hostPath.path", t), format!("{t}.volumes[0].hostPath.path"));
    assert_eq!(source_path("spec", t), t);
    assert_eq!(source_path(&format!("{t}.hostInterfaces[0]"), t), format!("{t}.hostInterfaces[0]"));
    assert_eq!(source_path("metadata.name", t), "metadata.name");
    assert_eq!(source_path("spec.components[0].environment", "spec"), "spec.components[0].environment", "not `.env`");
}
