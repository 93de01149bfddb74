//! The `outrigger` binary itself: validate, inspect, call, run + status.
use crate::common::{COUNTER, TestManifest, wasm_dir};
use std::process::{Command, Output};

fn outrigger(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outrigger")).args(args).env("RUST_LOG", "warn").output().expect("run outrigger")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn validate_accepts_a_good_manifest_and_explains_a_bad_one() {
    let m = TestManifest::new(COUNTER);
    let o = outrigger(&["validate", m.path.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("valid (1 service(s), 1 component(s), 2 link(s)"), "{out}");

    let bad =
        TestManifest::new("metadata: { name: t }\nspec:\n  services:\n    - name: a\n      component: missing.wasm\n");
    let o = outrigger(&["validate", bad.path.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("1 problem") && err.contains("spec.services[0].component") && err.contains("fix:"), "{err}");
}

#[test]
fn inspect_tells_services_from_reactive_components() {
    let dir = wasm_dir();
    let (out, _) = text(&outrigger(&["inspect", dir.join("counter_service.wasm").to_str().unwrap()]));
    assert!(out.contains("kind: SERVICE") && out.contains("incr: async func(n: u64) -> u64"), "{out}");
    let (out, _) = text(&outrigger(&["inspect", dir.join("counter_client.wasm").to_str().unwrap()]));
    assert!(out.contains("kind: REACTIVE") && out.contains("outrigger:examples/counter@0.1.0"), "{out}");
}

#[test]
fn call_runs_one_invocation() {
    let m = TestManifest::new(COUNTER);
    let o = outrigger(&["call", m.path.to_str().unwrap(), "client.bump(5)"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(out.trim(), "5");
    let o = outrigger(&["call", m.path.to_str().unwrap(), "client.nope()"]);
    let (_, err) = text(&o);
    assert!(
        !o.status.success()
            && err.contains("no exported function `nope`")
            && err.contains("outrigger:examples/driver@0.1.0#bump"),
        "{err}"
    );
}

#[test]
fn run_writes_a_status_that_status_reads() {
    let m = TestManifest::new(COUNTER);
    let status = m.dir.path().join("status.json");
    let o = outrigger(&[
        "run",
        m.path.to_str().unwrap(),
        "--for",
        "1s",
        "--invoke",
        "client.bump(7)",
        "--status-file",
        status.to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("client.bump(7) = 7"), "{out}");
    let o = outrigger(&["status", status.to_str().unwrap()]);
    let (out, _) = text(&o);
    assert!(out.contains("counter") && out.contains("STOPPED") && out.contains("no longer running"), "{out}");
}

#[test]
fn sigterm_stops_a_running_workload_cleanly() {
    let m = TestManifest::new(COUNTER);
    let status = m.dir.path().join("status.json");
    let child = Command::new(env!("CARGO_BIN_EXE_outrigger"))
        .args(["run", m.path.to_str().unwrap(), "--status-file", status.to_str().unwrap()])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the status file says the service runs.
    let t = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        if text.contains("RUNNING") {
            break;
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(20), "the workload did not start: {text}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("a stop signal arrived") && stderr.contains("service STOPPED"), "{stderr}");
    let st = std::fs::read_to_string(&status).unwrap();
    assert!(st.contains("\"STOPPED\"") && !st.contains("\"RUNNING\""), "{st}");
}
