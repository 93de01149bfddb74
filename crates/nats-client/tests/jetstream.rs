//! JetStream acknowledged publish against a real server: acks, duplicates by
//! Nats-Msg-Id, API errors, no stream, and the promise that matters: every
//! publish that returned Ok is in the stream after a SIGKILL and restart.
mod support;

use nats_client::{Error, Headers, Options};
use std::time::Duration;
use support::{TokioConnector, connect, connect_with, options, peer};
use test_fixtures::NatsServer;

async fn create_stream(url: &str, name: &str, subjects: &str) -> async_nats::jetstream::Context {
    let js = async_nats::jetstream::new(peer(url).await);
    js.create_stream(async_nats::jetstream::stream::Config {
        name: name.into(),
        subjects: vec![subjects.into()],
        ..Default::default()
    })
    .await
    .unwrap();
    js
}

#[tokio::test]
async fn acks_duplicates_and_errors() {
    let server = NatsServer::start();
    let js = create_stream(&server.url(), "ORDERS", "orders.>").await;
    let (client, _driver) = connect(&server.url()).await;
    let t = Duration::from_secs(5);
    let h = Headers::new();

    let a = client.publish_with_ack("orders.1", &h, "one", t).await.unwrap();
    assert_eq!((a.stream.as_str(), a.seq, a.duplicate), ("ORDERS", 1, false));
    let b = client.publish_with_ack_id("orders.2", "id-2", &h, "two", t).await.unwrap();
    assert_eq!(b.seq, 2);
    let dup = client.publish_with_ack_id("orders.2", "id-2", &h, "two again", t).await.unwrap();
    assert!(dup.duplicate && dup.seq == 2, "{dup:?}");
    let mut stream = js.get_stream("ORDERS").await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 2);

    // An API error: the expected last sequence does not match.
    let mut expect = Headers::new();
    expect.insert("Nats-Expected-Last-Sequence", "99");
    let e = client.publish_with_ack("orders.3", &expect, "three", t).await.unwrap_err();
    assert!(matches!(e, Error::JetStream { code: 400, .. }), "{e}");
    assert!(e.to_string().contains("orders.3") && e.to_string().contains("wrong last sequence"), "{e}");

    // No stream listens: immediate, distinct error.
    let e = client.publish_with_ack("nostream.x", &h, "x", t).await.unwrap_err();
    assert_eq!(e, Error::NoStream { subject: "nostream.x".into() });
}

#[tokio::test]
async fn every_acked_publish_survives_a_sigkill_and_restart() {
    let mut server = NatsServer::start();
    create_stream(&server.url(), "EVENTS", "events.>").await;
    let opts = Options { reconnect_buffer_size: 64 * 1024 * 1024, ..options(&server.url()) };
    let (client, _driver) = connect_with(opts, TokioConnector::plain()).await.unwrap();

    // Four publishers at once, so that some requests are on the wire at the kill.
    const N: usize = 400;
    let publishers: Vec<_> = (0..4)
        .map(|p| {
            let client = client.clone();
            tokio::spawn(async move {
                let (mut acked, mut failed) = (Vec::new(), Vec::new());
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                for i in 0..N {
                    assert!(tokio::time::Instant::now() < deadline, "publishing takes too long: {failed:?}");
                    let payload = format!("event {p}/{i}");
                    let id = format!("evt-{p}-{i}");
                    let t = Duration::from_secs(2);
                    match client.publish_with_ack_id("events.e", &id, &Headers::new(), payload.clone(), t).await {
                        Ok(ack) => acked.push((ack.seq, payload)),
                        Err(e) => failed.push(e.to_string()),
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                (acked, failed)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    server.kill();
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.restart();
    let (mut acked, mut failed) = (Vec::new(), Vec::new());
    for p in publishers {
        let (a, f) = p.await.unwrap();
        acked.extend(a);
        failed.extend(f);
    }
    assert!(acked.len() >= 4 * N / 2, "most publishes are acked: {} ok, failures: {failed:?}", acked.len());
    for f in &failed {
        // Only the outage may fail a publish: a request lost with the connection times out.
        assert!(f.contains("timed out"), "unexpected failure: {f}");
    }

    // Every acked message is in the (recovered) stream, at its sequence.
    let js = async_nats::jetstream::new(peer(&server.url()).await);
    let stream = js.get_stream("EVENTS").await.unwrap();
    for (seq, payload) in &acked {
        let m = stream.get_raw_message(*seq).await.unwrap_or_else(|e| panic!("acked seq {seq} missing: {e}"));
        assert_eq!(&m.payload[..], payload.as_bytes());
    }
    println!("{} acked, {} failed during the outage", acked.len(), failed.len());
}
