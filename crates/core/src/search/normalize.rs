//! Search text → the canonical form phrases are matched against.
//!
//! [`normalize`] runs these steps, in this order:
//!
//! 1. **Bound** the input to [`MAX_INPUT_CHARS`] characters.
//! 2. **Invisible characters and NFKC**: zero-width spaces and joiners, soft hyphens, bidi
//!    controls, variation selectors and Arabic-script optional vowel marks are dropped (before and
//!    after NFKC); NFKC turns fullwidth `ｐｏｒｎ`, mathematical `𝐩𝐨𝐫𝐧`, circled `ⓟ` and ligatures
//!    into plain letters. Small capitals, IPA letters and regional-indicator letters become Latin
//!    here too, since some of them are symbols. (NFKC, marks and accents: [`crate::unicode`].)
//! 3. **Split into words** on anything that is not a letter, digit or combining mark, so
//!    `p.o.r.n`, `p-o-r-n` and `moby-dick` split; apostrophes join (`don't` → `dont`). Accents
//!    and "zalgo" marks come off Latin, Greek and Cyrillic letters (`pörn`, `samobójstwo`).
//! 4. **Split letters**: three or more one-character words in a row, at least two of them letters,
//!    join into one word (`p o r n` → `porn`).
//! 5. **Lookalike letters**: in a word that mixes Latin with Cyrillic, Greek or Armenian letters,
//!    those letters become their Latin twins (`рorn` → `porn`). A word made only of lookalikes
//!    (`рогп`, but also the Russian `мир`) is kept as typed and read as Latin in a separate
//!    reading.
//! 6. **Case folding**: lowercase; `ß` → `ss`, `ł` → `l`; Arabic and Urdu keyboard variants of
//!    the same letter (`ي`/`ی`, `ك`/`ک`, `ه`/`ہ`, hamza forms of alef) become one.
//!
//! The result, [`Normalized::text`], is lowercase words separated by single spaces, and is
//! unchanged by normalising it again. Further readings are matched as well, listed in
//! [`Normalized::readings`] when they differ:
//!
//! - **Lookalike**: words written only in lookalike letters, read as Latin (step 5).
//! - **Leetspeak**: in words that contain a Latin letter, `0 1 3 4 5 7 8 9 @ $ ! | €` read as
//!   `o i e a s t b g a s i l e` (`p0rn`, `s3x`, `$ex`); a second reading takes `1` as `l`.
//! - **Stretched letters**: runs of three or more of the same letter shrink to one
//!   (`poooorn` → `porn`). Phrases that contain double letters (`kill`) also match their single
//!   letter form (`kil`), but only where the query had a stretched word, so `bobs` never matches
//!   `boobs` while `boooobs` does.

use serde::Serialize;

use super::fold;
use crate::unicode::{self, decompose_canonical, is_combining_mark, to_lowercase};

/// The most characters of input normalised; the rest is ignored and [`Normalized::truncated`] set.
pub const MAX_INPUT_CHARS: usize = 1_000;

/// The most words kept.
pub const MAX_WORDS: usize = 128;

/// The most characters kept in one word.
pub const MAX_WORD_CHARS: usize = 64;

/// Characters after NFKC: a few characters expand a lot (U+FDFA is 18), so this bounds the work.
const MAX_EXPANDED_CHARS: usize = 4 * MAX_INPUT_CHARS;

/// Search text in the form phrases are matched against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalized {
    /// The canonical form: lowercase words separated by single spaces.
    pub text: String,
    /// Other readings that are matched too (leetspeak, stretched letters); empty for plain text.
    pub readings: Vec<Reading>,
    /// Whether the input was longer than [`MAX_INPUT_CHARS`] (or [`MAX_WORDS`]) and was cut.
    pub truncated: bool,
}

/// How a reading was derived from the canonical text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The canonical text itself.
    Plain,
    /// Words written entirely in Cyrillic or Greek lookalike letters, read as Latin.
    Lookalike,
    /// Leetspeak decoded.
    Leetspeak,
    /// Stretched letters shrunk.
    Stretched,
    /// Leetspeak decoded and stretched letters shrunk.
    LeetspeakStretched,
}

