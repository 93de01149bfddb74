//! `outrigger:mcp/client`, exported by the transport service: what a capability
//! component may ask while it handles a call. Every call the server makes into a
//! component carries a token; the token names the request being served here, and
//! through it the session to talk to: progress and log messages become
//! notifications tied to that request, elicitation, sampling and roots become
//! requests to the client (2025-11-25) or input requests in an input-required
//! result (2026-07-28, see [`crate::handlers::input`]).
use crate::bindings::exports::outrigger::mcp::client::Guest;
use crate::bindings::outrigger::mcp::types::{ElicitAction, Root};
use crate::jsonrpc::{self, Id};
use crate::session::{Session, level_index};
use crate::version;
use serde_json::{Map, Value, json};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

/// The request a token stands for.
pub(crate) struct CallState {
    pub session: Weak<Session>,
    pub request: Id,
    pub member: String,
    pub version: &'static str,
    pub client_capabilities: Value,
    pub progress_token: Option<Value>,
    pub cancelled: Cell<bool>,
    /// Messages below this level are not sent; `None`: no log messages at all
    /// (a 2026-07-28 request without `_meta` logLevel).
    pub log_level: Option<usize>,
    /// 2026-07-28: the answers the client sent with its retry (`inputResponses`),
    /// the input requests this attempt made that had none, capabilities it needed
    /// that the client lacks, and the component's state in and out.
    pub input_responses: Map<String, Value>,
    pub input_requests: RefCell<Map<String, Value>>,
    pub missing_capabilities: RefCell<Map<String, Value>>,
    pub state_in: Option<String>,
    pub state_out: RefCell<Option<String>>,
}

thread_local! {
    static CALLS: RefCell<HashMap<u64, Rc<CallState>>> = RefCell::default();
    static NEXT_TOKEN: Cell<u64> = const { Cell::new(1) };
}

/// Registers a call; the token stays valid until the guard drops.
pub(crate) struct CallGuard {
    pub token: u64,
    pub state: Rc<CallState>,
}

impl CallGuard {
    /// `Err`: the request's `requestState` was not sealed by this server.
    pub fn new(
        session: &Rc<Session>,
        request: &Id,
        member: &str,
        version: &'static str,
        client_capabilities: Value,
        params: &Map<String, Value>,
    ) -> Result<CallGuard, String> {
        let meta = params.get("_meta");
        let stateless = version == version::STATELESS;
        let input_responses = match params.get("inputResponses") {
            Some(Value::Object(m)) if stateless => m.clone(),
            _ => Map::new(),
        };
        let state_in = match params.get("requestState") {
            Some(Value::String(s)) if stateless => Some(crate::state::open(s)?),
            _ => None,
        };
        let log_level = if stateless {
            meta.and_then(|m| m.get(version::META_LOG_LEVEL)).and_then(Value::as_str).and_then(level_index)
        } else {
            Some(session.log_level())
        };
        let state = Rc::new(CallState {
            session: Rc::downgrade(session),
            request: request.clone(),
            member: member.to_string(),
            version,
            client_capabilities,
            progress_token: meta.and_then(|m| m.get("progressToken")).cloned(),
            cancelled: Cell::new(false),
            log_level,
            input_responses,
            input_requests: RefCell::default(),
            missing_capabilities: RefCell::default(),
            state_in,
            state_out: RefCell::default(),
        });
        let token = NEXT_TOKEN.with(|n| {
            let t = n.get();
            n.set(t + 1);
            t
        });
        CALLS.with(|c| c.borrow_mut().insert(token, state.clone()));
        Ok(CallGuard { token, state })
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.state.cancelled.set(true);
        CALLS.with(|c| c.borrow_mut().remove(&self.token));
    }
}

fn call(token: u64) -> Result<Rc<CallState>, String> {
    CALLS.with(|c| c.borrow().get(&token).cloned()).ok_or_else(|| {
        format!("token {token} names no call in progress (pass the `ctx.token` of the call being handled)")
    })
}

fn session(c: &CallState) -> Result<Rc<Session>, String> {
    c.session.upgrade().ok_or_else(|| "the client's session has ended".to_string())
}

impl CallState {
    fn stateless(&self) -> bool {
        self.version == version::STATELESS
    }

    fn client_can(&self, capability: &str) -> bool {
        self.client_capabilities.get(capability).is_some()
    }

