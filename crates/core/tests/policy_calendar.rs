//! Term dates and INSET days (`[calendar]`, a window's `calendar = "term" | "holidays"`),
//! data-driven: `tests/fixtures/policies/calendar/decisions.tsv` under the policy
//! `tests/fixtures/policies/good/term-dates.toml`, judged by the whole engine (built-in lists);
//! the wasm package's test (tests/js/policy-calendar.test.mjs) reads the same rows.
#![allow(clippy::unwrap_used)] // a panic is how a test reports failure

mod common;

use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::policy::time::days_from_civil;
use schoolgate_core::policy::{Policy, Season};

/// `2026-11-25T12:30:00Z` → Unix seconds.
fn utc(text: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
    assert!(text.ends_with('Z') && text.len() == 20, "UTC times: {text}");
    days_from_civil(n(0..4), n(5..7) as u32, n(8..10) as u32) * 86_400
        + n(11..13) * 3600
        + n(14..16) * 60
        + n(17..19)
}

fn policy() -> Policy {
    Policy::from_toml(
        &std::fs::read_to_string(common::fixture("policies/good/term-dates.toml")).unwrap(),
    )
    .unwrap()
}

#[test]
fn decisions_follow_the_school_calendar() {
    let engine = Engine::new(policy(), Vec::new()).unwrap();
    let mut failures = Vec::new();
    for (n, line) in common::fixture_lines("policies/calendar/decisions.tsv") {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "line {n}: five columns");
        let v = engine.classify(&Request::new(cols[2].as_bytes(), cols[1], utc(cols[0])));
        let action = if v.is_blocked() { "block" } else { "allow" };
        let want_next = (cols[4] != "-").then(|| utc(cols[4]));
        if action != cols[3] || v.next_change != want_next {
            failures.push(format!(
                "line {n}: {line}\n  got {action}, next change {:?} (want {want_next:?})",
                v.next_change
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_calendar_is_read_and_described() {
    let p = policy();
    assert_eq!(p.calendar().terms().len(), 3);
    assert_eq!(p.calendar().inset().len(), 3);
    let ks2 = p.group("ks2").unwrap();
    assert_eq!(
        ks2.calendar(),
        p.calendar(),
        "every group follows the school's calendar"
    );
    let games = ks2.category("games").unwrap();
    let text = games.action.describe(false, true);
    assert_eq!(
        text,
        "allowed Mon\u{2013}Fri 12:15\u{2013}13:00 in term time; Daily 09:00\u{2013}18:00 in the holidays"
    );
    let json = serde_json::to_value(&games.action).unwrap();
    assert_eq!(json["allow_at"][0]["calendar"], "term");
    assert_eq!(json["allow_at"][1]["calendar"], "holidays");
    let streaming = serde_json::to_value(&ks2.category("streaming").unwrap().action).unwrap();
    assert!(
        streaming["allow_at"][0].get("calendar").is_none(),
        "\"always\" is written as before"
    );
    assert_eq!(Season::default(), Season::Always);
}

#[test]
fn a_policy_without_a_calendar_decides_as_before() {
    // The same windows without `calendar`: the weekdays alone decide, on an INSET day too.
    let text = std::fs::read_to_string(common::fixture("policies/good/term-dates.toml")).unwrap();
    let start = text.find("[calendar]").unwrap();
    let end = text.find("[groups.ks2.categories]").unwrap();
    let plain = format!("{}{}", &text[..start], &text[end..])
        .replace(", calendar = \"term\"", "")
        .replace(", calendar = \"holidays\"", "");
    let engine = Engine::new(Policy::from_toml(&plain).unwrap(), Vec::new()).unwrap();
    // Wednesday 2 September 2026, 12:30 BST: an INSET day, but a weekday lunchtime.
    let v = engine.classify(&Request::new(
        b"https://www.coolmathgames.com/",
        "ks1",
        utc("2026-09-02T11:30:00Z"),
    ));
    assert!(!v.is_blocked());
}
