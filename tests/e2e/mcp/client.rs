//! The test client: rmcp with a handler that answers elicitation, sampling and
//! roots the way a user and a model would, and records progress and log
//! notifications; plus how to start `outrigger run` on a manifest under either
//! revision.
// Sampling, roots and logging are deprecated in 2026-07-28 (SEP-2577) but served:
// 2025-11-25 clients use them.
#![allow(deprecated)]
use rmcp::model::{
    ClientCapabilities, ClientConfig, CreateMessageRequestParams, CreateMessageResult, ElicitRequestParams,
    ElicitResult, ElicitationAction, Implementation, ListRootsResult, LoggingMessageNotificationParam,
    ProgressNotificationParam, ProtocolVersion, Root, SamplingMessage,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, NotificationContext, RequestContext, RoleClient, RunningService,
};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ErrorData, ServiceExt};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub type Client = RunningService<RoleClient, TestClient>;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Revision {
    /// `initialize`, sessions, server → client requests.
    Session,
    /// Stateless: `server/discover`, `_meta` on every request, input-required results.
    Stateless,
}

pub const BOTH: [Revision; 2] = [Revision::Session, Revision::Stateless];

/// What the client saw besides responses.
#[derive(Default)]
pub struct Seen {
    pub progress: Vec<ProgressNotificationParam>,
    pub logs: Vec<LoggingMessageNotificationParam>,
    pub elicitations: usize,
    pub samplings: usize,
}

#[derive(Clone, Default)]
pub struct TestClient {
    pub seen: Arc<Mutex<Seen>>,
}

impl ClientHandler for TestClient {
    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _ctx: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        self.seen.lock().unwrap().samplings += 1;
        let asked = serde_json::to_string(&params.messages).unwrap_or_default();
        let answer = if asked.contains("Summarize") { "A short summary." } else { "Something else." };
        Ok(CreateMessageResult::new(SamplingMessage::assistant_text(answer), "test-model".into())
            .with_stop_reason("endTurn"))
    }

    async fn create_elicitation(
        &self,
        _request: ElicitRequestParams,
        _ctx: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.seen.lock().unwrap().elicitations += 1;
        Ok(ElicitResult::new(ElicitationAction::Accept).with_content(serde_json::json!({ "name": "Ada" })))
    }

    async fn list_roots(&self, _ctx: RequestContext<RoleClient>) -> Result<ListRootsResult, ErrorData> {
        Ok(ListRootsResult::new(vec![Root::new("file:///work/project")]))
    }

    async fn on_progress(&self, params: ProgressNotificationParam, _ctx: NotificationContext<RoleClient>) {
        self.seen.lock().unwrap().progress.push(params);
    }

    async fn on_logging_message(&self, params: LoggingMessageNotificationParam, _ctx: NotificationContext<RoleClient>) {
        self.seen.lock().unwrap().logs.push(params);
    }

    fn get_info(&self) -> ClientConfig {
        let caps: ClientCapabilities = serde_json::from_value(
            serde_json::json!({ "elicitation": {}, "sampling": {}, "roots": { "listChanged": true } }),
        )
        .unwrap();
        ClientConfig::new(caps, Implementation::new("outrigger-e2e", "1.0.0"))
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }
}

pub use crate::common::repo;

/// `outrigger run <manifest>` with stdin/stdout as the MCP transport.
pub fn command(manifest: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_outrigger"));
    cmd.arg("run").arg(manifest).env("RUST_LOG", "warn");
    cmd
}

/// Connects rmcp to `outrigger run <manifest>` over stdio under `revision`.
pub async fn connect(manifest: &Path, revision: Revision) -> (Client, TestClient) {
    let (transport, _stderr) = TokioChildProcess::builder(command(manifest))
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start outrigger run");
    serve(transport, revision).await
}

/// Connects rmcp to a streamable-HTTP endpoint under `revision`.
pub async fn connect_http(url: &str, revision: Revision) -> (Client, TestClient) {
    serve(rmcp::transport::StreamableHttpClientTransport::from_uri(url.to_string()), revision).await
}

async fn serve<T, E, A>(transport: T, revision: Revision) -> (Client, TestClient)
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let handler = TestClient::default();
    let client = match revision {
        Revision::Session => handler.clone().serve(transport).await.expect("initialize"),
        Revision::Stateless => {
            let mode = ClientLifecycleMode::Discover { preferred_versions: vec![ProtocolVersion::V_2026_07_28] };
            handler.clone().serve_with_lifecycle(transport, mode).await.expect("server/discover")
        }
    };
    (client, handler)
}
