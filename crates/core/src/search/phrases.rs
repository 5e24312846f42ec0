//! Weighted phrase lists: the text format, parsing, and the built-in lists.
//!
//! The format is documented in `docs/search-phrases.md` and at the top of every built-in list in
//! `crates/core/data/phrases/`. In short:
//!
//! ```text
//! # A comment.
//! [category: pornography]      # entries below belong to this category
//! [lang: en]                   # … and this language (default `en`)
//! 200   porn                   # weighted phrase: weight, whitespace, phrase
//! 60    naked + pictures       # combination: counts only when every part is in the search
//! -60   sex education          # negative weight: educational context
//! !blue tits                   # exception: cancels every match inside this phrase
//! ```
//!
//! Phrases are normalised with [`super::normalize()`] when parsed, so lists are written in ordinary
//! spelling and match every obfuscated spelling of it.

use thiserror::Error;

use super::normalize::normalize;
use crate::category;
use crate::lists::find_str;

/// The largest list text accepted, in bytes.
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;
/// The most entries in one list or set.
pub const MAX_ENTRIES: usize = 200_000;
/// The most words in one phrase.
pub const MAX_PHRASE_WORDS: usize = 12;
/// The most bytes in one normalised phrase.
pub const MAX_PHRASE_BYTES: usize = 200;
/// The most parts in one combination.
pub const MAX_PARTS: usize = 4;
/// The largest absolute weight.
pub const MAX_WEIGHT: i32 = 1_000;

/// The pseudo-category whose (negative) weights apply to every category: general educational
/// context such as `homework` or `history of`.
pub const ANY: &str = "any";
/// The pseudo-category of safeguarding-education searches (Childline, puberty, consent): a match
/// marks the search as education, and its (negative) weight applies to every category.
pub const SAFEGUARDING_EDUCATION: &str = "safeguarding-education";
/// The pseudo-category of a pupil asking for help (`what do i do`, `someone sent me`): with a
/// harmful phrase in the same search it makes the search help-seeking (see
/// [`super::judge`]). Its weights must be positive and add to no category.
pub const HELP_SEEKING: &str = "help-seeking";

/// Whether a category id is one of the pseudo-categories that score no harm of their own.
pub fn is_pseudo_category(id: &str) -> bool {
    id == ANY || id == SAFEGUARDING_EDUCATION || id == HELP_SEEKING
}

/// Errors reading or compiling phrase lists.
#[derive(Debug, Error)]
pub enum PhraseError {
    /// A line could not be read.
    #[error("{source_name}:{line}: {message}")]
    Syntax {
        /// The list's name, as given to [`PhraseList::parse`].
        source_name: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A list text is larger than [`MAX_LIST_BYTES`].
    #[error("{source_name}: list is larger than {MAX_LIST_BYTES} bytes")]
    TooLarge {
        /// The list's name.
        source_name: String,
    },
    /// More than [`MAX_ENTRIES`] entries.
    #[error("more than {MAX_ENTRIES} phrases")]
    TooMany,
    /// The matching automaton could not be built (more states than it can number).
    #[error("phrase automaton could not be built")]
    Automaton,
}

/// What an entry does when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// Adds its weight to its category's score.
    Weighted {
        /// The weight, negative for educational context.
        weight: i32,
        /// The normalised phrase.
        phrase: String,
    },
    /// Adds its weight only when every part is present, anywhere in the search. A part may have
    /// alternatives (`asked me | wants me`): any one of them makes the part present.
    Combination {
        /// The weight.
        weight: i32,
        /// The normalised parts, each a list of alternatives.
        parts: Vec<Vec<String>>,
    },
    /// Cancels every match that lies inside it.
    Exception {
        /// The normalised phrase.
        phrase: String,
    },
}

/// One parsed line of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The category id, [`ANY`] or [`SAFEGUARDING_EDUCATION`].
    pub category: String,
    /// The language tag (`en`, `pl`, `ur`, `ur-latn`…).
    pub lang: String,
    /// The phrase as written in the list, for explanations.
    pub written: String,
    /// What it does.
    pub kind: EntryKind,
}

impl ListEntry {
    /// The weight, or 0 for an exception.
    pub fn weight(&self) -> i32 {
        match self.kind {
            EntryKind::Weighted { weight, .. } | EntryKind::Combination { weight, .. } => weight,
            EntryKind::Exception { .. } => 0,
        }
    }
}

/// Parsed, not yet compiled, phrase entries: read one or more lists, then build a
/// [`super::PhraseSet`]. A later entry with the same category and phrase replaces an earlier one,
/// so a school's list can re-weight (or, with weight 0, switch off) a built-in phrase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhraseList {
    /// The entries, in list order.
    pub entries: Vec<ListEntry>,
}

/// The built-in lists, by file name. Their comment lines are empty without the
/// `annotated-builtins` feature.
pub const BUILTIN: &[(&str, &str)] = &[
    ("en.txt", data_text!("phrases/en.txt")),
    ("context.txt", data_text!("phrases/context.txt")),
    ("education.txt", data_text!("phrases/education.txt")),
    ("pl.txt", data_text!("phrases/pl.txt")),
    ("ro.txt", data_text!("phrases/ro.txt")),
    ("ur.txt", data_text!("phrases/ur.txt")),
    ("bn.txt", data_text!("phrases/bn.txt")),
    ("ar.txt", data_text!("phrases/ar.txt")),
];

