//! `cargo fuzz run search`: see schoolgate_fuzz::search for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| schoolgate_fuzz::search(data));
