//! A generated 200k-domain set: compiles, round-trips from bytes, finds every member (and its
//! subdomains), and finds no random non-member.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use schoolgate_core::lists::Entry;
use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn label(&mut self) -> String {
        let len = 3 + (self.next() % 12) as usize;
        (0..len)
            .map(|_| (b'a' + (self.next() % 26) as u8) as char)
            .collect()
    }
}

const TLDS: &[&str] = &["com", "org", "net", "co.uk", "io", "ru", "de"];

fn domain(rng: &mut Rng) -> String {
    let tld = TLDS[(rng.next() % TLDS.len() as u64) as usize];
    format!("{}.{tld}", rng.label())
}

#[test]
fn two_hundred_thousand_domains() {
    let mut rng = Rng(2024);
    let mut members = std::collections::HashSet::new();
    while members.len() < 200_000 {
        members.insert(domain(&mut rng));
    }
    let members: Vec<String> = members.into_iter().collect();
    let mut builder = RulesetBuilder::new();
    for (i, d) in members.iter().enumerate() {
        let category = if i % 2 == 0 { "games" } else { "gambling" };
        builder
            .add(&Entry::Domain(d.clone()), category, "generated")
            .unwrap();
    }
    let (bytes, stats) = builder.build().unwrap();
    assert_eq!(
        (stats.entries, stats.duplicates_dropped, stats.tags),
        (200_000, 0, 2)
    );
    let per_domain = bytes.len() as f64 / 200_000.0;
    println!(
        "200k domains: {} bytes, {per_domain:.2} bytes/domain",
        bytes.len()
    );
    assert!(per_domain <= 8.5, "{per_domain}");

    let ruleset = Ruleset::from_bytes(&bytes[..]).unwrap();
    assert_eq!(ruleset.len(), 200_000);
    let mut out = Vec::new();
    for (i, d) in members.iter().enumerate() {
        out.clear();
        let host = if i % 3 == 0 {
            format!("www.{d}")
        } else {
            d.clone()
        };
        ruleset.matches_parts(&host, "/", None, &mut out);
        assert_eq!(out.len(), 1, "{host}");
        assert_eq!(&out[0].key, d);
        assert_eq!(
            &*out[0].category,
            if i % 2 == 0 { "games" } else { "gambling" }
        );
    }
    let set: std::collections::HashSet<&str> = members.iter().map(String::as_str).collect();
    let mut tested = 0;
    while tested < 200_000 {
        // A lookalike: a member's name with a prefix glued on is not a subdomain of it.
        let host = format!("x{}", domain(&mut rng));
        if set.contains(host.as_str()) {
            continue;
        }
        tested += 1;
        out.clear();
        ruleset.matches_parts(&host, "/a/b", Some("q=1"), &mut out);
        assert!(out.is_empty(), "{host}: {out:?}");
    }
}
