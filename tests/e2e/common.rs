//! Helpers shared by the end-to-end tests: where the guest components are, writing
//! a manifest into a temp folder, starting a workload with a test-sized engine.
use outrigger::engine::EngineOptions;
use outrigger::{HostOptions, Manifest, Workload};
use std::path::PathBuf;
use std::time::Duration;

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
