//! Server processes for the benchmark: `outrigger run` on the example manifests (or
//! variants of them written to a temporary directory), the native rmcp server (this
//! binary re-executed), rmcp clients connected to either, and what /proc says about
//! a process's CPU time and memory.
use super::native;
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, ServiceExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

pub type Client = RunningService<RoleClient, BenchClient>;

/// The protocol revision a client speaks.
#[derive(Clone, Copy, PartialEq)]
pub enum Rev {
    /// `initialize` and (over HTTP) a session.
    V2025,
    /// `server/discover`, stateless requests.
    V2026,
}

impl Rev {
    pub fn label(self) -> &'static str {
        match self {
            Rev::V2025 => "2025-11-25",
            Rev::V2026 => "2026-07-28",
        }
    }
}

/// A client without capabilities: the calls measured need none.
#[derive(Clone, Default)]
pub struct BenchClient;

impl ClientHandler for BenchClient {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(ClientCapabilities::default(), Implementation::new("outrigger-bench", "1.0.0"))
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }
}

pub async fn serve<T, E, A>(transport: T, rev: Rev) -> Client
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    match rev {
        Rev::V2025 => BenchClient.serve(transport).await.expect("initialize"),
        Rev::V2026 => {
            let mode = ClientLifecycleMode::Discover { preferred_versions: vec![ProtocolVersion::V_2026_07_28] };
            BenchClient.serve_with_lifecycle(transport, mode).await.expect("server/discover")
        }
    }
}

pub async fn connect_http(url: &str, rev: Rev) -> Client {
    serve(StreamableHttpClientTransport::from_uri(url.to_string()), rev).await
}

/// A stdio server: spawns `cmd` and connects to it (the child ends with the client).
pub async fn connect_stdio(cmd: tokio::process::Command, rev: Rev) -> Client {
    let (transport, _) = TokioChildProcess::builder(cmd).stderr(Stdio::null()).spawn().expect("start the stdio server");
    serve(transport, rev).await
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().canonicalize().unwrap()
}

/// The example manifests rewritten into `dir`: component paths made absolute, the
/// HTTP one bound to `port`, and a "Rust-only" stdio variant without the Python and
/// JavaScript members. Returns (mcp.yaml, mcp-rust.yaml, mcp-http.yaml).
pub fn manifests(dir: &Path, port: u16) -> (PathBuf, PathBuf, PathBuf) {
    let wasm = repo().join("target/wasm");
    assert!(wasm.join("mcp_stdio_service.wasm").exists(), "run scripts/build-guests.sh first");
    assert!(
        wasm.join("py_tools.wasm").exists() && wasm.join("js_tools.wasm").exists(),
        "run scripts/build-polyglot.sh first"
    );
    let read = |name: &str| {
        std::fs::read_to_string(repo().join("examples").join(name))
            .unwrap()
            .replace("../target/wasm", wasm.to_str().unwrap())
    };
    let stdio = read("mcp.yaml");
    let polyglot = ["py_tools.wasm", "js_tools.wasm"];
    let rust: String =
        stdio.lines().filter(|l| !polyglot.iter().any(|p| l.contains(p))).map(|l| format!("{l}\n")).collect();
    assert_eq!(stdio.lines().count() - rust.lines().count(), 2, "examples/mcp.yaml changed shape");
    let bind = "MCP_HTTP_BIND: 127.0.0.1:8080";
    let http = read("mcp-http.yaml");
    assert!(http.contains(bind), "examples/mcp-http.yaml changed shape");
    let http = http.replace(bind, &format!("MCP_HTTP_BIND: 127.0.0.1:{port}"));
    let paths = (dir.join("mcp.yaml"), dir.join("mcp-rust.yaml"), dir.join("mcp-http.yaml"));
    for (path, text) in [(&paths.0, stdio), (&paths.1, rust), (&paths.2, http)] {
        std::fs::write(path, text).unwrap();
    }
    paths
}

/// `outrigger run <manifest> [extra]` with stdin/stdout as the MCP transport.
pub fn outrigger(manifest: &Path, extra: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_outrigger"));
    cmd.args(extra).arg("run").arg(manifest).env("RUST_LOG", "warn");
    cmd
}

/// This binary as the native server.
pub fn native(role: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(std::env::current_exe().unwrap());
    cmd.env(native::ROLE, role);
    cmd
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An HTTP server process, killed when dropped.
pub struct HttpServer {
    pub url: String,
    pub child: tokio::process::Child,
}

impl HttpServer {
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }
}

/// Starts `cmd` and waits for `marker` on its stderr; the rest of its stderr is
/// passed on to ours.
pub async fn start_http(mut cmd: tokio::process::Command, port: u16, marker: &str) -> HttpServer {
    let mut child =
        cmd.stdin(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true).spawn().expect("start the HTTP server");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("the HTTP server did not start listening")
            .unwrap()
            .expect("the HTTP server ended before listening");
        if line.contains(marker) {
            break;
        }
        eprintln!("{line}");
    }
    tokio::spawn(async move {
        while let Ok(Some(l)) = lines.next_line().await {
            eprintln!("{l}");
        }
    });
    HttpServer { url: format!("http://127.0.0.1:{port}/mcp"), child }
}

/// User + system CPU time of a process (all its threads), in seconds.
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    // Fields 14 and 15 of proc(5) (utime, stime), in clock ticks of 1/100 s on Linux.
    (fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()) as f64 / 100.0
}

/// Resident memory of a process, in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap();
    kb.trim().trim_end_matches("kB").trim().parse::<f64>().unwrap() / 1024.0
}
