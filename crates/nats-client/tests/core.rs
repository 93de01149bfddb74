//! NATS Core against a real nats-server, with async-nats as the independent peer:
//! publish (with exact headers), subscribe, queue groups, request-reply both ways,
//! no responders, max_payload, flush, slow consumers, closing.
mod support;

use futures::StreamExt;
use nats_client::{Error, Event, Headers, Options};
use std::time::{Duration, Instant};
use support::{TokioConnector, connect, connect_with, options, peer, settle};
use test_fixtures::NatsServer;

const WAIT: Duration = Duration::from_secs(5);

async fn next<S: futures::Stream + Unpin>(s: &mut S) -> S::Item {
    tokio::time::timeout(WAIT, s.next()).await.expect("timed out").expect("stream ended")
}

#[tokio::test]
async fn publish_with_headers_reaches_async_nats_exactly() {
    let server = NatsServer::start();
    let nc = peer(&server.url()).await;
    let mut sub = nc.subscribe("orders.>").await.unwrap();
    settle(&nc).await;
    let (client, _driver) = connect(&server.url()).await;

    let mut h = Headers::new();
    h.insert("Trace-Id", "abc-123").append("X-Multi", "one").append("X-Multi", "two");
    client.publish_with_headers("orders.new", &h, "payload-1").await.unwrap();
    client.publish("orders.plain", vec![0u8, 1, 2, 255]).await.unwrap();
    client.flush().await.unwrap();

    let m = next(&mut sub).await;
    assert_eq!(m.subject.as_str(), "orders.new");
    assert_eq!(&m.payload[..], b"payload-1");
    let headers = m.headers.expect("headers");
    assert_eq!(headers.get("Trace-Id").map(|v| v.as_str()), Some("abc-123"));
    let multi: Vec<&str> = headers.get_all("X-Multi").map(|v| v.as_str()).collect();
    assert_eq!(multi, ["one", "two"]);
    let m = next(&mut sub).await;
    assert_eq!((m.subject.as_str(), &m.payload[..]), ("orders.plain", &[0u8, 1, 2, 255][..]));
    assert!(m.headers.is_none_or(|h| h.is_empty()));
}

#[tokio::test]
async fn subscribe_receives_what_async_nats_publishes() {
    let server = NatsServer::start();
    let (client, _driver) = connect(&server.url()).await;
    let mut sub = client.subscribe("sensor.*.temp").unwrap();
    client.flush().await.unwrap();

    let nc = peer(&server.url()).await;
    let mut h = async_nats::HeaderMap::new();
    h.insert("Unit", "celsius");
    nc.publish_with_headers("sensor.a.temp", h, "21.5".into()).await.unwrap();
    nc.publish_with_reply("sensor.b.temp", "reply.here", "19".into()).await.unwrap();
    nc.publish("sensor.b.humidity", "x".into()).await.unwrap();
    nc.flush().await.unwrap();

    let m = next(&mut sub).await;
    assert_eq!((m.subject.as_str(), &m.payload[..]), ("sensor.a.temp", &b"21.5"[..]));
    assert_eq!(m.headers.get("Unit"), Some("celsius"));
    let m = next(&mut sub).await;
    assert_eq!(m.reply.as_deref(), Some("reply.here"));
    assert!(m.headers.is_empty());
    // The humidity message does not match.
    assert!(tokio::time::timeout(Duration::from_millis(200), sub.next()).await.is_err());
}

