//! Replays every file of `fuzz/corpus/<target>/` through the very functions the fuzz targets
//! call (`fuzz/src/lib.rs`, compiled here as a module), so that every input a long fuzzing run
//! kept, and every crash it found, is checked again in each ordinary test run. TESTING.md says
//! how to run the fuzzers themselves.
#![allow(clippy::unwrap_used)] // a panic is how a test reports failure

#[path = "../../../fuzz/src/lib.rs"]
mod targets;

use std::path::PathBuf;

/// Calls `target` on every file of `fuzz/corpus/<name>/`, naming the file that fails.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{}: a corpus of {} files",
        dir.display(),
        files.len()
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| target(&bytes));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/{name}/{} fails",
            file.file_name().unwrap().to_string_lossy()
        );
    }
}

#[test]
fn canon_corpus() {
    replay("canon", targets::canon);
}

#[test]
fn lists_corpus() {
    replay("lists", targets::lists);
}

#[test]
fn policy_corpus() {
    replay("policy", targets::policy);
}

#[test]
fn ruleset_corpus() {
    replay("ruleset", targets::ruleset);
}

#[test]
fn search_corpus() {
    replay("search", targets::search);
}

/// Found by the `canon` fuzzer: `%5C` decoded to a backslash inside a path segment, which the
/// canonical URL kept as is, so reading that URL again made it a slash. (Also a row of
/// `tests/fixtures/canon.tsv`; the corpus keeps the input it was found with.)
#[test]
fn canon_a_decoded_backslash_stays_escaped() {
    targets::canon(b"vbscript//C%B%5cCe.eHR!dR`d/");
    targets::canon(b"http://example.com/a%5Cb/%5c%5C/c");
}

/// Found by the `canon` fuzzer: a Unicode host under the length limit whose punycode is over it
/// was accepted, and its canonical form refused when read again.
#[test]
fn canon_a_host_whose_punycode_is_too_long_is_refused() {
    let url = format!("http://{}com/", "a\u{fc}.".repeat(250));
    assert!(url.len() < 1024 + 20);
    assert!(schoolgate_core::canon::canonicalize(url.as_bytes()).is_err());
    targets::canon(url.as_bytes());
}

/// Found by the `search` fuzzer: words that leetspeak symbols split (`a$b`) could make the
/// normalised text longer than `MAX_WORDS` words, which normalising it again cut.
#[test]
fn search_splitting_at_leetspeak_symbols_keeps_to_the_word_limit() {
    use schoolgate_core::search::normalize::MAX_WORDS;
    // MAX_WORDS words as typed, twice as many once split: none of them one letter, which
    // would join up again (`p o r n` → `porn`).
    let text = "ab$cd ".repeat(MAX_WORDS);
    let once = schoolgate_core::search::normalize(&text);
    assert!(once.text.split(' ').count() <= MAX_WORDS, "{}", once.text);
    targets::search(text.as_bytes());
}
