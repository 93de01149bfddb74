//! The driver: the one future that does all I/O for a client. It serves a
//! connection (`session`) until it breaks, then reconnects with jittered
//! exponential backoff over the server pool, resubscribes and carries on, until the
//! client closes or `max_reconnect_attempts` is exhausted. Request and flush
//! deadlines are served while disconnected too.
mod handshake;
mod session;

use crate::addr::{Addr, Pool};
use crate::auth::Credentials;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::io::{Connector, Timer};
use crate::options::Options;
use crate::proto::ServerInfo;
use crate::request::Inbox;
use crate::shared::{Shared, Stats};
use handshake::{Established, establish};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use session::Exit;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub(crate) struct Driver<C: Connector, T: Timer> {
    shared: Arc<Shared>,
    connector: C,
    timer: T,
    pool: Pool,
    rng: StdRng,
    creds: Credentials,
    /// The server connected to (or last connected to).
    current: Addr,
}

/// Checks the options, makes the first connection (each server once) and returns
/// the shared state with the driver future.
pub(crate) async fn connect<C: Connector, T: Timer>(
    options: Options,
    connector: C,
    timer: T,
) -> Result<(Arc<Shared>, impl Future<Output = Result<()>> + use<C, T>)> {
    check(&options)?;
    let creds = Credentials::from_auth(&options.auth)?;
    let mut rng = match options.rng_seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed)
                .map_err(|e| Error::option("rng_seed", format!("no OS randomness ({e}): set Options::rng_seed")))?;
            StdRng::from_seed(seed)
        }
    };
    let mut pool = Pool::new(&options.servers, !options.no_randomize, &mut rng)?;
    let mut attempts = Vec::new();
    let mut first = None;
    for _ in 0..pool.len() {
        let addr = pool.next();
        match establish(&connector, &timer, &addr, &options, &creds).await {
            Ok(est) => {
                first = Some((addr, est));
                break;
            }
            Err(e) => attempts.push(e),
        }
    }
    let Some((current, est)) = first else {
        return Err(if attempts.len() == 1 { attempts.remove(0) } else { Error::NoServer { attempts } });
    };
    let inbox = Inbox::new(&options.inbox_prefix, &mut rng);
    let shared = Shared::new(options, inbox, current.to_string(), est.info.clone());
    let driver = Driver { shared: shared.clone(), connector, timer, pool, rng, creds, current };
    // Armed now, so that dropping the driver even before its first poll releases
    // every caller.
    let guard = CloseOnDrop(shared.clone());
    Ok((shared, async move {
        let _guard = guard;
        driver.run(est).await
    }))
}

fn check(o: &Options) -> Result<()> {
    let positive = [
        ("connect_timeout", o.connect_timeout),
        ("ping_interval", o.ping_interval),
        ("request_timeout", o.request_timeout),
        ("flush_timeout", o.flush_timeout),
    ];
    if let Some((name, _)) = positive.iter().find(|(_, d)| d.is_zero()) {
        return Err(Error::option(*name, "must be more than zero"));
    }
    if o.subscription_capacity == 0 || o.write_buffer_size == 0 || o.max_pings_outstanding == 0 {
        return Err(Error::option(
            "subscription_capacity / write_buffer_size / max_pings_outstanding",
            "must be more than zero",
        ));
    }
    crate::client::parse_subject(&o.inbox_prefix, "inbox prefix")
        .map_err(|e| Error::option("inbox_prefix", e.to_string()))?;
    Ok(())
}

impl<C: Connector, T: Timer> Driver<C, T> {
    async fn run(mut self, first: Established<C>) -> Result<()> {
        self.discover(&first.info);
        let mut est = first;
        let mut reconnected = false;
        loop {
            let reason = match session::serve(&mut self, est, reconnected).await {
                Exit::Closed => return self.finish(None),
                Exit::Lost(reason) => reason,
            };
            {
                let mut inner = self.shared.lock();
                inner.disconnected(&reason);
                let server = self.current.to_string();
                inner.events.emit(Event::Disconnected { server, reason });
            }
            self.pool.demote(&self.current);
            match self.reconnect().await {
                Ok(Some((addr, next))) => {
                    self.current = addr;
                    est = next;
                    reconnected = true;
                    Stats::add(&self.shared.stats.reconnects, 1);
                }
                Ok(None) => return self.finish(None),
                Err(e) => return self.finish(Some(e)),
            }
        }
    }

