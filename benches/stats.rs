//! Statistics shared by the benchmarks (each bench binary includes this file with
//! `#[path]`): percentiles of latency samples, medians of repeated runs, and a run of
//! timed calls from concurrent caller tasks.
#![allow(dead_code)] // each benchmark uses the part it needs
use std::future::Future;
use std::time::{Duration, Instant};

/// The `p` quantile (0.0-1.0) of latency samples in nanoseconds, in microseconds.
pub fn pct(samples: &mut [u64], p: f64) -> f64 {
    samples.sort_unstable();
    samples[((samples.len() - 1) as f64 * p) as usize] as f64 / 1000.0
}

/// The median of repeated measurements.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Latency samples in nanoseconds, and the wall time they took.
pub struct Run {
    pub samples: Vec<u64>,
    pub wall: Duration,
}

impl Run {
    /// Calls per second.
    pub fn rate(&self) -> f64 {
        self.samples.len() as f64 / self.wall.as_secs_f64()
    }

    /// The `p` quantile of this run's latencies, in microseconds.
    pub fn pct(&mut self, p: f64) -> f64 {
        pct(&mut self.samples, p)
    }

    /// The run with the median throughput.
    pub fn median(mut runs: Vec<Run>) -> Run {
        runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        runs.swap_remove(runs.len() / 2)
    }
}

/// `callers` tokio tasks each make `per` calls of `f`, timing each call.
pub async fn drive<F, Fut>(callers: usize, per: usize, f: F) -> Run
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move {
                let mut s = Vec::with_capacity(per);
                for _ in 0..per {
                    let t = Instant::now();
                    f().await;
                    s.push(t.elapsed().as_nanos() as u64);
                }
                s
            })
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.unwrap());
    }
    Run { samples, wall: t0.elapsed() }
}

/// `n` sequential calls of `f` on the current task: (p50, p99) in microseconds.
pub async fn latency<F, Fut>(n: usize, f: F) -> (f64, f64)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed().as_nanos() as u64);
    }
    (pct(&mut samples, 0.5), pct(&mut samples, 0.99))
}
