//! Handler subscriptions, declared in each handler component's manifest `config:`
//! with the keys wasmCloud uses: `subscriptions` (comma-separated subjects, NATS
//! wildcards allowed), `consumer_group` (the queue group; by default
//! `<workload>.<component>`, so replicas on several hosts share the load),
//! `broadcast` (`true`: no queue group, every replica gets every message) and
//! `max_in_flight` (deliveries at once; default 64). outrigger adds `connection`:
//! which bridge service subscribes, when the workload has more than one.
use super::BRIDGE;
use crate::link::wiring::Wiring;

/// Deliveries in flight per handler when `max_in_flight` is not set.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 64;

/// One handler's subscriptions, for one bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub component: String,
    pub subjects: Vec<String>,
    pub queue_group: Option<String>,
    pub max_in_flight: u32,
    /// The bridge that serves it.
    pub bridge: String,
}

/// What a member's config says, if it subscribes at all.
pub fn parse(
    workload: &str,
    component: &str,
    config: &[(String, String)],
    bridges: &[&str],
) -> Result<Option<Route>, String> {
    let get = |k: &str| config.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim());
    let Some(subs) = get("subscriptions") else {
        for k in ["consumer_group", "broadcast", "max_in_flight", "connection"] {
            if get(k).is_some() {
                return Err(format!(
                    "config.{k} is set but config.subscriptions is not.\nfix: add subscriptions: \"subject.one,subject.two\", or remove {k}"
                ));
            }
        }
        return Ok(None);
    };
    let subjects: Vec<String> = subs.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    if subjects.is_empty() {
        return Err(
            "config.subscriptions is empty.\nfix: list subjects, comma-separated: \"orders.*,billing.>\"".into()
        );
    }
    for s in &subjects {
        if let Some(why) = bad_subject(s) {
            return Err(format!("config.subscriptions: `{s}` is not a valid NATS subject: {why}"));
        }
    }
    let broadcast = match get("broadcast") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(format!("config.broadcast is `{other}`.\nfix: write true or false")),
    };
    let queue_group = match (broadcast, get("consumer_group")) {
        (true, Some(_)) => {
            return Err("config.broadcast is true and config.consumer_group is set: a broadcast has no queue group.\nfix: remove one of them".into());
        }
        (true, None) => None,
        (false, Some(g)) if g.is_empty() || g.contains(char::is_whitespace) => {
            return Err(format!(
                "config.consumer_group `{g}` is not a valid queue group name.\nfix: use a name without spaces"
            ));
        }
        (false, Some(g)) => Some(g.to_string()),
        (false, None) => Some(format!("{workload}.{component}")),
    };
    let max_in_flight = match get("max_in_flight") {
        None => DEFAULT_MAX_IN_FLIGHT,
        Some(n) => match n.parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => return Err(format!("config.max_in_flight is `{n}`.\nfix: give a whole number of at least 1")),
        },
    };
    let bridge = match (get("connection"), bridges) {
        (Some(b), _) if bridges.contains(&b) => b.to_string(),
        (Some(b), _) => {
            return Err(format!(
                "config.connection names `{b}`, which is not a bridge service here ({})",
                list(bridges)
            ));
        }
        (None, [only]) => only.to_string(),
        (None, []) => {
            return Err("it subscribes (config.subscriptions) but the workload has no messaging bridge service.\nfix: add services/nats-bridge to spec.services".into());
        }
        (None, _) => {
            return Err(format!(
                "the workload has several bridges ({}) and config.connection does not say which one subscribes.\nfix: add connection: <bridge service name>",
                list(bridges)
            ));
        }
    };
    Ok(Some(Route { component: component.to_string(), subjects, queue_group, max_in_flight, bridge }))
}

fn list(bridges: &[&str]) -> String {
    if bridges.is_empty() { "none".into() } else { bridges.join(", ") }
}

