//! The data behind `wasi:messaging`'s resources, owned by the host in each
//! component's own store, and their methods (no hop to the bridge per accessor).
//! A `message` is a data resource: when it crosses to another member (delivered to
//! a fresh handler instance, say) its data moves as a plain value (`conv.rs`).
use super::bindings::wasi::messaging::request_reply;
use super::bindings::wasi::messaging::types::{self as wit, Error, Metadata, Topic};
use crate::engine::ctx::Ctx;
use crate::engine::data::DataResource;
use wasmtime::component::{Resource, Val};

/// A message: payload, subject, content type, headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    /// Where it arrived (none for a message a component built).
    pub subject: Option<String>,
    pub data: Vec<u8>,
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    /// Where replies go (the NATS reply subject).
    pub reply_to: Option<String>,
    /// The bridge it came through; replies go back the same way.
    pub via: Option<String>,
}

/// A `client`: which bridge service the component talks through (its position in
/// the workload's wiring, resolved once at `connect`).
#[derive(Debug, Clone)]
pub struct Client {
    pub bridge: usize,
}

/// `request-options`.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub timeout_ms: Option<u32>,
    pub expected_replies: Option<u32>,
}

impl DataResource for Message {
    fn into_plain(self) -> Val {
        super::conv::message_plain(self)
    }
    fn to_plain(&self) -> Val {
        super::conv::message_plain(self.clone())
    }
    fn from_plain(plain: Val) -> Result<Self, String> {
        super::conv::message_from_plain(plain)
    }
}

fn gone<T>(e: wasmtime::component::ResourceTableError) -> wasmtime::Error {
    wasmtime::format_err!(
        "{e}: the {} handle is no longer valid",
        std::any::type_name::<T>().rsplit("::").next().unwrap_or("resource")
    )
}

impl Ctx {
    fn message(&mut self, m: &Resource<Message>) -> wasmtime::Result<&mut Message> {
        self.table.get_mut(m).map_err(gone::<Message>)
    }
}

impl wit::Host for Ctx {}

impl wit::HostClient for Ctx {
    fn connect(&mut self, name: String) -> wasmtime::Result<Result<Resource<Client>, Error>> {
        match super::producer::bridge(&self.wiring, &name) {
            Ok(bridge) => Ok(Ok(self.table.push(Client { bridge })?)),
            Err(why) => Ok(Err(Error::Connection(why))),
        }
    }
    fn disconnect(&mut self, _c: Resource<Client>) -> wasmtime::Result<Result<(), Error>> {
        // The connection belongs to the bridge service and outlives this component.
        Ok(Ok(()))
    }
    fn drop(&mut self, c: Resource<Client>) -> wasmtime::Result<()> {
        self.table.delete(c).map_err(gone::<Client>)?;
        Ok(())
    }
}

impl wit::HostMessage for Ctx {
    fn new(&mut self, data: Vec<u8>) -> wasmtime::Result<Resource<Message>> {
        Ok(self.table.push(Message { data, ..Message::default() })?)
    }
    fn topic(&mut self, m: Resource<Message>) -> wasmtime::Result<Option<Topic>> {
        Ok(self.message(&m)?.subject.clone())
    }
    fn content_type(&mut self, m: Resource<Message>) -> wasmtime::Result<Option<String>> {
        Ok(self.message(&m)?.content_type.clone())
    }
    fn set_content_type(&mut self, m: Resource<Message>, content_type: String) -> wasmtime::Result<()> {
        self.message(&m)?.content_type = Some(content_type);
        Ok(())
    }
    fn data(&mut self, m: Resource<Message>) -> wasmtime::Result<Vec<u8>> {
        Ok(self.message(&m)?.data.clone())
    }
    fn set_data(&mut self, m: Resource<Message>, data: Vec<u8>) -> wasmtime::Result<()> {
        self.message(&m)?.data = data;
        Ok(())
    }
    fn metadata(&mut self, m: Resource<Message>) -> wasmtime::Result<Option<Metadata>> {
        let meta = &self.message(&m)?.metadata;
        Ok((!meta.is_empty()).then(|| meta.clone()))
    }
    fn add_metadata(&mut self, m: Resource<Message>, key: String, value: String) -> wasmtime::Result<()> {
        let meta = &mut self.message(&m)?.metadata;
        meta.retain(|(k, _)| *k != key);
        meta.push((key, value));
        Ok(())
    }
    fn set_metadata(&mut self, m: Resource<Message>, meta: Metadata) -> wasmtime::Result<()> {
        self.message(&m)?.metadata = meta;
        Ok(())
    }
    fn remove_metadata(&mut self, m: Resource<Message>, key: String) -> wasmtime::Result<()> {
        self.message(&m)?.metadata.retain(|(k, _)| *k != key);
        Ok(())
    }
    fn drop(&mut self, m: Resource<Message>) -> wasmtime::Result<()> {
        self.table.delete(m).map_err(gone::<Message>)?;
        Ok(())
    }
}

impl request_reply::HostRequestOptions for Ctx {
    fn new(&mut self) -> wasmtime::Result<Resource<RequestOptions>> {
        Ok(self.table.push(RequestOptions::default())?)
    }
    fn set_timeout_ms(&mut self, o: Resource<RequestOptions>, timeout_ms: u32) -> wasmtime::Result<()> {
        self.table.get_mut(&o).map_err(gone::<RequestOptions>)?.timeout_ms = Some(timeout_ms);
        Ok(())
    }
    fn set_expected_replies(&mut self, o: Resource<RequestOptions>, n: u32) -> wasmtime::Result<()> {
        self.table.get_mut(&o).map_err(gone::<RequestOptions>)?.expected_replies = Some(n);
        Ok(())
    }
    fn drop(&mut self, o: Resource<RequestOptions>) -> wasmtime::Result<()> {
        self.table.delete(o).map_err(gone::<RequestOptions>)?;
        Ok(())
    }
}
