//! Service -> component: the ticker service calls a reactive `on-tick` export, each
//! call in a fresh instance, which itself calls the counter service.
use crate::common::{start, u64_of};
use outrigger::ServiceState;
use std::time::Duration;

const CRON: &str = r#"
metadata: { name: cron-test }
spec:
  services:
    - name: counter
      component: "{wasm}/counter_service.wasm"
    - name: ticker
      component: "{wasm}/ticker_service.wasm"
      env: { TICK_MS: 5, MAX_TICKS: 20 }
  components:
    - name: tick-counter
      component: "{wasm}/tick_counter.wasm"
    - name: client
      component: "{wasm}/counter_client.wasm"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticker_service_drives_a_reactive_component() {
    let (w, _m) = start(CRON).await;
    let done = w.wait_for_service("ticker", Duration::from_secs(20), |s| s.state.is_final()).await.unwrap();
    assert_eq!(done.state, ServiceState::Completed, "ticker: {done:?}");
    // Every tick got its own instance of tick-counter, and each incremented the counter once.
    let st = w.status();
    let tc = st.components.iter().find(|c| c.name == "tick-counter").unwrap();
    assert_eq!((tc.invocations, tc.failures), (20, 0));
    assert_eq!(u64_of(&w.invoke("client", "read", &[]).await.unwrap()), 20);
    // The counter service is unaffected by the ticker finishing.
    assert_eq!(st.services.iter().find(|s| s.name == "counter").unwrap().state, ServiceState::Running);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_handler_is_an_error_value_for_the_service_not_a_crash() {
    // The counter service completes at once, so every tick-counter invocation fails
    // (its `incr` call has nowhere to go and traps it). on-tick returns
    // result<_, string>, so the ticker receives err("...") values and carries on.
    let yaml = r#"
metadata: { name: cron-fail-test }
spec:
  services:
    - name: counter
      component: "{wasm}/counter_service.wasm"
      env: { TICK_MS: 1, EXIT_AFTER_TICKS: 1 }
    - name: ticker
      component: "{wasm}/ticker_service.wasm"
      env: { TICK_MS: 50, MAX_TICKS: 5 }
  components:
    - name: tick-counter
      component: "{wasm}/tick_counter.wasm"
"#;
    let (w, _m) = start(yaml).await;
    let ticker = w.wait_for_service("ticker", Duration::from_secs(20), |s| s.state.is_final()).await.unwrap();
    assert_eq!(ticker.state, ServiceState::Completed, "{ticker:?}");
    assert_eq!(ticker.incarnations, 1, "the ticker must not have crashed");
    let st = w.status();
    assert_eq!(st.services.iter().find(|s| s.name == "counter").unwrap().state, ServiceState::Completed);
    let tc = st.components.iter().find(|c| c.name == "tick-counter").unwrap();
    assert_eq!((tc.invocations, tc.failures), (5, 5));
    w.shutdown().await;
}
