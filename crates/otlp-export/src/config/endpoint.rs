//! Endpoints (exporter.md, "Endpoint URLs for OTLP/HTTP"): a per-signal
//! variable is used as-is (an empty path becomes `/`); the general
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL to which `v1/traces`, `v1/logs` or
//! `v1/metrics` is appended; gRPC uses only the origin (scheme, host, port), and
//! also accepts `host:port` without a scheme, secured unless `..._INSECURE=true`.
use super::vars::Vars;
use super::{Protocol, Signal};
use std::fmt;

/// Where one signal's requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` (TLS) rather than `http`.
    pub tls: bool,
    /// Host name or IP address (an IPv6 address without brackets).
    pub host: String,
    pub port: u16,
    /// OTLP/HTTP: the request path and query, e.g. `/v1/traces`. OTLP/gRPC: `/`
    /// (the method path is fixed by the protocol).
    pub path: String,
}

impl Endpoint {
    /// `host[:port]` as in a URL or a `Host` header (brackets around IPv6; the
    /// port left out when it is the scheme's default).
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let default = if self.tls { 443 } else { 80 };
        if self.port == default { host } else { format!("{host}:{}", self.port) }
    }

    /// The URL requests go to (for gRPC, the origin).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{}", self.authority(), self.path)
    }

    /// Stands in for an endpoint that failed to parse (the config is an error then).
    pub(crate) fn placeholder(signal: Signal) -> Endpoint {
        Endpoint { tls: false, host: "localhost".into(), port: 4318, path: format!("/v1/{signal}") }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// The endpoint of `signal`, or `None` after recording a problem.
pub(crate) fn resolve(v: &mut Vars, signal: Signal, protocol: Protocol, insecure: bool) -> Option<Endpoint> {
    let specific = format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.upper());
    let general = "OTEL_EXPORTER_OTLP_ENDPOINT";
    let (key, raw, base) = match (v.get(&specific), v.get(general)) {
        (Some(raw), _) => (specific, raw, false),
        (None, Some(raw)) => (general.to_string(), raw, true),
        (None, None) => {
            return Some(match protocol {
                Protocol::HttpProtobuf => {
                    Endpoint { tls: false, host: "localhost".into(), port: 4318, path: format!("/v1/{signal}") }
                }
                Protocol::Grpc => Endpoint { tls: false, host: "localhost".into(), port: 4317, path: "/".into() },
            });
        }
    };
    match parse(&raw, protocol, insecure) {
        Ok((mut e, warning)) => {
            if let Some(w) = warning {
                v.warn(&key, w);
            }
            if base && protocol == Protocol::HttpProtobuf {
                e.path = append_signal(&e.path, signal);
            }
            Some(e)
        }
        Err(reason) => {
            v.problem(&key, reason);
            None
        }
    }
}

/// `base` + `v1/<signal>`, with exactly one slash between them; a query stays last.
fn append_signal(base: &str, signal: Signal) -> String {
    let (path, query) = match base.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (base, None),
    };
    let sep = if path.ends_with('/') { "" } else { "/" };
    match query {
        Some(q) => format!("{path}{sep}v1/{signal}?{q}"),
        None => format!("{path}{sep}v1/{signal}"),
    }
}

/// Parses one endpoint value; also returns a warning for something ignored.
fn parse(raw: &str, protocol: Protocol, insecure: bool) -> Result<(Endpoint, Option<String>), String> {
    let raw = raw.trim();
    let (tls, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "http" => (false, rest),
            "https" => (true, rest),
            other => {
                return Err(format!("`{raw}`: the scheme `{other}` is not supported: use `http://` or `https://`"));
            }
        },
        None if protocol == Protocol::Grpc => (!insecure, raw),
        None => {
            return Err(format!("`{raw}` is not a URL: give a scheme, e.g. `http://{raw}` (or `https://` for TLS)"));
        }
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("`{raw}` has no host"));
    }
    let uri: http::Uri = format!("http://{rest}").parse().map_err(|e| format!("`{raw}` is not a valid URL: {e}"))?;
    let authority = uri.authority().ok_or_else(|| format!("`{raw}` has no host"))?;
    if authority.as_str().contains('@') {
        return Err(format!(
            "`{raw}`: credentials in the URL are not supported: send them as a header instead (OTEL_EXPORTER_OTLP_HEADERS, \
             e.g. `authorization=Basic%20...`)"
        ));
    }
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
    if host.is_empty() {
        return Err(format!("`{raw}` has no host"));
    }
    let a = authority.as_str();
    let port_str = if a.ends_with(']') { None } else { a.rsplit_once(':').map(|(_, p)| p) };
    let port = match port_str {
        None => {
            if tls {
                443
            } else {
                80
            }
        }
        Some(p) => match p.parse::<u16>() {
            Ok(0) => return Err(format!("`{raw}`: port 0 is not a port to connect to")),
            Ok(p) => p,
            Err(_) => return Err(format!("`{raw}`: `{p}` is not a port (1-65535)")),
        },
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let path = if path.is_empty() { "/" } else { path };
    let mut warning = None;
    let path = match protocol {
        Protocol::HttpProtobuf => path.to_string(),
        Protocol::Grpc => {
            if path != "/" {
                warning = Some(format!(
                    "gRPC uses only the origin of `{raw}`: the path `{path}` is ignored (an OTLP/HTTP endpoint? then set the \
                     protocol to http/protobuf)"
                ));
            }
            "/".to_string()
        }
    };
    Ok((Endpoint { tls, host, port, path }, warning))
}
