//! Data-driven canonicalisation tests (`tests/fixtures/canon.tsv`), property tests, and — when
//! `../shared/data` is present — agreement with the WHATWG URL test suite on http(s) hosts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use proptest::prelude::*;
use schoolgate_core::canon::{self, ParsedUrl};

fn render(input: &[u8]) -> String {
    match canon::parse(input) {
        Ok(ParsedUrl::Web(u)) => u.to_string(),
        Ok(ParsedUrl::Other(o)) => format!("other {o}"),
        Err(e) => format!("invalid: {e}"),
    }
}

#[test]
fn canon_fixtures() {
    let lines = common::fixture_lines("canon.tsv");
    assert!(lines.len() > 60, "fixture file looks truncated");
    let mut failures = Vec::new();
    for (n, line) in lines {
        let (input, want) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("line {n}: no tab"));
        let got = render(&common::unescape_fixture(input));
        let ok = if let Some(reason) = want.strip_prefix("invalid: ") {
            got.starts_with("invalid: ") && got.contains(reason)
        } else {
            got == want
        };
        // A canonical URL is its own canonical form.
        if !want.starts_with("invalid: ") && !want.starts_with("other ") {
            let again = render(want.as_bytes());
            if again != want {
                failures.push(format!(
                    "line {n}: {want} is not stable: it reads back as {again}"
                ));
            }
        }
        if !ok {
            failures.push(format!(
                "line {n}: {input:?}\n   want {want}\n    got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

proptest! {
    #![proptest_config(common::proptest_config(2000))]

    #[test]
    fn never_panics_on_arbitrary_bytes(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = canon::parse(&input);
    }

    #[test]
    fn idempotent_on_arbitrary_bytes(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(ParsedUrl::Web(once)) = canon::parse(&input) {
            let twice = canon::canonicalize(once.to_string().as_bytes());
            prop_assert_eq!(Ok(once.clone()).map(|u: canon::CanonicalUrl| u.to_string()), twice.map(|u| u.to_string()));
        }
    }

    /// Escapes of the bytes that mean something in a URL (`/ \ ? # % .`), stacked or not, in
    /// the path and the query: canonicalising the canonical URL changes nothing.
    #[test]
    fn idempotent_with_escaped_delimiters(
        parts in proptest::collection::vec(prop_oneof![
            Just("%5c"), Just("%5C"), Just("%255c"), Just("\\"), Just("%2f"), Just("%2F"),
            Just("/"), Just("%3f"), Just("?"), Just("%23"), Just("%25"), Just("%"), Just("%2e"),
            Just("."), Just(".."), Just("a"), Just("%20"), Just("%c3%a9"), Just("&"), Just("="),
            Just("%00"), Just("%7f"),
        ], 0..16),
        host in prop_oneof![Just("example.com"), Just("[64:ff9b::a00:1]"), Just("0x7f.1"), Just("EXAMPLE.com.")],
    ) {
        let input = format!("http://{host}/{}", parts.concat());
        if let Ok(once) = canon::canonicalize(input.as_bytes()) {
            let twice = canon::canonicalize(once.to_string().as_bytes()).map(|u| u.to_string());
            prop_assert_eq!(Ok(once.to_string()), twice, "input {:?}", input);
        }
    }

    #[test]
    fn idempotent_on_url_shaped_input(
        scheme in prop_oneof!["http://", "https://", "HTTP:\\\\", ""],
        user in prop_oneof!["", "u@", "a:b@"],
        host in "[a-zA-Z0-9.%\u{ff10}-\u{ff5a}\u{3002}\u{ad}-]{1,20}",
        port in prop_oneof!["", ":80", ":8080", ":0443"],
        path in "[/a-z.%0-9?#&=+\\\\ ]{0,30}",
    ) {
        let input = format!("{scheme}{user}{host}{port}{path}");
        if let Ok(once) = canon::canonicalize(input.as_bytes()) {
            let twice = canon::canonicalize(once.to_string().as_bytes());
            prop_assert_eq!(Some(once.to_string()), twice.ok().map(|u| u.to_string()), "input {:?}", input);
        }
    }
}

/// Differences from WHATWG that `canon`'s module docs document: trailing and repeated dots.
fn whatwg_host_as_we_write_it(host: &str) -> String {
    if host.starts_with('[') {
        return host.to_string();
    }
    host.split('.')
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn agrees_with_whatwg_url_tests_on_http_hosts() {
    let Some(path) = common::shared_data("url/urltestdata.json") else {
        eprintln!(
            "{} not present: WHATWG comparison skipped",
            common::shared_data_dir()
                .join("url/urltestdata.json")
                .display()
        );
        return;
    };
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (mut compared, mut failures) = (0, Vec::new());
    for case in cases.iter().filter(|c| c.is_object()) {
        let input = case["input"].as_str().unwrap_or_default();
        let base = case["base"].as_str();
        let Some(href) = case["href"].as_str() else {
            continue;
        };
        // Only absolute inputs: a case that means something else without its base URL is a
        // relative reference, which never reaches a filter.
        if base.is_some()
            && url::Url::parse(input)
                .ok()
                .map(|u| u.to_string())
                .as_deref()
                != Some(href)
        {
            continue;
        }
        if !(href.starts_with("http://") || href.starts_with("https://")) {
            continue;
        }
        let lower = input.trim().to_ascii_lowercase();
        if !(lower.starts_with("http:") || lower.starts_with("https:")) {
            continue;
        }
        let want = whatwg_host_as_we_write_it(case["hostname"].as_str().unwrap_or_default());
        if want.is_empty() {
            // A host of dots only: WHATWG keeps `.`; we reject it (documented in `canon`).
            assert!(canon::canonicalize(input.as_bytes()).is_err(), "{input:?}");
            continue;
        }
        if input.contains("..")
            && want
                .rsplit('.')
                .next()
                .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
        {
            // `foo.09..`: documented in `canon` — invalid for us, so never judged as another host.
            assert!(canon::canonicalize(input.as_bytes()).is_err(), "{input:?}");
            continue;
        }
        compared += 1;
        match canon::canonicalize(input.as_bytes()) {
            Ok(u) if u.host() == want => {}
            Ok(u) => failures.push(format!(
                "{input:?}: WHATWG host {want:?}, ours {:?}",
                u.host()
            )),
            Err(e) => failures.push(format!("{input:?}: WHATWG host {want:?}, ours error {e}")),
        }
    }
    eprintln!(
        "WHATWG http(s) host cases compared: {compared}, disagreements: {}",
        failures.len()
    );
    assert!(compared > 100, "too few WHATWG cases compared: {compared}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn agrees_with_the_url_crate_on_ordinary_urls() {
    // Always-on counterpart of the WHATWG suite, on URLs of our own.
    for input in [
        "https://www.bbc.co.uk/bitesize/topics/zkcqn39",
        "http://EXAMPLE.com:8080/a/../b?x=1#y",
        "https://user:pw@Sub.Example.org./",
        "http://0x7f.1/",
        "http://[::ffff:1.2.3.4]/",
        "https://xn--bcher-kva.de/",
        "https://bücher.de/",
        "https://ｗｗｗ.ｂｂｃ.ｃｏ.ｕｋ/",
        "http://a.b-c.d_e.com/",
    ] {
        let theirs = url::Url::parse(input).unwrap();
        let ours = canon::canonicalize(input.as_bytes()).unwrap();
        let want = match theirs.host() {
            Some(url::Host::Ipv6(a)) if a.to_ipv4_mapped().is_some() => {
                a.to_ipv4_mapped().unwrap().to_string()
            }
            _ => whatwg_host_as_we_write_it(theirs.host_str().unwrap()),
        };
        assert_eq!(ours.host(), want, "{input}");
    }
}
