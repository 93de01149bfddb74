//! Protocol revisions and how a request says which one it speaks: 2026-07-28
//! carries the version (and the client's capabilities) in every request's `_meta`;
//! older revisions negotiate once with `initialize`.
use serde_json::{Map, Value};

pub const STATELESS: &str = "2026-07-28";
pub const LATEST_SESSION: &str = "2025-11-25";
/// Every revision served, newest first.
pub const SUPPORTED: [&str; 4] = [STATELESS, LATEST_SESSION, "2025-06-18", "2025-03-26"];
/// Revisions `initialize` can agree on (2026-07-28 has no `initialize`).
pub const SESSION_REVISIONS: [&str; 3] = [LATEST_SESSION, "2025-06-18", "2025-03-26"];

/// `_meta` key of the protocol version in a 2026-07-28 request.
pub const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the client's capabilities in a 2026-07-28 request.
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of the log level a 2026-07-28 request wants (absent: no logs).
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key of the server's name and version in a 2026-07-28 result.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// Methods 2026-07-28 removed: unknown (-32601) on the stateless path.
pub const REMOVED_IN_STATELESS: [&str; 5] =
    ["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"];
/// `_meta` key of the client's name and version in a 2026-07-28 request.
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";

/// The revision `initialize` settles on: the client's if served, else the newest.
pub fn negotiate(requested: Option<&str>) -> &'static str {
    SESSION_REVISIONS.iter().copied().find(|v| Some(*v) == requested).unwrap_or(LATEST_SESSION)
}

/// The revision a request names in its `_meta`, if any.
pub fn requested_in_meta(params: &Map<String, Value>) -> Option<&str> {
    params.get("_meta")?.get(META_VERSION)?.as_str()
}

/// Whether `v` is a revision this server speaks.
pub fn is_supported(v: &str) -> bool {
    SUPPORTED.contains(&v)
}

/// Whether `a` is at least revision `b` (dates compare as strings).
pub fn at_least(a: &str, b: &str) -> bool {
    a >= b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialize_agrees_on_a_served_revision_or_the_newest() {
        assert_eq!(negotiate(Some("2025-06-18")), "2025-06-18");
        assert_eq!(negotiate(Some("2025-03-26")), "2025-03-26");
        assert_eq!(negotiate(Some("2024-11-05")), LATEST_SESSION);
        assert_eq!(negotiate(Some(STATELESS)), LATEST_SESSION);
        assert_eq!(negotiate(None), LATEST_SESSION);
    }
}
