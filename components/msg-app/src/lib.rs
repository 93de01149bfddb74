//! `msg-app`: a reactive component written against the standard
//! `wasi:messaging@0.2.0-draft`, nothing outrigger-specific. Its `message` and
//! `client` handles live in its own store (the host serves them); sending goes
//! through the workload's NATS bridge service.
//!
//! As a handler (`incoming-handler`), it answers requests with `echo: <body>`,
//! returns an error for the body `fail`, traps for `trap`, sleeps `slow:<ms>`
//! milliseconds first, and announces every message it handled on `seen.<subject>`
//! (with the original headers), so tests can watch it work.
wit_bindgen::generate!({
    path: "../../wit/messaging-examples",
    world: "wasi-app",
    generate_all,
});

use exports::outrigger::messaging_examples::driver;
use exports::wasi::messaging::incoming_handler;
use wasi::messaging::types::{Client, Error, Message};
use wasi::messaging::{producer, request_reply};

fn client() -> Result<Client, String> {
    Client::connect("").map_err(|e| format!("connect: {e:?}"))
}

fn text(e: Error) -> String {
    match e {
        Error::Timeout => "timeout".into(),
        Error::Connection(s) => format!("connection: {s}"),
        Error::PermissionDenied(s) => format!("permission denied: {s}"),
        Error::Other(s) => s,
    }
}

struct App;

impl driver::Guest for App {
    fn publish(subject: String, body: String, headers: Vec<(String, String)>) -> Result<(), String> {
        let m = Message::new(body.as_bytes());
        for (k, v) in headers {
            if k.eq_ignore_ascii_case("content-type") {
                m.set_content_type(&v);
            } else {
                m.add_metadata(&k, &v);
            }
        }
        producer::send(&client()?, &subject, m).map_err(text)
    }

    fn request(subject: String, body: String, timeout_ms: u32, expected: u32) -> Result<Vec<String>, String> {
        let options = request_reply::RequestOptions::new();
        options.set_timeout_ms(timeout_ms);
        options.set_expected_replies(expected);
        let m = Message::new(body.as_bytes());
        let replies = request_reply::request(&client()?, &subject, &m, Some(options)).map_err(text)?;
        Ok(replies.iter().map(|r| String::from_utf8_lossy(&r.data()).into_owned()).collect())
    }

    fn publish_many(subject: String, count: u32, size: u32) -> Result<u32, String> {
        let c = client()?;
        let body = vec![b'x'; size as usize];
        for i in 0..count {
            producer::send(&c, &subject, Message::new(&body)).map_err(|e| format!("message {i}: {}", text(e)))?;
        }
        Ok(count)
    }
}

impl incoming_handler::Guest for App {
    fn handle(message: Message) -> Result<(), Error> {
        let subject = message.topic().unwrap_or_default();
        let body = String::from_utf8_lossy(&message.data()).into_owned();
        if let Some(ms) = body.strip_prefix("slow:").and_then(|ms| ms.parse::<u64>().ok()) {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        match body.as_str() {
            "fail" => return Err(Error::Other(format!("refused `{subject}` on purpose"))),
            "trap" => panic!("trapping on purpose for `{subject}`"),
            _ => {}
        }
        let c = Client::connect("").map_err(|e| Error::Connection(format!("{e:?}")))?;
        let seen = Message::new(body.as_bytes());
        if let Some(meta) = message.metadata() {
            seen.set_metadata(&meta);
        }
        if let Some(ct) = message.content_type() {
            seen.set_content_type(&ct);
        }
        producer::send(&c, &format!("seen.{subject}"), seen)?;
        // A request (it has a reply-to) gets an answer; a plain message does not.
        let reply = Message::new(format!("echo: {body}").as_bytes());
        match request_reply::reply(&message, reply) {
            Ok(()) | Err(Error::Other(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

export!(App);
