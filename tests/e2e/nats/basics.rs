//! Publish, subscribe and request-reply in every direction, for standard
//! `wasi:messaging` components and wasmCloud components alike, checked by a native
//! NATS client; and the errors a component gets for what cannot work.
use super::*;
use crate::common::string_result;
use futures::StreamExt;
use test_fixtures::NatsServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasi_messaging_publish_arrives_with_its_headers() {
    let server = NatsServer::start();
    let (w, _m) = start_workload(&workload_yaml(&server, "", "")).await;
    let peer = native(&server).await;
    let mut sub = peer.subscribe("orders.created").await.unwrap();
    peer.flush().await.unwrap();
    let hdrs = headers(&[("content-type", "application/json"), ("x-trace", "abc"), ("x-trace", "def")]);
    let r = w.invoke("app", "publish", &[s("orders.created"), s("{\"id\":1}"), hdrs]).await.unwrap();
    assert_eq!(string_result(r.into_iter().map(unit_to_string).collect()), Ok(String::new()));
    let got = tokio::time::timeout(Duration::from_secs(5), sub.next()).await.expect("delivered").unwrap();
    assert_eq!(&got.payload[..], b"{\"id\":1}");
    let h = got.headers.expect("headers");
    assert_eq!(h.get("Content-Type").map(|v| v.as_str()), Some("application/json"));
    // add-metadata overwrites a key: the last value wins.
    assert_eq!(h.get_all("x-trace").map(|v| v.as_str()).collect::<Vec<_>>(), vec!["def"]);
    w.shutdown().await;
}

/// `result<_, string>` as `result<string, string>` for [`string_result`].
fn unit_to_string(v: outrigger::Val) -> outrigger::Val {
    match v {
        outrigger::Val::Result(Ok(None)) => outrigger::Val::Result(Ok(Some(Box::new(s(""))))),
        other => other,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_go_both_ways_for_wasi_and_wasmcloud_components() {
    let server = NatsServer::start();
    let (w, _m) = start_workload(&workload_yaml(&server, "", "")).await;
    let peer = native(&server).await;
    // A native responder...
    let mut svc = peer.subscribe("svc.>").await.unwrap();
    let responder = peer.clone();
    tokio::spawn(async move {
        while let Some(m) = svc.next().await {
            let body = format!("pong: {}", String::from_utf8_lossy(&m.payload));
            responder.publish(m.reply.unwrap(), body.into()).await.unwrap();
        }
    });
    peer.flush().await.unwrap();
    // ...answers a wasi:messaging component and a wasmCloud component.
    let r = w.invoke("app", "request", &[s("svc.time"), s("ping"), Val::U32(2000), Val::U32(1)]).await.unwrap();
    assert_eq!(replies(r), Ok(vec!["pong: ping".to_string()]));
    let r = w.invoke("wc", "request", &[s("svc.wc"), s("hi"), Val::U32(2000), Val::U32(1)]).await.unwrap();
    assert_eq!(replies(r), Ok(vec!["pong: hi".to_string()]));
    // A native requester is answered by each component's handler, in a fresh instance.
    let mut seen = peer.subscribe("seen.>").await.unwrap();
    peer.flush().await.unwrap();
    let reply = peer.request("echo.hello", "yo".into()).await.expect("the wasi handler answers");
    assert_eq!(&reply.payload[..], b"echo: yo");
    let reply = peer.request("wc.hello", "hey".into()).await.expect("the wasmCloud handler answers");
    assert_eq!(&reply.payload[..], b"wc: hey");
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let m = tokio::time::timeout(Duration::from_secs(5), seen.next()).await.unwrap().unwrap();
        subjects.push(m.subject.to_string());
    }
    subjects.sort();
    assert_eq!(subjects, vec!["seen.echo.hello", "seen.wc.hello"]);
    let st = w.shutdown().await;
    assert_eq!(st.components.iter().map(|c| c.failures).sum::<u64>(), 0, "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_handler_answers_with_service_error_headers() {
    let server = NatsServer::start();
    let (w, _m) = start_workload(&workload_yaml(&server, "", "")).await;
    let peer = native(&server).await;
    for (subject, body, says) in [
        ("echo.x", "fail", "refused `echo.x` on purpose"),
        ("echo.y", "trap", "trapped"),
        ("wc.z", "fail", "refused `wc.z` on purpose"),
    ] {
        let reply = peer.request(subject, body.into()).await.expect("an error reply, not a timeout");
        let h = reply.headers.expect("error headers");
        let err = h.get("Nats-Service-Error").map(|v| v.to_string()).unwrap_or_default();
        assert!(err.contains(says), "{subject}: {err}");
        assert_eq!(h.get("Nats-Service-Error-Code").map(|v| v.as_str()), Some("500"));
    }
    // The host and the bridge are fine.
    let reply = peer.request("echo.ok", "still here".into()).await.unwrap();
    assert_eq!(&reply.payload[..], b"echo: still here");
    let st = w.shutdown().await;
    assert_eq!(st.services[0].incarnations, 1, "the bridge never restarted: {st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_work_fails_at_once_with_a_clear_error() {
    let server = NatsServer::builder().max_payload(4096).start();
    let (w, _m) = start_workload(&workload_yaml(&server, "", "")).await;
    // Nobody listens: the server's no-responders status, not a timeout.
    let err =
        replies(w.invoke("app", "request", &[s("nobody.home"), s("?"), Val::U32(20000), Val::U32(1)]).await.unwrap())
            .unwrap_err();
    assert!(err.contains("no responders") && err.contains("nobody.home"), "{err}");
    let err =
        replies(w.invoke("wc", "request", &[s("nobody.home"), s("?"), Val::U32(20000), Val::U32(1)]).await.unwrap())
            .unwrap_err();
    assert!(err.contains("no responders"), "{err}");
    // An invalid subject, and a message above the server's max_payload.
    let r = w.invoke("app", "publish", &[s("bad subject"), s("x"), headers(&[])]).await.unwrap();
    let err = string_result(r.into_iter().map(unit_to_string).collect()).unwrap_err();
    assert!(err.contains("invalid subject") && err.contains("bad subject"), "{err}");
    let big = "x".repeat(5000);
    let r = w.invoke("app", "publish", &[s("big.one"), s(&big), headers(&[])]).await.unwrap();
    let err = string_result(r.into_iter().map(unit_to_string).collect()).unwrap_err();
    assert!(err.contains("max_payload of 4096"), "{err}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_is_reported_not_cut_off_by_the_server() {
    // One delivery at a time, 100 ms each, and room for 5 waiting messages: a burst of
    // 50 overflows the bridge's queue. The bridge keeps reading the socket (so the
    // server never sees a slow consumer), drops what does not fit and says so.
    let server = NatsServer::start();
    let yaml = workload_yaml(&server, r#", NATS_SUBSCRIPTION_CAPACITY: "5""#, "").replace(
        r#"config: { subscriptions: "echo.>" }"#,
        r#"config: { subscriptions: "echo.>", max_in_flight: "1" }"#,
    );
    let m = crate::common::TestManifest::new(&yaml);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_outrigger"))
        .args(["run", m.path.to_str().unwrap(), "--for", "4s"])
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let peer = native(&server).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for i in 0..50 {
        peer.publish(format!("echo.burst.{i}"), "slow:100".into()).await.unwrap();
    }
    peer.flush().await.unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("slow consumer on `echo.>`"), "{log}");
    assert!(!log.contains("disconnected from"), "the server never cut the bridge off: {log}");
    assert!(!server.log().contains("Slow Consumer"), "the server saw no slow consumer");
}
