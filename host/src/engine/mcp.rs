//! `outrigger:mcp/registry`, served by the host to MCP transport services
//! (services/mcp-stdio, mcp-http): the workload's capability components (members
//! exporting `outrigger:mcp/tools`, `resources`, `prompts`, `completions`) in manifest
//! order, and calls into them by name, each in a fresh instance. Every registry
//! function is the component's function with the member's name first and its
//! result wrapped in `result<_, string>` (the error says why the call could not be
//! made), so one generic host function serves them all.
use super::catalogue::{HostInterfaces, Serving};
use super::ctx::Ctx;
use crate::link::wiring::{Wired, Wiring};
use crate::names::names_compatible;
use wasmtime::AsContextMut;
use wasmtime::component::{Linker, Val};

const REGISTRY: &str = "outrigger:mcp/registry@0.1.0";
const TOOLS: &str = "outrigger:mcp/tools@0.1.0";
const RESOURCES: &str = "outrigger:mcp/resources@0.1.0";
const PROMPTS: &str = "outrigger:mcp/prompts@0.1.0";
const COMPLETIONS: &str = "outrigger:mcp/completions@0.1.0";

/// Registry functions: the interface each calls, and the function's name there.
const CALLS: [(&str, &str); 8] = [
    ("list-tools", TOOLS),
    ("call-tool", TOOLS),
    ("list-resources", RESOURCES),
    ("list-resource-templates", RESOURCES),
    ("read-resource", RESOURCES),
    ("list-prompts", PROMPTS),
    ("get-prompt", PROMPTS),
    ("complete", COMPLETIONS),
];

pub(crate) fn family() -> HostInterfaces {
    HostInterfaces::new("outrigger:mcp/registry", &[REGISTRY], Serving::Always, add_to_linker)
        .calling(TOOLS, false, "")
        .calling(RESOURCES, false, "")
        .calling(PROMPTS, false, "")
        .calling(COMPLETIONS, false, "")
}

fn add_to_linker(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    let mut inst = linker.instance(REGISTRY)?;
    inst.func_new_concurrent("members", |accessor, _ty, _params, results| {
        Box::pin(async move {
            let wiring = accessor.with(|mut a| a.as_context_mut().data().wiring.clone());
            results[0] = Val::List(members(&wiring));
            Ok(())
        })
    })?;
    for (function, interface) in CALLS {
        inst.func_new_concurrent(function, move |accessor, _ty, params, results| {
            Box::pin(async move {
                let wiring = accessor.with(|mut a| a.as_context_mut().data().wiring.clone());
                let outcome = match params.split_first() {
                    Some((Val::String(member), rest)) => match find(&wiring, interface, member) {
                        Some(w) => w.call(function, rest.to_vec(), None).await.map_err(|e| e.to_string()),
                        None => Err(format!("`{member}` is not a capability component exporting {interface}")),
                    },
                    _ => Err("the first argument must be the member's name".into()),
                };
                results[0] = match outcome {
                    Ok(mut values) if values.len() == 1 => Val::Result(Ok(Some(Box::new(values.remove(0))))),
                    Ok(values) => {
                        Val::Result(Err(Some(Box::new(Val::String(format!("unexpected results {values:?}"))))))
                    }
                    Err(e) => Val::Result(Err(Some(Box::new(Val::String(e))))),
                };
                Ok(())
            })
        })?;
    }
    Ok(())
}

fn find<'a>(wiring: &'a Wiring, interface: &'a str, member: &str) -> Option<&'a Wired> {
    wiring.exporters(interface).find(|w| w.member == member)
}

/// Each capability member once, in manifest order, with what it exports.
fn members(wiring: &Wiring) -> Vec<Val> {
    let mut seen: Vec<&Wired> = wiring
        .members
        .iter()
        .filter(|w| [TOOLS, RESOURCES, PROMPTS, COMPLETIONS].iter().any(|i| names_compatible(&w.interface, i)))
        .collect();
    seen.sort_by_key(|w| w.index);
    seen.dedup_by(|a, b| a.member == b.member);
    seen.into_iter()
        .map(|w| {
            let has = |i: &str| find(wiring, i, &w.member).is_some();
            let hidden = w.config.iter().any(|(k, v)| k == "hidden" && v == "true");
            Val::Record(vec![
                ("name".into(), Val::String(w.member.clone())),
                ("tools".into(), Val::Bool(has(TOOLS))),
                ("resources".into(), Val::Bool(has(RESOURCES))),
                ("prompts".into(), Val::Bool(has(PROMPTS))),
                ("completions".into(), Val::Bool(has(COMPLETIONS))),
                ("hidden".into(), Val::Bool(hidden)),
            ])
        })
        .collect()
}
