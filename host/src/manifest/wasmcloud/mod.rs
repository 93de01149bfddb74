//! wasmCloud workload files: `apiVersion: runtime.wasmcloud.dev/v1alpha1`, kind
//! `Workload`, `WorkloadDeployment` or `WorkloadReplicaSet` (its `spec.template.spec`),
//! read as they are and lowered to outrigger's own [`Manifest`], so both formats go
//! through one validation and one plan. docs/wasmcloud-workload.md lists every
//! field, what wasmCloud means by it (with sources) and what outrigger does with it.
//!
//! - `read.rs`: a path-aware reader over the YAML tree (type problems name the
//!   field; keys nobody reads become warnings);
//! - `lower.rs`: the field-by-field lowering.
//!
//! Problems found later by the common validation name the wasmCloud field they came
//! from ([`source_paths`]): `spec.template.spec.components[0].image`, not
//! `spec.components[0].component`.
mod lower;
mod read;
#[cfg(test)]
mod tests;

use super::{Format, Manifest, ManifestError, Problem};
use serde::Deserialize;
use serde_norway::Value;
use std::path::Path;

/// The wasmCloud runtime operator's API group and version.
pub const API_VERSION: &str = "runtime.wasmcloud.dev/v1alpha1";

const KINDS: [&str; 3] = ["Workload", "WorkloadDeployment", "WorkloadReplicaSet"];

/// If `text` holds a wasmCloud workload document, lowers it: the manifest and the
/// problems found so far (its warnings are in [`Manifest::warnings`]). `None` when
/// the file is not in wasmCloud's format (or is not YAML: the caller says why).
pub(super) fn read(text: &str, path: &Path) -> Result<Option<(Manifest, Vec<Problem>)>, ManifestError> {
    let Ok(docs) = serde_norway::Deserializer::from_str(text).map(Value::deserialize).collect::<Result<Vec<_>, _>>()
    else {
        return Ok(None);
    };
    let field = |d: &Value, k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let is_wasmcloud = |d: &Value| field(d, "apiVersion").starts_with("runtime.wasmcloud.dev/");
    if !docs.iter().any(is_wasmcloud) {
        return match docs.iter().map(|d| field(d, "apiVersion")).find(|v| v.starts_with("core.oam.dev/")) {
            Some(v) => Err(ManifestError::one(
                path,
                "apiVersion",
                format!("`{v}` is a wasmCloud 1 (wadm) application; outrigger reads wasmCloud 2 workloads"),
                format!(
                    "write it as a `{API_VERSION}` Workload (docs/wasmcloud-workload.md) or in outrigger's format (examples/*.yaml)"
                ),
            )),
            None => Ok(None),
        };
    }
    let mut skipped = Vec::new();
    let mut chosen: Option<(usize, &Value)> = None;
    for (i, d) in docs.iter().enumerate() {
        if d.is_null() {
            continue;
        }
        let (version, kind) = (field(d, "apiVersion"), field(d, "kind"));
        if !is_wasmcloud(d) {
            skipped.push(Problem {
                at: format!("document {}", i + 1),
                what: format!("a `{kind}` ({version}), not a wasmCloud workload: skipped"),
                fix: "nothing to do; outrigger runs the workload document of this file".into(),
            });
            continue;
        }
        let at = if docs.len() > 1 { format!("document {}: ", i + 1) } else { String::new() };
        if version != API_VERSION {
            let what = format!("apiVersion `{version}` is not one outrigger reads");
            return Err(ManifestError::one(path, &format!("{at}apiVersion"), what, format!("use `{API_VERSION}`")));
        }
        if !KINDS.contains(&kind.as_str()) {
            let what = format!("kind `{kind}` is not a workload");
            let fix = format!("outrigger runs these kinds: {}", KINDS.join(", "));
            return Err(ManifestError::one(path, &format!("{at}kind"), what, fix));
        }
        if let Some((first, _)) = chosen {
            return Err(ManifestError::one(
                path,
                &format!("document {}", i + 1),
                format!("a second workload in this file (the first is document {})", first + 1),
                "keep one workload per file",
            ));
        }
        chosen = Some((i, d));
    }
    let Some((_, doc)) = chosen else { return Ok(None) };
    let kind = KINDS.into_iter().find(|k| *k == field(doc, "kind")).expect("checked above");
    let mut report = read::Report::default();
    let mut manifest = lower::lower(doc, kind, path, &mut report);
    manifest.warnings = skipped;
    manifest.warnings.extend(report.warnings);
    Ok(Some((manifest, report.problems)))
}

/// Where the workload spec is: `spec`, or `spec.template.spec` for a deployment.
pub(super) fn spec_path(m: &Manifest) -> String {
    match m.format {
        Format::WasmCloud("Workload") | Format::Outrigger => "spec".into(),
        Format::WasmCloud(_) => "spec.template.spec".into(),
    }
}

/// Rewrites the field paths of problems found in the lowered manifest to the
/// wasmCloud fields they came from.
pub(super) fn source_paths(m: &Manifest, problems: Vec<Problem>) -> Vec<Problem> {
    if m.format == Format::Outrigger {
        return problems;
    }
    let spec = spec_path(m);
    problems.into_iter().map(|p| Problem { at: source_path(&p.at, &spec), ..p }).collect()
}

fn source_path(at: &str, spec: &str) -> String {
    if at.starts_with(spec) && spec != "spec" {
        return at.to_string(); // already a wasmCloud path
    }
    if let Some(rest) = at.strip_prefix("spec.services[0]") {
        return format!("{spec}.service{}", member_field(rest));
    }
    if let Some(rest) = at.strip_prefix("spec.components[")
        && let Some((index, rest)) = rest.split_once(']')
    {
        return format!("{spec}.components[{index}]{}", member_field(rest));
    }
    match at.strip_prefix("spec") {
        Some(rest) if rest.is_empty() || rest.starts_with('.') => format!("{spec}{rest}"),
        _ => at.to_string(),
    }
}

/// `.component` → `.image`, `.env` → `.localResources.environment.config`, ...
fn member_field(rest: &str) -> String {
    for (ours, theirs) in [
        (".component", ".image"),
        (".pullPolicy", ".imagePullPolicy"),
        (".env", ".localResources.environment.config"),
        (".config", ".localResources.config"),
        (".allowedHosts", ".localResources.allowedHosts"),
        (".allowedIpNameLookups", ".localResources.allowedIpNameLookups"),
        (".volumeMounts", ".localResources.volumeMounts"),
    ] {
        if let Some(tail) = rest.strip_prefix(ours)
            && (tail.is_empty() || tail.starts_with(['.', '[']))
        {
            return format!("{theirs}{tail}");
        }
    }
    rest.to_string()
}
