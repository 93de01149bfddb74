//! `wrong-client`: built against an *older, different* copy of
//! `outrigger:examples/counter` (`incr` takes a u32), so linking it to the real
//! counter service must fail with a message that names the function and the types.
wit_bindgen::generate!({
    inline: "
        package outrigger:examples@0.1.0;
        interface counter {
            incr: func(n: u32) -> u64;
        }
        world wrong-client {
            import counter;
            export go: func() -> u64;
        }
    ",
});

struct Wrong;

impl Guest for Wrong {
    fn go() -> u64 {
        outrigger::examples::counter::incr(1)
    }
}

export!(Wrong);
