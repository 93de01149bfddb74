//! Connection loss against a real nats-server: graceful stop and restart under a
//! publish stream (reconnect, resubscribe, buffered publishes delivered), the
//! reconnect buffer bound, giving up after max_reconnect_attempts, stale
//! connections (a frozen server), and lame duck mode in a two-node cluster.
mod support;

use futures::StreamExt;
use nats_client::{Auth, Client, Error, Event, Events, Options};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use support::{TokioConnector, connect_with, options, peer, settle};
use test_fixtures::{NatsServer, TestCa};

const WAIT: Duration = Duration::from_secs(10);

/// Waits for the first event `pick` accepts.
async fn wait_event(events: &mut Events, what: &str, pick: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(WAIT, async {
        loop {
            let e = events.next().await.expect("events ended");
            if pick(&e) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} event"))
}

fn seq(payload: &[u8]) -> u64 {
    std::str::from_utf8(payload).unwrap().parse().unwrap()
}

#[tokio::test]
async fn stop_and_restart_under_a_publish_stream() {
    let mut server = NatsServer::start();
    let (client, _driver) = connect_with(options(&server.url()), TokioConnector::plain()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("stream.>").unwrap();
    client.flush().await.unwrap();

    // A background stream of publishes that never stops for the outage.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let streamer = {
        let (c, stop, sent) = (client.clone(), stop.clone(), sent.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                c.publish("stream.bg", n.to_string()).await.expect("no publish may fail in the outage");
                n += 1;
                sent.store(n, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };

    for n in 0..100u64 {
        client.publish("stream.fg", n.to_string()).await.unwrap();
    }
    client.flush().await.unwrap();

    server.stop();
    wait_event(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected { .. })).await;
    assert!(!client.is_connected());
    // Published while disconnected: buffered.
    for n in 100..200u64 {
        client.publish("stream.fg", n.to_string()).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.restart();
    wait_event(&mut events, "Reconnected", |e| matches!(e, Event::Reconnected { .. })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    streamer.await.unwrap();
    client.flush().await.unwrap();

    // The subscription survived (same sid, resubscribed before the buffered publishes).
    let (mut fg, mut bg) = (BTreeSet::new(), BTreeSet::new());
    while let Some(m) = sub.try_next() {
        if m.subject.as_str() == "stream.fg" {
            fg.insert(seq(&m.payload))
        } else {
            bg.insert(seq(&m.payload))
        };
    }
    let missing: Vec<u64> = (0..200).filter(|n| !fg.contains(n)).collect();
    assert!(missing.is_empty(), "foreground messages lost: {missing:?}");
    // The background stream may lose what was on the wire when the server went
    // away, but everything published after the outage began arrives in order.
    let total = sent.load(Ordering::Relaxed);
    let last = *bg.last().unwrap();
    assert_eq!(last + 1, total, "the newest background messages arrive");
    let received_after_gap = bg.iter().rev().zip((0..total).rev()).take_while(|(a, b)| **a == *b).count();
    assert!(received_after_gap > 50, "a long tail arrives complete ({received_after_gap} of {total})");
    assert_eq!(client.statistics().reconnects, 1);
}

#[tokio::test]
async fn reconnect_buffer_bound_refuses_with_a_clear_error() {
    let mut server = NatsServer::start();
    let opts = Options { reconnect_buffer_size: 1000, ..options(&server.url()) };
    let (client, _driver) = connect_with(opts, TokioConnector::plain()).await.unwrap();
    let mut events = client.events();
    server.stop();
    wait_event(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected { .. })).await;
    let mut accepted = 0;
    let err = loop {
        match client.publish("buffered", vec![b'x'; 100]).await {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
    };
    assert!((5..10).contains(&accepted), "{accepted}");
    assert!(matches!(err, Error::ReconnectBufferFull { limit: 1000, .. }), "{err}");
    assert!(err.to_string().contains("`buffered`") && err.to_string().contains("reconnect_buffer_size"), "{err}");

    let nc_server_url = server.url();
    server.restart();
    wait_event(&mut events, "Reconnected", |e| matches!(e, Event::Reconnected { .. })).await;
    client.flush().await.unwrap();
    client.publish("buffered", "again").await.unwrap();
    let _ = nc_server_url;
}

#[tokio::test]
async fn gives_up_after_max_reconnect_attempts() {
    let mut server = NatsServer::start();
    let opts = Options { max_reconnect_attempts: Some(3), ..options(&server.url()) };
    let (client, driver) = connect_with(opts, TokioConnector::plain()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("x").unwrap();
    server.stop();
    let result = tokio::time::timeout(WAIT, driver).await.expect("driver should end").unwrap();
    let e = result.unwrap_err();
    assert!(matches!(e, Error::ReconnectGaveUp { attempts: 3, .. }), "{e}");
    assert!(e.to_string().contains("cannot connect to NATS server nats://127.0.0.1:"), "{e}");
    let mut failures = 0;
    while let Some(ev) = events.next().await {
        if matches!(ev, Event::ReconnectFailed { .. }) {
            failures += 1;
        }
    }
    assert_eq!(failures, 3);
    // Everything else learns why.
    let pe = client.publish("x", "y").await.unwrap_err();
    assert!(pe.to_string().contains("gave up reconnecting"), "{pe}");
    assert!(sub.next().await.is_none());
}

#[tokio::test]
async fn a_frozen_server_is_detected_as_stale_and_left() {
    let mut server = NatsServer::start();
    let opts = Options {
        ping_interval: Duration::from_millis(100),
        max_pings_outstanding: 2,
        connect_timeout: Duration::from_millis(300),
        ..options(&server.url())
    };
    let (client, _driver) = connect_with(opts, TokioConnector::plain()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("after").unwrap();
    client.flush().await.unwrap();
    server.pause();
    let e = wait_event(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected { .. })).await;
    assert!(e.to_string().contains("stale connection"), "{e}");
    server.resume();
    wait_event(&mut events, "Reconnected", |e| matches!(e, Event::Reconnected { .. })).await;
    client.publish("after", "ok").await.unwrap();
    let m = tokio::time::timeout(WAIT, sub.next()).await.unwrap().unwrap();
    assert_eq!(&m.payload[..], b"ok");
}

#[tokio::test]
async fn lame_duck_moves_to_another_cluster_node() {
    let builder = NatsServer::builder().lame_duck(Duration::from_secs(30), Duration::from_millis(100));
    let mut nodes = NatsServer::cluster(2, builder);
    // Only node 0 is configured; node 1 is learned from connect_urls.
    let opts = Options { no_randomize: true, ..options(&nodes[0].url()) };
    let (client, _driver) = connect_with(opts, TokioConnector::plain()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("work").unwrap();
    client.flush().await.unwrap();

    nodes[0].lame_duck();
    wait_event(&mut events, "LameDuck", |e| matches!(e, Event::LameDuck { .. })).await;
    let node1 = format!(":{}", nodes[1].port());
    let e = wait_event(&mut events, "Reconnected", |e| matches!(e, Event::Reconnected { .. })).await;
    assert!(e.to_string().contains(&node1), "moved to node 1: {e}");
    assert!(nodes[0].is_running(), "left before the server closed us");

    // The subscription lives on node 1 now.
    let nc = peer(&nodes[1].url()).await;
    settle(&nc).await;
    client.flush().await.unwrap();
    nc.publish("work", "from node 1".into()).await.unwrap();
    nc.flush().await.unwrap();
    let m = tokio::time::timeout(WAIT, sub.next()).await.unwrap().unwrap();
    assert_eq!(&m.payload[..], b"from node 1");
    let _: &Client = &client;
}

#[tokio::test]
async fn refused_credentials_after_a_restart_surface_and_end_the_client() {
    let mut server = NatsServer::builder().user("app", "old").start();
    let auth = Auth::UserPassword { user: "app".into(), password: "old".into() };
    let opts = Options { auth, max_reconnect_attempts: Some(2), ..options(&server.url()) };
    let (client, driver) = connect_with(opts, TokioConnector::plain()).await.unwrap();
    let mut events = client.events();
    // The password changes while the client is connected.
    server.restart_with(NatsServer::builder().user("app", "new"));
    let e = wait_event(&mut events, "ReconnectFailed", |e| matches!(e, Event::ReconnectFailed { .. })).await;
    let Event::ReconnectFailed { error, .. } = &e else { unreachable!() };
    assert!(matches!(error, Error::Auth { .. }), "{e}");
    let end = tokio::time::timeout(WAIT, driver).await.unwrap().unwrap().unwrap_err();
    assert!(end.is_fatal(), "{end}");
    let text = end.to_string();
    assert!(text.contains("gave up") && text.contains("authorization violation"), "{text}");
    assert!(client.request("x", "y").await.unwrap_err().to_string().contains("authorization violation"));
}

#[tokio::test]
async fn tls_connections_reconnect_with_tls() {
    let ca = TestCa::new("ca");
    let mut server = NatsServer::builder().tls(&ca.server_cert()).start();
    let (client, _driver) =
        connect_with(options(&server.localhost_url()), TokioConnector::tls(&ca.pem(), None)).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("tls.after").unwrap();
    client.flush().await.unwrap();
    server.restart();
    wait_event(&mut events, "Reconnected", |e| matches!(e, Event::Reconnected { .. })).await;
    client.publish("tls.after", "still private").await.unwrap();
    let m = tokio::time::timeout(WAIT, sub.next()).await.unwrap().unwrap();
    assert_eq!(&m.payload[..], b"still private");
    // A flush made while disconnected waits for the reconnect.
    server.stop();
    wait_event(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected { .. })).await;
    let flush = tokio::spawn({
        let c = client.clone();
        async move { c.flush().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!flush.is_finished());
    server.restart();
    tokio::time::timeout(WAIT, flush).await.unwrap().unwrap().unwrap();
}
