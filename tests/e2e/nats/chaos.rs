//! The server goes away under load. The bridge reconnects and resubscribes on its
//! own (no host restart, the service never restarts), and with JetStream
//! acknowledgements (`NATS_JETSTREAM_ACK`) every publish whose `send` returned `ok`
//! is in the stream afterwards, whether the server stopped gracefully or was killed.
use super::*;
use async_nats::jetstream;
use std::sync::Arc;
use std::time::Instant;
use test_fixtures::NatsServer;

/// Publishes `orders.<prefix>.<n>` from the component, one after another, until
/// told to stop; returns the subjects whose publish returned ok, and when.
fn publisher(
    w: Arc<Workload>,
    prefix: &'static str,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<(String, Instant)>> {
    tokio::spawn(async move {
        let mut ok = Vec::new();
        let mut n = 0u32;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let subject = format!("orders.{prefix}.{n}");
            n += 1;
            let r = w.invoke("app", "publish", &[s(&subject), s("payload"), headers(&[])]).await.unwrap();
            if matches!(r.as_slice(), [Val::Result(Ok(_))]) {
                ok.push((subject, Instant::now()));
            }
        }
        ok
    })
}

async fn stream_subjects(server: &NatsServer) -> Vec<String> {
    let js = jetstream::new(native(server).await);
    let stream = js.get_stream("ORDERS").await.unwrap();
    let mut info = stream.clone();
    let count = info.info().await.unwrap().state.messages;
    let mut out = Vec::new();
    for seq in 1..=count {
        if let Ok(m) = stream.get_raw_message(seq).await {
            out.push(m.subject.to_string());
        }
    }
    out
}

async fn chaos(kill: bool) {
    let mut server = NatsServer::builder().jetstream(true).start();
    let js = jetstream::new(native(&server).await);
    js.create_stream(jetstream::stream::Config {
        name: "ORDERS".into(),
        subjects: vec!["orders.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let env = r#", NATS_JETSTREAM_ACK: "orders.>", NATS_JETSTREAM_ACK_TIMEOUT: 1s, NATS_CONNECT_TIMEOUT: 1s"#;
    let (w, _m) = start_workload(&workload_yaml(&server, env, "")).await;
    let w = Arc::new(w);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = publisher(w.clone(), if kill { "k" } else { "g" }, stop.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let down = Instant::now();
    if kill {
        server.kill()
    } else {
        server.stop()
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.restart();
    let up = Instant::now();
    // Keep publishing until the bridge is back and publishes succeed again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked = load.await.unwrap();
    let stored = stream_subjects(&server).await;
    let missing: Vec<&String> = acked.iter().map(|(s, _)| s).filter(|s| !stored.contains(s)).collect();
    assert!(missing.is_empty(), "{} acked publishes are not in the stream: {missing:?}", missing.len());
    let before = acked.iter().filter(|(_, t)| *t < down).count();
    let after = acked.iter().filter(|(_, t)| *t > up).count();
    assert!(before > 0 && after > 0, "publishes were acked before the outage ({before}) and after it ({after})");
    // Handlers were resubscribed: a request is answered after the restart.
    let reply = native(&server).await.request("echo.back", "again".into()).await.unwrap();
    assert_eq!(&reply.payload[..], b"echo: again");
    let st = Arc::try_unwrap(w).ok().expect("publisher done").shutdown().await;
    assert_eq!(st.services[0].incarnations, 1, "the bridge recovered without a restart: {st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_server_restart_loses_no_acknowledged_publish() {
    chaos(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_acknowledged_publish() {
    chaos(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_made_while_disconnected_are_delivered_after_the_reconnect() {
    let mut server = NatsServer::builder().jetstream(true).start();
    let js = jetstream::new(native(&server).await);
    let config =
        jetstream::stream::Config { name: "LATER".into(), subjects: vec!["later.>".into()], ..Default::default() };
    js.create_stream(config).await.unwrap();
    let (w, _m) = start_workload(&workload_yaml(&server, "", "")).await;
    server.stop();
    // Kept by the bridge while the server is away: `send` returns ok at once.
    for i in 0..5 {
        let r = w.invoke("app", "publish", &[s(&format!("later.{i}")), s("kept"), headers(&[])]).await.unwrap();
        assert!(matches!(r.as_slice(), [Val::Result(Ok(_))]), "{r:?}");
    }
    server.restart();
    // The stream (persisted across the restart) receives them once the bridge is back.
    let js = jetstream::new(native(&server).await);
    let mut stored = 0;
    for _ in 0..100 {
        stored = js.get_stream("LATER").await.unwrap().info().await.unwrap().state.messages;
        if stored == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, 5, "every buffered publish arrived after the reconnect");
    let subjects: Vec<String> = {
        let stream = js.get_stream("LATER").await.unwrap();
        let mut v = Vec::new();
        for seq in 1..=5 {
            v.push(stream.get_raw_message(seq).await.unwrap().subject.to_string());
        }
        v
    };
    assert_eq!(subjects, (0..5).map(|i| format!("later.{i}")).collect::<Vec<_>>(), "in order");
    w.shutdown().await;
}
