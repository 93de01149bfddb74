//! The server's settings, from the transport service's environment (`env:` in the
//! manifest). Every problem is reported at once, in one message.
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `serverInfo.name` (MCP_SERVER_NAME, default "outrigger").
    pub name: String,
    /// `serverInfo.version` (MCP_SERVER_VERSION, default this crate's version).
    pub version: String,
    /// `instructions` for the client (MCP_INSTRUCTIONS).
    pub instructions: Option<String>,
    /// Items per page of a list (MCP_PAGE_SIZE, default 100).
    pub page_size: usize,
    /// Tool calls, resource reads and prompt gets running at once per server
    /// (MCP_MAX_CONCURRENT_CALLS, default 32); more wait for a free slot.
    pub max_concurrent_calls: usize,
}

const KNOWN: [&str; 5] =
    ["MCP_SERVER_NAME", "MCP_SERVER_VERSION", "MCP_INSTRUCTIONS", "MCP_PAGE_SIZE", "MCP_MAX_CONCURRENT_CALLS"];

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            name: "outrigger".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            instructions: None,
            page_size: 100,
            max_concurrent_calls: 32,
        }
    }
}

impl ServerConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<ServerConfig, String> {
        Self::from_vars(std::env::vars())
    }

    /// Reads `MCP_*` variables; unknown `MCP_*` names are errors (a typo would
    /// otherwise be silently ignored).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<ServerConfig, String> {
        let vars: BTreeMap<String, String> = vars.into_iter().filter(|(k, _)| k.starts_with("MCP_")).collect();
        let mut c = ServerConfig::default();
        let mut errors = Vec::new();
        for (k, v) in &vars {
            match k.as_str() {
                "MCP_SERVER_NAME" => c.name = v.clone(),
                "MCP_SERVER_VERSION" => c.version = v.clone(),
                "MCP_INSTRUCTIONS" => c.instructions = Some(v.clone()),
                "MCP_PAGE_SIZE" => match v.parse::<usize>() {
                    Ok(n) if n > 0 => c.page_size = n,
                    _ => errors.push(format!("MCP_PAGE_SIZE={v:?}: expected a whole number above 0, e.g. 50")),
                },
                "MCP_MAX_CONCURRENT_CALLS" => match v.parse::<usize>() {
                    Ok(n) if n > 0 => c.max_concurrent_calls = n,
                    _ => {
                        errors.push(format!("MCP_MAX_CONCURRENT_CALLS={v:?}: expected a whole number above 0, e.g. 16"))
                    }
                },
                other if other.starts_with("MCP_HTTP_") => {} // the HTTP transport's own settings
                other => errors.push(format!("unknown setting {other}: the MCP server reads {}", KNOWN.join(", "))),
            }
        }
        if errors.is_empty() { Ok(c) } else { Err(format!("invalid MCP server settings: {}", errors.join("; "))) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn defaults_and_overrides() {
        let c = ServerConfig::from_vars(vars(&[("MCP_PAGE_SIZE", "2"), ("PATH", "/bin")])).unwrap();
        assert_eq!((c.page_size, c.max_concurrent_calls, c.name.as_str()), (2, 32, "outrigger"));
    }

    #[test]
    fn every_problem_in_one_message() {
        let e = ServerConfig::from_vars(vars(&[("MCP_PAGE_SIZE", "0"), ("MCP_PAGESIZE", "3")])).unwrap_err();
        assert!(e.contains("MCP_PAGE_SIZE=\"0\"") && e.contains("unknown setting MCP_PAGESIZE"), "{e}");
    }
}
