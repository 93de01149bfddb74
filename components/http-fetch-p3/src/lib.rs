//! `http-fetch-p3` test component (WASI 0.3): `get(authority, path)` sends an HTTP
//! GET with `wasi:http/client@0.3` from an `async` export and returns
//! `"<status> <body>"`, or the error code the host answered with.
wit_bindgen::generate!({
    inline: "
        package outrigger:fixtures@0.1.0;
        interface fetch-p3 {
            get: async func(authority: string, path: string) -> result<string, string>;
        }
        world http-fetch-p3 {
            export fetch-p3;
        }
    ",
});

use wasip3::http::types::{Fields, Method, Request, Response, Scheme};
use wasip3::wit_future;

struct Fetch;

impl exports::outrigger::fixtures::fetch_p3::Guest for Fetch {
    async fn get(authority: String, path: String) -> Result<String, String> {
        let (_, trailers) = wit_future::new(|| Ok(None));
        let (request, _sent) = Request::new(Fields::new(), None, trailers, None);
        request.set_method(&Method::Get).map_err(|_| "method")?;
        request.set_scheme(Some(&Scheme::Http)).map_err(|_| "scheme")?;
        request.set_authority(Some(&authority)).map_err(|_| "authority")?;
        request.set_path_with_query(Some(&path)).map_err(|_| "path")?;
        let response = wasip3::http::client::send(request).await.map_err(|e| format!("{e:?}"))?;
        let status = response.get_status_code();
        let (_, done) = wit_future::new(|| Ok(()));
        let (body, _trailers) = Response::consume_body(response, done);
        let bytes = body.collect().await;
        Ok(format!("{status} {}", String::from_utf8_lossy(&bytes)))
    }
}

export!(Fetch);
