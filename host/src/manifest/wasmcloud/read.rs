//! Reading a YAML tree by hand, the way the wasmCloud reader needs it: every value
//! knows its field path (`spec.template.spec.components[0].poolSize`), a value of
//! the wrong type is one problem naming that path, and every key a reader did not
//! ask for is reported as a warning (accepted, ignored) rather than refused.
use crate::manifest::{Problem, Text};
use serde_norway::{Mapping, Value};
use std::collections::BTreeMap;

/// Problems (the manifest cannot be used) and warnings (accepted, with a caveat).
#[derive(Debug, Default)]
pub(super) struct Report {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Report {
    pub fn problem(&mut self, at: &str, what: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(Problem { at: at.to_string(), what: what.into(), fix: fix.into() });
    }

    pub fn warn(&mut self, at: &str, what: impl Into<String>, fix: impl Into<String>) {
        self.warnings.push(Problem { at: at.to_string(), what: what.into(), fix: fix.into() });
    }
}

/// `parent.key` (or `key` at the top).
pub(super) fn join(at: &str, key: &str) -> String {
    if at.is_empty() { key.to_string() } else { format!("{at}.{key}") }
}

/// A YAML mapping being read: the keys asked for are remembered, so [`Obj::finish`]
/// can warn about the others.
pub(super) struct Obj<'a> {
    map: &'a Mapping,
    pub at: String,
    known: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    /// `v` as a mapping; `null` reads as an empty one, anything else is a problem.
    pub fn new(v: &'a Value, at: &str, r: &mut Report) -> Option<Obj<'a>> {
        static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        match v {
            Value::Mapping(map) => Some(Obj { map, at: at.to_string(), known: Vec::new() }),
            Value::Null => Some(Obj { map: EMPTY.get_or_init(Mapping::new), at: at.to_string(), known: Vec::new() }),
            other => {
                r.problem(
                    at,
                    format!("expected a mapping (key: value), found {}", kind(other)),
                    "see docs/wasmcloud-workload.md",
                );
                None
            }
        }
    }

    /// An empty mapping at `at` (for a section that is missing).
    pub fn empty(at: &str) -> Obj<'static> {
        static NULL: Value = Value::Null;
        Obj::new(&NULL, at, &mut Report::default()).expect("null reads as empty")
    }

