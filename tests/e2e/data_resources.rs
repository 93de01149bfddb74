//! Host-owned data resources, end to end, with the small `outrigger:notes` example
//! (wit/notes/): the test adds a catalogue entry that serves `notes/types` (a
//! `note` resource implemented here with `bindgen!`, as an embedder would), and the
//! real `note-maker` component and `note-box` service pass notes around. Also shows
//! the catalogue is the single source: the entry appears in `inspect`, the planner
//! stops asking for a provider, and the linker serves it.
use crate::common::{TestManifest, options, wasm_dir};
use outrigger::engine::data::{DataKind, DataResource};
use outrigger::{CallError, Catalogue, Ctx, HostInterfaces, HostOptions, Serving, StartError, Val, Workload};
use std::sync::Arc;
use wasmtime::component::{HasSelf, Resource};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/notes",
        world: "host",
        with: { "outrigger:notes/types.note": super::Note },
    });
}
use bindings::outrigger::notes::types as notes;

/// The host's data behind a `note` handle.
pub struct Note {
    pub text: String,
    pub tags: Vec<String>,
}

impl DataResource for Note {
    fn into_plain(self) -> Val {
        Val::Record(vec![
            ("text".into(), Val::String(self.text)),
            ("tags".into(), Val::List(self.tags.into_iter().map(Val::String).collect())),
        ])
    }
    fn to_plain(&self) -> Val {
        Note { text: self.text.clone(), tags: self.tags.clone() }.into_plain()
    }
    fn from_plain(plain: Val) -> Result<Self, String> {
        let Val::Record(fields) = plain else { return Err(format!("a note is a record, not {plain:?}")) };
        let mut note = Note { text: String::new(), tags: Vec::new() };
        for (name, v) in fields {
            match (name.as_str(), v) {
                ("text", Val::String(s)) => note.text = s,
                ("tags", Val::List(l)) => {
                    note.tags =
                        l.into_iter().filter_map(|t| if let Val::String(s) = t { Some(s) } else { None }).collect()
                }
                (other, v) => return Err(format!("unexpected note field {other}: {v:?}")),
            }
        }
        Ok(note)
    }
}

impl notes::Host for Ctx {}

impl notes::HostNote for Ctx {
    fn new(&mut self, text: String) -> Resource<Note> {
        self.table.push(Note { text, tags: Vec::new() }).expect("table has room")
    }
    fn text(&mut self, n: Resource<Note>) -> String {
        self.table.get(&n).expect("live note").text.clone()
    }
    fn append(&mut self, n: Resource<Note>, more: String) {
        self.table.get_mut(&n).expect("live note").text.push_str(&more);
    }
    fn tags(&mut self, n: Resource<Note>) -> Vec<String> {
        self.table.get(&n).expect("live note").tags.clone()
    }
    fn add_tag(&mut self, n: Resource<Note>, tag: String) {
        self.table.get_mut(&n).expect("live note").tags.push(tag);
    }
    fn drop(&mut self, n: Resource<Note>) -> wasmtime::Result<()> {
        self.table.delete(n)?;
        Ok(())
    }
}

/// The catalogue entry an embedder would add: the interface, how the host serves
/// it, and which of its resources are data.
fn notes_family() -> HostInterfaces {
    HostInterfaces::new("notes (test)", &["outrigger:notes/types@0.1.0"], Serving::Always, |linker| {
        notes::add_to_linker::<Ctx, HasSelf<Ctx>>(linker, |c| c)
    })
    .with_data(DataKind::of::<Note>("outrigger:notes/types@0.1.0", "note"))
}

pub(crate) fn notes_options() -> HostOptions {
    HostOptions { catalogue: Arc::new(Catalogue::builtin().with(notes_family())), ..options() }
}

const NOTES: &str = r#"
metadata: { name: notes }
spec:
  services:
    - name: box
      component: "{wasm}/note_box_service.wasm"
  components:
    - name: maker
      component: "{wasm}/note_maker.wasm"
"#;

async fn start_notes() -> (Workload, TestManifest) {
    let m = TestManifest::new(NOTES);
    let w = Workload::start(&m.load(), notes_options()).await.unwrap_or_else(|e| panic!("{e}"));
    w.wait_running(std::time::Duration::from_secs(20)).await.unwrap();
    (w, m)
}