#[tokio::test]
async fn queue_group_members_share_messages_without_duplicates() {
    let server = NatsServer::start();
    let (a, _da) = connect(&server.url()).await;
    let (b, _db) = connect(&server.url()).await;
    let mut sa = a.queue_subscribe("jobs", "workers").unwrap();
    let mut sb = b.queue_subscribe("jobs", "workers").unwrap();
    a.flush().await.unwrap();
    b.flush().await.unwrap();

    let nc = peer(&server.url()).await;
    const N: usize = 200;
    for i in 0..N {
        nc.publish("jobs", i.to_string().into()).await.unwrap();
    }
    nc.flush().await.unwrap();

    let mut seen = std::collections::HashSet::new();
    let (mut na, mut nb) = (0, 0);
    let deadline = Instant::now() + WAIT;
    while seen.len() < N && Instant::now() < deadline {
        tokio::select! {
            Some(m) = sa.next() => { na += 1; assert!(seen.insert(m.payload), "delivered twice"); }
            Some(m) = sb.next() => { nb += 1; assert!(seen.insert(m.payload), "delivered twice"); }
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
    assert_eq!(seen.len(), N);
    assert_eq!(na + nb, N);
    assert!(na > 0 && nb > 0, "both members should get work: {na} / {nb}");
}

/// A member that drains mid-stream leaves its group without losing a message: what
/// the server sent it before the UNSUB still arrives, then its stream ends and the
/// rest goes to the other member.
#[tokio::test]
async fn drain_leaves_a_queue_group_without_losing_a_message() {
    let server = NatsServer::start();
    let (a, _da) = connect(&server.url()).await;
    let (b, _db) = connect(&server.url()).await;
    let mut sa = a.queue_subscribe("jobs", "workers").unwrap();
    let mut sb = b.queue_subscribe("jobs", "workers").unwrap();
    a.flush().await.unwrap();
    b.flush().await.unwrap();

    const N: usize = 4000;
    let nc = peer(&server.url()).await;
    let publisher = tokio::spawn(async move {
        for i in 0..N {
            nc.publish("jobs", i.to_string().into()).await.unwrap();
            if i % 50 == 0 {
                nc.flush().await.unwrap();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        nc.flush().await.unwrap();
    });
    let mut seen = std::collections::HashSet::new();
    let (mut na, mut nb, mut after_drain) = (0, 0, 0);
    let mut draining = None;
    let mut a_ended = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.len() < N && Instant::now() < deadline {
        tokio::select! {
            m = sa.next(), if !a_ended => match m {
                Some(m) => {
                    na += 1;
                    if draining.is_some() { after_drain += 1; }
                    assert!(seen.insert(m.payload), "delivered twice");
                    if na == 300 {
                        let a = a.clone();
                        let sid = sa.sid();
                        draining = Some(tokio::spawn(async move { a.drain(&[sid]).await }));
                    }
                }
                None => a_ended = true,
            },
            Some(m) = sb.next() => { nb += 1; assert!(seen.insert(m.payload), "delivered twice"); }
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
    publisher.await.unwrap();
    draining.expect("a drained").await.unwrap().unwrap();
    assert_eq!(seen.len(), N, "every message arrived once ({na} to a, {nb} to b)");
    assert!(a_ended, "the drained stream ended");
    assert!(nb > N / 3, "b took over after a left: {na} / {nb} ({after_drain} reached a while it drained)");
}

#[tokio::test]
async fn request_to_an_async_nats_responder() {
    let server = NatsServer::start();
    let nc = peer(&server.url()).await;
    let mut svc = nc.subscribe("svc.echo").await.unwrap();
    settle(&nc).await;
    let responder = nc.clone();
    tokio::spawn(async move {
        while let Some(m) = svc.next().await {
            let mut h = async_nats::HeaderMap::new();
            h.insert("Echoed", "yes");
            let reply = m.reply.unwrap();
            responder.publish_with_headers(reply, h, m.payload).await.unwrap();
        }
    });

    let (client, _driver) = connect(&server.url()).await;
    for i in 0..20 {
        let r = client.request("svc.echo", format!("hi {i}")).await.unwrap();
        assert_eq!(r.payload, format!("hi {i}"));
        assert_eq!(r.headers.get("Echoed"), Some("yes"));
    }
    // Many concurrent requests share the one inbox subscription.
    let replies = futures::future::join_all((0..50).map(|i| {
        let c = client.clone();
        async move { c.request("svc.echo", format!("{i}")).await.unwrap().payload }
    }))
    .await;
    assert_eq!(replies.iter().map(|p| String::from_utf8_lossy(p).parse::<usize>().unwrap()).sum::<usize>(), 1225);
}

#[tokio::test]
async fn async_nats_requests_answered_through_the_reply_subject() {
    let server = NatsServer::start();
    let (client, _driver) = connect(&server.url()).await;
    let mut svc = client.subscribe("svc.upper").unwrap();
    client.flush().await.unwrap();
    let responder = client.clone();
    tokio::spawn(async move {
        while let Some(m) = svc.next().await {
            let upper = String::from_utf8_lossy(&m.payload).to_uppercase();
            responder.publish(m.reply.as_deref().unwrap(), upper).await.unwrap();
        }
    });
    let nc = peer(&server.url()).await;
    let r = nc.request("svc.upper", "hello".into()).await.unwrap();
    assert_eq!(&r.payload[..], b"HELLO");
}

#[tokio::test]
async fn request_many_returns_what_arrived_by_count_or_timeout() {
    let server = NatsServer::start();
    let nc = peer(&server.url()).await;
    for n in 0..3 {
        let mut s = nc.subscribe("svc.many").await.unwrap();
        let r = nc.clone();
        tokio::spawn(async move {
            while let Some(m) = s.next().await {
                r.publish(m.reply.unwrap(), format!("{n}").into()).await.unwrap();
            }
        });
    }
    settle(&nc).await;
    let (client, _driver) = connect(&server.url()).await;
    let h = Headers::new();
    let two = client.request_many("svc.many", &h, "q", Duration::from_secs(5), 2).await.unwrap();
    assert_eq!(two.len(), 2);
    let start = Instant::now();
    let all = client.request_many("svc.many", &h, "q", Duration::from_millis(300), 10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(start.elapsed() >= Duration::from_millis(290));
    // Nobody answers on a subject with a subscriber that stays silent: timeout.
    let _silent = nc.subscribe("svc.silent").await.unwrap();
    settle(&nc).await;
    let e = client.request_many("svc.silent", &h, "q", Duration::from_millis(200), 1).await.unwrap_err();
    assert!(matches!(e, Error::RequestTimeout { .. }), "{e}");
    assert!(e.to_string().contains("svc.silent"), "{e}");
}

#[tokio::test]
async fn no_responders_is_immediate() {
    let server = NatsServer::start();
    let (client, _driver) = connect(&server.url()).await;
    let start = Instant::now();
    let e = client.request("nobody.home", "x").await.unwrap_err();
    assert!(start.elapsed() < Duration::from_millis(500), "took {:?}", start.elapsed());
    assert_eq!(e, Error::NoResponders { subject: "nobody.home".into() });
    assert!(e.to_string().contains("no responders"), "{e}");
}

#[tokio::test]
async fn max_payload_is_enforced_before_sending() {
    let server = NatsServer::builder().max_payload(1024).start();
    let (client, _driver) = connect(&server.url()).await;
    assert_eq!(client.max_payload(), 1024);
    client.publish("big", vec![0u8; 1024]).await.unwrap();
    let e = client.publish("big", vec![0u8; 1025]).await.unwrap_err();
    assert!(matches!(e, Error::MaxPayload { size: 1025, max: 1024, .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("`big`") && text.contains("max_payload"), "{text}");
    // Headers count too.
    let mut h = Headers::new();
    h.insert("K", "v");
    let e = client.publish_with_headers("big", &h, vec![0u8; 1020]).await.unwrap_err();
    assert!(matches!(e, Error::MaxPayload { .. }), "{e}");
    // The connection is still fine.
    client.flush().await.unwrap();
}

#[tokio::test]
async fn invalid_subjects_are_refused_with_the_subject_named() {
    let server = NatsServer::start();
    let (client, _driver) = connect(&server.url()).await;
    let e = client.publish("bad subject", "x").await.unwrap_err();
    assert!(e.to_string().contains("`bad subject`"), "{e}");
    assert!(client.subscribe("").is_err());
    assert!(client.queue_subscribe("ok", "bad group").is_err());
}

#[tokio::test]
async fn slow_consumer_drops_are_counted_and_reported() {
    let server = NatsServer::start();
    let opts = Options { subscription_capacity: 10, ..options(&server.url()) };
    let (client, _driver) = connect_with(opts, TokioConnector::plain()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("flood").unwrap();
    client.flush().await.unwrap();
    let nc = peer(&server.url()).await;
    for i in 0..100 {
        nc.publish("flood", format!("{i}").into()).await.unwrap();
    }
    settle(&nc).await;
    client.flush().await.unwrap(); // everything before this PONG was read
    assert_eq!(sub.pending(), 10);
    assert_eq!(sub.dropped(), 90);
    assert_eq!(client.statistics().dropped, 90);
    match next(&mut events).await {
        Event::SlowConsumer { subject, sid, dropped } => {
            assert_eq!((subject.as_str(), sid, dropped), ("flood", sub.sid(), 1));
        }
        other => panic!("unexpected {other:?}"),
    }
    // The queue keeps the oldest messages; reading makes room again.
    assert_eq!(&next(&mut sub).await.payload[..], b"0");
    assert!(events.try_next().is_none(), "one event per episode");
}

#[tokio::test]
async fn unsubscribe_and_close_end_streams() {
    let server = NatsServer::start();
    let (client, driver) = connect(&server.url()).await;
    let sub = client.subscribe("a").unwrap();
    let mut other = client.subscribe("b").unwrap();
    let mut events = client.events();
    client.flush().await.unwrap();
    drop(sub); // UNSUB
    client.flush().await.unwrap();
    client.close();
    assert!(tokio::time::timeout(WAIT, other.next()).await.unwrap().is_none());
    assert!(driver.await.unwrap().is_ok());
    let e = client.publish("a", "x").await.unwrap_err();
    assert!(matches!(e, Error::Closed { .. }), "{e}");
    assert!(matches!(next(&mut events).await, Event::Closed { .. }));
}

#[tokio::test]
async fn dropping_every_client_ends_the_driver() {
    let server = NatsServer::start();
    let (client, driver) = connect(&server.url()).await;
    client.publish("x", "y").await.unwrap();
    drop(client);
    assert!(tokio::time::timeout(WAIT, driver).await.unwrap().unwrap().is_ok());
}

#[tokio::test]
async fn first_connect_to_nothing_fails_fast_and_clearly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let start = Instant::now();
    let e = connect_with(options(&format!("nats://127.0.0.1:{port}")), TokioConnector::plain()).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(matches!(e, Error::Connect { .. }), "{e}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    let e = connect_with(options("ws://127.0.0.1:80"), TokioConnector::plain()).await.unwrap_err();
    assert!(matches!(e, Error::InvalidOption { .. }), "{e}");
}

#[tokio::test]
async fn dropping_the_driver_releases_every_caller() {
    let server = NatsServer::start();
    let (client, driver) =
        nats_client::Client::connect(options(&server.url()), TokioConnector::plain(), tokio::time::sleep)
            .await
            .unwrap();
    drop(driver); // never polled
    let e = client.request("x", "y").await.unwrap_err();
    assert!(e.to_string().contains("driver future was dropped"), "{e}");
    assert!(matches!(client.flush().await, Err(Error::Closed { .. })));
}
