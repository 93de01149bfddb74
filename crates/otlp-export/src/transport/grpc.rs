//! OTLP/gRPC over HTTP/2 without a gRPC library: one unary call is a POST to
//! `/<service>/Export` with `content-type: application/grpc`, `te: trailers`, a
//! `grpc-timeout`, and a body of one length-prefixed message (1 byte "compressed"
//! flag, 4 bytes big-endian length). The status comes in `grpc-status` /
//! `grpc-message` trailers (or headers, for a trailers-only answer), retry advice
//! in `grpc-status-details-bin` (a base64 `google.rpc.Status` with `RetryInfo`).
//! Written by hand because tonic needs tokio and a tower stack the guest does
//! not have; the framing is small and fixed.
use super::rpc::{self, code};
use super::{Failure, MAX_RESPONSE, Request, Response, gunzip, read_body};
use crate::config::{Signal, SignalConfig};
use crate::error::{ErrorKind, ResponseStatus};
use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, header};
use http_body_util::Full;
use prost::Message;
use std::time::Duration;

/// The method path of a signal's `Export` call.
fn method(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    }
}

/// One length-prefixed message; `compressed` is already gzip when set.
pub(crate) fn frame(message: &[u8], compressed: bool) -> Bytes {
    let mut b = BytesMut::with_capacity(message.len() + 5);
    b.put_u8(u8::from(compressed));
    b.put_u32(u32::try_from(message.len()).expect("messages are limited to 64 MiB"));
    b.put_slice(message);
    b.freeze()
}

/// The request for one attempt, with `timeout` as the server's deadline.
pub(crate) fn request(cfg: &SignalConfig, body: Bytes, gzip: bool, timeout: Duration) -> Request {
    let e = &cfg.endpoint;
    let scheme = if e.tls { "https" } else { "http" };
    let uri = format!("{scheme}://{}{}", e.authority(), method(cfg.signal));
    let mut b = http::Request::post(uri)
        .header(header::CONTENT_TYPE, "application/grpc")
        .header(header::TE, "trailers")
        .header(header::USER_AGENT, super::http::USER_AGENT)
        .header("grpc-timeout", grpc_timeout(timeout));
    if gzip {
        b = b.header("grpc-encoding", "gzip").header("grpc-accept-encoding", "gzip");
    }
    for (k, v) in &cfg.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Full::new(body)).expect("endpoint and headers were validated with the configuration")
}

/// `grpc-timeout`: at most 8 digits and a unit.
fn grpc_timeout(d: Duration) -> String {
    let ms = d.as_millis().max(1);
    if ms < 100_000_000 { format!("{ms}m") } else { format!("{}S", (d.as_secs()).min(99_999_999)) }
}

/// The response message on `OK`; otherwise what went wrong.
pub(crate) async fn response(resp: Response) -> Result<Bytes, Failure> {
    let (parts, body) = resp.into_parts();
    if parts.status != http::StatusCode::OK {
        // Not a gRPC answer (a proxy, or an HTTP/1-only server upgraded to h2).
        let http = parts.status.as_u16();
        let grpc = rpc::from_http(http);
        let bytes = read_body(body, MAX_RESPONSE).await.map(|c| c.to_bytes()).unwrap_or_default();
        let message = super::http::error_message(&parts.headers, &bytes);
        let retryable = rpc::retryable(grpc, false);
        let kind = ErrorKind::Rejected { status: ResponseStatus::Http(http), message, retryable };
        return Err(Failure::new(kind, retryable));
    }
    if parts.headers.contains_key("grpc-status") {
        // Trailers-only: no message.
        status(&parts.headers)?;
        return Ok(Bytes::new());
    }
    let collected = read_body(body, MAX_RESPONSE + 5).await?;
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let data = collected.to_bytes();
    if !trailers.contains_key("grpc-status") {
        return Err(Failure::connection("the stream ended without a grpc-status (a proxy in between?)"));
    }
    status(&trailers)?;
    message(&parts.headers, data)
}

/// `Ok` for status 0; otherwise the failure, retryable per the OTLP table.
fn status(h: &HeaderMap) -> Result<(), Failure> {
    let raw = h.get("grpc-status").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Ok(c) = raw.trim().parse::<i32>() else {
        return Err(Failure::bad_response(format!("grpc-status `{raw}` is not a number")));
    };
    if c == code::OK {
        return Ok(());
    }
    let message = h
        .get("grpc-message")
        .map(|v| percent_encoding::percent_decode(v.as_bytes()).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    let details = h
        .get("grpc-status-details-bin")
        .and_then(|v| decode_base64(v.as_bytes()))
        .and_then(|b| rpc::Status::decode(b.as_slice()).ok());
    let delay = details.as_ref().and_then(|d| d.retry_delay());
    let retryable = rpc::retryable(c, delay.is_some());
    let kind = ErrorKind::Rejected { status: ResponseStatus::Grpc(c), message, retryable };
    Err(Failure { kind, retryable, delay: delay.filter(|_| retryable) })
}

/// gRPC sends binary metadata as base64, padded or not.
fn decode_base64(v: &[u8]) -> Option<Vec<u8>> {
    let v = v.strip_suffix(b"==").or_else(|| v.strip_suffix(b"=")).unwrap_or(v);
    data_encoding::BASE64_NOPAD.decode(v).ok()
}

/// The one message of a successful answer (empty when the server sent none).
fn message(headers: &HeaderMap, data: Bytes) -> Result<Bytes, Failure> {
    if data.is_empty() {
        return Ok(data);
    }
    if data.len() < 5 {
        return Err(Failure::bad_response("a truncated gRPC message (shorter than its 5-byte prefix)"));
    }
    let len = u32::from_be_bytes([data[1], data[2], data[3], data[4]]) as usize;
    if data.len() < 5 + len {
        return Err(Failure::bad_response(format!("a truncated gRPC message ({} of {len} bytes)", data.len() - 5)));
    }
    let payload = data.slice(5..5 + len);
    match data[0] {
        0 => Ok(payload),
        1 => {
            let enc = headers.get("grpc-encoding").map(|v| v.as_bytes()).unwrap_or(b"");
            if enc != b"gzip" {
                let enc = String::from_utf8_lossy(enc);
                return Err(Failure::bad_response(format!("a response compressed with unsupported `{enc}`")));
            }
            Ok(Bytes::from(gunzip(&payload, MAX_RESPONSE)?))
        }
        f => Err(Failure::bad_response(format!("unknown gRPC message flag {f}"))),
    }
}
