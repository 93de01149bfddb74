//! Ready-made I/O for WASI 0.3 service components (feature `guest`, wasm32-wasip2
//! only): [`GuestConnector`] opens guest-net TCP streams and runs TLS with
//! guest-net's `TlsConnector` (rustls + ring, ChaCha20 preferred), [`sleep`] is
//! `guest_net::sleep`, [`spawn`] runs connection tasks with wit-bindgen's
//! `spawn_local` (through guest-net's `HyperExecutor`), and [`exporter`] puts
//! them together.
use crate::config::Config;
use crate::exporter::Exporter;
use crate::io::{Connector, Spawn, Task, Timer, TlsSettings};
use guest_net::{TcpStream, TlsConnector, TlsStream};
use std::io;

pub use guest_net::sleep;

/// guest-net TCP + TLS. TLS settings are applied per connection (a CA of
/// `None` trusts the bundled Mozilla roots).
#[derive(Clone, Copy, Debug, Default)]
pub struct GuestConnector;

impl Connector for GuestConnector {
    type Stream = TcpStream;
    type TlsStream = TlsStream;

    async fn connect(&self, host: &str, port: u16) -> io::Result<TcpStream> {
        let addr = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        Ok(TcpStream::connect(&addr).await?)
    }

    async fn upgrade(&self, stream: TcpStream, tls: &TlsSettings) -> io::Result<TlsStream> {
        let mut b = TlsConnector::builder().alpn_protocols(&tls.alpn);
        if let Some(ca) = &tls.ca_pem {
            b = b.ca_pem(&ca[..]);
        }
        if let (Some(cert), Some(key)) = (&tls.client_cert_pem, &tls.client_key_pem) {
            b = b.client_auth_pem(&cert[..], &key[..]);
        }
        Ok(b.build()?.handshake(stream, &tls.server_name).await?)
    }
}

/// Spawns onto the current Component Model task: call the exporter from the
/// task that lives as long as it (the service's `run`), not from an export
/// call's task.
pub fn spawn(task: Task) {
    hyper::rt::Executor::execute(&guest_net::HyperExecutor, task)
}

/// An exporter on guest-net, `guest_net::sleep` and [`spawn`].
pub fn exporter(config: &Config) -> Exporter<GuestConnector, impl Timer, impl Spawn> {
    Exporter::new(config, GuestConnector, sleep, spawn as fn(Task))
}
