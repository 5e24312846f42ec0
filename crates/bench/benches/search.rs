//! Search verdicts with 10,000 phrases loaded (the built-in lists plus generated ones).
//!
//! Run with `cargo bench -p schoolgate-bench --bench search`. There is no public corpus of
//! pupils' searches, so the searches are generated from common English words, spread over the
//! engines pupils use; the phrases are generated from the same words so that a realistic share
//! of searches matches something.
//!
//! This bench is kept apart from `verdict` because it measures the search module
//! (`schoolgate_core::search`), which has its own targets and changes on its own schedule.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use schoolgate_bench::{
    human_ns, is_bench_run, load_average, per_item_medians, Rng, Summary, GROUP, SCHOOL_DAY,
};
use schoolgate_core::canon;
use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::policy::Policy;
use schoolgate_core::search::{self, PhraseList, PhraseSet, SearchRules};

/// Phrases loaded in total, built-in ones included.
const PHRASES: usize = 10_000;
/// Search URLs judged.
const SEARCHES: usize = 5_000;
/// Rounds of the single-call pass.
const ROUNDS: usize = 15;

/// Common words of children's and teachers' searches: real spelling, so normalisation does the
/// work it does on real text.
const WORDS: &[&str] = &[
    "how",
    "to",
    "draw",
    "a",
    "cat",
    "dog",
    "horse",
    "unicorn",
    "dinosaur",
    "minecraft",
    "roblox",
    "fortnite",
    "game",
    "games",
    "free",
    "online",
    "play",
    "video",
    "videos",
    "song",
    "songs",
    "lyrics",
    "music",
    "dance",
    "funny",
    "cute",
    "baby",
    "animals",
    "facts",
    "for",
    "kids",
    "homework",
    "help",
    "maths",
    "times",
    "tables",
    "spelling",
    "test",
    "year",
    "ks2",
    "sats",
    "science",
    "history",
    "romans",
    "vikings",
    "egypt",
    "tudors",
    "world",
    "war",
    "volcano",
    "earthquake",
    "planets",
    "space",
    "moon",
    "sun",
    "weather",
    "rain",
    "football",
    "scores",
    "premier",
    "league",
    "match",
    "live",
    "stream",
    "watch",
    "film",
    "films",
    "movie",
    "cartoon",
    "episode",
    "season",
    "best",
    "top",
    "ten",
    "what",
    "is",
    "the",
    "why",
    "do",
    "when",
    "where",
    "who",
    "made",
    "recipe",
    "cake",
    "pancakes",
    "pizza",
    "chicken",
    "breast",
    "easy",
    "quick",
    "slime",
    "without",
    "glue",
    "make",
    "paper",
    "plane",
    "origami",
    "lego",
    "ideas",
    "christmas",
    "halloween",
    "costume",
    "birthday",
    "party",
    "present",
    "buy",
    "cheap",
    "shop",
    "toys",
    "sale",
    "phone",
    "iphone",
    "tablet",
    "fix",
    "broken",
    "screen",
    "wifi",
    "password",
    "hack",
    "cheat",
    "codes",
    "skins",
    "download",
    "app",
    "apps",
    "chat",
    "talk",
    "with",
    "strangers",
    "meet",
    "friends",
    "girls",
    "boys",
    "body",
    "changes",
    "puberty",
    "sad",
    "angry",
    "scared",
    "bully",
    "bullying",
    "worried",
    "about",
    "school",
    "teacher",
    "mum",
    "dad",
    "sister",
    "brother",
    "fight",
    "knife",
    "gun",
    "blood",
    "kill",
    "die",
    "hurt",
    "myself",
    "pills",
    "vape",
    "beer",
    "drunk",
    "smoke",
    "weed",
    "bet",
    "casino",
    "win",
    "money",
    "lottery",
    "scratch",
    "cards",
    "naked",
    "kiss",
    "sexy",
    "dating",
    "love",
    "boyfriend",
    "girlfriend",
    "hate",
    "jokes",
    "rude",
    "swear",
    "words",
    "scary",
    "horror",
    "ghost",
    "story",
    "stories",
    "creepy",
];

/// Categories the generated phrases are filed under: the ones search lists carry.
const CATEGORIES: &[&str] = &[
    "pornography",
    "violence",
    "self-harm",
    "drugs",
    "gambling",
    "hate-speech",
    "extremism",
    "dating",
];

/// Search pages of the engines pupils use, each with its query parameter.
const ENGINES: &[&str] = &[
    "https://www.google.com/search?q=",
    "https://www.google.co.uk/search?q=",
    "https://www.bing.com/search?q=",
    "https://duckduckgo.com/?q=",
    "https://www.youtube.com/results?search_query=",
    "https://search.yahoo.com/search?p=",
];

fn words(rng: &mut Rng, n: usize) -> Vec<&'static str> {
    (0..n).map(|_| WORDS[rng.below(WORDS.len())]).collect()
}

