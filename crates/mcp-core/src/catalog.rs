//! What the server offers: the capability components' tools, resources, resource
//! templates and prompts, merged in manifest order and loaded once when the server
//! starts (a workload's components are fixed while it runs). A member marked
//! `hidden` in the manifest is left out: other components may call it through WIT,
//! clients never see it. When two members offer the same tool or prompt name, the
//! first one wins and the clash is reported.
use crate::bindings::outrigger::mcp::registry::{self, Member};
use crate::bindings::outrigger::mcp::types;
use crate::convert;
use crate::schema::Schema;
use data_encoding::BASE64URL_NOPAD;
use serde_json::Value;
use std::collections::HashMap;

/// One member's lists (`None`: it does not export that capability).
struct Lists {
    tools: Option<Result<Vec<types::Tool>, String>>,
    resources: Option<Result<Vec<types::ResourceInfo>, String>>,
    templates: Option<Result<Vec<types::ResourceTemplate>, String>>,
    prompts: Option<Result<Vec<types::Prompt>, String>>,
}

impl Lists {
    async fn of(m: &Member) -> Lists {
        let name = || m.name.clone();
        Lists {
            tools: if m.tools { Some(registry::list_tools(name()).await) } else { None },
            resources: if m.resources { Some(registry::list_resources(name()).await) } else { None },
            templates: if m.resources { Some(registry::list_resource_templates(name()).await) } else { None },
            prompts: if m.prompts { Some(registry::list_prompts(name()).await) } else { None },
        }
    }
}

pub struct ToolEntry {
    pub member: String,
    pub name: String,
    pub json: Value,
    pub input: Schema,
    pub output: Option<Schema>,
}

#[derive(Default)]
pub struct Catalog {
    pub members: Vec<Member>,
    pub tools: Vec<ToolEntry>,
    tool_index: HashMap<String, usize>,
    /// (member, resource JSON)
    pub resources: Vec<(String, Value)>,
    pub templates: Vec<(String, Value)>,
    pub prompts: Vec<(String, Value)>,
    prompt_index: HashMap<String, usize>,
    /// What went wrong while loading (a member's list failed, a schema did not
    /// compile, a name clash); the transport prints each to stderr.
    pub problems: Vec<String>,
}

impl Catalog {
    /// Asks every visible capability member for its lists, all members at once (each
    /// listing is a fresh instance; an interpreted component takes ~100 ms to start),
    /// then merges them in manifest order.
    pub async fn load() -> Catalog {
        let mut c = Catalog { members: registry::members().await, ..Catalog::default() };
        let visible: Vec<Member> = c.members.iter().filter(|m| !m.hidden).cloned().collect();
        let lists = futures::future::join_all(visible.iter().map(Lists::of)).await;
        for (m, lists) in visible.iter().zip(lists) {
            match lists.tools {
                Some(Ok(tools)) => {
                    for t in tools {
                        c.add_tool(&m.name, &t);
                    }
                }
                Some(Err(e)) => c.problems.push(format!("`{}`: listing its tools failed: {e}", m.name)),
                None => {}
            }
            match lists.resources {
                Some(Ok(rs)) => c.resources.extend(rs.iter().map(|r| (m.name.clone(), convert::resource(r)))),
                Some(Err(e)) => c.problems.push(format!("`{}`: listing its resources failed: {e}", m.name)),
                None => {}
            }
            match lists.templates {
                Some(Ok(ts)) => c.templates.extend(ts.iter().map(|t| (m.name.clone(), convert::template(t)))),
                Some(Err(e)) => c.problems.push(format!("`{}`: listing its resource templates failed: {e}", m.name)),
                None => {}
            }
            match lists.prompts {
                Some(Ok(ps)) => {
                    for p in ps {
                        if let Some(first) = c.prompt_index.get(&p.name) {
                            let owner = &c.prompts[*first].0;
                            c.problems.push(format!(
                                "`{}` and `{owner}` both offer prompt `{}`: `{owner}`'s is used",
                                m.name, p.name
                            ));
                            continue;
                        }
                        c.prompt_index.insert(p.name.clone(), c.prompts.len());
                        c.prompts.push((m.name.clone(), convert::prompt(&p)));
                    }
                }
                Some(Err(e)) => c.problems.push(format!("`{}`: listing its prompts failed: {e}", m.name)),
                None => {}
            }
        }
        c
    }

