//! Tests of layout version 2's tag sets: one record per key, the overflow table, and the
//! refusal of version 1 bytes.

use super::layout;
use super::tests::{build, crafted, domain, keys, prefix};
use super::*;

/// A ruleset written by the version 1 layout (`schoolgate compile --category games` of
/// `example.com` and `www.example.org`), as an extension's cache or a school's file may still hold.
/// (The bytes are inline: `*.sgr` files are ignored outside `tests/fixtures`.)
const V1_RULESET: &[u8] = &[
    0x53, 0x47, 0x52, 0x55, 0x4c, 0x45, 0x53, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00,
    0x40, 0x00, 0x00, 0x00, 0x54, 0x00, 0x00, 0x00, 0x54, 0x00, 0x00, 0x00, 0x68, 0x00, 0x00, 0x00,
    0x70, 0x00, 0x00, 0x00, 0x7e, 0x00, 0x00, 0x00, 0xab, 0x72, 0x8f, 0x56, 0x17, 0x99, 0x29, 0xa6,
    0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x67, 0x61, 0x6d, 0x65, 0x73, 0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x67, 0x61,
    0x6d, 0x65, 0x73, 0x2e, 0x74, 0x78, 0x74, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x73, 0xbb, 0x45, 0x80, 0x7e, 0x10, 0x00, 0x52, 0x3a, 0x26, 0x63, 0xfa, 0xd8, 0x00,
];

#[test]
fn version_1_bytes_are_refused_with_a_clear_error() {
    assert_eq!(&V1_RULESET[..8], b"SGRULES\0");
    let e = Ruleset::from_bytes(V1_RULESET).unwrap_err();
    assert_eq!(
        e,
        RulesetError::UnsupportedVersion {
            found: 1,
            supported: FORMAT_VERSION
        }
    );
    assert!(e.to_string().contains("compile the lists again"), "{e}");
    // Even cut short (as an interrupted download leaves it), an old ruleset says it is old.
    assert!(matches!(
        Ruleset::from_bytes(&V1_RULESET[..40]),
        Err(RulesetError::UnsupportedVersion { found: 1, .. })
    ));
    // The same list compiled now loads and matches.
    let r = build(&[
        (domain("example.com"), "games", "games.txt"),
        (domain("www.example.org"), "games", "games.txt"),
    ]);
    assert_eq!(
        keys(&r, "www.example.org", "/", None),
        ["www.example.org@games"]
    );
    assert_eq!(FORMAT_VERSION, 2);
}

#[test]
fn one_record_per_key_whatever_its_tags() {
    let mut b = RulesetBuilder::new();
    let categories = ["games", "chat", "social-media", "streaming"];
    for i in 0..1000 {
        let d = domain(&format!("site{i}.com"));
        // Every domain in two of the four categories, from two sources each.
        for c in [categories[i % 4], categories[(i + 1) % 4]] {
            b.add(&d, c, "list-a").unwrap();
            b.add(&d, c, "list-b").unwrap();
        }
    }
    let (bytes, stats) = b.build().unwrap();
    assert_eq!((stats.entries, stats.keys, stats.tag_sets), (4000, 1000, 4));
    assert_eq!(stats.overflowed, 0);
    let r = Ruleset::from_bytes(bytes).unwrap();
    assert_eq!((r.len(), r.key_count()), (4000, 1000));
    // 7 bytes per key plus small tables: far below 7 bytes per (key, tag) pair.
    assert!(r.size_bytes() < 1000 * 7 + 1024, "{}", r.size_bytes());
    let mut found = keys(&r, "www.site5.com", "/", None);
    found.sort();
    assert_eq!(
        found,
        [
            "site5.com@chat",
            "site5.com@chat",
            "site5.com@social-media",
            "site5.com@social-media"
        ]
    );
}

