//! `key1=value1,key2=value2` lists (`OTEL_RESOURCE_ATTRIBUTES`, the OTLP
//! `..._HEADERS`): W3C Baggage style without `;` metadata, whitespace around
//! entries ignored, keys and values percent-decoded (a malformed `%` escape or
//! invalid UTF-8 is an error, as the resource specification asks). Every bad
//! entry is named in one message; header values are never echoed (they often hold
//! credentials).
use percent_encoding::percent_decode_str;

/// Resource attributes.
pub(crate) fn parse_key_values(raw: &str) -> Result<Vec<(String, String)>, String> {
    parse(raw, |_, _| Ok(()))
}

/// Request headers: names must be valid HTTP header names (they are
/// lower-cased), values valid header values.
pub(crate) fn parse_headers(raw: &str) -> Result<Vec<(String, String)>, String> {
    let entries = parse(raw, |k, v| {
        http::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("`{k}` is not a valid HTTP header name (letters, digits and `-` only)"))?;
        http::HeaderValue::from_str(v)
            .map_err(|_| format!("the value of `{k}` is not a valid header value (control characters?)"))?;
        Ok(())
    })?;
    Ok(entries.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect())
}

fn parse(raw: &str, check: impl Fn(&str, &str) -> Result<(), String>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, entry) in raw.split(',').enumerate() {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let n = i + 1;
        let Some((k, v)) = entry.split_once('=') else {
            errors.push(format!("entry {n} (`{}`) has no `=`: write `key=value`", start(entry)));
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            errors.push(format!("entry {n} has an empty key before `=`"));
            continue;
        }
        let key = match decode(k) {
            Ok(key) => key,
            Err(e) => {
                errors.push(format!("entry {n}: the key `{k}` {e}"));
                continue;
            }
        };
        let value = match decode(v) {
            Ok(value) => value,
            Err(e) => {
                errors.push(format!("entry {n}: the value of `{key}` {e}"));
                continue;
            }
        };
        match check(&key, &value) {
            Ok(()) => out.push((key, value)),
            Err(e) => errors.push(format!("entry {n}: {e}")),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors.join("; ")) }
}

/// Percent-decodes strictly: every `%` starts a two-digit hex escape.
fn decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    for (i, _) in s.match_indices('%') {
        let ok = b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
        if !ok {
            return Err("has a `%` that does not start an escape like `%2C` (write `%25` for a percent sign)".into());
        }
    }
    percent_decode_str(s).decode_utf8().map(|c| c.into_owned()).map_err(|_| "decodes to invalid UTF-8".to_string())
}

/// The start of an entry, enough to find it without echoing a whole secret.
fn start(entry: &str) -> String {
    let mut s: String = entry.chars().take(12).collect();
    if s.len() < entry.len() {
        s.push('…');
    }
    s
}
