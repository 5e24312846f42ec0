//! Shared helpers for Schoolgate's benchmarks: loading the real lists and request URLs from
//! `../shared/data`, generating synthetic domains when that folder is absent (and for scaling
//! curves beyond the real data), and timing single calls precisely enough to report medians.
//!
//! The data never lives in this repository (see `../shared/data/README.md`): when it is missing,
//! [`BenchData::load`] says so on stderr and falls back to generated data, so the benches still
//! run anywhere, but the numbers are then not the ones `BENCHMARKS.md` reports.

use std::collections::HashSet;
use std::fmt;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use schoolgate_core::lists::{parse_list, Entry, ListFormat};
use schoolgate_core::ruleset::{RulesetBuilder, RulesetError};

/// A Unix time inside a school day (Tuesday 25 November 2025, 09:00 UTC), so time windows in the
/// built-in policy take their school-hours branch, as they would for most real requests.
pub const SCHOOL_DAY: i64 = 1_764_061_200;

/// The age group every verdict bench asks about: the strictest common primary group.
pub const GROUP: &str = "ks2";

/// Where the shared data should be: `../shared/data` beside the repository root, unless the
/// environment variable `SCHOOLGATE_SHARED_DATA` names another folder (a path that does not
/// exist forces the generated fallback, which is how that path is tried).
pub fn shared_data_dir() -> PathBuf {
    match std::env::var_os("SCHOOLGATE_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// One list file to compile, with the category and source name it is filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFile {
    /// The file.
    pub path: PathBuf,
    /// The source name shown in explanations: the path under `lists/`.
    pub source: String,
    /// A valid category id.
    pub category: String,
    /// How to read it.
    pub format: ListFormat,
}

/// Every domain and URL list under `lists/`, in a stable order:
///
/// * UT1: each folder's `domains` (or dated `domains.*`) and `urls` files; category = the folder
///   name lowercased with `_` → `-`. `expressions` files are left out: they are regular
///   expressions, a different cost from the domain lookups measured here. Top-level files
///   (`ads`, `porn`, …) are alias notes, not lists.
/// * The Block List Project: `*.txt`, category = the file stem. A `-nl` file is the same list
///   without the `0.0.0.0` column, so it is used only when its hosts twin is missing.
/// * Sinfonietta: `*-hosts`, category = the name before `-hosts`.
pub fn list_files(data: &Path) -> std::io::Result<Vec<ListFile>> {
    let lists = data.join("lists");
    let mut files = Vec::new();
    for folder in sorted_dir(&lists.join("ut1"))? {
        if !folder.is_dir() {
            continue;
        }
        let name = file_name(&folder);
        let category = name.to_lowercase().replace('_', "-");
        for file in sorted_dir(&folder)? {
            let file_name = file_name(&file);
            let format = if file_name == "domains" || file_name.starts_with("domains.") {
                ListFormat::Domains
            } else if file_name == "urls" {
                ListFormat::Urls
            } else {
                continue;
            };
            let source = format!("ut1/{name}/{file_name}");
            files.push(ListFile {
                path: file,
                source,
                category: category.clone(),
                format,
            });
        }
    }
    let blp = lists.join("blocklistproject");
    for file in sorted_dir(&blp)? {
        let file_name = file_name(&file);
        let Some(stem) = file_name.strip_suffix(".txt") else {
            continue;
        };
        let (category, format) = match stem.strip_suffix("-nl") {
            Some(base) if blp.join(format!("{base}.txt")).exists() => continue,
            Some(base) => (base, ListFormat::Domains),
            None => (stem, ListFormat::Hosts),
        };
        let source = format!("blocklistproject/{file_name}");
        files.push(ListFile {
            path: file,
            source,
            category: category.to_string(),
            format,
        });
    }
    for file in sorted_dir(&lists.join("sinfonietta"))? {
        let file_name = file_name(&file);
        let Some(category) = file_name.strip_suffix("-hosts") else {
            continue;
        };
        let source = format!("sinfonietta/{file_name}");
        files.push(ListFile {
            path: file,
            source,
            category: category.to_string(),
            format: ListFormat::Hosts,
        });
    }
    Ok(files)
}

fn sorted_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()?;
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Counts from reading the lists, printed by every bench so a reader knows what was measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListStats {
    /// List files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: usize,
    /// Domain entries over all lists (a domain in two lists counts twice).
    pub domain_entries: usize,
    /// URL-prefix entries over all lists.
    pub url_prefix_entries: usize,
    /// Distinct domains over all lists.
    pub distinct_domains: usize,
    /// Lines the parser rejected (malformed hosts lines, single labels, …).
    pub rejected: usize,
    /// Lines repeated inside one list.
    pub duplicates: usize,
    /// Time to parse every file's bytes into entries (files already in memory).
    pub parse_time: Duration,
}

impl fmt::Display for ListStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} files, {:.1} MB: {} domain entries ({} distinct domains), {} URL-prefix entries, \
             {} lines rejected, {} duplicate lines; parsed in {:.0} ms",
            self.files,
            self.bytes as f64 / 1e6,
            self.domain_entries,
            self.distinct_domains,
            self.url_prefix_entries,
            self.rejected,
            self.duplicates,
            self.parse_time.as_secs_f64() * 1e3
        )
    }
}

