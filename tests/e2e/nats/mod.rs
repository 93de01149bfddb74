//! The NATS bridge end to end: a real nats-server started per test (tests/fixtures),
//! the real bridge service and components in a real host, and the official
//! `async-nats` client as the independent peer that publishes, subscribes, requests
//! and answers. Components use the standard `wasi:messaging` (msg-app) or wasmCloud's
//! `wasmcloud:messaging` (wc-app).
mod basics;
mod chaos;
mod config;
mod groups;
mod security;

use crate::common::{TestManifest, options};
use outrigger::{Val, Workload};
use std::time::Duration;
use test_fixtures::NatsServer;

/// A workload of the bridge (talking to `server`, with `bridge_env` added to its
/// environment) and the two example apps subscribed to `echo.>` and `wc.>`.
pub fn workload_yaml(server: &NatsServer, bridge_env: &str, extra: &str) -> String {
    format!(
        r#"
metadata: {{ name: msgs }}
spec:
  services:
    - name: nats
      component: "{{wasm}}/nats_bridge_service.wasm"
      env: {{ NATS_URL: "{url}"{bridge_env} }}
      allowedHosts: ["127.0.0.1:{port}", "localhost:{port}"]
      backoff: {{ initial: 50ms }}
      maxRestarts: 2
      volumeMounts: [{mounts}]
  components:
    - name: app
      component: "{{wasm}}/msg_app.wasm"
      config: {{ subscriptions: "echo.>" }}
    - name: wc
      component: "{{wasm}}/wc_app.wasm"
      config: {{ subscriptions: "wc.>" }}
{extra}"#,
        url = server.url(),
        port = server.port(),
        mounts = if extra.contains("name: secrets") { "{ name: secrets, mountPath: /secrets }" } else { "" },
    )
}

/// Starts the workload and waits until the bridge is RUNNING (connected, subscribed).
pub async fn start_workload(yaml: &str) -> (Workload, TestManifest) {
    let (w, m) = launch_with_files(yaml, &[]).await;
    w.wait_running(Duration::from_secs(20)).await.unwrap_or_else(|e| panic!("bridge not running: {e}"));
    (w, m)
}

/// Writes `files` into a `secrets/` folder beside the manifest (mount it with
/// [`SECRETS`]) and starts the workload without waiting for it.
pub async fn launch_with_files(yaml: &str, files: &[(&str, &str)]) -> (Workload, TestManifest) {
    let m = TestManifest::new(yaml);
    let dir = m.dir.path().join("secrets");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let w = Workload::start(&m.load(), options()).await.unwrap_or_else(|e| panic!("workload did not start: {e}"));
    (w, m)
}

/// Manifest lines that mount the `secrets/` folder at /secrets in the bridge
/// (pass as `extra` to [`workload_yaml`], which adds the bridge's `volumeMounts`).
pub const SECRETS: &str = "  volumes:\n    - name: secrets\n      hostPath: { path: secrets }\n";

pub async fn native(server: &NatsServer) -> async_nats::Client {
    async_nats::connect(server.url()).await.expect("the native client connects")
}

pub fn s(v: &str) -> Val {
    Val::String(v.into())
}

pub fn headers(pairs: &[(&str, &str)]) -> Val {
    Val::List(pairs.iter().map(|(k, v)| Val::Tuple(vec![s(k), s(v)])).collect())
}

/// The `result<list<string>, string>` a request returned.
pub fn replies(v: Vec<Val>) -> Result<Vec<String>, String> {
    match v.as_slice() {
        [Val::Result(Ok(Some(list)))] => match &**list {
            Val::List(items) => Ok(items
                .iter()
                .map(|i| match i {
                    Val::String(s) => s.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()),
            other => panic!("{other:?}"),
        },
        [Val::Result(Err(Some(e)))] => match &**e {
            Val::String(e) => Err(e.clone()),
            other => panic!("{other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }
}
