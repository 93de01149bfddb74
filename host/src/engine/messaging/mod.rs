//! Messaging for components: the standard `wasi:messaging@0.2.0-draft`, served by the
//! host itself so that its `message`, `client` and `request-options` resources live
//! in each component's own store (every accessor is an in-store call), over a bridge
//! *service* (`services/nats-bridge`) that holds the broker connection and exports
//! `outrigger:messaging/bridge` (wit/messaging/). Only plain values cross to it.
//!
//! - `types.rs`: the data behind the resources, and their methods;
//! - `producer.rs`: `producer.send`, `request-reply.request` / `reply`, as bridge calls;
//! - `routes.rs`: `outrigger:messaging/routes`, served to bridges: the workload's
//!   handler subscriptions and delivery into fresh handler instances;
//! - `subscriptions.rs`: handler components' subscription settings (wasmCloud's keys);
//! - `conv.rs`: plain values in the shapes the WIT records have.
//!
//! wasmCloud's resource-free `wasmcloud:messaging/consumer` needs none of this: it
//! links straight to the bridge, which exports it.
mod conv;
mod outbox;
mod producer;
mod routes;
pub(crate) mod subscriptions;
mod types;

use super::catalogue::{HostInterfaces, Serving};
use super::data::DataKind;
pub use types::Message;

/// What a bridge service exports.
pub const BRIDGE: &str = "outrigger:messaging/bridge@0.1.0";
/// What the host serves to bridges.
pub const ROUTES: &str = "outrigger:messaging/routes@0.1.0";
/// Handler exports, standard and wasmCloud's.
pub const INCOMING_HANDLER: &str = "wasi:messaging/incoming-handler@0.2.0-draft";
pub const WASMCLOUD_HANDLER: &str = "wasmcloud:messaging/handler@0.2.0";
const TYPES: &str = "wasi:messaging/types@0.2.0-draft";

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/deps/wasi-messaging-0.2.0-draft",
        world: "imports-request-reply",
        imports: {
            "wasi:messaging/producer.send": async | trappable,
            "wasi:messaging/request-reply.request": async | trappable,
            "wasi:messaging/request-reply.reply": async | trappable,
            default: trappable,
        },
        with: {
            "wasi:messaging/types.message": super::types::Message,
            "wasi:messaging/types.client": super::types::Client,
            "wasi:messaging/request-reply.request-options": super::types::RequestOptions,
        },
    });
}

/// The catalogue families: `wasi:messaging` for components (over a bridge), and
/// `outrigger:messaging/routes` for bridges (calling handler components).
pub(crate) fn families() -> Vec<HostInterfaces> {
    let wasi = HostInterfaces::new(
        "wasi:messaging",
        &[TYPES, "wasi:messaging/producer@0.2.0-draft", "wasi:messaging/request-reply@0.2.0-draft"],
        Serving::Always,
        |linker| {
            use wasmtime::component::HasSelf;
            bindings::wasi::messaging::types::add_to_linker::<_, HasSelf<_>>(linker, |c| c)?;
            bindings::wasi::messaging::producer::add_to_linker::<_, HasSelf<_>>(linker, |c| c)?;
            bindings::wasi::messaging::request_reply::add_to_linker::<_, HasSelf<_>>(linker, |c| c)
        },
    )
    .with_data(DataKind::of::<Message>(TYPES, "message"))
    .calling(
        BRIDGE,
        true,
        "add a messaging bridge service to spec.services, e.g. services/nats-bridge (target/wasm/nats_bridge_service.wasm)",
    );
    let routes = HostInterfaces::new("outrigger:messaging/routes", &[ROUTES], Serving::Always, routes::add_to_linker)
        .calling(INCOMING_HANDLER, false, "")
        .calling(WASMCLOUD_HANDLER, false, "");
    vec![wasi, routes]
}
