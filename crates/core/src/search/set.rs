//! A compiled [`PhraseSet`]: every phrase, exception and combination part in one Aho-Corasick
//! automaton, matched on word boundaries.
//!
//! Word boundaries come for free: normalised text is words separated by single spaces, so each
//! pattern is stored as ` phrase ` and each haystack as ` text `. `sex` then never matches inside
//! `essex`, and `rapist` never inside `therapist`, without any check after the match.

use rustc_hash::FxHashMap;

use super::automaton::Automaton;
use serde::Serialize;

use super::normalize::{squeeze_doubles, Normalized, Via};
use super::phrases::{
    EntryKind, ListEntry, PhraseError, PhraseList, ANY, HELP_SEEKING, SAFEGUARDING_EDUCATION,
};

/// What an entry does, in compiled form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Weighted,
    Exception,
    Combination { parts: u8 },
}

/// One entry of a compiled set.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) written: String,
    pub(crate) category: u16,
    pub(crate) lang: u16,
    pub(crate) weight: i32,
    pub(crate) role: Role,
}

/// What a pattern match means: a whole entry, or one part of a combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    entry: u32,
    part: u8,
    /// Matches only inside a word whose stretched letters were shrunk (see `normalize`).
    stretch_only: bool,
}

/// A match found in one reading, before scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawMatch {
    pub(crate) entry: u32,
    pub(crate) part: u8,
    pub(crate) reading: u8,
    pub(crate) via: Via,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Compiled phrase lists, ready to judge searches. Build one per list change and share it; it is
/// immutable.
///
/// ## Usage
///
/// ```
/// use schoolgate_core::search::{PhraseSet, SearchRules};
///
/// let set = PhraseSet::builtin()?;
/// let verdict = set.judge("Scunthorpe United", &SearchRules::for_group_preset("ks1").unwrap_or_default());
/// assert!(!verdict.blocked);
/// # Ok::<(), schoolgate_core::search::PhraseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PhraseSet {
    pub(crate) entries: Vec<Entry>,
    pub(crate) categories: Vec<String>,
    pub(crate) langs: Vec<String>,
    automaton: Automaton,
    hits: Vec<Vec<Hit>>,
}

/// Counts describing a compiled set, for reports and benchmarks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhraseStats {
    /// Weighted phrases (positive, zero or negative).
    pub phrases: usize,
    /// Combinations.
    pub combinations: usize,
    /// Exceptions.
    pub exceptions: usize,
    /// Distinct patterns in the automaton (including stretched-letter variants).
    pub patterns: usize,
    /// Entries per category, sorted by id.
    pub categories: Vec<(String, usize)>,
    /// Entries per language, sorted by tag.
    pub languages: Vec<(String, usize)>,
    /// Heap memory of the automaton, in bytes.
    pub automaton_bytes: usize,
}

impl PhraseSet {
    /// The built-in lists, compiled.
    pub fn builtin() -> Result<Self, PhraseError> {
        Self::build(PhraseList::builtin()?)
    }

    /// Parses and compiles one list text.
    pub fn parse(source_name: &str, text: &str) -> Result<Self, PhraseError> {
        Self::build(PhraseList::parse(source_name, text)?)
    }

    /// The built-in lists followed by a school's own lists, given as `(name, text)`.
    pub fn builtin_with(extra: &[(&str, &str)]) -> Result<Self, PhraseError> {
        let mut list = PhraseList::builtin()?;
        for (name, text) in extra {
            list.extend(PhraseList::parse(name, text)?)?;
        }
        Self::build(list)
    }

    /// Compiles parsed entries. Later entries with the same category, kind and phrase replace
    /// earlier ones.
    pub fn build(list: PhraseList) -> Result<Self, PhraseError> {
        let entries = dedup(list.entries);
        let mut categories: Vec<String> = vec![
            ANY.to_owned(),
            SAFEGUARDING_EDUCATION.to_owned(),
            HELP_SEEKING.to_owned(),
        ];
        let mut langs: Vec<String> = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_ids: FxHashMap<String, usize> = FxHashMap::default();
        let mut hits: Vec<Vec<Hit>> = Vec::new();
        let mut compiled = Vec::with_capacity(entries.len());
        for (index, e) in entries.into_iter().enumerate() {
            let entry = u32::try_from(index).map_err(|_| PhraseError::TooMany)?;
            // (part, text): a combination's alternatives share their part's number.
            let (role, texts): (Role, Vec<(usize, &str)>) = match &e.kind {
                EntryKind::Weighted { phrase, .. } => (Role::Weighted, vec![(0, phrase)]),
                EntryKind::Exception { phrase } => (Role::Exception, vec![(0, phrase)]),
                EntryKind::Combination { parts, .. } => {
                    let n = u8::try_from(parts.len()).map_err(|_| PhraseError::TooMany)?;
                    (
                        Role::Combination { parts: n },
                        parts
                            .iter()
                            .enumerate()
                            .flat_map(|(i, alts)| alts.iter().map(move |a| (i, a.as_str())))
                            .collect(),
                    )
                }
            };
            for &(part, text) in &texts {
                let part = u8::try_from(part).map_err(|_| PhraseError::TooMany)?;
                let squeezed = squeeze_doubles(text);
                let variants = [(text.to_string(), false), (squeezed.clone(), true)];
                for (variant, stretch_only) in
                    variants
                        .into_iter()
                        .take(if squeezed == text { 1 } else { 2 })
                {
                    let padded = format!(" {variant} ");
                    let id = *pattern_ids.entry(padded.clone()).or_insert_with(|| {
                        patterns.push(padded);
                        hits.push(Vec::new());
                        patterns.len() - 1
                    });
                    if let Some(list) = hits.get_mut(id) {
                        let hit = Hit {
                            entry,
                            part,
                            stretch_only,
                        };
                        // Two alternatives of one part may read the same once squeezed.
                        if !list.contains(&hit) {
                            list.push(hit);
                        }
                    }
                }
            }
            compiled.push(Entry {
                category: intern(&mut categories, &e.category)?,
                lang: intern(&mut langs, &e.lang)?,
                weight: e.weight(),
                written: e.written,
                role,
            });
        }
        // The plain (noncontiguous) automaton: searches are short, so its slower steps cost
        // nothing measurable, and it builds fast (a woken extension's first search builds the
        // built-in set).
        let automaton = Automaton::new(&patterns).ok_or(PhraseError::Automaton)?;
        Ok(Self {
            entries: compiled,
            categories,
            langs,
            automaton,
            hits,
        })
    }

