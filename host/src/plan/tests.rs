//! Unit tests of the linking rules, on components written in WAT (no wasm files).
