//! `Engine::decide` settles most URLs from the host alone and sends the rest the whole way; it
//! must always reach `Engine::classify`'s verdict. These tests build URLs from the parts where
//! the two routes part: hosts with and without URL-prefix entries under them, a group's own
//! allow and deny entries at every depth, search engines, wrappers and lookalikes in deep
//! subdomains, expressions, and the spellings canonicalisation sees through (case, escapes,
//! userinfo, ports, tabs, backslashes, fragments).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use proptest::prelude::*;
use schoolgate_core::engine::{Engine, Frame, Request};
use schoolgate_core::lists::Entry;
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};
use schoolgate_core::verdict::Action;

/// A policy whose groups have their own entries at host and path level, deny and allow
/// overlapping, and a time window: every branch of the group-list precedence.
const POLICY: &str = r#"
[school]
name = "Host-first test school"

[categories]
games = { allow_at = [{ days = "mon-fri", from = "12:00", to = "13:00" }] }

[groups.ks2]
allow = ["listed-games.example/maths/", "sub.blocked-site.example", "allowed-host.example"]
deny = ["blocked-site.example", "allowed-host.example/private/", "plain-unlisted.example/deny/"]

[groups.year6]
preset = "ks2"
deny = ["with-paths.example", "graphic.example/maths/"]
allow = ["with-paths.example/casino/", "news.with-paths.example", "graphic.example"]

[groups.staff]

[groups.walled]
preset = "eyfs"
uncategorised = "block"
allow = ["plain-unlisted.example", "adult.example"]

[groups.lunch]
preset = "ks2"
uncategorised = { allow_at = [{ days = "mon-fri", from = "12:00", to = "13:00" }] }

[groups.lunch.categories]
pornography = "allow"
games = "staff-only"
"#;

fn prefix(host: &str, path: &str) -> Entry {
    Entry::UrlPrefix {
        host: host.into(),
        path: path.into(),
    }
}

/// Lists with hosts that have URL-prefix entries under them and hosts that do not.
fn lists() -> Ruleset {
    let mut builder = RulesetBuilder::new();
    let entries = [
        (Entry::Domain("listed-games.example".into()), "games"),
        (Entry::Domain("adult.example".into()), "pornography"),
        (Entry::Domain("cdn.adult.example".into()), "malware"),
        (prefix("with-paths.example", "/casino"), "gambling"),
        (prefix("news.with-paths.example", "/graphic"), "violence"),
        (Entry::Domain("with-paths.example".into()), "social-media"),
        (Entry::Domain("abuse-standin.example".into()), "child-abuse"),
        (Entry::Domain("roblox.com".into()), "games"),
    ];
    for (entry, category) in &entries {
        builder.add(entry, category, "host-first-test").unwrap();
    }
    Ruleset::from_bytes(builder.build().unwrap().0).unwrap()
}

/// A ruleset with a squidGuard expression: the engine must read the whole URL for every page.
fn expressions() -> Ruleset {
    let mut builder = RulesetBuilder::new();
    builder
        .add(&Entry::Expression("casino".into()), "gambling", "expr-test")
        .unwrap();
    Ruleset::from_bytes(builder.build().unwrap().0).unwrap()
}

fn engines() -> Vec<Engine> {
    let policy = || Policy::from_toml(POLICY).unwrap();
    vec![
        Engine::builtin(),
        Engine::new(policy(), vec![lists()]).unwrap(),
        Engine::new(policy(), vec![lists(), expressions()]).unwrap(),
    ]
}

const SCHEMES: &[&str] = &[
    "https://",
    "http://",
    "HTTPS://",
    "",
    "http:\\\\",
    "https:/",
];
const USERINFO: &[&str] = &["", "", "user@", "a@b@", "adult.example@"];
const HOSTS: &[&str] = &[
    "listed-games.example",
    "www.listed-games.example",
    "LISTED-GAMES.EXAMPLE",
    "adult.example",
    "cdn.adult.example",
    "a.b.cdn.adult.example",
    "with-paths.example",
    "news.with-paths.example",
    "deep.news.with-paths.example",
    "blocked-site.example",
    "sub.blocked-site.example",
    "x.sub.blocked-site.example",
    "allowed-host.example",
    "graphic.example",
    "plain-unlisted.example",
    "abuse-standin.example",
    "www.abuse-standin.example",
    "google.com",
    "www.google.co.uk",
    "a.b.c.www.google.com",
    "youtubei.googleapis.com",
    "search.yahoo.com",
    "duckduckgo.com",
    "html.duckduckgo.com",
    "translate.goog",
    "example-com.translate.goog",
    "web.archive.org",
    "l.facebook.com",
    "cdn.ampproject.org",
    "xn--ggle-55da.com",
    "www.xn--ggle-55da.com",
    "g\u{43e}\u{43e}gle.com",
    "r\u{3bf}blox.com",
    "www.r\u{3bf}blox.com",
    "%61dult.example",
    "adult%2Eexample",
    "adult.example.",
    ".adult.example",
    "adult..example",
    "127.0.0.1",
    "0x7f.1",
    "[::1]",
    "localhost",
    "com",
    "",
];
const PORTS: &[&str] = &["", "", ":80", ":443", ":8080", ":99999", ":x", ":"];
const PATHS: &[&str] = &[
    "",
    "/",
    "/maths/",
    "/maths/times-tables",
    "/MATHS/x",
    "/casino",
    "/casino/table",
    "/graphic/",
    "/graphic/x",
    "/private/",
    "/private/a/../b",
    "/deny/x",
    "/search",
    "/html",
    "/url",
    "/web/2020/https://adult.example/",
    "/a/./b/../c",
    "/%2e%2e/x",
    "\\maths\\",
    "//double",
];
const QUERIES: &[&str] = &[
    "",
    "?q=weather",
    "?q=porn",
    "?p=porn",
    "?q=cats&tbm=isch",
    "?url=https://adult.example/",
    "?q=https%3A%2F%2Fadult.example%2F",
    "?u=https://adult.example/&sl=auto",
    "?a=1%262",
];
const FRAGMENTS: &[&str] = &["", "#top", "#/casino", "#?q=porn"];

