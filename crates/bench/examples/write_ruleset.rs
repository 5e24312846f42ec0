//! Compiles the shared real lists exactly as the benches do and writes the ruleset to a file, so
//! `crates/bench/examples/verdict_cost.rs` can count a verdict's instructions with ~1M domains loaded
//! (`RULESET=FILE`) without compiling them under callgrind.
//!
//! `cargo run --release -p schoolgate-bench --example write_ruleset -- /tmp/shared.sgr`
use std::time::Instant;

use schoolgate_bench::{or_exit, BenchData};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: write_ruleset FILE");
        std::process::exit(2);
    };
    let data = BenchData::load();
    let start = Instant::now();
    let (bytes, stats) = or_exit(data.lists.compile().map_err(|e| format!("compile: {e}")));
    let elapsed = start.elapsed();
    or_exit(std::fs::write(&path, &bytes).map_err(|e| format!("{path}: {e}")));
    let loads = schoolgate_bench::median_time(101, || {
        schoolgate_core::ruleset::Ruleset::from_bytes(std::hint::black_box(bytes.as_slice()))
            .map(|r| r.len())
    });
    println!(
        "{} rules, {} keys, {} tags in {} tag sets ({} keys overflowed), {} bytes \
         ({:.2} per distinct domain) compiled in {:.2?}, loaded in {:.2?} (median of 101): {path}",
        stats.entries,
        stats.keys,
        stats.tags,
        stats.tag_sets,
        stats.overflowed,
        bytes.len(),
        bytes.len() as f64 / data.lists.stats.distinct_domains.max(1) as f64,
        elapsed,
        loads
    );
}
