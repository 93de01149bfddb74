//! Helpers shared by the end-to-end tests: where the guest components are, writing
//! a manifest into a temp folder, starting a workload with a test-sized engine, and
//! `outrigger run` as a child process ([`RunProcess`]).
use outrigger::engine::EngineOptions;
use outrigger::{HostOptions, Manifest, Workload};
use std::path::PathBuf;
use std::time::Duration;

/// The repository's root.
pub fn repo() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The folder scripts/build-guests.sh fills.
pub fn wasm_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm").canonicalize().unwrap_or_default();
    assert!(
        dir.join("counter_service.wasm").exists(),
        "guest components are missing from target/wasm: run scripts/build-guests.sh (scripts/test.sh does it)"
    );
    dir
}

/// A manifest written to a temp folder; `{wasm}` in the text is the guest folder.
pub struct TestManifest {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TestManifest {
    pub fn new(yaml: &str) -> TestManifest {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("workload.yaml");
        let text = yaml.replace("{wasm}", &wasm_dir().display().to_string());
        std::fs::write(&path, text).expect("write manifest");
        TestManifest { dir, path }
    }

    pub fn load(&self) -> Manifest {
        Manifest::load(&self.path).unwrap_or_else(|e| panic!("test manifest is invalid: {e}"))
    }
}

/// Host options for tests: a smaller instance pool, since tests run side by side.
/// With `OUTRIGGER_TEST_LOG=info` (or any filter) the host's and guests' log goes to
/// the test output.
pub fn options() -> HostOptions {
    if let Ok(filter) = std::env::var("OUTRIGGER_TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
    HostOptions {
        engine: EngineOptions { max_instances: 200, ..EngineOptions::default() },
        stop_grace: Duration::from_secs(2),
        ..HostOptions::default()
    }
}

/// Starts a workload from manifest text (services may still be starting).
pub async fn launch(yaml: &str) -> (Workload, TestManifest) {
    let m = TestManifest::new(yaml);
    let w = Workload::start(&m.load(), options()).await.unwrap_or_else(|e| panic!("workload did not start: {e:#}"));
    (w, m)
}

/// Starts a workload from manifest text and waits until its services run.
pub async fn start(yaml: &str) -> (Workload, TestManifest) {
    let (w, m) = launch(yaml).await;
    w.wait_running(Duration::from_secs(20)).await.expect("services running");
    (w, m)
}

/// The one `result<string, string>` a call returned.
pub fn string_result(v: Vec<outrigger::Val>) -> Result<String, String> {
    use outrigger::Val;
    let text = |v: &Val| match v {
        Val::String(s) => s.clone(),
        other => panic!("expected a string, got {other:?}"),
    };
    match v.as_slice() {
        [Val::Result(Ok(Some(s)))] => Ok(text(s)),
        [Val::Result(Err(Some(e)))] => Err(text(e)),
        other => panic!("expected one result<string, string>, got {other:?}"),
    }
}

pub fn u64_of(v: &[outrigger::Val]) -> u64 {
    match v {
        [outrigger::Val::U64(n)] => *n,
        other => panic!("expected one u64, got {other:?}"),
    }
}

/// The counter service plus the client that drives it.
pub const COUNTER: &str = r#"
metadata: { name: counter-test }
spec:
  services:
    - name: counter
      component: "{wasm}/counter_service.wasm"
      env: { TICK_MS: 5 }
      backoff: { initial: 50ms }
  components:
    - name: client
      component: "{wasm}/counter_client.wasm"
"#;

/// `outrigger run <manifest>` as a child process (killed when dropped). Its stderr is
/// echoed to the test's, each line prefixed with `label`, and kept.
pub struct RunProcess {
    pub child: tokio::process::Child,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RunProcess {
    /// Starts it with `env` added and waits (up to `within`) for a log line
    /// containing `ready`.
    pub async fn start(
        label: &str,
        manifest: &std::path::Path,
        env: &[(&str, &str)],
        ready: &str,
        within: Duration,
    ) -> RunProcess {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_outrigger"))
            .arg("run")
            .arg(manifest)
            .env("RUST_LOG", "warn,guest=info")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start outrigger run");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (ready_tx, is_ready) = tokio::sync::oneshot::channel();
        let (kept, label, ready) = (log.clone(), label.to_string(), ready.to_string());
        tokio::spawn(async move {
            let mut ready_tx = Some(ready_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{label}] {line}");
                if line.contains(&ready) {
                    ready_tx.take().map(|tx| tx.send(()));
                }
                kept.lock().unwrap().push(line);
            }
        });
        tokio::time::timeout(within, is_ready)
            .await
            .unwrap_or_else(|_| {
                panic!("`outrigger run {}` did not log its ready line within {within:?}", manifest.display())
            })
            .unwrap_or_else(|_| panic!("`outrigger run {}` ended before it was ready", manifest.display()));
        RunProcess { child, log }
    }

    /// Whether a log line so far contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }
}
