//! A quick A/B check between full bench runs: per-URL p50 of `Engine::decide` on the real
//! requests with a compiled ruleset loaded, timed exactly as the verdict bench times it (median
//! of 15 shuffled calls per URL), in seconds rather than minutes.
//!
//! `cargo run --release -p schoolgate-bench --example decide_p50 -- RULESET_FILE`
//! (`write_ruleset` writes the file). Not a substitute for `cargo bench`: no adblock, no
//! criterion, one URL set.
use std::hint::black_box;

use schoolgate_bench::{
    builtin_engine_with, human_ns, load_average, matching_requests, or_exit, per_item_medians,
    shared_data_dir, Summary, GROUP, SCHOOL_DAY,
};
use schoolgate_core::engine::Request;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: decide_p50 RULESET_FILE");
        std::process::exit(2);
    };
    let engine = or_exit(builtin_engine_with(Some(&path)));
    let urls = or_exit(matching_requests(&shared_data_dir()));
    for round in 0..3 {
        let times = per_item_medians(&urls, 15, round + 1, |u| {
            black_box(engine.decide(&Request::new(u.url.as_bytes(), GROUP, SCHOOL_DAY)));
        });
        let s = Summary::of(&times);
        println!(
            "decide p50 {} p90 {} p99 {} mean {} (load {})",
            human_ns(s.p50),
            human_ns(s.p90),
            human_ns(s.p99),
            human_ns(s.mean),
            load_average()
        );
    }
}
