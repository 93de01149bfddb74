//! Scale-out: two outrigger hosts (two `outrigger run` processes) run the same
//! unedited wasmCloud `WorkloadDeployment` against one nats-server, configured only
//! through their environment (NATS_URL, NATS_NAME), as a container would be. The
//! handler's subscription is a queue group both hosts join, so the server splits the
//! requests between them; the server's own monitoring (`/connz`) says how many it
//! gave each host. One host is stopped (SIGTERM) mid-load: its bridge drains (the
//! server stops sending to it, what it already had is answered) and every request
//! is answered exactly once.
use crate::common::{RunProcess, TestManifest};
use futures::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;
use test_fixtures::NatsServer;

const WORKLOAD: &str = r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: { name: jobs }
spec:
  replicas: 1
  template:
    spec:
      hostInterfaces:
        - namespace: wasmcloud
          package: messaging
          interfaces: [consumer, handler]
          version: 0.2.0
          config:
            subscriptions: "job.>"
      components:
        - name: wc
          image: "{wasm}/wc_app.wasm"
"#;

/// One host: an `outrigger run` process configured only by its environment.
struct Host {
    name: &'static str,
    run: RunProcess,
}

impl Host {
    async fn start(name: &'static str, manifest: &TestManifest, server: &NatsServer) -> Host {
        let url = server.url();
        let env = [("NATS_URL", url.as_str()), ("NATS_NAME", name)];
        let run =
            RunProcess::start(name, &manifest.path, &env, "subscription(s) confirmed", Duration::from_secs(120)).await;
        Host { name, run }
    }

    fn terminate(&self) {
        let pid = self.run.child.id().expect("running").to_string();
        let ok = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success();
        assert!(ok, "SIGTERM to host {}", self.name);
    }
}

/// Messages the server delivered to each named connection, closed ones included.
async fn delivered_per_connection(monitor: &str) -> Vec<(String, u64)> {
    let url = format!("{monitor}/connz?state=all&limit=1024");
    let text = reqwest::get(&url).await.expect("nats monitoring").text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let conns = v["connections"].as_array().cloned().unwrap_or_default();
    conns.iter().filter_map(|c| Some((c["name"].as_str()?.to_string(), c["out_msgs"].as_u64().unwrap_or(0)))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_share_the_queue_group_and_a_stopped_host_loses_nothing() {
    let monitor_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = NatsServer::builder().extra_config(&format!("http: \"127.0.0.1:{monitor_port}\"")).start();
    let monitor = format!("http://127.0.0.1:{monitor_port}");
    let manifest = TestManifest::new(WORKLOAD);
    let a = Host::start("host-a", &manifest, &server).await;
    let mut b = Host::start("host-b", &manifest, &server).await;

    const N: usize = 3000;
    const STOP_AT: usize = 1000;
    let peer = async_nats::connect(server.url()).await.unwrap();
    let answered = Arc::new(AtomicUsize::new(0));
    let stopper = {
        let answered = answered.clone();
        tokio::spawn(async move {
            while answered.load(Relaxed) < STOP_AT {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            a.terminate();
            a
        })
    };
    let failures: Vec<String> = futures::stream::iter(0..N)
        .map(|i| {
            let (peer, answered) = (peer.clone(), answered.clone());
            async move {
                let r = peer.request(format!("job.{i}"), i.to_string().into()).await;
                answered.fetch_add(1, Relaxed);
                match r {
                    Ok(m) if m.payload == format!("wc: {i}").as_bytes() => None,
                    Ok(m) => Some(format!("job {i}: wrong answer {:?}", String::from_utf8_lossy(&m.payload))),
                    Err(e) => Some(format!("job {i}: {e}")),
                }
            }
        })
        .buffer_unordered(32)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    let mut a = stopper.await.unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(20), a.run.child.wait()).await.expect("host-a stops").unwrap();

    assert!(
        failures.is_empty(),
        "{} of {N} requests were lost: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(exit.success(), "host-a stopped cleanly on SIGTERM: {exit}");
    assert!(a.run.logged("nats-bridge: left cleanly (1 subscription(s) drained)"), "host-a drained its subscription");
    // Let the server's statistics settle, then ask it who got what.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let per = delivered_per_connection(&monitor).await;
    let got = |name: &str| per.iter().filter(|(n, _)| n == name).map(|(_, m)| m).sum::<u64>();
    let (on_a, on_b) = (got("host-a"), got("host-b"));
    eprintln!("requests delivered: host-a {on_a}, host-b {on_b}");
    assert_eq!(on_a + on_b, N as u64, "each request went to exactly one host: {per:?}");
    assert!(on_a > 0 && on_b > 0, "both hosts took a share: {on_a} / {on_b}");
    assert!(on_b as usize > N - STOP_AT, "host-b took over once host-a stopped: {on_a} / {on_b}");
    b.terminate();
    let exit = tokio::time::timeout(Duration::from_secs(20), b.run.child.wait()).await.expect("host-b stops").unwrap();
    assert!(exit.success(), "host-b stopped cleanly: {exit}");
}