/// Why `s` is not a valid NATS subject for a subscription, if it is not.
fn bad_subject(s: &str) -> Option<&'static str> {
    if s.contains(char::is_whitespace) {
        return Some("it contains whitespace");
    }
    let tokens: Vec<&str> = s.split('.').collect();
    for (i, t) in tokens.iter().enumerate() {
        if t.is_empty() {
            return Some("it has an empty token (a leading, trailing or double `.`)");
        }
        if *t == ">" && i + 1 != tokens.len() {
            return Some("`>` may only be the last token");
        }
        if t.len() > 1 && (t.contains('*') || t.contains('>')) {
            return Some("wildcards must be whole tokens (`a.*.c`, `a.>`)");
        }
    }
    None
}

/// The routes bridge `bridge` subscribes for: every handler component of the
/// workload whose subscriptions name it (checked when the workload started).
pub fn routes_for(wiring: &Wiring, bridge: &str) -> Vec<Route> {
    let mut bridges: Vec<&str> = wiring.exporters(BRIDGE).map(|w| w.member.as_str()).collect();
    // The bridge asking is one, even when no member reaches it through the host's
    // wasi:messaging (a workload of wasmCloud components only, linked straight to it).
    if !bridges.contains(&bridge) {
        bridges.push(bridge);
    }
    let handlers = wiring.exporters(super::INCOMING_HANDLER).chain(wiring.exporters(super::WASMCLOUD_HANDLER));
    let mut out: Vec<Route> = Vec::new();
    for w in handlers {
        if let Ok(Some(r)) = parse(&wiring.workload, &w.member, &w.config, &bridges)
            && r.bridge == bridge
            && !out.iter().any(|o| o.component == r.component)
        {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn wasmcloud_keys() {
        let r = parse("shop", "orders", &cfg(&[("subscriptions", "orders.*, billing.>")]), &["nats"]).unwrap().unwrap();
        assert_eq!(r.subjects, vec!["orders.*", "billing.>"]);
        assert_eq!(r.queue_group.as_deref(), Some("shop.orders"));
        assert_eq!((r.max_in_flight, r.bridge.as_str()), (DEFAULT_MAX_IN_FLIGHT, "nats"));
        let r =
            parse("shop", "o", &cfg(&[("subscriptions", "a"), ("broadcast", "true"), ("max_in_flight", "4")]), &["n"])
                .unwrap()
                .unwrap();
        assert_eq!((r.queue_group, r.max_in_flight), (None, 4));
        let r = parse("shop", "o", &cfg(&[("subscriptions", "a"), ("consumer_group", "g")]), &["n"]).unwrap().unwrap();
        assert_eq!(r.queue_group.as_deref(), Some("g"));
        assert_eq!(parse("shop", "o", &cfg(&[("other", "x")]), &[]).unwrap(), None);
    }

    #[test]
    fn bad_settings_are_explained() {
        let err = |pairs: &[(&str, &str)], bridges: &[&str]| parse("w", "c", &cfg(pairs), bridges).unwrap_err();
        assert!(err(&[("subscriptions", "a..b")], &["n"]).contains("empty token"));
        assert!(err(&[("subscriptions", "a.>.b")], &["n"]).contains("`>` may only be the last token"));
        assert!(err(&[("subscriptions", "a.b*")], &["n"]).contains("whole tokens"));
        assert!(err(&[("subscriptions", "a"), ("broadcast", "yes")], &["n"]).contains("true or false"));
        assert!(err(&[("subscriptions", "a"), ("max_in_flight", "0")], &["n"]).contains("at least 1"));
        assert!(err(&[("subscriptions", "a")], &[]).contains("no messaging bridge service"));
        assert!(err(&[("subscriptions", "a")], &["x", "y"]).contains("add connection: <bridge service name>"));
        assert!(err(&[("subscriptions", "a"), ("connection", "z")], &["x"]).contains("not a bridge service here (x)"));
        assert!(err(&[("consumer_group", "g")], &["x"]).contains("config.subscriptions is not"));
    }
}