/// A URL from the parts above, with a tab or newline at one byte offset when `noise` says so.
fn url_from(parts: [usize; 7], noise: (usize, usize)) -> Vec<u8> {
    let pick = |list: &[&str], i: usize| list[i % list.len()].to_string();
    let mut url = [
        pick(SCHEMES, parts[0]),
        pick(USERINFO, parts[1]),
        pick(HOSTS, parts[2]),
        pick(PORTS, parts[3]),
        pick(PATHS, parts[4]),
        pick(QUERIES, parts[5]),
        pick(FRAGMENTS, parts[6]),
    ]
    .concat()
    .into_bytes();
    let (kind, at) = noise;
    if kind % 4 == 1 && !url.is_empty() {
        let at = at % url.len();
        url.insert(at, [b'\t', b'\n', b'\r'][kind % 3]);
    }
    url
}

/// Noon and 10:00 on a Wednesday (a time window's inside and outside), in Unix seconds.
const TIMES: [i64; 2] = [1_764_072_000, 1_764_064_800];

fn check(engines: &[Engine], url: &[u8]) -> Result<(), TestCaseError> {
    for engine in engines {
        for group in [
            "ks2",
            "year6",
            "staff",
            "eyfs",
            "walled",
            "lunch",
            "no-such-group",
        ] {
            for at in TIMES {
                for frame in [Frame::TopLevel, Frame::Subframe] {
                    let request = Request {
                        frame,
                        ..Request::new(url, group, at)
                    };
                    let verdict = engine.classify(&request);
                    let want = (verdict.action, verdict.locked);
                    let decided = engine.decide(&request);
                    prop_assert_eq!(
                        (decided.action, decided.locked, decided.next_change),
                        (verdict.action, verdict.locked, verdict.next_change),
                        "decide, {} for {} at {}",
                        String::from_utf8_lossy(url),
                        group,
                        at
                    );
                    let now = engine.decide_now(&request);
                    prop_assert_eq!((now.action, now.locked), want, "decide_now");
                    if let (Frame::TopLevel, Some(g)) = (frame, engine.policy().group(group)) {
                        let by_group = engine.decide_now_for(g, url, at);
                        prop_assert_eq!((by_group.action, by_group.locked), want);
                    }
                }
            }
        }
    }
    Ok(())
}

/// `decide_now_for` with a group of another policy (the same text, parsed again) decides by the
/// group's name with this engine's group: its own deny and allow entries still count.
#[test]
fn a_group_of_another_policy_is_taken_by_name() {
    let engine = Engine::new(Policy::from_toml(POLICY).unwrap(), vec![lists()]).unwrap();
    let other = Policy::from_toml(POLICY).unwrap();
    let unknown =
        Policy::from_toml(&POLICY.replace("[groups.ks2]", "[groups.ks9]\npreset = \"ks2\""))
            .unwrap();
    let url = b"https://blocked-site.example/";
    let denied = engine.decide_now(&Request::new(url, "ks2", TIMES[0]));
    assert_eq!(denied.action, Action::Block, "the group's own deny entry");
    let g = other.group("ks2").unwrap();
    assert_eq!(engine.decide_now_for(g, url, TIMES[0]), denied);
    let allowed = b"https://sub.blocked-site.example/";
    let want = engine.decide_now(&Request::new(allowed, "ks2", TIMES[0]));
    assert_eq!(want.action, Action::Allow, "the group's own allow entry");
    assert_eq!(engine.decide_now_for(g, allowed, TIMES[0]), want);
    // A name this engine's policy does not have is blocked, as by name.
    let g = unknown.group("ks9").unwrap();
    assert_eq!(
        engine.decide_now_for(g, allowed, TIMES[0]).action,
        Action::Block
    );
}

/// Every host with every path, plainly written: the cases the two routes most often meet.
#[test]
fn every_host_and_path_agrees() {
    let engines = engines();
    for host in 0..HOSTS.len() {
        for path in 0..PATHS.len() {
            for query in [0, 2, 3, 5] {
                let url = url_from([0, 0, host, 0, path, query, 0], (0, 0));
                check(&engines, &url).unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(common::proptest_config(600))]

    /// Any combination of the parts, with a tab or newline anywhere.
    #[test]
    fn host_first_agrees_with_the_whole_way(
        parts in proptest::array::uniform7(0usize..64),
        noise in (0usize..8, 0usize..200),
    ) {
        let engines = engines();
        check(&engines, &url_from(parts, noise))?;
    }
}
