//! Helpers shared by the data-driven tests: fixture paths and escape decoding.
#![allow(dead_code)]

use std::path::PathBuf;

/// `tests/fixtures/<name>` at the repository root.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// The shared data folder: `$SCHOOLGATE_SHARED_DATA` when set, else `../shared/data` beside the
/// repository (never in it).
pub fn shared_data_dir() -> PathBuf {
    std::env::var_os("SCHOOLGATE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// Whether a `CI` environment value means "this is CI" (as `tests/ci.mjs` reads it): anything
/// but unset, empty, `0`, `false` or `no`.
pub fn is_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no"
        )
    })
}

/// `<shared data>/<name>` when present. When absent the caller skips, printing `skipped`; under
/// `CI=true` nothing may skip, so this panics instead and the test fails.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let p = shared_data_dir().join(name);
    if p.exists() {
        return Some(p);
    }
    assert!(
        !is_ci(std::env::var("CI").ok().as_deref()),
        "{} is missing, and under CI=true a test may not skip: CI must provide the shared data",
        p.display()
    );
    None
}

/// Lines of a fixture file without comments and blank lines, with 1-based line numbers.
pub fn fixture_lines(name: &str) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

/// Decodes `\t \r \n \\ \xNN` escapes into bytes.
pub fn unescape_fixture(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).expect("hex");
                    out.push(u8::from_str_radix(hex, 16).expect("hex"));
                    i += 4;
                    continue;
                }
                other => panic!("unknown escape \\{}", other as char),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Property-test settings with `cases` cases, unless `PROPTEST_CASES` is set: the soak run in
/// TESTING.md raises it for every property test at once.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    let from_env = proptest::test_runner::Config::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        from_env
    } else {
        proptest::test_runner::Config { cases, ..from_env }
    }
}
