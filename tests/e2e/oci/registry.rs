//! [`Registry`]: a real OCI registry for the tests, Debian's `docker-registry`
//! (CNCF distribution 2.8), on a free port of 127.0.0.1 with its storage in a temp
//! folder, optionally behind htpasswd (bcrypt) basic auth. It can be stopped and
//! started again on the same port and storage, and is killed when dropped.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Registry {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

/// The docker-registry binary: `$OUTRIGGER_DOCKER_REGISTRY`, else /usr/bin/docker-registry
/// or `PATH`. Panics with what to do when there is none (no test is skipped).
fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("OUTRIGGER_DOCKER_REGISTRY") {
        return PathBuf::from(p);
    }
    let on_path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("docker-registry"))
        .find(|p| p.is_file());
    let default = PathBuf::from("/usr/bin/docker-registry");
    match on_path {
        Some(p) => p,
        None if default.is_file() => default,
        None => panic!(
            "docker-registry not found: run scripts/setup.sh (it installs Debian's docker-registry package: \
             apt-get install docker-registry), or set OUTRIGGER_DOCKER_REGISTRY"
        ),
    }
}

impl Registry {
    /// An open registry (no auth).
    pub fn start() -> Registry {
        Registry::launch(None)
    }

    /// A registry that wants `user` / `password` (HTTP basic, htpasswd with bcrypt).
    pub fn with_user(user: &str, password: &str) -> Registry {
        Registry::launch(Some((user, password)))
    }

    fn launch(user: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::Builder::new().prefix("oci-registry-").tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let storage = dir.path().join("storage");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    \
             rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: test\n",
            storage.display()
        );
        if let Some((user, password)) = user {
            let hash = bcrypt::hash_with_result(password, 4).expect("bcrypt").format_for_version(bcrypt::Version::TwoA);
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{user}:{hash}\n")).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: outrigger-test\n    path: {}\n",
                htpasswd.display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let mut r = Registry { dir, port, child: None };
        r.run();
        r
    }

    /// Starts (again) on the same port and storage.
    pub fn run(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::File::create(self.dir.path().join("registry.log")).unwrap();
        let child = Command::new(binary())
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start docker-registry: {e} (run scripts/setup.sh)"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(code) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("docker-registry exited ({code}) at start; its log:\n{}", self.log());
            }
            if let Some(status) = self.probe() {
                assert!(status == 200 || status == 401, "GET /v2/ answered {status}; log:\n{}", self.log());
                return;
            }
            assert!(Instant::now() < deadline, "docker-registry did not come up in time; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The status of `GET /v2/`, if the registry answers.
    fn probe(&self) -> Option<u16> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        s.write_all(format!("GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port).as_bytes()).ok()?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }

    /// Kills the registry (its storage stays).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `127.0.0.1:<port>`: the registry part of a reference.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The file the registry serves the blob `sha256:<hex>` from.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
        self.dir.path().join("storage/docker/registry/v2/blobs/sha256").join(&hex[..2]).join(hex).join("data")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    #[allow(dead_code)]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}
