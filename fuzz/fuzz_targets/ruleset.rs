//! `cargo fuzz run ruleset`: see schoolgate_fuzz::ruleset for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| schoolgate_fuzz::ruleset(data));