    fn add_tool(&mut self, member: &str, t: &crate::bindings::outrigger::mcp::types::Tool) {
        if let Some(first) = self.tool_index.get(&t.name) {
            let owner = &self.tools[*first].member;
            self.problems.push(format!("`{member}` and `{owner}` both offer tool `{}`: `{owner}`'s is used", t.name));
            return;
        }
        let json = match convert::tool(t) {
            Ok(j) => j,
            Err(e) => return self.problems.push(format!("`{member}`: {e}; the tool is left out")),
        };
        let what = |kind: &str| format!("`{member}`'s tool `{}` {kind} schema", t.name);
        let input = match Schema::compile(&json["inputSchema"], &what("input")) {
            Ok(s) => s,
            Err(e) => return self.problems.push(format!("{e}; the tool is left out")),
        };
        let output = match json.get("outputSchema").map(|s| Schema::compile(s, &what("output"))) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => return self.problems.push(format!("{e}; the tool is left out")),
        };
        self.tool_index.insert(t.name.clone(), self.tools.len());
        self.tools.push(ToolEntry { member: member.to_string(), name: t.name.clone(), json, input, output });
    }

    pub fn tool(&self, name: &str) -> Option<&ToolEntry> {
        self.tool_index.get(name).map(|i| &self.tools[*i])
    }

    /// The member offering prompt `name`.
    pub fn prompt_owner(&self, name: &str) -> Option<&str> {
        self.prompt_index.get(name).map(|i| self.prompts[*i].0.as_str())
    }

    /// Members (visible, in order) that export `what`.
    pub fn visible(&self, what: impl Fn(&Member) -> bool) -> impl Iterator<Item = &str> {
        self.members.iter().filter(move |m| !m.hidden && what(m)).map(|m| m.name.as_str())
    }

    pub fn has(&self, what: impl Fn(&Member) -> bool) -> bool {
        self.members.iter().any(|m| !m.hidden && what(m))
    }
}

/// One page of a list and the cursor of the next (opaque to clients: an offset).
pub fn page<T: Clone>(items: &[T], cursor: Option<&Value>, size: usize) -> Result<(Vec<T>, Option<String>), String> {
    let start = match cursor {
        None | Some(Value::Null) => 0,
        Some(Value::String(c)) => decode_cursor(c).filter(|s| *s <= items.len()).ok_or_else(|| {
            format!("invalid cursor {c:?}: pass back the `nextCursor` of the previous page, or none for the first page")
        })?,
        Some(other) => return Err(format!("`cursor` must be a string, not {other}")),
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| BASE64URL_NOPAD.encode(format!("offset:{end}").as_bytes()));
    Ok((items[start..end].to_vec(), next))
}

fn decode_cursor(c: &str) -> Option<usize> {
    let raw = BASE64URL_NOPAD.decode(c.as_bytes()).ok()?;
    std::str::from_utf8(&raw).ok()?.strip_prefix("offset:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_follow_their_cursors_to_the_end() {
        let items: Vec<u32> = (0..5).collect();
        let (p1, c1) = page(&items, None, 2).unwrap();
        let (p2, c2) = page(&items, Some(&json!(c1.unwrap())), 2).unwrap();
        let (p3, c3) = page(&items, Some(&json!(c2.unwrap())), 2).unwrap();
        assert_eq!((p1, p2, p3, c3), (vec![0, 1], vec![2, 3], vec![4], None));
        assert!(page(&items, Some(&json!("garbage")), 2).unwrap_err().contains("invalid cursor"));
    }
}
