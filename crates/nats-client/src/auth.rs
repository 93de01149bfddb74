//! Credentials: checking [`Auth`] once before the first connect (so a bad seed or
//! `.creds` file fails fast), signing the server's nonce with nkeys, and the
//! credential fields of CONNECT. The `.creds` parser is hand-written: it is a text
//! format of the NATS tools (two dash-fenced blocks, the user JWT then its seed),
//! not part of the wire protocol watermelon-proto covers.
use crate::addr::Addr;
use crate::error::{Error, Result};
use crate::options::Auth;
use nkeys::KeyPair;
use std::sync::Arc;

/// Checked credentials, ready to answer any server's nonce.
#[derive(Clone)]
pub(crate) enum Credentials {
    None,
    UserPassword { user: String, password: String },
    Token(String),
    Nkey(Arc<KeyPair>),
    Jwt { jwt: String, key: Arc<KeyPair> },
}

/// The credential fields of one CONNECT.
#[derive(Default)]
pub(crate) struct ConnectFields {
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub nkey: Option<String>,
    pub jwt: Option<String>,
    pub signature: Option<String>,
}

impl Credentials {
    pub(crate) fn from_auth(auth: &Auth) -> Result<Credentials> {
        Ok(match auth {
            Auth::None => Credentials::None,
            Auth::UserPassword { user, password } => {
                Credentials::UserPassword { user: user.clone(), password: password.clone() }
            }
            Auth::Token(t) => Credentials::Token(t.clone()),
            Auth::NkeySeed(seed) => Credentials::Nkey(Arc::new(key_from_seed(seed.trim(), "auth nkey seed")?)),
            Auth::Credentials(text) => {
                let (jwt, seed) = parse_creds(text)?;
                Credentials::Jwt { jwt, key: Arc::new(key_from_seed(&seed, "auth credentials (.creds) seed")?) }
            }
        })
    }

    /// What to put in CONNECT for `server`, signing `nonce` where needed. User and
    /// password from the server URL apply when no other credentials are set.
    pub(crate) fn connect_fields(&self, server: &Addr, nonce: Option<&str>) -> Result<ConnectFields> {
        let sign = |key: &KeyPair| -> Result<String> {
            let nonce = nonce.ok_or_else(|| Error::Auth {
                server: server.to_string(),
                reason: "the server sent no nonce to sign: it is not configured for nkey or JWT users (check its authorization / operator settings)".into(),
            })?;
            let sig = key.sign(nonce.as_bytes()).map_err(|e| Error::Auth {
                server: server.to_string(),
                reason: format!("cannot sign the server nonce: {e}"),
            })?;
            Ok(data_encoding::BASE64URL_NOPAD.encode(&sig))
        };
        let mut f = ConnectFields::default();
        match self {
            Credentials::None => {
                f.user = server.user.clone();
                f.password = server.password.clone();
            }
            Credentials::UserPassword { user, password } => {
                f.user = Some(user.clone());
                f.password = Some(password.clone());
            }
            Credentials::Token(t) => f.token = Some(t.clone()),
            Credentials::Nkey(key) => {
                f.nkey = Some(key.public_key());
                f.signature = Some(sign(key)?);
            }
            Credentials::Jwt { jwt, key } => {
                f.jwt = Some(jwt.clone());
                f.signature = Some(sign(key)?);
            }
        }
        Ok(f)
    }

    /// Words for an authorization error: which credentials the server refused.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Credentials::None => "no credentials were given, and the server requires them: set Options::auth",
            Credentials::UserPassword { .. } => "the server refused the user name and password: check them",
            Credentials::Token(_) => "the server refused the token: check it",
            Credentials::Nkey(_) => "the server refused the nkey: is its public key listed in the server's users?",
            Credentials::Jwt { .. } => {
                "the server refused the credentials (.creds): is the user JWT signed by an account the server trusts, and not expired or revoked?"
            }
        }
    }
}

fn key_from_seed(seed: &str, what: &str) -> Result<KeyPair> {
    if !seed.starts_with('S') {
        return Err(Error::option(what, "not an nkey seed (a seed starts with `S`, e.g. `SUA...` for a user)"));
    }
    KeyPair::from_seed(seed).map_err(|e| Error::option(what, format!("invalid nkey seed: {e}")))
}

/// Extracts the user JWT and the nkey seed from the text of a `.creds` file.
pub(crate) fn parse_creds(text: &str) -> Result<(String, String)> {
    let what = "auth credentials (.creds)";
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if !(line.starts_with("---") && line.contains("BEGIN")) {
            continue;
        }
        let header = line.trim_matches('-').trim().to_string();
        let body = lines.by_ref().find(|l| !l.is_empty()).unwrap_or_default();
        if body.starts_with("---") {
            return Err(Error::option(what, format!("the block `{header}` is empty")));
        }
        blocks.push((header, body.to_string()));
    }
    let find = |needle: &str| blocks.iter().find(|(h, _)| h.contains(needle)).map(|(_, b)| b.clone());
    let jwt = find("JWT").or_else(|| blocks.first().map(|(_, b)| b.clone()));
    let seed = find("SEED").or_else(|| blocks.get(1).map(|(_, b)| b.clone()));
    let (Some(jwt), Some(seed)) = (jwt, seed) else {
        return Err(Error::option(
            what,
            "expected a `-----BEGIN NATS USER JWT-----` block and a `-----BEGIN USER NKEY SEED-----` block (the file `nsc generate creds` writes)",
        ));
    };
    if jwt.split('.').count() != 3 {
        return Err(Error::option(what, "the JWT block does not hold a JWT (three base64url parts separated by dots)"));
    }
    Ok((jwt, seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> String {
        let seed = KeyPair::new_user().seed().unwrap();
        format!(
            "-----BEGIN NATS USER JWT-----\neyJhIjoxfQ.eyJiIjoyfQ.c2ln\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        )
    }

    #[test]
    fn parses_creds_and_signs() {
        let (jwt, seed) = parse_creds(&creds()).unwrap();
        assert_eq!(jwt, "eyJhIjoxfQ.eyJiIjoyfQ.c2ln");
        assert!(seed.starts_with("SUA"));
        let creds = Credentials::from_auth(&Auth::Credentials(creds())).unwrap();
        let server = Addr::parse("127.0.0.1:4222").unwrap();
        let f = creds.connect_fields(&server, Some("nonce")).unwrap();
        assert_eq!(f.jwt.as_deref(), Some("eyJhIjoxfQ.eyJiIjoyfQ.c2ln"));
        let Credentials::Jwt { key, .. } = creds else { unreachable!() };
        let sig = data_encoding::BASE64URL_NOPAD.decode(f.signature.unwrap().as_bytes()).unwrap();
        key.verify(b"nonce", &sig).unwrap();
    }

    #[test]
    fn rejects_bad_creds() {
        let e = parse_creds("nothing here").unwrap_err().to_string();
        assert!(e.contains("BEGIN NATS USER JWT"), "{e}");
        let Err(e) = Credentials::from_auth(&Auth::NkeySeed("UABC".into())) else { panic!("accepted") };
        let e = e.to_string();
        assert!(e.contains("not an nkey seed"), "{e}");
    }
}
