//! guest-net (crates/guest-net) for real: the `net-probe` service connects, resolves,
//! speaks TLS and listens from inside a running WASI 0.3 service, against native
//! tokio / tokio-rustls peers started here, with certificates made per test (rcgen).
//! The service is reached through the P3 reactive `net-probe-client`, as components
//! would reach it. Failures must come back as messages that name the cause.
use crate::common::start;
use outrigger::{Val, Workload};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const PROBE: &str = r#"
metadata: { name: guest-net-test }
spec:
  services:
    - name: probe
      component: "{wasm}/net_probe_service.wasm"
      allowedHosts: ["127.0.0.1:*"]
  components:
    - name: client
      component: "{wasm}/net_probe_client.wasm"
      limits: { timeout: 30s }
"#;

// ---- calling the probe ----------------------------------------------------------

fn opt_str(s: Option<&str>) -> Val {
    Val::Option(s.map(|s| Box::new(Val::String(s.into()))))
}

/// `option<tls-options>` with the given PEMs / server name.
#[derive(Default, Clone)]
struct Tls<'a> {
    ca: Option<&'a str>,
    cert: Option<&'a str>,
    key: Option<&'a str>,
    name: Option<&'a str>,
}

impl Tls<'_> {
    fn val(&self) -> Val {
        Val::Option(Some(Box::new(Val::Record(vec![
            ("ca-pem".into(), opt_str(self.ca)),
            ("client-cert-pem".into(), opt_str(self.cert)),
            ("client-key-pem".into(), opt_str(self.key)),
            ("server-name".into(), opt_str(self.name)),
        ]))))
    }
}

fn bytes(v: &[u8]) -> Val {
    Val::List(v.iter().map(|b| Val::U8(*b)).collect())
}

/// A `result<list<u8>, string>` as a Rust result.
fn outcome(mut results: Vec<Val>) -> Result<Vec<u8>, String> {
    let Some(Val::Result(r)) = results.pop() else { panic!("expected a result, got {results:?}") };
    match r {
        Ok(Some(v)) => match *v {
            Val::List(items) => Ok(items.into_iter().map(|b| if let Val::U8(b) = b { b } else { panic!() }).collect()),
            other => panic!("expected list<u8>, got {other:?}"),
        },
        Err(Some(e)) => match *e {
            Val::String(s) => Err(s),
            other => panic!("expected string, got {other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }
}

async fn echo(w: &Workload, addr: &str, tls: Option<&Tls<'_>>, payload: &[u8]) -> Result<Vec<u8>, String> {
    let tls = tls.map(Tls::val).unwrap_or(Val::Option(None));
    let r = w.invoke("client", "echo", &[Val::String(addr.into()), tls, bytes(payload)]).await;
    outcome(r.unwrap_or_else(|e| panic!("the call itself failed: {e}")))
}

/// Asserts `r` failed with a message containing every one of `words`.
fn assert_fails(r: Result<Vec<u8>, String>, words: &[&str]) -> String {
    let e = r.expect_err("expected an error");
    for w in words {
        assert!(e.contains(w), "error should mention {w:?}: {e}");
    }
    e
}

// ---- certificates -----------------------------------------------------------------

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

struct Leaf {
    cert: String,
    key: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, name);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        Ca { issuer: CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap() }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A certificate for `names` (DNS names or IPs), for a server or a client.
    fn issue(&self, names: &[&str], client: bool, expired: bool) -> Leaf {
        let mut p = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
        p.distinguished_name.push(DnType::CommonName, names[0]);
        p.extended_key_usages =
            vec![if client { ExtendedKeyUsagePurpose::ClientAuth } else { ExtendedKeyUsagePurpose::ServerAuth }];
        if expired {
            p.not_before = rcgen::date_time_ymd(2000, 1, 1);
            p.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.issuer).unwrap();
        Leaf { cert: cert.pem(), key: key.serialize_pem() }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Result<_, _>>().unwrap()
}

fn roots(ca_pem: &str) -> rustls::RootCertStore {
    let mut r = rustls::RootCertStore::empty();
    for c in certs(ca_pem) {
        r.add(c).unwrap();
    }
    r
}

/// A native TLS server config; `versions` limits the protocol, `client_ca`
/// requires client certificates.
fn server_config(
    leaf: &Leaf,
    versions: &[&'static rustls::SupportedProtocolVersion],
    client_ca: Option<&str>,
) -> rustls::ServerConfig {
    let b = rustls::ServerConfig::builder_with_provider(provider()).with_protocol_versions(versions).unwrap();
    let b = match client_ca {
        Some(ca) => b.with_client_cert_verifier(
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots(ca)), provider())
                .build()
                .unwrap(),
        ),
        None => b.with_no_client_auth(),
    };
    b.with_single_cert(certs(&leaf.cert), PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).unwrap()).unwrap()
}

// ---- native peers -------------------------------------------------------------------

/// A plain TCP echo server on 127.0.0.1 (echoes until the client closes).
async fn tcp_echo_server() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            s.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

/// A TLS echo server; every handshake's outcome (the protocol version, whether the
/// client showed a certificate, or the error) arrives on the receiver.
async fn tls_echo_server(
    config: rustls::ServerConfig,
) -> (SocketAddr, mpsc::UnboundedReceiver<Result<String, String>>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            // Like real servers (NATS, most HTTP servers): without it, the echo's second
            // TLS record waits for the guest's delayed ACK (40 ms).
            s.set_nodelay(true).unwrap();
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                match acceptor.accept(s).await {
                    Ok(tls) => {
                        let c = tls.get_ref().1;
                        let seen = format!(
                            "{:?} {:?} client-cert={}",
                            c.protocol_version().unwrap(),
                            c.negotiated_cipher_suite().unwrap().suite(),
                            c.peer_certificates().is_some()
                        );
                        let _ = tx.send(Ok(seen));
                        let (mut r, mut w) = tokio::io::split(tls);
                        let _ = tokio::io::copy(&mut r, &mut w).await;
                        let _ = w.shutdown().await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            });
        }
    });
    (addr, rx)
}

