//! `wasi:messaging` sending, served by the host over a bridge service: `send`,
//! `request` and `reply` take the message's data out of the component's store and
//! call the bridge's `publish` / `request` (plain values only); replies come back
//! as fresh `message` resources in the caller's store.
use super::bindings::wasi::messaging::types::Error;
use super::bindings::wasi::messaging::{producer, request_reply};
use super::outbox::{BridgeMsg, outbox};
use super::types::{Client, Message, RequestOptions};
use super::{BRIDGE, conv};
use crate::engine::ctx::Ctx;
use crate::engine::otel::trace::TraceParent;
use crate::link::wiring::Wiring;
use wasmtime::component::{Resource, Val};

/// The bridge a `client.connect(name)` means (its index in `wiring.members`): the
/// bridge service named `name`, or the workload's only bridge for `""` / `"default"`.
pub(super) fn bridge(wiring: &Wiring, name: &str) -> Result<usize, String> {
    let all: Vec<usize> = (0..wiring.members.len())
        .filter(|&i| crate::names::names_compatible(&wiring.members[i].interface, BRIDGE))
        .collect();
    if let Some(&i) = all.iter().find(|&&i| wiring.members[i].member == name) {
        return Ok(i);
    }
    let names = || all.iter().map(|&i| format!("`{}`", wiring.members[i].member)).collect::<Vec<_>>().join(", ");
    match all.as_slice() {
        [] => Err("this workload has no messaging bridge service (e.g. services/nats-bridge)".into()),
        [only] if name.is_empty() || name == "default" => Ok(*only),
        [_] => Err(format!(
            "no connection named `{name}`: this workload's bridge is {}; connect to it by that name, \"\" or \"default\"",
            names()
        )),
        _ => Err(format!("no connection named `{name}`: this workload's bridges are {}", names())),
    }
}

/// Publishes through bridge `via` (an index in `wiring.members`), by way of its outbox.
async fn publish(wiring: &Wiring, via: usize, m: Message, subject: String) -> Result<(), Error> {
    let w = &wiring.members[via];
    let out = outbox(wiring, via).map_err(Error::Connection)?;
    let msg =
        BridgeMsg { subject, data: m.data, content_type: m.content_type, metadata: m.metadata, reply_to: m.reply_to };
    out.send(w, msg).await
}

/// Adds W3C `traceparent` / `tracestate` headers for the caller's current span (when
/// telemetry is on and the message carries none), so a handler's span continues the
/// publisher's trace across NATS.
fn propagate(ctx: &Ctx, m: &mut Message) {
    let Some(parent) = ctx.trace.current().and_then(TraceParent::of) else { return };
    if m.metadata.iter().any(|(k, _)| k.eq_ignore_ascii_case("traceparent")) {
        return;
    }
    m.metadata.push(("traceparent".into(), parent.traceparent()));
    if let Some(state) = parent.tracestate() {
        m.metadata.push(("tracestate".into(), state));
    }
}

fn client_bridge(ctx: &Ctx, c: &Resource<Client>) -> wasmtime::Result<usize> {
    let client = ctx.table.get(c).map_err(|e| wasmtime::format_err!("{e}: the client handle is no longer valid"))?;
    Ok(client.bridge)
}

impl producer::Host for Ctx {
    async fn send(
        &mut self,
        c: Resource<Client>,
        topic: String,
        message: Resource<Message>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let via = client_bridge(self, &c)?;
        let mut m = self.table.delete(message)?;
        propagate(self, &mut m);
        let wiring = self.wiring.clone();
        Ok(publish(&wiring, via, m, topic).await)
    }
}

impl request_reply::Host for Ctx {
    async fn request(
        &mut self,
        c: Resource<Client>,
        topic: String,
        message: Resource<Message>,
        options: Option<Resource<RequestOptions>>,
    ) -> wasmtime::Result<Result<Vec<Resource<Message>>, Error>> {
        let via = client_bridge(self, &c)?;
        let mut m = self.table.get(&message)?.clone();
        propagate(self, &mut m);
        let opts = match options {
            Some(o) => self.table.delete(o)?,
            None => RequestOptions::default(),
        };
        let wiring = self.wiring.clone();
        let w = &wiring.members[via];
        // No timeout given: wait "until a message arrives", bounded by the bridge's own
        // request limit (u32::MAX ms asks for its maximum).
        let params = vec![
            conv::to_bridge(m, topic),
            Val::U32(opts.timeout_ms.unwrap_or(u32::MAX)),
            Val::U32(opts.expected_replies.unwrap_or(1)),
        ];
        let replies = match w.call("request", params, None).await.map(|mut v| v.pop()) {
            Ok(Some(v)) => match conv::result(v) {
                Ok(Some(Val::List(msgs))) => msgs,
                Ok(other) => return Ok(Err(Error::Other(format!("the bridge answered {other:?}")))),
                Err(Some(e)) => return Ok(Err(conv::error(e))),
                Err(None) => return Ok(Err(Error::Other("the request failed".into()))),
            },
            Ok(None) => return Ok(Err(Error::Other("the bridge answered nothing".into()))),
            Err(e) => return Ok(Err(Error::Connection(e.to_string()))),
        };
        let mut out = Vec::new();
        for r in replies {
            let m =
                conv::from_bridge(r, &w.member).map_err(|e| wasmtime::format_err!("bad reply from the bridge: {e}"))?;
            out.push(self.table.push(m)?);
        }
        Ok(Ok(out))
    }

    async fn reply(
        &mut self,
        reply_to: Resource<Message>,
        message: Resource<Message>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let original = self.table.get(&reply_to)?;
        let (subject, via) = (original.reply_to.clone(), original.via.clone().unwrap_or_default());
        let mut m = self.table.delete(message)?;
        propagate(self, &mut m);
        let Some(subject) = subject else {
            return Ok(Err(Error::Other("the message has no reply-to: it was not a request".into())));
        };
        let wiring = self.wiring.clone();
        match bridge(&wiring, &via) {
            Ok(i) => Ok(publish(&wiring, i, m, subject).await),
            Err(why) => Ok(Err(Error::Connection(why))),
        }
    }
}
