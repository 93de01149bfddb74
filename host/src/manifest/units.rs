//! Human-friendly scalar types of the workload manifest: durations (`200ms`, `5s`),
//! byte sizes (`64MiB`, `64Mi`, `1GiB`) and "any scalar as a string" for env/config
//! values (so `TICK_MS: 10` works without quotes). Each one fails with a message that
//! says what was expected.
use serde::{Deserialize, Deserializer, de};
use std::fmt;
use std::time::Duration;

/// A duration written as text, e.g. `250ms`, `5s`, `2m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = scalar_text(d, "a duration such as 250ms, 5s or 2m")?;
        parse_duration(&text).map(Dur).map_err(de::Error::custom)
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

/// Parses `250ms`, `5s`, `1m 30s`: anything humantime accepts.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("invalid duration `{text}` ({e}); write it like 250ms, 5s or 2m"))
}

/// A size in bytes written as text, e.g. `64MiB`, `64Mi` (Kubernetes style), `1GiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = scalar_text(d, "a size such as 64MiB or 1GiB")?;
        parse_size(&text).map(Size).map_err(de::Error::custom)
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", bytesize::ByteSize(self.0).display().iec())
    }
}

/// Parses a byte size. Kubernetes-style suffixes (`Ki`, `Mi`, `Gi`) are accepted
/// besides the `KiB`/`MiB`/`GiB`/`MB` forms that bytesize understands.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let normalized = match t.strip_suffix('i') {
        Some(head) if head.ends_with(['K', 'M', 'G', 'T']) => format!("{t}B"),
        _ => t.to_string(),
    };
    normalized
        .parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|_| format!("invalid size `{text}`; write it like 64MiB, 512Mi or 1GiB"))
}

/// Accepts a YAML string, number or bool and returns its text.
fn scalar_text<'de, D: Deserializer<'de>>(d: D, expected: &'static str) -> Result<String, D::Error> {
    struct V(&'static str);
    impl de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V(expected))
}

/// A map value for `env:` and `config:`: strings, numbers and bools all become text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_text(d, "a string, number or bool").map(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64Mi").unwrap(), 64 << 20);
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("soon").unwrap_err().contains("250ms"));
    }
}