/// A port nothing listens on (bound, then released).
async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

// ---- tests ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_net_tcp_echo_by_ip_and_by_name() {
    let (w, _m) = start(PROBE).await;
    let server = tcp_echo_server().await;
    // 1 MiB is more than the socket buffers hold: the probe reads while it writes.
    for len in [1usize, 1000, 1024 * 1024] {
        let p = payload(len, 7);
        assert_eq!(echo(&w, &server.to_string(), None, &p).await.unwrap(), p, "{len} bytes");
    }
    // By name: `localhost` goes through wasi:sockets/ip-name-lookup; if it resolves to
    // ::1 first, that address is denied (not in allowedHosts) and 127.0.0.1 is tried next.
    let p = payload(4096, 3);
    assert_eq!(echo(&w, &format!("localhost:{}", server.port()), None, &p).await.unwrap(), p);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_net_tls13_and_tls12_echo() {
    let (w, _m) = start(PROBE).await;
    let ca = Ca::new("guest-net test CA");
    let leaf = ca.issue(&["localhost"], false, false);
    let ca_pem = ca.pem();
    let tls = Tls { ca: Some(&ca_pem), ..Tls::default() };
    let p = payload(100 * 1024, 1);

    let (v13, mut seen13) = tls_echo_server(server_config(&leaf, &[&rustls::version::TLS13], None)).await;
    assert_eq!(echo(&w, &format!("localhost:{}", v13.port()), Some(&tls), &p).await.unwrap(), p);
    // guest-net offers ChaCha20-Poly1305 first (much faster than AES-GCM in wasm).
    assert_eq!(seen13.recv().await.unwrap().unwrap(), "TLSv1_3 TLS13_CHACHA20_POLY1305_SHA256 client-cert=false");

    let (v12, mut seen12) = tls_echo_server(server_config(&leaf, &[&rustls::version::TLS12], None)).await;
    assert_eq!(echo(&w, &format!("localhost:{}", v12.port()), Some(&tls), &p).await.unwrap(), p);
    assert_eq!(
        seen12.recv().await.unwrap().unwrap(),
        "TLSv1_2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 client-cert=false"
    );

    // By IP with the server-name override: the certificate only names `localhost`.
    let by_ip = Tls { name: Some("localhost"), ..tls.clone() };
    assert_eq!(echo(&w, &v13.to_string(), Some(&by_ip), b"over").await.unwrap(), b"over");

    // What TLS costs here: median call time, plain TCP vs TLS 1.3 vs TLS 1.2 (each call
    // connects, handshakes, echoes 16 bytes, closes; release build, ring).
    let plain = tcp_echo_server().await;
    let median = |label: &str, times: &mut Vec<Duration>| {
        times.sort();
        eprintln!("guest-net: {label}: median {:?} over {} calls", times[times.len() / 2], times.len());
    };
    for (label, addr, opts) in [
        ("plain TCP echo", plain.to_string(), None),
        ("TLS 1.3 echo (ECDSA P-256)", format!("localhost:{}", v13.port()), Some(&tls)),
        ("TLS 1.2 echo (ECDSA P-256)", format!("localhost:{}", v12.port()), Some(&tls)),
    ] {
        let mut times = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            echo(&w, &addr, opts, b"0123456789abcdef").await.unwrap();
            times.push(t.elapsed());
        }
        median(label, &mut times);
    }
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_net_mutual_tls() {
    let (w, _m) = start(PROBE).await;
    let ca = Ca::new("guest-net test CA");
    let ca_pem = ca.pem();
    let leaf = ca.issue(&["localhost"], false, false);
    let client = ca.issue(&["probe-client"], true, false);
    let (addr, mut seen) = tls_echo_server(server_config(&leaf, &[&rustls::version::TLS13], Some(&ca_pem))).await;
    let addr = format!("localhost:{}", addr.port());

    let mtls = Tls { ca: Some(&ca_pem), cert: Some(&client.cert), key: Some(&client.key), name: None };
    assert_eq!(echo(&w, &addr, Some(&mtls), b"mutual").await.unwrap(), b"mutual");
    assert_eq!(seen.recv().await.unwrap().unwrap(), "TLSv1_3 TLS13_CHACHA20_POLY1305_SHA256 client-cert=true");

    // Without a client certificate the server refuses; the message says what to do.
    let no_cert = Tls { ca: Some(&ca_pem), ..Tls::default() };
    let e = assert_fails(echo(&w, &addr, Some(&no_cert), b"x").await, &["`localhost`", "client certificate"]);
    eprintln!("no client certificate: {e}");

    // A client certificate from a CA the server does not trust.
    let other = Ca::new("some other CA").issue(&["probe-client"], true, false);
    let wrong = Tls { ca: Some(&ca_pem), cert: Some(&other.cert), key: Some(&other.key), name: None };
    let e = assert_fails(echo(&w, &addr, Some(&wrong), b"x").await, &["`localhost`", "client certificate"]);
    eprintln!("untrusted client certificate: {e}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_net_failures_name_their_cause() {
    let (w, _m) = start(PROBE).await;
    let ca = Ca::new("guest-net test CA");
    let ca_pem = ca.pem();
    let good = ca.issue(&["localhost"], false, false);
    let tls = Tls { ca: Some(&ca_pem), ..Tls::default() };
    let (server, _) = tls_echo_server(server_config(&good, &[&rustls::version::TLS13], None)).await;
    let by_name = format!("localhost:{}", server.port());

    // A CA that did not issue the server's certificate.
    let other_ca = Ca::new("unrelated CA").pem();
    let wrong_ca = Tls { ca: Some(&other_ca), ..Tls::default() };
    let e = assert_fails(
        echo(&w, &by_name, Some(&wrong_ca), b"x").await,
        &["`localhost`", "not trusted", "unknown issuer"],
    );
    eprintln!("wrong CA: {e}");

    // An expired server certificate.
    let old = ca.issue(&["localhost"], false, true);
    let (expired, _) = tls_echo_server(server_config(&old, &[&rustls::version::TLS13], None)).await;
    let e = assert_fails(
        echo(&w, &format!("localhost:{}", expired.port()), Some(&tls), b"x").await,
        &["`localhost`", "expired"],
    );
    eprintln!("expired: {e}");

    // Name mismatch: by IP (the certificate only names `localhost`), and by override.
    let e = assert_fails(echo(&w, &server.to_string(), Some(&tls), b"x").await, &["name mismatch", "127.0.0.1"]);
    eprintln!("name mismatch (IP): {e}");
    let wrong_name = Tls { name: Some("wrong.example"), ..tls.clone() };
    let e = assert_fails(echo(&w, &by_name, Some(&wrong_name), b"x").await, &["name mismatch", "wrong.example"]);
    eprintln!("name mismatch (override): {e}");

    // Connection refused: nothing listens on the port.
    let port = free_port().await;
    let e = assert_fails(
        echo(&w, &format!("127.0.0.1:{port}"), None, b"x").await,
        &["connection refused", &format!("127.0.0.1:{port}")],
    );
    eprintln!("refused: {e}");

    // An address outside allowedHosts: the host denies it, the message says where to allow it.
    let e = assert_fails(echo(&w, "127.0.0.2:9", None, b"x").await, &["127.0.0.2:9", "access denied", "allowedHosts"]);
    eprintln!("denied: {e}");

    // Not an address at all; a bad CA PEM.
    let e = assert_fails(echo(&w, "no-port-here", None, b"x").await, &["invalid address", "no-port-here", "host:port"]);
    eprintln!("invalid address: {e}");
    let bad_pem = Tls { ca: Some("not a PEM"), ..Tls::default() };
    let e = assert_fails(echo(&w, &by_name, Some(&bad_pem), b"x").await, &["CA PEM", "CERTIFICATE"]);
    eprintln!("bad CA PEM: {e}");
    w.shutdown().await;
}

/// Calls `serve-once` on `port` in the background.
fn serve_once(w: &Workload, port: u16, len: usize, tls: Val) -> tokio::task::JoinHandle<Result<Vec<u8>, String>> {
    let f = w.func("client", "serve-once").unwrap();
    tokio::spawn(async move { outcome(f.call(&[Val::U16(port), Val::U32(len as u32), tls]).await.unwrap()) })
}

/// Connects to the guest's listener, retrying while it is not listening yet.
async fn connect_retrying(port: u16) -> tokio::net::TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("guest never listened on {port}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_net_listener_serves_native_clients() {
    let (w, _m) = start(PROBE).await;
    // Plain TCP.
    let port = free_port().await;
    let p = payload(64 * 1024, 9);
    let served = serve_once(&w, port, p.len(), Val::Option(None));
    let mut s = connect_retrying(port).await;
    s.write_all(&p).await.unwrap();
    let mut back = vec![0; p.len()];
    s.read_exact(&mut back).await.unwrap();
    assert_eq!(back, p);
    assert_eq!(served.await.unwrap().unwrap(), p);

    // TLS, requiring a client certificate (mTLS server).
    let ca = Ca::new("guest-net test CA");
    let ca_pem = ca.pem();
    let leaf = ca.issue(&["localhost"], false, false);
    let client = ca.issue(&["native-client"], true, false);
    let opts = Val::Option(Some(Box::new(Val::Record(vec![
        ("cert-pem".into(), Val::String(leaf.cert.clone())),
        ("key-pem".into(), Val::String(leaf.key.clone())),
        ("client-ca-pem".into(), opt_str(Some(&ca_pem))),
    ]))));
    let port = free_port().await;
    let served = serve_once(&w, port, 5, opts);
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots(&ca_pem))
        .with_client_auth_cert(certs(&client.cert), PrivateKeyDer::from_pem_slice(client.key.as_bytes()).unwrap())
        .unwrap();
    let tcp = connect_retrying(port).await;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let mut tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    tls.write_all(b"hello").await.unwrap();
    let mut back = [0u8; 5];
    tls.read_exact(&mut back).await.unwrap();
    assert_eq!(&back, b"hello");
    assert_eq!(served.await.unwrap().unwrap(), b"hello");

    // A native client without a certificate is refused, and the guest says why.
    let port = free_port().await;
    let opts = Val::Option(Some(Box::new(Val::Record(vec![
        ("cert-pem".into(), Val::String(leaf.cert.clone())),
        ("key-pem".into(), Val::String(leaf.key.clone())),
        ("client-ca-pem".into(), opt_str(Some(&ca_pem))),
    ]))));
    let served = serve_once(&w, port, 5, opts);
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots(&ca_pem))
        .with_no_client_auth();
    let tcp = connect_retrying(port).await;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    if let Ok(mut tls) = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await {
        let _ = tls.write_all(b"hello").await;
        let _ = tls.read(&mut back).await;
    }
    let e = assert_fails(served.await.unwrap(), &["TLS with client", "127.0.0.1", "no certificate"]);
    eprintln!("server side, client without certificate: {e}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_net_concurrent_calls_while_run_keeps_going() {
    let (w, _m) = start(PROBE).await;
    let ca = Ca::new("guest-net test CA");
    let ca_pem = ca.pem();
    let leaf = ca.issue(&["localhost"], false, false);
    let (tls_server, _) = tls_echo_server(server_config(&leaf, &[&rustls::version::TLS13], None)).await;
    let tcp_server = tcp_echo_server().await;
    let f = w.func("client", "echo").unwrap();
    let t0 = Instant::now();
    let calls: Vec<_> = (0..8u8)
        .map(|i| {
            let f = f.clone();
            let p = payload(32 * 1024, i);
            let (addr, tls) = if i % 2 == 0 {
                (format!("localhost:{}", tls_server.port()), Tls { ca: Some(&ca_pem), ..Tls::default() }.val())
            } else {
                (tcp_server.to_string(), Val::Option(None))
            };
            tokio::spawn(async move {
                let back = outcome(f.call(&[Val::String(addr), tls, bytes(&p)]).await.unwrap());
                (p, back)
            })
        })
        .collect();
    for c in calls {
        let (sent, back) = c.await.unwrap();
        assert_eq!(back.expect("every concurrent echo succeeds"), sent);
    }
    eprintln!("guest-net: 8 concurrent echo calls (4 TLS, 4 TCP, 32 KiB each) took {:?}", t0.elapsed());
    let st = w.status();
    let probe = st.services.iter().find(|s| s.name == "probe").unwrap();
    assert_eq!(probe.incarnations, 1, "the service must not have restarted: {probe:?}");
    w.shutdown().await;
}