/// One further reading of the search text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// How it was derived.
    pub via: Via,
    /// The text, in the same form as [`Normalized::text`].
    pub text: String,
    /// Byte ranges of the words whose stretched letters were shrunk.
    #[serde(skip)]
    pub(crate) squeezed: Vec<(usize, usize)>,
}

impl Normalized {
    /// Every reading to match, the canonical one first.
    pub fn all_readings(&self) -> impl Iterator<Item = (Via, &str, &[(usize, usize)])> {
        std::iter::once((Via::Plain, self.text.as_str(), &[][..])).chain(
            self.readings
                .iter()
                .map(|r| (r.via, r.text.as_str(), r.squeezed.as_slice())),
        )
    }
}

/// Normalises search text; see the module documentation for the steps. Never panics; work is
/// bounded by [`MAX_INPUT_CHARS`].
pub fn normalize(input: &str) -> Normalized {
    let (chars, mut truncated) = prepare(input);
    let (raw_words, more) = split_words(&chars);
    truncated |= more;
    let words: Vec<Vec<char>> = raw_words
        .into_iter()
        .map(|w| {
            if w.iter().all(char::is_ascii) {
                w
            } else {
                base_letters(&w)
            }
        })
        .collect();

    let has_symbols = words.iter().flatten().any(|c| fold::is_leet_symbol(*c));
    let (plain, leet) = fold_words(&words, true, has_symbols);
    let folded_text = plain.join(" ");
    // Words made only of Cyrillic or Greek lookalikes may be real words ("мир"): show them as
    // typed and match the Latin reading separately.
    let pure_lookalikes = words.iter().any(|w| lookalike_use(w) == Lookalikes::Pure);
    let (text, lookalike_text) = if pure_lookalikes {
        let (shown, _) = fold_words(&words, false, false);
        (shown.join(" "), Some(folded_text))
    } else {
        (folded_text, None)
    };
    let mut readings = Vec::new();
    if let Some(folded) = lookalike_text.filter(|t| *t != text) {
        readings.push(Reading {
            via: Via::Lookalike,
            text: folded,
            squeezed: Vec::new(),
        });
    }
    let leet_words = leet.as_deref().unwrap_or(&plain);
    let leet_styles: &[bool] = match leet_kind(leet_words) {
        LeetKind::None => &[],
        LeetKind::WithoutOne => &[false],
        LeetKind::WithOne => &[false, true],
    };
    for &one_as_l in leet_styles {
        let joined = decode_leet(leet_words, one_as_l).join(" ");
        if joined != text && readings.iter().all(|r: &Reading| r.text != joined) {
            readings.push(Reading {
                via: Via::Leetspeak,
                text: joined,
                squeezed: Vec::new(),
            });
        }
    }
    let mut stretched = Vec::new();
    for (via, source) in std::iter::once((Via::Plain, text.as_str()))
        .chain(readings.iter().map(|r| (r.via, r.text.as_str())))
    {
        if let Some((squeezed_text, spans)) = squeeze(source) {
            let via = if via == Via::Leetspeak {
                Via::LeetspeakStretched
            } else {
                Via::Stretched
            };
            let known = squeezed_text == text
                || readings
                    .iter()
                    .chain(&stretched)
                    .any(|r: &Reading| r.text == squeezed_text);
            if !known {
                stretched.push(Reading {
                    via,
                    text: squeezed_text,
                    squeezed: spans,
                });
            }
        }
    }
    readings.extend(stretched);
    Normalized {
        text,
        readings,
        truncated,
    }
}

/// Steps 1–3: bound, NFKC, drop invisible characters; Latin variants (small capitals,
/// regional-indicator letters) become plain letters here.
fn prepare(input: &str) -> (Vec<char>, bool) {
    let mut truncated = input.chars().nth(MAX_INPUT_CHARS).is_some();
    let bounded = match input.char_indices().nth(MAX_INPUT_CHARS) {
        Some((end, _)) => input.get(..end).unwrap_or(""),
        None => input,
    };
    let mut out = Vec::with_capacity(bounded.len());
    let keep = |c: &char| !fold::is_ignorable(*c) && !fold::is_arabic_optional(*c);
    if bounded.is_ascii() {
        // ASCII is already in NFKC; skip the normaliser on the common path.
        out.extend(bounded.chars());
    } else {
        // Invisible characters go before NFKC too, so that letters they separated compose now
        // rather than on a second pass (normalising is idempotent).
        let visible: String = bounded.chars().filter(keep).collect();
        for c in unicode::nfkc(&visible).chars().filter(keep) {
            if out.len() >= MAX_EXPANDED_CHARS {
                truncated = true;
                break;
            }
            // Before splitting words: regional-indicator and squared letters are symbols.
            out.push(fold::latin_variant_any_case(c).unwrap_or(c));
        }
    }
    (out, truncated)
}

