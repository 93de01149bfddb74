//! `note-box` test service: its `run` lasts forever while callers hand it `note`s,
//! a resource the *host* defines in every guest's own store. Each note arrives here
//! as a fresh handle in this service's store (the host moved its data), stays in
//! the map below across calls, goes back to a caller (`take`) or into a fresh
//! instance of the handler component (`deliver`).
use std::cell::RefCell;
use std::collections::HashMap;

wit_bindgen::generate!({
    path: "../../wit/notes-async",
    world: "note-box",
});

use exports::outrigger::notes::shelf::Guest;
use outrigger::notes::types::Note;

thread_local! {
    static NOTES: RefCell<(u32, HashMap<u32, Note>)> = RefCell::new((0, HashMap::new()));
}

fn describe(n: &Note) -> String {
    format!("{} {:?}", n.text(), n.tags())
}

struct NoteBox;

impl Guest for NoteBox {
    async fn put(n: Note) -> u32 {
        NOTES.with_borrow_mut(|(next, map)| {
            *next += 1;
            map.insert(*next, n);
            *next
        })
    }

    async fn peek(n: &Note) -> String {
        let seen = describe(n);
        // Changing a borrowed note changes the service's copy only.
        n.add_tag("peeked");
        seen
    }

    async fn take(id: u32) -> Option<Note> {
        NOTES.with_borrow_mut(|(_, map)| map.remove(&id))
    }

    async fn deliver(id: u32) -> Result<String, String> {
        let note = NOTES.with_borrow_mut(|(_, map)| map.remove(&id)).ok_or(format!("no note {id}"))?;
        Ok(outrigger::notes::handler::handle(note).await)
    }
}

export!(NoteBox);

struct Run;

impl wasip3::exports::cli::run::Guest for Run {
    async fn run() -> Result<(), ()> {
        loop {
            wasip3::clocks::monotonic_clock::wait_for(1_000_000_000).await;
        }
    }
}

wasip3::cli::command::export!(Run);
