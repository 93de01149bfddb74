//! Retry spacing: exponential backoff with jitter ([`RetryPolicy`]) unless the
//! server says when (`Retry-After` as seconds or an HTTP date, gRPC `RetryInfo`).
//! The whole sequence of attempts stays within the export timeout.
use rand::Rng;
use std::time::{Duration, SystemTime};

/// How retries are spaced when the server does not say. The n-th delay is drawn
/// uniformly from `[d/2, d]` with `d = min(initial_backoff * multiplier^(n-1),
/// max_backoff)` ("equal jitter": never zero, never in lockstep with other
/// clients).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub multiplier: f64,
}

impl Default for RetryPolicy {
    /// 500 ms, doubling, at most 5 s: about five attempts in the default 10 s
    /// export timeout.
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
            multiplier: 2.0,
        }
    }
}

/// The delays of one export's retries.
pub(crate) struct Backoff {
    policy: RetryPolicy,
    current: Duration,
}

impl Backoff {
    pub(crate) fn new(policy: RetryPolicy) -> Backoff {
        Backoff { policy, current: policy.initial_backoff }
    }

    /// The next delay, jittered.
    pub(crate) fn next(&mut self, rng: &mut impl Rng) -> Duration {
        let d = self.current.min(self.policy.max_backoff);
        self.current = self.current.mul_f64(self.policy.multiplier.max(1.0)).min(self.policy.max_backoff);
        let half = d / 2;
        let nanos = u64::try_from((d - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(rng.gen_range(0..=nanos))
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP date (a date in the past
/// means now).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
            multiplier: 2.0,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut b = Backoff::new(policy);
        let bounds = [(50, 100), (100, 200), (200, 400), (200, 400), (200, 400)];
        for (lo, hi) in bounds {
            let d = b.next(&mut rng);
            assert!(d >= Duration::from_millis(lo) && d <= Duration::from_millis(hi), "{d:?} not in [{lo}, {hi}] ms");
        }
    }
}