impl PhraseList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// All built-in lists.
    pub fn builtin() -> Result<Self, PhraseError> {
        let mut list = Self::new();
        for (name, text) in BUILTIN {
            list.extend(Self::parse(name, text)?)?;
        }
        Ok(list)
    }

    /// Parses one list. `source_name` names it in error messages.
    pub fn parse(source_name: &str, text: &str) -> Result<Self, PhraseError> {
        if text.len() > MAX_LIST_BYTES {
            return Err(PhraseError::TooLarge {
                source_name: source_name.to_owned(),
            });
        }
        let mut list = Self::new();
        let mut category: Option<String> = None;
        let mut lang = String::from("en");
        for (index, line) in text.lines().enumerate() {
            let err = |message: String| PhraseError::Syntax {
                source_name: source_name.to_owned(),
                line: index + 1,
                message,
            };
            let line = strip_comment(line).trim();
            if line.is_empty() {
                continue;
            }
            if let Some(header) = line.strip_prefix('[') {
                let (key, value) = parse_header(header).map_err(err)?;
                match key {
                    "category" => category = Some(value.to_owned()),
                    _ => lang = value.to_owned(),
                }
                continue;
            }
            let Some(category) = category.as_deref() else {
                return Err(err("phrase before any [category: …] line".into()));
            };
            if list.entries.len() >= MAX_ENTRIES {
                return Err(PhraseError::TooMany);
            }
            let entry = parse_entry(line, category, &lang).map_err(err)?;
            list.entries.push(entry);
        }
        Ok(list)
    }

    /// Appends another list's entries (a school's own list after the built-in ones).
    pub fn extend(&mut self, other: PhraseList) -> Result<(), PhraseError> {
        if self.entries.len() + other.entries.len() > MAX_ENTRIES {
            return Err(PhraseError::TooMany);
        }
        self.entries.extend(other.entries);
        Ok(())
    }

    /// Adds one weighted phrase or combination (`a + b`), as a list line would; for generated
    /// lists and benchmarks.
    pub fn push(
        &mut self,
        category: &str,
        lang: &str,
        weight: i32,
        phrase: &str,
    ) -> Result<(), PhraseError> {
        let err = |message: String| PhraseError::Syntax {
            source_name: "push".into(),
            line: self.entries.len() + 1,
            message,
        };
        validate_category(category).map_err(err)?;
        validate_lang(lang).map_err(err)?;
        if self.entries.len() >= MAX_ENTRIES {
            return Err(PhraseError::TooMany);
        }
        let entry = weighted(phrase, weight, category, lang).map_err(err)?;
        self.entries.push(entry);
        Ok(())
    }
}

/// Drops a `#` comment: at the start of a line, or after whitespace (so `c#` stays a phrase).
fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match find_str(line, " #").or_else(|| find_str(line, "\t#")) {
        Some(i) => line.get(..i).unwrap_or(line),
        None => line,
    }
}

fn parse_header(header: &str) -> Result<(&'static str, &str), String> {
    let inner = header
        .strip_suffix(']')
        .ok_or("section header must end with `]`")?;
    let (key, value) = inner
        .split_once(':')
        .ok_or("section header must be `[category: id]` or `[lang: tag]`")?;
    let value = value.trim();
    match key.trim() {
        "category" => validate_category(value).map(|()| ("category", value)),
        "lang" => validate_lang(value).map(|()| ("lang", value)),
        other => Err(format!(
            "unknown section `{other}`: use `category` or `lang`"
        )),
    }
}

fn validate_category(id: &str) -> Result<(), String> {
    if is_pseudo_category(id) {
        return Ok(());
    }
    category::validate_id(id)
}

fn validate_lang(tag: &str) -> Result<(), String> {
    let (primary, rest) = tag.split_once('-').unwrap_or((tag, ""));
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    let rest_ok = rest.len() <= 8
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && (rest.is_empty() != tag.contains('-'));
    if primary_ok && rest_ok {
        Ok(())
    } else {
        Err(format!(
            "language tag `{tag}` must look like `en`, `pl` or `ur-latn`"
        ))
    }
}

fn parse_entry(line: &str, category: &str, lang: &str) -> Result<ListEntry, String> {
    if let Some(phrase) = line.strip_prefix('!') {
        let normalized = normalized_phrase(phrase)?;
        return Ok(ListEntry {
            category: category.to_owned(),
            lang: lang.to_owned(),
            written: phrase.trim().to_owned(),
            kind: EntryKind::Exception { phrase: normalized },
        });
    }
    let (weight_text, phrase) = line
        .split_once([' ', '\t'])
        .ok_or("expected `<weight> <phrase>`, `!<exception>` or a section header")?;
    let weight: i32 = weight_text
        .strip_prefix('+')
        .unwrap_or(weight_text)
        .parse()
        .map_err(|_| format!("weight `{weight_text}` is not a whole number"))?;
    weighted(phrase, weight, category, lang)
}