#[test]
fn more_than_255_tag_combinations_overflow_and_still_match() {
    // 20 tags; each domain gets a distinct pair or triple of them: far more than 255 sets.
    let mut b = RulesetBuilder::new();
    let mut expected = Vec::new();
    let mut n = 0;
    for x in 0..20 {
        for y in x + 1..20 {
            for z in [None, Some((y + 1) % 20)]
                .into_iter()
                .filter(|z| *z != Some(x))
            {
                let host = format!("d{n}.example");
                let mut tags = vec![x, y];
                tags.extend(z);
                for &t in &tags {
                    b.add(&domain(&host), "games", &format!("s{t}")).unwrap();
                }
                tags.sort_unstable();
                tags.dedup();
                expected.push((host, tags));
                n += 1;
            }
        }
    }
    // The most used set gets the first byte: many domains in tag 0 alone.
    for i in 0..50 {
        b.add(&domain(&format!("common{i}.example")), "games", "s0")
            .unwrap();
    }
    b.add(&prefix("d1.example", "/p"), "chat", "s0").unwrap();
    let (bytes, stats) = b.build().unwrap();
    assert!(stats.tag_sets > 300, "{}", stats.tag_sets);
    assert_eq!(stats.overflowed, stats.tag_sets - 255);
    let r = Ruleset::from_bytes(bytes.clone()).unwrap();
    assert!(r.header.overflow_count > 0);
    for (host, tags) in &expected {
        let mut out = Vec::new();
        r.matches_parts(host, "/p", None, &mut out);
        let mut sources: Vec<String> = out
            .iter()
            .filter(|m| m.kind == MatchKind::Domain)
            .map(|m| m.source.to_string())
            .collect();
        sources.sort();
        let mut want: Vec<String> = tags.iter().map(|t| format!("s{t}")).collect();
        want.sort();
        assert_eq!(sources, want, "{host}");
    }
    assert_eq!(
        keys(&r, "d1.example", "/p/q", None)
            .into_iter()
            .filter(|k| k.starts_with("d1.example/p"))
            .collect::<Vec<_>>(),
        ["d1.example/p@chat"]
    );
    assert_eq!(
        keys(&r, "common7.example", "/", None),
        ["common7.example@games"]
    );
    let set0 = layout::u32_at(&bytes, r.header.sets_off + 4).unwrap() as usize;
    assert_eq!(
        &bytes[r.header.members_off..r.header.members_off + set0],
        &[0]
    );

    // Crafted overflow tables: an index out of order, a set id a byte could name, a set id
    // past the table, a record pointing at a direct entry.
    let h = r.header;
    let rec = |i: usize| h.overflow_off + i * layout::OVERFLOW_RECORD;
    let u32le = |v: u32| v.to_le_bytes();
    let first_index = layout::u32_at(&bytes, rec(0)).unwrap();
    let second_index = layout::u32_at(&bytes, rec(1)).unwrap();
    let direct = (0..h.entry_count as u32)
        .find(|&i| {
            layout::entry_at(&bytes[h.entries_off..], i as usize)
                .unwrap()
                .1
                != 255
        })
        .unwrap();
    for (at, value) in [
        (rec(1), first_index),
        (rec(0), second_index),
        (rec(0) + 4, 254),
        (rec(0) + 4, h.set_count as u32),
        (rec(0), direct),
    ] {
        assert!(
            matches!(
                crafted(bytes.clone(), at, &u32le(value)),
                Err(RulesetError::CorruptSection(_))
            ),
            "{at} = {value}"
        );
    }
    // An overflow byte too many (a direct entry turned into an overflow one).
    let at = h.entries_off + direct as usize * 7 + 6;
    assert!(matches!(
        crafted(bytes.clone(), at, &[255]),
        Err(RulesetError::CorruptSection(_))
    ));
}

#[test]
fn round_trip_keeps_every_key_and_tag() {
    let mut b = RulesetBuilder::new();
    let mut want = Vec::new();
    for i in 0..3000usize {
        let host = format!("h{i}.test");
        for t in 0..(i % 5) {
            let category = ["games", "chat", "gambling", "child-abuse"][t % 4];
            b.add(&domain(&host), category, &format!("src{}", t % 3))
                .unwrap();
        }
        if i % 7 == 0 {
            b.add(&prefix(&host, "/x"), "drugs", "src0").unwrap();
        }
        want.push(host);
    }
    let (bytes, stats) = b.build().unwrap();
    let r = Ruleset::from_bytes(bytes.clone()).unwrap();
    assert_eq!(r.len(), stats.entries);
    let again = Ruleset::from_bytes(r.as_bytes().to_vec()).unwrap();
    assert_eq!(again.as_bytes(), &bytes[..]);
    for (i, host) in want.iter().enumerate() {
        let mut out = Vec::new();
        r.matches_parts(host, "/x", None, &mut out);
        let domains = out.iter().filter(|m| m.kind == MatchKind::Domain).count();
        let mut distinct: Vec<(usize, usize)> = (0..(i % 5)).map(|t| (t % 4, t % 3)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(domains, distinct.len(), "{host}");
        let prefixes = out
            .iter()
            .filter(|m| m.kind == MatchKind::UrlPrefix)
            .count();
        assert_eq!(prefixes, usize::from(i % 7 == 0), "{host}");
        assert_eq!(
            out.iter().any(|m| m.locked),
            out.iter().any(|m| &*m.category == "child-abuse")
        );
    }
}
