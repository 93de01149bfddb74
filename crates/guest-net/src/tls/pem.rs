//! PEM inputs (CA bundles, certificate chains, private keys) parsed with
//! rustls-pki-types, with errors that say which input was wrong and how.
use crate::error::{NetError, Result};
use rustls::RootCertStore;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn config_error(what: &str, reason: impl Into<String>) -> NetError {
    NetError::TlsConfig { what: what.to_string(), reason: reason.into() }
}

fn pem_reason(e: &pem::Error) -> String {
    match e {
        pem::Error::NoItemsFound => "no PEM block of the expected kind found".into(),
        other => format!("malformed PEM: {other:?}"),
    }
}

/// Every certificate in `pem`; at least one.
pub(crate) fn certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| config_error(what, pem_reason(&e)))?;
    if certs.is_empty() {
        return Err(config_error(what, "no `-----BEGIN CERTIFICATE-----` block found (is this the key, or DER?)"));
    }
    Ok(certs)
}

/// The first private key in `pem` (PKCS#8, PKCS#1 RSA or SEC1 EC).
pub(crate) fn key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        pem::Error::NoItemsFound => config_error(
            what,
            "no private key found: expected a `-----BEGIN PRIVATE KEY-----`, `RSA PRIVATE KEY` or `EC PRIVATE KEY` block",
        ),
        other => config_error(what, pem_reason(&other)),
    })
}

/// Adds every certificate of a CA bundle to `roots`.
pub(crate) fn add_roots(roots: &mut RootCertStore, pem: &[u8], what: &str) -> Result<()> {
    for (i, cert) in certs(pem, what)?.into_iter().enumerate() {
        roots.add(cert).map_err(|e| config_error(what, format!("certificate #{} is not a usable CA: {e}", i + 1)))?;
    }
    Ok(())
}
