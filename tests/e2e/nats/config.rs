//! Bad settings get one clear error each: the bridge's own environment (a bad URL, a
//! missing credentials file, an unknown key) ends it in ERROR with the reason in its
//! status; a handler's subscription settings are refused before anything starts.
use super::*;
use outrigger::{ServiceState, StartError};
use test_fixtures::NatsServer;

async fn bridge_error(server: &NatsServer, env: &str) -> String {
    let (w, _m) = launch_with_files(&workload_yaml(server, env, SECRETS), &[]).await;
    let st = w.wait_for_service("nats", Duration::from_secs(30), |s| s.state.is_final()).await.unwrap();
    assert_eq!(st.state, ServiceState::Error);
    w.shutdown().await;
    st.last_error.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bridge_settings_end_in_error_naming_the_setting() {
    let server = NatsServer::start();
    let why = bridge_error(&server, r#", NATS_CREDS_FILE: /secrets/missing.creds"#).await;
    assert!(
        why.contains("NATS_CREDS_FILE: cannot read `/secrets/missing.creds`") && why.contains("volumeMounts"),
        "{why}"
    );
    let why = bridge_error(&server, r#", NATS_PING_INTERVL: 5s"#).await;
    assert!(why.contains("unknown setting NATS_PING_INTERVL"), "{why}");
    let yaml = workload_yaml(&server, "", "").replace(&server.url(), "http://127.0.0.1:1");
    let (w, _m) = launch_with_files(&yaml, &[]).await;
    let st = w.wait_for_service("nats", Duration::from_secs(30), |s| s.state.is_final()).await.unwrap();
    let why = st.last_error.unwrap_or_default();
    assert!(why.contains("NATS_URL: `http://127.0.0.1:1` has an unknown scheme"), "{why}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_subscription_settings_are_refused_before_start() {
    let server = NatsServer::start();
    let yaml = workload_yaml(&server, "", "").replace(
        r#"config: { subscriptions: "echo.>" }"#,
        r#"config: { subscriptions: "echo..x", max_in_flight: "0" }"#,
    );
    let m = crate::common::TestManifest::new(&yaml);
    let err = Workload::check(&m.load(), options()).await.unwrap_err();
    let StartError::Plan(p) = &err else { panic!("{err}") };
    assert_eq!(p.problems.len(), 1, "{err}");
    assert!(
        p.problems[0].contains("component `app`: config.subscriptions: `echo..x` is not a valid NATS subject"),
        "{err}"
    );
}
