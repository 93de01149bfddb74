//! The HTTP transport's settings, from the service's environment (`env:` in the
//! manifest), every problem reported at once in one message:
//!
//! - `MCP_HTTP_BIND`: `ip:port` or `host:port` to listen on (default
//!   `127.0.0.1:8080`); the manifest's `allowedHosts` must grant it.
//! - `MCP_HTTP_PATH`: the MCP endpoint (default `/mcp`).
//! - `MCP_HTTP_ALLOWED_HOSTS`: comma list of `Host` header values accepted
//!   (DNS-rebinding protection); an entry without a port matches any port, `*`
//!   matches anything. Default `localhost,127.0.0.1,[::1]`.
//! - `MCP_HTTP_ALLOWED_ORIGINS`: comma list of `Origin` values accepted
//!   (`scheme://host[:port]`, or `*`). Unset: an origin is accepted when its host
//!   is an allowed host. A request without `Origin` (not a browser) is accepted.

/// What the transport listens on and whom it answers.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub bind: String,
    pub path: String,
    pub allowed_hosts: Vec<String>,
    /// `None`: derived from `allowed_hosts`.
    pub allowed_origins: Option<Vec<String>>,
}

const KNOWN: [&str; 4] = ["MCP_HTTP_BIND", "MCP_HTTP_PATH", "MCP_HTTP_ALLOWED_HOSTS", "MCP_HTTP_ALLOWED_ORIGINS"];

impl HttpConfig {
    pub fn from_env() -> Result<HttpConfig, String> {
        Self::from_vars(std::env::vars())
    }

    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<HttpConfig, String> {
        let mut c = HttpConfig {
            bind: "127.0.0.1:8080".into(),
            path: "/mcp".into(),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
            allowed_origins: None,
        };
        let mut errors = Vec::new();
        for (k, v) in vars.into_iter().filter(|(k, _)| k.starts_with("MCP_HTTP_")) {
            match k.as_str() {
                "MCP_HTTP_BIND" => match check_bind(&v) {
                    Ok(()) => c.bind = v,
                    Err(e) => errors.push(format!("MCP_HTTP_BIND={v:?}: {e}")),
                },
                "MCP_HTTP_PATH" => {
                    if v.starts_with('/') && !v.contains(['?', '#', ' ']) {
                        c.path = v;
                    } else {
                        errors.push(format!("MCP_HTTP_PATH={v:?}: expected a path starting with '/', e.g. /mcp"));
                    }
                }
                "MCP_HTTP_ALLOWED_HOSTS" => match list(&v) {
                    Some(l) => c.allowed_hosts = l.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
                    None => errors.push(format!("MCP_HTTP_ALLOWED_HOSTS={v:?}: expected a comma list of hosts, e.g. localhost,127.0.0.1:8080")),
                },
                "MCP_HTTP_ALLOWED_ORIGINS" => match list(&v) {
                    Some(l) if l.iter().all(|o| o == "*" || o.contains("://")) => {
                        c.allowed_origins = Some(l.into_iter().map(|o| o.trim_end_matches('/').to_ascii_lowercase()).collect())
                    }
                    _ => errors.push(format!(
                        "MCP_HTTP_ALLOWED_ORIGINS={v:?}: expected a comma list of origins, e.g. http://localhost:3000,https://app.example.com (or *)"
                    )),
                },
                other => errors.push(format!("unknown setting {other}: the HTTP transport reads {}", KNOWN.join(", "))),
            }
        }
        if errors.is_empty() { Ok(c) } else { Err(format!("invalid MCP HTTP settings: {}", errors.join("; "))) }
    }

    /// Whether a `Host` header value is accepted.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let bare = strip_port(&host);
        self.allowed_hosts.iter().any(|a| a == "*" || *a == host || (strip_port(a) == a.as_str() && *a == bare))
    }

    /// Whether an `Origin` header value is accepted.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        match &self.allowed_origins {
            Some(list) => list.iter().any(|o| o == "*" || *o == origin),
            None => match origin.split_once("://") {
                Some(("http" | "https", host)) if !host.contains('/') => self.host_allowed(host),
                _ => false,
            },
        }
    }
}

/// `host[:port]` without its port (`[::1]:80` → `[::1]`, `localhost` unchanged).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn list(v: &str) -> Option<Vec<String>> {
    let items: Vec<String> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    (!items.is_empty() && items.iter().all(|s| !s.contains(char::is_whitespace))).then_some(items)
}

fn check_bind(v: &str) -> Result<(), String> {
    let (host, port) = v.rsplit_once(':').ok_or("expected host:port, e.g. 127.0.0.1:8080")?;
    if host.is_empty() {
        return Err("the host is empty: write e.g. 127.0.0.1:8080 or 0.0.0.0:8080".into());
    }
    port.parse::<u16>().map(drop).map_err(|_| format!("{port:?} is not a port (0-65535)"))
}
