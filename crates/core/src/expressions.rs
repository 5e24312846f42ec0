//! The regular-expression engine behind squidGuard/UT1 `expressions` lists, and the checks every
//! expression passes before any engine sees it.
//!
//! ## Compiled in or provided
//!
//! Like [`crate::unicode`], this is a service with two possible sources:
//!
//! - With the cargo feature `expressions` (a default feature: the CLI and native tests use it),
//!   expressions are compiled by `regex-lite`, which guarantees matching time linear in the URL.
//! - Without it (the wasm package, where `regex-lite` would be about 23 KB of the gzipped size
//!   budget), the embedder [`install`]s a [`RegexEngine`] once at start-up; the wasm crate's one
//!   is the browser's own `RegExp`.
//!
//! An installed engine is used even when `regex-lite` is compiled in: installing one is a
//! deliberate choice, and it lets native tests run the provided path.
//!
//! With neither, expressions are accepted by the list parser but not matched:
//! [`CompiledExpressions::ignored`](crate::ruleset::CompiledExpressions::ignored) counts them so
//! a caller can warn.
//!
//! ## One grammar everywhere
//!
//! A list that compiles for the CLI must compile in the extension, and match the same URLs. So
//! [`check_shape`] runs first in every build and refuses what the two engines would read
//! differently or what a backtracking engine (the browser's) could spend exponential time on:
//!
//! - lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) and backreferences (`\1`…`\9`, `\k<…>`): not
//!   squidGuard (POSIX) syntax, and `regex-lite` has neither;
//! - a group repeated without bound (`*`, `+`, `{n,}`) that itself holds a repetition or an
//!   alternation (`(a+)+`, `(a|ab)*`): the classic catastrophic-backtracking shapes;
//! - more than [`MAX_UNBOUNDED_REPETITIONS`] unbounded repetitions in one expression: each one
//!   multiplies a backtracking engine's worst case by the subject's length (`a.*b.*c.*d` takes
//!   V8 about a minute on 2 KiB of `abcabc…`);
//! - POSIX classes (`[[:alpha:]]`): squidGuard syntax, but the browser has no such thing.
//!
//! Real lists rarely need these: of UT1's seven distinct expression lines, two are refused (an
//! IP-address search pattern and a search-engine image-cache pattern, each with more than two
//! unbounded repetitions). Subjects are canonical URLs, which are ASCII (hosts in punycode, paths
//! percent-encoded), so case-insensitive matching and `.`, `\w`, `\d`, `\s`, `\b` mean the same
//! in both engines. At the edges the engines' syntax
//! still differs (`\-` outside a class is fine for `regex-lite`, an error for the browser): such a
//! line is rejected in that build with the engine's reason, never matched differently.
//!
//! What remains for a backtracking engine is polynomial, at worst cubic in the subject's length,
//! so every build matches expressions against the first [`MAX_SUBJECT_BYTES`] of `host/path?query`
//! only: at that length the worst this grammar allows (`a.*b.*c` on `abab…`) takes V8 about 11 ms
//! (40 ms with optional alternatives in front), where a 64 KiB URL would take hours. The words
//! squidGuard lists look for sit in the host and path, well inside it. Not caught: long runs of
//! overlapping alternatives or optional atoms (`(a|a)(a|a)…`), which no real list writes; list
//! sources are the school's own configured ones, trusted as its policy is.

use std::sync::OnceLock;

/// A regular-expression engine supplied by the embedder when the core is built without the
/// `expressions` feature (or to replace `regex-lite`).
///
/// Sets are compiled once per ruleset and matched against every URL, so matching takes the
/// subject once for the whole set: crossing into JavaScript once per URL, not once per
/// expression. Matching must be case-insensitive, as squidGuard's (`REG_ICASE`) is.
pub trait RegexEngine: Send + Sync {
    /// Compiles `expressions` as one set and returns its handle, or the index of the first
    /// expression that does not compile with the engine's reason.
    fn compile(&self, expressions: &[&str]) -> Result<u32, (usize, String)>;

    /// Calls `found` with the index of each expression of `set` found anywhere in `subject`, in
    /// index order.
    fn find(&self, set: u32, subject: &str, found: &mut dyn FnMut(usize));

    /// Frees `set`; its handle is not used again.
    fn release(&self, set: u32);
}

static INSTALLED: OnceLock<&'static dyn RegexEngine> = OnceLock::new();

/// Installs the engine used from now on. Returns `false`, leaving the first one in place, if an
/// engine was installed before: swapping engines under running rulesets could change verdicts
/// mid-session.
pub fn install(engine: &'static dyn RegexEngine) -> bool {
    INSTALLED.set(engine).is_ok()
}

/// The installed engine, if any.
pub(crate) fn installed() -> Option<&'static dyn RegexEngine> {
    INSTALLED.get().copied()
}

/// Whether expressions are matched in this build: `regex-lite` compiled in or an engine
/// installed.
pub fn is_available() -> bool {
    cfg!(feature = "expressions") || installed().is_some()
}

