//! Component -> service: reactive callers in their own stores reach the one running
//! service instance while its `run` keeps going.
use crate::common::{COUNTER, start, u64_of};
use outrigger::Val;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_reach_one_running_service_while_run_ticks() {
    let (w, _m) = start(COUNTER).await;
    let bump = w.func("client", "bump").unwrap();
    let ticks_before = u64_of(&w.invoke("client", "ticks", &[]).await.unwrap());
    let t0 = std::time::Instant::now();
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let bump = bump.clone();
            tokio::spawn(async move { bump.call(&[Val::U32(1000)]).await })
        })
        .collect();
    for c in callers {
        c.await.unwrap().expect("every caller succeeds");
    }
    let elapsed = t0.elapsed();
    // Exactly 8 x 1000 increments reached the single instance: no lost or doubled calls.
    assert_eq!(u64_of(&w.invoke("client", "read", &[]).await.unwrap()), 8000);
    // `run` kept ticking while the calls were served (5 ms ticks).
    tokio::time::sleep(Duration::from_millis(30)).await;
    let ticks_after = u64_of(&w.invoke("client", "ticks", &[]).await.unwrap());
    assert!(ticks_after > ticks_before, "run did not tick: {ticks_before} -> {ticks_after} over {elapsed:?}");
    let st = w.status();
    let counter = st.services.iter().find(|s| s.name == "counter").unwrap();
    assert_eq!(counter.incarnations, 1);
    assert!(counter.calls >= 8000 + 3, "service served {} calls", counter.calls);
    assert_eq!(st.components.iter().find(|c| c.name == "client").unwrap().failures, 0);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_cross_stores_intact() {
    let (w, _m) = start(COUNTER).await;
    // `echo` checks inside the guest that every byte came back unchanged.
    for size in [0u32, 1, 1024, 64 * 1024] {
        let r = w.invoke("client", "echo", &[Val::U32(3), Val::U32(size)]).await.unwrap();
        assert_eq!(u64_of(&r), 3 * size as u64);
    }
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_into_a_service_are_served_concurrently() {
    let (w, _m) = start(COUNTER).await;
    let wait = w.func("client", "wait").unwrap();
    let t0 = std::time::Instant::now();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let wait = wait.clone();
            tokio::spawn(async move { wait.call(&[Val::U64(300)]).await })
        })
        .collect();
    for c in calls {
        assert_eq!(u64_of(&c.await.unwrap().unwrap()), 300);
    }
    // 16 calls that each wait 300 ms inside the service overlap: far less than 16 x 300 ms.
    assert!(t0.elapsed() < Duration::from_millis(16 * 300 / 2), "calls were serialized: {:?}", t0.elapsed());
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasi_p3_components_with_async_imports_reach_the_service_too() {
    // A P3 reactive component lowers the service's `async func` imports async; a P2
    // component lowers sync-typed copies. Both reach the same running instance.
    let yaml = r#"
metadata: { name: p3-test }
spec:
  services:
    - name: counter
      component: "{wasm}/counter_service.wasm"
  components:
    - name: p3
      component: "{wasm}/counter_client_p3.wasm"
    - name: p2
      component: "{wasm}/counter_client.wasm"
"#;
    let (w, _m) = start(yaml).await;
    let callers: Vec<_> = (0..8)
        .map(|i| {
            let f = w.func(if i % 2 == 0 { "p3" } else { "p2" }, "bump").unwrap();
            tokio::spawn(async move { f.call(&[Val::U32(500)]).await })
        })
        .collect();
    for c in callers {
        c.await.unwrap().expect("every caller succeeds");
    }
    assert_eq!(u64_of(&w.invoke("p3", "read", &[]).await.unwrap()), 4000);
    assert_eq!(u64_of(&w.invoke("p2", "read", &[]).await.unwrap()), 4000);
    assert_eq!(u64_of(&w.invoke("p3", "echo", &[Val::U32(2), Val::U32(100_000)]).await.unwrap()), 200_000);
    // A P3 caller of a dying service gets the same typed error.
    let waiting = w.func("p3", "wait").unwrap();
    let h = tokio::spawn(async move { waiting.call(&[Val::U64(20_000)]).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = w.invoke("p2", "boom", &[]).await;
    let err = h.await.unwrap().unwrap_err();
    assert!(matches!(err, outrigger::CallError::ServiceDied { .. }), "{err}");
    w.shutdown().await;
}
