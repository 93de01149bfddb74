//! Outgoing HTTP (`wasi:http` 0.2 `outgoing-handler` and 0.3 `client`) under the same
//! deny-by-default `allowedHosts` policy as sockets. wasmtime-wasi-http makes the
//! request on the host, so the socket check never sees it: [`HttpPolicy`] checks the
//! request's authority first and answers a denied request with `HTTP-request-denied`
//! at once (the guest sees an error value, never a hang), logging why.
use crate::engine::net_policy::NetPolicy;
use std::sync::Arc;
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// How long a connection may take when the guest sets no timeout (wasmtime's own
/// default is 600 s, which looks like a hang).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a denied request's body may take to arrive before the denial is sent.
const DRAIN_DENIED: Duration = Duration::from_secs(1);

/// The `wasi:http` hooks of one guest: its name (for the log) and its policy.
pub struct HttpPolicy {
    pub guest: Arc<str>,
    pub net: Arc<NetPolicy>,
}

type ResponseFuture = Box<
    dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>>
        + Send,
>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        drop(fut);
        let (guest, net) = (self.guest.clone(), self.net.clone());
        Box::new(async move {
            use http_body_util::BodyExt;
            let uri = request.uri();
            let host = uri.host().unwrap_or_default().to_string();
            let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            let scheme = uri.scheme_str().unwrap_or("http").to_string();
            if !net.allows_authority(&scheme, &host, port).await {
                tracing::warn!(
                    guest = %guest, %host, port,
                    "outgoing HTTP denied: {host}:{port} is not in this member's allowedHosts (add \"{host}:{port}\" to allow it)"
                );
                // Let the guest finish sending its (small) body first: a client that
                // writes the body before reading the response (wstd does) would
                // otherwise see "connection reset" instead of this denial.
                let _ = tokio::time::timeout(DRAIN_DENIED, request.into_body().collect()).await;
                return Err(Error::HttpRequestDenied);
            }
            let mut options = options.unwrap_or_default();
            options.connect_timeout.get_or_insert(CONNECT_TIMEOUT);
            let request = detach_ignored_body(request);
            let (response, io) = wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

/// hyper sends no body for a GET or HEAD without `content-length` or
/// `transfer-encoding` and drops the body channel at once. A WASI 0.2 client that
/// writes (and finishes) an empty body after starting the request, as wstd does,
/// then races that drop and sometimes fails with "connection reset" although the
/// request went through. Such a body is read here to its end instead, so the
/// guest's writes always land.
fn detach_ignored_body(request: http::Request<WasiBody>) -> http::Request<WasiBody> {
    use http_body_util::BodyExt;
    let ignored = matches!(*request.method(), http::Method::GET | http::Method::HEAD)
        && !request.headers().contains_key(http::header::CONTENT_LENGTH)
        && !request.headers().contains_key(http::header::TRANSFER_ENCODING);
    if !ignored {
        return request;
    }
    let (parts, body) = request.into_parts();
    tokio::spawn(async move {
        let _ = body.collect().await;
    });
    let empty = http_body_util::Empty::new().map_err(|never: std::convert::Infallible| match never {}).boxed_unsync();
    http::Request::from_parts(parts, empty)
}
