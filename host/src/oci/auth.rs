//! Registry credentials from the docker config file, as `docker login` writes it:
//! `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. An entry of `auths`
//! (keyed by registry, with or without `https://` and a path) gives
//! `auth: base64(user:password)`, or `username` and `password`; otherwise the
//! credential helper named for the registry (`credHelpers`) or for all (`credsStore`)
//! is asked, as docker does (`helper.rs`). Identity tokens are not supported: a
//! registry that only has one gets a warning saying so, and is tried anonymously.
use base64::Engine as _;
use oci_client::secrets::RegistryAuth;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

/// The credentials of one docker config file.
#[derive(Debug, Default)]
pub struct DockerConfig {
    /// The file read (or looked for).
    pub path: Option<PathBuf>,
    file: File,
    /// Why the file could not be used, if it could not.
    pub problem: Option<String>,
}

/// The credentials for one registry, and what the user should know about them.
pub struct Credentials {
    pub auth: RegistryAuth,
    /// Where they came from (`config.json auths."127.0.0.1:5000"`), for messages.
    pub source: Option<String>,
    pub warning: Option<String>,
}

impl DockerConfig {
    /// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
    pub fn default_path() -> Option<PathBuf> {
        match std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
            Some(dir) => Some(PathBuf::from(dir).join("config.json")),
            None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker").join("config.json")),
        }
    }

    /// Reads the file at `path`. A missing file is no credentials; an unreadable or
    /// malformed one is no credentials plus a [`DockerConfig::problem`].
    pub fn load(path: Option<&Path>) -> DockerConfig {
        let Some(path) = path else { return DockerConfig::default() };
        let mut config = DockerConfig { path: Some(path.to_path_buf()), ..DockerConfig::default() };
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<File>(&bytes) {
                Ok(file) => config.file = file,
                Err(e) => config.problem = Some(format!("{} is not a valid docker config file: {e}", path.display())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => config.problem = Some(format!("cannot read {}: {e}", path.display())),
        }
        config
    }

    /// The credentials for `registry` (as in a reference: `ghcr.io`, `127.0.0.1:5000`).
    pub async fn credentials(&self, registry: &str) -> Credentials {
        let want = normalize(registry);
        let mut out = Credentials { auth: RegistryAuth::Anonymous, source: None, warning: self.problem.clone() };
        let found = self.file.auths.iter().find(|(key, _)| normalize(key) == want);
        if let Some((key, entry)) = found {
            let source = format!("{} auths.\"{key}\"", self.file_name());
            match decode(entry) {
                Ok(Some((user, password))) => {
                    out.auth = RegistryAuth::Basic(user, password);
                    out.source = Some(source);
                    return out;
                }
                Ok(None) if entry.identity_token.is_some() => {
                    out.warning = Some(format!(
                        "{source}: an identity token is not supported; trying {registry} anonymously (put `auth` there instead)"
                    ));
                }
                Ok(None) => {}
                Err(e) => {
                    out.warning = Some(format!("{source}: {e}; trying {registry} anonymously"));
                    return out;
                }
            }
        }
        let helper = self
            .file
            .cred_helpers
            .iter()
            .find(|(key, _)| normalize(key) == want)
            .map(|(key, h)| (h, format!("{} credHelpers.\"{key}\"", self.file_name())))
            .or_else(|| self.file.creds_store.as_ref().map(|h| (h, format!("{} credsStore", self.file_name()))));
        if let Some((helper, from)) = helper {
            let server = if want == "docker.io" { "https://index.docker.io/v1/".to_string() } else { want.clone() };
            match super::helper::get(helper, &server).await {
                Ok(Some((user, secret))) => {
                    out.auth = RegistryAuth::Basic(user, secret);
                    out.source = Some(format!("the credential helper docker-credential-{helper} ({from})"));
                }
                Ok(None) => {} // the helper has nothing for this registry: anonymous, as docker
                Err(e) => out.warning = Some(format!("{from}: {e}; trying {registry} anonymously")),
            }
        }
        out
    }

    /// Says where credentials were looked for, for error messages.
    pub fn file_name(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "the docker config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json)".to_string(),
        }
    }
}

/// `(user, password)` from `auth` (base64 `user:password`) or `username`/`password`.
fn decode(entry: &AuthEntry) -> Result<Option<(String, String)>, String> {
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.trim().is_empty()) {
        let auth = auth.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(auth)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(auth.trim_end_matches('=')))
            .map_err(|e| format!("`auth` is not base64: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|_| "`auth` does not decode to text".to_string())?;
        let (user, password) =
            text.split_once(':').ok_or_else(|| "`auth` must be base64 of `user:password`".to_string())?;
        return Ok(Some((user.to_string(), password.to_string())));
    }
    match (&entry.username, &entry.password) {
        (Some(u), Some(p)) => Ok(Some((u.clone(), p.clone()))),
        _ => Ok(None),
    }
}

/// `https://index.docker.io/v1/` → `docker.io`; `http://127.0.0.1:5000` → `127.0.0.1:5000`.
fn normalize(key: &str) -> String {
    let key = key.trim();
    let key = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io".to_string(),
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> DockerConfig {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, json).unwrap();
        DockerConfig::load(Some(&path))
    }

    #[tokio::test]
    async fn oci_credentials_come_from_docker_config_auths() {
        let c = config(
            r#"{"auths": {"http://127.0.0.1:5000": {"auth": "YWxpY2U6czNjcjN0"},
                           "https://index.docker.io/v1/": {"username": "bob", "password": "pw"}},
                "credHelpers": {"ghcr.io": "gh"}}"#,
        );
        let a = c.credentials("127.0.0.1:5000").await;
        assert_eq!(a.auth, RegistryAuth::Basic("alice".into(), "s3cr3t".into()));
        assert!(a.source.unwrap().contains("auths.\"http://127.0.0.1:5000\""));
        assert_eq!(c.credentials("index.docker.io").await.auth, RegistryAuth::Basic("bob".into(), "pw".into()));
        let gh = c.credentials("ghcr.io").await;
        assert_eq!(gh.auth, RegistryAuth::Anonymous);
        let warning = gh.warning.unwrap();
        assert!(warning.contains("docker-credential-gh") && warning.contains("credHelpers.\"ghcr.io\""), "{warning}");
        assert_eq!(c.credentials("127.0.0.1:5001").await.auth, RegistryAuth::Anonymous);
        let bad = config("{not json");
        assert!(bad.credentials("x").await.warning.unwrap().contains("not a valid docker config file"));
        assert_eq!(DockerConfig::load(Some(Path::new("/nonexistent/config.json"))).problem, None);
    }
}
