//! Engine verdicts, data-driven from `tests/fixtures/verdicts/`: evasions, wrappers, lookalikes,
//! time windows across BST, non-web schemes, over-blocking, and locked lists no policy unblocks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use schoolgate_core::engine::{Engine, Frame, Request};
use schoolgate_core::lists::parse_list;
use schoolgate_core::policy::time::days_from_civil;
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};
use schoolgate_core::verdict::Verdict;

/// `2026-11-25T12:30:00Z` → Unix seconds (UTC only: fixtures say `Z`).
fn utc(text: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| {
        text[r]
            .parse::<i64>()
            .unwrap_or_else(|_| panic!("bad time {text}"))
    };
    assert!(
        text.ends_with('Z') && text.len() == 20,
        "fixture times are UTC: {text}"
    );
    let days = days_from_civil(n(0..4), n(5..7) as u32, n(8..10) as u32);
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

const WEDNESDAY_MORNING: &str = "2026-11-25T10:00:00Z";

fn rule_kind(v: &Verdict) -> String {
    serde_json::to_value(&v.rule).unwrap()["kind"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn engine_fixtures() {
    let engine = Engine::builtin();
    let mut failures = Vec::new();
    for (n, line) in common::fixture_lines("verdicts/engine.tsv") {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 6, "line {n}: expected at least 6 columns");
        let url = common::unescape_fixture(cols[0]);
        let v = engine.classify(&Request::new(&url, cols[1], utc(cols[2])));
        let mut problems = Vec::new();
        let action = if v.is_blocked() { "block" } else { "allow" };
        if action != cols[3] {
            problems.push(format!("action {action}"));
        }
        if v.category.as_deref().unwrap_or("-") != cols[4] {
            problems.push(format!("category {:?}", v.category));
        }
        if rule_kind(&v) != cols[5] {
            problems.push(format!("rule {}", rule_kind(&v)));
        }
        if let Some(check) = cols.get(6) {
            let (key, want) = check.split_once('=').unwrap();
            let got = match key {
                "carried" => v.carried.as_ref().map(|c| c.url.clone()),
                "lookalike" => v.lookalike_of.clone(),
                "canonical" => v.canonical.clone(),
                "next" => v.next_change.map(|t| t.to_string()),
                "flavour" => v.flavour.map(|f| {
                    serde_json::to_value(f)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_string()
                }),
                "alert" => v.alerts.first().map(|a| {
                    serde_json::to_value(a).unwrap()["kind"]
                        .as_str()
                        .unwrap()
                        .to_string()
                }),
                "rewrite" => v.safe_search.as_ref().and_then(|s| s.rewrite.clone()),
                "header" => v
                    .safe_search
                    .as_ref()
                    .and_then(|s| s.headers.first().map(|(k, v)| format!("{k}: {v}"))),
                "terms" => v.search.as_ref().map(|s| s.terms.clone()),
                other => panic!("line {n}: unknown check {other}"),
            };
            let want = if key == "next" {
                utc(want).to_string()
            } else {
                want.to_string()
            };
            if got.as_deref() != Some(want.as_str()) {
                problems.push(format!("{key} {got:?}, want {want}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "line {n}: {}: {}\n    reason: {}",
                cols[0],
                problems.join("; "),
                v.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn builtin_lists_block_what_they_list() {
    let engine = Engine::builtin();
    let at = utc(WEDNESDAY_MORNING);
    let mut failures = Vec::new();
    let lines = common::fixture_lines("verdicts/builtin-blocked.tsv");
    assert!(lines.len() >= 60);
    for (n, line) in lines {
        let cols: Vec<&str> = line.split('\t').collect();
        let v = engine.classify(&Request::new(cols[0].as_bytes(), cols[1], at));
        let action = if v.is_blocked() { "block" } else { "allow" };
        if action != cols[2] || v.category.as_deref() != Some(cols[3]) {
            failures.push(format!(
                "line {n}: {} for {}: {action} {:?} — {}",
                cols[0], cols[1], v.category, v.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn learning_resources_are_never_blocked() {
    let engine = Engine::builtin();
    let mut failures = Vec::new();
    let lines = common::fixture_lines("verdicts/must-allow.txt");
    assert!(lines.len() >= 80);
    // Morning, lunchtime and evening, in term time and in BST.
    for at in [
        "2026-11-25T10:00:00Z",
        "2026-11-25T12:30:00Z",
        "2026-06-13T20:00:00Z",
    ] {
        for group in ["eyfs", "ks1", "ks2", "staff"] {
            for (n, url) in &lines {
                let v = engine.classify(&Request::new(url.trim().as_bytes(), group, utc(at)));
                if v.is_blocked() || !v.matches.is_empty() {
                    failures.push(format!("line {n}: {url} ({group}, {at}): {}", v.reason));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn subresources_may_use_non_web_schemes() {
    let engine = Engine::builtin();
    let request = Request {
        frame: Frame::Subresource,
        ..Request::new(b"data:image/png;base64,iVBORw0KGgo=", "ks1", 0)
    };
    assert!(!engine.classify(&request).is_blocked());
    let request = Request {
        frame: Frame::Subframe,
        ..request
    };
    assert!(engine.classify(&request).is_blocked());
}

/// Builds an engine for a fixture policy, loading its lists the way the CLI does.
fn engine_for(policy_fixture: &str) -> Engine {
    let path = common::fixture(policy_fixture);
    let policy = Policy::from_toml(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut builder = RulesetBuilder::new();
    for list in policy.lists() {
        let file = path.parent().unwrap().join(&list.path);
        let parsed = parse_list(&list.path, &std::fs::read(&file).unwrap(), list.format);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        for entry in &parsed.entries {
            builder.add(entry, &list.category, &list.path).unwrap();
        }
    }
    let ruleset = Ruleset::from_bytes(builder.build().unwrap().0).unwrap();
    Engine::new(policy, vec![ruleset]).unwrap()
}

#[test]
fn no_policy_can_unblock_locked_lists() {
    let engine = engine_for("policies/engine/permissive.toml");
    let locked_urls = [
        "https://abuse-standin.example/gallery/image001.jpg",
        "http://ABUSE-STANDIN.example./gallery/./image002.jpg",
        "https://cdn.whole-site-standin.invalid/anything",
        "https://mirror-standin.invalid/path/to/page.html",
        "https://terror-standin.example/videos/v1",
        "https://propaganda-standin.invalid/",
        "https://propaganda--standin-invalid.translate.goog/",
        "https://www.google.com/url?q=https%3A%2F%2Fwhole-site-standin.invalid%2F",
        "view-source:https://whole-site-standin.invalid/",
    ];
    let groups: Vec<String> = engine.policy().group_names().map(str::to_string).collect();
    assert!(groups.len() >= 5);
    for url in locked_urls {
        for group in &groups {
            for at in [
                "2026-11-25T10:00:00Z",
                "2026-11-28T23:59:00Z",
                "2026-06-10T12:30:00Z",
            ] {
                let v = engine.classify(&Request::new(url.as_bytes(), group, utc(at)));
                assert!(
                    v.is_blocked() && v.locked,
                    "{url} for {group}: {}",
                    v.reason
                );
                assert!(
                    matches!(
                        v.category.as_deref(),
                        Some("child-abuse" | "terrorist-content")
                    ),
                    "{url}: {:?}",
                    v.category
                );
                assert!(v.reason.contains("no setting can unblock"), "{}", v.reason);
            }
        }
    }
    // Other pages of the same sites stay as the policy says: URL entries are exact prefixes.
    let v = engine.classify(&Request::new(
        b"https://abuse-standin.example/about",
        "staff",
        0,
    ));
    assert!(!v.is_blocked(), "{}", v.reason);
}

#[test]
fn school_lists_allow_and_deny_entries() {
    let engine = engine_for("policies/engine/school.toml");
    let at = utc(WEDNESDAY_MORNING);
    let judge = |url: &str, group: &str| engine.classify(&Request::new(url.as_bytes(), group, at));
    let v = judge("https://school-extra-game.example/play", "ks2");
    assert!(
        v.is_blocked() && v.category.as_deref() == Some("games"),
        "{}",
        v.reason
    );
    assert!(judge("https://homework-helper.example/games/maths", "ks2").is_blocked());
    assert!(!judge("https://homework-helper.example/gamesroom", "ks2").is_blocked());
    let v = judge("https://poki.com/en/g/times-tables", "ks2");
    assert!(
        !v.is_blocked() && rule_kind(&v) == "group-allow",
        "{}",
        v.reason
    );
    assert!(judge("https://poki.com/en/g/other-game", "ks2").is_blocked());
    let v = judge("https://en.wikipedia.org/wiki/Special:Random", "ks2");
    assert!(
        v.is_blocked() && rule_kind(&v) == "group-deny",
        "{}",
        v.reason
    );
    assert!(!judge("https://en.wikipedia.org/wiki/World_War_II", "ks2").is_blocked());
    let v = judge("https://www.roblox.com/", "year6");
    assert!(
        !v.is_blocked() && v.reason.contains("Year 6"),
        "{}",
        v.reason
    );
    // A group's allow list never lets a wrapper carry something else through.
    assert!(judge("https://www-bet365-com.translate.goog/", "year6").is_blocked());
}

/// `Engine::decide` skips the explanation (no rule text, no copied matches) but must reach the
/// same verdict as `Engine::classify`: checked on every fixture URL, for every group of three
/// policies, at times that cross time windows, in every frame.
#[test]
fn decide_agrees_with_classify() {
    let mut urls: Vec<Vec<u8>> = Vec::new();
    for (_, line) in common::fixture_lines("verdicts/engine.tsv") {
        urls.push(common::unescape_fixture(line.split('\t').next().unwrap()));
    }
    for (_, line) in common::fixture_lines("verdicts/builtin-blocked.tsv") {
        urls.push(line.split('\t').next().unwrap().as_bytes().to_vec());
    }
    for (_, line) in common::fixture_lines("verdicts/must-allow.txt") {
        urls.push(line.trim().as_bytes().to_vec());
    }
    urls.push(b"https://poki.com/en/g/times-tables".to_vec());
    urls.push(b"https://en.wikipedia.org/wiki/Special:Random".to_vec());
    // A page in more categories than `decide` keeps on the stack, the locked one last.
    let mut builder = RulesetBuilder::new();
    let many = [
        "games",
        "chat",
        "social-media",
        "streaming",
        "shopping",
        "gambling",
        "child-abuse",
    ];
    for i in 0..many.len() {
        let entry = schoolgate_core::lists::Entry::Domain(format!("many{i}.example"));
        for c in &many[..=i] {
            builder.add(&entry, c, "many").unwrap();
        }
        urls.push(format!("https://www.many{i}.example/").into_bytes());
    }
    let many = Ruleset::from_bytes(builder.build().unwrap().0).unwrap();
    let engines = [
        Engine::builtin(),
        engine_for("policies/engine/school.toml"),
        engine_for("policies/engine/permissive.toml"),
        Engine::new(Policy::builtin(), vec![many]).unwrap(),
    ];
    let times = [
        "2026-11-25T10:00:00Z",
        "2026-11-25T12:30:00Z",
        "2026-11-28T11:00:00Z",
        "2026-06-13T20:00:00Z",
    ];
    let mut checked = 0;
    for engine in &engines {
        let groups: Vec<String> = engine.policy().group_names().map(str::to_string).collect();
        for group in groups.iter().map(String::as_str).chain(["no-such-group"]) {
            for at in times.map(utc) {
                for frame in [Frame::TopLevel, Frame::Subframe, Frame::Subresource] {
                    for url in &urls {
                        let request = Request {
                            frame,
                            ..Request::new(url, group, at)
                        };
                        let (d, v) = (engine.decide(&request), engine.classify(&request));
                        assert_eq!(
                            (d.action, d.locked, d.next_change),
                            (v.action, v.locked, v.next_change),
                            "{} for {group} at {at} ({frame:?})",
                            String::from_utf8_lossy(url)
                        );
                        let now = engine.decide_now(&request);
                        assert_eq!(
                            (now.action, now.locked, now.next_change),
                            (v.action, v.locked, None),
                            "decide_now: {} for {group} at {at} ({frame:?})",
                            String::from_utf8_lossy(url)
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

/// Raw IP addresses are blocked for pupils (issue 15) in every notation, except the school's own
/// (`[school] addresses`), which are judged as ordinary sites; a policy may also change the
/// `ip-address` category itself.
#[test]
fn the_school_s_own_addresses_are_ordinary_sites() {
    let policy = Policy::from_toml(
        r#"
[school]
name = "Example Primary"
addresses = ["10.0.0.0/8", "192.168.1.20", "2001:db8:5::1"]

[groups.year6]
preset = "ks2"

[groups.year6.categories]
ip-address = "allow"
"#,
    )
    .unwrap();
    let engine = Engine::new(policy, Vec::new()).unwrap();
    let at = utc(WEDNESDAY_MORNING);
    let judge = |url: &str, group: &str| engine.classify(&Request::new(url.as_bytes(), group, at));
    for own in [
        "http://10.1.2.3/mis/login",
        "http://012.1.2.3/",
        "http://192.168.1.20:8080/",
        "http://[::ffff:10.0.0.1]/",
        "http://[2001:db8:5::1]/printer",
    ] {
        for group in ["eyfs", "ks1", "ks2", "staff"] {
            let v = judge(own, group);
            assert!(
                !v.is_blocked() && v.matches.is_empty(),
                "{own} {group}: {}",
                v.reason
            );
        }
    }
    for other in [
        "http://192.168.1.21/",
        "http://[2001:db8:6::1]/",
        "http://8.8.8.8/",
        "http://[64:ff9b::808:808]/",
    ] {
        let v = judge(other, "ks2");
        assert!(
            v.is_blocked() && v.category.as_deref() == Some("ip-address"),
            "{other}: {}",
            v.reason
        );
        assert!(!judge(other, "year6").is_blocked(), "{other} for year6");
        assert!(!judge(other, "staff").is_blocked(), "{other} for staff");
    }
    // Every spelling of an address is read as that address.
    let locked = engine_for("policies/engine/permissive.toml");
    let v = locked.classify(&Request::new(b"http://[::ffff:c37f:b]/", "staff", at));
    assert_eq!(v.canonical.as_deref(), Some("http://195.127.0.11/"));
}

#[test]
fn school_addresses_that_are_not_addresses_are_errors() {
    let err = Policy::from_toml(
        "[school]\nname = \"X\"\naddresses = [\"10.0.0.1/8\", \"example.com\", 3]\n",
    )
    .unwrap_err()
    .report();
    for want in [
        "school.addresses[0]",
        "first address",
        "school.addresses[1]",
        "expected an IP address",
        "school.addresses[2]",
    ] {
        assert!(err.contains(want), "{want} in {err}");
    }
}
