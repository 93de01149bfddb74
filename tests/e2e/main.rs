//! End-to-end tests: real wasm components (built by scripts/build-guests.sh into
//! target/wasm/) in a real outrigger host. No mocks: services really run, calls
//! really cross stores, traps really happen.
mod chain;
mod cli;
mod common;
mod cron;
mod data_resources;
mod forwarding;
mod guest_net;
mod http;
mod install;
mod limits;
mod manifest_errors;
mod mcp;
mod nats;
mod oci;
mod otel;
mod pool;
mod provided;
mod scale_out;
mod stdio;
mod supervisor;
mod wasmcloud;
