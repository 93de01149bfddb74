//! `net-probe` test service: exercises guest-net from inside a running WASI 0.3
//! service, for the end-to-end tests in tests/e2e/guest_net.rs.
//!
//! Its `run` only waits (a timer loop) for the instance's whole life; every call of
//! `outrigger:test/net-probe` is one more Component Model task of the instance, so
//! several connections run concurrently while `run` keeps going. Errors are
//! returned as guest-net's message text, which the tests check word by word.
use exports::outrigger::test::net_probe::{self, TlsOptions, TlsServerOptions};
use guest_net::{NetError, TcpListener, TcpStream, TlsAcceptor, TlsConnector, timeout};
use std::time::Duration;
use wasip3::clocks::monotonic_clock;

wit_bindgen::generate!({
    path: "../../wit/test-net",
    world: "net-probe-service",
});

/// No single probe may take longer than this (the error says so if it does).
const LIMIT: Duration = Duration::from_secs(10);

struct Probe;

impl net_probe::Guest for Probe {
    async fn echo(addr: String, tls: Option<TlsOptions>, payload: Vec<u8>) -> Result<Vec<u8>, String> {
        let r = timeout(LIMIT, echo(&addr, tls, &payload)).await.and_then(|r| r);
        r.map_err(|e| e.to_string())
    }

    async fn serve_once(port: u16, payload_len: u32, tls: Option<TlsServerOptions>) -> Result<Vec<u8>, String> {
        let r = timeout(LIMIT, serve_once(port, payload_len as usize, tls)).await.and_then(|r| r);
        r.map_err(|e| e.to_string())
    }
}

export!(Probe);

async fn echo(addr: &str, tls: Option<TlsOptions>, payload: &[u8]) -> Result<Vec<u8>, NetError> {
    let mut back = vec![0; payload.len()];
    match tls {
        None => {
            // Plain TCP: the two halves at once, so a payload larger than the socket
            // buffers cannot deadlock against an echoing peer.
            let (mut rx, mut tx) = TcpStream::connect(addr).await?.split();
            let send = async {
                tx.write_all(payload).await?;
                tx.close().await
            };
            let (sent, received) = futures::future::join(send, rx.read_exact(&mut back)).await;
            sent?;
            received?;
        }
        Some(opts) => {
            let connector = connector(opts)?;
            let t0 = monotonic_clock::now();
            let mut conn = connector.connect(addr).await?;
            eprintln!(
                "net-probe: {} {} with `{}` ({}): connect + handshake {} us",
                conn.protocol_version().unwrap_or("?"),
                conn.cipher_suite().unwrap_or("?"),
                conn.server_name().unwrap_or("?"),
                conn.peer(),
                (monotonic_clock::now() - t0) / 1000
            );
            conn.write_all(payload).await?;
            conn.read_exact(&mut back).await?;
            conn.close().await?;
        }
    }
    Ok(back)
}

fn connector(opts: TlsOptions) -> Result<TlsConnector, NetError> {
    let mut b = TlsConnector::builder();
    if let Some(ca) = opts.ca_pem {
        b = b.ca_pem(ca);
    }
    if let (Some(cert), Some(key)) = (opts.client_cert_pem, opts.client_key_pem) {
        b = b.client_auth_pem(cert, key);
    }
    if let Some(name) = opts.server_name {
        b = b.server_name(name);
    }
    b.build()
}

async fn serve_once(port: u16, len: usize, tls: Option<TlsServerOptions>) -> Result<Vec<u8>, NetError> {
    let mut listener = TcpListener::bind(&format!("127.0.0.1:{port}")).await?;
    let tcp = listener.accept().await?;
    let mut got = vec![0; len];
    match tls {
        None => {
            let mut conn = tcp;
            conn.read_exact(&mut got).await?;
            conn.write_all(&got).await?;
            conn.close().await?;
        }
        Some(opts) => {
            let mut b = TlsAcceptor::builder(opts.cert_pem, opts.key_pem);
            if let Some(ca) = opts.client_ca_pem {
                b = b.client_ca_pem(ca);
            }
            let mut conn = b.build()?.accept(tcp).await?;
            conn.read_exact(&mut got).await?;
            conn.write_all(&got).await?;
            conn.close().await?;
        }
    }
    Ok(got)
}

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        eprintln!("net-probe: run started");
        loop {
            guest_net::sleep(Duration::from_secs(1)).await;
        }
    }
}

wasip3::cli::command::export!(Run);
