//! Why a policy was rejected, with the line and column an editor can jump to.

use std::fmt;
use std::ops::Range;

use serde::Serialize;
use thiserror::Error;

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// 1-based line of the offending key or value.
    pub line: usize,
    /// 1-based column, counted in characters (not bytes) so non-ASCII text lines up.
    pub column: usize,
    /// The key path, e.g. `groups.ks2.categories.games`; empty for TOML syntax errors.
    pub path: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl Issue {
    /// An issue at a byte span of `text`. Not inlined: one copy of the line counting, however
    /// many places report (the wasm package's size).
    #[inline(never)]
    pub(crate) fn at(
        text: &str,
        span: Range<usize>,
        path: &str,
        message: impl Into<String>,
    ) -> Issue {
        let (line, column) = line_column(text, span.start);
        Issue {
            line,
            column,
            path: path.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Why [`Policy::from_toml`](super::Policy::from_toml) rejected a policy. Both variants hold at
/// least one issue, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// The text is not valid TOML.
    #[error("invalid TOML: {}", summary(.0))]
    Syntax(Vec<Issue>),
    /// Valid TOML that breaks the policy schema: every problem found in one pass.
    #[error("{}", summary(.0))]
    Invalid(Vec<Issue>),
}

impl PolicyError {
    /// Every issue found, in file order.
    pub fn issues(&self) -> &[Issue] {
        match self {
            PolicyError::Syntax(issues) | PolicyError::Invalid(issues) => issues,
        }
    }

    /// One issue per line, for a CLI or a log.
    pub fn report(&self) -> String {
        let prefix = if matches!(self, PolicyError::Syntax(_)) {
            "invalid TOML: "
        } else {
            ""
        };
        self.issues()
            .iter()
            .map(|i| format!("{prefix}{i}\n"))
            .collect()
    }
}

fn summary(issues: &[Issue]) -> String {
    match issues {
        [] => "no details".into(),
        [one] => one.to_string(),
        [first, rest @ ..] => {
            let s = if rest.len() == 1 { "" } else { "s" };
            format!("{first} (and {} more problem{s})", rest.len())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let text = "a = 1\nname = \"Ysgol Gymraeg Aberystwyth Ŵ\"\nx";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.rfind('x').unwrap();
        assert_eq!(line_column(text, x), (3, 1));
        let after_w = text.find('Ŵ').unwrap() + 'Ŵ'.len_utf8();
        assert_eq!(line_column(text, after_w), (2, 36));
        // Offsets inside a character or past the end are pulled back, never panic.
        assert_eq!(line_column(text, after_w - 1), (2, 35));
        assert_eq!(line_column(text, 10_000), (3, 2));
    }

    #[test]
    fn display_names_the_first_issue_and_counts_the_rest() {
        let issue = |line| Issue {
            line,
            column: 9,
            path: "groups.ks2".into(),
            message: "bad".into(),
        };
        let one = PolicyError::Invalid(vec![issue(12)]);
        assert_eq!(one.to_string(), "line 12, column 9: groups.ks2: bad");
        let three = PolicyError::Invalid(vec![issue(1), issue(2), issue(3)]);
        assert_eq!(
            three.to_string(),
            "line 1, column 9: groups.ks2: bad (and 2 more problems)"
        );
        assert_eq!(three.report().lines().count(), 3);
        let syntax = PolicyError::Syntax(vec![Issue {
            line: 1,
            column: 5,
            path: String::new(),
            message: "x".into(),
        }]);
        assert_eq!(syntax.to_string(), "invalid TOML: line 1, column 5: x");
    }
}
