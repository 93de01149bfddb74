//! Unit tests of the linking rules and their messages, on components written in
//! WAT text (no wasm files, no stores). A provider here re-exports an instance it
//! imports from `test:host/impl`, which the test catalogue says the host serves.
use super::wit_types::{ErrorShape, describe, same_shape};
use super::*;
use crate::engine::catalogue::{HostInterfaces, Serving};
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

fn engine() -> Engine {
    Engine::new(Config::new().wasm_component_model_async(true)).unwrap()
}

fn info(engine: &Engine, wat: &str) -> ComponentInfo {
    let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("bad test WAT: {e}\n{wat}"));
    ComponentInfo::of(engine, &Component::new(engine, bytes).unwrap())
}

fn catalogue() -> Catalogue {
    let fam = HostInterfaces::new("test host", &["test:host/impl@0.1.0"], Serving::Always, |_| Ok(()));
    let fallback =
        HostInterfaces::new("test fallback", &["test:host/logging@0.1.0"], Serving::UnlessExported, |_| Ok(()));
    Catalogue::builtin().with(fam).with(fallback)
}

/// One function: its name, its component-level signature and the core signature
/// it lowers to (the provider lifts a stub core function with that signature).
type Func<'a> = (&'a str, &'a str, &'a str);

/// A component exporting `iface` with `funcs` (stub bodies: never called here).
fn provider(iface: &str, funcs: &[Func<'_>]) -> String {
    let core: String =
        funcs.iter().map(|(name, _, core)| format!(r#"(func (export "{name}") {core} unreachable)"#)).collect();
    let lifted: String = funcs
        .iter()
        .map(|(name, sig, _)| {
            format!(
                r#"(func ${name} {sig} (canon lift (core func $i "{name}") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))"#
            )
        })
        .collect();
    let exports: String = funcs.iter().map(|(name, _, _)| format!(r#"(export "{name}" (func ${name}))"#)).collect();
    format!(
        r#"(component
            (core module $m
                (memory (export "memory") 1)
                (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable)
                {core})
            (core instance $i (instantiate $m))
            {lifted}
            (instance $inst {exports})
            (export "{iface}" (instance $inst)))"#
    )
}

/// A component importing `iface` with `funcs`.
fn consumer(iface: &str, funcs: &[Func<'_>]) -> String {
    let decls: String = funcs.iter().map(|(name, sig, _)| format!(r#"(export "{name}" (func {sig}))"#)).collect();
    consumer_raw(iface, &decls)
}

/// A component importing `iface`, its instance type written out.
fn consumer_raw(iface: &str, decls: &str) -> String {
    format!(r#"(component (import "{iface}" (instance {decls})))"#)
}

const ADD: &[Func<'static>] =
    &[("add", r#"(param "a" u32) (param "b" u32) (result u32)"#, "(param i32 i32) (result i32)")];

struct Ws {
    members: Vec<(String, Role, ComponentInfo, BTreeMap<String, String>)>,
}

impl Ws {
    fn new() -> Ws {
        Ws { members: Vec::new() }
    }
    fn add(mut self, engine: &Engine, name: &str, role: Role, wat: &str) -> Ws {
        self.members.push((name.into(), role, info(engine, wat), BTreeMap::new()));
        self
    }
    fn link(mut self, member: &str, iface: &str, to: &str) -> Ws {
        let m = self.members.iter_mut().find(|m| m.0 == member).unwrap();
        m.3.insert(iface.into(), to.into());
        self
    }
    fn plan(&self) -> Result<Plan, PlanError> {
        let view: Vec<Member<'_>> =
            self.members.iter().map(|(name, role, info, links)| Member { name, role: *role, info, links }).collect();
        Plan::build(&view, &catalogue())
    }
}

#[test]
fn an_import_links_to_the_one_member_that_exports_it() {
    let e = engine();
    let plan = Ws::new()
        .add(&e, "calc", Role::Service, &provider("a:b/math@0.1.2", ADD))
        .add(&e, "user", Role::Component, &consumer("a:b/math@0.1.0", ADD))
        .plan()
        .unwrap();
    assert!(plan.imports[0].is_empty(), "test:host/impl is served by the host");
    let [link] = plan.imports[1].as_slice() else { panic!("{:?}", plan.imports) };
    assert_eq!((link.import.as_str(), link.provider), ("a:b/math@0.1.0", 0));
    let [f] = link.functions.as_slice() else { panic!() };
    assert_eq!((f.name.as_str(), f.target, f.import_async, f.moves_data), ("add", 0, false, false));
    let exported = &plan.exports[0][0];
    assert_eq!((exported.interface.as_str(), exported.function.as_str()), ("a:b/math@0.1.2", "add"));
}

#[test]
fn nothing_provides_it_names_the_offers_and_the_host_catalogue() {
    let e = engine();
    let err = Ws::new()
        .add(&e, "calc", Role::Service, &provider("a:b/other@0.1.0", ADD))
        .add(&e, "user", Role::Component, &consumer("a:b/math@0.1.0", ADD))
        .plan()
        .unwrap_err();
    let [p] = err.problems.as_slice() else { panic!("{err}") };
    assert!(p.starts_with("component `user` imports `a:b/math@0.1.0`, but nothing provides it"), "{p}");
    assert!(p.contains("the host serves only WASI 0.2, WASI 0.3, wasi:config"), "{p}");
    assert!(p.contains("service `calc` exports: a:b/other@0.1.0"), "{p}");
    assert!(err.to_string().starts_with("cannot link this workload: 1 problem\n  - "), "{err}");
}

#[test]
fn incompatible_versions_do_not_link() {
    let e = engine();
    let err = Ws::new()
        .add(&e, "calc", Role::Service, &provider("a:b/math@0.2.0", ADD))
        .add(&e, "user", Role::Component, &consumer("a:b/math@0.1.0", ADD))
        .plan()
        .unwrap_err();
    assert!(err.problems[0].contains("nothing provides it"), "{err}");
}

#[test]
fn two_exporters_need_links_and_links_are_checked() {
    let e = engine();
    let ws = || {
        Ws::new()
            .add(&e, "one", Role::Service, &provider("a:b/math@0.1.0", ADD))
            .add(&e, "two", Role::Component, &provider("a:b/math@0.1.0", ADD))
            .add(&e, "user", Role::Component, &consumer("a:b/math@0.1.0", ADD))
    };
    let err = ws().plan().unwrap_err();
    assert!(err.problems[0].contains("2 members export it: service `one`, component `two`"), "{err}");
    assert!(err.problems[0].contains(r#"links: { "a:b/math": <name> }"#), "{err}");
    let plan = ws().link("user", "a:b/math", "two").plan().unwrap();
    assert_eq!(plan.imports[2][0].provider, 1);
    let err = ws().link("user", "a:b/math", "ghost").plan().unwrap_err();
    assert!(err.problems[0].contains("links.a:b/math names `ghost`, which is not in this workload"), "{err}");
}

#[test]
fn a_function_that_differs_says_where() {
    let e = engine();
    let wide: &[Func<'_>] =
        &[("add", r#"(param "a" u32) (param "b" u64) (result u32)"#, "(param i32 i64) (result i32)")];
    let err = Ws::new()
        .add(&e, "calc", Role::Service, &provider("a:b/math@0.1.0", wide))
        .add(&e, "user", Role::Component, &consumer("a:b/math@0.1.0", ADD))
        .plan()
        .unwrap_err();
    let p = &err.problems[0];
    assert!(p.contains("function `add` differs"), "{p}");
    assert!(p.contains("imported as `func(a: u32, b: u32) -> u32`, exported as `func(a: u32, b: u64) -> u32`"), "{p}");
    assert!(p.contains("parameter `b`: u32 vs u64"), "{p}");
    let missing: &[Func<'_>] = &[("sub", ADD[0].1, ADD[0].2)];
    let err = Ws::new()
        .add(&e, "calc", Role::Service, &provider("a:b/math@0.1.0", missing))
        .add(&e, "user", Role::Component, &consumer("a:b/math@0.1.0", ADD))
        .plan()
        .unwrap_err();
    assert!(err.problems[0].contains("its export has no function `add` (it has: sub)"), "{err}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = engine();
    let err = Ws::new()
        .add(&e, "a", Role::Component, &consumer("x:y/one@1.0.0", ADD))
        .add(&e, "b", Role::Component, &consumer("x:y/two@1.0.0", ADD))
        .plan()
        .unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
}

#[test]
fn type_only_interfaces_need_no_provider() {
    // What a component written for wasmCloud imports next to `consumer`: only a
    // record type, no functions.
    let e = engine();
    let types = r#"(component
        (import "wasmcloud:messaging/types@0.2.0" (instance
            (type $m (record (field "subject" string) (field "body" (list u8))))
            (export "broker-message" (type (eq $m))))))"#;
    let plan = Ws::new().add(&e, "wc", Role::Component, types).plan().unwrap();
    assert!(plan.imports[0].is_empty());
    // ...and the host's linker instantiates it as it is.
    let c = Component::new(&e, wat::parse_str(types).unwrap()).unwrap();
    catalogue().linker(&e).unwrap().instantiate_pre(&c).expect("a type-only import links");
}

#[test]
fn host_fallbacks_give_way_to_a_member_that_exports_them() {
    let e = engine();
    let log: &[Func<'_>] = &[("log", r#"(param "msg" string)"#, "(param i32 i32)")];
    // No member exports it: the host serves it.
    let plan = Ws::new().add(&e, "app", Role::Component, &consumer("test:host/logging@0.1.0", log)).plan().unwrap();
    assert!(plan.imports[0].is_empty());
    // A member exports it: that member serves it.
    let plan = Ws::new()
        .add(&e, "logger", Role::Service, &provider("test:host/logging@0.1.0", log))
        .add(&e, "app", Role::Component, &consumer("test:host/logging@0.1.0", log))
        .plan()
        .unwrap();
    assert_eq!(plan.imports[1][0].provider, 0);
}

#[test]
fn resources_and_streams_do_not_cross_unless_the_host_owns_them_as_data() {
    let e = engine();
    let res = r#"(export "thing" (type (sub resource))) (export "make" (func (result (own 0))))"#;
    // The check reads the importing side: whatever the provider's functions are.
    let err = Ws::new()
        .add(&e, "p", Role::Component, &provider("a:b/things@0.1.0", ADD))
        .add(&e, "c", Role::Component, &consumer_raw("a:b/things@0.1.0", res))
        .plan()
        .unwrap_err();
    assert!(err.problems[0].contains("it defines the resource `thing`"), "{err}");
    let i = info(&e, &consumer_raw("a:b/later@0.1.0", r#"(export "later" (func (result (future u32))))"#));
    let ty = i.imports[0].functions[0].ty.results().next().unwrap();
    assert_eq!(uncrossable(&ty), Some("a future"));
    let i = info(&e, &consumer_raw("a:b/things@0.1.0", res));
    let ty = i.imports[0].functions[0].ty.results().next().unwrap();
    assert_eq!(uncrossable(&ty), None, "resources are judged by whether the host owns them as data");
    assert_eq!(resources_in(&ty).len(), 1);
}

#[test]
fn error_shapes_and_type_spelling() {
    let e = engine();
    let i = info(
        &e,
        &consumer_raw(
            "a:b/shapes@0.1.0",
            r#"(type $e (variant (case "timeout") (case "other" string)))
               (export "error" (type $err (eq $e)))
               (type $r (record (field "x" (list u8)) (field "y" (option s64))))
               (export "rec" (type $rec (eq $r)))
               (export "s" (func (result (result u32 (error string)))))
               (export "v" (func (result (result (error $err)))))
               (export "n" (func (result (result u32))))
               (export "r" (func (param "p" $rec)))"#,
        ),
    );
    let f = |name: &str| i.imports[0].functions.iter().find(|f| f.name == name).unwrap().ty.clone();
    let results = |name: &str| f(name).results().collect::<Vec<_>>();
    assert!(matches!(ErrorShape::of(&results("s")), Some(ErrorShape::String)));
    assert!(matches!(ErrorShape::of(&results("v")), Some(ErrorShape::VariantCase(c)) if c == "other"));
    assert!(ErrorShape::of(&results("n")).is_none());
    let param = f("r").params().next().unwrap().1;
    assert_eq!(describe(&param), "record { x: list<u8>, y: option<s64> }");
    assert_eq!(describe(&results("v")[0]), "result<_, variant { timeout, other(string) }>");
    assert!(same_shape(&param, &param).is_ok());
    let err = same_shape(&param, &results("s")[0]).unwrap_err();
    assert_eq!(err, "record { x: list<u8>, y: option<s64> } vs result<u32, string>");
}
