//! hyper 1.x glue (feature `hyper`): [`HyperIo`] wraps any guest-net stream (or any
//! `futures-io` type) as hyper's `rt::Read` / `rt::Write`, and [`HyperExecutor`]
//! runs hyper's background futures (HTTP/2 connection tasks) with wit-bindgen's
//! `spawn_local`, i.e. inside the Component Model task that spawns them.
use std::future::Future;

/// hyper `rt::Read` / `rt::Write` over a `futures-io` stream, e.g.
/// `HyperIo::new(tcp_stream)` or `HyperIo::new(tls_stream)`.
pub use smol_hyper::rt::FuturesIo as HyperIo;

/// A hyper executor for a WASI 0.3 component: spawns onto the current Component
/// Model task (spawned futures end when that task ends).
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperExecutor;

impl<F> hyper::rt::Executor<F> for HyperExecutor
where
    F: Future + 'static,
{
    fn execute(&self, fut: F) {
        drop(wasip3::wit_bindgen::spawn_local(async move {
            fut.await;
        }));
    }
}