    /// Closes the client for good (`None`: on request).
    fn finish(&self, err: Option<Error>) -> Result<()> {
        let reason = "closed by the application (Client::close, or every Client was dropped)";
        let e = err.clone().unwrap_or_else(|| Error::Closed { reason: reason.into() });
        self.shared.lock().close_all(e);
        err.map_or(Ok(()), Err)
    }

    /// Adds the servers a cluster advertises to the pool.
    fn discover(&mut self, info: &ServerInfo) {
        if self.shared.opts.ignore_discovered_servers || info.connect_urls.is_empty() {
            return;
        }
        let added = self.pool.discover(&info.connect_urls, &self.current);
        if !added.is_empty() {
            self.shared.lock().events.emit(Event::ServersDiscovered { servers: added });
        }
    }

    /// Tries servers until one accepts; `Ok(None)` when the client closed meanwhile.
    async fn reconnect(&mut self) -> Result<Option<(Addr, Established<C>)>> {
        let opts = &self.shared.opts;
        let mut attempt = 0u32;
        let mut last: Option<Error> = None;
        loop {
            if let Some(max) = opts.max_reconnect_attempts
                && attempt >= max
            {
                let last = last.unwrap_or_else(|| Error::Closed { reason: "no attempt allowed".into() });
                return Err(Error::ReconnectGaveUp { attempts: attempt, last: Box::new(last) });
            }
            let nominal = opts.backoff(attempt);
            let delay = nominal.mul_f64(0.5 + self.rng.r#gen::<f64>() * 0.5);
            if !delay.is_zero() && while_serving(&self.shared, &self.timer, self.timer.sleep(delay)).await.is_none() {
                return Ok(None);
            }
            let addr = self.pool.next();
            let conn = establish(&self.connector, &self.timer, &addr, opts, &self.creds);
            match while_serving(&self.shared, &self.timer, conn).await {
                None => return Ok(None),
                Some(Ok(est)) => return Ok(Some((addr, est))),
                Some(Err(e)) => {
                    attempt += 1;
                    let server = addr.to_string();
                    self.shared.lock().events.emit(Event::ReconnectFailed { server, attempt, error: e.clone() });
                    last = Some(e);
                }
            }
        }
    }
}

/// Runs `fut` while completing request and flush deadlines; `None` when the
/// client asked to close first.
async fn while_serving<T: Timer, F: Future>(shared: &Shared, timer: &T, fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut ticker = Ticker::new();
    poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        shared.driver.register(cx.waker());
        loop {
            let next = {
                let mut inner = shared.lock();
                if inner.close_requested {
                    return Poll::Ready(None);
                }
                inner.expire(Instant::now(), shared.opts.flush_timeout)
            };
            if ticker.poll(cx, timer, next).is_pending() {
                return Poll::Pending;
            }
        }
    })
    .await
}

/// One timer, re-armed whenever the earliest deadline changes.
pub(crate) struct Ticker<S> {
    armed: Option<(Instant, Pin<Box<S>>)>,
}

impl<S: Future<Output = ()>> Ticker<S> {
    pub(crate) fn new() -> Ticker<S> {
        Ticker { armed: None }
    }

    /// Ready when `target` has passed (then disarmed).
    pub(crate) fn poll<T: Timer<Sleep = S>>(
        &mut self,
        cx: &mut Context<'_>,
        timer: &T,
        target: Option<Instant>,
    ) -> Poll<()> {
        let Some(target) = target else {
            self.armed = None;
            return Poll::Pending;
        };
        if self.armed.as_ref().is_none_or(|(at, _)| *at != target) {
            // A millisecond late rather than early: timers may round down.
            let wait = target.saturating_duration_since(Instant::now()) + Duration::from_millis(1);
            self.armed = Some((target, Box::pin(timer.sleep(wait))));
        }
        let (_, sleep) = self.armed.as_mut().expect("armed above");
        if sleep.as_mut().poll(cx).is_ready() {
            self.armed = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// If the driver future is dropped before the client closed, callers must not
/// wait forever: close everything with a reason.
struct CloseOnDrop(Arc<Shared>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        let reason = "the driver future was dropped (it must be polled for as long as the client is used)";
        self.0.lock().close_all(Error::Closed { reason: reason.into() });
    }
}
