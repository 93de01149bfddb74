//! JSON-RPC 2.0 as MCP uses it: parsing one incoming message into a request, a
//! notification or a response (to a request the server sent), and building
//! responses and exact errors. Bad input never panics: it becomes a parse error
//! (-32700) or an invalid request (-32600) with the request's id when it has one.
use serde_json::{Map, Value, json};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// 2026-07-28: an HTTP header disagrees with the body (the HTTP transport checks).
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28: serving the request needs a client capability it did not declare.
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
/// 2026-07-28: the request names a protocol revision this server does not speak.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// A request id: a string or an integer (JSON-RPC allows both; MCP forbids null).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Id {
    Num(i64),
    Str(String),
}

impl Id {
    pub fn to_json(&self) -> Value {
        match self {
            Id::Num(n) => json!(n),
            Id::Str(s) => json!(s),
        }
    }
    fn from_json(v: &Value) -> Option<Id> {
        match v {
            Value::String(s) => Some(Id::Str(s.clone())),
            Value::Number(n) => n.as_i64().map(Id::Num),
            _ => None,
        }
    }
}

/// One incoming message.
#[derive(Debug)]
pub enum Incoming {
    Request {
        id: Id,
        method: String,
        params: Map<String, Value>,
    },
    Notification {
        method: String,
        params: Map<String, Value>,
    },
    /// The client's answer to a request the server sent.
    Response {
        id: Id,
        outcome: Result<Value, Value>,
    },
    /// Not a usable message: answer with this error (id null when unknown).
    Invalid(ErrorReply),
}

/// An error response ready to send.
#[derive(Debug, Clone)]
pub struct ErrorReply {
    pub id: Option<Id>,
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl ErrorReply {
    pub fn new(id: Option<Id>, code: i64, message: impl Into<String>) -> ErrorReply {
        ErrorReply { id, code, message: message.into(), data: None }
    }
    pub fn to_json(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(d) = &self.data {
            error["data"] = d.clone();
        }
        json!({ "jsonrpc": "2.0", "id": self.id.as_ref().map(Id::to_json).unwrap_or(Value::Null), "error": error })
    }
}

/// Parses one message (a line on stdio, a POST body over HTTP).
pub fn parse(text: &str) -> Incoming {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Incoming::Invalid(ErrorReply::new(None, PARSE_ERROR, format!("Parse error: {e}"))),
    };
    classify(value)
}

/// Classifies a parsed JSON value as a JSON-RPC message.
pub fn classify(value: Value) -> Incoming {
    let mut obj = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return invalid(
                None,
                "batches are not supported (MCP removed JSON-RPC batching in 2025-06-18): send one message at a time",
            );
        }
        _ => return invalid(None, "a JSON-RPC message must be a JSON object"),
    };
    let id = match obj.get("id") {
        None => None,
        Some(v) => match Id::from_json(v) {
            Some(id) => Some(id),
            None => return invalid(None, "`id` must be a string or an integer"),
        },
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(id, "`jsonrpc` must be \"2.0\"");
    }
    match obj.remove("method") {
        Some(Value::String(method)) => {
            let params = match obj.remove("params") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(p)) => p,
                Some(_) => {
                    return match id {
                        Some(id) => {
                            Incoming::Invalid(ErrorReply::new(Some(id), INVALID_PARAMS, "`params` must be an object"))
                        }
                        None => Incoming::Notification { method, params: Map::new() },
                    };
                }
            };
            match id {
                Some(id) => Incoming::Request { id, method, params },
                None => Incoming::Notification { method, params },
            }
        }
        Some(_) => invalid(id, "`method` must be a string"),
        None => match (id, obj.remove("result"), obj.remove("error")) {
            (Some(id), Some(result), None) => Incoming::Response { id, outcome: Ok(result) },
            (Some(id), None, Some(error)) => Incoming::Response { id, outcome: Err(error) },
            (id, _, _) => {
                invalid(id, "a message needs `method` (a request or notification) or `id` with `result` or `error`")
            }
        },
    }
}

fn invalid(id: Option<Id>, message: &str) -> Incoming {
    Incoming::Invalid(ErrorReply::new(id, INVALID_REQUEST, format!("Invalid Request: {message}")))
}

/// A success response.
pub fn result(id: &Id, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id.to_json(), "result": result })
}

/// A notification.
pub fn notification(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": params })
}

/// A request the server sends to the client.
pub fn request(id: i64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(i: Incoming) -> (Option<Id>, i64) {
        match i {
            Incoming::Invalid(e) => (e.id, e.code),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_a_parse_error_with_a_null_id() {
        assert_eq!(code(parse("{\"jsonrpc\":")), (None, PARSE_ERROR));
        let reply = match parse("nope") {
            Incoming::Invalid(e) => e.to_json(),
            _ => unreachable!(),
        };
        assert_eq!(reply["id"], Value::Null);
    }

    #[test]
    fn invalid_requests_keep_their_id() {
        assert_eq!(code(parse(r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#)), (Some(Id::Num(7)), INVALID_REQUEST));
        assert_eq!(
            code(parse(r#"{"jsonrpc":"2.0","id":"a","method":3}"#)),
            (Some(Id::Str("a".into())), INVALID_REQUEST)
        );
        assert_eq!(code(parse(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)), (None, INVALID_REQUEST));
        assert_eq!(
            code(parse(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#)),
            (Some(Id::Num(1)), INVALID_PARAMS)
        );
        assert_eq!(code(parse(r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#)), (None, INVALID_REQUEST));
    }

    #[test]
    fn requests_notifications_and_responses() {
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Incoming::Request { id: Id::Num(1), .. }
        ));
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Incoming::Notification { .. }
        ));
        assert!(matches!(parse(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#), Incoming::Response { outcome: Ok(_), .. }));
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","id":3,"error":{"code":1}}"#),
            Incoming::Response { outcome: Err(_), .. }
        ));
    }
}