/// Parsed list entries, ready to compile as many times as a bench needs.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    /// (entry, category, source) in file order.
    pub entries: Vec<(Entry, String, String)>,
    /// Every distinct domain (for the adblock peer: `||domain^`), sorted.
    pub domains: Vec<String>,
    /// What was read.
    pub stats: ListStats,
}

impl Lists {
    /// Reads and parses every list under `data/lists` (see [`list_files`]).
    pub fn read(data: &Path) -> std::io::Result<Lists> {
        let mut lists = Lists::default();
        let mut distinct = HashSet::new();
        for file in list_files(data)? {
            let bytes = std::fs::read(&file.path)?;
            let start = Instant::now();
            let parsed = parse_list(&file.source, &bytes, file.format);
            lists.stats.parse_time += start.elapsed();
            lists.stats.files += 1;
            lists.stats.bytes += bytes.len();
            lists.stats.rejected += parsed.rejected_count as usize;
            lists.stats.duplicates += parsed.duplicates as usize;
            for entry in parsed.entries {
                match &entry {
                    Entry::Domain(host) => {
                        lists.stats.domain_entries += 1;
                        if !distinct.contains(host.as_str()) {
                            distinct.insert(host.clone());
                        }
                    }
                    Entry::UrlPrefix { .. } => lists.stats.url_prefix_entries += 1,
                    Entry::Expression(_) => {}
                }
                lists
                    .entries
                    .push((entry, file.category.clone(), file.source.clone()));
            }
        }
        lists.domains = distinct.into_iter().collect();
        lists.domains.sort_unstable();
        lists.stats.distinct_domains = lists.domains.len();
        Ok(lists)
    }

    /// Generated stand-in: `n` synthetic domains spread over 20 categories.
    pub fn generated(n: usize, seed: u64) -> Lists {
        let domains = synthetic_domains(n, seed);
        let entries = domains
            .iter()
            .enumerate()
            .map(|(i, d)| {
                (
                    Entry::Domain(d.clone()),
                    format!("category-{}", i % 20),
                    "generated".to_string(),
                )
            })
            .collect();
        let stats = ListStats {
            domain_entries: n,
            distinct_domains: n,
            ..ListStats::default()
        };
        let mut domains = domains;
        domains.sort_unstable();
        Lists {
            entries,
            domains,
            stats,
        }
    }

    /// Compiles every entry into one ruleset buffer: the step whose time the issue bounds.
    pub fn compile(
        &self,
    ) -> Result<(Vec<u8>, schoolgate_core::ruleset::CompileStats), RulesetError> {
        let mut builder = RulesetBuilder::new();
        for (entry, category, source) in &self.entries {
            builder.add(entry, category, source)?;
        }
        builder.build()
    }
}

/// One request URL with the context Brave's engine wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUrl {
    /// The URL requested.
    pub url: String,
    /// The page that made the request (the URL itself for a top-level page).
    pub source_url: String,
    /// Brave's request type (`document`, `script`, `image`, …).
    pub kind: String,
}

