//! TLS and authentication: the bridge connects with a CA (and a client certificate
//! for mutual TLS, or TLS first), or with user/password, token, nkey seed or a
//! `.creds` file, all read from a mounted folder; a wrong CA, an expired
//! certificate or a wrong password each end in ERROR after the restarts, with the
//! cause in the service's status.
use super::*;
use outrigger::ServiceState;
use test_fixtures::{NatsServer, NkeyUser, Operator, TestCa};

/// Starts, then checks that `echo.>` requests are answered through the bridge.
async fn works(server: &NatsServer, env: &str, files: &[(&str, &str)]) {
    let yaml = workload_yaml(server, env, SECRETS).replace(&server.url(), &url_for(server, env));
    let (w, _m) = launch_with_files(&yaml, files).await;
    w.wait_running(Duration::from_secs(20)).await.unwrap_or_else(|e| panic!("bridge not running: {e}"));
    let r = w.invoke("app", "request", &[s("svc.none"), s("x"), Val::U32(2000), Val::U32(1)]).await.unwrap();
    assert!(replies(r).unwrap_err().contains("no responders"), "the bridge talks to the server");
    w.shutdown().await;
}

/// tls:// when the bridge must use TLS.
fn url_for(server: &NatsServer, env: &str) -> String {
    if env.contains("NATS_TLS") { server.url().replace("nats://", "tls://") } else { server.url() }
}

/// Starts, and waits for the bridge to end in ERROR; returns its last error.
async fn fails(server: &NatsServer, env: &str, files: &[(&str, &str)]) -> String {
    let yaml = workload_yaml(server, env, SECRETS).replace(&server.url(), &url_for(server, env));
    let (w, _m) = launch_with_files(&yaml, files).await;
    let st = w
        .wait_for_service("nats", Duration::from_secs(30), |s| s.state.is_final())
        .await
        .unwrap_or_else(|e| panic!("the bridge should give up: {e}"));
    assert_eq!(st.state, ServiceState::Error, "{st:?}");
    assert_eq!(st.incarnations, 3, "1 start + 2 restarts (maxRestarts: 2)");
    w.shutdown().await;
    st.last_error.unwrap_or_default()
}

const CA_ENV: &str = r#", NATS_TLS_CA_FILE: /secrets/ca.pem"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_ca_mutual_tls_and_tls_first() {
    let ca = TestCa::new("bridge test CA");
    let server = NatsServer::builder().tls(&ca.server_cert()).start();
    works(&server, CA_ENV, &[("ca.pem", &ca.pem())]).await;

    let client = ca.client_cert("bridge");
    let server = NatsServer::builder().tls(&ca.server_cert()).verify_clients(&ca.pem()).start();
    let env = r#", NATS_TLS_CA_FILE: /secrets/ca.pem, NATS_TLS_CERT_FILE: /secrets/client.pem, NATS_TLS_KEY_FILE: /secrets/client.key"#;
    works(&server, env, &[("ca.pem", &ca.pem()), ("client.pem", &client.cert_pem), ("client.key", &client.key_pem)])
        .await;

    let server = NatsServer::builder().tls(&ca.server_cert()).handshake_first().start();
    works(&server, &format!("{CA_ENV}, NATS_TLS_FIRST: \"true\""), &[("ca.pem", &ca.pem())]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_token_nkey_and_creds() {
    let server = NatsServer::builder().user("app", "s3cret").start();
    works(&server, r#", NATS_USER: app, NATS_PASSWORD: s3cret"#, &[]).await;
    let server = NatsServer::builder().token("t0ken").start();
    works(&server, r#", NATS_TOKEN: t0ken"#, &[]).await;
    let user = NkeyUser::new();
    let server = NatsServer::builder().nkey_user(&user.public_key).start();
    works(&server, r#", NATS_NKEY_SEED_FILE: /secrets/user.nk"#, &[("user.nk", &user.seed)]).await;
    let op = Operator::new();
    let server = NatsServer::builder().operator(&op).jetstream(false).start();
    works(&server, r#", NATS_CREDS_FILE: /secrets/app.creds"#, &[("app.creds", &op.user_creds("app"))]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ca_an_expired_certificate_and_a_wrong_password_end_in_error() {
    let ca = TestCa::new("the right CA");
    let other = TestCa::new("some other CA");
    let server = NatsServer::builder().tls(&ca.server_cert()).start();
    let why = fails(&server, CA_ENV, &[("ca.pem", &other.pem())]).await;
    assert!(why.contains("not trusted") && why.contains("unknown issuer"), "{why}");

    let server = NatsServer::builder().tls(&ca.expired_server_cert()).start();
    let why = fails(&server, CA_ENV, &[("ca.pem", &ca.pem())]).await;
    assert!(why.contains("expired"), "{why}");

    let server = NatsServer::builder().user("app", "s3cret").start();
    let why = fails(&server, r#", NATS_USER: app, NATS_PASSWORD: wrong"#, &[]).await;
    assert!(why.to_lowercase().contains("authorization violation"), "{why}");
}
