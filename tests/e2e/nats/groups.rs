//! Subscriptions with queue groups across workloads (as on two hosts): handler
//! replicas share a subject's messages with none delivered twice; `broadcast`
//! delivers every message to every replica.
use super::*;
use futures::StreamExt;
use test_fixtures::NatsServer;

fn replica(server: &NatsServer, config: &str) -> String {
    workload_yaml(server, "", "").replace(r#"config: { subscriptions: "echo.>" }"#, config)
}

/// Two replicas of the same workload, 200 messages to `work.item`: returns how many
/// each replica's handler got, and how many `seen.*` copies the native peer saw.
async fn share(config: &str) -> (u64, u64, usize) {
    let server = NatsServer::start();
    let (a, _ma) = start_workload(&replica(&server, config)).await;
    let (b, _mb) = start_workload(&replica(&server, config)).await;
    let peer = native(&server).await;
    let mut seen = peer.subscribe("seen.work.item").await.unwrap();
    peer.flush().await.unwrap();
    for i in 0..200 {
        peer.publish("work.item", format!("{i}").into()).await.unwrap();
    }
    peer.flush().await.unwrap();
    let mut got = 0;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(2), seen.next()).await {
        got += 1;
    }
    let count = |w: &Workload| w.status().components.iter().find(|c| c.name == "app").unwrap().invocations;
    let (ca, cb) = (count(&a), count(&b));
    a.shutdown().await;
    b.shutdown().await;
    (ca, cb, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_a_queue_group_and_broadcast_reaches_all() {
    let (a, b, seen) = share(r#"config: { subscriptions: "work.>" }"#).await;
    assert_eq!((a + b, seen), (200, 200), "each message handled exactly once ({a} + {b})");
    assert!(a > 0 && b > 0, "both replicas got a share: {a} / {b}");
    let (a, b, seen) = share(r#"config: { subscriptions: "work.>", broadcast: "true" }"#).await;
    assert_eq!((a, b, seen), (200, 200, 400), "broadcast: every replica gets every message");
}