/// `requests/matching-test-requests.json`: real browser requests (8,276).
pub fn matching_requests(data: &Path) -> Result<Vec<RequestUrl>, String> {
    let path = data.join("requests/matching-test-requests.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let items = value
        .as_array()
        .ok_or_else(|| format!("{}: not a JSON array", path.display()))?;
    let field = |item: &serde_json::Value, key: &str| {
        item.get(key).and_then(|v| v.as_str()).map(str::to_string)
    };
    Ok(items
        .iter()
        .filter_map(|item| {
            Some(RequestUrl {
                url: field(item, "url")?,
                source_url: field(item, "sourceUrl").unwrap_or_default(),
                kind: field(item, "type").unwrap_or_else(|| "other".to_string()),
            })
        })
        .collect())
}

/// `requests/sitelist.txt`: real top-site page URLs (20,604), as top-level documents.
pub fn sitelist(data: &Path) -> Result<Vec<RequestUrl>, String> {
    let path = data.join("requests/sitelist.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|url| RequestUrl {
            url: url.to_string(),
            source_url: url.to_string(),
            kind: "document".to_string(),
        })
        .collect())
}

/// Where a bench's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSource {
    /// `../shared/data`: the numbers `BENCHMARKS.md` reports.
    Shared,
    /// Generated because `../shared/data` was missing: not comparable with `BENCHMARKS.md`.
    Generated,
}

/// Everything the benches load: lists and request URLs, real when available.
#[derive(Debug, Clone)]
pub struct BenchData {
    /// Real or generated.
    pub source: DataSource,
    /// The lists.
    pub lists: Lists,
    /// Real browser requests (or generated URLs).
    pub requests: Vec<RequestUrl>,
    /// Real top-site pages (or generated URLs).
    pub sites: Vec<RequestUrl>,
}

impl BenchData {
    /// Loads `../shared/data`, or generates a stand-in (saying so on stderr) when it is missing
    /// or unreadable.
    pub fn load() -> BenchData {
        let dir = shared_data_dir();
        match Self::load_shared(&dir) {
            Ok(data) => {
                eprintln!("data: {} (real lists and requests)", dir.display());
                data
            }
            Err(e) => {
                eprintln!(
                    "data: NOT FOUND ({e}).\n      Falling back to GENERATED data: 1,000,000 synthetic domains and \
                     synthetic URLs. These numbers are not comparable with BENCHMARKS.md."
                );
                Self::generated()
            }
        }
    }

    fn load_shared(dir: &Path) -> Result<BenchData, String> {
        let lists =
            Lists::read(dir).map_err(|e| format!("{}: {e}", dir.join("lists").display()))?;
        if lists.entries.is_empty() {
            return Err("no list entries".to_string());
        }
        Ok(BenchData {
            source: DataSource::Shared,
            lists,
            requests: matching_requests(dir)?,
            sites: sitelist(dir)?,
        })
    }

    /// A million generated domains, and URLs of which about half hit them.
    pub fn generated() -> BenchData {
        let lists = Lists::generated(1_000_000, 1);
        let requests = synthetic_urls(&lists.domains, 8_276, 2);
        let sites = synthetic_urls(&lists.domains, 20_604, 3);
        BenchData {
            source: DataSource::Generated,
            lists,
            requests,
            sites,
        }
    }
}

/// A small, fast, deterministic generator (SplitMix64): the same seed gives the same data on
/// every machine, so generated curves are comparable between runs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the modulo bias is irrelevant at these sizes.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Top-level domains with rough weights from the real lists: `.com` about half, then a long tail
/// including two-label suffixes, so parent-domain lookups see realistic label counts.
const TLDS: &[(&str, usize)] = &[
    ("com", 46),
    ("net", 7),
    ("org", 5),
    ("de", 4),
    ("ru", 4),
    ("info", 3),
    ("co.uk", 3),
    ("fr", 3),
    ("xyz", 2),
    ("top", 2),
    ("nl", 2),
    ("io", 2),
    ("br", 2),
    ("jp", 2),
    ("it", 2),
    ("pl", 2),
    ("cn", 2),
    ("online", 1),
    ("site", 1),
    ("es", 1),
    ("in", 1),
    ("com.au", 1),
    ("eu", 1),
    ("ca", 1),
    ("uk", 1),
    ("be", 1),
    ("ch", 1),
    ("cz", 1),
    ("us", 1),
    ("com.br", 1),
];

