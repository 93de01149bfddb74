//! The bridge's settings, from its environment (`env:` in the manifest): which
//! servers, which credentials and TLS files (read from mounted volumes), timeouts,
//! buffers, and which subjects are JetStream streams whose acknowledgement a publish
//! waits for. Every problem is reported at once, naming the variable and the fix;
//! an unknown `NATS_*` variable is a problem too (a typo must not go unnoticed).
use nats_client::{Auth, Options};
use std::time::Duration;

/// Every variable this bridge reads.
const KNOWN: &[(&str, &str)] = &[
    ("NATS_URL", "server URLs, comma-separated (nats://host:4222, tls://host:4222); default nats://127.0.0.1:4222"),
    ("NATS_NAME", "the connection name the server shows"),
    ("NATS_USER", "user name (with NATS_PASSWORD)"),
    ("NATS_PASSWORD", "password"),
    ("NATS_TOKEN", "authentication token"),
    ("NATS_NKEY_SEED_FILE", "file holding an nkey user seed (SU...)"),
    ("NATS_CREDS_FILE", "a .creds file (user JWT + seed)"),
    ("NATS_TLS_CA_FILE", "PEM file of the CA that signed the server's certificate"),
    ("NATS_TLS_CERT_FILE", "PEM client certificate (mutual TLS)"),
    ("NATS_TLS_KEY_FILE", "PEM key of the client certificate"),
    ("NATS_TLS_SERVER_NAME", "the name to verify the server's certificate against"),
    ("NATS_TLS_REQUIRED", "true: refuse servers without TLS"),
    ("NATS_TLS_FIRST", "true: TLS before the server's INFO (server tls.handshake_first)"),
    ("NATS_CONNECT_TIMEOUT", "per connection attempt, e.g. 5s"),
    ("NATS_PING_INTERVAL", "keepalive interval, e.g. 20s"),
    ("NATS_MAX_PINGS_OUT", "unanswered pings before the connection counts as stale"),
    ("NATS_MAX_RECONNECTS", "failed reconnects in a row before the bridge gives up (default: never)"),
    ("NATS_RECONNECT_BUFFER", "bytes of publishes kept while disconnected, e.g. 8388608"),
    ("NATS_REQUEST_TIMEOUT", "the longest a request may wait, e.g. 30s"),
    (
        "NATS_SUBSCRIPTION_CAPACITY",
        "messages a handler route may have waiting before new ones are dropped (and reported)",
    ),
    ("NATS_JETSTREAM_ACK", "subjects (wildcards allowed, comma-separated) whose publishes wait for the stream's ack"),
    ("NATS_JETSTREAM_ACK_TIMEOUT", "how long a publish waits for that ack, e.g. 5s"),
];

/// What the bridge needs.
pub struct Config {
    pub options: Options,
    pub tls_ca: Option<Vec<u8>>,
    pub tls_client: Option<(Vec<u8>, Vec<u8>)>,
    pub tls_server_name: Option<String>,
    pub request_timeout: Duration,
    pub ack_subjects: Vec<String>,
    pub ack_timeout: Duration,
}

impl Config {
    /// Reads the environment; every problem in one message.
    pub fn from_env() -> Result<Config, String> {
        Config::from_vars(std::env::vars().collect(), |path| std::fs::read(path))
    }

