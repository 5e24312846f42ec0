//! squidGuard expressions: compiled once per ruleset, matched over `host/path?query`, by the
//! engine [`crate::expressions`] chooses.

use super::{MatchKind, MatchRef, RuleMatch, Ruleset, RulesetError};
use crate::canon::CanonicalUrl;
use crate::expressions::{self, RegexEngine};

/// The compiled form of a ruleset's expressions, by engine.
enum Matchers {
    /// Nothing to match: no expressions, or no engine in this build.
    None,
    /// One `regex-lite` program per expression.
    #[cfg(feature = "expressions")]
    Native(Vec<regex_lite::Regex>),
    /// A set held by an installed engine.
    Provided {
        engine: &'static dyn RegexEngine,
        set: u32,
    },
}

impl Drop for Matchers {
    fn drop(&mut self) {
        if let Matchers::Provided { engine, set } = *self {
            engine.release(set);
        }
    }
}

struct Compiled {
    text: String,
    category: std::sync::Arc<str>,
    source: std::sync::Arc<str>,
    locked: bool,
}

/// A ruleset's expressions, compiled. Build it once per ruleset: compiling takes far longer
/// than matching.
pub struct CompiledExpressions {
    items: Vec<Compiled>,
    matchers: Matchers,
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
    /// Compiles every expression of `ruleset` with the engine in use (with none: nothing, and
    /// counts them as ignored).
    pub fn new<B: AsRef<[u8]>>(ruleset: &Ruleset<B>) -> Result<Self, RulesetError> {
        Self::with_engine(ruleset, expressions::installed())
    }

    pub(crate) fn with_engine<B: AsRef<[u8]>>(
        ruleset: &Ruleset<B>,
        engine: Option<&'static dyn RegexEngine>,
    ) -> Result<Self, RulesetError> {
        let invalid = |expression: &str, reason: String| RulesetError::InvalidExpression {
            expression: expression.to_string(),
            reason,
        };
        let mut items = Vec::new();
        let mut texts = Vec::new();
        for (text, tag) in ruleset.expressions() {
            expressions::check_shape(text).map_err(|reason| invalid(text, reason))?;
            texts.push(text);
            items.push(Compiled {
                text: text.to_string(),
                category: std::sync::Arc::from(tag.category),
                source: std::sync::Arc::from(tag.source),
                locked: tag.locked,
            });
        }
        let matchers = match engine {
            _ if texts.is_empty() => Matchers::None,
            Some(engine) => {
                let set = engine
                    .compile(&texts)
                    .map_err(|(index, reason)| invalid(texts[index], reason))?;
                Matchers::Provided { engine, set }
            }
            #[cfg(feature = "expressions")]
            None => Matchers::Native(
                texts
                    .iter()
                    .map(|text| expressions::compile_native(text).map_err(|r| invalid(text, r)))
                    .collect::<Result<_, _>>()?,
            ),
            #[cfg(not(feature = "expressions"))]
            None => {
                return Ok(CompiledExpressions {
                    items: Vec::new(),
                    matchers: Matchers::None,
                    ignored: texts.len(),
                })
            }
        };
        Ok(CompiledExpressions {
            items,
            matchers,
            ignored: 0,
        })
    }

    /// Expressions this build cannot match: no `expressions` feature and no engine installed.
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
        // In every build, so that verdicts agree: see `expressions::MAX_SUBJECT_BYTES`.
        let mut end = subject.len().min(expressions::MAX_SUBJECT_BYTES);
        while !subject.is_char_boundary(end) {
            end -= 1;
        }
        subject.truncate(end);
        let mut report = |index: usize| {
            if let Some(item) = self.items.get(index) {
                found(MatchRef {
                    key: &item.text,
                    kind: MatchKind::Expression,
                    category: &item.category,
                    source: &item.source,
                    locked: item.locked,
                });
            }
        };
        match &self.matchers {
            Matchers::None => {}
            #[cfg(feature = "expressions")]
            Matchers::Native(programs) => programs
                .iter()
                .enumerate()
                .filter(|(_, program)| program.is_match(&subject))
                .for_each(|(index, _)| report(index)),
            Matchers::Provided { engine, set } => engine.find(*set, &subject, &mut report),
        }
    }
}
