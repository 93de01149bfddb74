//! One connection attempt: TCP, TLS (first, or after INFO when the client or the
//! server requires it), INFO, CONNECT + PING, and the PONG that proves the server
//! accepted us, all within `connect_timeout`. A `-ERR` here is the server refusing
//! us (usually credentials), reported with what to fix.
use crate::addr::Addr;
use crate::auth::Credentials;
use crate::error::{Error, Result};
use crate::io::{Conn, Connector, Timer};
use crate::options::Options;
use crate::proto::{Frame, ServerInfo, next_frame};
use bytes::{Buf, BytesMut};
use futures::future::{Either, select};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::io;
use std::pin::pin;
use watermelon_proto::Connect;
use watermelon_proto::error::ServerError;
use watermelon_proto::proto::{ClientOp, ServerOp, StreamEncoder};

/// An accepted connection, ready for the driver.
pub(crate) struct Established<C: Connector> {
    pub conn: Conn<C>,
    pub info: ServerInfo,
    /// Bytes read after the PONG (normally none).
    pub read_buf: BytesMut,
}

pub(crate) async fn establish<C: Connector, T: Timer>(
    connector: &C,
    timer: &T,
    addr: &Addr,
    opts: &Options,
    creds: &Credentials,
) -> Result<Established<C>> {
    let mut stage = Stage::Connecting;
    let outcome = {
        let attempt = pin!(attempt(connector, addr, opts, creds, &mut stage));
        match select(attempt, pin!(timer.sleep(opts.connect_timeout))).await {
            Either::Left((r, _)) => Some(r),
            Either::Right(_) => None,
        }
    };
    outcome.unwrap_or_else(|| {
        let (during, hint) = match stage {
            Stage::Connecting => ("connecting to", ""),
            Stage::Tls => ("in the TLS handshake with", ""),
            Stage::Info => (
                "waiting for INFO from",
                " (a server with TLS `handshake_first` waits for the client to start TLS: set Options::tls_first)",
            ),
            Stage::Connect => ("waiting for the answer to CONNECT from", ""),
        };
        Err(Error::ConnectTimeout { server: addr.to_string(), after: opts.connect_timeout, during, hint })
    })
}

#[derive(Clone, Copy)]
enum Stage {
    Connecting,
    Tls,
    Info,
    Connect,
}

async fn attempt<C: Connector>(
    connector: &C,
    addr: &Addr,
    opts: &Options,
    creds: &Credentials,
    stage: &mut Stage,
) -> Result<Established<C>> {
    let server = addr.to_string();
    let tcp = connector
        .connect(&addr.host, addr.port)
        .await
        .map_err(|e| Error::Connect { server: server.clone(), reason: e.to_string() })?;
    let want_tls = opts.tls_required || opts.tls_first || addr.tls;
    let mut conn = if opts.tls_first {
        *stage = Stage::Tls;
        Conn::Tls(upgrade(connector, tcp, addr).await?)
    } else {
        Conn::Plain(tcp)
    };
    let mut buf = BytesMut::with_capacity(8 * 1024);
    *stage = Stage::Info;
    let mut info = match read_frame(&mut conn, &mut buf, addr, None).await? {
        Frame::Info(info) => *info,
        other => return Err(protocol(addr, format!("expected INFO first, got {other:?}"))),
    };
    if let Conn::Plain(tcp) = conn {
        conn = if want_tls || info.tls_required {
            if !(info.tls_required || info.tls_available) {
                return Err(Error::Tls {
                    server,
                    reason:
                        "the client requires TLS (a tls:// URL, tls_required or tls_first) but the server does not \
                             offer it: configure a `tls` block on the server, or connect without TLS"
                            .into(),
                });
            }
            *stage = Stage::Tls;
            Conn::Tls(upgrade(connector, tcp, addr).await?)
        } else {
            Conn::Plain(tcp)
        };
    }
    *stage = Stage::Connect;
    let fields = creds.connect_fields(addr, info.nonce.as_deref())?;
    let connect = Connect {
        verbose: false,
        pedantic: false,
        require_tls: conn.is_tls(),
        auth_token: fields.token,
        username: fields.user,
        password: fields.password,
        client_name: opts.name.clone(),
        client_lang: "rust",
        client_version: env!("CARGO_PKG_VERSION"),
        protocol: 1,
        echo: opts.echo,
        signature: fields.signature,
        jwt: fields.jwt,
        supports_no_responders: true,
        supports_headers: true,
        nkey: fields.nkey,
        non_standard: Default::default(),
    };
    let mut enc = StreamEncoder::new();
    enc.enqueue_write_op(&ClientOp::Connect { connect: Box::new(connect) });
    enc.enqueue_write_op(&ClientOp::Ping);
    let bytes = enc.copy_to_bytes(enc.remaining());
    write(&mut conn, &bytes, addr, &info).await?;
    loop {
        match read_frame(&mut conn, &mut buf, addr, Some(&info)).await? {
            Frame::Op(ServerOp::Pong) => break,
            Frame::Op(ServerOp::Error { error }) => return Err(refused(addr, error, creds)),
            Frame::Op(ServerOp::Ping) => write(&mut conn, b"PONG\r\n", addr, &info).await?,
            Frame::Info(i) => info = *i,
            _ => {}
        }
    }
    Ok(Established { conn, info, read_buf: buf })
}

