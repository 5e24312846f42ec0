use super::layout::{self, HEADER_LEN};
use super::*;
use crate::lists::Entry;

pub(super) fn domain(d: &str) -> Entry {
    Entry::Domain(d.to_string())
}

pub(super) fn prefix(host: &str, path: &str) -> Entry {
    Entry::UrlPrefix {
        host: host.to_string(),
        path: path.to_string(),
    }
}

pub(super) fn build(entries: &[(Entry, &str, &str)]) -> Ruleset {
    let mut b = RulesetBuilder::new();
    for (e, c, s) in entries {
        b.add(e, c, s).unwrap();
    }
    Ruleset::from_bytes(b.build().unwrap().0).unwrap()
}

pub(super) fn sample() -> Ruleset {
    build(&[
        (domain("example.com"), "games", "a"),
        (domain("example.com"), "social-media", "b"),
        (prefix("videos.org", "/games"), "games", "a"),
        (prefix("videos.org", "/search?q=x"), "games", "a"),
        (domain("1.2.3.4"), "child-abuse", "iwf"),
        (Entry::Expression("porn|xxx".into()), "pornography", "ut1"),
    ])
}

pub(super) fn keys(r: &Ruleset, host: &str, path: &str, query: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    r.matches_parts(host, path, query, &mut out);
    out.iter()
        .map(|m| format!("{}@{}", m.key, m.category))
        .collect()
}

#[test]
fn domains_cover_subdomains_not_lookalikes() {
    let r = sample();
    let both = ["example.com@games", "example.com@social-media"];
    assert_eq!(keys(&r, "example.com", "/", None), both);
    assert_eq!(keys(&r, "a.b.www.example.com", "/x", None), both);
    assert!(keys(&r, "notexample.com", "/", None).is_empty());
    assert!(keys(&r, "example.com.evil.net", "/", None).is_empty());
    assert!(keys(&r, "com", "/", None).is_empty());
    assert!(keys(&r, "", "/", None).is_empty());
}

#[test]
fn url_prefixes_match_at_slash_boundaries() {
    let r = sample();
    assert_eq!(
        keys(&r, "videos.org", "/games", None),
        ["videos.org/games@games"]
    );
    assert_eq!(
        keys(&r, "videos.org", "/games/", None),
        ["videos.org/games@games"]
    );
    assert_eq!(
        keys(&r, "videos.org", "/games/x/y", Some("a=1")),
        ["videos.org/games@games"]
    );
    assert_eq!(
        keys(&r, "m.videos.org", "/games/x", None),
        ["videos.org/games@games"]
    );
    assert!(keys(&r, "videos.org", "/gamesx", None).is_empty());
    assert!(keys(&r, "videos.org", "/", None).is_empty());
    assert!(keys(&r, "videos.org", "/other/games", None).is_empty());
    assert_eq!(
        keys(&r, "videos.org", "/search", Some("q=x")),
        ["videos.org/search?q=x@games"]
    );
    assert!(keys(&r, "videos.org", "/search", Some("q=xy")).is_empty());
}

#[test]
fn ip_hosts_match_only_whole() {
    let r = sample();
    let mut out = Vec::new();
    r.matches_parts("1.2.3.4", "/", None, &mut out);
    assert_eq!(out.len(), 1);
    assert!(out[0].locked);
    assert_eq!((out[0].kind, &*out[0].source), (MatchKind::Domain, "iwf"));
    assert!(keys(&r, "2.3.4", "/", None).is_empty());
    assert!(keys(&r, "9.1.2.3.4", "/", None).is_empty());
}

#[test]
fn single_label_keys_are_looked_up_only_when_stored() {
    let flags = |r: &Ruleset| r.header.flags;
    let plain = sample();
    assert_eq!(flags(&plain), 0);
    // Clearing the flag skips lookups of single labels, so it must be set whenever one is stored.
    let r = build(&[
        (domain("example.com"), "games", "a"),
        (domain("localhost"), "chat", "a"),
        (prefix("intranet", "/games"), "games", "a"),
    ]);
    assert_eq!(flags(&r), layout::FLAG_SINGLE_LABEL_KEYS);
    assert_eq!(keys(&r, "localhost", "/", None), ["localhost@chat"]);
    assert_eq!(
        keys(&r, "intranet", "/games/x", None),
        ["intranet/games@games"]
    );
    assert_eq!(
        keys(&r, "www.example.com", "/", None),
        ["example.com@games"]
    );
    let r = build(&[(domain("[::1]"), "chat", "a")]);
    assert_eq!(keys(&r, "[::1]", "/", None), ["[::1]@chat"]);
    // A crafted ruleset that stores `com` without the flag simply never matches it.
    let mut b = RulesetBuilder::new();
    b.add(&domain("com"), "games", "a").unwrap();
    let bytes = b.build().unwrap().0;
    let r = crafted(bytes, 8 + 4 * 19, &0u32.to_le_bytes()).unwrap();
    assert!(keys(&r, "example.com", "/", None).is_empty());
}

