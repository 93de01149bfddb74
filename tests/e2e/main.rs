//! End-to-end tests: real wasm components (built by scripts/build-guests.sh into
//! target/wasm/) in a real outrigger host. No mocks: services really run, calls
//! really cross stores, traps really happen.
mod chain;
mod cli;
mod common;
mod cron;
mod forwarding;
mod limits;
mod manifest_errors;
mod supervisor;
