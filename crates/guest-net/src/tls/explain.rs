//! Turns a failed TLS handshake (or a later TLS alert) into a sentence that names the
//! cause (untrusted issuer, expired, wrong name, client certificate refused, ...) and
//! the fix, instead of rustls' terse `invalid peer certificate: UnknownIssuer`.
use crate::error::NetError;
use rustls::{AlertDescription, CertificateError, Error as TlsError};
use std::io;

/// Which side of the handshake we are.
#[derive(Clone, Copy)]
pub(crate) enum Role {
    Client,
    Server,
}

/// The reason text for a TLS failure carried in `e` (as futures-rustls reports it).
pub(crate) fn explain(e: &io::Error, role: Role, server: &str) -> String {
    let inner = e.get_ref();
    if let Some(tls) = inner.and_then(|i| i.downcast_ref::<TlsError>()) {
        return explain_tls(tls, role, server);
    }
    if let Some(net) = inner.and_then(|i| i.downcast_ref::<NetError>()) {
        return net.to_string();
    }
    match (e.kind(), role) {
        (io::ErrorKind::UnexpectedEof, Role::Client) => "the server closed the connection during the handshake \
             (is this a TLS port? the server may also refuse our TLS versions or want a client certificate)"
            .into(),
        (io::ErrorKind::UnexpectedEof, Role::Server) => {
            "the client closed the connection during the handshake (it may not trust our certificate)".into()
        }
        _ => e.to_string(),
    }
}

fn explain_tls(e: &TlsError, role: Role, server: &str) -> String {
    let (peer_cert, fix_trust) = match role {
        Role::Client => (
            "the server's certificate",
            "give the CA that issued it (`ca_pem`), or check that this is the right server",
        ),
        Role::Server => ("the client's certificate", "add the CA that issued it to `client_ca_pem`"),
    };
    match e {
        TlsError::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => format!(
                "{peer_cert} is not trusted: unknown issuer (it was not issued by any trusted CA). Fix: {fix_trust}"
            ),
            CertificateError::ExpiredContext { time, not_after } => format!(
                "{peer_cert} has expired: it was valid until {}, it is now {}. Fix: renew the certificate, or \
                 check this machine's clock",
                utc(not_after.as_secs()),
                utc(time.as_secs())
            ),
            CertificateError::Expired => {
                format!("{peer_cert} has expired. Fix: renew the certificate, or check this machine's clock")
            }
            CertificateError::NotValidYetContext { time, not_before } => format!(
                "{peer_cert} is not valid yet: it is valid from {}, it is now {}. Fix: check the clocks",
                utc(not_before.as_secs()),
                utc(time.as_secs())
            ),
            CertificateError::NotValidYet => format!("{peer_cert} is not valid yet. Fix: check the clocks"),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
                "name mismatch: {peer_cert} is not valid for `{server}` ({c}). Fix: connect with a name the \
                 certificate lists, or set the server name explicitly (`server_name`)"
            ),
            CertificateError::BadSignature => format!("{peer_cert} has a bad signature (forged or corrupted)"),
            CertificateError::Revoked => format!("{peer_cert} has been revoked"),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                format!("{peer_cert} is not meant for this use ({c})")
            }
            other => format!("{peer_cert} was rejected: {other}"),
        },
        TlsError::AlertReceived(alert) => alert_reason(*alert, role),
        TlsError::NoCertificatesPresented => match role {
            Role::Server => "the client sent no certificate, but this server requires one".into(),
            Role::Client => "the server sent no certificate".into(),
        },
        TlsError::PeerIncompatible(p) => {
            format!("no common ground with the peer ({p:?}): check the TLS versions and cipher suites both allow")
        }
        TlsError::InvalidMessage(_) | TlsError::PeerMisbehaved(_) => {
            format!("the peer does not speak valid TLS ({e}): is this a TLS port?")
        }
        other => other.to_string(),
    }
}

fn alert_reason(alert: AlertDescription, role: Role) -> String {
    let hint = match (role, alert) {
        (Role::Client, AlertDescription::CertificateRequired) => {
            "the server requires a client certificate: configure one with `client_auth_pem`"
        }
        (Role::Client, AlertDescription::HandshakeFailure) => {
            "no acceptable parameters: the server may require a client certificate, or other TLS versions"
        }
        (
            Role::Client,
            AlertDescription::BadCertificate | AlertDescription::UnknownCA | AlertDescription::CertificateUnknown,
        ) => "the server does not accept our client certificate: it must be issued by a CA the server trusts",
        (Role::Client, AlertDescription::CertificateExpired) => "our client certificate has expired",
        (_, AlertDescription::ProtocolVersion) => "no TLS version in common",
        (Role::Server, AlertDescription::UnknownCA | AlertDescription::BadCertificate) => {
            "the client does not trust our certificate: give it our CA"
        }
        (Role::Server, AlertDescription::CertificateExpired) => "the client says our certificate has expired",
        _ => "",
    };
    let who = match role {
        Role::Client => "the server",
        Role::Server => "the client",
    };
    if hint.is_empty() {
        format!("{who} aborted with TLS alert `{alert:?}`")
    } else {
        format!("{who} aborted with TLS alert `{alert:?}`: {hint}")
    }
}

/// `secs` since the UNIX epoch as `YYYY-MM-DD HH:MM:SS UTC` (civil-from-days, H. Hinnant).
fn utc(secs: u64) -> String {
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem / 60 % 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::UnixTime;
    use std::time::Duration;

    fn tls(e: TlsError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }

    #[test]
    fn dates_read_as_calendar_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(978_307_200), "2001-01-01 00:00:00 UTC");
        assert_eq!(utc(1_709_210_096), "2024-02-29 12:34:56 UTC");
    }

    #[test]
    fn certificate_problems_name_cause_and_fix() {
        let at = |s| UnixTime::since_unix_epoch(Duration::from_secs(s));
        let expired = CertificateError::ExpiredContext { time: at(1_709_210_096), not_after: at(978_307_200) };
        let text = explain(&tls(TlsError::InvalidCertificate(expired)), Role::Client, "db.internal");
        assert!(text.contains("server's certificate has expired") && text.contains("2001-01-01"), "{text}");
        let text = explain(&tls(CertificateError::UnknownIssuer.into()), Role::Server, "");
        assert!(text.contains("client's certificate is not trusted") && text.contains("client_ca_pem"), "{text}");
        let text = explain(&tls(TlsError::AlertReceived(AlertDescription::CertificateRequired)), Role::Client, "x");
        assert!(text.contains("requires a client certificate"), "{text}");
        let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof");
        assert!(explain(&eof, Role::Client, "x").contains("is this a TLS port?"));
    }
}
