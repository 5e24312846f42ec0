//! A quick timing report for search judging with a large phrase set. Not a benchmark (the bench
//! crate has criterion benches); run it by hand for a rough figure:
//!
//! ```text
//! cargo test -p schoolgate-core --release --test search_perf -- --ignored --nocapture
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use schoolgate_core::search::{normalize, PhraseList, PhraseSet, SearchRules};

/// The built-in lists padded with generated phrases to `total` entries: what a benchmark would do.
fn large_set(total: usize) -> (PhraseSet, Duration) {
    let mut list = PhraseList::builtin().expect("built-in lists parse");
    let syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "ze", "shi", "bra"];
    // Four syllables from the digits of `n`: 10,000 distinct made-up words.
    let word = |mut n: usize| -> String {
        let mut w = String::new();
        for _ in 0..4 {
            w.push_str(syllables[n % syllables.len()]);
            n /= syllables.len();
        }
        w
    };
    let mut i = 0usize;
    while list.entries.len() < total {
        let phrase = if i % 3 == 0 {
            format!("{} {}", word(i), word(i * 7 + 3))
        } else {
            word(i)
        };
        list.push("violence", "en", 60 + (i % 5) as i32 * 20, &phrase)
            .expect("generated phrase");
        i += 1;
    }
    let start = Instant::now();
    let set = PhraseSet::build(list).expect("compiles");
    (set, start.elapsed())
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

#[test]
#[ignore = "timing report; run with --release --ignored --nocapture"]
fn judge_timings() {
    let (set, build) = large_set(10_000);
    let stats = set.stats();
    println!(
        "phrases={} combinations={} exceptions={} patterns={} automaton={} KiB build={build:?}",
        stats.phrases,
        stats.combinations,
        stats.exceptions,
        stats.patterns,
        stats.automaton_bytes / 1024
    );
    let queries = [
        "how to draw a cat",
        "volcano facts for kids ks2",
        "Scunthorpe United fixtures",
        "p0rn videos",
        "how to kill myself",
        "great fire of london homework",
        "jak zrobić ciasto",
        "khudkushi kaise kare",
    ];
    let rules = SearchRules::for_group_preset("ks2").unwrap_or_default();
    let rounds = 20_000;
    for (label, f) in [("normalize", 0u8), ("judge (normalize + match + score)", 1)] {
        let mut samples = Vec::with_capacity(rounds * queries.len());
        let start = Instant::now();
        for _ in 0..rounds {
            for q in queries {
                let t = Instant::now();
                if f == 0 {
                    black_box(normalize(black_box(q)));
                } else {
                    black_box(set.judge(black_box(q), &rules));
                }
                samples.push(t.elapsed());
            }
        }
        let total = start.elapsed();
        let n = samples.len();
        println!(
            "{label}: p50={:?} p99={:?} throughput={:.0}/s",
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 0.99),
            n as f64 / total.as_secs_f64()
        );
    }
}
