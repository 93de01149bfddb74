//! The service supervisor: fresh store per restart, backoff, max restarts -> ERROR,
//! exit 0 -> COMPLETED, what callers see while a service dies or restarts, clean stop.
use crate::common::{COUNTER, launch, start, u64_of};
use outrigger::{CallError, ServiceState, Val};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_restarts_the_service_in_a_fresh_store() {
    let (w, _m) = start(COUNTER).await;
    assert_eq!(u64_of(&w.invoke("client", "bump", &[Val::U32(5)]).await.unwrap()), 5);
    // `boom` traps the service while it serves the call: the caller learns it died.
    let err = w.invoke("client", "boom", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::ServiceDied { ref service, .. } if service == "counter"), "{err}");
    let s = w
        .wait_for_service("counter", Duration::from_secs(10), |s| {
            s.incarnations == 2 && s.state == ServiceState::Running
        })
        .await
        .unwrap();
    assert_eq!(s.failures, 1);
    assert!(s.last_error.as_deref().unwrap_or("").contains("trapped"), "{s:?}");
    // A fresh store: the counter starts from zero again.
    assert_eq!(u64_of(&w.invoke("client", "read", &[]).await.unwrap()), 0);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_callers_of_a_dying_service_get_an_error_at_once() {
    let (w, _m) = start(COUNTER).await;
    let wait = w.func("client", "wait").unwrap();
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let wait = wait.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                (wait.call(&[Val::U64(20_000)]).await, t.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = w.invoke("client", "boom", &[]).await;
    for h in waiters {
        let (r, took) = h.await.unwrap();
        let err = r.expect_err("a 20 s call into a service that died must fail");
        assert!(matches!(err, CallError::ServiceDied { .. }), "{err}");
        assert!(took < Duration::from_secs(5), "the error took {took:?}: callers must not wait for their own timeout");
    }
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_during_a_restart_wait_and_then_succeed_or_time_out() {
    // Restart takes 300 ms; a call made meanwhile waits in the queue and is served by
    // the next incarnation.
    let yaml = COUNTER.replace("backoff: { initial: 50ms }", "backoff: { initial: 300ms }");
    let (w, _m) = start(&yaml).await;
    let _ = w.invoke("client", "boom", &[]).await;
    let t = Instant::now();
    assert_eq!(u64_of(&w.invoke("client", "bump", &[Val::U32(1)]).await.unwrap()), 1);
    assert!(t.elapsed() >= Duration::from_millis(250), "served before the restart? {:?}", t.elapsed());
    w.shutdown().await;

    // With calls.timeout shorter than the restart, the caller gets a clear timeout.
    let yaml =
        COUNTER.replace("backoff: { initial: 50ms }", "backoff: { initial: 2s }\n      calls: { timeout: 200ms }");
    let (w, _m) = start(&yaml).await;
    let _ = w.invoke("client", "boom", &[]).await;
    let err = w.invoke("client", "bump", &[Val::U32(1)]).await.unwrap_err();
    assert!(matches!(err, CallError::ServiceTimeout { .. }), "{err}");
    assert!(err.to_string().contains("calls.timeout"), "{err}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backoff_grows_then_max_restarts_means_error() {
    let yaml = r#"
metadata: { name: crash-test }
spec:
  services:
    - name: crasher
      component: "{wasm}/crasher_service.wasm"
      env: { AFTER_MS: 10 }
      maxRestarts: 3
      backoff: { initial: 100ms, multiplier: 2, max: 250ms }
"#;
    let (w, _m) = launch(yaml).await;
    let mut rx = w.watch_service("crasher").unwrap();
    let mut starts = Vec::new();
    let mut states = Vec::new();
    let t0 = Instant::now();
    loop {
        let s = rx.borrow_and_update().clone();
        if states.last() != Some(&s.state) {
            states.push(s.state);
        }
        // STARTING lasts microseconds and may be coalesced away; a new incarnation
        // number is never missed, since each one runs for 10 ms.
        if s.incarnations as usize > starts.len() {
            starts.push(t0.elapsed());
        }
        if s.state.is_final() {
            break;
        }
        tokio::time::timeout(Duration::from_secs(10), rx.changed()).await.expect("state changes").unwrap();
    }
    let last = rx.borrow().clone();
    assert_eq!(last.state, ServiceState::Error, "{last:?}");
    assert_eq!(last.incarnations, 4, "1 start + 3 restarts");
    assert!(last.last_error.as_deref().unwrap().contains("gave up after 3 restarts"), "{last:?}");
    assert!(states.contains(&ServiceState::Backoff) && states.contains(&ServiceState::Running), "{states:?}");
    // Delays between starts: >= 100 ms, 200 ms, then capped at 250 ms (each gap also
    // holds the 10 ms run, which absorbs how late this loop sees a change).
    assert_eq!(starts.len(), 4, "{starts:?}");
    let gaps: Vec<Duration> = starts.windows(2).map(|p| p[1] - p[0]).collect();
    for (gap, min) in gaps.iter().zip([100, 200, 250]) {
        assert!(*gap >= Duration::from_millis(min), "gaps {gaps:?}");
    }
    assert!(gaps[2] < Duration::from_millis(1000), "the cap did not apply: {gaps:?}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_returning_ok_is_completed_and_err_is_a_failure() {
    let yaml = r#"
metadata: { name: exit-test }
spec:
  services:
    - name: done
      component: "{wasm}/crasher_service.wasm"
      env: { AFTER_MS: 10, MODE: exit }
    - name: failing
      component: "{wasm}/crasher_service.wasm"
      env: { AFTER_MS: 10, MODE: error }
      maxRestarts: 1
      backoff: { initial: 10ms }
"#;
    let (w, _m) = launch(yaml).await;
    let done = w.wait_for_service("done", Duration::from_secs(10), |s| s.state.is_final()).await.unwrap();
    assert_eq!((done.state, done.incarnations, done.failures), (ServiceState::Completed, 1, 0));
    let failing = w.wait_for_service("failing", Duration::from_secs(10), |s| s.state.is_final()).await.unwrap();
    assert_eq!((failing.state, failing.incarnations), (ServiceState::Error, 2));
    assert!(failing.last_error.unwrap().contains("returned an error"));
    // COMPLETED stays COMPLETED: no restart happens later.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(w.status().services[0].incarnations, 1);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_in_error_refuses_calls_at_once() {
    let yaml = r#"
metadata: { name: error-calls-test }
spec:
  services:
    - name: counter
      component: "{wasm}/counter_service.wasm"
      maxRestarts: 0
  components:
    - name: client
      component: "{wasm}/counter_client.wasm"
"#;
    let (w, _m) = start(yaml).await;
    let _ = w.invoke("client", "boom", &[]).await;
    w.wait_for_service("counter", Duration::from_secs(10), |s| s.state == ServiceState::Error).await.unwrap();
    let t = Instant::now();
    let err = w.invoke("client", "read", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::ServiceUnavailable { state: ServiceState::Error, .. }), "{err}");
    assert!(t.elapsed() < Duration::from_secs(1));
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_service_pushes_back_on_callers() {
    // One call at a time, a queue of one: eight 100 ms calls take at least 800 ms,
    // and all of them succeed.
    let yaml = COUNTER.replace("backoff: { initial: 50ms }", "calls: { maxInFlight: 1, queue: 1 }");
    let (w, _m) = start(&yaml).await;
    let wait = w.func("client", "wait").unwrap();
    let t = Instant::now();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let wait = wait.clone();
            tokio::spawn(async move { wait.call(&[Val::U64(100)]).await })
        })
        .collect();
    for c in calls {
        assert_eq!(u64_of(&c.await.unwrap().unwrap()), 100);
    }
    assert!(t.elapsed() >= Duration::from_millis(800), "maxInFlight was not enforced: {:?}", t.elapsed());
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_lets_in_flight_calls_finish() {
    let (w, _m) = start(COUNTER).await;
    let wait = w.func("client", "wait").unwrap();
    let call = tokio::spawn(async move { wait.call(&[Val::U64(300)]).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let st = w.shutdown().await;
    assert_eq!(st.services[0].state, ServiceState::Stopped);
    assert_eq!(u64_of(&call.await.unwrap().expect("the in-flight call finishes during the grace period")), 300);
}
