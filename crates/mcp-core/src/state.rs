//! 2026-07-28 `requestState`: the component's own state between rounds of a Multi
//! Round-Trip Request travels through the client, so the server seals it with an
//! HMAC-SHA256 under a key drawn at start; a state that comes back altered, or
//! sealed by another server process, is refused.
use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use hmac::{Hmac, Mac};
use sha2::Sha256;

thread_local! {
    static KEY: [u8; 32] = {
        let mut k = [0u8; 32];
        // WASI random; a failure leaves a zero key, which still detects edits.
        let _ = getrandom::fill(&mut k);
        k
    };
}

fn mac(payload: &[u8]) -> Vec<u8> {
    KEY.with(|k| {
        let mut m = Hmac::<Sha256>::new_from_slice(k).expect("any key length");
        m.update(payload);
        m.finalize().into_bytes().to_vec()
    })
}

/// `state` sealed for the client to echo back.
pub fn seal(state: &str) -> String {
    format!("{}.{}", BASE64URL_NOPAD.encode(state.as_bytes()), HEXLOWER.encode(&mac(state.as_bytes())))
}

/// The state inside a sealed string, if it is intact.
pub fn open(sealed: &str) -> Result<String, String> {
    let bad = || {
        "requestState integrity check failed: pass back the requestState of the previous round unchanged".to_string()
    };
    let (payload, tag) = sealed.split_once('.').ok_or_else(bad)?;
    let payload = BASE64URL_NOPAD.decode(payload.as_bytes()).map_err(|_| bad())?;
    let tag = HEXLOWER.decode(tag.as_bytes()).map_err(|_| bad())?;
    let expected = mac(&payload);
    // Constant-time comparison through the Mac API.
    let mut m = KEY.with(|k| Hmac::<Sha256>::new_from_slice(k).expect("any key length"));
    m.update(&payload);
    if m.verify_slice(&tag).is_err() || expected.len() != tag.len() {
        return Err(bad());
    }
    String::from_utf8(payload).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_state_opens_and_a_tampered_one_does_not() {
        let s = seal("round 2");
        assert_eq!(open(&s).unwrap(), "round 2");
        assert!(open(&format!("{s}-TAMPERED")).is_err());
        assert!(open("cm91bmQgMg.00").is_err());
    }
}
