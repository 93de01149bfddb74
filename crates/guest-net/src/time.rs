//! Timers on the WASI 0.3 monotonic clock: [`sleep`] and [`timeout`]. Waiting is a
//! Component Model wait, so other tasks of the instance keep running meanwhile.
use crate::error::{NetError, Result};
use futures::future::{Either, select};
use std::future::Future;
use std::pin::pin;
use std::time::Duration;
use wasip3::clocks::monotonic_clock;

/// Waits for `d` (saturating at about 584 years).
pub async fn sleep(d: Duration) {
    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    monotonic_clock::wait_for(nanos).await;
}

/// Runs `fut` for at most `after`; fails with [`NetError::Timeout`] when time runs
/// out first (the future is dropped then).
pub async fn timeout<F: Future>(after: Duration, fut: F) -> Result<F::Output> {
    match select(pin!(fut), pin!(sleep(after))).await {
        Either::Left((out, _)) => Ok(out),
        Either::Right(((), _)) => Err(NetError::Timeout { after }),
    }
}
