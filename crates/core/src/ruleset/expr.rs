//! squidGuard expressions: compiled once per ruleset, matched over `host/path?query`.

use regex_lite::{Regex, RegexBuilder};

use super::{MatchKind, RuleMatch, Ruleset, RulesetError};
use crate::canon::CanonicalUrl;

/// Compiled program size limit per expression: real lists need a few KiB; this stops a
/// pathological one from taking the memory of a browser extension.
const SIZE_LIMIT: usize = 1 << 20;
/// Group nesting limit per expression.
const NEST_LIMIT: u32 = 64;

/// Compiles one expression as lists are checked and as matching uses it: case-insensitively,
/// as squidGuard does (`REG_ICASE`), with size limits.
pub(crate) fn compile_expression(expression: &str) -> Result<Regex, String> {
    RegexBuilder::new(expression)
        .case_insensitive(true)
        .size_limit(SIZE_LIMIT)
        .nest_limit(NEST_LIMIT)
        .build()
        // regex-lite's messages span lines; the first says what is wrong.
        .map_err(|e| e.to_string().lines().next().unwrap_or("invalid").to_string())
}

struct Compiled {
    regex: Regex,
    category: String,
    source: String,
    locked: bool,
}

/// A ruleset's expressions, compiled. Build it once per ruleset: compiling takes far longer
/// than matching. regex-lite guarantees matching time linear in the URL's length.
pub struct CompiledExpressions {
    items: Vec<Compiled>,
}

impl std::fmt::Debug for CompiledExpressions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledExpressions").field("len", &self.items.len()).finish()
    }
}

impl CompiledExpressions {
    /// Compiles every expression of `ruleset`.
    pub fn new<B: AsRef<[u8]>>(ruleset: &Ruleset<B>) -> Result<Self, RulesetError> {
        let items = ruleset
            .expressions()
            .map(|(text, tag)| {
                let regex = compile_expression(text).map_err(|reason| RulesetError::InvalidExpression {
                    expression: text.to_string(),
                    reason,
                })?;
                Ok(Compiled {
                    regex,
                    category: tag.category.to_string(),
                    source: tag.source.to_string(),
                    locked: tag.locked,
                })
            })
            .collect::<Result<_, RulesetError>>()?;
        Ok(CompiledExpressions { items })
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
    pub fn matches_parts(&self, host: &str, path: &str, query: Option<&str>, out: &mut Vec<RuleMatch>) {
        if self.items.is_empty() {
            return;
        }
        let mut subject = String::with_capacity(host.len() + path.len() + query.map_or(0, |q| q.len() + 1));
        subject.push_str(host);
        subject.push_str(path);
        if let Some(q) = query {
            subject.push('?');
            subject.push_str(q);
        }
        for item in &self.items {
            if item.regex.is_match(&subject) {
                out.push(RuleMatch {
                    key: item.regex.as_str().to_string(),
                    kind: MatchKind::Expression,
                    category: item.category.clone(),
                    source: item.source.clone(),
                    locked: item.locked,
                });
            }
        }
    }
}
