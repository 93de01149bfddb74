//! OCI: components pulled from a real local registry (Debian's `docker-registry`,
//! see `registry.rs`) by the `outrigger` binary, as a user would: `outrigger push`,
//! then `outrigger call` on a manifest whose `component:` (or wasmCloud `image:`)
//! is `127.0.0.1:PORT/outrigger/upper:1` or `…@sha256:…`. Each test has its own
//! registry, OCI cache (`XDG_CACHE_HOME`) and docker config (`DOCKER_CONFIG`).
//! Not covered end to end: an unknown registry host (it would send a DNS query off
//! this machine); its message is unit-tested in host/src/oci/errors.rs.
mod registry;

use crate::common::{TestManifest, wasm_dir};
use registry::Registry;
use sha2::Digest as _;
use std::process::Command;

/// The environment of the outrigger processes of one test.
struct Host {
    cache: tempfile::TempDir,
    docker: tempfile::TempDir,
}

impl Host {
    fn new() -> Host {
        Host { cache: tempfile::tempdir().unwrap(), docker: tempfile::tempdir().unwrap() }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_outrigger"));
        c.args(args)
            .env("RUST_LOG", "warn")
            .env("XDG_CACHE_HOME", self.cache.path())
            .env("DOCKER_CONFIG", self.docker.path());
        c
    }

