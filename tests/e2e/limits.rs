//! Isolation and limits for reactive components: per-call time limit, memory limit,
//! traps, deny-by-default sockets. None of them may take the host down.
use crate::common::{start, string_result};
use outrigger::{CallError, Val};
use std::time::Duration;
use tokio::io::AsyncReadExt;

fn chaos(extra: &str) -> String {
    format!(
        r#"
metadata: {{ name: chaos-test }}
spec:
  components:
    - name: chaos
      component: "{{wasm}}/chaos.wasm"
      limits: {{ timeout: 500ms, memory: 16Mi }}
{extra}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_is_stopped_and_the_host_keeps_serving() {
    let (w, _m) = start(&chaos("")).await;
    let err = w.invoke("chaos", "spin", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::TimeLimit { limit, .. } if limit == Duration::from_millis(500)), "{err}");
    // Several spinning calls at once, and ordinary calls still work afterwards.
    let spins: Vec<_> = (0..4)
        .map(|_| w.func("chaos", "spin").unwrap())
        .map(|f| tokio::spawn(async move { f.call(&[]).await }))
        .collect();
    for s in spins {
        assert!(matches!(s.await.unwrap(), Err(CallError::TimeLimit { .. })));
    }
    let ok = w.invoke("chaos", "allocate", &[Val::U32(1)]).await.unwrap();
    assert_eq!(ok, vec![Val::U64(1 << 20)]);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_beyond_the_limit_is_refused() {
    let (w, _m) = start(&chaos("")).await;
    let err = w.invoke("chaos", "allocate", &[Val::U32(64)]).await.unwrap_err();
    match &err {
        CallError::MemoryLimit { limit, requested, .. } => {
            assert_eq!(*limit, 16 << 20);
            assert!(*requested > *limit);
        }
        other => panic!("expected a memory limit error, got {other}"),
    }
    assert!(err.to_string().contains("limits.memory"));
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_is_an_error_for_the_caller() {
    let (w, _m) = start(&chaos("")).await;
    let err = w.invoke("chaos", "trap", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::Trapped { .. }), "{err}");
    // A Rust panic is an `unreachable` trap; the message says so and where to look.
    let msg = err.to_string();
    assert!(msg.starts_with("component `chaos` trapped: "), "{msg}");
    assert!(msg.contains("wasm `unreachable` instruction executed"), "{msg}");
    assert!(msg.contains("in Rust guests this is a panic; its message is in the guest's log"), "{msg}");
    let st = w.status();
    assert_eq!((st.components[0].invocations, st.components[0].failures), (1, 1));
    w.shutdown().await;
}

/// A local TCP server that accepts connections and reads what arrives, until told
/// to stop or until `ACCEPT_FOR` has passed without a connection (so a connect
/// that never comes fails the test instead of blocking it).
fn listener() -> (u16, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<Vec<String>>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    l.set_nonblocking(true).unwrap();
    let l = tokio::net::TcpListener::from_std(l).unwrap();
    let (stop, mut stopped) = tokio::sync::oneshot::channel();
    let h = tokio::spawn(async move {
        let mut got = Vec::new();
        loop {
            let accepted = tokio::select! {
                biased;
                a = tokio::time::timeout(ACCEPT_FOR, l.accept()) => a,
                _ = &mut stopped => break,
            };
            let Ok(Ok((mut s, _))) = accepted else { break };
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf).await;
            got.push(buf);
        }
        got
    });
    (port, stop, h)
}

/// How long the test server waits for the next connection.
const ACCEPT_FOR: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_are_denied_unless_allowed() {
    let (port, stop, server) = listener();
    let addr = Val::String(format!("127.0.0.1:{port}"));
    // No allowedHosts: denied.
    let (w, _m) = start(&chaos("")).await;
    let denied = string_result(w.invoke("chaos", "connect", std::slice::from_ref(&addr)).await.unwrap());
    assert!(denied.is_err(), "connect without allowedHosts succeeded: {denied:?}");
    w.shutdown().await;

    // allowedHosts lists another port only: still denied.
    let other = format!(
        "    - name: other\n      component: \"{{wasm}}/chaos.wasm\"\n      allowedHosts: [\"127.0.0.1:{}\"]",
        port.wrapping_add(1)
    );
    let (w, _m) = start(&chaos(&other)).await;
    let denied = string_result(w.invoke("other", "connect", std::slice::from_ref(&addr)).await.unwrap());
    assert!(denied.is_err(), "{denied:?}");
    w.shutdown().await;

    // Listed: allowed, and the bytes really arrive.
    let allowed = format!(
        "    - name: allowed\n      component: \"{{wasm}}/chaos.wasm\"\n      allowedHosts: [\"127.0.0.1:{port}\"]"
    );
    let (w, _m) = start(&chaos(&allowed)).await;
    let ok = string_result(w.invoke("allowed", "connect", &[addr]).await.unwrap());
    assert!(ok.is_ok(), "{ok:?}");
    w.shutdown().await;
    // Exactly one connection arrived: the allowed one (the denied ones never did).
    let _ = stop.send(());
    assert_eq!(server.await.unwrap(), vec!["hello\n".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_invocations_waits_for_free_instance_slots() {
    // 40 instance slots (8 kept for services) and 150 concurrent invocations: callers
    // beyond the pool wait for a slot instead of failing.
    let m = crate::common::TestManifest::new(&chaos(""));
    let opts = outrigger::HostOptions {
        engine: outrigger::EngineOptions { max_instances: 40, ..Default::default() },
        ..crate::common::options()
    };
    let w = outrigger::Workload::start(&m.load(), opts).await.unwrap();
    let f = w.func("chaos", "allocate").unwrap();
    let calls: Vec<_> =
        (0..150).map(|_| f.clone()).map(|f| tokio::spawn(async move { f.call(&[Val::U32(1)]).await })).collect();
    for c in calls {
        assert_eq!(c.await.unwrap().unwrap(), vec![Val::U64(1 << 20)]);
    }
    w.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_service_stuck_in_a_loop_does_not_freeze_the_host() {
    // The spinning service never awaits. Everything here runs on ONE thread (a
    // current-thread runtime): the reactive calls below can only complete if
    // epoch interruption makes the spinning service yield that thread, and the
    // workload can only stop if the stop request is seen while it spins.
    let yaml = r#"
metadata: { name: spin-test }
spec:
  services:
    - name: spinner
      component: "{wasm}/crasher_service.wasm"
      env: { AFTER_MS: 0, MODE: spin }
  components:
    - name: upper
      component: "{wasm}/upper.wasm"
"#;
    let (w, _m) = start(yaml).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..20 {
        let r = w.invoke("upper", "apply", &[Val::String("ok".into())]).await.unwrap();
        assert_eq!(r, vec![Val::String("OK".into())]);
    }
    assert_eq!(w.status().services[0].state, outrigger::ServiceState::Running, "still spinning");
    let st = w.shutdown().await;
    assert_eq!(st.services[0].state, outrigger::ServiceState::Stopped);
}
