//! Members the host's own implementations call. Some host-served families are
//! adapters: the host serves `wasi:messaging` to components itself (its resources
//! live in each component's store) but publishes through a bridge *service*, and the
//! host's `outrigger:messaging/routes` delivers to handler *components*. A family
//! lists the interfaces it calls (`HostInterfaces::calls`); when any member imports
//! the family, every member exporting such an interface is wired for the host, and a
//! required one that nobody exports is a problem like any missing provider.
use super::wit_types::resources_in;
use super::{HostCall, Member, Plan, export_slot};
use crate::engine::catalogue::Catalogue;
use crate::names::names_compatible;

pub(super) fn plan(plan: &mut Plan, members: &[Member<'_>], catalogue: &Catalogue, problems: &mut Vec<String>) {
    for family in catalogue.families() {
        let users: Vec<&Member<'_>> =
            members.iter().filter(|m| m.info.imports.iter().any(|i| family.serves(&i.name))).collect();
        let Some(first) = users.first() else { continue };
        for need in &family.calls {
            let mut found = false;
            for (mi, m) in members.iter().enumerate() {
                let Some(export) = m.info.exports.iter().find(|e| names_compatible(&e.name, &need.interface)) else {
                    continue;
                };
                found = true;
                if plan.host_calls.iter().any(|c| c.member == mi && c.interface == need.interface) {
                    continue;
                }
                let functions = export
                    .functions
                    .iter()
                    .map(|f| {
                        let moves = f.ty.params().any(|(_, t)| !resources_in(&t).is_empty())
                            || f.ty.results().any(|t| !resources_in(&t).is_empty());
                        (f.name.clone(), export_slot(&mut plan.exports[mi], &export.name, &f.name, moves))
                    })
                    .collect();
                plan.host_calls.push(HostCall { interface: need.interface.clone(), member: mi, functions });
            }
            if need.required && !found {
                problems.push(format!(
                    "{} `{}` imports {} (served by the host through a member exporting `{}`), but no member exports it.\nfix: {}",
                    first.role,
                    first.name,
                    family.family,
                    need.interface,
                    need.hint
                ));
            }
        }
    }
}
