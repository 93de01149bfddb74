//! `wc-app`: a component written for wasmCloud. It imports only
//! `wasmcloud:messaging/consumer@0.2.0` (which outrigger links straight to the NATS
//! bridge service) and exports `wasmcloud:messaging/handler@0.2.0`: requests are
//! answered with `wc: <body>` on their reply subject; the body `fail` is an error.
wit_bindgen::generate!({
    path: "../../wit/messaging-examples",
    world: "wasmcloud-app",
    generate_all,
});

use exports::outrigger::messaging_examples::driver;
use exports::wasmcloud::messaging::handler;
use wasmcloud::messaging::consumer;
use wasmcloud::messaging::types::BrokerMessage;

struct App;

impl driver::Guest for App {
    fn publish(subject: String, body: String, _headers: Vec<(String, String)>) -> Result<(), String> {
        consumer::publish(&BrokerMessage { subject, body: body.into_bytes(), reply_to: None })
    }

    fn request(subject: String, body: String, timeout_ms: u32, _expected: u32) -> Result<Vec<String>, String> {
        let reply = consumer::request(&subject, body.as_bytes(), timeout_ms)?;
        Ok(vec![String::from_utf8_lossy(&reply.body).into_owned()])
    }

    fn publish_many(subject: String, count: u32, size: u32) -> Result<u32, String> {
        let body = vec![b'x'; size as usize];
        for i in 0..count {
            let m = BrokerMessage { subject: subject.clone(), body: body.clone(), reply_to: None };
            consumer::publish(&m).map_err(|e| format!("message {i}: {e}"))?;
        }
        Ok(count)
    }
}

impl handler::Guest for App {
    fn handle_message(msg: BrokerMessage) -> Result<(), String> {
        let body = String::from_utf8_lossy(&msg.body).into_owned();
        if body == "fail" {
            return Err(format!("refused `{}` on purpose", msg.subject));
        }
        consumer::publish(&BrokerMessage {
            subject: format!("seen.{}", msg.subject),
            body: msg.body.clone(),
            reply_to: None,
        })?;
        if let Some(reply_to) = msg.reply_to {
            consumer::publish(&BrokerMessage {
                subject: reply_to,
                body: format!("wc: {body}").into_bytes(),
                reply_to: None,
            })?;
        }
        Ok(())
    }
}

export!(App);
