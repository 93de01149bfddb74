//! Measures this client against async-nats on a local nats-server (started by
//! the test fixture): publish throughput (128-byte messages from one task, ended
//! by a round trip so the server has processed them all) and request-reply
//! latency (an async-nats echo responder on its own connection).
//!
//! ```sh
//! cargo run --release -p nats-client --example bench            # multi-thread tokio
//! cargo run --release -p nats-client --example bench -- --current-thread
//! ```
#[path = "../tests/support/mod.rs"]
mod support;

use bytes::Bytes;
use futures::StreamExt;
use std::time::{Duration, Instant};
use test_fixtures::NatsServer;

const MESSAGES: usize = 1_000_000;
const REQUESTS: usize = 20_000;

fn main() {
    let current_thread = std::env::args().any(|a| a == "--current-thread");
    let rt = if current_thread {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    }
    .unwrap();
    println!("runtime: {}", if current_thread { "current_thread" } else { "multi_thread" });
    rt.block_on(run());
}

async fn run() {
    let server = NatsServer::builder().jetstream(false).start();
    let url = server.url();
    let payload = Bytes::from(vec![b'x'; 128]);

    // Publish throughput, three rounds each, alternating.
    for round in 1..=3 {
        let (client, _driver) = support::connect(&url).await;
        let start = Instant::now();
        for _ in 0..MESSAGES {
            client.publish("bench.pub", payload.clone()).await.unwrap();
        }
        client.flush().await.unwrap();
        report(&format!("publish  nats-client  round {round}"), start.elapsed());

        let nc = support::peer(&url).await;
        let start = Instant::now();
        for _ in 0..MESSAGES {
            nc.publish("bench.pub", payload.clone()).await.unwrap();
        }
        support::settle(&nc).await;
        report(&format!("publish  async-nats   round {round}"), start.elapsed());
    }

    // Request-reply latency against an async-nats echo responder.
    let responder = support::peer(&url).await;
    let mut svc = responder.subscribe("bench.echo").await.unwrap();
    support::settle(&responder).await;
    tokio::spawn(async move {
        while let Some(m) = svc.next().await {
            responder.publish(m.reply.unwrap(), m.payload).await.unwrap();
        }
    });
    let (client, _driver) = support::connect(&url).await;
    let nc = support::peer(&url).await;
    for round in 1..=2 {
        let mut ours = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let t = Instant::now();
            client.request("bench.echo", payload.clone()).await.unwrap();
            ours.push(t.elapsed());
        }
        latency(&format!("request  nats-client  round {round}"), ours);
        let mut theirs = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let t = Instant::now();
            nc.request("bench.echo", payload.clone()).await.unwrap();
            theirs.push(t.elapsed());
        }
        latency(&format!("request  async-nats   round {round}"), theirs);
    }
}

fn report(what: &str, took: Duration) {
    let rate = MESSAGES as f64 / took.as_secs_f64();
    println!(
        "{what}: {MESSAGES} x 128 B in {:.3} s = {:.0} msgs/s ({:.1} MB/s)",
        took.as_secs_f64(),
        rate,
        rate * 128.0 / 1e6
    );
}

fn latency(what: &str, mut v: Vec<Duration>) {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e6;
    println!("{what}: {} requests, p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs", v.len(), p(0.5), p(0.9), p(0.99));
}
