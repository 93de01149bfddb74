//! Warm instances of a reactive component: `poolSize`, `maxInvocations` and
//! `maxConcurrency` on a component entry, with wasmCloud's meaning (its
//! `WorkloadComponent` fields, docs/wasmcloud-workload.md):
//!
//! - `poolSize`: instances kept warm between calls. Unset or 0 (the default): every
//!   call gets a fresh instance, so nothing one call leaves in memory is seen by the
//!   next. Above 0 the component opts out of that isolation: a warm instance keeps
//!   its linear memory, globals and open handles from one call to the next, whoever
//!   the caller is.
//! - `maxInvocations`: calls one warm instance serves before it is dropped and a
//!   fresh one takes its place. Unset or 0: no limit.
//! - `maxConcurrency`: calls one warm instance serves at the same time. Unset or 0:
//!   one. More only overlaps calls of a guest whose exports are `async` and that
//!   await (a sync export is never entered twice at once).
//!
//! The last two only mean something with `poolSize`. How the host honours them is in
//! `run/pool.rs`.
use super::Entry;
use super::validate::Problem;

/// A component's warm-instance policy, when it asked for warm instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmPolicy {
    /// Warm instances kept at most (at least 1).
    pub pool_size: usize,
    /// Calls one instance serves before it is replaced; `None`: no limit.
    pub max_invocations: Option<u64>,
    /// Calls one instance serves at once (at least 1).
    pub max_concurrency: usize,
}

impl Entry {
    /// The warm-instance policy, or `None` for a fresh instance per call.
    pub fn warm(&self) -> Option<WarmPolicy> {
        let pool_size = self.pool_size.filter(|&n| n > 0)? as usize;
        Some(WarmPolicy {
            pool_size,
            max_invocations: self.max_invocations.filter(|&n| n > 0).map(u64::from),
            max_concurrency: self.max_concurrency.filter(|&n| n > 0).unwrap_or(1) as usize,
        })
    }

    fn warm_fields(&self) -> [(&'static str, Option<u32>); 3] {
        [
            ("poolSize", self.pool_size),
            ("maxInvocations", self.max_invocations),
            ("maxConcurrency", self.max_concurrency),
        ]
    }
}

/// Problems with the warm-instance fields of the member at `at`.
pub(super) fn problems(e: &Entry, service: bool, at: &str) -> Vec<Problem> {
    if !service {
        return Vec::new();
    }
    e.warm_fields()
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(field, _)| Problem {
            at: format!("{at}.{field}"),
            what: format!("`{field}` only applies to reactive components; a service is one long-lived instance"),
            fix: "remove it (to bound a service's concurrent calls, set calls.maxInFlight)".to_string(),
        })
        .collect()
}

/// What is accepted but has no effect: `maxInvocations` / `maxConcurrency` without
/// `poolSize`.
pub(super) fn warnings(e: &Entry, service: bool, at: &str) -> Vec<Problem> {
    if service || e.warm().is_some() {
        return Vec::new();
    }
    e.warm_fields()[1..]
        .iter()
        .filter(|(_, v)| v.is_some_and(|n| n > 0))
        .map(|(field, v)| Problem {
            at: format!("{at}.{field}"),
            what: format!(
                "{field}: {} has no effect without poolSize: every call gets a fresh instance",
                v.unwrap_or(0)
            ),
            fix: "set poolSize (instances kept warm) or remove it".to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pool: Option<u32>, inv: Option<u32>, conc: Option<u32>) -> Entry {
        Entry { pool_size: pool, max_invocations: inv, max_concurrency: conc, ..Entry::default() }
    }

    #[test]
    fn the_policy_follows_wasmclouds_defaults() {
        assert_eq!(entry(None, Some(5), Some(2)).warm(), None);
        assert_eq!(entry(Some(0), None, None).warm(), None);
        let p = entry(Some(3), Some(0), Some(0)).warm().unwrap();
        assert_eq!((p.pool_size, p.max_invocations, p.max_concurrency), (3, None, 1));
        let p = entry(Some(1), Some(100), Some(4)).warm().unwrap();
        assert_eq!((p.pool_size, p.max_invocations, p.max_concurrency), (1, Some(100), 4));
    }

    #[test]
    fn services_refuse_the_fields_and_components_warn_without_pool_size() {
        let e = entry(Some(2), None, Some(3));
        let found: Vec<String> = problems(&e, true, "spec.services[0]").into_iter().map(|p| p.at).collect();
        assert_eq!(found, ["spec.services[0].poolSize", "spec.services[0].maxConcurrency"]);
        assert!(problems(&e, false, "x").is_empty() && warnings(&e, false, "x").is_empty());
        let w = warnings(&entry(None, Some(10), Some(0)), false, "spec.components[1]");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].at, "spec.components[1].maxInvocations");
        assert!(w[0].what.contains("no effect without poolSize"), "{}", w[0].what);
    }
}
