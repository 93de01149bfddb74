//! OTLP/HTTP with protobuf bodies: `POST <path>` with
//! `Content-Type: application/x-protobuf` (and `Content-Encoding: gzip`), over
//! HTTP/1.1. 2xx is success (the body is the `Export*ServiceResponse`); 429, 502,
//! 503 and 504 are retried, honouring `Retry-After`; every other status is final.
//! Error bodies are `google.rpc.Status` messages (or, from proxies, text).
use super::rpc;
use super::{Failure, MAX_RESPONSE, Request, Response, gunzip, read_body};
use crate::config::SignalConfig;
use crate::error::{ErrorKind, ResponseStatus};
use crate::retry::parse_retry_after;
use bytes::Bytes;
use http::header;
use http_body_util::Full;
use prost::Message;
use std::time::SystemTime;

pub(crate) const USER_AGENT: &str = concat!("OTel-OTLP-Exporter-Rust-outrigger/", env!("CARGO_PKG_VERSION"));

/// The request for one attempt (`body` is already compressed if `gzip`).
pub(crate) fn request(cfg: &SignalConfig, body: Bytes, gzip: bool) -> Request {
    let mut b = http::Request::post(cfg.endpoint.path.as_str())
        .header(header::HOST, cfg.endpoint.authority())
        .header(header::CONTENT_TYPE, "application/x-protobuf")
        .header(header::USER_AGENT, USER_AGENT);
    if gzip {
        b = b.header(header::CONTENT_ENCODING, "gzip");
    }
    for (k, v) in &cfg.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Full::new(body)).expect("endpoint path and headers were validated with the configuration")
}

/// The response body on success; otherwise what went wrong.
pub(crate) async fn response(resp: Response) -> Result<Bytes, Failure> {
    let (parts, body) = resp.into_parts();
    let status = parts.status.as_u16();
    let collected = read_body(body, MAX_RESPONSE).await?.to_bytes();
    let gzipped =
        parts.headers.get(header::CONTENT_ENCODING).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let body = if gzipped { Bytes::from(gunzip(&collected, MAX_RESPONSE)?) } else { collected };
    if parts.status.is_success() {
        return Ok(body);
    }
    let retryable = matches!(status, 429 | 502 | 503 | 504);
    let mut message = error_message(&parts.headers, &body);
    if parts.status.is_redirection() {
        if let Some(location) = parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()) {
            message = format!("redirected to {location} (set the endpoint to that URL; redirects are not followed)");
        }
    }
    let delay = if retryable {
        parts
            .headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
    } else {
        None
    };
    let kind = ErrorKind::Rejected { status: ResponseStatus::Http(status), message, retryable };
    Err(Failure { kind, retryable, delay })
}

/// The message of an error body: a `google.rpc.Status` when the body is
/// protobuf, else the start of the text.
pub(crate) fn error_message(headers: &http::HeaderMap, body: &[u8]) -> String {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.contains("protobuf") {
        if let Ok(s) = rpc::Status::decode(body) {
            return s.message;
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut short: String = text.chars().take(300).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