    pub fn from_vars(
        vars: Vec<(String, String)>,
        read: impl Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<Config, String> {
        let mut problems = Vec::new();
        for (k, _) in &vars {
            if k.starts_with("NATS_") && !KNOWN.iter().any(|(n, _)| n == k) {
                let names: Vec<&str> = KNOWN.iter().map(|(n, _)| *n).collect();
                problems.push(format!("unknown setting {k}; known: {}", names.join(", ")));
            }
        }
        let get =
            |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut file = |var: &str| -> Option<Vec<u8>> {
            let path = get(var)?;
            match read(&path) {
                Ok(bytes) => Some(bytes),
                Err(e) => {
                    problems.push(format!(
                        "{var}: cannot read `{path}`: {e} (mount its folder into the bridge with volumeMounts, and give the path inside it)"
                    ));
                    None
                }
            }
        };
        let seed_file = file("NATS_NKEY_SEED_FILE");
        let creds = file("NATS_CREDS_FILE");
        let tls_ca = file("NATS_TLS_CA_FILE");
        let cert = file("NATS_TLS_CERT_FILE");
        let key = file("NATS_TLS_KEY_FILE");
        let mut options = Options::default();
        if let Some(urls) = get("NATS_URL") {
            options.servers = urls.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            for url in &options.servers {
                if let Err(why) = check_url(url) {
                    problems.push(format!("NATS_URL: `{url}` {why}"));
                }
            }
        }
        options.name = get("NATS_NAME").or(Some("outrigger-nats-bridge".into()));
        let auths = [get("NATS_USER").is_some(), get("NATS_TOKEN").is_some(), seed_file.is_some(), creds.is_some()];
        if auths.iter().filter(|a| **a).count() > 1 {
            problems.push("more than one of NATS_USER, NATS_TOKEN, NATS_NKEY_SEED_FILE, NATS_CREDS_FILE is set: choose one way to authenticate".into());
        }
        options.auth = if let Some(user) = get("NATS_USER") {
            Auth::UserPassword { user, password: get("NATS_PASSWORD").unwrap_or_default() }
        } else if let Some(token) = get("NATS_TOKEN") {
            Auth::Token(token)
        } else if let Some(seed) = seed_file {
            Auth::NkeySeed(String::from_utf8_lossy(&seed).trim().to_string())
        } else if let Some(creds) = creds {
            Auth::Credentials(String::from_utf8_lossy(&creds).into_owned())
        } else {
            Auth::None
        };
        if get("NATS_PASSWORD").is_some() && get("NATS_USER").is_none() {
            problems.push("NATS_PASSWORD is set without NATS_USER".into());
        }
        let flag = |problems: &mut Vec<String>, k: &str| match get(k).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                problems.push(format!("{k}: `{other}` is not true or false"));
                false
            }
        };
        options.tls_required = flag(&mut problems, "NATS_TLS_REQUIRED") || tls_ca.is_some() || cert.is_some();
        options.tls_first = flag(&mut problems, "NATS_TLS_FIRST");
        let tls_client = match (cert, key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => {
                problems.push("NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together (mutual TLS): set both".into());
                None
            }
        };
        let duration = |problems: &mut Vec<String>, k: &str, default: Duration| match get(k) {
            None => default,
            Some(v) => humantime::parse_duration(&v).unwrap_or_else(|e| {
                problems.push(format!("{k}: `{v}` is not a duration ({e}); write e.g. 500ms, 5s, 1m"));
                default
            }),
        };
        options.connect_timeout = duration(&mut problems, "NATS_CONNECT_TIMEOUT", options.connect_timeout);
        options.ping_interval = duration(&mut problems, "NATS_PING_INTERVAL", options.ping_interval);
        let number = |problems: &mut Vec<String>, k: &str| -> Option<u64> {
            let v = get(k)?;
            v.parse::<u64>().map_err(|_| problems.push(format!("{k}: `{v}` is not a whole number"))).ok()
        };
        if let Some(n) = number(&mut problems, "NATS_MAX_PINGS_OUT") {
            options.max_pings_outstanding = n.max(1) as u32;
        }
        options.max_reconnect_attempts = number(&mut problems, "NATS_MAX_RECONNECTS").map(|n| n as u32);
        if let Some(n) = number(&mut problems, "NATS_RECONNECT_BUFFER") {
            options.reconnect_buffer_size = n as usize;
        }
        if let Some(n) = number(&mut problems, "NATS_SUBSCRIPTION_CAPACITY") {
            options.subscription_capacity = n.max(1) as usize;
        }
        let request_timeout = duration(&mut problems, "NATS_REQUEST_TIMEOUT", Duration::from_secs(30));
        let ack_timeout = duration(&mut problems, "NATS_JETSTREAM_ACK_TIMEOUT", Duration::from_secs(5));
        let ack_subjects: Vec<String> = get("NATS_JETSTREAM_ACK")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if !problems.is_empty() {
            return Err(format!("{} configuration problem(s):\n  - {}", problems.len(), problems.join("\n  - ")));
        }
        Ok(Config {
            options,
            tls_ca,
            tls_client,
            tls_server_name: get("NATS_TLS_SERVER_NAME"),
            request_timeout,
            ack_subjects,
            ack_timeout,
        })
    }

    /// Whether a publish to `subject` waits for a JetStream acknowledgement.
    pub fn wants_ack(&self, subject: &str) -> bool {
        self.ack_subjects.iter().any(|p| subject_matches(p, subject))
    }
}

fn check_url(url: &str) -> Result<(), &'static str> {
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if ["nats", "tls"].contains(&scheme) => rest,
        Some(_) => return Err("has an unknown scheme: use nats:// or tls://"),
        None => url,
    };
    let hostport = rest.rsplit('@').next().unwrap_or(rest);
    match hostport.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
        _ => Err("is not host:port (e.g. nats://127.0.0.1:4222)"),
    }
}

/// NATS subject matching: `*` is one token, `>` the rest.
pub fn subject_matches(pattern: &str, subject: &str) -> bool {
    let mut p = pattern.split('.');
    let mut s = subject.split('.');
    loop {
        match (p.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}
