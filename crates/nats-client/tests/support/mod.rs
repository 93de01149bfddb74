//! Shared by the integration tests and the example: a tokio [`Connector`]
//! (tokio TCP + tokio-rustls, adapted to futures-io with tokio-util's `compat`),
//! and helpers that connect our client (driver spawned on tokio) and async-nats.
#![allow(dead_code)]
use nats_client::{Client, Connector, Options};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use test_fixtures::Cert;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// Opens tokio TCP streams (with TCP_NODELAY) and upgrades them with tokio-rustls.
#[derive(Clone, Default)]
pub struct TokioConnector {
    tls: Option<Arc<rustls::ClientConfig>>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TokioConnector {
    /// No TLS: `upgrade` fails.
    pub fn plain() -> TokioConnector {
        TokioConnector::default()
    }

    /// Trusts `ca_pem`; with `client`, presents that certificate (mutual TLS).
    pub fn tls(ca_pem: &str, client: Option<&Cert>) -> TokioConnector {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(c.unwrap()).unwrap();
        }
        let b = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = match client {
            Some(c) => {
                let chain =
                    CertificateDer::pem_slice_iter(c.cert_pem.as_bytes()).collect::<Result<Vec<_>, _>>().unwrap();
                let key = PrivateKeyDer::from_pem_slice(c.key_pem.as_bytes()).unwrap();
                b.with_client_auth_cert(chain, key).unwrap()
            }
            None => b.with_no_client_auth(),
        };
        TokioConnector { tls: Some(Arc::new(config)) }
    }
}

impl Connector for TokioConnector {
    type Stream = Compat<TcpStream>;
    type TlsStream = Compat<tokio_rustls::client::TlsStream<TcpStream>>;

    fn connect(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Self::Stream>> {
        let addr = format!("{host}:{port}");
        async move {
            let s = TcpStream::connect(&addr).await?;
            s.set_nodelay(true)?;
            Ok(s.compat())
        }
    }

    fn upgrade(&self, stream: Self::Stream, server_name: &str) -> impl Future<Output = io::Result<Self::TlsStream>> {
        let config = self.tls.clone();
        let name = ServerName::try_from(server_name.to_string());
        async move {
            let config = config.ok_or_else(|| io::Error::other("this connector has no TLS configuration"))?;
            let name = name.map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let tls = tokio_rustls::TlsConnector::from(config).connect(name, stream.into_inner()).await?;
            Ok(tls.compat())
        }
    }
}

/// Options for one server with test-friendly timeouts.
pub fn options(url: &str) -> Options {
    Options {
        servers: vec![url.to_string()],
        connect_timeout: Duration::from_secs(3),
        request_timeout: Duration::from_secs(5),
        reconnect_delay: Duration::from_millis(50),
        max_reconnect_delay: Duration::from_millis(500),
        ..Options::default()
    }
}

/// Connects our client and spawns its driver on tokio.
pub async fn connect_with(
    opts: Options,
    connector: TokioConnector,
) -> nats_client::Result<(Client, JoinHandle<nats_client::Result<()>>)> {
    let (client, driver) = Client::connect(opts, connector, tokio::time::sleep).await?;
    Ok((client, tokio::spawn(driver)))
}

/// Connects our client to a plain server; panics on failure.
pub async fn connect(url: &str) -> (Client, JoinHandle<nats_client::Result<()>>) {
    connect_with(options(url), TokioConnector::plain()).await.expect("connect")
}

/// The official client, as the independent peer.
pub async fn peer(url: &str) -> async_nats::Client {
    async_nats::connect(url).await.expect("async-nats connect")
}

/// Waits up to 10 s for `f` to become true.
pub async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// async-nats' `flush` only flushes its socket; a request the server answers
/// with "no responders" proves the server processed everything sent before
/// (e.g. a SUB) on that connection.
pub async fn settle(nc: &async_nats::Client) {
    nc.flush().await.unwrap();
    let r = nc.request("settle.nobody.listens", "".into()).await;
    assert!(r.is_err(), "nobody should answer the settle request");
}
