//! [`Options`]: servers, credentials, TLS policy, timeouts, buffers and reconnect
//! behaviour. Build one with `Options { servers: ..., ..Default::default() }` or
//! [`Options::new`].
use std::fmt;
use std::time::Duration;

/// How the client proves who it is.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No credentials (user and password may still come from a server URL,
    /// `nats://user:pass@host:4222`).
    #[default]
    None,
    /// `user` + `password` (server `authorization { users = [...] }`).
    UserPassword { user: String, password: String },
    /// A token (server `authorization { token: ... }`).
    Token(String),
    /// An nkey seed (`SU...`): the client signs the server's nonce with it.
    NkeySeed(String),
    /// The text of a `.creds` file (a user JWT and its nkey seed), for servers in
    /// operator (JWT) mode.
    Credentials(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::UserPassword { user, .. } => write!(f, "UserPassword {{ user: {user:?}, password: <redacted> }}"),
            Auth::Token(_) => f.write_str("Token(<redacted>)"),
            Auth::NkeySeed(_) => f.write_str("NkeySeed(<redacted>)"),
            Auth::Credentials(_) => f.write_str("Credentials(<redacted>)"),
        }
    }
}

/// Everything [`Client::connect`](crate::Client::connect) needs besides I/O.
#[derive(Clone, Debug)]
pub struct Options {
    /// Server URLs: `nats://host:port`, `tls://host:port` (TLS required),
    /// `nats://user:pass@host:port`, or a bare `host:port`. At least one.
    pub servers: Vec<String>,
    /// Client name shown by the server (`nats server report connections`).
    pub name: Option<String>,
    pub auth: Auth,
    /// Refuse servers that do not offer TLS, and upgrade every connection.
    pub tls_required: bool,
    /// Start TLS before the server's INFO (server `tls { handshake_first: true }`,
    /// NATS 2.10+). Implies `tls_required`.
    pub tls_first: bool,
    /// Deliver our own publishes to our own subscriptions.
    pub echo: bool,
    /// Limit for one connection attempt: TCP, TLS, INFO, CONNECT and the first PONG.
    pub connect_timeout: Duration,
    /// How often to PING the server when connected.
    pub ping_interval: Duration,
    /// Unanswered keepalive PINGs after which the connection counts as stale and
    /// the client reconnects.
    pub max_pings_outstanding: u32,
    /// First reconnect delay; doubles per failed attempt up to `max_reconnect_delay`,
    /// with jitter (each delay is 50-100 % of the nominal one). The first attempt
    /// after a disconnect is immediate.
    pub reconnect_delay: Duration,
    pub max_reconnect_delay: Duration,
    /// Give up (the driver returns [`Error::ReconnectGaveUp`](crate::Error)) after
    /// this many failed reconnect attempts in a row; `None` retries forever.
    pub max_reconnect_attempts: Option<u32>,
    /// Bytes of publishes kept while disconnected and sent after reconnecting;
    /// beyond it `publish` fails with `ReconnectBufferFull`.
    pub reconnect_buffer_size: usize,
    /// While connected, `publish` waits (backpressure) when this many bytes are
    /// queued and not yet handed to the socket.
    pub write_buffer_size: usize,
    /// Messages a subscription buffers before it drops new ones (slow consumer).
    pub subscription_capacity: usize,
    /// Timeout for [`Client::request`](crate::Client::request).
    pub request_timeout: Duration,
    /// Timeout for [`Client::flush`](crate::Client::flush).
    pub flush_timeout: Duration,
    /// Do not add the servers a cluster advertises (`connect_urls`) to the pool.
    pub ignore_discovered_servers: bool,
    /// Try servers in the given order instead of shuffling them.
    pub no_randomize: bool,
    /// Seed for the inbox name and jitter; `None` takes one from the OS (WASI
    /// `random` in a component).
    pub rng_seed: Option<u64>,
    /// Prefix of reply subjects (`<prefix>.<random>.<n>`).
    pub inbox_prefix: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            servers: vec!["nats://127.0.0.1:4222".into()],
            name: None,
            auth: Auth::None,
            tls_required: false,
            tls_first: false,
            echo: true,
            connect_timeout: Duration::from_secs(5),
            ping_interval: Duration::from_secs(60),
            max_pings_outstanding: 2,
            reconnect_delay: Duration::from_millis(100),
            max_reconnect_delay: Duration::from_secs(5),
            max_reconnect_attempts: None,
            reconnect_buffer_size: 8 * 1024 * 1024,
            write_buffer_size: 1024 * 1024,
            subscription_capacity: 64 * 1024,
            request_timeout: Duration::from_secs(10),
            flush_timeout: Duration::from_secs(10),
            ignore_discovered_servers: false,
            no_randomize: false,
            rng_seed: None,
            inbox_prefix: "_INBOX".into(),
        }
    }
}

impl Options {
    /// Defaults, with these servers.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(servers: I) -> Options {
        Options { servers: servers.into_iter().map(Into::into).collect(), ..Options::default() }
    }

    /// The nominal delay before reconnect attempt `attempt` (0-based), before jitter.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        if attempt == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32 << (attempt - 1).min(16);
        self.reconnect_delay.saturating_mul(factor).min(self.max_reconnect_delay)
    }
}