#[test]
fn parents_are_bounded_to_32_labels() {
    let deep = |n: usize| format!("{}example.com", "a.".repeat(n));
    let r = build(&[
        (domain("example.com"), "games", "a"),
        (domain(&deep(33)), "chat", "a"),
    ]);
    assert_eq!(keys(&r, &deep(30), "/", None), ["example.com@games"]);
    // `deep(33)` has 35 labels: too deep to be looked up as a parent…
    assert_eq!(keys(&r, &deep(40), "/", None), ["example.com@games"]);
    // …but the full host is always looked up, however deep.
    assert_eq!(
        keys(&r, &deep(33), "/", None),
        [format!("{}@chat", deep(33)), "example.com@games".into()]
    );
}

#[test]
fn counts_tags_and_duplicates() {
    let mut b = RulesetBuilder::new();
    for _ in 0..3 {
        b.add(&domain("x.com"), "games", "a").unwrap();
        b.add(&prefix("y.com", "/p"), "games", "a").unwrap();
        b.add(&Entry::Expression("z".into()), "games", "a").unwrap();
    }
    b.add(&domain("x.com"), "chat", "a").unwrap();
    let (bytes, stats) = b.build().unwrap();
    assert_eq!(
        stats,
        CompileStats {
            entries: 4,
            // x.com, y.com/p and the has-paths marker of y.com.
            keys: 3,
            // {games, chat}, {games}, {marker}.
            tag_sets: 3,
            overflowed: 0,
            duplicates_dropped: 6,
            tags: 2,
            bytes: bytes.len()
        }
    );
    let r = Ruleset::from_bytes(&bytes[..]).unwrap();
    assert_eq!(
        (r.len(), r.size_bytes(), r.is_empty()),
        (4, bytes.len(), false)
    );
    let tags: Vec<_> = r.tags().map(|t| (t.category, t.source, t.locked)).collect();
    assert_eq!(tags, [("games", "a", false), ("chat", "a", false)]);
    assert_eq!(r.expressions().map(|(e, _)| e).collect::<Vec<_>>(), ["z"]);
}

#[test]
fn empty_ruleset_round_trips() {
    let (bytes, stats) = RulesetBuilder::new().build().unwrap();
    assert_eq!(stats.entries, 0);
    let r = Ruleset::from_bytes(bytes).unwrap();
    assert!(r.is_empty());
    assert!(keys(&r, "example.com", "/", None).is_empty());
}

#[test]
fn builder_errors() {
    let mut b = RulesetBuilder::new();
    assert!(matches!(
        b.add(&domain("a.com"), "Games", "s"),
        Err(RulesetError::InvalidCategory(_))
    ));
    for i in 0..layout::MAX_TAGS {
        b.add(&domain("a.com"), "games", &format!("s{i}")).unwrap();
    }
    assert_eq!(
        b.add(&domain("a.com"), "games", "one-more"),
        Err(RulesetError::TooManyTags { max: 255 })
    );
    // The 255 tags that fit still build and load.
    let r = Ruleset::from_bytes(b.build().unwrap().0).unwrap();
    assert_eq!(keys(&r, "a.com", "/", None).len(), 255);
}

