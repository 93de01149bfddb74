//! The installed layout (scripts/install.sh; what deploy/Dockerfile's image holds):
//! the binary in PREFIX/bin finds the services that ship with it in PREFIX/wasm
//! when a wasmCloud workload's host interface asks for one, and the deploy/ workload
//! file is valid as written (its OCI image swapped for a local file).
use crate::common::{TestManifest, repo, wasm_dir};
use std::process::Command;

#[test]
fn the_installed_binary_finds_its_services_beside_it() {
    let prefix = tempfile::tempdir().unwrap();
    let o = Command::new("bash")
        .arg(repo().join("scripts/install.sh"))
        .arg(prefix.path())
        .env("OUTRIGGER_BIN", env!("CARGO_BIN_EXE_outrigger"))
        .output()
        .unwrap();
    assert!(o.status.success(), "install.sh: {}", String::from_utf8_lossy(&o.stderr));
    for f in
        ["nats_bridge_service.wasm", "otel_sidecar_service.wasm", "mcp_stdio_service.wasm", "mcp_http_service.wasm"]
    {
        assert!(prefix.path().join("wasm").join(f).is_file(), "{f} installed");
    }

    // deploy/kubernetes.yaml's workload, with its component from this checkout.
    let k8s = std::fs::read_to_string(repo().join("deploy/kubernetes.yaml")).unwrap();
    let start = k8s.find("apiVersion: runtime.wasmcloud.dev").expect("the workload in the ConfigMap");
    let end = k8s[start..].find("\n---").map_or(k8s.len(), |e| start + e);
    let workload: String =
        k8s[start..end].lines().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect::<Vec<_>>().join("\n");
    let image = workload.lines().find_map(|l| l.trim().strip_prefix("image: ")).expect("an image").to_string();
    let m = TestManifest::new(&workload.replace(&image, &format!("\"{}/wc_app.wasm\"", wasm_dir().display())));
    let o = Command::new(prefix.path().join("bin/outrigger"))
        .args(["validate", m.path.to_str().unwrap()])
        .env("RUST_LOG", "info")
        // (validate resolves allowedHosts names: `nats` only resolves in the cluster)
        .env("NATS_URL", "nats://127.0.0.1:4222")
        .output()
        .unwrap();
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("service `nats-bridge` added for wasmcloud:messaging@0.2.0"), "{out}");
    let installed = prefix.path().canonicalize().unwrap().join("wasm/nats_bridge_service.wasm");
    assert!(err.contains(&installed.display().to_string()), "the bridge came from the install: {err}");
}