/// Expressions see this many bytes of a URL's `host/path?query`, in every build: the bound on a
/// backtracking engine's polynomial worst case (see the module documentation).
pub const MAX_SUBJECT_BYTES: usize = 512;

/// At most this many unbounded repetitions (`*`, `+`, `{n,}`) in one expression.
pub const MAX_UNBOUNDED_REPETITIONS: usize = 2;

/// Compiled program size limit per expression for `regex-lite`: real lists need a few KiB; this
/// stops a pathological one from taking the memory of a browser extension.
#[cfg(feature = "expressions")]
const SIZE_LIMIT: usize = 1 << 20;
/// Group nesting limit per expression, in every build (checked by [`check_shape`]).
const NEST_LIMIT: usize = 64;

/// Compiles one expression with `regex-lite`, as lists are checked and as matching uses it:
/// case-insensitively, with size limits. Callers check the shape first.
#[cfg(feature = "expressions")]
pub(crate) fn compile_native(expression: &str) -> Result<regex_lite::Regex, String> {
    regex_lite::RegexBuilder::new(expression)
        .case_insensitive(true)
        .size_limit(SIZE_LIMIT)
        .nest_limit(NEST_LIMIT as u32)
        .build()
        // regex-lite's messages span lines; the first says what is wrong.
        .map_err(|e| {
            e.to_string()
                .lines()
                .next()
                .unwrap_or("invalid")
                .to_string()
        })
}

/// Short addresses, as expressions see them (`host/path?query`), that have nothing in common but
/// what every address has: an expression that finds itself in all of them (`.`, `/`, `.*`, `^`,
/// `\.`, `\w\.`) matches every site, not a kind of site, and would open or shut the whole web.
pub const EVERYTHING_PROBES: [&str; 3] = ["a.bc/", "zy.xw/", "0.0.0.9/"];

/// Checks one expression exactly as matching will compile it: the shape, then the engine in
/// use, then that it does not match every address ([`EVERYTHING_PROBES`]). With no engine at all
/// only the shape is checked.
pub(crate) fn check(expression: &str) -> Result<(), Refused> {
    check_shape(expression).map_err(Refused::Invalid)?;
    let mut matches_all = true;
    if let Some(engine) = installed() {
        let set = engine
            .compile(&[expression])
            .map_err(|(_, reason)| Refused::Invalid(reason))?;
        for probe in EVERYTHING_PROBES {
            let mut found = false;
            engine.find(set, probe, &mut |_| found = true);
            matches_all &= found;
        }
        engine.release(set);
    } else {
        #[cfg(feature = "expressions")]
        {
            let regex = compile_native(expression).map_err(Refused::Invalid)?;
            matches_all = EVERYTHING_PROBES.iter().all(|p| regex.is_match(p));
        }
        #[cfg(not(feature = "expressions"))]
        {
            matches_all = false;
        }
    }
    if matches_all {
        return Err(Refused::MatchesEverything);
    }
    Ok(())
}

/// Why [`check`] refused an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The engine or the shape check refused it, for this reason.
    Invalid(String),
    /// It matches every address.
    MatchesEverything,
}

