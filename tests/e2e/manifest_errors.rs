//! Bad input gets one clear error: what is wrong, where, and how to fix it. One
//! case per kind of mistake, each checked for exactly one problem and its wording.
use crate::common::{TestManifest, options};
use outrigger::{Manifest, Workload};

/// Parses `yaml` and returns the problems as (at, what, fix) text.
fn manifest_problems(yaml: &str) -> Vec<String> {
    let m = TestManifest::new(yaml);
    match Manifest::load(&m.path) {
        Ok(_) => Vec::new(),
        Err(e) => {
            assert_eq!(e.file, m.path, "the error names the file");
            e.problems.iter().map(|p| format!("{} | {} | {}", p.at, p.what, p.fix)).collect()
        }
    }
}

fn one_problem(yaml: &str, expect: &[&str]) {
    let problems = manifest_problems(yaml);
    assert_eq!(problems.len(), 1, "expected exactly one problem, got {problems:#?}");
    for e in expect {
        assert!(problems[0].contains(e), "`{e}` not in: {}", problems[0]);
    }
}

const SVC: &str = "component: \"{wasm}/counter_service.wasm\"";
const CLIENT: &str = "component: \"{wasm}/counter_client.wasm\"";

#[test]
fn misspelled_field_suggests_the_right_one() {
    one_problem(
        &format!("metadata: {{ name: t }}\nspec:\n  services:\n    - name: a\n      {SVC}\n      maxRestart: 3\n"),
        &["unknown field `maxRestart`", "did you mean `maxRestarts`?", "line 6, column 7"],
    );
}

#[test]
fn yaml_syntax_error_has_a_location() {
    one_problem("metadata: { name: t\nspec: [\n", &["line", "column"]);
}

#[test]
fn missing_component_file_says_where_it_looked() {
    one_problem(
        "metadata: { name: t }\nspec:\n  services:\n    - name: a\n      component: nope/missing.wasm\n",
        &["spec.services[0].component", "does not exist", "missing.wasm", "relative to the manifest"],
    );
}

#[test]
fn oci_references_are_checked_for_shape() {
    // A well-formed reference is pulled when the workload starts (tests/e2e/oci/).
    let ok = "metadata: { name: t }\nspec:\n  components:\n    - name: a\n      component: ghcr.io/acme/thing:1.0\n";
    assert_eq!(manifest_problems(ok), Vec::<String>::new());
    one_problem(
        "metadata: { name: t }\nspec:\n  components:\n    - name: a\n      component: ghcr.io/acme/thing@sha256:12\n",
        &["spec.components[0].component", "not a valid OCI reference", "registry/repository:tag"],
    );
}

#[test]
fn invalid_and_duplicate_names() {
    one_problem(
        &format!("metadata: {{ name: t }}\nspec:\n  services:\n    - name: Bad_Name\n      {SVC}\n"),
        &["spec.services[0].name", "not a valid name", "lowercase"],
    );
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  services:\n    - name: a\n      {SVC}\n  components:\n    - name: a\n      {CLIENT}\n"
        ),
        &["spec.components[0].name", "already used by spec.services[0]"],
    );
}

#[test]
fn bad_units() {
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  components:\n    - name: a\n      {CLIENT}\n      limits: {{ timeout: soon }}\n"
        ),
        &["invalid duration `soon`", "250ms"],
    );
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  components:\n    - name: a\n      {CLIENT}\n      limits: {{ memory: lots }}\n"
        ),
        &["invalid size `lots`", "64MiB"],
    );
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  components:\n    - name: a\n      {CLIENT}\n      limits: {{ memory: 100Gi }}\n"
        ),
        &["limits.memory", "exceeds"],
    );
}

#[test]
fn fields_in_the_wrong_kind_of_entry() {
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  components:\n    - name: a\n      {CLIENT}\n      maxRestarts: 3\n"
        ),
        &["spec.components[0].maxRestarts", "only applies to services"],
    );
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  services:\n    - name: a\n      {SVC}\n      limits: {{ timeout: 1s }}\n"
        ),
        &["spec.services[0].limits.timeout", "calls.timeout"],
    );
}

