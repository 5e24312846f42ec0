//! Verdict speed: Schoolgate's `Engine::classify` against Brave's `adblock` engine loaded with the
//! same domains as `||domain^` rules, over the same real request URLs.
//!
//! Run with `cargo bench -p schoolgate-bench --bench verdict`. Criterion measures the mean time
//! per URL (every URL of a set per iteration); a second pass then times every URL on its own to
//! print medians, p99 and the ratio against adblock in the same run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use schoolgate_bench::{
    human_ns, is_bench_run, load_average, per_item_medians, timer_overhead_ns, BenchData,
    DataSource, RequestUrl, Summary, GROUP, SCHOOL_DAY,
};
use schoolgate_core::canon::{self, CanonicalUrl};
use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::{RuleMatch, Ruleset};
use schoolgate_core::verdict::Action;

/// Rounds of the single-call pass: each URL's median is taken over this many calls.
const ROUNDS: usize = 15;

/// Everything under test, built once and shared by criterion and the single-call pass.
struct Subjects {
    engine: Engine,
    /// The same policy with only the built-in starter lists: what a verdict costs before the
    /// million domains, to separate list lookups from the rest of the pipeline.
    engine_builtin: Engine,
    ruleset: Ruleset,
    adblock: adblock::Engine,
}

/// One URL set, prepared for each subject.
struct UrlSet {
    name: &'static str,
    urls: Vec<RequestUrl>,
    /// Canonical forms, for the lookup-only bench (URLs the canonicaliser refuses are left out).
    canonical: Vec<CanonicalUrl>,
    /// Brave's parsed requests, for its check-only bench (URLs it cannot parse are left out).
    parsed: Vec<adblock::request::Request>,
}

impl UrlSet {
    fn new(name: &'static str, urls: Vec<RequestUrl>) -> UrlSet {
        let canonical = urls
            .iter()
            .filter_map(|u| canon::canonicalize(u.url.as_bytes()).ok())
            .collect();
        let parsed = urls.iter().filter_map(adblock_request).collect();
        UrlSet {
            name,
            urls,
            canonical,
            parsed,
        }
    }
}

fn adblock_request(u: &RequestUrl) -> Option<adblock::request::Request> {
    adblock::request::Request::new(&u.url, &u.source_url, &u.kind, "GET").ok()
}

/// The navigation verdict: allow or block (and locked), what must be known before a page loads.
fn decide(engine: &Engine, u: &RequestUrl) -> bool {
    engine
        .decide(&Request::new(u.url.as_bytes(), GROUP, SCHOOL_DAY))
        .action
        == Action::Block
}

/// The explained verdict a block page or the policy tester shows.
fn classify(engine: &Engine, u: &RequestUrl) -> bool {
    engine
        .classify(&Request::new(u.url.as_bytes(), GROUP, SCHOOL_DAY))
        .is_blocked()
}

/// Brave's whole path from a URL string, as a browser hands it over: parse, then check.
fn adblock_parse_and_check(engine: &adblock::Engine, u: &RequestUrl) -> bool {
    adblock_request(u).is_some_and(|r| engine.check_network_request(&r).should_block())
}

fn lookup(ruleset: &Ruleset, url: &CanonicalUrl, out: &mut Vec<RuleMatch>) -> usize {
    out.clear();
    ruleset.matches(url, out);
    out.len()
}

fn build() -> (BenchData, Subjects) {
    let data = BenchData::load();
    eprintln!("lists: {}", data.lists.stats);

    let start = Instant::now();
    let (bytes, stats) = data.lists.compile().expect("the lists compile");
    eprintln!(
        "schoolgate: compiled {} rules, {} tags, {:.1} MB in {:.2} s",
        stats.entries,
        stats.tags,
        stats.bytes as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let ruleset = Ruleset::from_bytes(bytes).expect("a fresh ruleset loads");
    let engine =
        Engine::new(Policy::builtin(), vec![ruleset.clone()]).expect("the built-in policy builds");

    let start = Instant::now();
    let rules = data
        .lists
        .domains
        .iter()
        .fold(String::new(), |mut text, d| {
            text.push_str("||");
            text.push_str(d);
            text.push_str("^\n");
            text
        });
    let mut filters = adblock::lists::FilterSet::new(false);
    filters.add_filter_list(rules, adblock::lists::ParseOptions::default());
    let adblock = adblock::Engine::new_with_filter_set(filters);
    let built = start.elapsed();
    let serialized = adblock.serialize();
    eprintln!(
        "adblock {}: {} `||domain^` rules built in {:.2} s, serialized {:.1} MB ({:.1} bytes per domain)",
        adblock_version(),
        data.lists.domains.len(),
        built.as_secs_f64(),
        serialized.len() as f64 / 1e6,
        serialized.len() as f64 / data.lists.domains.len().max(1) as f64
    );
    let engine_builtin =
        Engine::new(Policy::builtin(), Vec::new()).expect("the built-in policy builds");
    (
        data,
        Subjects {
            engine,
            engine_builtin,
            ruleset,
            adblock,
        },
    )
}

fn adblock_version() -> &'static str {
    schoolgate_bench::locked_version("adblock").unwrap_or("(version unknown)")
}

