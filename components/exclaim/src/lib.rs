//! `exclaim`: transform middleware (component -> component). It imports the same
//! `transform` interface it exports, calls the next step of the chain and adds `!`.
//! The workload manifest's `links` says which component is "next".
wit_bindgen::generate!({
    path: "../../wit/examples",
    world: "transform-middleware",
});

struct Exclaim;

impl exports::outrigger::examples::transform::Guest for Exclaim {
    fn apply(input: String) -> String {
        let inner = outrigger::examples::transform::apply(&input);
        format!("{inner}!")
    }
}

export!(Exclaim);