/// The built-in lists plus generated two- and three-word phrases, up to [`PHRASES`] in all.
fn phrase_set() -> (PhraseSet, usize) {
    let mut list = PhraseList::builtin().expect("built-in phrase lists parse");
    let builtin = list.entries.len();
    let mut rng = Rng::new(11);
    let mut seen = std::collections::HashSet::new();
    while list.entries.len() < PHRASES {
        let n = 2 + rng.below(2);
        let phrase = words(&mut rng, n).join(" ");
        if !seen.insert(phrase.clone()) {
            continue;
        }
        let category = CATEGORIES[rng.below(CATEGORIES.len())];
        // Mostly moderate weights, so most matches need company to block, as in real lists.
        let weight = [30, 50, 60, 100, 150][rng.below(5)];
        list.push(category, "en", weight, &phrase)
            .expect("generated phrases are valid");
    }
    (
        PhraseSet::build(list).expect("the phrase set compiles"),
        builtin,
    )
}

fn search_urls() -> Vec<String> {
    let mut rng = Rng::new(12);
    (0..SEARCHES)
        .map(|_| {
            let n = 1 + rng.below(6);
            let engine = ENGINES[rng.below(ENGINES.len())];
            format!("{engine}{}", words(&mut rng, n).join("+"))
        })
        .collect()
}

/// The terms of a search URL, as the engine reads them.
fn terms(url: &str) -> Option<String> {
    let u = canon::canonicalize(url.as_bytes()).ok()?;
    search::extract(u.host(), u.path(), u.raw_query()).map(|r| r.terms)
}

fn main() {
    // The automaton's compile time: the whole 10,000-phrase set, median of five builds.
    let mut builds: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            black_box(phrase_set());
            started.elapsed()
        })
        .collect();
    builds.sort();
    let (phrases, builtin) = phrase_set();
    let stats = phrases.stats();
    eprintln!(
        "phrases: {} built-in + generated = {} entries ({} automaton patterns, {:.1} MB automaton)",
        builtin,
        stats.phrases + stats.combinations + stats.exceptions,
        stats.patterns,
        stats.automaton_bytes as f64 / 1e6
    );
    let engine = Engine::with_phrases(Policy::builtin(), Vec::new(), phrases.clone())
        .expect("the built-in policy builds");
    let urls = search_urls();
    let all_terms: Vec<String> = urls.iter().filter_map(|u| terms(u)).collect();
    let rules = SearchRules::for_group_preset(GROUP).unwrap_or_default();
    let classify = |u: &String| {
        engine
            .classify(&Request::new(u.as_bytes(), GROUP, SCHOOL_DAY))
            .is_blocked()
    };

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("search");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(urls.len() as u64));
    group.bench_function("classify_search_url", |b| {
        b.iter(|| urls.iter().filter(|u| classify(u)).count())
    });
    group.throughput(Throughput::Elements(all_terms.len() as u64));
    group.bench_function("judge_terms_only", |b| {
        b.iter(|| {
            all_terms
                .iter()
                .filter(|t| phrases.judge(t, &rules).blocked)
                .count()
        })
    });
    group.finish();
    c.final_summary();

    if !is_bench_run() {
        return;
    }
    println!(
        "\nSearch verdicts, {PHRASES} phrases loaded ({} searches recognised of {} generated URLs)",
        all_terms.len(),
        urls.len()
    );
    println!("load average before: {}", load_average());
    let full = Summary::of(&per_item_medians(&urls, ROUNDS, 5, |u| {
        black_box(classify(u));
    }));
    let judge = Summary::of(&per_item_medians(&all_terms, ROUNDS, 5, |t| {
        black_box(phrases.judge(t, &rules).blocked);
    }));
    let normalize_only = Summary::of(&per_item_medians(&all_terms, ROUNDS, 5, |t| {
        black_box(search::normalize(t));
    }));
    let match_only = Summary::of(&per_item_medians(&all_terms, ROUNDS, 5, |t| {
        black_box(
            phrases
                .judge_normalized(search::normalize(t), &rules, search::Vertical::Web)
                .blocked,
        );
    }));
    println!(
        "{:<40} {:>9} {:>9} {:>9} {:>9}",
        "", "p50", "p90", "p99", "mean"
    );
    for (name, s) in [
        ("Engine::classify (search URL)", full),
        ("PhraseSet::judge (terms only)", judge),
        ("  normalize only", normalize_only),
        ("  normalize + judge_normalized", match_only),
    ] {
        println!(
            "{name:<40} {:>9} {:>9} {:>9} {:>9}",
            human_ns(s.p50),
            human_ns(s.p90),
            human_ns(s.p99),
            human_ns(s.mean)
        );
    }
    println!(
        "throughput: {:.0} search verdicts per second on one core (1 / mean of PhraseSet::judge)",
        1e9 / judge.mean.max(1.0)
    );
    println!(
        "automaton compile (built-in + generated phrases, {PHRASES}): median {:.1} ms of 5",
        builds[2].as_secs_f64() * 1e3
    );
    let blocked = urls.iter().filter(|u| classify(u)).count();
    println!(
        "outcome: {blocked} of {} searches blocked for {GROUP}",
        urls.len()
    );
    println!("load average after: {}", load_average());
}
