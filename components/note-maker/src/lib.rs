//! `note-maker` test component (WASI 0.2 style, sync exports): builds `note`s, a
//! data resource the host owns in this component's own store, and passes them to
//! the note-box service by value (`put`, `take`) and by reference (`peek`). It also
//! exports the `handler` the service delivers notes to, in a fresh instance.
wit_bindgen::generate!({
    path: "../../wit/notes",
    world: "note-maker",
});

use exports::outrigger::notes::{handler, maker};
use outrigger::notes::shelf;
use outrigger::notes::types::Note;

fn describe(n: &Note) -> String {
    format!("{} {:?}", n.text(), n.tags())
}

struct Maker;

impl maker::Guest for Maker {
    fn make(text: String) -> u32 {
        let note = Note::new(&text);
        note.append("!");
        note.add_tag("made");
        note.add_tag("here");
        shelf::put(note)
    }

    fn peek_fresh(text: String) -> String {
        let note = Note::new(&text);
        note.add_tag("mine");
        let seen = shelf::peek(&note);
        // The caller's note is untouched by what the service did to its copy.
        format!("{seen} / after: {}", describe(&note))
    }

    fn fetch(id: u32) -> Option<String> {
        shelf::take(id).map(|n| describe(&n))
    }

    fn deliver(id: u32) -> Result<String, String> {
        shelf::deliver(id)
    }

    fn use_after_drop() -> String {
        let note = Note::new("gone");
        let handle = note.take_handle();
        drop(unsafe { Note::from_handle(handle) });
        // SAFETY: deliberately wrong, to show what the host does with a dead handle.
        let dead = unsafe { Note::from_handle(handle) };
        dead.text()
    }
}

impl handler::Guest for Maker {
    fn handle(n: Note) -> String {
        n.add_tag("handled");
        format!("handled: {}", describe(&n))
    }
}

export!(Maker);