/// Step 4: words, keeping leetspeak symbols attached to letters (`$ex`). Returns the words and
/// whether some were dropped for [`MAX_WORDS`].
fn split_words(chars: &[char]) -> (Vec<Vec<char>>, bool) {
    let is_word = |c: char| c.is_alphanumeric() || is_combining_mark(c);
    let mut words: Vec<Vec<char>> = Vec::new();
    let mut current: Vec<char> = Vec::new();
    // Whether `current` was joined across an apostrophe.
    let mut joined = false;
    let mut dropped = false;
    let mut finish = |words: &mut Vec<Vec<char>>, word: Vec<char>, joined: bool| {
        let word = if joined { recompose(word) } else { word };
        dropped |= !push_word(words, word);
    };
    for (i, &c) in chars.iter().enumerate() {
        let prev_word = i
            .checked_sub(1)
            .and_then(|p| chars.get(p))
            .is_some_and(|&p| is_word(p));
        let next_word = chars.get(i + 1).is_some_and(|&n| is_word(n));
        if is_word(c) || fold::is_leet_symbol(c) {
            if current.len() < MAX_WORD_CHARS {
                current.push(c);
            }
        } else if fold::is_apostrophe(c) && prev_word && next_word {
            joined = true;
        } else if !current.is_empty() {
            finish(&mut words, std::mem::take(&mut current), joined);
            joined = false;
        }
    }
    if !current.is_empty() {
        finish(&mut words, current, joined);
    }
    (words, dropped)
}

/// NFKC again for a word that lost a character NFKC saw (an apostrophe, a space, a mark): what it
/// kept apart may compose (`ᄀ'ᅡ` → `가`) or reorder (two combining marks), and the normalised
/// text must already be in that form, or normalising it again would change it.
fn recompose(word: Vec<char>) -> Vec<char> {
    if word.iter().all(char::is_ascii) {
        return word;
    }
    let text: String = word.iter().collect();
    unicode::nfkc(&text).chars().collect()
}

/// A folded word cut to [`MAX_WORD_CHARS`]: joining spaced letters (`a a a …`) and folding
/// (`ß` → `ss`) can make a word longer than the next normalisation would keep (found by fuzz/).
fn at_most_word_chars(mut word: String) -> String {
    if let Some((end, _)) = word.char_indices().nth(MAX_WORD_CHARS) {
        word.truncate(end);
    }
    word
}

/// Adds a word unless it is only punctuation; returns false if [`MAX_WORDS`] was reached.
fn push_word(words: &mut Vec<Vec<char>>, mut word: Vec<char>) -> bool {
    // `help!` and `|x|`: a trailing `!` or `|` is punctuation, not a letter.
    while word.last().is_some_and(|&c| c == '!' || c == '|') {
        word.pop();
    }
    let keep = word.iter().any(|c| c.is_alphanumeric()) || matches!(word.as_slice(), ['$'] | ['@']);
    if !keep {
        return true;
    }
    if words.len() >= MAX_WORDS {
        return false;
    }
    words.push(word);
    true
}

