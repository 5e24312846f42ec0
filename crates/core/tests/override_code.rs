//! Teachers' override codes through the engine, from tests/fixtures/override-code/cases.json
//! (shared with tests/js/override.test.mjs): the codes' values, the site a URL opens, which
//! pages a code opens and which it never does (locked lists, never_override, deny entries,
//! wrappers), and what an override in force opens. Locked pages are refused by every route
//! added here: `verify` (the code), `permits` (navigations while an override is in force) and
//! the policy (`never_override` cannot make a locked category overridable, nor can any other
//! key).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod common;

use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::lists::parse_list;
use schoolgate_core::override_code::{
    self, overridable, Attempt, OverrideError, OverrideSecret, Refusal,
};
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};
use serde_json::Value;

fn cases() -> Value {
    let text = std::fs::read_to_string(common::fixture("override-code/cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn engine_for(policy_text: &str) -> Engine {
    let dir = common::fixture("override-code");
    let policy = Policy::from_toml(policy_text).unwrap();
    let mut builder = RulesetBuilder::new();
    for list in policy.lists() {
        let bytes = std::fs::read(dir.join(&list.path)).unwrap();
        let parsed = parse_list(&list.path, &bytes, list.format);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        for entry in &parsed.entries {
            builder.add(entry, &list.category, &list.path).unwrap();
        }
    }
    let ruleset = Ruleset::from_bytes(builder.build().unwrap().0).unwrap();
    Engine::new(policy, vec![ruleset]).unwrap()
}

fn fixture_engine() -> Engine {
    let text = std::fs::read_to_string(common::fixture("override-code/policy.toml")).unwrap();
    engine_for(&text)
}

fn secret(cases: &Value) -> OverrideSecret {
    OverrideSecret::parse(cases["secret"].as_str().unwrap()).unwrap()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn the_codes_are_the_fixture_values() {
    let cases = cases();
    let secret = secret(&cases);
    for c in cases["codes"].as_array().unwrap() {
        let shown = override_code::code_for(
            &secret,
            str_of(c, "site"),
            str_of(c, "group"),
            c["at"].as_i64().unwrap(),
        )
        .unwrap();
        assert_eq!(shown.code, str_of(c, "code"), "{c}");
        assert_eq!(shown.step, c["step"].as_u64().unwrap(), "{c}");
        assert_eq!(
            shown.accepted_until,
            c["accepted_until"].as_i64().unwrap(),
            "{c}"
        );
    }
}

#[test]
fn each_url_opens_its_registrable_domain() {
    for pair in cases()["sites"].as_array().unwrap() {
        let url = pair[0].as_str().unwrap();
        assert_eq!(
            override_code::site_of_url(url.as_bytes()).as_deref(),
            pair[1].as_str(),
            "{url}"
        );
    }
}

/// The outcome of a `verify` as the fixture names it.
fn outcome(result: &Result<override_code::Grant, OverrideError>) -> String {
    match result {
        Ok(_) => "granted".into(),
        Err(OverrideError::Refused(r)) => {
            let kind = serde_json::to_value(r).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string();
            format!("refused:{kind}")
        }
        Err(e) => e.kind().to_string(),
    }
}

#[test]
fn verify_opens_what_a_code_may_open_and_nothing_else() {
    let cases = cases();
    let secret = secret(&cases);
    let engine = fixture_engine();
    for c in cases["verify"].as_array().unwrap() {
        let name = str_of(c, "name");
        let url = str_of(c, "url");
        let group = str_of(c, "group");
        let at = c["at"].as_i64().unwrap();
        let code = match str_of(c, "code") {
            "right" => {
                let from = &c["code_from"];
                let site = from["site"].as_str().map_or_else(
                    || override_code::site_of_url(url.as_bytes()).unwrap(),
                    str::to_string,
                );
                let shown = override_code::code_for(
                    &secret,
                    &site,
                    from["group"].as_str().unwrap_or(group),
                    from["at"].as_i64().unwrap_or(at),
                )
                .unwrap();
                shown.code
            }
            literal => literal.to_string(),
        };
        let attempt = Attempt {
            url: url.as_bytes(),
            group,
            code: &code,
            at,
            last_used_step: c["last_used_step"].as_u64(),
        };
        let result = override_code::verify(&engine, &secret, &attempt);
        assert_eq!(outcome(&result), str_of(c, "expect"), "{name}: {result:?}");
        if let Ok(grant) = result {
            assert_eq!(grant.site, str_of(c, "site"), "{name}");
            assert_eq!(grant.ends_at, c["ends_at"].as_i64().unwrap(), "{name}");
            assert_eq!(grant.group, group);
            assert_eq!(grant.minutes, 45);
        }
    }
}

#[test]
fn an_override_in_force_opens_only_what_a_code_may_open() {
    let cases = cases();
    let engine = fixture_engine();
    for c in cases["permits"].as_array().unwrap() {
        let got = override_code::permits(
            &engine,
            str_of(c, "url").as_bytes(),
            str_of(c, "group"),
            str_of(c, "site"),
            c["at"].as_i64().unwrap(),
        );
        assert_eq!(got, c["expect"].as_bool().unwrap(), "{}", str_of(c, "name"));
    }
}

/// The policy route: no key of the policy makes a locked page overridable. The most permissive
/// policy the schema accepts (everything allowed, allow entries naming the locked sites, and
/// `never_override` listing nothing or the locked categories themselves) still refuses them,
/// through `verify`, `permits` and `overridable`, for every group, and with any code.
#[test]
fn locked_pages_are_refused_through_every_route_under_any_policy() {
    let cases = cases();
    let secret = secret(&cases);
    let base = std::fs::read_to_string(common::fixture("override-code/policy.toml")).unwrap();
    let permissive = base
        .replace(
            "never_override = [\"pornography\", \"proxy-vpn\"]",
            "never_override = []",
        )
        .replace("games = \"block\"", "games = \"allow\"")
        .replace(
            "deny = [\"denied-standin.example\"]",
            "allow = [\"abuse-standin.example\", \"locked-games-standin.example\", \"games-standin.example\"]\nuncategorised = \"allow\"",
        );
    let listing_locked = base.replace(
        "never_override = [\"pornography\", \"proxy-vpn\"]",
        "never_override = [\"child-abuse\", \"terrorist-content\"]",
    );
    assert_ne!(permissive, base);
    let locked_urls = [
        "https://abuse-standin.example/",
        "https://www.abuse-standin.example/any/page",
        "https://locked-games-standin.example/",
        "https://games-standin.example/locked-page/1",
        "https://games--standin-example.translate.goog/locked-page/1",
    ];
    let at = 1_767_607_260;
    for text in [base.as_str(), permissive.as_str(), listing_locked.as_str()] {
        let engine = engine_for(text);
        for group in engine.policy().group_names() {
            for url in locked_urls {
                let site = override_code::site_of_url(url.as_bytes()).unwrap();
                let verdict = engine.classify(&Request::new(url.as_bytes(), group, at));
                assert!(verdict.is_blocked(), "{url} for {group}");
                assert!(
                    matches!(
                        overridable(engine.policy(), &verdict),
                        Err(Refusal::Locked { .. } | Refusal::Carried { .. })
                    ),
                    "{url} for {group}"
                );
                assert!(
                    !override_code::permits(&engine, url.as_bytes(), group, &site, at),
                    "{url} for {group}"
                );
                for code in [
                    override_code::code_for(&secret, &site, group, at)
                        .unwrap()
                        .code,
                    "000000".into(),
                ] {
                    let attempt = Attempt {
                        url: url.as_bytes(),
                        group,
                        code: &code,
                        at,
                        last_used_step: None,
                    };
                    let result = override_code::verify(&engine, &secret, &attempt);
                    assert!(
                        matches!(
                            result,
                            Err(OverrideError::Refused(
                                Refusal::Locked { .. } | Refusal::Carried { .. }
                            ))
                        ),
                        "{url} for {group}: {result:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_builtin_policy_example_in_the_docs() {
    // The module documentation's example, on the built-in policy and lists.
    let engine = Engine::builtin();
    let secret = OverrideSecret::from_bytes([42; 32]);
    let at = 1_767_607_200;
    let url = "https://www.coolmathgames.com/0-run";
    let shown = override_code::code_for(&secret, "coolmathgames.com", "ks2", at).unwrap();
    let attempt = Attempt {
        url: url.as_bytes(),
        group: "ks2",
        code: &shown.code,
        at: at + 60,
        last_used_step: None,
    };
    let grant = override_code::verify(&engine, &secret, &attempt).unwrap();
    assert_eq!(
        grant.ends_at - grant.starts_at,
        3600,
        "the built-in length is an hour"
    );
}

#[test]
fn the_policy_reads_never_override_and_the_length() {
    let policy = Policy::from_toml(
        "never_override = [\"games\", \"our-own\", \"games\"]\noverride_minutes = 480\n[school]\nname = \"X\"\n[categories]\nour-own = \"block\"\n",
    )
    .unwrap();
    assert_eq!(policy.never_override(), ["games", "our-own"]);
    assert!(policy.is_never_override("our-own"));
    assert!(
        policy.is_never_override("child-abuse"),
        "locked ones always"
    );
    assert!(!policy.is_never_override("streaming"));
    assert_eq!(policy.override_minutes(), 480);
    let default = Policy::from_toml("[school]\nname = \"X\"\n").unwrap();
    assert_eq!(default.override_minutes(), 60);
    assert!(default.never_override().is_empty());
    let builtin = Policy::builtin();
    assert!(builtin.is_never_override("pornography") && builtin.is_never_override("proxy-vpn"));
    assert!(!builtin.is_never_override("games"));
}
