//! Deliveries: one subscription per subject of every handler route (with the
//! route's queue group), and for each route at most `max-in-flight` messages handed
//! to fresh instances of the handler at once (`routes.deliver`). While a route is at
//! its limit, its messages wait in the client's bounded subscription queue; if that
//! fills, new messages are dropped, counted and reported (never a silent stall
//! that makes the server cut the connection). A request whose handler fails gets
//! an error reply with the NATS services-framework headers instead of a timeout.
use crate::connection::Handle;
use crate::outrigger::messaging::routes::{self, Route};
use crate::serve::to_msg;
use futures::StreamExt;
use nats_client::{Client, Headers, Message, Subscriber};

/// A route and its subscriptions.
pub struct Subscribed {
    route: Route,
    subscribers: Vec<Subscriber>,
}

impl Subscribed {
    /// Its subscriptions' ids (what a drain names).
    pub fn sids(&self) -> impl Iterator<Item = u64> + '_ {
        self.subscribers.iter().map(|s| s.sid())
    }
}

pub fn subscribe(client: &Client, routes: &[Route]) -> Result<Vec<Subscribed>, String> {
    let mut out = Vec::new();
    for r in routes {
        let mut subscribers = Vec::new();
        for subject in &r.subjects {
            let sub = match &r.queue_group {
                Some(group) => client.queue_subscribe(subject, group),
                None => client.subscribe(subject),
            };
            subscribers.push(sub.map_err(|e| format!("handler `{}`, subject `{subject}`: {e}", r.component))?);
        }
        out.push(Subscribed { route: r.clone(), subscribers });
    }
    Ok(out)
}

/// Serves every route until the client closes (forever when there are none: a
/// bridge that only publishes has nothing to deliver).
pub async fn serve(handle: Handle, routes: Vec<Subscribed>) {
    if routes.is_empty() {
        return std::future::pending().await;
    }
    let lanes = routes.into_iter().map(|s| {
        let client = handle.client.clone();
        let component = s.route.component.clone();
        let limit = s.route.max_in_flight.max(1) as usize;
        futures::stream::select_all(s.subscribers).for_each_concurrent(limit, move |m| {
            let (client, component) = (client.clone(), component.clone());
            async move { deliver(&client, &component, m).await }
        })
    });
    futures::future::join_all(lanes).await;
}

async fn deliver(client: &Client, component: &str, m: Message) {
    let subject = m.subject.to_string();
    let reply = m.reply.as_ref().map(|r| r.to_string());
    if let Err(why) = routes::deliver(component.to_string(), to_msg(m)).await {
        eprintln!("nats-bridge: handler `{component}` failed on `{subject}`: {why}");
        if let Some(reply) = reply {
            let mut headers = Headers::new();
            headers.insert("Nats-Service-Error", why.replace(['\r', '\n'], " "));
            headers.insert("Nats-Service-Error-Code", "500");
            if let Err(e) = client.publish_with_headers(&reply, &headers, Vec::new()).await {
                eprintln!("nats-bridge: cannot send the error reply to `{reply}`: {e}");
            }
        }
    }
}
