//! `upper`: the last step of a transform chain; uppercases its input.
wit_bindgen::generate!({
    path: "../../wit/examples",
    world: "transform-leaf",
});

struct Upper;

impl exports::outrigger::examples::transform::Guest for Upper {
    fn apply(input: String) -> String {
        input.to_uppercase()
    }
}

export!(Upper);
