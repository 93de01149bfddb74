//! The MCP server as a workload, driven by the official Rust SDK (rmcp) as a real
//! client: `outrigger run examples/mcp.yaml` as a subprocess over stdio (and the
//! streamable-HTTP transport), under both protocol revisions — 2025-11-25
//! (`initialize`, server → client requests) and 2026-07-28 (stateless `_meta`,
//! `server/discover`, Multi Round-Trip Requests answered by rmcp itself).
mod client;
mod http;
mod protocol;
mod stdio;
