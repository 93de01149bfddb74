//! Request-reply over ONE wildcard inbox subscription (`<prefix>.<random>.*`): each
//! request gets the reply subject `<prefix>.<random>.<n>`, and the driver routes
//! replies by `n`. A request completes when `max_replies` arrived, at its deadline
//! (with what arrived; an error if nothing did), or at once on a no-responders
//! status (503).
use crate::error::{Error, Result};
use crate::subscriber::Message;
use futures::channel::oneshot;
use rand::Rng;
use std::collections::HashMap;
use std::time::Duration;
use watermelon_proto::{StatusCode, Subject};

struct Pending {
    subject: String,
    timeout: Duration,
    max: usize,
    replies: Vec<Message>,
    tx: oneshot::Sender<Result<Vec<Message>>>,
}

pub(crate) struct Inbox {
    /// `<prefix>.<random>.`
    pub prefix: String,
    /// The wildcard subscription's sid, once the first request made it.
    pub sid: Option<u64>,
    next_token: u64,
    pending: HashMap<u64, Pending>,
}

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` random base-62 characters.
pub(crate) fn random_token(rng: &mut impl Rng, n: usize) -> String {
    (0..n).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

impl Inbox {
    pub(crate) fn new(prefix: &str, rng: &mut impl Rng) -> Inbox {
        Inbox {
            prefix: format!("{prefix}.{}.", random_token(rng, 22)),
            sid: None,
            next_token: 1,
            pending: HashMap::new(),
        }
    }

    /// The wildcard subject the inbox subscribes to.
    pub(crate) fn wildcard(&self) -> Subject {
        Subject::from_dangerous_value(format!("{}*", self.prefix).into())
    }

    /// Registers a request; returns its token and reply subject.
    pub(crate) fn register(
        &mut self,
        subject: &str,
        timeout: Duration,
        max: usize,
        tx: oneshot::Sender<Result<Vec<Message>>>,
    ) -> (u64, Subject) {
        let token = self.next_token;
        self.next_token += 1;
        let p = Pending { subject: subject.to_string(), timeout, max: max.max(1), replies: Vec::new(), tx };
        self.pending.insert(token, p);
        (token, Subject::from_dangerous_value(format!("{}{token}", self.prefix).into()))
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    pub(crate) fn contains(&self, token: u64) -> bool {
        self.pending.contains_key(&token)
    }

    /// A fresh subject outside the wildcard (`<prefix>.<random>_<n>`), for callers
    /// that subscribe to replies themselves.
    pub(crate) fn unique_subject(&mut self) -> String {
        let n = self.next_token;
        self.next_token += 1;
        format!("{}_{n}", self.prefix.trim_end_matches('.'))
    }

    /// Forgets a request whose message could not be sent.
    pub(crate) fn cancel(&mut self, token: u64) {
        self.pending.remove(&token);
    }

    /// Routes a message that arrived on the inbox subscription.
    pub(crate) fn deliver(&mut self, m: Message) {
        let Some(token) = m.subject.strip_prefix(self.prefix.as_str()).and_then(|t| t.parse::<u64>().ok()) else {
            return;
        };
        let Some(p) = self.pending.get_mut(&token) else { return };
        if m.status == Some(StatusCode::NO_RESPONDERS) {
            let p = self.pending.remove(&token).expect("present");
            let r = if p.replies.is_empty() { Err(Error::NoResponders { subject: p.subject }) } else { Ok(p.replies) };
            let _ = p.tx.send(r);
            return;
        }
        if p.tx.is_canceled() {
            self.pending.remove(&token);
            return;
        }
        p.replies.push(m);
        if p.replies.len() >= p.max {
            let p = self.pending.remove(&token).expect("present");
            let _ = p.tx.send(Ok(p.replies));
        }
    }

    /// The request's deadline passed: complete it with what arrived.
    pub(crate) fn expire(&mut self, token: u64) {
        if let Some(p) = self.pending.remove(&token) {
            let r = if p.replies.is_empty() {
                Err(Error::RequestTimeout { subject: p.subject, after: p.timeout })
            } else {
                Ok(p.replies)
            };
            let _ = p.tx.send(r);
        }
    }

    pub(crate) fn fail_all(&mut self, err: &Error) {
        for (_, p) in self.pending.drain() {
            let _ = p.tx.send(Err(err.clone()));
        }
    }
}
