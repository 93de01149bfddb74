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