    /// Runs outrigger: (success, stdout, stderr).
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let o = self.command(args).output().expect("run outrigger");
        (o.status.success(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
    }

    /// `outrigger push`; returns the digest it printed.
    fn push(&self, file: &str, reference: &str) -> String {
        let (ok, out, err) = self.run(&["push", wasm_dir().join(file).to_str().unwrap(), reference]);
        assert!(ok, "push failed: {err}");
        let digest = out.trim().to_string();
        assert!(digest.starts_with("sha256:") && digest.len() == 71, "push printed {out:?} / {err}");
        assert!(err.contains(&format!("@{digest}")), "{err}");
        digest
    }

    /// `outrigger call <manifest> <call>`: Ok(stdout) or Err(stderr).
    fn call(&self, yaml: &str, call: &str) -> Result<String, String> {
        let m = TestManifest::new(yaml);
        let (ok, out, err) = self.run(&["call", m.path.to_str().unwrap(), call]);
        if ok { Ok(out.trim().to_string()) } else { Err(err) }
    }

    /// Writes a docker config.json with `auths.<registry>.auth`.
    fn login(&self, registry: &str, user: &str, password: &str) {
        use base64::Engine as _;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let json = format!(r#"{{"auths": {{"{registry}": {{"auth": "{auth}"}}}}}}"#);
        std::fs::write(self.docker.path().join("config.json"), json).unwrap();
    }

    /// The cached blob `sha256:<hex>`.
    fn cached_blob(&self, digest: &str) -> std::path::PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.cache.path().join("outrigger/oci/blobs/sha256").join(hex)
    }
}

/// A one-component workload (`upper`), optionally with a pull policy.
fn upper(reference: &str, policy: Option<&str>) -> String {
    let policy = policy.map(|p| format!("\n      pullPolicy: {p}")).unwrap_or_default();
    format!(
        "metadata: {{ name: oci-upper }}\nspec:\n  components:\n    - name: upper\n      component: {reference}{policy}\n"
    )
}

fn sha256_file(file: &str) -> String {
    format!("sha256:{:x}", sha2::Sha256::digest(std::fs::read(wasm_dir().join(file)).unwrap()))
}

/// Flips one byte of a file, keeping its length.
fn tamper(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let i = bytes.len() / 2;
    bytes[i] ^= 0xff;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn oci_components_run_by_tag_and_by_digest_and_again_from_the_cache_with_the_registry_stopped() {
    let mut reg = Registry::start();
    let host = Host::new();
    let r = reg.host();
    let digest = host.push("upper.wasm", &format!("{r}/outrigger/upper:1"));
    host.push("exclaim.wasm", &format!("{r}/outrigger/exclaim:1"));
    let by_tag = upper(&format!("{r}/outrigger/upper:1"), None);
    assert_eq!(host.call(&by_tag, r#"upper.apply("hi")"#).unwrap(), r#""HI""#);
    // The layer is cached under its digest (the component file's sha256), the tag indexed.
    assert!(host.cached_blob(&sha256_file("upper.wasm")).is_file());
    assert!(host.cached_blob(&digest).is_file(), "the manifest is cached by its digest");
    // By digest, in a chain with a component pulled by tag (exclaim -> upper).
    let chain = format!(
        "metadata: {{ name: oci-chain }}\nspec:\n  components:\n    - name: outer\n      component: oci://{r}/outrigger/exclaim:1\n      links: {{ \"outrigger:examples/transform\": upper }}\n    - name: upper\n      component: {r}/outrigger/upper@{digest}\n"
    );
    assert_eq!(host.call(&chain, r#"outer.apply("hi")"#).unwrap(), r#""HI!""#);
    // The registry is gone: IfNotPresent (the default) and Never use the cache.
    reg.stop();
    assert_eq!(host.call(&by_tag, r#"upper.apply("again")"#).unwrap(), r#""AGAIN""#);
    let (ok, out, err) = host.run(&["inspect", &format!("{r}/outrigger/upper:1")]);
    assert!(ok && out.contains("kind: REACTIVE") && out.contains("outrigger:examples/transform"), "{out}{err}");
    assert_eq!(host.call(&chain, r#"outer.apply("x")"#).unwrap(), r#""X!""#);
    let never = upper(&format!("{r}/outrigger/upper:1"), Some("Never"));
    assert_eq!(host.call(&never, r#"upper.apply("n")"#).unwrap(), r#""N""#);
    // Always asks the registry, and says clearly that it is not there.
    let always = upper(&format!("{r}/outrigger/upper:1"), Some("Always"));
    let err = host.call(&always, r#"upper.apply("a")"#).unwrap_err();
    assert!(err.contains("cannot pull") && err.contains("connection refused") && err.contains("fix:"), "{err}");
}

#[test]
fn oci_a_wasmcloud_workload_image_is_pulled_with_its_pull_policy() {
    let reg = Registry::start();
    let host = Host::new();
    let r = reg.host();
    host.push("upper.wasm", &format!("{r}/outrigger/upper:2"));
    let wc = format!(
        "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Workload\nmetadata: {{ name: oci-wc }}\nspec:\n  components:\n    - name: upper\n      image: {r}/outrigger/upper:2\n      imagePullPolicy: Always\n"
    );
    assert_eq!(host.call(&wc, r#"upper.apply("wc")"#).unwrap(), r#""WC""#);
    let (ok, _, err) = host.run(&["validate", TestManifest::new(&wc).path.to_str().unwrap()]);
    assert!(ok && !err.contains("imagePullPolicy"), "no warning about a pull policy that is honoured: {err}");
}

#[test]
fn oci_never_with_an_empty_cache_fails_clearly() {
    let host = Host::new();
    let err = host.call(&upper("127.0.0.1:9/outrigger/upper:1", Some("Never")), r#"upper.apply("x")"#).unwrap_err();
    assert!(
        err.contains("component `upper`")
            && err.contains("127.0.0.1:9/outrigger/upper:1")
            && err.contains("not in the OCI cache")
            && err.contains("Never")
            && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn oci_a_tampered_blob_in_the_registry_is_refused() {
    let reg = Registry::start();
    let host = Host::new();
    let reference = format!("{}/outrigger/upper:1", reg.host());
    host.push("upper.wasm", &reference);
    let layer = sha256_file("upper.wasm");
    tamper(&reg.blob_file(&layer));
    let err = host.call(&upper(&reference, None), r#"upper.apply("x")"#).unwrap_err();
    assert!(err.contains("digest mismatch") && err.contains(&layer) && err.contains("fix:"), "{err}");
    assert!(!host.cached_blob(&layer).exists(), "a refused blob is not cached");
}

#[test]
fn oci_a_tampered_blob_in_the_cache_is_refused() {
    let reg = Registry::start();
    let host = Host::new();
    let reference = format!("{}/outrigger/upper:1", reg.host());
    host.push("upper.wasm", &reference);
    let workload = upper(&reference, None);
    assert_eq!(host.call(&workload, r#"upper.apply("x")"#).unwrap(), r#""X""#);
    let cached = host.cached_blob(&sha256_file("upper.wasm"));
    tamper(&cached);
    let err = host.call(&workload, r#"upper.apply("x")"#).unwrap_err();
    assert!(
        err.contains("digest mismatch in the cache") && err.contains(cached.to_str().unwrap()) && err.contains("fix:"),
        "{err}"
    );
    // Always pulls again and replaces the bad copy.
    assert_eq!(host.call(&upper(&reference, Some("Always")), r#"upper.apply("y")"#).unwrap(), r#""Y""#);
    assert_eq!(host.call(&workload, r#"upper.apply("z")"#).unwrap(), r#""Z""#);
}

#[test]
fn oci_registry_credentials_come_from_the_docker_config() {
    let reg = Registry::with_user("alice", "s3cret");
    let host = Host::new();
    let r = reg.host();
    let reference = format!("{r}/outrigger/upper:1");
    let file = wasm_dir().join("upper.wasm");
    // No credentials: push and pull are refused, and the message says what to do.
    let (ok, _, err) = host.run(&["push", file.to_str().unwrap(), &reference]);
    assert!(!ok && err.contains("refused") && err.contains("docker login") && err.contains("config.json"), "{err}");
    host.login(&format!("http://{r}"), "alice", "wrong");
    let (ok, _, err) = host.run(&["push", file.to_str().unwrap(), &reference]);
    assert!(!ok && err.contains("docker login") && err.contains(&format!("auths.\"http://{r}\"")), "{err}");
    host.login(&r, "alice", "s3cret");
    host.push("upper.wasm", &reference);
    assert_eq!(host.call(&upper(&reference, None), r#"upper.apply("auth")"#).unwrap(), r#""AUTH""#);
    // A second host without credentials (and an empty cache) cannot pull.
    let stranger = Host::new();
    let err = stranger.call(&upper(&reference, None), r#"upper.apply("x")"#).unwrap_err();
    assert!(err.contains("refused to let us pull") && err.contains("docker login"), "{err}");
}

/// A docker credential helper on PATH (what `credHelpers` / `credsStore` name) that
/// knows one registry and records which server it was asked about.
fn credential_helper(dir: &std::path::Path, registry: &str) {
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread -r server\necho \"$server\" >> \"{log}\"\n\
         if [ \"$server\" = \"{registry}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}}' \"$server\"\n\
         else\n  echo 'credentials not found in native keychain'\n  exit 1\nfi\n",
        log = dir.join("asked").display()
    );
    let path = dir.join("docker-credential-outrigger-test");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn oci_registry_credentials_come_from_a_credential_helper() {
    let reg = Registry::with_user("alice", "s3cret");
    let r = reg.host();
    let helpers = tempfile::tempdir().unwrap();
    credential_helper(helpers.path(), &r);
    let path = format!("{}:{}", helpers.path().display(), std::env::var("PATH").unwrap_or_default());
    let run = |host: &Host, args: &[&str]| {
        let o = host.command(args).env("PATH", &path).output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let reference = format!("{r}/outrigger/upper:helper");
    let file = wasm_dir().join("upper.wasm");
    // credHelpers names the helper for this registry: push and pull work with what it gives.
    let host = Host::new();
    std::fs::write(
        host.docker.path().join("config.json"),
        format!(r#"{{"credHelpers": {{"{r}": "outrigger-test"}}}}"#),
    )
    .unwrap();
    let (ok, _, err) = run(&host, &["push", file.to_str().unwrap(), &reference]);
    assert!(ok, "push with the helper's credentials: {err}");
    let m = TestManifest::new(&upper(&reference, None));
    let (ok, out, err) = run(&host, &["call", m.path.to_str().unwrap(), r#"upper.apply("helper")"#]);
    assert!(ok && out.trim() == r#""HELPER""#, "{out}{err}");
    let asked = std::fs::read_to_string(helpers.path().join("asked")).unwrap();
    assert!(asked.lines().all(|l| l == r) && asked.lines().count() >= 2, "the helper was asked about {asked:?}");
    // credsStore for every registry; this one has nothing for the registry: refused, and said.
    let other = Host::new();
    std::fs::write(other.docker.path().join("config.json"), r#"{"credsStore": "outrigger-test"}"#).unwrap();
    let reg2 = Registry::with_user("bob", "pw");
    let m = TestManifest::new(&upper(&format!("{}/outrigger/upper:helper", reg2.host()), None));
    let (ok, _, err) = run(&other, &["call", m.path.to_str().unwrap(), r#"upper.apply("x")"#]);
    assert!(!ok && err.contains("refused to let us pull"), "{err}");
    // A helper that is not installed: a warning that says so, then anonymous.
    std::fs::write(other.docker.path().join("config.json"), r#"{"credsStore": "not-installed"}"#).unwrap();
    let (ok, _, err) = run(&other, &["call", m.path.to_str().unwrap(), r#"upper.apply("x")"#]);
    assert!(!ok && err.contains("docker-credential-not-installed") && err.contains("put it on PATH"), "{err}");
}

#[test]
fn oci_registry_errors_are_one_clear_line() {
    let reg = Registry::start();
    let host = Host::new();
    let r = reg.host();
    host.push("upper.wasm", &format!("{r}/outrigger/upper:1"));
    // An unknown tag.
    let err = host.call(&upper(&format!("{r}/outrigger/upper:2"), None), r#"upper.apply("x")"#).unwrap_err();
    assert!(err.contains("not found") && err.contains("tag `2`") && err.contains("outrigger push"), "{err}");
    // A container image, not a Wasm artifact (pushed with oci-client itself).
    use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
    let client = oci_client::Client::new(ClientConfig { protocol: ClientProtocol::Http, ..ClientConfig::default() });
    let image: oci_client::Reference = format!("{r}/outrigger/image:1").parse().unwrap();
    let layer = ImageLayer::oci_v1(b"not wasm".to_vec(), None);
    let config = Config::oci_v1(b"{}".to_vec(), None);
    let auth = oci_client::secrets::RegistryAuth::Anonymous;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(client.push(&image, &[layer], config, &auth, None)).expect("push an image");
    let err = host.call(&upper(&format!("{r}/outrigger/image:1"), None), r#"upper.apply("x")"#).unwrap_err();
    assert!(
        err.contains("not a Wasm component artifact")
            && err.contains("application/vnd.oci.image.config.v1+json")
            && err.contains("fix:"),
        "{err}"
    );
    // A core module is not pushed; neither is a push by digest.
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module.wasm");
    std::fs::write(&module, wat::parse_str("(module)").unwrap()).unwrap();
    let (ok, _, err) = host.run(&["push", module.to_str().unwrap(), &format!("{}/x:1", reg.host())]);
    assert!(!ok && err.contains("not a WebAssembly component"), "{err}");
    let d = format!("{}/x@sha256:{}", reg.host(), "a".repeat(64));
    let (ok, _, err) = host.run(&["push", wasm_dir().join("upper.wasm").to_str().unwrap(), &d]);
    assert!(!ok && err.contains("names a digest"), "{err}");
    // A malformed reference is a manifest problem, found before anything runs.
    let (ok, _, err) = host
        .run(&["validate", TestManifest::new(&upper("127.0.0.1:9/Outrigger/upper:1", None)).path.to_str().unwrap()]);
    assert!(!ok && err.contains("spec.components[0].component") && err.contains("not a valid OCI reference"), "{err}");
}

#[test]
fn oci_pull_progress_shows_on_a_terminal_only() {
    let reg = Registry::start();
    let host = Host::new();
    let reference = format!("{}/outrigger/upper:1", reg.host());
    host.push("upper.wasm", &reference);
    let m = TestManifest::new(&upper(&reference, None));
    let call = format!("{} call {} 'upper.apply(\"t\")'", env!("CARGO_BIN_EXE_outrigger"), m.path.display());
    // `script` gives the process a terminal (util-linux, always on Debian).
    let out = Command::new("script")
        .args(["-qec", &call, "/dev/null"])
        .env("RUST_LOG", "warn")
        .env("XDG_CACHE_HOME", host.cache.path())
        .env("DOCKER_CONFIG", host.docker.path())
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let layer = sha256_file("upper.wasm");
    assert!(text.contains(&format!("{reference}: pulled {}", &layer[..19])), "{text}");
    // Not a terminal (the calls above): no progress line.
    let (ok, _, err) = Host::new().run(&["call", m.path.to_str().unwrap(), r#"upper.apply("t")"#]);
    assert!(ok && !err.contains("pulled"), "{err}");
}
