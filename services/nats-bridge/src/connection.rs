//! The connection's life, driven by `run`: read the settings, connect, subscribe
//! for the workload's handlers, confirm with a flush that the server has the
//! subscriptions, tell the host the bridge is ready, then drive the client (I/O,
//! keepalive, reconnects) while deliveries run. Exports reach the client through
//! [`handle`], which waits while the bridge is still connecting.
use crate::config::Config;
use crate::delivery;
use crate::outrigger::messaging::routes;
use crate::outrigger::service::lifecycle;
use futures::FutureExt;
use futures::channel::oneshot;
use guest_net::{TcpStream, TlsConnector, TlsStream};
use nats_client::{Client, Connector, Event};
use std::cell::RefCell;
use std::io;
use std::rc::Rc;

/// What exports need: the client and the settings.
#[derive(Clone)]
pub struct Handle {
    pub client: Client,
    pub config: Rc<Config>,
}

enum State {
    Starting(Vec<oneshot::Sender<Result<Handle, String>>>),
    Up(Handle),
    Down(String),
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Starting(Vec::new())) };
}

/// The connected client; waits while the bridge connects, fails if it could not.
pub async fn handle() -> Result<Handle, String> {
    let waiting = STATE.with_borrow_mut(|s| match s {
        State::Up(h) => Ok(Ok(h.clone())),
        State::Down(why) => Ok(Err(why.clone())),
        State::Starting(waiters) => {
            let (tx, rx) = oneshot::channel();
            waiters.push(tx);
            Err(rx)
        }
    });
    match waiting {
        Ok(now) => now,
        Err(rx) => rx.await.unwrap_or_else(|_| Err("the bridge stopped while connecting".into())),
    }
}

/// The connected client, if the bridge is up (never waits).
pub fn current() -> Option<Handle> {
    STATE.with_borrow(|s| match s {
        State::Up(h) => Some(h.clone()),
        _ => None,
    })
}

fn settle(to: Result<Handle, String>) {
    let waiters = STATE.with_borrow_mut(|s| {
        let next = match &to {
            Ok(h) => State::Up(h.clone()),
            Err(why) => State::Down(why.clone()),
        };
        match std::mem::replace(s, next) {
            State::Starting(w) => w,
            _ => Vec::new(),
        }
    });
    for w in waiters {
        let _ = w.send(to.clone());
    }
}

/// The whole life of the bridge; returns why it ended.
pub async fn run() -> Result<(), String> {
    let result = start().await;
    let (handle, subscriptions, driver) = match result {
        Ok(started) => started,
        Err(why) => {
            settle(Err(why.clone()));
            return Err(why);
        }
    };
    settle(Ok(handle.clone()));
    lifecycle::ready();
    let events = log_events(handle.client.events());
    let done = crate::stop::track(subscriptions.iter().flat_map(delivery::Subscribed::sids).collect());
    let deliveries = async move {
        delivery::serve(handle.clone(), subscriptions).await;
        let _ = done.send(());
        if crate::stop::stopping() {
            // Drained for the stop: keep the connection alive for the last flush.
            std::future::pending::<()>().await;
        }
    };
    futures::select! {
        r = driver.fuse() => r.map_err(|e| format!("the NATS connection ended: {e}")),
        () = deliveries.fuse() => Err("deliveries stopped: the NATS client closed".into()),
        () = events.fuse() => Ok(()),
    }
}

type Driver = std::pin::Pin<Box<dyn std::future::Future<Output = nats_client::Result<()>>>>;

async fn start() -> Result<(Handle, Vec<delivery::Subscribed>, Driver), String> {
    let config = Rc::new(Config::from_env()?);
    let connector = GuestConnector::new(&config)?;
    let (client, driver) = Client::connect(config.options.clone(), connector, guest_net::sleep)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let mut driver: Driver = Box::pin(driver);
    let routes = routes::list();
    let subscriptions = delivery::subscribe(&client, &routes).map_err(|e| format!("cannot subscribe: {e}"))?;
    // Drive the connection while waiting for the server to confirm the subscriptions.
    let flushed = futures::select! {
        r = client.flush().fuse() => r,
        r = (&mut driver).fuse() => Err(r.err().unwrap_or(nats_client::Error::Closed { reason: "driver ended".into() })),
    };
    flushed.map_err(|e| format!("the server did not confirm the subscriptions: {e}"))?;
    let server = client.server_info().map(|i| i.server_name.clone()).unwrap_or_default();
    let subjects: usize = routes.iter().map(|r| r.subjects.len()).sum();
    eprintln!(
        "nats-bridge: connected to {} (server {server}); {} handler route(s), {subjects} subscription(s) confirmed",
        config.options.servers.join(", "),
        routes.len()
    );
    Ok((Handle { client, config }, subscriptions, driver))
}

/// Logs every connection event (reconnects, lame duck, slow consumers, errors).
async fn log_events(mut events: nats_client::Events) {
    use futures::StreamExt;
    while let Some(e) = events.next().await {
        eprintln!("nats-bridge: {e}");
        if let Event::Closed { .. } = e {
            break;
        }
    }
}

/// Opens TCP with guest-net and upgrades to TLS with the configured CA and client
/// certificate (or the bundled roots).
struct GuestConnector {
    tls: TlsConnector,
    server_name: Option<String>,
}

impl GuestConnector {
    fn new(config: &Config) -> Result<GuestConnector, String> {
        let mut b = TlsConnector::builder();
        if let Some(ca) = &config.tls_ca {
            b = b.ca_pem(ca);
        }
        if let Some((cert, key)) = &config.tls_client {
            b = b.client_auth_pem(cert, key);
        }
        let tls = b.build().map_err(|e| format!("TLS settings: {e}"))?;
        Ok(GuestConnector { tls, server_name: config.tls_server_name.clone() })
    }
}

impl Connector for GuestConnector {
    type Stream = TcpStream;
    type TlsStream = TlsStream;

    async fn connect(&self, host: &str, port: u16) -> io::Result<TcpStream> {
        let addr = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        Ok(TcpStream::connect(&addr).await?)
    }

    async fn upgrade(&self, stream: TcpStream, server_name: &str) -> io::Result<TlsStream> {
        let name = self.server_name.as_deref().unwrap_or(server_name);
        Ok(self.tls.handshake(stream, name).await?)
    }
}
