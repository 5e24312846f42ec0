//! Data-driven checks of list parsing against `tests/fixtures/lists/expected.txt`, then the same
//! fixtures compiled into a ruleset and looked up through the canonicaliser.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::PathBuf;

use schoolgate_core::canon::canonicalize;
use schoolgate_core::lists::{parse_list, Entry, ListFormat, ParsedList};
use schoolgate_core::ruleset::{MatchKind, Ruleset, RulesetBuilder};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lists")
}

fn parse_fixture(file: &str, given: &str) -> ParsedList {
    let bytes = std::fs::read(fixtures().join(file)).expect("fixture file");
    let format = if given == "name" {
        ListFormat::from_file_name(file).expect("a list file name")
    } else {
        given.parse().expect("a format name")
    };
    parse_list(file, &bytes, format)
}

fn expected_rows() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(fixtures().join("expected.txt")).expect("expected.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(" | ").map(|c| c.trim().to_string()).collect())
        .collect()
}

#[test]
fn fixtures_parse_as_expected() {
    let rows = expected_rows();
    assert!(rows.len() >= 6);
    for row in rows {
        let [file, given, format, entries, rejected, skipped, duplicates, keys] = &row[..] else {
            panic!("bad row {row:?}");
        };
        let list = parse_fixture(file, given);
        for r in &list.rejected {
            println!("{r}");
        }
        assert_eq!(list.format.to_string(), *format, "{file}: format");
        assert_eq!(
            list.entries.len().to_string(),
            *entries,
            "{file}: entries {:?}",
            list.entries
        );
        let lines: Vec<String> = list.rejected.iter().map(|r| r.line.to_string()).collect();
        assert_eq!(lines.join(","), *rejected, "{file}: rejected lines");
        assert_eq!(list.rejected_count as usize, list.rejected.len());
        assert_eq!(list.skipped.to_string(), *skipped, "{file}: skipped");
        assert_eq!(
            list.duplicates.to_string(),
            *duplicates,
            "{file}: duplicates"
        );
        let have: Vec<String> = list.entries.iter().map(Entry::key).collect();
        for key in keys.split(", ") {
            assert!(
                have.iter().any(|h| h == key),
                "{file}: missing {key} in {have:?}"
            );
        }
        assert!(list
            .rejected
            .iter()
            .all(|r| r.source == *file && !r.reason.is_empty()));
    }
}

#[test]
fn rejections_say_why() {
    let hosts = parse_fixture("ads-hosts", "name");
    let reason = |line: u32| {
        hosts
            .rejected
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .to_string()
    };
    assert_eq!(reason(2), "ads-hosts:2: `localhost` is a hosts-file housekeeping name, not a site: 127.0.0.1 localhost");
    assert!(reason(11).contains("not valid utf-8"));
    assert!(reason(12).contains("longer than 2048 bytes"));
    assert!(reason(13).contains("`en` is a single-label host"));
    let adblock = parse_fixture("adblock.txt", "name");
    assert!(adblock
        .rejected
        .iter()
        .all(|r| r.reason.starts_with("unsupported adblock rule")));
}

#[test]
fn fixtures_compile_and_match() {
    let mut builder = RulesetBuilder::new();
    for row in expected_rows() {
        let list = parse_fixture(&row[0], &row[1]);
        for entry in &list.entries {
            builder.add(entry, "games", &list.source).unwrap();
        }
    }
    let (bytes, stats) = builder.build().unwrap();
    let ruleset = Ruleset::from_bytes(bytes).unwrap();
    assert_eq!(ruleset.len(), stats.entries);
    let hits = |url: &str| {
        let url = canonicalize(url.as_bytes()).expect("a valid URL");
        let mut out = Vec::new();
        ruleset.matches(&url, &mut out);
        out.iter()
            .map(|m| (m.key.clone(), m.kind))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        hits("https://WWW.Example.com/"),
        [("example.com".to_string(), MatchKind::Domain)]
    );
    assert!(hits("http://notexample.com/").is_empty());
    let games = ("videos.example.org/games".to_string(), MatchKind::UrlPrefix);
    assert_eq!(
        hits("http://videos.example.org/games"),
        std::slice::from_ref(&games)
    );
    assert_eq!(hits("http://videos.example.org/games/level/2?x=1"), [games]);
    assert!(hits("http://videos.example.org/gamesx").is_empty());
    assert_eq!(hits("http://example.net/search?q=test").len(), 1);
    assert!(hits("http://example.net/search?q=other").is_empty());
    assert_eq!(hits("http://203.0.113.9/").len(), 1);
}

/// `expression-matches.tsv`: which expressions of the `expressions` fixture match each URL. The
/// wasm package (the browser's `RegExp`) reads the same file in `tests/js/lists.test.mjs`.
#[cfg(feature = "expressions")]
#[test]
fn expressions_match_as_the_fixture_says() {
    use schoolgate_core::ruleset::CompiledExpressions;

    let list = parse_fixture("expressions", "expressions");
    let mut builder = RulesetBuilder::new();
    for entry in &list.entries {
        builder.add(entry, "games", &list.source).unwrap();
    }
    let ruleset = Ruleset::from_bytes(builder.build().unwrap().0).unwrap();
    let compiled = CompiledExpressions::new(&ruleset).unwrap();
    let text = std::fs::read_to_string(fixtures().join("expression-matches.tsv")).unwrap();
    let mut rows = 0;
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (url, expected) = line.split_once('\t').expect("url<TAB>expressions");
        let mut out = Vec::new();
        compiled.matches(&canonicalize(url.as_bytes()).unwrap(), &mut out);
        let got: Vec<&str> = out.iter().map(|m| m.key.as_str()).collect();
        let got = if got.is_empty() {
            "-".to_string()
        } else {
            got.join(", ")
        };
        assert_eq!(got, expected, "{url}");
        rows += 1;
    }
    assert!(rows >= 15);
}