fn string(v: &[Val]) -> String {
    match v {
        [Val::String(s)] => s.clone(),
        other => panic!("expected a string, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_move_between_stores_as_data() {
    let (w, _m) = start_notes().await;
    // Construct and mutate in the component's store, then move it to the service.
    let id = match w.invoke("maker", "make", &[Val::String("hello".into())]).await.unwrap().as_slice() {
        [Val::U32(id)] => *id,
        other => panic!("{other:?}"),
    };
    // Borrowed: the service sees a copy (and its change stays there).
    let peeked = string(&w.invoke("maker", "peek-fresh", &[Val::String("look".into())]).await.unwrap());
    assert_eq!(peeked, r#"look ["mine"] / after: look ["mine"]"#);
    // Moved back out of the service, into a fresh instance of the component.
    let fetched = w.invoke("maker", "fetch", &[Val::U32(id)]).await.unwrap();
    assert_eq!(fetched, vec![Val::Option(Some(Box::new(Val::String(r#"hello! ["made", "here"]"#.into()))))]);
    assert_eq!(
        w.invoke("maker", "fetch", &[Val::U32(id)]).await.unwrap(),
        vec![Val::Option(None)],
        "moved, not copied"
    );
    // Service -> fresh handler instance: the service hands its note over.
    let id = match w.invoke("maker", "make", &[Val::String("deliver me".into())]).await.unwrap().as_slice() {
        [Val::U32(id)] => *id,
        other => panic!("{other:?}"),
    };
    let delivered = w.invoke("maker", "deliver", &[Val::U32(id)]).await.unwrap();
    let expected = r#"handled: deliver me! ["made", "here", "handled"]"#;
    assert_eq!(delivered, vec![Val::Result(Ok(Some(Box::new(Val::String(expected.into())))))]);
    // The host itself passes a note as its plain value.
    let plain = Note { text: "from the host".into(), tags: vec!["t".into()] }.into_plain();
    let handled = string(&w.invoke("maker", "handle", &[plain]).await.unwrap());
    assert_eq!(handled, r#"handled: from the host ["t", "handled"]"#);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_or_foreign_handles_are_clear_errors() {
    let (w, _m) = start_notes().await;
    // A guest that uses a handle after dropping it traps; the host says why.
    let err = w.invoke("maker", "use-after-drop", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::Trapped { .. }), "{err}");
    assert!(err.to_string().contains("unknown handle index"), "{err}");
    // A value that is not a note's plain form where a note goes: refused, clearly.
    let err = w.invoke("maker", "handle", &[Val::String("not a note".into())]).await.unwrap_err();
    assert!(matches!(err, CallError::Handle { .. }), "{err}");
    assert!(err.to_string().contains("a note is a record"), "{err}");
    // The host is fine: the same component still works.
    let handled = w.invoke("maker", "handle", &[Note { text: "ok".into(), tags: vec![] }.into_plain()]).await.unwrap();
    assert_eq!(string(&handled), r#"handled: ok ["handled"]"#);
    let st = w.shutdown().await;
    assert_eq!(st.services[0].state, outrigger::ServiceState::Stopped, "the service never died");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_is_the_single_source() {
    // Without the entry, nothing serves `notes/types`: the planner says so and
    // names what the host does serve (read from the catalogue).
    let m = TestManifest::new(NOTES);
    let err = Workload::check(&m.load(), options()).await.unwrap_err();
    let StartError::Plan(plan) = &err else { panic!("expected a planning error, got {err}") };
    assert!(
        plan.problems.iter().any(|p| p.contains("imports `outrigger:notes/types@0.1.0`, but nothing provides it")
            && p.contains("the host serves only WASI 0.2, WASI 0.3")),
        "{err}"
    );
    // With it: planned, linked (pre-instantiated) and shown by inspect.
    Workload::check(&m.load(), notes_options()).await.unwrap_or_else(|e| panic!("{e}"));
    let engine = outrigger::HostEngine::new(Default::default(), notes_options().catalogue).unwrap();
    let component = engine.load_component(&wasm_dir().join("note_maker.wasm")).unwrap();
    let text = outrigger::ComponentInfo::of(&engine.engine, &component).describe(&engine.catalogue);
    assert!(text.contains("notes (test): outrigger:notes/types@0.1.0"), "{text}");
    assert!(text.contains("imports linked to other workload members:\n  outrigger:notes/shelf@0.1.0"), "{text}");
}
