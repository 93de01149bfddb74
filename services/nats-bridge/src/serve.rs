//! What the bridge exports: `outrigger:messaging/bridge` (called by the host's
//! `wasi:messaging` implementation, in batches) and `wasmcloud:messaging/consumer`
//! (called directly by wasmCloud components). Both publish and request on the one
//! connection; a publish to a subject configured in NATS_JETSTREAM_ACK returns only
//! after the stream acknowledged it.
use crate::connection::{Handle, handle};
use crate::exports::outrigger::messaging::bridge;
use crate::exports::wasmcloud::messaging::consumer;
use crate::outrigger::messaging::types::{Error, Msg};
use crate::wasmcloud::messaging::types::BrokerMessage;
use nats_client::Headers;
use std::time::Duration;

pub struct Bridge;

/// A received message as the plain `msg` record.
pub fn to_msg(m: nats_client::Message) -> Msg {
    let mut content_type = None;
    let mut metadata = Vec::new();
    for (k, v) in m.headers.iter() {
        if k.eq_ignore_ascii_case("content-type") && content_type.is_none() {
            content_type = Some(v.to_string());
        } else {
            metadata.push((k.to_string(), v.to_string()));
        }
    }
    Msg {
        subject: m.subject.to_string(),
        data: m.payload.to_vec(),
        content_type,
        metadata,
        reply_to: m.reply.map(|r| r.to_string()),
    }
}

fn headers(m: &Msg) -> Headers {
    let mut h = Headers::new();
    if let Some(ct) = &m.content_type {
        h.insert("Content-Type", ct.clone());
    }
    for (k, v) in &m.metadata {
        h.append(k.clone(), v.clone());
    }
    h
}

fn error(e: nats_client::Error) -> Error {
    use nats_client::Error as E;
    match e {
        E::RequestTimeout { .. } => Error::Timeout,
        E::Auth { .. } => Error::PermissionDenied(e.to_string()),
        E::Connect { .. } | E::Tls { .. } | E::Closed { .. } | E::ReconnectBufferFull { .. } | E::NoServer { .. } => {
            Error::Connection(e.to_string())
        }
        other => Error::Other(other.to_string()),
    }
}

async fn publish_one(h: &Handle, m: Msg) -> Result<(), Error> {
    let hdrs = headers(&m);
    if h.config.wants_ack(&m.subject) {
        let ack = h.client.publish_with_ack(&m.subject, &hdrs, m.data, h.config.ack_timeout).await;
        return ack.map(|_| ()).map_err(error);
    }
    match &m.reply_to {
        Some(reply) => h.client.publish_with_reply(&m.subject, reply, &hdrs, m.data).await,
        None => h.client.publish_with_headers(&m.subject, &hdrs, m.data).await,
    }
    .map_err(error)
}

async fn request(h: &Handle, m: Msg, timeout_ms: u32, expected: u32) -> Result<Vec<Msg>, Error> {
    let timeout = Duration::from_millis(timeout_ms.into()).min(h.config.request_timeout);
    let replies = h
        .client
        .request_many(&m.subject, &headers(&m), m.data, timeout, expected.max(1) as usize)
        .await
        .map_err(error)?;
    Ok(replies.into_iter().map(to_msg).collect())
}

impl bridge::Guest for Bridge {
    async fn limits() -> bridge::BridgeLimits {
        match handle().await {
            Ok(h) => bridge::BridgeLimits {
                max_payload: h.client.max_payload() as u64,
                acknowledged: h.config.ack_subjects.clone(),
            },
            Err(_) => bridge::BridgeLimits { max_payload: 0, acknowledged: Vec::new() },
        }
    }

    async fn publish(messages: Vec<Msg>) -> Vec<Result<(), Error>> {
        let h = match handle().await {
            Ok(h) => h,
            Err(why) => return messages.iter().map(|_| Err(Error::Connection(why.clone()))).collect(),
        };
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            out.push(publish_one(&h, m).await);
        }
        out
    }

    async fn request(m: Msg, timeout_ms: u32, expected_replies: u32) -> Result<Vec<Msg>, Error> {
        let h = handle().await.map_err(Error::Connection)?;
        request(&h, m, timeout_ms, expected_replies).await
    }
}

fn text(e: Error) -> String {
    match e {
        Error::Timeout => "timeout".into(),
        Error::Connection(s) | Error::PermissionDenied(s) | Error::Other(s) => s,
    }
}

impl consumer::Guest for Bridge {
    async fn request(subject: String, body: Vec<u8>, timeout_ms: u32) -> Result<BrokerMessage, String> {
        let h = handle().await?;
        let m = Msg { subject, data: body, content_type: None, metadata: Vec::new(), reply_to: None };
        let mut replies = request(&h, m, timeout_ms, 1).await.map_err(text)?;
        let r = replies.remove(0);
        Ok(BrokerMessage { subject: r.subject, body: r.data, reply_to: r.reply_to })
    }

    async fn publish(msg: BrokerMessage) -> Result<(), String> {
        let h = handle().await?;
        let m = Msg {
            subject: msg.subject,
            data: msg.body,
            content_type: None,
            metadata: Vec::new(),
            reply_to: msg.reply_to,
        };
        publish_one(&h, m).await.map_err(text)
    }
}
