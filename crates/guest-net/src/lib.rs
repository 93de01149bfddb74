//! Non-blocking networking for WASI 0.3 (P3) service components.
//!
//! A service's `wasi:cli/run` and every call into the service are Component Model
//! tasks of one instance; a task that blocks (a WASI 0.2 `poll`, tokio `block_on`)
//! freezes all of them. Everything here waits the WASI 0.3 way instead (`stream<u8>`
//! reads and writes, async `connect`, `wait-for`), so the instance stays responsive.
//!
//! - [`TcpStream::connect`]`("host:port")`: name resolution through
//!   `wasi:sockets/ip-name-lookup`, each address tried in turn.
//! - [`TcpListener::bind`] + [`TcpListener::accept`] for servers.
//! - [`TlsConnector`] / [`TlsAcceptor`]: TLS 1.2 / 1.3 client and server on rustls
//!   with the `ring` provider, certificates and keys from PEM.
//! - [`sleep`] and [`timeout`] on the monotonic clock.
//! - Streams implement `futures-io` `AsyncRead` / `AsyncWrite`; with the `hyper`
//!   feature, [`HyperIo`] adapts them to hyper 1.x.
//!
//! Every error is a [`NetError`] whose message says what failed, where, and how to
//! fix it when the cause is known (e.g. an address missing from `allowedHosts`, an
//! untrusted or expired certificate).
//!
//! ```ignore
//! use guest_net::{TcpStream, TlsConnector, timeout};
//! // TLS straight away (the certificate is checked for `nats.internal`):
//! let tls = TlsConnector::builder().ca_pem(ca_pem).client_auth_pem(cert_pem, key_pem).build()?;
//! let mut conn = timeout(Duration::from_secs(5), tls.connect("nats.internal:4222")).await??;
//! // ...or after a plaintext preamble (NATS sends INFO first):
//! let tcp = TcpStream::connect("nats.internal:4222").await?;
//! let mut conn = tls.handshake(tcp, "nats.internal").await?;
//! conn.write_all(b"PING\r\n").await?;
//! ```
//!
//! Things to know (see docs/NOTES.md):
//! - The streams' own `write_all` returns once the socket has taken the bytes;
//!   through `futures-io` (`AsyncWrite`), call `flush` as usual. WASI 0.3 sockets
//!   cannot set `TCP_NODELAY`: send a message in one `write_all` (or one vectored
//!   write), or a second small write may wait ~40 ms for the peer's delayed ACK
//!   (Nagle). The TLS stream already sends each handshake flight in one write.
//! - Each direction buffers up to 64 KiB; read and write concurrently (e.g.
//!   [`TcpStream::split`] into a reader task and a writer task) when the peer may
//!   answer before it has read everything.
//! - Components using this crate need wit-bindgen's `inter-task-wakeup` feature
//!   (this crate turns it on) whenever one task awaits something another task
//!   completes. Tasks spawned with `spawn_local` live inside the Component Model
//!   task that spawned them (spawn long-lived connection tasks from `run`).
//! - ring needs a C compiler that targets wasm32 (`clang`; scripts/setup.sh).
mod addr;
mod error;
#[cfg(feature = "hyper")]
mod hyper_io;
mod io_util;
mod tcp;
mod time;
mod tls;

pub use error::{NetError, Result};
#[cfg(feature = "hyper")]
pub use hyper_io::{HyperExecutor, HyperIo};
pub use tcp::{ReadHalf, TcpListener, TcpStream, WriteHalf};
pub use time::{sleep, timeout};
pub use tls::{TlsAcceptor, TlsAcceptorBuilder, TlsConnector, TlsConnectorBuilder, TlsStream};
