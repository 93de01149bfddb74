//! `mcp-stdio`: an MCP server on the process's stdin and stdout, as a long-running
//! service (`stdio: process` in the manifest), so `outrigger run examples/mcp.yaml`
//! is the command an AI client launches. Messages are newline-delimited JSON-RPC;
//! nothing but MCP goes to stdout (the host and every component log to stderr).
//! Each message is handled in its own task (crates/mcp-core), so a slow tool blocks
//! neither `ping` nor another call; a single writer task sends what the session
//! queues. At end of stdin, requests in flight still answer (for up to 30 s; each
//! tool call also has its component's own time limit), then `run` returns: the
//! workload ends, as MCP's stdio transport expects.
use futures::StreamExt;
use futures::future::Either;
use mcp_core::{Server, ServerConfig, Session};
use std::rc::Rc;
use wasip3::wit_stream;

/// A line longer than this is refused (parse error) and skipped.
const MAX_LINE: usize = 32 * 1024 * 1024;
/// At end of stdin, how long requests in flight may still finish. A client that
/// pipes a batch and closes stdin expects every answer; one that wants the server
/// gone sooner sends SIGTERM, as the MCP stdio transport says.
const GRACE_MS: u64 = 30_000;

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        let config = ServerConfig::from_env().map_err(|e| eprintln!("mcp-stdio: {e}"))?;
        let server = Server::start(config).await;
        mcp_core::bindings::outrigger::service::lifecycle::ready();
        let (session, mut outbound) = Session::new("stdio");
        let (mut input, input_done) = wasip3::cli::stdin::read_via_stream();
        let (mut output, output_rx) = wit_stream::new();
        let output_done = wasip3::cli::stdout::write_via_stream(output_rx);

        let (ended_tx, ended_rx) = futures::channel::oneshot::channel::<()>();
        let reader = {
            let session = session.clone();
            async move {
                let mut pending: Vec<u8> = Vec::new();
                let mut skipping = false;
                loop {
                    let (status, chunk) = input.read(Vec::with_capacity(64 * 1024)).await;
                    if status == wit_bindgen::StreamResult::Dropped {
                        break;
                    }
                    pending.extend_from_slice(&chunk);
                    let mut start = 0;
                    while let Some(end) = pending[start..].iter().position(|&b| b == b'\n') {
                        let line = &pending[start..start + end];
                        start += end + 1;
                        if std::mem::take(&mut skipping) {
                            continue; // the rest of an over-long line
                        }
                        dispatch(&server, &session, line);
                    }
                    pending.drain(..start);
                    if pending.len() > MAX_LINE {
                        too_long(&session);
                        pending.clear();
                        skipping = true;
                    }
                }
                if !skipping && !pending.is_empty() {
                    dispatch(&server, &session, &pending);
                }
                // The client closed our stdin: requests still running may answer
                // (a piped batch of requests is answered in full), then stop.
                for _ in 0..(GRACE_MS / 10) {
                    if session.in_flight() == 0 {
                        break;
                    }
                    wasip3::clocks::monotonic_clock::wait_for(10_000_000).await;
                }
                session.close();
                let _ = ended_tx.send(());
            }
        };
        let writer = async move {
            let mut ended = std::pin::pin!(ended_rx);
            loop {
                let out = match futures::future::select(outbound.next(), ended.as_mut()).await {
                    Either::Left((Some(out), _)) => out,
                    Either::Left((None, _)) => break,
                    // stdin ended: write what is queued, then stop.
                    Either::Right(_) => {
                        while let Ok(out) = outbound.try_recv() {
                            if !write_line(&mut output, out.message).await {
                                break;
                            }
                        }
                        break;
                    }
                };
                if !write_line(&mut output, out.message).await {
                    break; // stdout closed: the client is gone
                }
            }
        };
        futures::join!(reader, writer);
        let _ = input_done.await;
        let _ = output_done;
        Ok(())
    }
}

async fn write_line(output: &mut wit_bindgen::StreamWriter<u8>, message: String) -> bool {
    let mut line = message.into_bytes();
    line.push(b'\n');
    output.write_all(line).await.is_empty()
}

fn dispatch(server: &Rc<Server>, session: &Rc<Session>, line: &[u8]) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    let text = String::from_utf8_lossy(line).into_owned();
    let (server, session) = (server.clone(), session.clone());
    // Detached: the task lives inside `run`'s Component Model task.
    drop(wit_bindgen::spawn_local(async move { server.handle(&session, &text).await }));
}

fn too_long(session: &Session) {
    let e = mcp_core::jsonrpc::ErrorReply::new(
        None,
        mcp_core::jsonrpc::PARSE_ERROR,
        format!("Parse error: a message longer than {MAX_LINE} bytes was skipped"),
    );
    session.send(&e.to_json(), None);
}

use mcp_core::Client;
mcp_core::export_transport!(Client with_types_in mcp_core::bindings);
wasip3::cli::command::export!(Run);
