//! The server: takes one incoming JSON-RPC message at a time and answers through
//! the session's outbound queue. Requests run concurrently (the transport calls
//! [`Server::handle`] in a task per message); each is tracked so
//! `notifications/cancelled` aborts it, which drops the call into the component
//! (the host then ends that instance) and frees its slot at once.
use crate::catalog::Catalog;
use crate::config::ServerConfig;
use crate::handlers;
use crate::jsonrpc::{self, ErrorReply, Id, Incoming};
use crate::session::Session;
use crate::version;
use async_lock::Semaphore;
use futures::future::{AbortHandle, Abortable};
use serde_json::{Map, Value};
use std::rc::Rc;

pub struct Server {
    pub config: ServerConfig,
    pub catalog: Catalog,
    /// Bounds tool calls, resource reads and prompt gets running at once.
    pub(crate) slots: Semaphore,
}

/// One request being served.
pub(crate) struct Request<'a> {
    pub server: &'a Server,
    pub session: &'a Rc<Session>,
    pub id: &'a Id,
    pub version: &'static str,
    pub client_capabilities: Value,
    pub params: Map<String, Value>,
}

impl Request<'_> {
    pub fn stateless(&self) -> bool {
        self.version == version::STATELESS
    }

    pub fn invalid_params(&self, message: impl Into<String>) -> ErrorReply {
        ErrorReply::new(Some(self.id.clone()), jsonrpc::INVALID_PARAMS, message)
    }

    pub fn error(&self, code: i64, message: impl Into<String>) -> ErrorReply {
        ErrorReply::new(Some(self.id.clone()), code, message)
    }

    /// A required string parameter.
    pub fn str_param(&self, name: &str) -> Result<&str, ErrorReply> {
        match self.params.get(name) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(self.invalid_params(format!("`{name}` must be a string, not {other}"))),
            None => Err(self.invalid_params(format!("missing `{name}`"))),
        }
    }
}

impl Server {
    /// Loads what the workload's capability components offer; problems go to
    /// stderr (the client still gets everything that loaded).
    pub async fn start(config: ServerConfig) -> Rc<Server> {
        let catalog = Catalog::load().await;
        for p in &catalog.problems {
            eprintln!("mcp: {p}");
        }
        let slots = Semaphore::new(config.max_concurrent_calls);
        Rc::new(Server { config, catalog, slots })
    }

    /// Handles one message; whatever it produces goes to `session`'s queue.
    pub async fn handle(self: &Rc<Self>, session: &Rc<Session>, text: &str) {
        self.handle_message(session, jsonrpc::parse(text)).await
    }

    pub async fn handle_message(self: &Rc<Self>, session: &Rc<Session>, message: Incoming) {
        match message {
            Incoming::Invalid(e) => session.send(&e.to_json(), None),
            Incoming::Response { id, outcome } => {
                if !session.deliver(&id, outcome) {
                    eprintln!(
                        "mcp: a response for request {id:?}, which the server did not send or no longer waits for"
                    );
                }
            }
            Incoming::Notification { method, params } => self.notified(session, &method, &params),
            Incoming::Request { id, method, params } => {
                let (abort, registration) = AbortHandle::new_pair();
                session.track(&id, abort);
                let work = self.request(session, &id, &method, params);
                let outcome = Abortable::new(work, registration).await;
                session.untrack(&id);
                // A cancelled request gets no response (MCP: the client stopped waiting).
                if let Ok(reply) = outcome {
                    let reply = match reply {
                        Ok(result) => jsonrpc::result(&id, result),
                        Err(e) => e.to_json(),
                    };
                    session.respond(&reply, &id);
                }
            }
        }
    }

    fn notified(&self, session: &Session, method: &str, params: &Map<String, Value>) {
        match method {
            "notifications/cancelled" => {
                let id = params.get("requestId").and_then(|v| match v {
                    Value::String(s) => Some(Id::Str(s.clone())),
                    Value::Number(n) => n.as_i64().map(Id::Num),
                    _ => None,
                });
                if let Some(id) = id {
                    session.cancel(&id);
                }
            }
            // Nothing to do: the session is usable from `initialize` on; roots are
            // asked for when a component wants them.
            "notifications/initialized" | "notifications/roots/list_changed" => {}
            _ => {} // unknown notifications are ignored (JSON-RPC: never answered)
        }
    }

    async fn request(
        &self,
        session: &Rc<Session>,
        id: &Id,
        method: &str,
        params: Map<String, Value>,
    ) -> Result<Value, ErrorReply> {
        let (version, client_capabilities) = match stateless_context(session, id, &params)? {
            Some(found) => found,
            None => (session.version().unwrap_or(version::LATEST_SESSION), session.client_capabilities()),
        };
        let req = Request { server: self, session, id, version, client_capabilities, params };
        let mut result = handlers::dispatch(&req, method).await?;
        if req.stateless() {
            if let Value::Object(o) = &mut result {
                o.entry("resultType").or_insert(Value::String("complete".into()));
            }
        }
        Ok(result)
    }
}

/// The revision and client capabilities a 2026-07-28 request carries in `_meta`
/// (`None`: a request of an `initialize`d session, or before one). On a session
/// marked stateless both fields are required.
fn stateless_context(
    session: &Session,
    id: &Id,
    params: &Map<String, Value>,
) -> Result<Option<(&'static str, Value)>, ErrorReply> {
    let meta = params.get("_meta");
    let requested = meta.and_then(|m| m.get(version::META_VERSION));
    let required = session.version() == Some(version::STATELESS);
    if requested.is_none() && !required {
        return Ok(None);
    }
    let missing = |what: &str| {
        ErrorReply::new(
            Some(id.clone()),
            jsonrpc::INVALID_PARAMS,
            format!("missing params._meta[\"{what}\"]: every {} request carries it", version::STATELESS),
        )
    };
    let requested = requested.and_then(Value::as_str).ok_or_else(|| missing(version::META_VERSION))?;
    let Some(v) = version::SUPPORTED.iter().copied().find(|s| *s == requested) else {
        return Err(handlers::unsupported_version(id, requested));
    };
    let caps = meta
        .and_then(|m| m.get(version::META_CLIENT_CAPABILITIES))
        .filter(|c| c.is_object())
        .cloned()
        .ok_or_else(|| missing(version::META_CLIENT_CAPABILITIES))?;
    Ok(Some((v, caps)))
}
