//! [`Headers`]: NATS message headers, in order, with repeated names allowed. Our own
//! type because watermelon-proto 0.2's `HeaderMap` has no public way to list its
//! entries (only `get` by a known name), and a bridge must pass every header on.
//! Outgoing headers are checked and encoded through watermelon's `HeaderMap`;
//! incoming header blocks are read here (`parse_block`).
use crate::error::{Error, Result};
use watermelon_proto::headers::{HeaderMap, HeaderName, HeaderValue};

/// Message headers: `(name, value)` pairs in order. Names compare ignoring ASCII
/// case in [`get`](Headers::get); they are sent as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

/// The header that makes JetStream drop duplicates of a message (within the
/// stream's duplicate window).
pub const MSG_ID: &str = "Nats-Msg-Id";

impl Headers {
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Sets `name` to `value`, replacing any earlier values of `name`.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Headers {
        let name = name.into();
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.entries.push((name, value.into()));
        self
    }

    /// Adds a value for `name`, keeping earlier ones.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Headers {
        self.entries.push((name.into(), value.into()));
        self
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.entries.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn remove(&mut self, name: &str) {
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Every `(name, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes these headers take in a message (counted against `max_payload`).
    pub(crate) fn wire_len(&self) -> usize {
        if self.entries.is_empty() {
            return 0;
        }
        // "NATS/1.0\r\n" + "name: value\r\n"... + "\r\n"
        10 + self.entries.iter().map(|(n, v)| n.len() + 2 + v.len() + 2).sum::<usize>() + 2
    }

    /// Checks every name and value and converts for the encoder.
    pub(crate) fn to_map(&self) -> Result<HeaderMap> {
        let mut map = HeaderMap::new();
        for (n, v) in &self.entries {
            let name = HeaderName::try_from(n.clone()).map_err(|e| Error::input("header name", n, e))?;
            let value = HeaderValue::try_from(v.clone()).map_err(|e| Error::input("header value", v, e))?;
            map.append(name, value);
        }
        Ok(map)
    }

    /// Reads the header block of an HMSG (`NATS/1.0[ status]\r\n(name: value\r\n)*\r\n`),
    /// skipping the status line.
    pub(crate) fn parse_block(block: &[u8]) -> Headers {
        let text = String::from_utf8_lossy(block);
        let entries = text
            .split("\r\n")
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        Headers { entries }
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Headers {
        Headers { entries: iter.into_iter().map(|(n, v)| (n.into(), v.into())).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut h: Headers = [("Nats-Msg-Id", "1"), ("X", "a")].into_iter().collect();
        h.append("x", "b");
        assert_eq!(h.get_all("X").collect::<Vec<_>>(), ["a", "b"]);
        h.insert("nats-msg-id", "2");
        assert_eq!(h.get(MSG_ID), Some("2"));
        assert_eq!(h.to_map().unwrap().len(), 3);
        let block = b"NATS/1.0 503 No Responders\r\nA: 1\r\nB: two words\r\n\r\n";
        let p = Headers::parse_block(block);
        assert_eq!(p.iter().collect::<Vec<_>>(), [("A", "1"), ("B", "two words")]);
        assert!(Headers::from_iter([("bad:name", "v")]).to_map().is_err());
    }
}
