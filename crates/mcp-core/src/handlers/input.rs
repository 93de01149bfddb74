//! 2026-07-28 Multi Round-Trip Requests: a component that asks the client for
//! input (elicitation, sampling, roots) while serving a stateless request gets an
//! error for this attempt; the server then answers `resultType: "input_required"`
//! with every input request the attempt made, and the client retries the request
//! with `inputResponses` (keyed as the server named them). On the retry the
//! component runs again from the start and its questions are answered at once.
//!
//! A question the client cannot answer (it did not declare the capability) is not
//! asked; if the attempt asked nothing else, the request fails with -32021 naming
//! the capabilities it needed.
use crate::client::CallGuard;
use crate::jsonrpc::{self, ErrorReply};
use crate::server::Request;
use serde_json::{Value, json};

/// The input-required result (or the missing-capability error), when this
/// attempt asked for input it did not have; `None`: use the component's result.
pub(crate) fn required(req: &Request<'_>, guard: &CallGuard) -> Option<Result<Value, ErrorReply>> {
    if !req.stateless() {
        return None;
    }
    let asked = guard.state.input_requests.borrow();
    if asked.is_empty() {
        let missing = guard.state.missing_capabilities.borrow();
        if missing.is_empty() {
            return None;
        }
        let names: Vec<&String> = missing.keys().collect();
        let mut e = req.error(
            jsonrpc::MISSING_CLIENT_CAPABILITY,
            format!("this request needs the client capabilities {names:?}, which the request's _meta does not declare"),
        );
        e.data = Some(json!({ "requiredCapabilities": Value::Object(missing.clone()) }));
        return Some(Err(e));
    }
    let mut result = json!({ "resultType": "input_required", "inputRequests": Value::Object(asked.clone()) });
    if let Some(state) = guard.state.state_out.borrow().as_deref() {
        result["requestState"] = json!(crate::state::seal(state));
    }
    Some(Ok(result))
}
