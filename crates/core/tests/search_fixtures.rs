//! Data-driven tests for `search`: the TSV fixtures in `tests/fixtures/search/`.
//!
//! Every failing row is collected and reported together, so one run shows every regression.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeSet;

use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::policy::Policy;
use schoolgate_core::search::engines::{self, SearchKind, Vertical};
use schoolgate_core::search::{
    self, Alert, Flavour, PhraseSet, SafeSearchPolicy, SearchRules, SearchVerdict,
};
use schoolgate_core::verdict::Action;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/search/");

/// The rows of a fixture: non-empty, non-comment lines split on tabs, with `\u{…}` escapes decoded.
fn rows(name: &str) -> Vec<(usize, Vec<String>)> {
    let path = format!("{FIXTURES}{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').map(unescape).collect()))
        .collect()
}

fn unescape(field: &str) -> String {
    let mut out = String::new();
    let mut rest = field;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let end = after.find('}').expect("unterminated \\u{ escape");
        let code = u32::from_str_radix(&after[..end], 16).expect("hex escape");
        out.push(char::from_u32(code).expect("valid char"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn opt(field: &str) -> Option<&str> {
    (field != "-").then_some(field)
}

fn rules(group: &str) -> SearchRules {
    SearchRules::for_group_preset(group).unwrap_or_else(|| panic!("unknown group {group}"))
}

fn describe(v: &SearchVerdict) -> String {
    let matches: Vec<String> = v
        .matches
        .iter()
        .map(|m| format!("{}:{}={}({:?})", m.category, m.phrase, m.weight, m.via))
        .collect();
    format!(
        "normalized={:?} readings={:?} matches=[{}] scores={:?} blocked={} flagged={} education={} alerts={:?}",
        v.normalized.text,
        v.normalized.readings.iter().map(|r| &r.text).collect::<Vec<_>>(),
        matches.join(", "),
        v.category_scores.iter().map(|c| (&c.category, c.score)).collect::<Vec<_>>(),
        v.blocked,
        v.flagged,
        v.education,
        v.alerts
    )
}

fn report(failures: Vec<String>, total: usize, name: &str) {
    assert!(
        failures.is_empty(),
        "{} of {total} rows of {name} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn alert_names(alerts: &[Alert]) -> BTreeSet<String> {
    alerts
        .iter()
        .map(|a| match a {
            Alert::Safeguarding { category } => format!("safeguarding:{category}"),
            Alert::Prevent => "prevent".to_owned(),
        })
        .collect()
}

fn flavour_name(flavour: Option<Flavour>) -> &'static str {
    match flavour {
        Some(Flavour::Support) => "support",
        Some(Flavour::HelpSeeking) => "help_seeking",
        None => "-",
    }
}

#[test]
fn must_block() {
    let set = PhraseSet::builtin().expect("built-in lists compile");
    let rows = rows("must-block.tsv");
    let mut failures = Vec::new();
    for (line, f) in &rows {
        let (group, query, category) = (&f[0], &f[1], &f[2]);
        let v = set.judge(query, &rules(group));
        let mut problems = Vec::new();
        if !v.blocked || !v.blocking_categories.iter().any(|c| c == category) {
            problems.push(format!("not blocked as {category}"));
        }
        if let Some(expected) = f.get(3) {
            let want: BTreeSet<String> = expected
                .split(',')
                .filter(|a| *a != "-")
                .map(str::to_owned)
                .collect();
            if alert_names(&v.alerts) != want {
                problems.push(format!(
                    "alerts {:?}, expected {want:?}",
                    alert_names(&v.alerts)
                ));
            }
        }
        let self_harm = v.blocking_categories.iter().any(|c| c == "self-harm");
        if self_harm && v.flavour.is_none() {
            problems.push("self-harm without the support or help-seeking flavour".to_owned());
        }
        if let Some(expected) = f.get(4) {
            let got = flavour_name(v.flavour);
            if got != *expected {
                problems.push(format!("flavour {got}, expected {expected}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "line {line}: {group} {query:?}: {}; {}",
                problems.join("; "),
                describe(&v)
            ));
        }
    }
    report(failures, rows.len(), "must-block.tsv");
}

#[test]
fn must_allow() {
    let set = PhraseSet::builtin().expect("built-in lists compile");
    let rows = rows("must-allow.tsv");
    let mut failures = Vec::new();
    for (line, f) in &rows {
        let (group, query) = (&f[0], &f[1]);
        let v = set.judge(query, &rules(group));
        let ok = !v.blocked
            && match f.get(2).map(String::as_str) {
                None => true,
                Some("clean") => {
                    v.matches
                        .iter()
                        .all(|m| m.weight <= 0 || m.category == "help-seeking")
                        && !v.flagged
                        && !v.help_seeking
                        && v.alerts.is_empty()
                }
                Some("education") => v.education,
                Some("alert") => !v.alerts.is_empty() && v.flavour == Some(Flavour::Support),
                Some(other) => panic!("line {line}: unknown expectation {other}"),
            };
        if !ok {
            failures.push(format!(
                "line {line}: {group} {query:?} {:?}: {}",
                f.get(2),
                describe(&v)
            ));
        }
    }
    report(failures, rows.len(), "must-allow.tsv");
}

#[test]
fn search_urls() {
    let engine = Engine::builtin();
    let at = 1_764_064_800; // 2025-11-25T10:00:00Z, a school day
    let rows = rows("search-urls.tsv");
    let mut failures = Vec::new();
    for (line, f) in &rows {
        let (group, url) = (&f[0], &f[1]);
        let v = engine.classify(&Request::new(url.as_bytes(), group, at));
        let action = if v.action == Action::Block {
            "block"
        } else {
            "allow"
        };
        let category = if v.action == Action::Block {
            v.category.as_deref().unwrap_or("-")
        } else {
            "-"
        };
        let alerts = alert_names(&v.alerts);
        let want_alerts: BTreeSet<String> = f[5]
            .split(',')
            .filter(|a| *a != "-")
            .map(str::to_owned)
            .collect();
        let got = (action, category, flavour_name(v.flavour), &alerts);
        let want = (f[2].as_str(), f[3].as_str(), f[4].as_str(), &want_alerts);
        if got != want {
            failures.push(format!(
                "line {line}: {group} {url}: got {got:?}, expected {want:?}; {}",
                v.search.as_ref().map_or_else(
                    || "no search".to_owned(),
                    |s| format!("{:?} {:?}: {}", s.vertical, s.terms, describe(&s.verdict))
                )
            ));
        }
    }
    report(failures, rows.len(), "search-urls.tsv");
}

/// Searches on the engines a school declares (`[[search_engines]]`): judged like the built-in
/// engines' by `classify`, and by the navigation's `decide` and `decide_now`, which must not
/// settle a declared engine's host before its search is read.
#[test]
fn declared_engines() {
    let policy_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/policies/good/search-engines.toml"
    );
    let text = std::fs::read_to_string(policy_path).unwrap();
    let policy = Policy::from_toml(&text).unwrap_or_else(|e| panic!("{}", e.report()));
    let engine = Engine::new(policy, Vec::new()).unwrap();
    let at = 1_764_064_800; // 2025-11-25T10:00:00Z, a school day
    let rows = rows("declared-engines.tsv");
    let mut failures = Vec::new();
    for (line, f) in &rows {
        let (group, url) = (&f[0], &f[1]);
        let request = Request::new(url.as_bytes(), group, at);
        let v = engine.classify(&request);
        let blocked = v.action == Action::Block;
        let action = if blocked { "block" } else { "allow" };
        let category = if blocked {
            v.category.as_deref().unwrap_or("-")
        } else {
            "-"
        };
        let alerts = alert_names(&v.alerts);
        let want_alerts: BTreeSet<String> = f[5]
            .split(',')
            .filter(|a| *a != "-")
            .map(str::to_owned)
            .collect();
        let search = v
            .search
            .as_ref()
            .map_or(("-".to_owned(), "-".to_owned()), |s| {
                (s.engine.clone(), format!("{:?}", s.vertical).to_lowercase())
            });
        let got = (action, category, flavour_name(v.flavour), &alerts, &search);
        let want_search = (f[6].clone(), f[7].clone());
        let want = (
            f[2].as_str(),
            f[3].as_str(),
            f[4].as_str(),
            &want_alerts,
            &want_search,
        );
        if got != want {
            failures.push(format!(
                "line {line}: {group} {url}: got {got:?}, expected {want:?}"
            ));
        }
        for (how, decided) in [
            ("decide", engine.decide(&request)),
            ("decide_now", engine.decide_now(&request)),
        ] {
            if decided.action != v.action {
                failures.push(format!(
                    "line {line}: {group} {url}: {how} says {:?}, classify {:?}",
                    decided.action, v.action
                ));
            }
        }
    }
    report(failures, rows.len(), "declared-engines.tsv");
}

#[test]
fn extract() {
    let rows = rows("extract.tsv");
    let mut failures = Vec::new();
    let mut engines_seen = BTreeSet::new();
    for (line, f) in &rows {
        let got = search::extract(&f[0], &f[1], opt(&f[2]));
        let expected = opt(&f[3]).map(|engine| {
            let kind = match f[4].as_str() {
                "submitted" => SearchKind::Submitted,
                "suggestion" => SearchKind::Suggestion,
                k => panic!("line {line}: kind {k}"),
            };
            let vertical = match f[5].as_str() {
                "web" => Vertical::Web,
                "images" => Vertical::Images,
                "videos" => Vertical::Videos,
                "news" => Vertical::News,
                v => panic!("line {line}: vertical {v}"),
            };
            (engine.to_owned(), kind, vertical, f[6].clone())
        });
        let got_tuple = got
            .as_ref()
            .map(|r| (r.engine.to_owned(), r.kind, r.vertical, r.terms.clone()));
        if let Some(r) = &got {
            engines_seen.insert(r.engine);
        }
        if got_tuple != expected {
            failures.push(format!("line {line}: {f:?}: got {got_tuple:?}"));
        }
    }
    for engine in engines::ENGINES {
        if !engines_seen.contains(engine.id) {
            failures.push(format!("engine {} has no row in extract.tsv", engine.id));
        }
    }
    report(failures, rows.len(), "extract.tsv");
}

#[test]
fn safesearch() {
    let rows = rows("safesearch.tsv");
    let mut failures = Vec::new();
    for (line, f) in &rows {
        let policy = SafeSearchPolicy::for_group_preset(&f[0]).expect("group");
        let (host, path, query) = (&f[1], &f[2], opt(&f[3]));
        let got = search::enforce(host, path, query, &policy);
        let headers: Vec<String> = got
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        let want_headers: Vec<String> = opt(&f[5]).map(str::to_owned).into_iter().collect();
        if got.rewrite.as_deref() != opt(&f[4]) || headers != want_headers {
            failures.push(format!("line {line}: {f:?}: got {got:?}"));
            continue;
        }
        if let Some(rewrite) = &got.rewrite {
            let (new_path, new_query) = rewrite.split_once('?').expect("rewrite has a query");
            let again = search::enforce(host, new_path, Some(new_query), &policy);
            if again.rewrite.is_some() {
                failures.push(format!("line {line}: not idempotent: {again:?}"));
            }
            let before = search::extract(host, path, query).map(|r| r.terms);
            let after = search::extract(host, new_path, Some(new_query)).map(|r| r.terms);
            if before != after {
                failures.push(format!("line {line}: rewrite changed the terms"));
            }
        }
    }
    report(failures, rows.len(), "safesearch.tsv");
}

#[test]
fn every_language_and_category_has_a_must_block_row() {
    let set = PhraseSet::builtin().expect("built-in lists compile");
    let stats = set.stats();
    let rows = rows("must-block.tsv");
    let mut langs_blocked = BTreeSet::new();
    let mut cats_blocked = BTreeSet::new();
    for (_, f) in &rows {
        let v = set.judge(&f[1], &rules(&f[0]));
        for m in v.matches.iter().filter(|m| m.weight > 0) {
            langs_blocked.insert(m.lang.clone());
            cats_blocked.insert(m.category.clone());
        }
    }
    for (lang, _) in &stats.languages {
        assert!(langs_blocked.contains(lang), "no must-block row in {lang}");
    }
    for (cat, _) in &stats.categories {
        if cat != "any" && cat != "safeguarding-education" && cat != "help-seeking" {
            assert!(cats_blocked.contains(cat), "no must-block row for {cat}");
        }
    }
}

/// The built-in phrases of at least `min` weight in these categories, as written (a one-part
/// combination's alternatives each), in every language.
fn builtin_phrases(min: i32, categories: &[&str]) -> Vec<(String, String, String)> {
    use schoolgate_core::search::phrases::EntryKind;
    let list = search::PhraseList::builtin().expect("built-in lists parse");
    let mut out = Vec::new();
    for e in &list.entries {
        if e.weight() < min || !categories.contains(&e.category.as_str()) {
            continue;
        }
        match &e.kind {
            EntryKind::Weighted { .. } => {
                out.push((e.category.clone(), e.lang.clone(), e.written.clone()))
            }
            EntryKind::Combination { parts, .. } if parts.len() == 1 => {
                for alt in e.written.split('|') {
                    out.push((e.category.clone(), e.lang.clone(), alt.trim().to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_explicit_or_gambling_word_on_its_own_blocks_every_pupil() {
    let set = PhraseSet::builtin().expect("built-in lists compile");
    let phrases = builtin_phrases(50, search::judge::STRICT_FOR_PUPILS);
    assert!(phrases.len() > 100, "{}", phrases.len());
    let mut failures = Vec::new();
    for group in ["eyfs", "ks1", "ks2"] {
        for (category, lang, phrase) in &phrases {
            let v = set.judge(phrase, &rules(group));
            if !v.blocking_categories.contains(category) {
                failures.push(format!("{group} {lang} {phrase:?}: {}", describe(&v)));
            }
        }
    }
    report(failures, phrases.len() * 3, "the built-in strict phrases");
}

#[test]
fn context_never_excuses_a_phrase_blocked_for_everyone() {
    let set = PhraseSet::builtin().expect("built-in lists compile");
    let categories: Vec<&str> = set
        .stats()
        .categories
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| {
            !matches!(
                *c,
                "any" | "safeguarding-education" | "help-seeking" | "self-harm"
            )
        })
        .map(|c| Box::leak(c.to_owned().into_boxed_str()) as &str)
        .collect();
    let phrases = builtin_phrases(200, &categories);
    assert!(phrases.len() > 50, "{}", phrases.len());
    let mut failures = Vec::new();
    for group in ["ks2", "staff"] {
        for (category, lang, phrase) in &phrases {
            // Self-harm is the one category a safeguarding-education search may reach help for.
            let query = format!("{phrase} puberty sex education childline homework bbc bitesize");
            let v = set.judge(&query, &rules(group));
            if !v.blocking_categories.contains(category) {
                failures.push(format!("{group} {lang} {query:?}: {}", describe(&v)));
            }
        }
    }
    report(
        failures,
        phrases.len() * 2,
        "the built-in phrases of weight 200",
    );
}