#[test]
fn hash_collisions_are_refused() {
    let mut b = RulesetBuilder::with_hash(|k| k.len() as u64);
    b.add(&domain("aa.com"), "games", "s").unwrap();
    b.add(&domain("aa.com"), "chat", "s").unwrap();
    b.add(&domain("bb.org"), "games", "s").unwrap();
    match b.build() {
        Err(RulesetError::HashCollision { a, b }) => {
            assert_eq!((a.as_str(), b.as_str()), ("aa.com", "bb.org"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_flipped_byte_and_every_truncation_is_an_error() {
    let bytes = sample().into_inner();
    assert!(bytes.len() < 400, "{}", bytes.len());
    for i in 0..bytes.len() {
        for bit in [0x01, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            assert!(Ruleset::from_bytes(b).is_err(), "flip at {i}");
        }
        assert!(
            Ruleset::from_bytes(&bytes[..i]).is_err(),
            "truncated at {i}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Ruleset::from_bytes(longer).is_err());
}

/// Rewrites a field and re-seals the checksum, as a crafted file would.
pub(super) fn crafted(
    mut bytes: Vec<u8>,
    at: usize,
    value: &[u8],
) -> Result<Ruleset, RulesetError> {
    bytes[at..at + value.len()].copy_from_slice(value);
    layout::seal(&mut bytes);
    Ruleset::from_bytes(bytes)
}

#[test]
fn structural_checks_catch_crafted_bytes() {
    let bytes = sample().into_inner();
    let field = |i: usize| 8 + 4 * i;
    let u32le = |v: u32| v.to_le_bytes();
    let err = |at, v: &[u8]| crafted(bytes.clone(), at, v).unwrap_err();
    assert_eq!(
        err(field(0), &u32le(3)),
        RulesetError::UnsupportedVersion {
            found: 3,
            supported: 2
        }
    );
    assert!(matches!(err(0, b"NOTRULES"), RulesetError::BadMagic));
    // Bucket bits, tag count, set count, total length, an unknown flag.
    for (at, value) in [
        (field(1), 17),
        (field(2), 5),
        (field(3), 9),
        (field(18), 10),
        (field(19), 2),
    ] {
        assert!(
            matches!(err(at, &u32le(value)), RulesetError::CorruptSection(_)),
            "{at}"
        );
    }
    // Tag table: locked flag removed from a locked category; category string out of range.
    let tag_of_iwf = HEADER_LEN + 2 * layout::TAG_RECORD;
    assert!(matches!(
        err(tag_of_iwf + 16, &u32le(0)),
        RulesetError::CorruptSection(_)
    ));
    assert!(matches!(
        err(HEADER_LEN, &u32le(9999)),
        RulesetError::CorruptSection(_)
    ));
    let r = sample();
    let h = r.header;
    // A bucket offset past the end, and an entry byte that names no set.
    assert!(matches!(
        err(h.buckets_off + 4, &u32le(99)),
        RulesetError::CorruptSection(_)
    ));
    assert!(matches!(
        err(h.entries_off + 6, &[h.set_count as u8]),
        RulesetError::CorruptSection(_)
    ));
    assert!(matches!(
        err(h.entries_off + 6, &[layout::OVERFLOW_SET]),
        RulesetError::CorruptSection(_)
    ));
    // Tag sets: a member naming no tag, a repeated member, an empty set, offsets past the end.
    let members = h.members_off;
    assert!(matches!(
        err(members, &[h.tag_count as u8]),
        RulesetError::CorruptSection(_)
    ));
    let two = (0..h.set_count)
        .find(|&k| {
            let at = |k: usize| layout::u32_at(&bytes, h.sets_off + 4 * k).unwrap();
            at(k + 1) - at(k) == 2
        })
        .expect("example.com has two tags");
    let start = layout::u32_at(&bytes, h.sets_off + 4 * two).unwrap() as usize;
    let first = bytes[members + start];
    assert!(matches!(
        err(members + start + 1, &[first]),
        RulesetError::CorruptSection(_)
    ));
    assert!(matches!(
        err(h.sets_off + 4, &u32le(0)),
        RulesetError::CorruptSection(_)
    ));
    assert!(matches!(
        err(
            h.sets_off + 4 * h.set_count,
            &u32le(h.members_len as u32 + 1)
        ),
        RulesetError::CorruptSection(_)
    ));
    // Misordered entries load (the checksum guards against damage) and never panic.
    let mut swapped = bytes.clone();
    let e = h.entries_off;
    let (first, second) = (swapped[e..e + 7].to_vec(), swapped[e + 7..e + 14].to_vec());
    swapped[e..e + 7].copy_from_slice(&second);
    swapped[e + 7..e + 14].copy_from_slice(&first);
    layout::seal(&mut swapped);
    let r = Ruleset::from_bytes(swapped).unwrap();
    for host in ["example.com", "videos.org", "1.2.3.4", "a.b.c"] {
        r.matches_parts(host, "/games/x", Some("q=x"), &mut Vec::new());
    }
    // Expression tag out of range.
    assert!(matches!(
        err(h.exprs_off + 8, &u32le(200)),
        RulesetError::CorruptSection(_)
    ));
}

#[test]
fn messages_are_short_and_lowercase() {
    let e = RulesetError::UnsupportedVersion {
        found: 1,
        supported: 2,
    };
    assert_eq!(
        e.to_string(),
        "ruleset format version 1 is not supported (this build reads version 2): compile the lists again"
    );
    assert_eq!(
        RulesetError::ChecksumMismatch.to_string(),
        "ruleset checksum mismatch"
    );
}

#[cfg(feature = "expressions")]
#[test]
fn expressions_match_host_path_query() {
    let r = sample();
    let x = CompiledExpressions::new(&r).unwrap();
    assert_eq!(x.len(), 1);
    let mut out = Vec::new();
    x.matches_parts("example.com", "/a", Some("q=XXX"), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].key.as_str(), out[0].kind),
        ("porn|xxx", MatchKind::Expression)
    );
    out.clear();
    x.matches_parts("example.com", "/a", None, &mut out);
    assert!(out.is_empty());
}

#[cfg(feature = "expressions")]
#[test]
fn a_stored_bad_expression_is_an_error_not_a_panic() {
    let mut b = RulesetBuilder::new();
    b.add(&Entry::Expression("(".into()), "games", "s").unwrap();
    let r = Ruleset::from_bytes(b.build().unwrap().0).unwrap();
    assert!(matches!(
        CompiledExpressions::new(&r),
        Err(RulesetError::InvalidExpression { .. })
    ));
}

/// An installed engine as the wasm package has one: sets behind handles, matched a subject at a
/// time. Backed here by regex-lite, so the test compares the two paths through the core.
#[cfg(feature = "expressions")]
mod provided {
    use std::sync::Mutex;

    use crate::expressions::RegexEngine;

    pub(super) struct TestEngine {
        pub sets: Mutex<Vec<Option<Vec<regex_lite::Regex>>>>,
    }

    impl RegexEngine for TestEngine {
        fn compile(&self, expressions: &[&str]) -> Result<u32, (usize, String)> {
            let mut set = Vec::new();
            for (index, e) in expressions.iter().enumerate() {
                let program = regex_lite::RegexBuilder::new(e)
                    .case_insensitive(true)
                    .build()
                    .map_err(|error| (index, error.to_string()))?;
                set.push(program);
            }
            let mut sets = self.sets.lock().unwrap();
            sets.push(Some(set));
            Ok(sets.len() as u32 - 1)
        }

        fn find(&self, set: u32, subject: &str, found: &mut dyn FnMut(usize)) {
            let sets = self.sets.lock().unwrap();
            for (index, program) in sets[set as usize].iter().flatten().enumerate() {
                if program.is_match(subject) {
                    found(index);
                }
            }
        }

        fn release(&self, set: u32) {
            self.sets.lock().unwrap()[set as usize] = None;
        }
    }
}

#[cfg(feature = "expressions")]
#[test]
fn an_installed_engine_matches_as_the_compiled_in_one_and_frees_its_sets() {
    static ENGINE: provided::TestEngine = provided::TestEngine {
        sets: std::sync::Mutex::new(Vec::new()),
    };
    let r = build(&[
        (domain("example.com"), "games", "a"),
        (Entry::Expression("porn|xxx".into()), "pornography", "ut1"),
        (Entry::Expression("^[^/]*casino".into()), "gambling", "ut1"),
        (
            Entry::Expression("(^|[-./_])(bet|poker)s?([-./_?]|$)".into()),
            "gambling",
            "ut1",
        ),
    ]);
    let native = CompiledExpressions::new(&r).unwrap();
    let provided = CompiledExpressions::with_engine(&r, Some(&ENGINE)).unwrap();
    assert_eq!((provided.len(), provided.ignored()), (3, 0));
    let cases = [
        ("example.com", "/", None),
        ("casino.example", "/", None),
        ("example.com", "/casino", None),
        ("example.com", "/a", Some("q=XXX")),
        ("bets.example", "/", None),
        ("example.com", "/alphabet/", None),
        ("example.com", "/poker/", Some("q=porn")),
    ];
    let mut expected_total = 0;
    for (host, path, query) in cases {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        native.matches_parts(host, path, query, &mut a);
        provided.matches_parts(host, path, query, &mut b);
        assert_eq!(a, b, "{host}{path}?{query:?}");
        expected_total += a.len();
    }
    // The cases are not all misses: both paths found the same five matches.
    assert_eq!(expected_total, 5);
    drop(provided);
    assert!(ENGINE.sets.lock().unwrap().iter().all(Option::is_none));
    // A set the engine cannot compile names the expression.
    let bad = build(&[(Entry::Expression("(".into()), "games", "s")]);
    let err = CompiledExpressions::with_engine(&bad, Some(&ENGINE)).unwrap_err();
    assert!(matches!(err, RulesetError::InvalidExpression { expression, .. } if expression == "("));
}

#[test]
fn a_stored_backtracking_shape_is_refused_in_every_build() {
    let r = build(&[(Entry::Expression("(a+)+$".into()), "games", "s")]);
    assert!(matches!(
        CompiledExpressions::new(&r),
        Err(RulesetError::InvalidExpression { .. })
    ));
}

#[cfg(not(feature = "expressions"))]
#[test]
fn without_the_feature_expressions_are_counted_as_ignored() {
    let x = CompiledExpressions::new(&sample()).unwrap();
    assert_eq!((x.len(), x.ignored()), (0, 1));
}
