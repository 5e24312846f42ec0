//! What each fuzz target feeds the core, and what must hold whatever the bytes: no panic, no
//! hang, and each stage's own promise (canonicalising twice is stable, a parsed entry parses
//! back to itself, a loaded ruleset answers lookups, normalising twice is stable).
//!
//! `fuzz_targets/*.rs` call these under libFuzzer (`cargo fuzz run NAME`, see TESTING.md);
//! `crates/core/tests/fuzz_corpus.rs` compiles this very file and calls them on every file of
//! `fuzz/corpus/NAME/` in the ordinary test run, so what a long run found stays found.
//!
//! Failures are `assert!`s: libFuzzer saves the input that made one, and the replay test names
//! the corpus file.

use schoolgate_core::canon::{self, ParsedUrl};
use schoolgate_core::lists::{parse_list, Entry, ListFormat};
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::{CompiledExpressions, Ruleset, RulesetBuilder};
use schoolgate_core::search;

/// Where a ruleset's checksum sits, and the header's length (see `ruleset` module docs).
const CHECKSUM_AT: usize = 88;
const HEADER_LEN: usize = 96;

/// The URL canonicaliser: any bytes → a canonical URL or an error. A canonical URL
/// canonicalises to itself, and `split` agrees with `parse` on whether the input is a URL.
pub fn canon(data: &[u8]) {
    let parsed = canon::parse(data);
    assert_eq!(
        parsed.is_ok(),
        canon::split(data).is_ok(),
        "parse and split disagree on {data:?}"
    );
    if let Ok(ParsedUrl::Web(once)) = parsed {
        let text = once.to_string();
        let twice = canon::canonicalize(text.as_bytes()).map(|u| u.to_string());
        assert_eq!(
            twice.as_deref(),
            Ok(text.as_str()),
            "canonicalising {text:?} again changed it (input {data:?})"
        );
    }
}

/// The list parser, in every format: never panics, accounts for every line, and each domain or
/// URL-prefix entry it keeps parses back to itself from its key.
pub fn lists(data: &[u8]) {
    let lines = data.split(|&b| b == b'\n').count();
    for format in ListFormat::ALL {
        let list = parse_list("fuzz", data, format);
        assert!(list.rejected.len() <= list.rejected_count as usize);
        assert!(
            list.entries.len() + list.rejected_count as usize + list.skipped as usize <= lines
                || list.format == ListFormat::Hosts,
            "{format}: more outcomes than lines"
        );
        for rejected in &list.rejected {
            assert!(rejected.line >= 1 && rejected.line as usize <= lines);
        }
        for entry in &list.entries {
            let again_format = match entry {
                Entry::Domain(_) => ListFormat::Domains,
                Entry::UrlPrefix { .. } => ListFormat::Urls,
                Entry::Expression(_) => continue,
            };
            let key = entry.key();
            // A `*` is list syntax (refused but as a leading `*.`); a path's literal one is
            // written `%2A`, which canonicalises back to `*`.
            let line = key.replace('*', "%2A");
            let again = parse_list("again", line.as_bytes(), again_format);
            assert_eq!(
                again.entries.as_slice(),
                std::slice::from_ref(entry),
                "{format}: the entry {key:?} does not parse back to itself: {:?}",
                again.rejected
            );
        }
    }
}

/// The policy parser: any text → a policy or issues whose lines and columns are in the text.
/// A valid policy summarises without panicking.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::from_toml(text) {
        Ok(policy) => {
            let _ = policy.summary();
        }
        Err(error) => {
            let lines = text.split('\n').count();
            assert!(!error.issues().is_empty());
            for issue in error.issues() {
                assert!(issue.line >= 1 && issue.line <= lines + 1, "{issue}");
                assert!(issue.column >= 1, "{issue}");
            }
        }
    }
}

/// The compiled-ruleset loader, twice: the bytes as given (the checksum refuses almost all),
/// then with the checksum made to match, so the structure checks behind it are reached as a
/// crafted file would reach them. Whatever loads must answer lookups and list its tags.
pub fn ruleset(data: &[u8]) {
    load_and_use(data);
    if data.len() >= HEADER_LEN {
        let mut sealed = data.to_vec();
        let mut hash = xxhash_rust::xxh3::Xxh3Default::new();
        hash.update(&sealed[..CHECKSUM_AT]);
        hash.update(&sealed[HEADER_LEN..]);
        let sum = hash.digest().to_le_bytes();
        sealed[CHECKSUM_AT..HEADER_LEN].copy_from_slice(&sum);
        load_and_use(&sealed);
    }
    // The same bytes as a list, compiled: what the builder writes always loads.
    let list = parse_list("fuzz", data, ListFormat::Auto);
    let mut builder = RulesetBuilder::new();
    for entry in &list.entries {
        if builder.add(entry, "games", "fuzz").is_err() {
            return;
        }
    }
    if let Ok((bytes, _)) = builder.build() {
        let loaded = Ruleset::from_bytes(bytes.as_slice());
        assert!(loaded.is_ok(), "a built ruleset does not load: {loaded:?}");
    }
}

fn load_and_use(bytes: &[u8]) {
    let Ok(ruleset) = Ruleset::from_bytes(bytes) else {
        return;
    };
    let _ = ruleset.tags().count();
    let _ = ruleset.expressions().count();
    let mut found = Vec::new();
    for (host, path, query) in [
        ("example.com", "/", None),
        ("a.b.c.d.e.example.org", "/games/x/y", Some("q=1")),
        ("1.2.3.4", "/a", None),
        ("localhost", "/", None),
    ] {
        ruleset.matches_parts(host, path, query, &mut found);
    }
    if let Ok(expressions) = CompiledExpressions::new(&ruleset) {
        expressions.matches_parts("example.com", "/casino", None, &mut found);
    }
}

/// The search-text normaliser: any text → lowercase words; normalising the result again
/// changes nothing (when nothing was cut).
pub fn search(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let once = search::normalize(&text);
    if once.truncated {
        return;
    }
    let twice = search::normalize(&once.text);
    assert_eq!(
        twice.text, once.text,
        "normalising {text:?} again changed {:?}",
        once.text
    );
}
