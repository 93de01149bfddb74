//! `stdio: process`: one service owns the real stdin and stdout of `outrigger run`
//! (what an MCP stdio server needs). Lines piped in are echoed by the `line-echo`
//! service; stdout carries nothing but its bytes (the host's logs and status go to
//! stderr); end of input ends the service and the process, cleanly.
use crate::common::TestManifest;
use std::io::Write;
use std::process::{Command, Stdio};

const ECHO: &str = r#"
metadata: { name: echo }
spec:
  services:
    - name: echo
      component: "{wasm}/line_echo_service.wasm"
      stdio: process
    - name: counter
      component: "{wasm}/counter_service.wasm"
"#;

#[test]
fn a_stdio_service_echoes_piped_lines_and_ends_at_eof() {
    let m = TestManifest::new(ECHO);
    let status_file = m.dir.path().join("status.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_outrigger"))
        .args(["run", m.path.to_str().unwrap(), "--status-file", status_file.to_str().unwrap()])
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start outrigger");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hello\nworld\nno newline at the end").unwrap();
    drop(stdin); // end of input
    let out = child.wait_with_output().expect("outrigger ends at end of input");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "echo: hello\necho: world\necho: no newline at the end\n", "stderr: {stderr}");
    assert!(
        stderr.contains("service COMPLETED") && stderr.contains("attached to stdin/stdout has finished"),
        "{stderr}"
    );
    assert!(stderr.contains("workload echo"), "the final status goes to stderr: {stderr}");
}

#[test]
fn stdio_is_refused_on_a_second_service_and_on_components() {
    let m = TestManifest::new(
        r#"
metadata: { name: twice }
spec:
  services:
    - name: one
      component: "{wasm}/line_echo_service.wasm"
      stdio: process
    - name: two
      component: "{wasm}/line_echo_service.wasm"
      stdio: process
  components:
    - name: up
      component: "{wasm}/upper.wasm"
      stdio: process
"#,
    );
    let out =
        Command::new(env!("CARGO_BIN_EXE_outrigger")).args(["validate", m.path.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("2 problems"), "{stderr}");
    assert!(
        stderr.contains("spec.services[1].stdio: spec.services[0] (`one`) already owns the process's stdin/stdout"),
        "{stderr}"
    );
    assert!(stderr.contains("spec.components[0].stdio: a reactive component cannot own"), "{stderr}");
    let bad = TestManifest::new(
        "metadata: { name: t }\nspec:\n  services:\n    - name: s\n      component: \"{wasm}/line_echo_service.wasm\"\n      stdio: yes\n",
    );
    let out =
        Command::new(env!("CARGO_BIN_EXE_outrigger")).args(["validate", bad.path.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("unknown variant `yes`, expected `log` or `process`"), "{stderr}");
}