/// Steps 5–7 for every word: the canonical words (leetspeak symbols split words) and the words
/// for the leetspeak readings (symbols kept). `pure_lookalikes` also folds words written only in
/// lookalike letters.
fn fold_words(
    words: &[Vec<char>],
    pure_lookalikes: bool,
    with_leet: bool,
) -> (Vec<String>, Option<Vec<String>>) {
    let is_alnum = |c: &char| c.is_alphanumeric();
    // Joining comes before folding so that a joined word is judged as one word, as it will be
    // when normalised again.
    let fold_all = |ws: Vec<Vec<char>>| -> Vec<String> {
        join_split_letters(ws)
            .iter()
            .map(|w| at_most_word_chars(fold_word(w, pure_lookalikes)))
            .filter(|w| !w.is_empty())
            .collect()
    };
    // The canonical words split at leetspeak symbols; the leetspeak words keep them. Splitting
    // can make more than MAX_WORDS words (`a$b$c…`), which the next normalisation would cut:
    // cut them here, so that normalising the text again changes nothing (found by fuzz/ search).
    let plain: Vec<Vec<char>> = words
        .iter()
        .flat_map(|w| w.split(|c| fold::is_leet_symbol(*c)))
        .filter(|piece| piece.iter().any(is_alnum))
        .take(MAX_WORDS)
        .map(<[char]>::to_vec)
        .collect();
    let leet = with_leet.then(|| {
        words
            .iter()
            .filter(|w| {
                w.iter()
                    .any(|c| c.is_alphanumeric() || fold::is_leet_symbol(*c))
            })
            .cloned()
            .collect::<Vec<_>>()
    });
    (fold_all(plain), leet.map(fold_all))
}

/// Strips diacritics from Latin, Greek and Cyrillic letters, keeping case, so that lookalikes are
/// recognised by their base letter (`Ἐ` is `Ε`). Script-specific marks (Bengali vowel signs) are
/// part of their letters and stay.
fn base_letters(word: &[char]) -> Vec<char> {
    let (out, dropped) = strip_diacritics(word);
    if dropped {
        // A dropped mark may have stood between marks that NFKC orders (`טּ⃝್`): order them now,
        // or normalising the result again would.
        strip_diacritics(&recompose(out)).0
    } else {
        out
    }
}

/// [`base_letters`] without the reordering; also says whether a mark was dropped.
fn strip_diacritics(word: &[char]) -> (Vec<char>, bool) {
    let mut out = Vec::with_capacity(word.len());
    let mut dropped = false;
    for &c in word {
        if fold::is_generic_diacritic(c) {
            dropped = true;
            continue;
        }
        if fold::strips_diacritics(c) && !c.is_ascii() {
            decompose_canonical(c, |d| {
                if fold::is_generic_diacritic(d) {
                    dropped = true;
                } else {
                    out.push(d);
                }
            });
        } else {
            out.push(c);
        }
    }
    (out, dropped)
}

/// Whether a word's Cyrillic, Greek or Armenian lookalikes should be read as Latin letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookalikes {
    /// No lookalikes, or a real word of another script that happens to contain some.
    Keep,
    /// Mixed with Latin letters: certainly an obfuscation.
    Mixed,
    /// Only lookalikes (and digits): perhaps an obfuscation, perhaps a real word.
    Pure,
}

fn lookalike_use(word: &[char]) -> Lookalikes {
    let (mut latin, mut lookalikes, mut other) = (0usize, 0usize, 0usize);
    for &c in word {
        if fold::is_latin_letter(c) {
            latin += 1;
        } else if fold::lookalike(c).is_some() {
            lookalikes += 1;
        } else if c.is_alphabetic() {
            other += 1;
        }
    }
    match (lookalikes > 0, latin > 0, other > 0) {
        (true, true, _) => Lookalikes::Mixed,
        (true, false, false) => Lookalikes::Pure,
        _ => Lookalikes::Keep,
    }
}

/// Steps 5–6 for one word, given its [`base_letters`].
fn fold_word(word: &[char], pure_lookalikes: bool) -> String {
    if word.iter().all(char::is_ascii) {
        return word.iter().map(char::to_ascii_lowercase).collect();
    }
    let use_lookalikes = match lookalike_use(word) {
        Lookalikes::Mixed => true,
        Lookalikes::Pure => pure_lookalikes,
        Lookalikes::Keep => false,
    };
    let mut out = String::with_capacity(word.len());
    for &c in word {
        let c = match fold::lookalike(c) {
            Some(latin) if use_lookalikes => latin,
            _ => c,
        };
        let (lower, more) = to_lowercase(c);
        push_folded(&mut out, lower);
        if let Some(more) = more {
            push_folded(&mut out, more);
        }
    }
    out
}

