//! `cargo fuzz run canon`: see schoolgate_fuzz::canon for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| schoolgate_fuzz::canon(data));
