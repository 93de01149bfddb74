//! The TLS server: [`TlsAcceptor`] and its builder (certificate chain and key from
//! PEM, optional client-certificate requirement for mTLS, ALPN).
use super::explain::{Role, explain};
use super::{TlsStream, config_error, pem, provider};
use crate::error::{NetError, Result};
use crate::tcp::TcpStream;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::sync::Arc;

/// Runs the server side of TLS handshakes with one configuration. Cheap to clone.
#[derive(Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

/// Settings for a [`TlsAcceptor`]; PEM inputs are checked by [`build`](Self::build).
#[must_use]
pub struct TlsAcceptorBuilder {
    cert_chain: Vec<u8>,
    key: Vec<u8>,
    client_ca: Option<Vec<u8>>,
    alpn: Vec<Vec<u8>>,
}

impl TlsAcceptorBuilder {
    /// Requires every client to present a certificate issued by a CA in this PEM.
    pub fn client_ca_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.client_ca = Some(pem.as_ref().to_vec());
        self
    }

    /// Accepts these ALPN protocols, most preferred first (e.g. `["h2", "http/1.1"]`).
    pub fn alpn_protocols<I: IntoIterator<Item = P>, P: AsRef<[u8]>>(mut self, protocols: I) -> Self {
        self.alpn = protocols.into_iter().map(|p| p.as_ref().to_vec()).collect();
        self
    }

    /// Checks every input and builds the acceptor.
    pub fn build(self) -> Result<TlsAcceptor> {
        let chain = pem::certs(&self.cert_chain, "server certificate PEM")?;
        let key = pem::key(&self.key, "server key PEM")?;
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| config_error("protocol versions", e))?;
        let builder = match &self.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                pem::add_roots(&mut roots, ca, "client CA PEM")?;
                let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                    .build()
                    .map_err(|e| config_error("client CA PEM", e))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(chain, key)
            .map_err(|e| config_error("server certificate and key (do they belong together?)", e))?;
        config.alpn_protocols = self.alpn;
        // Our order (ChaCha20 first, fast in wasm) rather than the client's.
        config.ignore_client_order = true;
        Ok(TlsAcceptor { config: Arc::new(config) })
    }
}

impl TlsAcceptor {
    /// Starts configuring an acceptor with the server's certificate chain (leaf
    /// first) and private key, both PEM.
    pub fn builder(cert_chain_pem: impl AsRef<[u8]>, key_pem: impl AsRef<[u8]>) -> TlsAcceptorBuilder {
        TlsAcceptorBuilder {
            cert_chain: cert_chain_pem.as_ref().to_vec(),
            key: key_pem.as_ref().to_vec(),
            client_ca: None,
            alpn: Vec::new(),
        }
    }

    /// Runs the server side of the handshake on an accepted connection.
    pub async fn accept(&self, tcp: TcpStream) -> Result<TlsStream> {
        let peer = tcp.peer().to_string();
        let acceptor = futures_rustls::TlsAcceptor::from(self.config.clone());
        match acceptor.accept(tcp).await {
            Ok(stream) => {
                let sni = stream.get_ref().1.server_name().map(str::to_string);
                Ok(TlsStream::new(stream.into(), Role::Server, sni))
            }
            Err(e) => Err(NetError::TlsAccept { reason: explain(&e, Role::Server, ""), peer }),
        }
    }
}
