//! The WASI side of a guest: environment variables, `wasi:config` values,
//! deny-by-default sockets and outgoing HTTP (see `net_policy.rs`, `http.rs`), and
//! stdio: stdout/stderr turned into `tracing` events tagged with the guest's name, so
//! a workload's log is one stream, or, for the one service that asks for it, the
//! process's real stdin and stdout.
use crate::engine::ctx::{Ctx, MemoryLimiter};
use crate::engine::http::HttpPolicy;
use crate::engine::net_policy::NetPolicy;
use crate::link::wiring::Wiring;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi_config::WasiConfigVariables;

/// Everything needed to build a fresh WASI context for one guest, again and again
/// (once per service incarnation, once per reactive invocation).
#[derive(Clone)]
pub struct GuestEnv {
    pub name: Arc<str>,
    pub env: Arc<[(String, String)]>,
    pub config: Arc<WasiConfigVariables>,
    pub net: Arc<NetPolicy>,
    /// The process's stdin and stdout instead of the log.
    pub process_stdio: bool,
    /// Read-only (or read-write) host folders the guest sees.
    pub mounts: Arc<[Mount]>,
    /// Workload members the host's own interfaces call.
    pub(crate) wiring: Arc<Wiring>,
}

/// A host folder mounted into a guest.
#[derive(Debug, Clone)]
pub struct Mount {
    pub host: std::path::PathBuf,
    pub guest: String,
    pub read_only: bool,
}

impl GuestEnv {
    pub fn new(name: &str, env: Vec<(String, String)>, config: Vec<(String, String)>, net: NetPolicy) -> GuestEnv {
        GuestEnv {
            name: name.into(),
            env: env.into(),
            config: Arc::new(config.into_iter().collect()),
            net: Arc::new(net),
            process_stdio: false,
            mounts: Arc::new([]),
            wiring: Arc::default(),
        }
    }

    /// Fresh store data for one instance with at most `memory` bytes of linear memory.
    pub fn ctx(&self, memory: u64) -> Ctx {
        let last_stderr = LastLine::default();
        Ctx {
            name: self.name.clone(),
            wasi: self.wasi_ctx(last_stderr.clone()),
            last_stderr,
            table: Default::default(),
            config: self.config.clone(),
            limiter: MemoryLimiter::new(memory),
            http: Default::default(),
            http_policy: HttpPolicy { guest: self.name.clone(), net: self.net.clone() },
            wiring: self.wiring.clone(),
            ready: None,
            trace: Default::default(),
            telemetry: None,
        }
    }

    /// A fresh WASI context; the guest's last stderr line goes to `last_stderr`.
    fn wasi_ctx(&self, last_stderr: LastLine) -> WasiCtx {
        let mut b = WasiCtx::builder();
        if self.process_stdio {
            b.inherit_stdin().inherit_stdout();
        } else {
            b.stdout(GuestLog { name: self.name.clone(), stream: "stdout", last: None });
        }
        b.stderr(GuestLog { name: self.name.clone(), stream: "stderr", last: Some(last_stderr) });
        b.envs(&self.env);
        for m in self.mounts.iter() {
            let perms = if m.read_only { wasmtime_wasi::FsPerms::ReadOnly } else { wasmtime_wasi::FsPerms::ReadWrite };
            // Checked when the workload starts (assemble), so this should not fail later.
            if let Err(e) = b.preopened_dir(&m.host, &m.guest, perms) {
                tracing::warn!(guest = %self.name, host = %m.host.display(), "cannot mount: {e}");
            }
        }
        if self.net.any() {
            let net = self.net.clone();
            let name = self.name.clone();
            b.allow_tcp(true).allow_udp(true);
            b.socket_addr_check(move |addr, usage| {
                let ok = net.allows(addr, usage);
                if !ok {
                    tracing::warn!(guest = %name, %addr, ?usage, "socket use denied: not in allowedHosts");
                }
                Box::pin(async move { ok })
            });
        }
        b.allow_ip_name_lookup(self.net.name_lookups());
        b.build()
    }
}

/// A guest's stdout or stderr: complete lines become `tracing` events.
struct GuestLog {
    name: Arc<str>,
    stream: &'static str,
    last: Option<LastLine>,
}

/// The last line a guest wrote to stderr: why a failing service says it failed.
pub type LastLine = Arc<std::sync::Mutex<Option<String>>>;

impl IsTerminal for GuestLog {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestLog {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter { name: self.name.clone(), stream: self.stream, buf: Vec::new(), last: self.last.clone() })
    }
}

/// Longest line kept before it is emitted anyway.
const MAX_LINE: usize = 16 * 1024;

struct LineWriter {
    name: Arc<str>,
    stream: &'static str,
    buf: Vec<u8>,
    last: Option<LastLine>,
}

impl LineWriter {
    fn emit(&self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches(['\r', '\n']);
        tracing::info!(target: "guest", guest = %self.name, stream = self.stream, "{text}");
        if let Some(last) = &self.last
            && !text.trim().is_empty()
            && let Ok(mut slot) = last.lock()
        {
            *slot = Some(text.to_string());
        }
    }

    fn drain_lines(&mut self) {
        while let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=pos).collect();
            self.emit(&line);
        }
        if self.buf.len() > MAX_LINE {
            let line = std::mem::take(&mut self.buf);
            self.emit(&line);
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.buf.extend_from_slice(data);
        self.drain_lines();
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let rest = std::mem::take(&mut self.buf);
        if !rest.is_empty() {
            self.emit(&rest);
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            self.emit(&rest);
        }
    }
}
