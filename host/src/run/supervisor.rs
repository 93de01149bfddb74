//! The service supervisor: one task per service that starts incarnations (each in
//! a fresh store, see [`crate::service`]), restarts failed ones with capped
//! exponential backoff, gives up after `maxRestarts` consecutive failures (ERROR),
//! stops restarting when `run` completes (COMPLETED), and stops cleanly on request.
//! Every state change is published on a `watch` channel and logged.
use crate::link::to_service::ServiceCall;
use crate::manifest::Backoff;
use crate::run::service::{Exit, ServiceRunner};
use crate::run::status::{ServiceState, ServiceStatus, now};
use std::time::Instant;
use tokio::sync::{mpsc, watch};

pub(crate) struct Supervisor {
    pub runner: ServiceRunner,
    pub backoff: Backoff,
    pub max_restarts: u32,
    pub status: watch::Sender<ServiceStatus>,
    pub calls: mpsc::Receiver<ServiceCall>,
    pub shutdown: watch::Receiver<bool>,
}

impl Supervisor {
    fn set(&self, state: ServiceState, change: impl FnOnce(&mut ServiceStatus)) {
        self.status.send_modify(|s| {
            s.state = state;
            s.since = now();
            change(s);
        });
        let s = self.status.borrow();
        match (&s.last_error, state) {
            (Some(e), ServiceState::Backoff | ServiceState::Error) => {
                tracing::warn!(service = %s.name, state = %state, failures = s.failures, max_restarts = s.max_restarts, "service {state}: {e}")
            }
            _ => tracing::info!(service = %s.name, state = %state, incarnation = s.incarnations, "service {state}"),
        }
    }

    /// Supervises the service until it is COMPLETED, in ERROR or STOPPED.
    pub async fn run(mut self) {
        let mut failures: u32 = 0;
        loop {
            if *self.shutdown.borrow() {
                self.set(ServiceState::Stopped, |_| {});
                break;
            }
            self.set(ServiceState::Starting, |s| s.incarnations += 1);
            let started = Instant::now();
            let status = self.status.clone();
            let running = move || {
                status.send_modify(|s| {
                    s.state = ServiceState::Running;
                    s.since = now();
                });
                let s = status.borrow();
                tracing::info!(service = %s.name, state = %ServiceState::Running, incarnation = s.incarnations, "service RUNNING");
            };
            let status = self.status.clone();
            let stopping = move || {
                status.send_modify(|s| {
                    s.state = ServiceState::Stopping;
                    s.since = now();
                });
                tracing::info!(service = %status.borrow().name, "service STOPPING: letting in-flight calls finish");
            };
            let exit = self.runner.incarnation(&mut self.calls, &mut self.shutdown, running, stopping).await;
            match exit {
                Exit::Completed => {
                    self.set(ServiceState::Completed, |s| s.last_error = None);
                    break;
                }
                Exit::Shutdown => {
                    self.set(ServiceState::Stopped, |_| {});
                    break;
                }
                Exit::Failed(why) => {
                    if started.elapsed() >= self.backoff.reset_after.0 {
                        failures = 0;
                    }
                    failures += 1;
                    if failures > self.max_restarts {
                        let why = format!("{why} (gave up after {} restarts)", self.max_restarts);
                        self.set(ServiceState::Error, |s| {
                            s.failures = failures - 1;
                            s.last_error = Some(why);
                        });
                        break;
                    }
                    let delay = self.backoff.delay(failures);
                    self.set(ServiceState::Backoff, |s| {
                        s.failures = failures;
                        s.last_error = Some(format!("{why}; restarting in {delay:?}"));
                    });
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = self.shutdown.changed() => {}
                    }
                }
            }
        }
        // Nobody will serve the queue again: refuse what is queued, and new calls.
        self.calls.close();
        while let Ok(call) = self.calls.try_recv() {
            let s = self.status.borrow();
            let _ = call.reply.send(Err(crate::error::CallError::ServiceUnavailable {
                service: s.name.clone(),
                state: s.state,
                detail: s.last_error.clone(),
            }));
        }
    }
}
