//! Property tests for `search`: normalisation, extraction and SafeSearch never panic on arbitrary
//! input, and are idempotent where that makes sense.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use proptest::prelude::*;
use schoolgate_core::search::normalize::{MAX_INPUT_CHARS, MAX_WORDS};
use schoolgate_core::search::{self, normalize, PhraseSet, SafeSearchPolicy, SearchRules};

/// Strings mixing ASCII, the obfuscation alphabet and scripts the lists cover.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 .,!?'@$|_-]{0,12}",
            "[\u{0400}-\u{04FF}\u{0370}-\u{03FF}]{0,4}",
            "[\u{0600}-\u{06FF}\u{0980}-\u{09FF}]{0,6}",
            "[\u{200B}-\u{200F}\u{FE00}-\u{FE0F}\u{0300}-\u{036F}]{0,3}",
            "[\u{FF01}-\u{FF5E}\u{1D400}-\u{1D7FF}\u{1F1E6}-\u{1F1FF}]{0,3}",
            // Letters that compose or marks that reorder once what kept them apart is gone.
            "[\u{1100}-\u{11FF}\u{3131}-\u{318E}\u{0591}-\u{05C7}\u{0900}-\u{0D7F}\u{20D0}-\u{20FF}\u{1E000}-\u{1E02F}' A]{0,6}",
            any::<String>(),
        ],
        0..8,
    );
    pieces.prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(common::proptest_config(512))]

    #[test]
    fn normalize_is_total_and_canonical(s in text()) {
        let n = normalize(&s);
        for (_, reading, _) in n.all_readings() {
            // Lowercase words separated by single spaces.
            prop_assert!(!reading.starts_with(' ') && !reading.ends_with(' '));
            prop_assert!(!reading.contains("  "));
            prop_assert!(reading.split(' ').count() <= MAX_WORDS);
        }
        prop_assert!(n.text.chars().all(|c| !c.is_uppercase()));
    }

    #[test]
    fn normalize_is_idempotent_on_its_output(s in text()) {
        let once = normalize(&s).text;
        prop_assert_eq!(normalize(&once).text, once);
    }

    #[test]
    fn extract_and_enforce_never_panic(host in "[a-z.]{0,24}", path in "/[a-zA-Z0-9;:/._~!$&'()*+,=@%-]{0,40}", query in proptest::option::of("[ -~]{0,80}")) {
        let _ = search::extract(&host, &path, query.as_deref());
        for host in [host.as_str(), "www.google.com", "www.bing.com", "duckduckgo.com", "www.youtube.com"] {
            let s = search::enforce(host, &path, query.as_deref(), &SafeSearchPolicy::default());
            if let Some(rewrite) = s.rewrite {
                let (p, q) = rewrite.split_once('?').unwrap_or((rewrite.as_str(), ""));
                let again = search::enforce(host, p, Some(q), &SafeSearchPolicy::default());
                prop_assert_eq!(again.rewrite, None, "not idempotent for {}", rewrite);
            }
        }
    }

    #[test]
    fn google_search_terms_survive_the_round_trip(terms in "[a-zA-Z0-9 +&=%é€]{1,30}") {
        let encoded: String = terms
            .bytes()
            .map(|b| match b {
                b' ' => "+".to_owned(),
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => char::from(b).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let got = search::extract("www.google.com", "/search", Some(&format!("q={encoded}")));
        let trimmed = terms.trim();
        prop_assert_eq!(got.map(|r| r.terms), (!trimmed.is_empty()).then(|| trimmed.to_owned()));
    }
}

#[test]
fn long_input_is_bounded() {
    let long = "porn ".repeat(MAX_INPUT_CHARS);
    let n = normalize(&long);
    assert!(n.truncated);
    assert!(n.text.split(' ').count() <= MAX_WORDS);
    let expanding = "\u{FDFA}".repeat(MAX_INPUT_CHARS * 2);
    assert!(normalize(&expanding).truncated);
}

#[test]
fn judge_never_panics_on_odd_input() {
    let set = PhraseSet::builtin().expect("built-in lists compile");
    let rules = SearchRules::default();
    for s in [
        "", " ", "\u{0}", "\u{FEFF}", "$", "@ @ @", "1 1 1", "!!!", "'''", "\u{0301}",
    ] {
        let v = set.judge(s, &rules);
        assert!(!v.blocked, "{s:?}");
    }
}
