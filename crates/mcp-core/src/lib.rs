//! The MCP protocol core shared by the transport services (services/mcp-stdio and
//! services/mcp-http). It knows nothing about bytes on a wire: a transport hands
//! [`Server::handle`] one JSON-RPC message at a time (each in its own task, so a
//! slow tool blocks neither `ping` nor another call) and sends what arrives on its
//! [`Session`]'s outbound queue (responses, notifications, server → client
//! requests).
//!
//! What the server offers comes from the workload's capability components, reached
//! through the host's `outrigger:mcp/registry` (a fresh instance per call) and merged
//! in manifest order ([`catalog`]). While a component handles a call it reaches back
//! through `outrigger:mcp/client`, which this crate implements ([`client`]): a
//! transport exports it with `use mcp_core::Client; mcp_core::export_transport!(Client with_types_in mcp_core::bindings);`.
//!
//! Both lifecycles are served side by side: 2025-11-25 (and older, down to
//! 2025-03-26) with `initialize`, and 2026-07-28, stateless, with the protocol
//! version and client capabilities in each request's `_meta` ([`version`]).
//!
//! Why not rust-mcp-schema's types: the wire shapes differ per revision (2026-07-28's
//! `resultType`, `_meta` and input-required results are not in its 2.0 modules) and
//! the server only emits a handful of them; they are built with serde_json in
//! [`convert`] and checked by real clients (rmcp, the official conformance suite).
pub mod bindings {
    //! Generated bindings of the `outrigger:mcp` transport world (wit/mcp-async).
    wit_bindgen::generate!({
        path: "../../wit/mcp-async",
        world: "transport",
        generate_all,
        pub_export_macro: true,
        export_macro_name: "export_transport",
        default_bindings_module: "mcp_core::bindings",
    });
}

pub mod catalog;
pub mod client;
pub mod config;
pub mod convert;
mod handlers;
pub mod jsonrpc;
pub mod schema;
pub mod server;
pub mod session;
pub mod state;
pub mod version;

pub use bindings::export_transport;
pub use client::Client;
pub use config::ServerConfig;
pub use server::Server;
pub use session::{Outbound, Session};
