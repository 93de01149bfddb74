//! `http-fetch` test component (WASI 0.2): `get(url)` makes an outgoing HTTP GET
//! with `wasi:http/outgoing-handler@0.2` through the wstd client and returns
//! `"<status> <body>"`, or the error the host gave it (e.g. a request denied by
//! `allowedHosts`).
wit_bindgen::generate!({
    inline: "
        package outrigger:fixtures@0.1.0;
        interface fetch {
            get: func(url: string) -> result<string, string>;
        }
        world http-fetch {
            export fetch;
        }
    ",
});

use wstd::http::{Body, BodyExt, Client, Request};

struct Fetch;

impl exports::outrigger::fixtures::fetch::Guest for Fetch {
    fn get(url: String) -> Result<String, String> {
        wstd::runtime::block_on(async move {
            let request = Request::get(url).body(Body::empty()).map_err(|e| format!("bad request: {e}"))?;
            let response = Client::new().send(request).await.map_err(|e| format!("{e:?}"))?;
            let status = response.status().as_u16();
            let body = response.into_body().into_boxed_body().collect().await.map_err(|e| format!("body: {e:?}"))?;
            Ok(format!("{status} {}", String::from_utf8_lossy(&body.to_bytes())))
        })
    }
}

export!(Fetch);
