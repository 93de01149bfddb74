//! WIT interface names and the version rule every part of the host shares: which
//! import name an export (or a host-provided interface) may serve. Two names are
//! interchangeable when they name the same `namespace:package/interface` and their
//! versions are semver-compatible the way wasmtime's linker treats them
//! (`0.2.10` ~ `0.2.12`, `1.2` ~ `1.4`; pre-releases such as `0.2.0-draft` match
//! exactly).

/// `wasi:cli/run@0.3.2` -> `wasi:cli/run`
pub fn base_name(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// The part of a version that must match for two names to be interchangeable:
/// `1.2.3` -> `1`, `0.3.2` -> `0.3`, `0.0.3` -> `0.0.3`, pre-releases exactly.
fn compat_version(name: &str) -> Option<String> {
    let v = name.split_once('@')?.1;
    if v.contains('-') || v.contains('+') {
        return Some(v.to_string());
    }
    let parts: Vec<&str> = v.split('.').collect();
    Some(match parts.as_slice() {
        [major, ..] if *major != "0" => major.to_string(),
        ["0", minor, ..] if *minor != "0" => format!("0.{minor}"),
        _ => v.to_string(),
    })
}

/// Whether an import named `a` can be served by an export named `b`.
pub fn names_compatible(a: &str, b: &str) -> bool {
    base_name(a) == base_name(b) && compat_version(a) == compat_version(b)
}

/// Whether `want` names the interface `full`: the full name, the name without version
/// (`outrigger:examples/driver`) or just the interface (`driver`).
pub fn refers_to(full: &str, want: &str) -> bool {
    let base = base_name(full);
    full == want || base == want || base.rsplit('/').next() == Some(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_compatibility() {
        assert!(names_compatible("wasi:cli/run@0.3.0", "wasi:cli/run@0.3.2"));
        assert!(names_compatible("wasi:http/types@0.2.10", "wasi:http/types@0.2.12"));
        assert!(!names_compatible("wasi:cli/run@0.2.0", "wasi:cli/run@0.3.0"));
        assert!(names_compatible("a:b/c@1.0.0", "a:b/c@1.4.1"));
        assert!(!names_compatible("a:b/c@1.0.0", "a:b/c@2.0.0"));
        assert!(!names_compatible("a:b/c@0.0.1", "a:b/c@0.0.2"));
        assert!(!names_compatible("wasi:messaging/producer@0.2.0-draft", "wasi:messaging/producer@0.2.0"));
        assert!(names_compatible("a:b/c", "a:b/c"));
        assert!(!names_compatible("a:b/c", "a:b/d"));
        assert!(!names_compatible("a:b/c", "a:b/c@1.0.0"));
    }

    #[test]
    fn references() {
        assert!(refers_to("outrigger:examples/driver@0.1.0", "driver"));
        assert!(refers_to("outrigger:examples/driver@0.1.0", "outrigger:examples/driver"));
        assert!(refers_to("outrigger:examples/driver@0.1.0", "outrigger:examples/driver@0.1.0"));
        assert!(!refers_to("outrigger:examples/driver@0.1.0", "drive"));
    }
}