/// Refuses the syntax that the engines would read differently and the shapes a backtracking
/// engine can take exponential time on (see the module documentation).
pub fn check_shape(expression: &str) -> Result<(), String> {
    // Bytes, not chars: every syntax character is ASCII, and no byte of a multi-byte UTF-8
    // character equals one.
    let bytes = expression.as_bytes();
    // One entry per open group (the whole expression first): whether it holds a repetition or
    // an alternation so far.
    let mut open = vec![false];
    // After a `)`: what the group it closed held, for a quantifier that follows.
    let mut just_closed: Option<bool> = None;
    let mut unbounded_repetitions = 0;
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        at += 1;
        let closed = just_closed.take();
        match b {
            b'\\' => {
                if let Some(b'1'..=b'9' | b'k') = bytes.get(at) {
                    return Err("backreferences are not supported".into());
                }
                at += 1;
            }
            b'[' => at = class_end(bytes, at)?,
            b'(' => {
                let ahead = &bytes[at..];
                if [&b"?="[..], b"?!", b"?<=", b"?<!"]
                    .iter()
                    .any(|p| ahead.starts_with(p))
                {
                    return Err("lookaround is not supported".into());
                }
                open.push(false);
                if open.len() > NEST_LIMIT {
                    // NEST_LIMIT, written out: a literal is the smaller code.
                    return Err("groups nest deeper than 64".into());
                }
                // `(?:`, `(?<name>`, `(?P<name>`, `(?i:` open a group; `(?i)` only sets flags.
                // Their `?` is not a repetition.
                if ahead.first() == Some(&b'?') {
                    let len = ahead.iter().position(|b| b":>)".contains(b));
                    at += len.map_or(ahead.len(), |n| n + 1);
                    if len.map(|n| ahead[n]) == Some(b')') {
                        open.pop();
                    }
                }
            }
            b')' if open.len() > 1 => {
                let inner = open.pop().unwrap_or(false);
                if let Some(outer) = open.last_mut() {
                    *outer |= inner;
                }
                just_closed = Some(inner);
            }
            b'|' | b'*' | b'+' | b'?' | b'{' => {
                let unbounded = match b {
                    b'*' | b'+' => true,
                    // `{n,}`; anything that is not `{n}`, `{n,}` or `{n,m}` is the engine's to judge.
                    b'{' => bytes[at..]
                        .split(|&b| b == b'}')
                        .next()
                        .and_then(|body| body.split(|&b| b == b',').nth(1))
                        .is_some_and(|max| max.trim_ascii().is_empty()),
                    _ => false,
                };
                if unbounded {
                    unbounded_repetitions += 1;
                    if unbounded_repetitions > MAX_UNBOUNDED_REPETITIONS {
                        // MAX_UNBOUNDED_REPETITIONS, written out: a literal is the smaller code.
                        return Err("more than 2 unbounded repetitions (*, + or {n,}): \
                                    matching could take too long"
                            .into());
                    }
                }
                if unbounded && closed == Some(true) {
                    return Err(
                        "a repeated group may not itself repeat or alternate, as in \
                         (a+)+ or (a|ab)*: matching could take exponential time"
                            .into(),
                    );
                }
                if let Some(group) = open.last_mut() {
                    *group = true;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where the bracket expression whose `[` ends at `at` ends: `]` first (after an optional `^`)
/// is a member, and `\` escapes the next byte. Refuses POSIX classes.
fn class_end(bytes: &[u8], mut at: usize) -> Result<usize, String> {
    if bytes.get(at) == Some(&b'^') {
        at += 1;
    }
    if bytes.get(at) == Some(&b']') {
        at += 1;
    }
    while let Some(&b) = bytes.get(at) {
        at += 1;
        match b {
            b'\\' => at += 1,
            // POSIX classes are squidGuard syntax, but the browser's engine has none.
            b'[' if bytes.get(at) == Some(&b':') => {
                return Err("POSIX classes like [[:alpha:]] are not supported: write [a-z]".into())
            }
            b']' => break,
            _ => {}
        }
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::check_shape;

    #[test]
    fn messages_name_the_limits_they_enforce() {
        let limits = (super::MAX_UNBOUNDED_REPETITIONS, super::NEST_LIMIT);
        assert_eq!(limits, (2, 64), "update the messages in check_shape");
    }

    #[test]
    fn real_list_shapes_pass() {
        // From UT1's adult/very_restrictive_expression and publicite/expressions.
        for ok in [
            "(adultsight|adultsite|adultsonly|blowjob|striptease)",
            "(^|[-\\?+=/_])(big|cyber|hard)?(adult|babe|porn|topp?les|xxx)s?([-\\.\\?+=/_]|$)",
            "(/banner/|/sponsor/|/event.ng/|/Advertisement/|adverts/)",
            "porn.*video",
            "a.*b.*c",
            "x{2,5}y{3}z?",
            "(ab){2,3}",
            "(ab)+",
            "[(|+*]+",
            "\\(a+\\)+",
            "(?:casino)+",
            "(?<name>x)",
            "(?i)casino+",
            "(?P<n>bet)s?",
        ] {
            assert_eq!(check_shape(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn backtracking_shapes_and_foreign_syntax_are_refused() {
        for (bad, why) in [
            ("(a+)+$", "exponential"),
            ("(a|ab)*c", "exponential"),
            ("((ab)*x)+", "exponential"),
            ("(x*){2,}", "exponential"),
            ("(a|b)(c|d)(e+)*", "exponential"),
            ("(a)\\1", "backreferences"),
            ("(?<n>a)\\k<n>", "backreferences"),
            ("porn(?!hub)", "lookaround"),
            ("(?<=x)y", "lookaround"),
            ("(?=x)", "lookaround"),
            ("[[:alpha:]]+casino", "POSIX"),
            ("a.*b.*c.*d", "more than 2 unbounded"),
            ("^[0-9]+\\.[0-9]+\\.[0-9]+$", "more than 2 unbounded"),
            ("x{2,}y+z*", "more than 2 unbounded"),
        ] {
            let message = check_shape(bad).expect_err(bad);
            assert!(message.contains(why), "{bad}: {message}");
        }
        assert!(check_shape("é(ü+)+").unwrap_err().contains("exponential"));
        let deep = "(".repeat(65) + &")".repeat(65);
        assert!(check_shape(&deep).unwrap_err().contains("nest"));
    }

    proptest::proptest! {
        /// Truncated syntax (`\`, `(?`, `[`, `{` at the end) and non-ASCII letters: an answer, never a
        /// panic.
        #[test]
        fn any_text_gets_an_answer(text in "[-\\\\()\\[\\]{}?*+|:^,0-9a-zé]{0,12}") {
            let _ = check_shape(&text);
        }
    }
}
