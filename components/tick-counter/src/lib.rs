//! `tick-counter`: handles a cron tick (service -> component) by calling the
//! `counter` service (component -> service). A fresh instance serves every tick.
wit_bindgen::generate!({
    path: "../../wit/examples",
    world: "tick-counter",
});

use exports::outrigger::examples::tick_handler;
use outrigger::examples::counter;

struct TickCounter;

impl tick_handler::Guest for TickCounter {
    fn on_tick(seq: u64) -> Result<(), String> {
        let value = counter::incr(1);
        if seq % 10 == 0 {
            eprintln!("tick-counter: tick {seq}, counter is now {value}");
        }
        Ok(())
    }
}

export!(TickCounter);