fn criterion_benches(c: &mut Criterion, s: &Subjects, sets: &[UrlSet]) {
    for set in sets {
        let mut group = c.benchmark_group(format!("verdict/{}", set.name));
        // Ten samples of whole URL sets (up to ~0.15 s each for adblock on the site list) keep
        // each group under a minute while still giving criterion a spread to report.
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(8));
        group.throughput(Throughput::Elements(set.urls.len() as u64));
        group.bench_function("schoolgate_decide", |b| {
            b.iter(|| set.urls.iter().filter(|u| decide(&s.engine, u)).count())
        });
        group.bench_function("schoolgate_classify", |b| {
            b.iter(|| set.urls.iter().filter(|u| classify(&s.engine, u)).count())
        });
        group.bench_function("adblock_parse_and_check", |b| {
            b.iter(|| {
                set.urls
                    .iter()
                    .filter(|u| adblock_parse_and_check(&s.adblock, u))
                    .count()
            })
        });
        group.throughput(Throughput::Elements(set.parsed.len() as u64));
        group.bench_function("adblock_check_only", |b| {
            b.iter(|| {
                set.parsed
                    .iter()
                    .filter(|r| s.adblock.check_network_request(r).should_block())
                    .count()
            })
        });
        group.throughput(Throughput::Elements(set.urls.len() as u64));
        group.bench_function("schoolgate_canonicalize", |b| {
            b.iter(|| {
                set.urls
                    .iter()
                    .filter(|u| canon::canonicalize(u.url.as_bytes()).is_ok())
                    .count()
            })
        });
        group.throughput(Throughput::Elements(set.canonical.len() as u64));
        group.bench_function("schoolgate_ruleset_lookup", |b| {
            let mut out = Vec::new();
            b.iter(|| {
                set.canonical
                    .iter()
                    .map(|u| lookup(&s.ruleset, u, &mut out))
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

/// Times every URL on its own and prints medians, p99 and the ratios the issue asks for.
fn single_call_table(s: &Subjects, sets: &[UrlSet]) {
    println!("\nPer-URL times: each URL timed alone, median of {ROUNDS} calls per URL; percentiles over URLs");
    println!(
        "load average before: {}; timer overhead subtracted from each call: {:.0} ns",
        load_average(),
        timer_overhead_ns()
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9}",
        "", "p50", "p90", "p99", "mean"
    );
    let row = |name: &str, sum: &Summary| {
        println!(
            "{name:<44} {:>9} {:>9} {:>9} {:>9}",
            human_ns(sum.p50),
            human_ns(sum.p90),
            human_ns(sum.p99),
            human_ns(sum.mean)
        );
    };
    for set in sets {
        println!(
            "{} ({} URLs; {} canonical, {} parsed by adblock)",
            set.name,
            set.urls.len(),
            set.canonical.len(),
            set.parsed.len()
        );
        let ours = Summary::of(&per_item_medians(&set.urls, ROUNDS, 1, |u| {
            black_box(decide(&s.engine, u));
        }));
        let explained = Summary::of(&per_item_medians(&set.urls, ROUNDS, 1, |u| {
            black_box(classify(&s.engine, u));
        }));
        let theirs = Summary::of(&per_item_medians(&set.urls, ROUNDS, 1, |u| {
            black_box(adblock_parse_and_check(&s.adblock, u));
        }));
        let theirs_check = Summary::of(&per_item_medians(&set.parsed, ROUNDS, 1, |r| {
            black_box(s.adblock.check_network_request(r).should_block());
        }));
        let builtin_only = Summary::of(&per_item_medians(&set.urls, ROUNDS, 1, |u| {
            black_box(decide(&s.engine_builtin, u));
        }));
        let canon_only = Summary::of(&per_item_medians(&set.urls, ROUNDS, 1, |u| {
            black_box(canon::canonicalize(u.url.as_bytes()).is_ok());
        }));
        let mut out = Vec::new();
        let lookup_only = Summary::of(&per_item_medians(&set.canonical, ROUNDS, 1, |u| {
            black_box(lookup(&s.ruleset, u, &mut out));
        }));
        row("  schoolgate Engine::decide (verdict)", &ours);
        row("    Engine::classify (verdict + explanation)", &explained);
        row("    same, built-in lists only (no 1M lists)", &builtin_only);
        row("    canonicalize only", &canon_only);
        row("    ruleset lookup only", &lookup_only);
        row("  adblock Request::new + check", &theirs);
        row("  adblock check only (pre-parsed request)", &theirs_check);

        let blocked = set.urls.iter().filter(|u| classify(&s.engine, u)).count();
        let listed = set
            .urls
            .iter()
            .filter(|u| {
                !s.engine
                    .classify(&Request::new(u.url.as_bytes(), GROUP, SCHOOL_DAY))
                    .matches
                    .is_empty()
            })
            .count();
        let adblock_blocked = set
            .urls
            .iter()
            .filter(|u| adblock_parse_and_check(&s.adblock, u))
            .count();
        println!(
            "  outcome: schoolgate listed {listed} / blocked {blocked} for {GROUP}; adblock blocked {adblock_blocked}"
        );
        println!(
            "  schoolgate vs adblock ({}): {:.1}× faster at p50, {:.1}× at p99, {:.1}× on the mean \
             (vs adblock check only: {:.1}× at p50)",
            set.name,
            theirs.p50 / ours.p50,
            theirs.p99 / ours.p99,
            theirs.mean / ours.mean,
            theirs_check.p50 / ours.p50
        );
    }
    println!("load average after: {}", load_average());
}

fn main() {
    let (data, subjects) = build();
    let (requests, sites) = match data.source {
        DataSource::Shared => ("matching-requests", "sitelist"),
        DataSource::Generated => ("generated-requests", "generated-sites"),
    };
    let sets = [
        UrlSet::new(requests, data.requests),
        UrlSet::new(sites, data.sites),
    ];
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &subjects, &sets);
    c.final_summary();
    if is_bench_run() {
        single_call_table(&subjects, &sets);
    }
}
