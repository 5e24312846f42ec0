//! Ruleset size, compile and load: on the real lists (~1M domains), then a scaling curve of
//! generated domains up to 5M.
//!
//! Run with `cargo bench -p schoolgate-bench --bench ruleset`. Criterion measures compile and
//! load on the real lists; a table pass then prints explicit medians, bytes per domain and the
//! scaling curve in the same run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use schoolgate_bench::{
    human_ns, is_bench_run, load_average, median_time, per_item_medians, synthetic_urls, BenchData,
    Lists, Summary,
};
use schoolgate_core::canon::{self, CanonicalUrl};
use schoolgate_core::ruleset::Ruleset;

/// Domain counts on the scaling curve.
const SCALES: &[usize] = &[100_000, 500_000, 1_000_000, 2_000_000, 5_000_000];
/// Loads per median: a load is about a millisecond, so many are cheap.
const LOADS: usize = 101;
/// Compiles per median: a compile is seconds at the top of the curve.
const COMPILES: usize = 3;
/// URLs looked up per point of the curve (about half listed).
const LOOKUP_URLS: usize = 10_000;
/// Rounds of the single-call lookup pass.
const ROUNDS: usize = 9;

fn criterion_benches(c: &mut Criterion, lists: &Lists, bytes: &[u8]) {
    let mut group = c.benchmark_group("ruleset/real");
    // A compile takes one to two seconds: flat sampling with ten samples runs about ten compiles
    // (criterion's minimum), which bounds this group to well under a minute.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("compile", |b| {
        b.iter(|| lists.compile().map(|(bytes, _)| bytes.len()))
    });
    group
        .sampling_mode(SamplingMode::Auto)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("load_from_bytes", |b| {
        b.iter(|| Ruleset::from_bytes(black_box(bytes)).map(|r| r.len()))
    });
    group.finish();
}

fn real_table(lists: &Lists, bytes: &[u8]) {
    let compile = median_time(COMPILES, || lists.compile().map(|(b, _)| b.len()));
    let load = median_time(LOADS, || {
        Ruleset::from_bytes(black_box(bytes)).map(|r| r.len())
    });
    let ruleset = Ruleset::from_bytes(bytes).expect("a fresh ruleset loads");
    let domains = lists.stats.distinct_domains.max(1);
    println!("\nload average before: {}", load_average());
    println!("Real lists: {}", lists.stats);
    println!(
        "  ruleset: {} bytes for {} rules in {} keys = {:.2} bytes per distinct domain ({:.2} per key, \
         {:.2} per (key, category, source) rule: a key is stored once with its set of tags)",
        bytes.len(),
        ruleset.len(),
        ruleset.key_count(),
        bytes.len() as f64 / domains as f64,
        bytes.len() as f64 / ruleset.key_count().max(1) as f64,
        bytes.len() as f64 / ruleset.len().max(1) as f64
    );
    println!(
        "  compile (entries → bytes, median of {COMPILES}): {}; parse (file bytes → entries): {}",
        human_ns(compile.as_nanos() as f64),
        human_ns(lists.stats.parse_time.as_nanos() as f64)
    );
    println!(
        "  load (Ruleset::from_bytes, median of {LOADS}): {}",
        human_ns(load.as_nanos() as f64)
    );
}

fn scaling_table() {
    println!("\nScaling curve: generated domains (one rule each, 20 categories)");
    println!(
        "{:>10} {:>10} {:>12} {:>11} {:>10} {:>10} {:>11} {:>11}",
        "domains", "compile", "ns/domain", "bytes", "B/domain", "load", "lookup p50", "lookup p99"
    );
    for &n in SCALES {
        let lists = Lists::generated(n, 42);
        let (bytes, _) = lists.compile().expect("generated domains compile");
        let compile = median_time(COMPILES, || lists.compile().map(|(b, _)| b.len()));
        let load = median_time(LOADS, || {
            Ruleset::from_bytes(black_box(bytes.as_slice())).map(|r| r.len())
        });
        let ruleset = Ruleset::from_bytes(bytes.as_slice()).expect("a fresh ruleset loads");
        let urls: Vec<CanonicalUrl> = synthetic_urls(&lists.domains, LOOKUP_URLS, 7)
            .iter()
            .filter_map(|u| canon::canonicalize(u.url.as_bytes()).ok())
            .collect();
        let mut out = Vec::new();
        let lookups = Summary::of(&per_item_medians(&urls, ROUNDS, 3, |u| {
            out.clear();
            ruleset.matches(u, &mut out);
            black_box(out.len());
        }));
        println!(
            "{:>10} {:>10} {:>12.0} {:>11} {:>10.2} {:>10} {:>11} {:>11}",
            n,
            human_ns(compile.as_nanos() as f64),
            compile.as_nanos() as f64 / n as f64,
            bytes.len(),
            bytes.len() as f64 / n as f64,
            human_ns(load.as_nanos() as f64),
            human_ns(lookups.p50),
            human_ns(lookups.p99)
        );
    }
    println!("load average after: {}", load_average());
}

fn main() {
    let data = BenchData::load();
    let (bytes, _) = data.lists.compile().expect("the lists compile");
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &data.lists, &bytes);
    c.final_summary();
    if is_bench_run() {
        real_table(&data.lists, &bytes);
        scaling_table();
    }
}
