//! Host interfaces served by outrigger's own services: wasmCloud workload files that
//! ask for `wasmcloud:messaging` or `wasi:otel` run unchanged, with the nats-bridge
//! or the otel-sidecar added to the workload for them and configured the way
//! wasmCloud's host plugins are (host interface `config`, the host's `NATS_*` /
//! `OTEL_*` environment). Real parts: a nats-server and the native async-nats client,
//! an OTLP receiver decoding with the official protobufs.
use crate::common::{TestManifest, options};
use crate::nats::native;
use outrigger::{Val, Workload};
use std::process::Command;
use std::time::Duration;
use test_fixtures::{NatsServer, OtlpReceiver};

#[tokio::test(flavor = "multi_thread")]
async fn a_wasmcloud_deployment_with_messaging_answers_a_native_nats_client() {
    let server = NatsServer::start();
    let m = TestManifest::new(&format!(
        r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: {{ name: wc-hello }}
spec:
  replicas: 1
  template:
    spec:
      hostSelector: {{ hostgroup: default }}
      hostInterfaces:
        - namespace: wasmcloud
          package: messaging
          interfaces: [consumer, handler]
          version: 0.2.0
          config:
            subscriptions: "wc.>"
            url: "{url}"
      components:
        - name: wc
          image: "{{wasm}}/wc_app.wasm"
"#,
        url = server.url()
    ));
    // `validate` says what it added and why.
    let o =
        Command::new(env!("CARGO_BIN_EXE_outrigger")).args(["validate", m.path.to_str().unwrap()]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains(
            "service `nats-bridge` added for wasmcloud:messaging@0.2.0 (spec.template.spec.hostInterfaces[0])"
        ),
        "{out}"
    );

    let manifest = m.load();
    assert_eq!(manifest.provided.len(), 1);
    let w = Workload::start(&manifest, options()).await.unwrap_or_else(|e| panic!("{e}"));
    w.wait_running(Duration::from_secs(20)).await.unwrap_or_else(|e| panic!("bridge not running: {e}"));
    let peer = native(&server).await;
    let reply = peer.request("wc.hello", "hey".into()).await.expect("the wasmCloud handler answers");
    assert_eq!(&reply.payload[..], b"wc: hey");
    // `status` says which service outrigger added, and why.
    let status = w.status();
    let bridge = status.services.iter().find(|s| s.name == "nats-bridge").expect("the bridge is listed");
    let why = "wasmcloud:messaging@0.2.0 (spec.template.spec.hostInterfaces[0])";
    assert_eq!(bridge.added_for.as_deref(), Some(why), "{status:?}");
    assert!(
        status.to_string().contains(&format!("(nats-bridge was added by outrigger: the workload asks for {why})")),
        "{status}"
    );
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wasmcloud_workload_with_wasi_otel_sends_telemetry_to_a_real_receiver() {
    let receiver = OtlpReceiver::start();
    // The sidecar reads OTEL_* from the host's environment, as wasmCloud's plugin
    // does. (nextest runs every test in its own process.)
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
        std::env::set_var("OTEL_BSP_SCHEDULE_DELAY", "100");
    }
    let m = TestManifest::new(
        r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: { name: shop }
spec:
  hostInterfaces:
    - namespace: wasi
      package: otel
      interfaces: [tracing, logs, metrics]
      version: 0.2.0-rc.2
  components:
    - name: orders
      image: "{wasm}/otel_demo.wasm"
"#,
    );
    let manifest = m.load();
    let added = &manifest.provided[0];
    assert_eq!((added.service.as_str(), added.interface.as_str()), ("otel-sidecar", "wasi:otel@0.2.0-rc.2"));
    let w = Workload::start(&manifest, options()).await.unwrap_or_else(|e| panic!("{e}"));
    w.wait_running(Duration::from_secs(20)).await.unwrap();
    w.invoke("orders", "process", &[Val::String("A-1".into()), Val::Float64(42.5)]).await.unwrap();
    w.shutdown().await; // flushes the sidecar
    let spans = receiver.spans();
    assert!(spans.iter().any(|s| s.name == "process-order"), "{:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>());
    let service_name = receiver.resource_attributes().into_iter().flatten().find(|(k, _)| k == "service.name");
    assert_eq!(service_name.map(|(_, v)| v).as_deref(), Some("shop"), "the workload's name is the service name");
}
