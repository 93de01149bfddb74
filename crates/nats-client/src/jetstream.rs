//! JetStream acknowledged publish: a request to the stream's subject whose reply
//! is a PubAck (`{"stream":"S","seq":7}`) or an API error
//! (`{"error":{"code":503,"err_code":10077,"description":"..."}}`). Only a real ack
//! is `Ok`: a timeout, a lost connection or no stream is an error, so the caller
//! knows which messages the stream has. Retrying with the same `Nats-Msg-Id` makes
//! a retry safe (the stream drops duplicates within its duplicate window).
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::{Headers, MSG_ID};
use bytes::Bytes;
use serde::Deserialize;
use std::time::Duration;

/// A JetStream publish acknowledgement: the message is stored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PubAck {
    /// The stream that stored the message.
    pub stream: String,
    /// Its sequence number in the stream.
    pub seq: u64,
    /// True when the stream already had a message with this `Nats-Msg-Id`.
    #[serde(default)]
    pub duplicate: bool,
    #[serde(default)]
    pub domain: Option<String>,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    error: Option<ApiError>,
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default)]
    duplicate: bool,
    #[serde(default)]
    domain: Option<String>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    code: u16,
    #[serde(default)]
    err_code: u64,
    #[serde(default)]
    description: String,
}

impl Client {
    /// Publishes to a JetStream stream and waits up to `timeout` for its ack.
    pub async fn publish_with_ack(
        &self,
        subject: &str,
        headers: &Headers,
        payload: impl Into<Bytes>,
        timeout: Duration,
    ) -> Result<PubAck> {
        let reply = match self.request_with_headers(subject, headers, payload, timeout).await {
            Ok(m) => m,
            Err(Error::NoResponders { subject }) => return Err(Error::NoStream { subject }),
            Err(e) => return Err(e),
        };
        parse_ack(subject, &reply.payload)
    }

    /// [`publish_with_ack`](Client::publish_with_ack) with a `Nats-Msg-Id`: the
    /// stream stores a message with the same id only once.
    pub async fn publish_with_ack_id(
        &self,
        subject: &str,
        msg_id: &str,
        headers: &Headers,
        payload: impl Into<Bytes>,
        timeout: Duration,
    ) -> Result<PubAck> {
        let mut headers = headers.clone();
        headers.insert(MSG_ID, msg_id);
        self.publish_with_ack(subject, &headers, payload, timeout).await
    }
}

pub(crate) fn parse_ack(subject: &str, payload: &[u8]) -> Result<PubAck> {
    let invalid = |reason: String| Error::InvalidAck { subject: subject.to_string(), reason };
    let r: Reply = serde_json::from_slice(payload)
        .map_err(|e| invalid(format!("{e} in `{}`", String::from_utf8_lossy(payload))))?;
    if let Some(e) = r.error {
        return Err(Error::JetStream {
            subject: subject.to_string(),
            code: e.code,
            err_code: e.err_code,
            description: e.description,
        });
    }
    match (r.stream, r.seq) {
        (Some(stream), Some(seq)) if !stream.is_empty() => {
            Ok(PubAck { stream, seq, duplicate: r.duplicate, domain: r.domain })
        }
        _ => Err(invalid(format!("no stream and sequence in `{}`", String::from_utf8_lossy(payload)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_acks_and_errors() {
        let a = parse_ack("s", br#"{"stream":"S","seq":7,"duplicate":true}"#).unwrap();
        assert_eq!((a.stream.as_str(), a.seq, a.duplicate), ("S", 7, true));
        let e = parse_ack("s", br#"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}"#);
        assert!(matches!(e, Err(Error::JetStream { code: 503, err_code: 10077, .. })), "{e:?}");
        assert!(matches!(parse_ack("s", b"hello"), Err(Error::InvalidAck { .. })));
        assert!(matches!(parse_ack("s", b"{}"), Err(Error::InvalidAck { .. })));
    }
}
