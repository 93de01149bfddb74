//! TLS (server CA, mutual TLS, TLS first) and authentication (user/password, token,
//! nkey, .creds in operator mode) against real nats-servers; every wrong setting
//! must fail the first connect with one clear error naming the cause.
mod support;

use nats_client::{Auth, Error, Options};
use support::{TokioConnector, connect_with, options, peer};
use test_fixtures::{NatsServer, NkeyUser, Operator, TestCa};

/// Connects, proves the connection works (a request answered by async-nats
/// through the same server would need auth there too, so use flush + publish).
async fn works(opts: Options, connector: TokioConnector) {
    let (client, _driver) = connect_with(opts, connector).await.unwrap_or_else(|e| panic!("connect failed: {e}"));
    let mut sub = client.subscribe("t").unwrap();
    client.publish("t", "x").await.unwrap();
    let m = tokio::time::timeout(std::time::Duration::from_secs(5), futures::StreamExt::next(&mut sub)).await;
    assert_eq!(&m.unwrap().unwrap().payload[..], b"x");
}

async fn fails(opts: Options, connector: TokioConnector) -> Error {
    match connect_with(opts, connector).await {
        Ok(_) => panic!("connect should have failed"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn tls_with_the_servers_ca() {
    let ca = TestCa::new("ca");
    let server = NatsServer::builder().tls(&ca.server_cert()).start();
    // By name and by IP (the certificate lists both); tls:// requires TLS.
    works(options(&server.localhost_url()), TokioConnector::tls(&ca.pem(), None)).await;
    works(options(&server.url()), TokioConnector::tls(&ca.pem(), None)).await;
    let (client, _d) = connect_with(options(&server.url()), TokioConnector::tls(&ca.pem(), None)).await.unwrap();
    assert!(client.server_info().unwrap().tls_required);
}

#[tokio::test]
async fn tls_required_by_the_client_but_not_offered() {
    let server = NatsServer::start();
    let opts = Options { tls_required: true, ..options(&server.url()) };
    let e = fails(opts, TokioConnector::tls(&TestCa::new("x").pem(), None)).await;
    assert!(matches!(e, Error::Tls { .. }), "{e}");
    assert!(e.to_string().contains("does not offer it"), "{e}");
}

#[tokio::test]
async fn mutual_tls() {
    let ca = TestCa::new("ca");
    let server = NatsServer::builder().tls(&ca.server_cert()).verify_clients(&ca.pem()).start();
    let client_cert = ca.client_cert("app");
    works(options(&server.localhost_url()), TokioConnector::tls(&ca.pem(), Some(&client_cert))).await;

    // Without a client certificate: one TLS error that says a certificate is needed.
    let e = fails(options(&server.localhost_url()), TokioConnector::tls(&ca.pem(), None)).await;
    assert!(matches!(e, Error::Tls { .. }), "{e}");
    assert!(e.to_string().contains("client certificate"), "{e}");
    // A client certificate from another CA.
    let other = TestCa::new("other").client_cert("app");
    let e = fails(options(&server.localhost_url()), TokioConnector::tls(&ca.pem(), Some(&other))).await;
    assert!(matches!(e, Error::Tls { .. }), "{e}");
}

#[tokio::test]
async fn tls_first() {
    let ca = TestCa::new("ca");
    let server = NatsServer::builder().tls(&ca.server_cert()).handshake_first().start();
    let opts = Options { tls_first: true, ..options(&server.localhost_url()) };
    works(opts, TokioConnector::tls(&ca.pem(), None)).await;
    // Without tls_first the server waits for a ClientHello: the timeout says why.
    let opts = Options { connect_timeout: std::time::Duration::from_millis(500), ..options(&server.localhost_url()) };
    let e = fails(opts, TokioConnector::tls(&ca.pem(), None)).await;
    assert!(matches!(e, Error::ConnectTimeout { .. }), "{e}");
    assert!(e.to_string().contains("tls_first"), "{e}");
}

#[tokio::test]
async fn wrong_ca_is_one_clear_error() {
    let ca = TestCa::new("ca");
    let server = NatsServer::builder().tls(&ca.server_cert()).start();
    let e = fails(options(&server.localhost_url()), TokioConnector::tls(&TestCa::new("wrong").pem(), None)).await;
    assert!(matches!(e, Error::Tls { .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("not signed by a CA the client trusts") && text.contains("localhost"), "{text}");
    assert!(e.is_fatal());
}

#[tokio::test]
async fn expired_server_certificate_is_one_clear_error() {
    let ca = TestCa::new("ca");
    let server = NatsServer::builder().tls(&ca.expired_server_cert()).start();
    let e = fails(options(&server.localhost_url()), TokioConnector::tls(&ca.pem(), None)).await;
    assert!(matches!(e, Error::Tls { .. }), "{e}");
    assert!(e.to_string().contains("expired"), "{e}");
}

#[tokio::test]
async fn user_and_password() {
    let server = NatsServer::builder().user("app", "s3cret").start();
    let auth = Auth::UserPassword { user: "app".into(), password: "s3cret".into() };
    works(Options { auth, ..options(&server.url()) }, TokioConnector::plain()).await;
    // In the URL.
    let url = format!("nats://app:s3cret@127.0.0.1:{}", server.port());
    works(options(&url), TokioConnector::plain()).await;
}

#[tokio::test]
async fn wrong_password_is_one_clear_error() {
    let server = NatsServer::builder().user("app", "s3cret").start();
    let auth = Auth::UserPassword { user: "app".into(), password: "wrong".into() };
    let e = fails(Options { auth, ..options(&server.url()) }, TokioConnector::plain()).await;
    assert!(matches!(e, Error::Auth { .. }), "{e}");
    let text = e.to_string();
    assert!(text.starts_with("authorization violation at NATS server nats://127.0.0.1:"), "{text}");
    assert!(text.contains("user name and password"), "{text}");
    assert!(e.is_fatal());
    // No credentials at all.
    let e = fails(options(&server.url()), TokioConnector::plain()).await;
    assert!(e.to_string().contains("set Options::auth"), "{e}");
}

#[tokio::test]
async fn token() {
    let server = NatsServer::builder().token("t0ken").start();
    works(Options { auth: Auth::Token("t0ken".into()), ..options(&server.url()) }, TokioConnector::plain()).await;
    let e =
        fails(Options { auth: Auth::Token("nope".into()), ..options(&server.url()) }, TokioConnector::plain()).await;
    assert!(matches!(e, Error::Auth { .. }) && e.to_string().contains("token"), "{e}");
}

#[tokio::test]
async fn nkey() {
    let user = NkeyUser::new();
    let server = NatsServer::builder().nkey_user(&user.public_key).start();
    works(Options { auth: Auth::NkeySeed(user.seed.clone()), ..options(&server.url()) }, TokioConnector::plain()).await;
    let stranger = NkeyUser::new();
    let e =
        fails(Options { auth: Auth::NkeySeed(stranger.seed), ..options(&server.url()) }, TokioConnector::plain()).await;
    assert!(matches!(e, Error::Auth { .. }) && e.to_string().contains("nkey"), "{e}");
    // A malformed seed fails before any connection.
    let e =
        fails(Options { auth: Auth::NkeySeed("SUnotaseed".into()), ..options(&server.url()) }, TokioConnector::plain())
            .await;
    assert!(matches!(e, Error::InvalidOption { .. }), "{e}");
}

#[tokio::test]
async fn creds_in_operator_mode() {
    let operator = Operator::new();
    let server = NatsServer::builder().jetstream(false).operator(&operator).start();
    let creds = operator.user_creds("app");
    works(Options { auth: Auth::Credentials(creds), ..options(&server.url()) }, TokioConnector::plain()).await;
    // A user of another operator is refused.
    let foreign = Operator::new().user_creds("intruder");
    let e =
        fails(Options { auth: Auth::Credentials(foreign), ..options(&server.url()) }, TokioConnector::plain()).await;
    assert!(matches!(e, Error::Auth { .. }) && e.to_string().contains(".creds"), "{e}");
    // async-nats accepts the same creds (the fixture's JWTs are well formed).
    let opts = async_nats::ConnectOptions::with_credentials(&operator.user_creds("peer")).unwrap();
    opts.connect(server.url()).await.unwrap();
    let _ = peer; // (plain peer helper unused here)
}