/// Label lengths 3 to 20, weighted towards 6–12 characters as in the real lists.
const LABEL_LENGTHS: &[(usize, usize)] = &[
    (3, 2),
    (4, 4),
    (5, 6),
    (6, 9),
    (7, 11),
    (8, 12),
    (9, 11),
    (10, 10),
    (11, 9),
    (12, 7),
    (13, 5),
    (14, 4),
    (15, 3),
    (16, 2),
    (18, 2),
    (20, 2),
];

fn weighted<T: Copy>(rng: &mut Rng, table: &[(T, usize)]) -> T {
    let total: usize = table.iter().map(|(_, w)| w).sum();
    let mut pick = rng.below(total);
    for &(item, weight) in table {
        if pick < weight {
            return item;
        }
        pick -= weight;
    }
    table[0].0
}

fn label(rng: &mut Rng, len: usize, out: &mut String) {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    for i in 0..len {
        let roll = rng.below(100);
        let byte = if roll < 6 {
            b'0' + rng.below(10) as u8
        } else if roll < 8 && i > 0 && i + 1 < len && !out.ends_with('-') {
            // Never leading, trailing or doubled: `ab--` is reserved by IDNA and lists reject it.
            b'-'
        } else {
            LETTERS[rng.below(LETTERS.len())]
        };
        out.push(char::from(byte));
    }
}

/// `n` distinct synthetic domains: a registrable label of realistic length under a weighted TLD,
/// with a subdomain on about a quarter of them (`www`, `m`, `cdn` or a random label).
pub fn synthetic_domains(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    // Each try almost always yields a new domain; the bound only guards a pathological seed.
    for _ in 0..n.saturating_mul(4) {
        if out.len() == n {
            break;
        }
        let mut domain = String::with_capacity(24);
        match rng.below(100) {
            0..=9 => domain.push_str("www."),
            10..=12 => domain.push_str("m."),
            13..=15 => domain.push_str("cdn."),
            16..=25 => {
                let len = weighted(&mut rng, LABEL_LENGTHS).min(8);
                label(&mut rng, len, &mut domain);
                domain.push('.');
            }
            _ => {}
        }
        let len = weighted(&mut rng, LABEL_LENGTHS);
        label(&mut rng, len, &mut domain);
        domain.push('.');
        domain.push_str(weighted(&mut rng, TLDS));
        if seen.insert(domain.clone()) {
            out.push(domain);
        }
    }
    out
}

/// `n` URLs: about half under a listed domain (often with a subdomain, as real requests are),
/// half on unlisted generated domains, each with a short path and sometimes a query.
pub fn synthetic_urls(listed: &[String], n: usize, seed: u64) -> Vec<RequestUrl> {
    let mut rng = Rng::new(seed);
    let unlisted = synthetic_domains(n, seed.wrapping_add(0x5eed));
    let mut urls = Vec::with_capacity(n);
    for (i, other) in unlisted.iter().enumerate() {
        let host = if i % 2 == 0 && !listed.is_empty() {
            let domain = &listed[rng.below(listed.len())];
            if rng.below(3) == 0 {
                format!("static.{domain}")
            } else {
                domain.clone()
            }
        } else {
            other.clone()
        };
        let mut url = format!("https://{host}/");
        for _ in 0..rng.below(4) {
            let len = weighted(&mut rng, LABEL_LENGTHS);
            label(&mut rng, len, &mut url);
            url.push('/');
        }
        if rng.below(3) == 0 {
            url.push_str("?id=");
            url.push_str(&rng.next_u64().to_string());
        }
        urls.push(RequestUrl {
            url: url.clone(),
            source_url: url,
            kind: "document".to_string(),
        });
    }
    urls
}

/// Per-item medians of single calls, in nanoseconds.
///
/// Criterion reports means over batches; the issue asks for a median per verdict. Each round
/// times every item once, in a fresh random order (so a call never follows its own previous run
/// and the caches see a realistic mix), with its own pair of `Instant` reads; the median cost of
/// an empty pair is subtracted. The result is each item's median over `rounds`.
pub fn per_item_medians<T>(
    items: &[T],
    rounds: usize,
    seed: u64,
    mut call: impl FnMut(&T),
) -> Vec<f64> {
    let overhead = timer_overhead_ns();
    let mut rng = Rng::new(seed);
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut samples = vec![Vec::with_capacity(rounds); items.len()];
    // One untimed round first: page faults and lazy initialisation are not per-call costs.
    items.iter().for_each(&mut call);
    for _ in 0..rounds {
        rng.shuffle(&mut order);
        for &i in &order {
            let start = Instant::now();
            call(&items[i]);
            let ns = start.elapsed().as_nanos() as f64;
            samples[i].push((ns - overhead).max(0.0));
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s.get(s.len() / 2).copied().unwrap_or(0.0)
        })
        .collect()
}

