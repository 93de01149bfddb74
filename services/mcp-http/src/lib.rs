//! `mcp-http`: an MCP server over streamable HTTP, as a long-running service. It
//! listens on `MCP_HTTP_BIND` (the manifest's `allowedHosts` must grant it) and
//! serves one endpoint, `MCP_HTTP_PATH`, with hyper 1 (HTTP/1.1, one task per
//! connection, nothing blocking). The protocol is crates/mcp-core's, as for
//! services/mcp-stdio; this crate is the HTTP binding:
//!
//! - 2025-11-25 (and older): `initialize` mints a session (`Mcp-Session-Id`),
//!   later POSTs carry it, GET opens the session's stream of server-initiated
//!   messages, DELETE ends it ([`sessions`]).
//! - 2026-07-28: each POST is stateless, with its version in `_meta` checked
//!   against the headers ([`post`]).
//! - A request's reply is JSON, or SSE when something (progress, a log message, a
//!   request to the client) comes before the response ([`reply`]).
//! - DNS-rebinding protection: `Host` and `Origin` must be allowed ([`config`]).
mod config;
mod http;
mod post;
mod reply;
mod sessions;

use config::HttpConfig;
use guest_net::{HyperIo, TcpListener};
use mcp_core::{Server, ServerConfig};
use std::convert::Infallible;
use std::rc::Rc;

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        let (config, http_config) = match (ServerConfig::from_env(), HttpConfig::from_env()) {
            (Ok(c), Ok(h)) => (c, h),
            (c, h) => {
                let problems: Vec<String> = [c.err(), h.err()].into_iter().flatten().collect();
                eprintln!("mcp-http: {}", problems.join("; "));
                return Err(());
            }
        };
        let mut listener = TcpListener::bind(&http_config.bind).await.map_err(|e| eprintln!("mcp-http: {e}"))?;
        let server = Server::start(config).await;
        eprintln!("mcp-http: listening on http://{}{}", listener.local_addr(), http_config.path);
        mcp_core::bindings::outrigger::service::lifecycle::ready();
        let state = Rc::new(http::State { server, config: http_config, sessions: Default::default() });
        loop {
            let stream = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("mcp-http: {e}");
                    return Err(());
                }
            };
            let state = state.clone();
            // Detached: the connection's task lives inside `run`'s Component Model task.
            drop(wasip3::wit_bindgen::spawn_local(async move {
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(http::handle(state, req).await) }
                });
                // Errors here are clients that went away mid-exchange: nothing to do.
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(HyperIo::new(stream), service).await;
            }));
        }
    }
}

use mcp_core::Client;
mcp_core::export_transport!(Client with_types_in mcp_core::bindings);
wasip3::cli::command::export!(Run);
