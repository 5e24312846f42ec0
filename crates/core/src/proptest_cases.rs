//! How many cases a property test runs: its own number, unless `PROPTEST_CASES` is set, so that the
//! soak run in TESTING.md raises every property test at once.

pub(crate) fn config(cases: u32) -> proptest::test_runner::Config {
    let from_env = proptest::test_runner::Config::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        from_env
    } else {
        proptest::test_runner::Config { cases, ..from_env }
    }
}