/// Median cost of two back-to-back `Instant::now()` reads with `elapsed`, in nanoseconds.
pub fn timer_overhead_ns() -> f64 {
    let mut samples: Vec<f64> = (0..10_001)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos() as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Summary of a set of per-item times (nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean.
    pub mean: f64,
}

impl Summary {
    /// Nearest-rank percentiles of `values` (need not be sorted).
    pub fn of(values: &[f64]) -> Summary {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |p: f64| {
            let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
            sorted.get(rank - 1).copied().unwrap_or(0.0)
        };
        let mean = if sorted.is_empty() {
            0.0
        } else {
            sorted.iter().sum::<f64>() / sorted.len() as f64
        };
        Summary {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            mean,
        }
    }
}

/// The median of `runs` timings of `f` (for load and compile times).
pub fn median_time<R>(runs: usize, mut f: impl FnMut() -> R) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Nanoseconds as a short human string (`850 ns`, `1.23 µs`, `4.5 ms`).
pub fn human_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// The built-in policy's engine with the compiled ruleset in the file at `path` beside the
/// built-in lists (the built-in lists only when `None`): what the examples time. The error names
/// the file.
pub fn builtin_engine_with(path: Option<&str>) -> Result<schoolgate_core::engine::Engine, String> {
    let rulesets = match path {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            let ruleset = schoolgate_core::ruleset::Ruleset::from_bytes(bytes)
                .map_err(|e| format!("{path}: {e}"))?;
            vec![ruleset]
        }
        None => Vec::new(),
    };
    schoolgate_core::engine::Engine::new(schoolgate_core::policy::Policy::builtin(), rulesets)
        .map_err(|e| e.to_string())
}

/// The value, or the error on stderr and exit status 1: how the examples stop on bad input.
pub fn or_exit<T, E: fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    })
}

/// The 1-, 5- and 15-minute load averages from `/proc/loadavg`, printed beside results: on a
/// shared machine a busy neighbour inflates every timing, and a reader should be able to see it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// The version of a dependency as the workspace lock file resolved it, so reports name the exact
/// peer that was measured (`adblock` → `0.13.5`).
pub fn locked_version(package: &str) -> Option<&'static str> {
    let lock = include_str!("../../../Cargo.lock");
    let header = format!("name = \"{package}\"\n");
    let at = lock.find(&header)? + header.len();
    let rest = lock.get(at..)?.strip_prefix("version = \"")?;
    rest.split('"').next()
}

/// Whether the binary runs as a real benchmark (`cargo bench` passes `--bench`), rather than as
/// a smoke test under `cargo test --benches` or a profiling run (`--profile-time`): the long
/// table passes only run for real.
pub fn is_bench_run() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a.starts_with("--profile-time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_domains_are_distinct_deterministic_and_parse() {
        let a = synthetic_domains(5_000, 7);
        assert_eq!(a, synthetic_domains(5_000, 7));
        assert_eq!(a.iter().collect::<HashSet<_>>().len(), 5_000);
        let text = a.join("\n");
        let list = parse_list("gen", text.as_bytes(), ListFormat::Domains);
        assert_eq!(list.rejected_count, 0, "{:?}", list.rejected.first());
        assert_eq!(list.entries.len(), 5_000);
    }

    #[test]
    fn peer_version_is_read_from_the_lock_file() {
        assert!(locked_version("adblock").is_some_and(|v| v.starts_with("0.")));
        assert_eq!(locked_version("no-such-package"), None);
    }

    #[test]
    fn summary_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&values);
        assert_eq!((s.p50, s.p90, s.p99), (50.0, 90.0, 99.0));
    }

    #[test]
    fn generated_urls_half_listed() {
        let lists = Lists::generated(1_000, 1);
        let urls = synthetic_urls(&lists.domains, 100, 2);
        let listed = urls
            .iter()
            .filter(|u| lists.domains.iter().any(|d| u.url.contains(d.as_str())))
            .count();
        assert!((40..=60).contains(&listed), "{listed}");
    }
}
