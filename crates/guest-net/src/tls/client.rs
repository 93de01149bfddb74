//! The TLS client: [`TlsConnector`] and its builder (trusted CAs from PEM or the
//! bundled Mozilla roots, a client certificate for mTLS, a server-name override,
//! ALPN).
use super::explain::{Role, explain};
use super::{TlsStream, config_error, pem, provider};
use crate::addr::split_host_port;
use crate::error::{NetError, Result};
use crate::tcp::TcpStream;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;

/// Opens TLS client sessions with one configuration. Cheap to clone.
#[derive(Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
    server_name: Option<String>,
}

/// Settings for a [`TlsConnector`]; PEM inputs are checked by [`build`](Self::build).
#[derive(Default)]
#[must_use]
pub struct TlsConnectorBuilder {
    ca_pems: Vec<Vec<u8>>,
    webpki_roots: bool,
    client_auth: Option<(Vec<u8>, Vec<u8>)>,
    server_name: Option<String>,
    alpn: Vec<Vec<u8>>,
}

impl TlsConnectorBuilder {
    /// Trusts the CA certificate(s) in this PEM (call again for more bundles).
    /// With no CA given, the bundled Mozilla roots are trusted instead.
    pub fn ca_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.ca_pems.push(pem.as_ref().to_vec());
        self
    }

    /// Also trusts the bundled Mozilla roots (`webpki-roots`), next to `ca_pem`s.
    #[cfg(feature = "webpki-roots")]
    pub fn webpki_roots(mut self) -> Self {
        self.webpki_roots = true;
        self
    }

    /// Presents this client certificate (chain, leaf first) and its private key
    /// when the server asks for one (mutual TLS).
    pub fn client_auth_pem(mut self, cert_chain_pem: impl AsRef<[u8]>, key_pem: impl AsRef<[u8]>) -> Self {
        self.client_auth = Some((cert_chain_pem.as_ref().to_vec(), key_pem.as_ref().to_vec()));
        self
    }

    /// Verifies the server's certificate for (and sends SNI) `name` instead of the
    /// host the connection was opened with, e.g. when connecting by IP address.
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Offers these ALPN protocols, most preferred first (e.g. `["h2", "http/1.1"]`).
    pub fn alpn_protocols<I: IntoIterator<Item = P>, P: AsRef<[u8]>>(mut self, protocols: I) -> Self {
        self.alpn = protocols.into_iter().map(|p| p.as_ref().to_vec()).collect();
        self
    }

    /// Checks every input and builds the connector.
    pub fn build(self) -> Result<TlsConnector> {
        let mut roots = RootCertStore::empty();
        for (i, ca) in self.ca_pems.iter().enumerate() {
            pem::add_roots(&mut roots, ca, &format!("CA PEM #{}", i + 1))?;
        }
        if self.ca_pems.is_empty() || self.webpki_roots {
            add_bundled_roots(&mut roots)?;
        }
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| config_error("protocol versions", e))?
            .with_root_certificates(roots);
        let mut config = match self.client_auth {
            Some((cert, key)) => {
                let chain = pem::certs(&cert, "client certificate PEM")?;
                let key = pem::key(&key, "client key PEM")?;
                builder.with_client_auth_cert(chain, key).map_err(|e| config_error("client certificate and key", e))?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn;
        if let Some(name) = &self.server_name {
            server_name(name)?;
        }
        Ok(TlsConnector { config: Arc::new(config), server_name: self.server_name })
    }
}

#[cfg(feature = "webpki-roots")]
fn add_bundled_roots(roots: &mut RootCertStore) -> Result<()> {
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(())
}

#[cfg(not(feature = "webpki-roots"))]
fn add_bundled_roots(_: &mut RootCertStore) -> Result<()> {
    Err(config_error(
        "trusted CAs",
        "none given: call `ca_pem(...)`, or enable guest-net's `webpki-roots` feature for the bundled roots",
    ))
}

fn server_name(name: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(name.to_string())
        .map_err(|_| config_error("server name", format!("`{name}` is neither a DNS name nor an IP address")))
}

impl TlsConnector {
    /// Starts configuring a connector.
    pub fn builder() -> TlsConnectorBuilder {
        TlsConnectorBuilder::default()
    }

    /// Connects to `addr` (`host:port`) and runs the handshake, verifying the
    /// certificate for `host` (or the name set with `server_name`).
    pub async fn connect(&self, addr: &str) -> Result<TlsStream> {
        let (host, _) = split_host_port(addr)?;
        let host = host.to_string();
        let tcp = TcpStream::connect(addr).await?;
        self.handshake(tcp, &host).await
    }

    /// Runs the TLS handshake over an established connection (e.g. after a
    /// plaintext preamble), verifying the certificate for `server_name` (or the
    /// name set with the builder's `server_name`, which takes precedence).
    pub async fn handshake(&self, tcp: TcpStream, server_name: &str) -> Result<TlsStream> {
        let name = self.server_name.as_deref().unwrap_or(server_name).to_string();
        let peer = tcp.peer().to_string();
        let sni = self::server_name(&name)?;
        let connector = futures_rustls::TlsConnector::from(self.config.clone());
        match connector.connect(sni, tcp).await {
            Ok(stream) => Ok(TlsStream::new(stream.into(), Role::Client, Some(name))),
            Err(e) => Err(NetError::Tls { reason: explain(&e, Role::Client, &name), server: name, peer }),
        }
    }
}