    /// Counts of what the set holds.
    pub fn stats(&self) -> PhraseStats {
        let count = |role: fn(&Role) -> bool| self.entries.iter().filter(|e| role(&e.role)).count();
        let tally = |names: &[String], key: fn(&Entry) -> u16| {
            let mut out: Vec<(String, usize)> = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    (
                        n.clone(),
                        self.entries
                            .iter()
                            .filter(|e| usize::from(key(e)) == i)
                            .count(),
                    )
                })
                .filter(|(_, n)| *n > 0)
                .collect();
            out.sort();
            out
        };
        PhraseStats {
            phrases: count(|r| *r == Role::Weighted),
            combinations: count(|r| matches!(r, Role::Combination { .. })),
            exceptions: count(|r| *r == Role::Exception),
            patterns: self.automaton.patterns_len(),
            categories: tally(&self.categories, |e| e.category),
            languages: tally(&self.langs, |e| e.lang),
            automaton_bytes: self.automaton.memory_usage(),
        }
    }

    /// Every match of every reading, on word boundaries, with stretched-only patterns kept only
    /// where they overlap a stretched word.
    pub(crate) fn raw_matches(&self, normalized: &Normalized) -> Vec<RawMatch> {
        let mut out = Vec::new();
        let mut haystack = String::new();
        for (reading, (via, text, squeezed)) in normalized.all_readings().enumerate() {
            let Ok(reading) = u8::try_from(reading) else {
                break;
            };
            haystack.clear();
            haystack.push(' ');
            haystack.push_str(text);
            haystack.push(' ');
            let mut found = |pattern: usize, start: usize, end: usize| {
                let Some(hits) = self.hits.get(pattern) else {
                    return;
                };
                // Offsets in `text` terms: the padding adds one leading space.
                let end = end.saturating_sub(2);
                for hit in hits {
                    if hit.stretch_only && !squeezed.iter().any(|&(s, e)| s < end && start < e) {
                        continue;
                    }
                    out.push(RawMatch {
                        entry: hit.entry,
                        part: hit.part,
                        reading,
                        via,
                        start,
                        end,
                    });
                }
            };
            self.automaton
                .for_each_overlapping(haystack.as_bytes(), &mut found);
        }
        out
    }

    pub(crate) fn entry(&self, id: u32) -> Option<&Entry> {
        self.entries.get(usize::try_from(id).ok()?)
    }

    pub(crate) fn category_name(&self, id: u16) -> &str {
        self.categories
            .get(usize::from(id))
            .map_or("", String::as_str)
    }

    pub(crate) fn lang_name(&self, id: u16) -> &str {
        self.langs.get(usize::from(id)).map_or("", String::as_str)
    }
}

/// Keeps the last of entries with the same category, kind and phrase, in first-seen order.
fn dedup(entries: Vec<ListEntry>) -> Vec<ListEntry> {
    let key = |e: &ListEntry| {
        let (tag, text) = match &e.kind {
            EntryKind::Weighted { phrase, .. } => ('w', phrase.clone()),
            EntryKind::Exception { phrase } => ('x', phrase.clone()),
            // A combination is the same one when written the same way.
            EntryKind::Combination { .. } => ('c', e.written.clone()),
        };
        (e.category.clone(), tag, text)
    };
    let mut index: FxHashMap<(String, char, String), usize> = FxHashMap::default();
    let mut out: Vec<ListEntry> = Vec::with_capacity(entries.len());
    for e in entries {
        match index.get(&key(&e)) {
            Some(&i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = e;
                }
            }
            None => {
                index.insert(key(&e), out.len());
                out.push(e);
            }
        }
    }
    out
}

fn intern(names: &mut Vec<String>, name: &str) -> Result<u16, PhraseError> {
    let index = match names.iter().position(|n| n == name) {
        Some(i) => i,
        None => {
            names.push(name.to_owned());
            names.len() - 1
        }
    };
    u16::try_from(index).map_err(|_| PhraseError::TooMany)
}