fn push_folded(out: &mut String, c: char) {
    if let Some(s) = fold::letter_variant(c) {
        out.push_str(s);
    } else if c.is_ascii() || !fold::strips_diacritics(c) {
        out.push(c);
    } else {
        // Lowercasing can decompose (`İ` → `i̇`): strip again.
        decompose_canonical(c, |d| {
            if fold::is_generic_diacritic(d) {
                return;
            }
            match fold::letter_variant(d) {
                Some(s) => out.push_str(s),
                None => out.push(d),
            }
        });
    }
}

/// Step 7: joins runs of three or more one-character words with at least two letters (leetspeak
/// symbols count as letters; a lone combining mark is not one of these words).
fn join_split_letters(words: Vec<Vec<char>>) -> Vec<Vec<char>> {
    if words.iter().filter(|w| w.len() == 1).count() < 3 {
        return words;
    }
    let mut out: Vec<Vec<char>> = Vec::with_capacity(words.len());
    let mut run: Vec<Vec<char>> = Vec::new();
    let flush = |run: &mut Vec<Vec<char>>, out: &mut Vec<Vec<char>>| {
        let letters = run
            .iter()
            .flatten()
            .filter(|c| c.is_alphabetic() || fold::is_leet_symbol(**c))
            .count();
        if run.len() >= 3 && letters >= 2 {
            // Joined letters may compose (Hangul jamo `ᄀ ᅡ` → `가`).
            out.push(recompose(run.concat()));
        } else {
            out.append(run);
        }
        run.clear();
    };
    for word in words {
        // A combining mark standing alone is no spaced-out letter: joined to its neighbours it
        // would combine with them, and the text would change again when normalised again.
        let spaced_letter = matches!(word.as_slice(), [c] if !is_combining_mark(*c));
        if spaced_letter {
            run.push(word);
        } else {
            flush(&mut run, &mut out);
            out.push(word);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Whether any word has leetspeak to decode, and whether a `1` is among it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeetKind {
    None,
    WithoutOne,
    WithOne,
}

fn leet_kind(words: &[String]) -> LeetKind {
    let mut kind = LeetKind::None;
    for w in words.iter().filter(|w| reads_as_leet(w)) {
        if w.contains('1') {
            return LeetKind::WithOne;
        }
        if w.chars().any(|c| fold::leet(c).is_some()) {
            kind = LeetKind::WithoutOne;
        }
    }
    kind
}

/// Leetspeak is read only in words with a Latin letter (`p0rn`, not `1488`), or a lone `$`/`@`.
fn reads_as_leet(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_alphabetic()) || matches!(word, "$" | "@")
}

/// Leetspeak reading of the words; `one_as_l` reads `1` as `l` instead of `i`.
fn decode_leet(words: &[String], one_as_l: bool) -> Vec<String> {
    words
        .iter()
        .map(|w| {
            if !reads_as_leet(w) {
                return w.clone();
            }
            w.chars()
                .map(|c| match c {
                    '1' if one_as_l => fold::LEET_ONE_ALT,
                    _ => fold::leet(c).unwrap_or(c),
                })
                .collect()
        })
        .collect()
}

/// Shrinks runs of three or more of the same letter to one, word by word. Returns the new text and
/// the byte ranges of the changed words, or `None` if nothing changed.
fn squeeze(text: &str) -> Option<(String, Vec<(usize, usize)>)> {
    let mut run = (None, 0usize);
    let has_run = text.chars().any(|c| {
        run = if run.0 == Some(c) {
            (run.0, run.1 + 1)
        } else {
            (Some(c), 1)
        };
        run.1 >= 3 && c.is_alphabetic()
    });
    if !has_run {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut spans = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let start = out.len();
        let mut changed = false;
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            let mut run = 1;
            while chars.next_if_eq(&c).is_some() {
                run += 1;
            }
            if run >= 3 && c.is_alphabetic() {
                out.push(c);
                changed = true;
            } else {
                out.extend((0..run).map(|_| c));
            }
        }
        if changed {
            spans.push((start, out.len()));
        }
    }
    (!spans.is_empty()).then_some((out, spans))
}

/// Shrinks every run of two or more of the same letter to one (`kill` → `kil`), for matching
/// phrases against stretched words.
pub(crate) fn squeeze_doubles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev = None;
    for c in text.chars() {
        if prev == Some(c) && c.is_alphabetic() {
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        let n = normalize(s);
        n.all_readings().map(|(_, t, _)| t.to_owned()).collect()
    }

    #[test]
    fn canonical_form() {
        assert_eq!(normalize("  Hello,   WORLD!  ").text, "hello world");
        assert_eq!(normalize("Moby-Dick").text, "moby dick");
        assert_eq!(normalize("don't panic").text, "dont panic");
        assert_eq!(normalize("Samobójstwo").text, "samobojstwo");
        assert_eq!(normalize("Straße").text, "strasse");
        assert_eq!(normalize("c++ tutorial").text, "c tutorial");
    }

    #[test]
    fn obfuscations() {
        assert_eq!(normalize("ｐｏｒｎ").text, "porn");
        assert_eq!(normalize("𝐩𝐨𝐫𝐧").text, "porn");
        assert_eq!(normalize("p\u{200B}o\u{200D}rn").text, "porn");
        assert_eq!(normalize("р\u{043E}rn").text, "porn");
        assert_eq!(normalize("РОRN").text, "porn");
        assert_eq!(normalize("p o r n").text, "porn");
        assert_eq!(normalize("p.o.r.n").text, "porn");
        assert!(texts("p0rn").contains(&"porn".to_owned()));
        assert!(texts("$ex").contains(&"sex".to_owned()));
        assert!(texts("k1ll").contains(&"kill".to_owned()));
        assert!(texts("poooorn").contains(&"porn".to_owned()));
        assert!(texts("p 0 r n").contains(&"porn".to_owned()));
    }

    #[test]
    fn leaves_real_words_and_numbers() {
        let russian = normalize("Привет мир");
        assert_eq!(russian.text, "привет мир");
        assert_eq!(russian.readings[0].text, "npubet mup");
        assert_eq!(normalize("рогп").readings[0].text, "porn");
        assert_eq!(
            texts("year 6 times tables 2024"),
            ["year 6 times tables 2024"]
        );
        assert_eq!(texts("a b"), ["a b"]);
        assert_eq!(normalize("1 2 3 4").text, "1 2 3 4");
    }

    #[test]
    fn a_capital_and_its_small_letter_are_the_same_script() {
        // U+A7DC lowercases to U+019B in another block; U+0181 to U+0253 (IPA). Both are Latin,
        // so the Greek capital beside them is a lookalike on the first pass, not only the second.
        for (typed, want) in [
            ("\u{A7DC}Τ", "\u{19B}t"),
            ("\u{181}Ο", "\u{253}o"),
            ("ⱢΑ", "ɫa"),
        ] {
            let once = normalize(typed).text;
            assert_eq!(once, want, "{typed}");
            assert_eq!(normalize(&once).text, once, "{typed}");
        }
    }

    #[test]
    fn what_a_dropped_character_kept_apart_is_normalised_once_joined() {
        // Across an apostrophe, Hangul jamo compose into a syllable and two combining marks take
        // their canonical order; so do marks a dropped enclosing circle kept apart, and spaced
        // letters joined into one word.
        for (typed, want) in [
            ("\u{1100}'\u{1161}", "\u{AC00}"),
            ("x\u{1E023}'\u{FC6}", "x\u{FC6}\u{1E023}"),
            ("\u{FB38}\u{20DD}\u{CCD}", "\u{5D8}\u{CCD}\u{5BC}"),
            ("\u{3200}\u{FFC2} A", "\u{AC00}a"),
        ] {
            let once = normalize(typed).text;
            assert_eq!(once, want, "{typed:?}");
            assert_eq!(normalize(&once).text, once, "{typed:?}");
        }
    }

    #[test]
    fn joined_and_folded_words_are_cut_as_typed_ones_are() {
        for typed in ["ß".repeat(64), "a ".repeat(70), "ß ".repeat(40)] {
            let once = normalize(&typed).text;
            assert_eq!(once.chars().count(), MAX_WORD_CHARS, "{typed}");
            assert_eq!(normalize(&once).text, once, "{typed}");
        }
    }

    #[test]
    fn stretched_spans_point_at_the_word() {
        let n = normalize("big boooobs");
        let r = n.readings.iter().find(|r| r.via == Via::Stretched);
        assert!(r.is_some_and(|r| r.text == "big bobs" && r.squeezed == [(4, 8)]));
        assert_eq!(squeeze_doubles("kill myself"), "kil myself");
    }
}
