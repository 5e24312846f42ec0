//! `cargo fuzz run lists`: see schoolgate_fuzz::lists for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| schoolgate_fuzz::lists(data));
