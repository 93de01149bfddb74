//! The 2026-07-28 Multi Round-Trip Request tools, `test_input_required_result_*`
//! (docs/mcp-conformance.md §5.3). Each asks the client through `client`; under
//! 2026-07-28 an unanswered question fails with `input-required`, the tool then
//! returns at once (its result is ignored: the server answers `input_required`
//! with every question asked) and runs again from the start when the client
//! retries with the answers. Tools that ask several questions ask all of them
//! before returning, so one round carries them all. Under 2025-11-25 the same
//! questions are ordinary server → client requests.
use crate::outrigger::mcp::client::{self, elicit, roots, sample};
use crate::outrigger::mcp::types::{CallResult, ElicitAction, Tool, ToolError};
use crate::{NO_ARGS, parse, sampled_text, text, tool};
use serde_json::json;

/// The elicitation schema asking for a name.
const NAME_SCHEMA: &str = r#"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#;
/// The elicitation schema asking for a confirmation.
const CONFIRM_SCHEMA: &str = r#"{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}"#;
/// `test_input_required_result_request_state`'s state between its two rounds.
const CONFIRM_STATE: &str = "request-state-test:awaiting-confirmation";
/// `test_input_required_result_tampered_state`'s state (the server seals it).
const TAMPER_STATE: &str = "tampered-state-test:awaiting-confirmation";

pub(crate) fn list() -> Vec<Tool> {
    [
        (
            "test_input_required_result_elicitation",
            "Asks the user's name through an input-required result (key user_name) and greets them",
        ),
        (
            "test_input_required_result_sampling",
            "Asks the client's model a question through an input-required result (key sample_request)",
        ),
        (
            "test_input_required_result_list_roots",
            "Asks the client's roots through an input-required result (key client_roots)",
        ),
        (
            "test_input_required_result_request_state",
            "Asks for a confirmation (key confirm) and checks its requestState on the retry",
        ),
        (
            "test_input_required_result_multiple_inputs",
            "Asks for elicitation, sampling and roots in one input-required result, with a requestState",
        ),
        ("test_input_required_result_multi_round", "Asks over three rounds, with a different requestState each round"),
        (
            "test_input_required_result_tampered_state",
            "Asks with an integrity-protected requestState; a tampered state is rejected",
        ),
        (
            "test_input_required_result_capabilities",
            "Asks for elicitation and sampling; only what the client's capabilities allow is requested",
        ),
    ]
    .into_iter()
    .map(|(name, description)| tool(name, description, NO_ARGS))
    .collect()
}

/// Calls one of these tools; `UnknownTool` for any other name.
pub(crate) fn call(name: &str, token: u64) -> Result<CallResult, ToolError> {
    match name {
        "test_input_required_result_elicitation" => {
            let action = elicit(token, "user_name", "What is your name?", NAME_SCHEMA).map_err(ToolError::Failed)?;
            Ok(text(greeting(&action)))
        }
        "test_input_required_result_sampling" => {
            let answer = sample(token, "sample_request", &capital_question()).map_err(ToolError::Failed)?;
            Ok(text(format!("Sampling result: {}", sampled_text(&answer))))
        }
        "test_input_required_result_list_roots" => {
            let roots = roots(token, "client_roots").map_err(ToolError::Failed)?;
            Ok(text(format!("Found {} root(s)", roots.len())))
        }
        "test_input_required_result_request_state" => {
            let previous = client::request_state(token);
            client::set_request_state(token, CONFIRM_STATE);
            let action =
                elicit(token, "confirm", "Please confirm to continue.", CONFIRM_SCHEMA).map_err(ToolError::Failed)?;
            let confirmed = confirmed(&action);
            Ok(match previous.as_deref() {
                Some(CONFIRM_STATE) => text(format!("state-ok: confirmed={confirmed}")),
                // 2025-11-25: one round, no requestState.
                None => text(format!("confirmed={confirmed} (answered within the call, no requestState)")),
                Some(other) => crate::error(format!("unexpected requestState {other:?}")),
            })
        }
        "test_input_required_result_multiple_inputs" => {
            client::set_request_state(token, "multiple-inputs-test:awaiting-inputs");
            let name = elicit(token, "user_name", "What is your name?", NAME_SCHEMA);
            let request = json!({
                "messages": [{ "role": "user", "content": { "type": "text", "text": "Write a short greeting." } }],
                "maxTokens": 100,
            });
            let greeting = sample(token, "greeting", &request.to_string());
            let roots = roots(token, "client_roots");
            let (name, greeting, roots) = (
                name.map_err(ToolError::Failed)?,
                greeting.map_err(ToolError::Failed)?,
                roots.map_err(ToolError::Failed)?,
            );
            Ok(text(format!(
                "{} Greeting: {}. Found {} root(s).",
                self::greeting(&name),
                sampled_text(&greeting),
                roots.len()
            )))
        }
        "test_input_required_result_multi_round" => {
            if client::request_state(token).as_deref() != Some("round-2") {
                client::set_request_state(token, "round-1");
                elicit(token, "round1", "Round 1: please confirm.", CONFIRM_SCHEMA).map_err(ToolError::Failed)?;
            }
            client::set_request_state(token, "round-2");
            elicit(token, "round2", "Round 2: please confirm.", CONFIRM_SCHEMA).map_err(ToolError::Failed)?;
            Ok(text("All 3 rounds completed"))
        }
        "test_input_required_result_tampered_state" => {
            client::set_request_state(token, TAMPER_STATE);
            let action =
                elicit(token, "confirm", "Please confirm to continue.", CONFIRM_SCHEMA).map_err(ToolError::Failed)?;
            Ok(text(format!("State verified: confirmed={}", confirmed(&action))))
        }
        "test_input_required_result_capabilities" => {
            // Both questions are asked before returning: the server forwards only
            // those the client's capabilities allow.
            let name = elicit(token, "user_name", "What is your name?", NAME_SCHEMA);
            let answer = sample(token, "sample_request", &capital_question());
            let (name, answer) = (name.map_err(ToolError::Failed)?, answer.map_err(ToolError::Failed)?);
            Ok(text(format!("{} Sampling result: {}", greeting(&name), sampled_text(&answer))))
        }
        _ => Err(ToolError::UnknownTool),
    }
}

/// The fixture's sampling request: the capital of France.
fn capital_question() -> String {
    json!({
        "messages": [{ "role": "user", "content": { "type": "text", "text": "What is the capital of France?" } }],
        "maxTokens": 100,
    })
    .to_string()
}

/// `Hello, <name>!` for an accepted name elicitation.
fn greeting(action: &ElicitAction) -> String {
    match action {
        ElicitAction::Accept(content) => format!("Hello, {}!", parse(content)["name"].as_str().unwrap_or("stranger")),
        ElicitAction::Decline => "The user declined to give their name.".into(),
        ElicitAction::Cancel => "The user cancelled.".into(),
    }
}

/// Whether a confirmation elicitation was accepted with `ok: true`.
fn confirmed(action: &ElicitAction) -> bool {
    matches!(action, ElicitAction::Accept(content) if parse(content)["ok"].as_bool() == Some(true))
}
