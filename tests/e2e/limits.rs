//! Isolation and limits for reactive components: per-call time limit, memory limit,
//! traps, deny-by-default sockets. None of them may take the host down.
use crate::common::start;
use outrigger::{CallError, Val};
use std::io::Read;
use std::time::{Duration, Instant};

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
    let t = Instant::now();
    let err = w.invoke("chaos", "spin", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::TimeLimit { .. }), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5), "stopped only after {:?}", t.elapsed());
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
    assert!(err.to_string().contains("unreachable") || err.to_string().contains("trap"), "{err}");
    let st = w.status();
    assert_eq!((st.components[0].invocations, st.components[0].failures), (1, 1));
    w.shutdown().await;
}

/// A local TCP server that accepts connections and reads what arrives.
fn listener() -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    l.set_nonblocking(false).unwrap();
    let h = std::thread::spawn(move || {
        let mut got = Vec::new();
        // One connection expected; the test makes exactly one allowed connect.
        if let Ok((mut s, _)) = l.accept() {
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            got.push(buf);
        }
        got
    });
    (port, h)
}

fn connect_result(v: Vec<Val>) -> Result<String, String> {
    match v.as_slice() {
        [Val::Result(Ok(Some(s)))] => match &**s {
            Val::String(s) => Ok(s.clone()),
            other => panic!("{other:?}"),
        },
        [Val::Result(Err(Some(e)))] => match &**e {
            Val::String(e) => Err(e.clone()),
            other => panic!("{other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_are_denied_unless_allowed() {
    let (port, server) = listener();
    let addr = Val::String(format!("127.0.0.1:{port}"));
    // No allowedHosts: denied.
    let (w, _m) = start(&chaos("")).await;
    let denied = connect_result(w.invoke("chaos", "connect", std::slice::from_ref(&addr)).await.unwrap());
    assert!(denied.is_err(), "connect without allowedHosts succeeded: {denied:?}");
    w.shutdown().await;

    // allowedHosts lists another port only: still denied.
    let other = format!(
        "    - name: other\n      component: \"{{wasm}}/chaos.wasm\"\n      allowedHosts: [\"127.0.0.1:{}\"]",
        port.wrapping_add(1)
    );
    let (w, _m) = start(&chaos(&other)).await;
    let denied = connect_result(w.invoke("other", "connect", std::slice::from_ref(&addr)).await.unwrap());
    assert!(denied.is_err(), "{denied:?}");
    w.shutdown().await;

    // Listed: allowed, and the bytes really arrive.
    let allowed = format!(
        "    - name: allowed\n      component: \"{{wasm}}/chaos.wasm\"\n      allowedHosts: [\"127.0.0.1:{port}\"]"
    );
    let (w, _m) = start(&chaos(&allowed)).await;
    let ok = connect_result(w.invoke("allowed", "connect", &[addr]).await.unwrap());
    assert!(ok.is_ok(), "{ok:?}");
    w.shutdown().await;
    assert_eq!(server.join().unwrap(), vec!["hello\n".to_string()]);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_stuck_in_a_loop_does_not_freeze_the_host() {
    // The spinning service never awaits; epoch interruption makes it yield, so other
    // work goes on and the workload still stops promptly.
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
    let t = Instant::now();
    let st = w.shutdown().await;
    assert_eq!(st.services[0].state, outrigger::ServiceState::Stopped);
    assert!(t.elapsed() < Duration::from_secs(5), "stop took {:?}", t.elapsed());
}
