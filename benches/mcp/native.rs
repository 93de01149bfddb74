//! The native baseline: an rmcp server with the same two tools as the workload
//! (`echo`, and `pythagorean` computing sqrt(a² + b²) with the same output: the
//! number as text plus `{"hypotenuse": ...}` as structured content), served over
//! stdio or streamable HTTP (hyper). It runs in a child process: the bench binary
//! re-executes itself with OUTRIGGER_BENCH_ROLE=native-stdio | native-http:<port>.
use rmcp::handler::server::common::schema_for_output;
use rmcp::handler::server::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const ROLE: &str = "OUTRIGGER_BENCH_ROLE";
/// What the HTTP role prints on stderr once it accepts connections.
pub const LISTENING: &str = "native-http: listening on";

#[derive(Clone)]
pub struct Native {
    tool_router: ToolRouter<Self>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct EchoArgs {
    text: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Legs {
    a: f64,
    b: f64,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Hypotenuse {
    hypotenuse: f64,
}

#[tool_router]
impl Native {
    pub fn new() -> Self {
        Native { tool_router: Self::tool_router() }
    }

    #[tool(description = "Returns its text.")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }

    #[tool(
        title = "Hypotenuse",
        description = "The length of the hypotenuse of a right triangle with legs a and b: sqrt(a² + b²).",
        output_schema = schema_for_output::<Hypotenuse>()
    )]
    fn pythagorean(&self, Parameters(Legs { a, b }): Parameters<Legs>) -> CallToolResult {
        let hypotenuse = (a * a + b * b).sqrt();
        let mut r = CallToolResult::success(vec![ContentBlock::text(hypotenuse.to_string())]);
        r.structured_content = Some(serde_json::to_value(Hypotenuse { hypotenuse }).unwrap());
        r
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Native {}

/// Runs the role named in OUTRIGGER_BENCH_ROLE until the client goes away (stdio) or
/// the parent kills the process (HTTP). A multi-thread runtime with one worker per
/// CPU and mimalloc, like the `outrigger` binary.
pub fn serve(role: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        if role == "native-stdio" {
            let server = Native::new().serve(rmcp::transport::stdio()).await.expect("native: initialize");
            let _ = server.waiting().await;
        } else if let Some(port) = role.strip_prefix("native-http:") {
            http(port.parse().expect("native-http:<port>")).await;
        } else {
            panic!("unknown {ROLE} `{role}`");
        }
    });
}

async fn http(port: u16) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::service::TowerToHyperService;
    // Sessions for 2025-11-25 (rmcp's default), stateless 2026-07-28 requests
    // answered with one JSON body, as the workload's mcp-http service does.
    let config = StreamableHttpServerConfig::default().with_json_response(true);
    let service = StreamableHttpService::new(|| Ok(Native::new()), Arc::new(LocalSessionManager::default()), config);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("native-http: bind");
    eprintln!("{LISTENING} 127.0.0.1:{port}");
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let svc = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
