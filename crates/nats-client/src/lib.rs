//! A runtime-agnostic async NATS client: NATS Core (publish, subscribe, queue
//! groups, request-reply, flush) plus JetStream acknowledged publish, for WASI 0.3
//! service components (where nothing may block and tokio cannot run) and native
//! hosts alike.
//!
//! - **I/O is injected.** A [`Connector`] opens plain streams and upgrades them to
//!   TLS (futures-io `AsyncRead + AsyncWrite`); a [`Timer`] sleeps. Nothing here
//!   spawns, blocks or uses threads.
//! - **No background tasks.** [`Client::connect`] returns the cloneable [`Client`]
//!   and a *driver* future that does all the I/O: reading, writing (publishes are
//!   coalesced into one socket write), keepalive PINGs, reconnecting with jittered
//!   backoff, resubscribing. The caller polls it: `tokio::spawn` natively, or
//!   `select` it inside a component's `run`.
//! - **Never silent.** Slow subscriptions drop and count (and report a
//!   [`Event::SlowConsumer`]) instead of stalling the reader; publishes made while
//!   disconnected are buffered up to a bound and then refused with an error; every
//!   [`Error`] says what, where and how to fix.
//!
//! ```ignore
//! let opts = Options { servers: vec!["nats://127.0.0.1:4222".into()], ..Default::default() };
//! let (client, driver) = Client::connect(opts, my_connector, guest_net::sleep).await?;
//! // poll `driver` alongside the work below (spawn it, or select on it)
//! let mut sub = client.subscribe("orders.>")?;
//! client.flush().await?;                       // the server has the subscription
//! client.publish("orders.new", "hello").await?;
//! let reply = client.request("svc.echo", "ping").await?;
//! let ack = client.publish_with_ack("events.x", &Headers::new(), "data", Duration::from_secs(5)).await?;
//! ```
//!
//! The wire protocol comes from watermelon-proto (sans-IO); what it does not cover
//! (INFO as real servers send it, listing received headers, `.creds` files) is
//! written here, each with the reason in its module docs.
mod addr;
mod auth;
mod client;
mod driver;
mod error;
mod events;
mod headers;
mod io;
mod jetstream;
mod options;
mod proto;
mod request;
mod shared;
mod subscriber;

pub use client::{Client, Statistics};
pub use error::{Error, Result};
pub use events::{Event, Events};
pub use headers::{Headers, MSG_ID};
pub use io::{Connector, Timer};
pub use jetstream::PubAck;
pub use options::{Auth, Options};
pub use proto::ServerInfo;
pub use subscriber::{Message, Subscriber};
/// Subject and status types of received [`Message`]s (from watermelon-proto).
pub use watermelon_proto::{StatusCode, Subject};
