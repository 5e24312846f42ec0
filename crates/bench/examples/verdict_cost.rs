//! Instruction counts per verdict under `valgrind --tool=callgrind`, which repeat exactly from run
//! to run where wall-clock times on a shared machine do not:
//!
//! ```sh
//! valgrind --tool=callgrind target/release/examples/verdict_cost decide   # LIMIT=0, then LIMIT=3000
//! ```
//!
//! Runs `decide` (or `classify`, `canonicalize`) on the first `LIMIT` (default all) real browser
//! requests, with the built-in lists and, when `RULESET=FILE` is set, a compiled ruleset (written
//! by the `write_ruleset` example). The cost of one call is the difference between two runs'
//! totals divided by the difference in `LIMIT`, so loading costs cancel out.
use std::hint::black_box;

use schoolgate_bench::{
    builtin_engine_with, matching_requests, or_exit, shared_data_dir, GROUP, SCHOOL_DAY,
};
use schoolgate_core::canon;
use schoolgate_core::engine::Request;

fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "decide".into());
    let limit: usize = std::env::var("LIMIT")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    let ruleset = std::env::var("RULESET").ok();
    let engine = or_exit(builtin_engine_with(ruleset.as_deref()));
    let urls = or_exit(matching_requests(&shared_data_dir()));
    for u in urls.iter().take(limit) {
        let request = Request::new(u.url.as_bytes(), GROUP, SCHOOL_DAY);
        match what.as_str() {
            "decide" => {
                black_box(engine.decide_now(&request));
            }
            "classify" => {
                black_box(engine.classify(&request));
            }
            "canonicalize" => {
                black_box(canon::parse(u.url.as_bytes()).ok());
            }
            other => {
                eprintln!("usage: verdict_cost [decide|classify|canonicalize] (not {other:?})");
                std::process::exit(2);
            }
        }
    }
}
