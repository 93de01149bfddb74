//! wasmCloud workload files (`runtime.wasmcloud.dev/v1alpha1` `Workload` and
//! `WorkloadDeployment`) through the real binary and the library: validated,
//! refused field by field with one problem each, and run (a service and a
//! component from a wasmCloud Workload answer `outrigger call`; allowedHosts in
//! wasmCloud's `scheme://host:port` form gates real outgoing HTTP; an ephemeral
//! volume lives as long as its workload).
use crate::common::{TestManifest, options, string_result};
use outrigger::{Manifest, Val, Workload};
use std::process::{Command, Output};

fn outrigger(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outrigger")).args(args).env("RUST_LOG", "warn").output().expect("run outrigger")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// The counter demo as a wasmCloud WorkloadDeployment, in a file that also holds
/// a Kubernetes Service (as wasmCloud's templates do).
const COUNTER_DEPLOYMENT: &str = r#"
apiVersion: v1
kind: Service
metadata: { name: counter }
spec: { type: NodePort, ports: [{ port: 80 }] }
---
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata:
  name: counter-wc
spec:
  replicas: 1
  template:
    spec:
      hostInterfaces:
        - namespace: wasi
          package: config
          interfaces: [store]
          config: { greeting: hello }
        - namespace: wasi
          package: logging
          version: 0.1.0-draft
          interfaces: [logging]
        - namespace: wasmcloud
          package: messaging
          version: "0.2.0"
          interfaces: [handler]
          config: { subscriptions: "counter.>" }
      components:
        - name: client
          image: file://{wasm}/counter_client.wasm
          poolSize: 2
          localResources:
            config: { mode: fast }
            shinyNewField: true
      service:
        image: "{wasm}/counter_service.wasm"
        maxRestarts: 2
        localResources:
          environment:
            config: { TICK_MS: 5 }
"#;

#[test]
fn validate_accepts_a_wasmcloud_deployment_and_says_what_it_ignores() {
    let m = TestManifest::new(COUNTER_DEPLOYMENT);
    let o = outrigger(&["validate", m.path.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    // The messaging host interface brings the nats-bridge service (provided.rs).
    assert!(out.contains("valid (2 service(s), 1 component(s), 2 link(s)"), "{out}");
    assert!(out.contains("read as a wasmCloud WorkloadDeployment; 2 warning(s) above"), "{out}");
    assert!(
        out.contains(
            "service `nats-bridge` added for wasmcloud:messaging@0.2.0 (spec.template.spec.hostInterfaces[2])"
        ),
        "{out}"
    );
    for warning in [
        "document 1: a `Service` (v1), not a wasmCloud workload: skipped",
        "spec.template.spec.components[0].localResources.shinyNewField: unknown key `shinyNewField`: ignored",
    ] {
        assert!(err.contains(warning), "no warning `{warning}` in:\n{err}");
    }
    assert!(!err.contains("poolSize"), "poolSize is honoured (warm instances):\n{err}");
}

#[test]
fn call_runs_a_service_and_a_component_of_a_wasmcloud_workload() {
    let m = TestManifest::new(
        r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: { name: counter-call }
spec:
  components:
    - name: client
      image: "{wasm}/counter_client.wasm"
  service:
    image: "{wasm}/counter_service.wasm"
    localResources:
      environment: { config: { TICK_MS: 5 } }
"#,
    );
    let o = outrigger(&["call", m.path.to_str().unwrap(), "client.bump(5)"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(out.trim(), "5");
}

#[test]
fn validate_refuses_what_only_the_operator_resolves_one_problem_each() {
    let m = TestManifest::new(
        r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: { name: refused }
spec:
  replicas: 3
  template:
    spec:
      hostSelector: { hostgroup: default }
      components:
        - name: app
          image: artifact://app
          localResources:
            environment:
              configFrom: [{ name: app-env }]
              secretFrom: [{ name: app-secret }]
        - name: oci
          image: ghcr.io/wasmcloud/components/http-hello-world-rust@sha256:0123
"#,
    );
    let o = outrigger(&["validate", m.path.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}{err}");
    assert!(err.contains("5 problems in this workload manifest"), "{err}");
    let t = "spec.template.spec";
    for line in [
        "spec.replicas: replicas: 3 asks the wasmCloud operator for 3 copies".to_string(),
        format!("{t}.components[0].image: `artifact://app` names the artifact `app`"),
        format!("{t}.components[0].localResources.environment.configFrom: configFrom names Kubernetes ConfigMaps"),
        format!("{t}.components[0].localResources.environment.secretFrom: secretFrom names Kubernetes Secrets"),
        format!(
            "{t}.components[1].image: `ghcr.io/wasmcloud/components/http-hello-world-rust@sha256:0123` is not a valid OCI reference"
        ),
    ] {
        assert!(err.lines().any(|l| l.contains(&line)), "no line `{line}` in:\n{err}");
    }
    assert_eq!(err.matches("fix: ").count(), 5, "one fix per problem:\n{err}");
    // A scheduling hint (wasmCloud's own samples set it) is a warning, not a problem.
    assert!(err.contains("`hostSelector` picks the wasmCloud hosts that may run this workload, which only the wasmCloud operator does: ignored"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasmcloud_allowed_hosts_with_a_scheme_gate_outgoing_http() {
    let (port, mut seen) = crate::http::http_server().await;
    let manifest = |allowed: &str| {
        TestManifest::new(&format!(
            r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: {{ name: wc-http }}
spec:
  components:
    - name: fetch
      image: "{{wasm}}/http_fetch.wasm"
      localResources:
        allowedHosts: ["{allowed}"]
"#
        ))
    };
    let url = Val::String(format!("http://127.0.0.1:{port}/wc"));
    let ok = manifest(&format!("http://127.0.0.1:{port}/"));
    let w = Workload::start(&ok.load(), options()).await.unwrap();
    let got = string_result(w.invoke("fetch", "get", std::slice::from_ref(&url)).await.unwrap());
    assert_eq!(got.as_deref(), Ok("200 hello /wc"));
    assert_eq!(seen.recv().await.unwrap(), "GET /wc HTTP/1.1");
    w.shutdown().await;
    // Same host and port, another scheme: refused before anything is sent.
    let wrong_scheme = manifest(&format!("https://127.0.0.1:{port}"));
    let w = Workload::start(&wrong_scheme.load(), options()).await.unwrap();
    let err = string_result(w.invoke("fetch", "get", &[url]).await.unwrap()).unwrap_err();
    assert!(err.contains("HttpRequestDenied"), "{err}");
    assert!(seen.try_recv().is_err(), "the server must not have been reached");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_volume_lives_as_long_as_its_workload() {
    let m = TestManifest::new(
        r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: { name: wc-scratch }
spec:
  volumes:
    - name: scratch
      ephemeral: {}
  components:
    - name: upper
      image: "{wasm}/upper.wasm"
      localResources:
        volumeMounts: [{ name: scratch, mountPath: /scratch }]
"#,
    );
    let manifest: Manifest = m.load();
    let ours = || -> Vec<std::path::PathBuf> {
        let tmp = std::env::temp_dir();
        std::fs::read_dir(&tmp)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("outrigger-wc-scratch-scratch-"))
            .collect()
    };
    let before = ours();
    let w = Workload::start(&manifest, options()).await.unwrap();
    let during: Vec<_> = ours().into_iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(during.len(), 1, "one folder for the volume: {during:?}");
    assert!(during[0].is_dir());
    let r = w.invoke("upper", "apply", &[Val::String("ok".into())]).await.unwrap();
    assert_eq!(r, vec![Val::String("OK".into())]);
    w.shutdown().await;
    assert!(!during[0].exists(), "removed when the workload stops");
}
