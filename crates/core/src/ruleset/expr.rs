//! squidGuard expressions: compiled once per ruleset, matched over `host/path?query`.
//!
//! Without the `expressions` feature nothing is compiled: [`CompiledExpressions::ignored`] says
//! how many expressions such a build cannot honour, so a caller can warn rather than guess.

#[cfg(feature = "expressions")]
use regex_lite::{Regex, RegexBuilder};

use super::{MatchKind, MatchRef, RuleMatch, Ruleset, RulesetError};
use crate::canon::CanonicalUrl;

/// Compiled program size limit per expression: real lists need a few KiB; this stops a
/// pathological one from taking the memory of a browser extension.
#[cfg(feature = "expressions")]
const SIZE_LIMIT: usize = 1 << 20;
/// Group nesting limit per expression.
#[cfg(feature = "expressions")]
const NEST_LIMIT: u32 = 64;

/// Compiles one expression as lists are checked and as matching uses it: case-insensitively,
/// as squidGuard does (`REG_ICASE`), with size limits.
#[cfg(feature = "expressions")]
pub(crate) fn compile_expression(expression: &str) -> Result<Regex, String> {
    RegexBuilder::new(expression)
        .case_insensitive(true)
        .size_limit(SIZE_LIMIT)
        .nest_limit(NEST_LIMIT)
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

#[cfg(feature = "expressions")]
type Matcher = Regex;
/// Without a regex engine nothing can be compiled, so no matcher can exist.
#[cfg(not(feature = "expressions"))]
enum Matcher {}

#[cfg(feature = "expressions")]
fn is_match(m: &Matcher, subject: &str) -> bool {
    m.is_match(subject)
}

#[cfg(not(feature = "expressions"))]
fn is_match(m: &Matcher, _subject: &str) -> bool {
    match *m {}
}

struct Compiled {
    matcher: Matcher,
    text: String,
    category: std::sync::Arc<str>,
    source: std::sync::Arc<str>,
    locked: bool,
}

/// A ruleset's expressions, compiled. Build it once per ruleset: compiling takes far longer
/// than matching. regex-lite guarantees matching time linear in the URL's length.
pub struct CompiledExpressions {
    items: Vec<Compiled>,
    ignored: usize,
}

impl std::fmt::Debug for CompiledExpressions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledExpressions")
            .field("len", &self.items.len())
            .field("ignored", &self.ignored)
            .finish()
    }
}

impl CompiledExpressions {
    /// Compiles every expression of `ruleset` (without the `expressions` feature: none, and
    /// counts them as ignored).
    pub fn new<B: AsRef<[u8]>>(ruleset: &Ruleset<B>) -> Result<Self, RulesetError> {
        let mut compiled = CompiledExpressions {
            items: Vec::new(),
            ignored: 0,
        };
        for (text, tag) in ruleset.expressions() {
            #[cfg(feature = "expressions")]
            {
                let matcher =
                    compile_expression(text).map_err(|reason| RulesetError::InvalidExpression {
                        expression: text.to_string(),
                        reason,
                    })?;
                compiled.items.push(Compiled {
                    matcher,
                    text: text.to_string(),
                    category: std::sync::Arc::from(tag.category),
                    source: std::sync::Arc::from(tag.source),
                    locked: tag.locked,
                });
            }
            #[cfg(not(feature = "expressions"))]
            {
                let _ = (text, tag);
                compiled.ignored += 1;
            }
        }
        Ok(compiled)
    }

    /// Expressions this build cannot match because the `expressions` feature is off.
    pub fn ignored(&self) -> usize {
        self.ignored
    }

    /// Number of expressions.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none (matching is then free).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Appends a match for every expression found in `host/path?query` (no scheme, no port).
    pub fn matches(&self, url: &CanonicalUrl, out: &mut Vec<RuleMatch>) {
        self.matches_parts(url.host(), url.path(), url.query(), out);
    }

    /// As [`CompiledExpressions::matches`], from a canonical URL's parts.
    pub fn matches_parts(
        &self,
        host: &str,
        path: &str,
        query: Option<&str>,
        out: &mut Vec<RuleMatch>,
    ) {
        self.for_each_match(host, path, query, |m| out.push(m.to_owned()));
    }

    /// Calls `found` with every expression found in `host/path?query`, borrowed (see
    /// [`Ruleset::for_each_match`]).
    pub fn for_each_match<'r>(
        &'r self,
        host: &str,
        path: &str,
        query: Option<&str>,
        mut found: impl FnMut(MatchRef<'_, 'r>),
    ) {
        if self.items.is_empty() {
            return;
        }
        let mut subject =
            String::with_capacity(host.len() + path.len() + query.map_or(0, |q| q.len() + 1));
        subject.push_str(host);
        subject.push_str(path);
        if let Some(q) = query {
            subject.push('?');
            subject.push_str(q);
        }
        for item in &self.items {
            if is_match(&item.matcher, &subject) {
                found(MatchRef {
                    key: &item.text,
                    kind: MatchKind::Expression,
                    category: &item.category,
                    source: &item.source,
                    locked: item.locked,
                });
            }
        }
    }
}
