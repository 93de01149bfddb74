//! Splitting the server's byte stream into operations. watermelon-proto decodes
//! every operation, but its `ServerInfo` cannot parse what real servers send: a
//! cluster advertises `connect_urls` as bare `host:port` (its `ServerAddr` wants a
//! URL scheme, so the whole INFO fails), and `host` must be an IP. So INFO lines are
//! parsed here into our own lenient [`ServerInfo`]; to find them, this module frames
//! the stream itself (a control line, plus the payload of MSG / HMSG, whose length
//! ends the line) and hands every other frame to watermelon's `decode_frame`.
use crate::headers::Headers;
use crate::subscriber::Message;
use bytes::{Bytes, BytesMut};
use serde::Deserialize;
use watermelon_proto::proto::{ServerOp, decode_frame};

/// Longest control line accepted from a server (watermelon-proto allows the same).
const MAX_LINE: usize = 128 * 1024;

/// What a server says about itself in INFO (the fields this client uses).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerInfo {
    #[serde(default)]
    pub server_id: String,
    #[serde(default)]
    pub server_name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: u16,
    #[serde(default)]
    pub headers: bool,
    /// Largest message (headers + payload) the server accepts, in bytes.
    #[serde(default)]
    pub max_payload: usize,
    #[serde(default)]
    pub proto: u32,
    #[serde(default)]
    pub client_id: Option<u64>,
    #[serde(default)]
    pub auth_required: bool,
    #[serde(default)]
    pub tls_required: bool,
    #[serde(default)]
    pub tls_verify: bool,
    #[serde(default)]
    pub tls_available: bool,
    /// Other servers of the cluster, as `host:port`.
    #[serde(default)]
    pub connect_urls: Vec<String>,
    /// Lame duck mode: the server is about to shut down.
    #[serde(default)]
    pub ldm: bool,
    #[serde(default)]
    pub jetstream: bool,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
}

/// One operation from the server.
#[derive(Debug)]
pub(crate) enum Frame {
    Info(Box<ServerInfo>),
    /// MSG or HMSG, with the subscription id.
    Msg(u64, Message),
    /// Any other operation.
    Op(ServerOp),
}

/// Takes the next complete operation off the front of `buf`; `Ok(None)` when more
/// bytes are needed. An error means the stream is not NATS (or is corrupt): the
/// connection must be dropped.
pub(crate) fn next_frame(buf: &mut BytesMut) -> Result<Option<Frame>, String> {
    let Some(eol) = memchr::memmem::find(buf, b"\r\n") else {
        if buf.len() > MAX_LINE {
            return Err(format!("a control line longer than {MAX_LINE} bytes"));
        }
        return Ok(None);
    };
    let line = &buf[..eol];
    let is_hmsg = line.starts_with(b"HMSG ");
    let mut header_len = 0;
    let len = if line.starts_with(b"MSG ") || is_hmsg {
        // The last argument is the payload length (MSG) or headers + payload
        // (HMSG, after the headers' length).
        let mut args = line.rsplit(|b| *b == b' ');
        let bad = || format!("bad length in `{}`", String::from_utf8_lossy(line));
        let n = parse_len(args.next()).ok_or_else(bad)?;
        if is_hmsg {
            header_len = parse_len(args.next()).filter(|h| *h <= n).ok_or_else(bad)?;
        }
        let total = eol + 2 + n + 2;
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        total
    } else if let Some(json) = line.strip_prefix(b"INFO ") {
        let info: ServerInfo = serde_json::from_slice(json).map_err(|e| format!("unreadable INFO: {e}"))?;
        let _ = buf.split_to(eol + 2);
        return Ok(Some(Frame::Info(Box::new(info))));
    } else {
        eol + 2
    };
    let raw: Bytes = buf.split_to(len).freeze();
    let mut frame = raw.clone();
    match decode_frame(&mut frame) {
        Ok(ServerOp::Message { message }) => {
            let headers =
                if is_hmsg { Headers::parse_block(&raw[eol + 2..eol + 2 + header_len]) } else { Headers::new() };
            let sid = u64::from(message.subscription_id);
            Ok(Some(Frame::Msg(sid, Message::from_server(message, headers))))
        }
        Ok(op) => Ok(Some(Frame::Op(op))),
        Err(e) => {
            let cause = std::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
            Err(format!("undecodable operation ({e}{cause})"))
        }
    }
}

fn parse_len(arg: Option<&[u8]>) -> Option<usize> {
    std::str::from_utf8(arg?).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        // Byte by byte: every split point must work.
        for b in input {
            buf.extend_from_slice(&[*b]);
            while let Some(f) = next_frame(&mut buf).unwrap() {
                out.push(f);
            }
        }
        assert!(buf.is_empty());
        out
    }

    #[test]
    fn frames_every_operation() {
        let input =
            b"INFO {\"server_id\":\"x\",\"max_payload\":1024,\"connect_urls\":[\"10.0.0.1:4222\"],\"ldm\":true}\r\n\
PING\r\nPONG\r\n+OK\r\n-ERR 'Authorization Violation'\r\nMSG a.b 1 5\r\nhello\r\nMSG a.b 2 r.1 0\r\n\r\n\
HMSG a 3 24 26\r\nNATS/1.0\r\nK: v\r\nX: y\r\n\r\nhi\r\nHMSG _INBOX.x.1 4 16 16\r\nNATS/1.0 503\r\n\r\n\r\n";
        let f = frames(input);
        assert_eq!(f.len(), 9);
        let Frame::Info(info) = &f[0] else { panic!("{f:?}") };
        assert_eq!((info.max_payload, info.ldm, info.connect_urls.len()), (1024, true, 1));
        assert!(matches!(f[1], Frame::Op(ServerOp::Ping)));
        let Frame::Msg(1, m) = &f[5] else { panic!() };
        assert_eq!(&m.payload[..], b"hello");
        let Frame::Msg(3, m) = &f[7] else { panic!() };
        assert_eq!(&m.payload[..], b"hi");
        assert_eq!(m.headers.iter().collect::<Vec<_>>(), [("K", "v"), ("X", "y")]);
        let Frame::Msg(4, m) = &f[8] else { panic!() };
        assert_eq!(m.status.map(u16::from), Some(503));
    }

    #[test]
    fn rejects_garbage() {
        let mut buf = BytesMut::from(&b"HELLO\r\n"[..]);
        assert!(next_frame(&mut buf).is_err());
        let mut buf = BytesMut::from(&b"MSG a 1 x\r\n"[..]);
        assert!(next_frame(&mut buf).unwrap_err().contains("bad length"));
    }
}
