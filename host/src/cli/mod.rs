//! Helpers of the `outrigger` command line that other front ends may reuse: call
//! expressions (`component.function(args)` in WAVE) and the status file that
//! `outrigger status` reads.
pub mod call_expr;
pub mod status_file;