    /// Asks the client: a server → client request (2025-11-25), or an input
    /// request answered by the client's retry (2026-07-28). `valid` says whether
    /// an answer has the shape `method`'s result must have; a retry whose answer
    /// does not is asked again.
    async fn ask(
        &self,
        key: &str,
        capability: &str,
        method: &str,
        params: Value,
        valid: fn(&Value) -> bool,
    ) -> Result<Value, String> {
        if !self.client_can(capability) {
            if self.stateless() {
                self.missing_capabilities.borrow_mut().insert(capability.into(), json!({}));
            }
            return Err(format!(
                "the client did not declare the `{capability}` capability, so it cannot be asked ({method})"
            ));
        }
        if self.stateless() {
            if let Some(answer) = self.input_responses.get(key).filter(|a| valid(a)) {
                return Ok(answer.clone());
            }
            self.input_requests.borrow_mut().insert(key.into(), json!({ "method": method, "params": params }));
            return Err(format!(
                "input-required: {method} ({key}) is asked of the client; return now, the call is retried with the answer"
            ));
        }
        let s = session(self)?;
        s.request(method, params, Some(&self.request)).await.map_err(|e| match e {
            Value::String(s) => s,
            other => format!("the client answered {method} with an error: {other}"),
        })
    }
}

/// The `client` export (see the crate docs for how a transport exports it).
pub struct Client;

impl Guest for Client {
    async fn progress(token: u64, progress: f64, total: Option<f64>, message: Option<String>) {
        let Ok(c) = call(token) else { return };
        let (Some(pt), Ok(s)) = (&c.progress_token, session(&c)) else { return };
        let mut params = json!({ "progressToken": pt, "progress": progress });
        if let Some(t) = total {
            params["total"] = json!(t);
        }
        if let Some(m) = message {
            params["message"] = json!(m);
        }
        s.send(&jsonrpc::notification("notifications/progress", params), Some(&c.request));
    }

    async fn log(token: u64, level: String, data: String) {
        let Ok(c) = call(token) else { return };
        let Ok(s) = session(&c) else { return };
        let index = level_index(&level).unwrap_or(1);
        if !c.log_level.is_some_and(|min| index >= min) {
            return;
        }
        let data = serde_json::from_str::<Value>(&data).unwrap_or(Value::String(data));
        let level = crate::session::LEVELS[index];
        let params = json!({ "level": level, "logger": c.member, "data": data });
        s.send(&jsonrpc::notification("notifications/message", params), Some(&c.request));
    }

    async fn is_cancelled(token: u64) -> bool {
        call(token).map(|c| c.cancelled.get()).unwrap_or(true)
    }

    async fn elicit(
        token: u64,
        key: String,
        message: String,
        requested_schema: String,
    ) -> Result<ElicitAction, String> {
        let c = call(token)?;
        let schema: Value =
            serde_json::from_str(&requested_schema).map_err(|e| format!("requested-schema is not valid JSON: {e}"))?;
        let mut params = json!({ "message": message, "requestedSchema": schema });
        if version::at_least(c.version, version::LATEST_SESSION) {
            params["mode"] = json!("form");
        }
        let valid =
            |a: &Value| matches!(a.get("action").and_then(Value::as_str), Some("accept" | "decline" | "cancel"));
        let answer = c.ask(&key, "elicitation", "elicitation/create", params, valid).await?;
        match answer.get("action").and_then(Value::as_str) {
            Some("accept") => Ok(ElicitAction::Accept(answer.get("content").cloned().unwrap_or(json!({})).to_string())),
            Some("decline") => Ok(ElicitAction::Decline),
            Some("cancel") => Ok(ElicitAction::Cancel),
            _ => Err(format!("the client's elicitation answer has no valid `action`: {answer}")),
        }
    }

    async fn sample(token: u64, key: String, request: String) -> Result<String, String> {
        let c = call(token)?;
        let params: Value =
            serde_json::from_str(&request).map_err(|e| format!("the sampling request is not valid JSON: {e}"))?;
        let valid = |a: &Value| a.get("content").is_some();
        c.ask(&key, "sampling", "sampling/createMessage", params, valid).await.map(|v| v.to_string())
    }

    async fn roots(token: u64, key: String) -> Result<Vec<Root>, String> {
        let c = call(token)?;
        let valid = |a: &Value| a.get("roots").is_some_and(Value::is_array);
        let answer = c.ask(&key, "roots", "roots/list", json!({}), valid).await?;
        let roots = answer.get("roots").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(roots
            .iter()
            .filter_map(|r| {
                Some(Root {
                    uri: r.get("uri")?.as_str()?.to_string(),
                    name: r.get("name").and_then(Value::as_str).map(str::to_string),
                })
            })
            .collect())
    }

    async fn request_state(token: u64) -> Option<String> {
        call(token).ok().and_then(|c| c.state_in.clone())
    }

    async fn set_request_state(token: u64, state: String) {
        if let Ok(c) = call(token) {
            *c.state_out.borrow_mut() = Some(state);
        }
    }
}