async fn upgrade<C: Connector>(connector: &C, tcp: C::Stream, addr: &Addr) -> Result<C::TlsStream> {
    connector
        .upgrade(tcp, &addr.tls_name)
        .await
        .map_err(|e| Error::Tls { server: addr.to_string(), reason: with_hint(e.to_string()) })
}

/// Adds a fix to rustls' terse certificate errors (connectors that word their own
/// errors, like guest-net's, already say it).
fn with_hint(reason: String) -> String {
    let hint = if reason.contains("UnknownIssuer") {
        ": the server's certificate is not signed by a CA the client trusts; give the connector the CA that issued it"
    } else if reason.contains("Expired") {
        ": the server's certificate has expired; renew it (or check the clock)"
    } else if reason.contains("NotValidForName") {
        ": the server's certificate does not list the name connected to; connect by a name it lists"
    } else {
        ""
    };
    format!("{reason}{hint}")
}

async fn write<C: Connector>(conn: &mut Conn<C>, bytes: &[u8], addr: &Addr, info: &ServerInfo) -> Result<()> {
    let r = async {
        conn.write_all(bytes).await?;
        conn.flush().await
    }
    .await;
    r.map_err(|e| io_error(conn, e, addr, Some(info)))
}

/// Reads until one whole operation is buffered.
async fn read_frame<C: Connector>(
    conn: &mut Conn<C>,
    buf: &mut BytesMut,
    addr: &Addr,
    info: Option<&ServerInfo>,
) -> Result<Frame> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(f) = next_frame(buf).map_err(|e| protocol(addr, e))? {
            return Ok(f);
        }
        match conn.read(&mut chunk).await {
            Ok(0) => {
                let e = io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection");
                return Err(io_error(conn, e, addr, info));
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(io_error(conn, e, addr, info)),
        }
    }
}

/// A read or write failure while connecting; on TLS, worded as a TLS failure
/// (a server that refuses our client certificate is seen only when reading).
fn io_error<C: Connector>(conn: &Conn<C>, e: io::Error, addr: &Addr, info: Option<&ServerInfo>) -> Error {
    let server = addr.to_string();
    if !conn.is_tls() {
        return protocol(addr, format!("{e} while connecting"));
    }
    let hint = match info {
        Some(i) if i.tls_verify => {
            " (the server requires a client certificate, `verify: true`: give the connector one signed by a CA the server trusts)"
        }
        Some(_) => "",
        None => " (if the server requires client certificates, give the connector one it trusts)",
    };
    Error::Tls { server, reason: format!("the session failed after the handshake: {e}{hint}") }
}

fn protocol(addr: &Addr, reason: impl Into<String>) -> Error {
    Error::Protocol { server: addr.to_string(), reason: reason.into() }
}

/// The server's `-ERR` in answer to CONNECT.
fn refused(addr: &Addr, error: ServerError, creds: &Credentials) -> Error {
    let server = addr.to_string();
    match error {
        ServerError::AuthorizationViolation => Error::Auth { server, reason: creds.describe().into() },
        ServerError::TlsRequired => Error::Tls {
            server,
            reason: "the server requires TLS: use a tls:// URL or set Options::tls_required".into(),
        },
        other => protocol(addr, format!("the server refused the connection: {other}")),
    }
}
