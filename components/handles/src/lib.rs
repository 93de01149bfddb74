//! `handles`: exports and imports an interface with a resource. Two members built
//! from this one file, linked to each other, would pass resource handles between
//! stores; outrigger refuses that link with a clear error (see tests/e2e).
wit_bindgen::generate!({
    inline: "
        package outrigger:fixtures@0.1.0;
        interface handles {
            resource thing {
                constructor(label: string);
                label: func() -> string;
            }
            make: func(label: string) -> thing;
        }
        world handles-world {
            import handles;
            export handles;
        }
    ",
});

use exports::outrigger::fixtures::handles::{Guest, GuestThing, Thing};

struct Handles;

struct MyThing(String);

impl GuestThing for MyThing {
    fn new(label: String) -> Self {
        MyThing(label)
    }
    fn label(&self) -> String {
        // Round-trips through the imported copy, so the import is really used.
        outrigger::fixtures::handles::make(&self.0).label()
    }
}

impl Guest for Handles {
    type Thing = MyThing;
    fn make(label: String) -> Thing {
        Thing::new(MyThing(label))
    }
}

export!(Handles);
