//! `net-probe-client`: a WASI 0.3 reactive component that forwards its
//! `probe-driver` exports to the `net-probe` service's imports. It exists so the
//! end-to-end tests (tests/e2e/guest_net.rs) reach the service the way real
//! components do: through a link the host plans and bridges.
wit_bindgen::generate!({
    path: "../../wit/test-net",
    world: "net-probe-client",
});

use exports::outrigger::test::probe_driver;
use outrigger::test::net_probe::{self, TlsOptions, TlsServerOptions};

struct Client;

impl probe_driver::Guest for Client {
    async fn echo(addr: String, tls: Option<TlsOptions>, payload: Vec<u8>) -> Result<Vec<u8>, String> {
        net_probe::echo(addr, tls, payload).await
    }
    async fn serve_once(port: u16, payload_len: u32, tls: Option<TlsServerOptions>) -> Result<Vec<u8>, String> {
        net_probe::serve_once(port, payload_len, tls).await
    }
}

export!(Client);