#[test]
fn bad_permissions_links_and_header() {
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  services:\n    - name: a\n      {SVC}\n      allowedHosts: [\"host:port\"]\n"
        ),
        &["allowedHosts[0]", "not a port number"],
    );
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  components:\n    - name: a\n      {CLIENT}\n      links: {{ \"outrigger:examples/counter\": ghost }}\n"
        ),
        &["no service or component named `ghost`"],
    );
    one_problem(
        &format!("kind: Deployment\nmetadata: {{ name: t }}\nspec:\n  services:\n    - name: a\n      {SVC}\n"),
        &["kind", "use `Workload`"],
    );
    one_problem("metadata: { name: t }\nspec: {}\n", &["no services and no components"]);
    one_problem(
        &format!(
            "metadata: {{ name: t }}\nspec:\n  services:\n    - name: a\n      {SVC}\n      backoff: {{ initial: 10s, max: 1s }}\n"
        ),
        &["initial (10s) is larger than max (1s)"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let problems = manifest_problems(
        "metadata: { name: t }\nspec:\n  services:\n    - name: a\n      component: x.wasm\n  components:\n    - name: B\n      component: y.wasm\n",
    );
    assert_eq!(problems.len(), 3, "{problems:#?}");
}

/// Checks that an error message says each of `expected`.
fn assert_mentions(msg: &str, expected: &[&str]) {
    for e in expected {
        assert!(msg.contains(e), "`{e}` not in:\n{msg}");
    }
}

/// Manifest is fine; linking is not. Returns the error message and its problem count.
async fn link_errors(yaml: &str) -> (String, usize) {
    let m = TestManifest::new(yaml);
    let manifest = m.load();
    let err = Workload::check(&manifest, options()).await.expect_err("must not link");
    let msg = format!("{err:#}");
    let problems = msg.matches("\n  - ").count();
    (msg, problems)
}

/// Like [`link_errors`], for cases that must give exactly one problem.
async fn link_error(yaml: &str) -> String {
    let (msg, problems) = link_errors(yaml).await;
    assert_eq!(problems, 1, "expected exactly one problem: {msg}");
    msg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_nobody_provides_names_the_import_and_the_offers() {
    let msg = link_error("metadata: { name: t }\nspec:\n  components:\n    - name: ticks\n      component: \"{wasm}/tick_counter.wasm\"\n    - name: upper\n      component: \"{wasm}/upper.wasm\"\n").await;
    assert_mentions(
        &msg,
        &[
            "component `ticks` imports `outrigger:examples/counter@0.1.0`",
            "nothing provides it",
            "component `upper` exports: outrigger:examples/transform@0.1.0",
            "fix:",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wit_mismatch_names_the_function_and_both_types() {
    let msg = link_error(&format!("metadata: {{ name: t }}\nspec:\n  services:\n    - name: counter\n      {SVC}\n  components:\n    - name: wrong\n      component: \"{{wasm}}/wrong_client.wasm\"\n")).await;
    assert_mentions(
        &msg,
        &[
            "function `incr` differs",
            "imported as `func(n: u32) -> u64`",
            "exported as `async func(n: u64) -> u64`",
            "parameter `n`: u32 vs u64",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_providers_need_a_link() {
    let msg = link_error(&format!(
        "metadata: {{ name: t }}\nspec:\n  services:\n    - name: one\n      {SVC}\n    - name: two\n      {SVC}\n  components:\n    - name: client\n      {CLIENT}\n      links: {{ \"outrigger:examples/slow\": one }}\n"
    ))
    .await;
    assert_mentions(
        &msg,
        &[
            "imports `outrigger:examples/counter@0.1.0`",
            "2 members export it",
            "links: { \"outrigger:examples/counter\": <name> }",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_across_instances_are_refused_clearly() {
    // Two members built from one file, each importing the other's `handles`: one
    // problem per import, each naming the resource.
    let (msg, problems) = link_errors("metadata: { name: t }\nspec:\n  components:\n    - name: a\n      component: \"{wasm}/handles.wasm\"\n    - name: b\n      component: \"{wasm}/handles.wasm\"\n").await;
    assert_eq!(problems, 2, "{msg}");
    assert_mentions(
        &msg,
        &[
            "component `a` imports `outrigger:fixtures/handles@0.1.0`, which component `b` exports",
            "resource `thing`",
            "cannot be served across instances",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_and_components_in_the_wrong_list() {
    let msg =
        link_error(&format!("metadata: {{ name: t }}\nspec:\n  components:\n    - name: counter\n      {SVC}\n")).await;
    assert!(
        msg.contains("exports wasi:cli/run: it is a service") && msg.contains("move it under spec.services"),
        "{msg}"
    );
    let msg = link_error(
        "metadata: { name: t }\nspec:\n  services:\n    - name: upper\n      component: \"{wasm}/upper.wasm\"\n",
    )
    .await;
    assert!(msg.contains("does not export wasi:cli/run") && msg.contains("spec.components"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_component() {
    let m = TestManifest::new(
        "metadata: { name: t }\nspec:\n  components:\n    - name: core\n      component: core.wasm\n    - name: text\n      component: notes.wasm\n",
    );
    std::fs::write(m.dir.path().join("core.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(m.dir.path().join("notes.wasm"), b"hello").unwrap();
    let err = Workload::check(&m.load(), options()).await.expect_err("must fail");
    let msg = format!("{err:#}");
    // A file that cannot be compiled is a loading problem, not a linking one.
    assert!(matches!(err, outrigger::StartError::Load { ref problems } if problems.len() == 2), "{msg}");
    assert!(msg.starts_with("cannot load this workload's components: 2 problems"), "{msg}");
    assert!(!msg.contains("cannot link"), "{msg}");
    assert!(
        msg.contains("core WebAssembly module, not a component") && msg.contains("wasm-tools component new"),
        "{msg}"
    );
    assert!(msg.contains("not a WebAssembly file"), "{msg}");
}