    /// The value of `key` and its path; `None` when absent or `null`.
    pub fn get(&mut self, key: &'static str) -> Option<(&'a Value, String)> {
        self.known.push(key);
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some((v, join(&self.at, key))),
        }
    }

    /// Keys that mean nothing here and are ignored without a word.
    pub fn ignore(&mut self, keys: &[&'static str]) {
        self.known.extend_from_slice(keys);
    }

    /// A scalar as text (strings, numbers and bools).
    pub fn text(&mut self, key: &'static str, r: &mut Report) -> Option<String> {
        let (v, at) = self.get(key)?;
        scalar(v).or_else(|| {
            r.problem(&at, format!("expected a string, found {}", kind(v)), "write a plain value");
            None
        })
    }

    /// A required scalar; a problem when it is missing.
    pub fn required(&mut self, key: &'static str, r: &mut Report) -> String {
        let value = self.text(key, r);
        if value.is_none() && matches!(self.map.get(key), None | Some(Value::Null)) {
            r.problem(&join(&self.at, key), format!("`{key}` is missing"), format!("add `{key}:`"));
        }
        value.unwrap_or_default()
    }

    /// An integer in `0..=i32::MAX` (the Kubernetes int32 fields).
    pub fn count(&mut self, key: &'static str, r: &mut Report) -> Option<u32> {
        let (v, at) = self.get(key)?;
        match v.as_i64() {
            Some(n) if (0..=i32::MAX as i64).contains(&n) => Some(n as u32),
            Some(n) => {
                r.problem(&at, format!("{n} is out of range"), "give a whole number from 0 to 2147483647");
                None
            }
            None => {
                r.problem(&at, format!("expected a whole number, found {}", kind(v)), "give a whole number, e.g. 1");
                None
            }
        }
    }

    pub fn bool(&mut self, key: &'static str, r: &mut Report) -> Option<bool> {
        let (v, at) = self.get(key)?;
        v.as_bool().or_else(|| {
            r.problem(&at, format!("expected true or false, found {}", kind(v)), "write true or false");
            None
        })
    }

    /// A mapping of scalars (`config:`, `environment.config:`), values as text.
    pub fn texts(&mut self, key: &'static str, r: &mut Report) -> BTreeMap<String, Text> {
        let mut out = BTreeMap::new();
        let Some((v, at)) = self.get(key) else { return out };
        let Some(obj) = Obj::new(v, &at, r) else { return out };
        for (k, v) in obj.map {
            let Some(k) = k.as_str() else {
                r.problem(&at, format!("the key {} is not a string", kind(k)), "quote the key");
                continue;
            };
            match v {
                Value::Null => {}
                v => match scalar(v) {
                    Some(text) => {
                        out.insert(k.to_string(), Text(text));
                    }
                    None => {
                        r.problem(&join(&at, k), format!("expected a string, found {}", kind(v)), "write a plain value")
                    }
                },
            }
        }
        out
    }

    /// The items of a list, each with its path (`key[3]`).
    pub fn list(&mut self, key: &'static str, r: &mut Report) -> Vec<(&'a Value, String)> {
        let Some((v, at)) = self.get(key) else { return Vec::new() };
        match v {
            Value::Sequence(items) => items.iter().enumerate().map(|(i, v)| (v, format!("{at}[{i}]"))).collect(),
            other => {
                r.problem(
                    &at,
                    format!("expected a list, found {}", kind(other)),
                    "write a YAML list (`- item` lines or [a, b])",
                );
                Vec::new()
            }
        }
    }

    /// A list of scalars.
    pub fn strings(&mut self, key: &'static str, r: &mut Report) -> Vec<String> {
        let mut out = Vec::new();
        for (v, at) in self.list(key, r) {
            match scalar(v) {
                Some(s) => out.push(s),
                None => r.problem(&at, format!("expected a string, found {}", kind(v)), "write a plain value"),
            }
        }
        out
    }

    /// A nested mapping.
    pub fn obj(&mut self, key: &'static str, r: &mut Report) -> Option<Obj<'a>> {
        let (v, at) = self.get(key)?;
        Obj::new(v, &at, r)
    }

    /// Whether `key` is present with a value that is not empty (`{}`, `[]`, `""`).
    pub fn has(&mut self, key: &'static str) -> Option<String> {
        let (v, at) = self.get(key)?;
        let empty = match v {
            Value::Mapping(m) => m.is_empty(),
            Value::Sequence(s) => s.is_empty(),
            Value::String(s) => s.is_empty(),
            _ => false,
        };
        (!empty).then_some(at)
    }

    /// Warns about every key nobody asked for.
    pub fn finish(self, r: &mut Report) {
        for k in self.map.keys() {
            let name = k.as_str().map(str::to_string).unwrap_or_else(|| format!("{k:?}"));
            if !self.known.contains(&name.as_str()) {
                let at = join(&self.at, &name);
                let fix = match closest(&name, &self.known) {
                    Some(c) => format!("did you mean `{c}`? Otherwise remove it"),
                    None if self.known.is_empty() => "remove it; nothing is read here".to_string(),
                    None => format!("remove it; outrigger reads here: {}", self.known.join(", ")),
                };
                r.warn(&at, format!("unknown key `{name}`: ignored"), fix);
            }
        }
    }
}

fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let best = known.iter().map(|c| (strsim::jaro_winkler(name, c), *c)).max_by(|a, b| a.0.total_cmp(&b.0))?;
    (best.0 > 0.85).then_some(best.1)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// "a list", "a mapping", ... for messages.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_types_and_unknown_keys() {
        let v: Value =
            serde_norway::from_str("a: 1\nb: [x, 2]\nc: {k: v, n: 3}\nd: yes\nn: -1\nsurprise: 1\nnam: x").unwrap();
        let mut r = Report::default();
        let mut o = Obj::new(&v, "spec", &mut r).unwrap();
        assert_eq!(o.text("a", &mut r).as_deref(), Some("1"));
        assert_eq!(o.strings("b", &mut r), ["x", "2"]);
        assert_eq!(o.texts("c", &mut r).get("n"), Some(&Text("3".into())));
        assert_eq!(o.count("n", &mut r), None);
        assert_eq!(o.bool("d", &mut r), None, "YAML 1.2: `yes` is a string");
        assert_eq!(o.required("name", &mut r), "");
        o.finish(&mut r);
        let problems: Vec<&str> = r.problems.iter().map(|p| p.at.as_str()).collect();
        assert_eq!(problems, ["spec.n", "spec.d", "spec.name"]);
        let warned: Vec<(&str, &str)> = r.warnings.iter().map(|w| (w.at.as_str(), w.fix.as_str())).collect();
        assert_eq!(warned[0].0, "spec.surprise");
        assert_eq!(warned[1], ("spec.nam", "did you mean `name`? Otherwise remove it"));
    }
}
