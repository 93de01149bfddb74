//! One line for each way talking to a registry fails: what went wrong, where, and
//! how to fix it. oci-client reports the same failure in several shapes (a 401 is
//! `UnauthorizedError` on a manifest, a `reqwest` status error on a blob, an
//! `AuthenticationFailure` from a token server); they are sorted here into the
//! cases a user can act on.
use super::reference::OciRef;
use oci_client::errors::{OciDistributionError, OciErrorCode};

/// What the failed request was doing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Pull,
    Push,
}

/// `what; fix: how` for an error of oci-client. `credentials` says where the
/// credentials came from (or where they were looked for).
pub fn describe(e: &OciDistributionError, r: &OciRef, op: Op, credentials: &str) -> String {
    use OciDistributionError as E;
    let registry = r.registry();
    let repo = r.reference.repository();
    match e {
        E::RequestError(re) => request_error(re, r, op, credentials),
        E::UnauthorizedError { .. } | E::AuthenticationFailure(_) => denied(r, op, "401 Unauthorized", credentials),
        E::ServerError { code: 401 | 403, .. } => denied(r, op, "access denied", credentials),
        E::ServerError { code: 404, .. } | E::ImageManifestNotFoundError(_) => not_found(r),
        E::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|x| &x.code).collect();
            if codes.iter().any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied)) {
                denied(r, op, &envelope.to_string(), credentials)
            } else if codes.iter().any(|c| {
                matches!(c, OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound)
            }) {
                not_found(r)
            } else {
                format!("the registry {registry} refused the request for {repo}: {envelope}; fix: check the reference")
            }
        }
        E::DigestError(d) => format!(
            "digest mismatch: {registry} sent content for {r} that does not match its digest ({d}); the registry's \
             storage, or something between it and here, changed it; fix: push the component again and check the \
             registry's storage"
        ),
        E::UnsupportedMediaTypeError(t) | E::IncompatibleLayerMediaTypeError(t) => not_wasm(r, t),
        E::ImageIndexParsingNoPlatformResolverError => not_wasm(r, "an image index (several platforms)"),
        other => format!("{registry}: {other}"),
    }
}

fn request_error(e: &reqwest::Error, r: &OciRef, op: Op, credentials: &str) -> String {
    match e.status().map(|s| s.as_u16()) {
        Some(401 | 403) => denied(r, op, "access denied", credentials),
        Some(404) => not_found(r),
        _ => transport(&chain(e), e.is_timeout(), r),
    }
}

/// A request that got no HTTP answer, told apart by its error chain's text
/// (hyper and the resolver say "dns error", "Connection refused", ...).
fn transport(chain: &str, timeout: bool, r: &OciRef) -> String {
    let registry = r.registry();
    let lower = chain.to_ascii_lowercase();
    if lower.contains("dns error") || lower.contains("failed to lookup address") || lower.contains("name or service") {
        format!(
            "unknown host: the registry host `{}` does not resolve ({chain}); fix: check the registry name in `{r}`",
            registry.rsplit_once(':').map_or(registry, |(h, _)| h)
        )
    } else if lower.contains("connection refused") {
        format!(
            "cannot connect to the registry {registry}: connection refused; fix: start the registry or correct the \
             host and port in `{r}`"
        )
    } else if timeout {
        format!("the registry {registry} did not answer in time ({chain}); fix: check the network and the registry")
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("ssl") {
        format!(
            "TLS with the registry {registry} failed ({chain}); fix: a registry on another machine must serve HTTPS \
             with a trusted certificate (plain HTTP is used only for localhost and 127.0.0.1)"
        )
    } else {
        format!("cannot talk to the registry {registry}: {chain}; fix: check that {registry} is an OCI registry")
    }
}

/// An error and its sources, `: `-joined.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn denied(r: &OciRef, op: Op, detail: &str, credentials: &str) -> String {
    let registry = r.registry();
    let what = if op == Op::Push { "push to" } else { "pull" };
    format!(
        "the registry {registry} refused to let us {what} {} ({detail}; credentials: {credentials}); fix: run \
         `docker login {registry}`, or put auths.\"{registry}\".auth = base64(user:password) in \
         $DOCKER_CONFIG/config.json (default ~/.docker/config.json), for an account allowed to {what} it",
        r.reference.repository()
    )
}

pub fn not_found(r: &OciRef) -> String {
    let what = match r.digest() {
        Some(d) => format!("manifest {d}"),
        None => format!("tag `{}`", r.tag()),
    };
    format!(
        "not found: the repository {} at {} has no {what}; fix: check the reference, or publish the component \
         first: outrigger push <file.wasm> {r}",
        r.reference.repository(),
        r.registry()
    )
}

pub fn not_wasm(r: &OciRef, found: &str) -> String {
    format!(
        "`{r}` is not a Wasm component artifact (found {found}; expected config media type {} and one layer of \
         media type {}); fix: publish the component with `outrigger push <file.wasm> {r}` (or `wkg oci push`)",
        oci_wasm::WASM_MANIFEST_CONFIG_MEDIA_TYPE,
        oci_wasm::WASM_LAYER_MEDIA_TYPE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_transport_errors_say_what_to_fix() {
        let r = OciRef::parse("nope.invalid:5000/x/y:1").unwrap();
        // What hyper-util and getaddrinfo say for a name that does not resolve.
        let dns = "error sending request for url (https://nope.invalid:5000/v2/): client error (Connect): dns error: \
                   failed to lookup address information: Name or service not known";
        let m = transport(dns, false, &r);
        assert!(m.starts_with("unknown host: the registry host `nope.invalid`") && m.contains("fix:"), "{m}");
        let refused = "client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert!(transport(refused, false, &r).contains("connection refused; fix: start the registry"));
        let tls = "client error (Connect): invalid peer certificate: UnknownIssuer";
        assert!(transport(tls, false, &r).contains("TLS with the registry nope.invalid:5000 failed"));
        let nf = not_found(&r);
        assert!(nf.contains("has no tag `1`") && nf.contains("outrigger push"), "{nf}");
        let denied = denied(&r, Op::Push, "401 Unauthorized", "none found in /x/config.json");
        assert!(denied.contains("push to x/y") && denied.contains("docker login nope.invalid:5000"), "{denied}");
    }
}
