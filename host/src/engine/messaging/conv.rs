//! Messages as plain values, in the shapes the WIT records have: the bridge's
//! `outrigger:messaging/types.msg`, wasmCloud's `broker-message`, and the plain form of
//! the host's `message` data resource (`msg` plus the bridge it came through). The
//! dynamic `Val` API is used because these values cross to other instances through
//! the host's generic call path.
use super::bindings::wasi::messaging::types::Error;
use super::types::Message;
use wasmtime::component::Val;

pub fn bytes(b: &[u8]) -> Val {
    Val::List(b.iter().map(|x| Val::U8(*x)).collect())
}

fn opt_string(s: Option<String>) -> Val {
    Val::Option(s.map(|s| Box::new(Val::String(s))))
}

fn pairs(p: Vec<(String, String)>) -> Val {
    Val::List(p.into_iter().map(|(k, v)| Val::Tuple(vec![Val::String(k), Val::String(v)])).collect())
}

/// The named fields of a record value.
struct Fields(Vec<(String, Val)>);

impl Fields {
    fn of(v: Val, what: &str) -> Result<Fields, String> {
        match v {
            Val::Record(f) => Ok(Fields(f)),
            other => Err(format!("{what}: expected a record, got {other:?}")),
        }
    }
    fn take(&mut self, name: &str) -> Option<Val> {
        let i = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.swap_remove(i).1)
    }
    fn string(&mut self, name: &str) -> Result<String, String> {
        match self.take(name) {
            Some(Val::String(s)) => Ok(s),
            other => Err(format!("field `{name}`: expected a string, got {other:?}")),
        }
    }
    fn opt_string(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.take(name) {
            Some(Val::Option(None)) | None => Ok(None),
            Some(Val::Option(Some(s))) => match *s {
                Val::String(s) => Ok(Some(s)),
                other => Err(format!("field `{name}`: expected a string, got {other:?}")),
            },
            other => Err(format!("field `{name}`: expected an option, got {other:?}")),
        }
    }
    fn bytes(&mut self, name: &str) -> Result<Vec<u8>, String> {
        match self.take(name) {
            Some(Val::List(l)) => l
                .into_iter()
                .map(|b| match b {
                    Val::U8(b) => Ok(b),
                    other => Err(format!("field `{name}`: expected bytes, got {other:?}")),
                })
                .collect(),
            other => Err(format!("field `{name}`: expected a list<u8>, got {other:?}")),
        }
    }
    fn pairs(&mut self, name: &str) -> Result<Vec<(String, String)>, String> {
        match self.take(name) {
            None => Ok(Vec::new()),
            Some(Val::List(l)) => l
                .into_iter()
                .map(|t| match t {
                    Val::Tuple(mut kv) if kv.len() == 2 => match (kv.remove(0), kv.remove(0)) {
                        (Val::String(k), Val::String(v)) => Ok((k, v)),
                        other => Err(format!("field `{name}`: expected string pairs, got {other:?}")),
                    },
                    other => Err(format!("field `{name}`: expected string pairs, got {other:?}")),
                })
                .collect(),
            other => Err(format!("field `{name}`: expected a list, got {other:?}")),
        }
    }
}

/// The plain form of the `message` data resource.
pub fn message_plain(m: Message) -> Val {
    Val::Record(vec![
        ("subject".into(), opt_string(m.subject)),
        ("data".into(), bytes(&m.data)),
        ("content-type".into(), opt_string(m.content_type)),
        ("metadata".into(), pairs(m.metadata)),
        ("reply-to".into(), opt_string(m.reply_to)),
        ("via".into(), opt_string(m.via)),
    ])
}

pub fn message_from_plain(v: Val) -> Result<Message, String> {
    let mut f = Fields::of(v, "a message")?;
    Ok(Message {
        subject: f.opt_string("subject")?,
        data: f.bytes("data")?,
        content_type: f.opt_string("content-type")?,
        metadata: f.pairs("metadata")?,
        reply_to: f.opt_string("reply-to")?,
        via: f.opt_string("via")?,
    })
}

/// The bridge's `msg` record for `m`, sent to `subject`.
pub fn to_bridge(m: Message, subject: String) -> Val {
    Val::Record(vec![
        ("subject".into(), Val::String(subject)),
        ("data".into(), bytes(&m.data)),
        ("content-type".into(), opt_string(m.content_type)),
        ("metadata".into(), pairs(m.metadata)),
        ("reply-to".into(), opt_string(m.reply_to)),
    ])
}

/// A bridge `msg` as a host message that came through `via`.
pub fn from_bridge(v: Val, via: &str) -> Result<Message, String> {
    let mut f = Fields::of(v, "a bridge message")?;
    Ok(Message {
        subject: Some(f.string("subject")?),
        data: f.bytes("data")?,
        content_type: f.opt_string("content-type")?,
        metadata: f.pairs("metadata")?,
        reply_to: f.opt_string("reply-to")?,
        via: Some(via.to_string()),
    })
}

/// wasmCloud's `broker-message { subject, body, reply-to }`.
pub fn broker_message(m: Message) -> Val {
    Val::Record(vec![
        ("subject".into(), Val::String(m.subject.unwrap_or_default())),
        ("body".into(), bytes(&m.data)),
        ("reply-to".into(), opt_string(m.reply_to)),
    ])
}

/// The bridge's `error` variant as `wasi:messaging`'s.
pub fn error(v: Val) -> Error {
    let text = |p: Option<Box<Val>>| match p.map(|b| *b) {
        Some(Val::String(s)) => s,
        other => format!("{other:?}"),
    };
    match v {
        Val::Variant(case, payload) => match case.as_str() {
            "timeout" => Error::Timeout,
            "connection" => Error::Connection(text(payload)),
            "permission-denied" => Error::PermissionDenied(text(payload)),
            _ => Error::Other(text(payload)),
        },
        other => Error::Other(format!("the bridge answered {other:?}")),
    }
}

/// A `result<T, E>` value split into its payloads.
pub fn result(v: Val) -> Result<Option<Val>, Option<Val>> {
    match v {
        Val::Result(Ok(p)) => Ok(p.map(|b| *b)),
        Val::Result(Err(p)) => Err(p.map(|b| *b)),
        other => Err(Some(Val::String(format!("expected a result, got {other:?}")))),
    }
}
