//! `outrigger:messaging/routes`, served by the host to bridge services: `list` (the
//! handler subscriptions this bridge holds, from the components' config) and
//! `deliver` (a message into a fresh instance of a handler component, through its
//! standard `wasi:messaging/incoming-handler` or wasmCloud's `handler`).
use super::subscriptions::{Route, routes_for};
use super::{INCOMING_HANDLER, ROUTES, WASMCLOUD_HANDLER, conv};
use crate::engine::ctx::Ctx;
use crate::engine::otel::trace::TraceParent;
use crate::link::wiring::Wiring;
use wasmtime::AsContextMut;
use wasmtime::component::{Linker, Val};

pub(super) fn add_to_linker(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    let mut inst = linker.instance(ROUTES)?;
    inst.func_new("list", |store, _ty, _params, results| {
        let ctx = store.data();
        let routes = routes_for(&ctx.wiring, &ctx.name);
        results[0] = Val::List(routes.into_iter().map(route).collect());
        Ok(())
    })?;
    inst.func_new_concurrent("deliver", |accessor, _ty, params, results| {
        Box::pin(async move {
            let (wiring, via) = accessor.with(|mut a| {
                let ctx = a.as_context_mut();
                (ctx.data().wiring.clone(), ctx.data().name.clone())
            });
            let outcome = match params {
                [Val::String(component), m] => deliver(&wiring, &via, component, m.clone()).await,
                _ => Err("deliver takes a component name and a message".to_string()),
            };
            results[0] = Val::Result(outcome.map(|()| None).map_err(|e| Some(Box::new(Val::String(e)))));
            Ok(())
        })
    })?;
    Ok(())
}

fn route(r: Route) -> Val {
    Val::Record(vec![
        ("component".into(), Val::String(r.component)),
        ("subjects".into(), Val::List(r.subjects.into_iter().map(Val::String).collect())),
        ("queue-group".into(), Val::Option(r.queue_group.map(|g| Box::new(Val::String(g))))),
        ("max-in-flight".into(), Val::U32(r.max_in_flight)),
    ])
}

/// Calls `component`'s handler with the message bridge `via` received.
async fn deliver(wiring: &Wiring, via: &str, component: &str, m: Val) -> Result<(), String> {
    let message = conv::from_bridge(m, via).map_err(|e| format!("bad message from the bridge: {e}"))?;
    // The publisher's span (W3C headers) is the parent of the handler's.
    let header =
        |name: &str| message.metadata.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let parent = header("traceparent").and_then(|tp| TraceParent::parse(tp, header("tracestate")));
    let (out, wasi) = if let Some(w) = wiring.exporters(INCOMING_HANDLER).find(|w| w.member == component) {
        (w.call("handle", vec![conv::message_plain(message)], parent).await, true)
    } else if let Some(w) = wiring.exporters(WASMCLOUD_HANDLER).find(|w| w.member == component) {
        (w.call("handle-message", vec![conv::broker_message(message)], parent).await, false)
    } else {
        return Err(format!(
            "`{component}` exports no message handler (wasi:messaging/incoming-handler or wasmcloud:messaging/handler)"
        ));
    };
    let result = out.map_err(|e| e.to_string())?.into_iter().next();
    match result.map(conv::result) {
        Some(Ok(_)) => Ok(()),
        Some(Err(Some(Val::String(e)))) => Err(e),
        Some(Err(Some(e))) if wasi => Err(describe(conv::error(e))),
        Some(Err(other)) => Err(format!("the handler failed: {other:?}")),
        None => Err("the handler returned nothing".into()),
    }
}

fn describe(e: super::bindings::wasi::messaging::types::Error) -> String {
    use super::bindings::wasi::messaging::types::Error;
    match e {
        Error::Timeout => "timeout".into(),
        Error::Connection(s) => format!("connection: {s}"),
        Error::PermissionDenied(s) => format!("permission denied: {s}"),
        Error::Other(s) => s,
    }
}
