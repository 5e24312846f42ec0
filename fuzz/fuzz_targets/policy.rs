//! `cargo fuzz run policy`: see schoolgate_fuzz::policy for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| schoolgate_fuzz::policy(data));
