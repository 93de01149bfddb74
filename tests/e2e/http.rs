//! Outgoing HTTP (`wasi:http` 0.2 through the wstd client, 0.3 through
//! `client.send`): a request to a local HTTP server started by the test goes
//! through when `allowedHosts` lists it, and is refused at once, with a clear error,
//! when it does not (a denial that hung instead would trip the test runner's
//! timeout).
use crate::common::{start, string_result};
use outrigger::Val;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A local HTTP/1.1 server answering every request with `hello <path>`; returns its
/// port and a receiver of the request lines it saw.
pub(crate) async fn http_server() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                // A chunked request body (what hyper sends when the guest streams
                // one) is read to its end before answering, as real servers do.
                if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
                    while !buf.ends_with(b"0\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                }
                let line = head.lines().next().unwrap_or_default().to_string();
                let path = line.split(' ').nth(1).unwrap_or("?").to_string();
                let _ = tx.send(line);
                let body = format!("hello {path}");
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    (port, rx)
}

fn manifest(allowed: &str) -> String {
    format!(
        r#"
metadata: {{ name: http-test }}
spec:
  components:
    - name: fetch
      component: "{{wasm}}/http_fetch.wasm"
      allowedHosts: [{allowed}]
    - name: fetch3
      component: "{{wasm}}/http_fetch_p3.wasm"
      allowedHosts: [{allowed}]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_http_reaches_an_allowed_server() {
    let (port, mut seen) = http_server().await;
    let (w, _m) = start(&manifest(&format!("\"127.0.0.1:{port}\""))).await;
    let url = Val::String(format!("http://127.0.0.1:{port}/p2?x=1"));
    let got = string_result(w.invoke("fetch", "get", &[url]).await.unwrap());
    assert_eq!(got.as_deref(), Ok("200 hello /p2?x=1"));
    assert_eq!(seen.recv().await.unwrap(), "GET /p2?x=1 HTTP/1.1");
    let args = [Val::String(format!("127.0.0.1:{port}")), Val::String("/p3".into())];
    let got = string_result(w.invoke("fetch3", "get", &args).await.unwrap());
    assert_eq!(got.as_deref(), Ok("200 hello /p3"));
    assert_eq!(seen.recv().await.unwrap(), "GET /p3 HTTP/1.1");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_http_outside_allowed_hosts_is_refused_at_once() {
    let (port, mut seen) = http_server().await;
    // Another port of the same host is allowed; this one is not.
    let (w, _m) = start(&manifest(&format!("\"127.0.0.1:{}\"", port.wrapping_add(1)))).await;
    let url = Val::String(format!("http://127.0.0.1:{port}/secret"));
    let err = string_result(w.invoke("fetch", "get", &[url]).await.unwrap()).unwrap_err();
    assert!(err.contains("HttpRequestDenied"), "{err}");
    let args = [Val::String(format!("localhost:{port}")), Val::String("/secret".into())];
    let err = string_result(w.invoke("fetch3", "get", &args).await.unwrap()).unwrap_err();
    assert!(err.contains("HttpRequestDenied"), "{err}");
    assert!(seen.try_recv().is_err(), "the server must not have been reached");
    w.shutdown().await;
    // No allowedHosts at all: denied too.
    let (w, _m) = start(&manifest("")).await;
    let url = Val::String(format!("http://127.0.0.1:{port}/"));
    assert!(string_result(w.invoke("fetch", "get", &[url]).await.unwrap()).unwrap_err().contains("HttpRequestDenied"));
    w.shutdown().await;
}