fn weighted(phrase: &str, weight: i32, category: &str, lang: &str) -> Result<ListEntry, String> {
    if weight.abs() > MAX_WEIGHT {
        return Err(format!(
            "weight {weight} is outside -{MAX_WEIGHT}..={MAX_WEIGHT}"
        ));
    }
    if weight > 0 && (category == ANY || category == SAFEGUARDING_EDUCATION) {
        return Err(format!(
            "weights in [category: {category}] must be zero or negative"
        ));
    }
    if weight < 0 && category == HELP_SEEKING {
        return Err(format!(
            "weights in [category: {category}] must be zero or positive"
        ));
    }
    let written = phrase.trim().to_owned();
    let kind = if find_str(&written, " + ").is_some() || written.contains('|') {
        let mut parts = Vec::new();
        let mut rest = written.as_str();
        while let Some(at) = find_str(rest, " + ") {
            parts.push(alternatives(&rest[..at])?);
            rest = &rest[at + " + ".len()..];
        }
        parts.push(alternatives(rest)?);
        if parts.len() > MAX_PARTS {
            return Err(format!("a combination has at most {MAX_PARTS} parts"));
        }
        EntryKind::Combination { weight, parts }
    } else {
        EntryKind::Weighted {
            weight,
            phrase: normalized_phrase(&written)?,
        }
    };
    Ok(ListEntry {
        category: category.to_owned(),
        lang: lang.to_owned(),
        written,
        kind,
    })
}

/// One part of a combination: `a | b | c`, each alternative normalised. (The list's size bounds
/// how many there are.)
fn alternatives(part: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for alternative in part.split('|') {
        out.push(normalized_phrase(alternative)?);
    }
    Ok(out)
}

fn normalized_phrase(phrase: &str) -> Result<String, String> {
    let n = normalize(phrase);
    if n.text.is_empty() {
        return Err(format!(
            "phrase `{}` has no letters or digits",
            phrase.trim()
        ));
    }
    if n.text.len() > MAX_PHRASE_BYTES
        || n.text.split(' ').count() > MAX_PHRASE_WORDS
        || n.truncated
    {
        return Err(format!(
            "phrase is longer than {MAX_PHRASE_WORDS} words or {MAX_PHRASE_BYTES} bytes"
        ));
    }
    Ok(n.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_line() {
        let text = "# header\n[category: pornography]\n[lang: en]\n200\tporn  # strong\n-60 sex education\n60 naked + pictures\n!blue tits\n";
        let list = PhraseList::parse("t", text).unwrap();
        assert_eq!(list.entries.len(), 4);
        assert_eq!(
            list.entries[0].kind,
            EntryKind::Weighted {
                weight: 200,
                phrase: "porn".into()
            }
        );
        assert_eq!(list.entries[1].weight(), -60);
        assert_eq!(
            list.entries[2].kind,
            EntryKind::Combination {
                weight: 60,
                parts: vec![vec!["naked".into()], vec!["pictures".into()]]
            }
        );
        assert_eq!(
            list.entries[3].kind,
            EntryKind::Exception {
                phrase: "blue tits".into()
            }
        );
    }

    #[test]
    fn errors_carry_line_numbers() {
        let cases = [
            ("200 porn", 1, "before any"),
            ("[category: pornography]\nabc porn", 2, "whole number"),
            ("[category: Porn]", 1, "category id"),
            ("[colour: red]", 1, "unknown section"),
            ("[lang: english]", 1, "language tag"),
            ("[category: any]\n50 homework", 2, "zero or negative"),
            ("[category: drugs]\n5000 x", 2, "outside"),
            ("[category: drugs]\n50 ???", 2, "no letters"),
            ("[category: drugs]\n50 a + b + c + d + e", 2, "at most"),
            (
                "[category: help-seeking]\n-50 help me",
                2,
                "zero or positive",
            ),
            ("[category: drugs]\n50 a | ?? + b", 2, "no letters"),
        ];
        for (text, line, needle) in cases {
            match PhraseList::parse("t", text) {
                Err(PhraseError::Syntax {
                    line: l, message, ..
                }) => {
                    assert_eq!(l, line, "{text}");
                    assert!(message.contains(needle), "{message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn combination_parts_take_alternatives() {
        let text = "[category: gambling]\n120 free bet | Free Bets + casino\n120 bonus | bonuses\n";
        let list = PhraseList::parse("t", text).unwrap();
        assert_eq!(
            list.entries[0].kind,
            EntryKind::Combination {
                weight: 120,
                parts: vec![
                    vec!["free bet".into(), "free bets".into()],
                    vec!["casino".into()]
                ]
            }
        );
        // One part with alternatives: present when any one is.
        assert_eq!(
            list.entries[1].kind,
            EntryKind::Combination {
                weight: 120,
                parts: vec![vec!["bonus".into(), "bonuses".into()]]
            }
        );
    }

    #[test]
    fn builtin_lists_parse() {
        let list = PhraseList::builtin().unwrap();
        assert!(list.entries.len() > 500);
    }
}
