//! Character tables behind [`super::normalize`]: invisible characters, lookalike letters, letter
//! variants and leetspeak.
//!
//! The tables are small and written out by hand so that a reviewer can read every mapping, and so
//! that the WebAssembly build does not carry Unicode's whole confusables table. Lookalikes that
//! NFKC already folds (fullwidth `ｐ`, mathematical `𝐩`, circled `ⓟ`) are not repeated here.

use crate::unicode::to_lowercase;

/// Whether `c` is invisible and carries nothing for matching: zero-width characters, joiners,
/// soft hyphens, bidirectional controls, variation selectors, tag characters and fillers.
/// Pupils insert these between letters (`p\u{200B}orn`) to slip past word lists.
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Arabic-script vowel marks and the tatweel (kashida) stretcher: optional in Urdu and Arabic
/// writing, so a search may or may not carry them.
pub(crate) fn is_arabic_optional(c: char) -> bool {
    matches!(
        c,
        '\u{0610}'..='\u{061A}'
            | '\u{0640}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{06D6}'..='\u{06DC}'
            | '\u{06DF}'..='\u{06E4}'
            | '\u{06E7}'
            | '\u{06E8}'
            | '\u{06EA}'..='\u{06ED}'
    )
}

/// Combining diacritics shared by Latin, Greek and Cyrillic (accents, strokes, "zalgo" marks),
/// as opposed to the vowel signs of Indic and other scripts, which are part of the letter.
pub(crate) fn is_generic_diacritic(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0483}'..='\u{0489}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Letters from Latin, Greek, Cyrillic and Armenian, whose diacritics are stripped: a search for
/// `pörn` or `samobójstwo` must match however the accents were typed.
pub(crate) fn strips_diacritics(c: char) -> bool {
    c.is_ascii()
        || matches!(c, '\u{00C0}'..='\u{058F}' | '\u{1D00}'..='\u{1FFF}' | '\u{2C60}'..='\u{2C7F}' | '\u{A640}'..='\u{A7FF}')
}

/// Whether `c` is a Latin letter (ASCII or extended). Decided on the lowercase letter, so that a
/// capital and its small letter always agree even when Unicode placed them in different blocks
/// (`Ƛ` U+A7DC and `ƛ` U+019B): otherwise a word would read as mixed-script only once lowercased,
/// and normalising twice would change it.
pub(crate) fn is_latin_letter(c: char) -> bool {
    let (lower, _) = to_lowercase(c);
    lower.is_ascii_alphabetic()
        || (matches!(
            lower,
            '\u{00C0}'..='\u{02AF}'
                | '\u{1D00}'..='\u{1DBF}'
                | '\u{1E00}'..='\u{1EFF}'
                | '\u{2C60}'..='\u{2C7F}'
                | '\u{A720}'..='\u{A7FF}'
                | '\u{AB30}'..='\u{AB6F}'
        ) && lower.is_alphabetic())
}

/// A Cyrillic, Greek or Armenian letter that looks like a Latin one, in its original case
/// (uppercase `Η` looks like `H` but lowercase `η` like `n`). Applied only to words that mix
/// scripts or that consist entirely of lookalikes, so real Russian or Greek words are left alone.
pub(crate) fn lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic capitals.
        'А' => 'a',
        'В' => 'b',
        'Е' | 'Ё' => 'e',
        'К' => 'k',
        'М' => 'm',
        'Н' => 'h',
        'О' => 'o',
        'Р' => 'p',
        'С' => 'c',
        'Т' => 't',
        'Х' => 'x',
        'У' => 'y',
        'Ѕ' => 's',
        'І' | 'Ї' => 'i',
        'Ј' => 'j',
        'Ԁ' => 'd',
        'Ԛ' => 'q',
        'Ԝ' => 'w',
        'Һ' => 'h',
        'Ӏ' => 'l',
        'Ь' => 'b',
        // Cyrillic small letters.
        'а' => 'a',
        'в' => 'b',
        'г' => 'r',
        'е' | 'ё' => 'e',
        'и' | 'й' => 'u',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'п' => 'n',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' | 'ү' => 'y',
        'х' | 'ҳ' => 'x',
        'ь' => 'b',
        'ѕ' => 's',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'һ' => 'h',
        'ӏ' => 'l',
        // Greek capitals.
        'Α' => 'a',
        'Β' => 'b',
        'Ε' => 'e',
        'Ζ' => 'z',
        'Η' => 'h',
        'Ι' => 'i',
        'Κ' => 'k',
        'Μ' => 'm',
        'Ν' => 'n',
        'Ο' => 'o',
        'Ρ' => 'p',
        'Τ' => 't',
        'Υ' => 'y',
        'Χ' => 'x',
        // Greek small letters.
        'α' => 'a',
        'β' => 'b',
        'γ' => 'y',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'μ' | 'υ' => 'u',
        'ν' => 'v',
        'ο' => 'o',
        'π' => 'n',
        'ρ' => 'p',
        'τ' => 't',
        'χ' => 'x',
        'ω' => 'w',
        'ϲ' => 'c',
        'ϳ' => 'j',
        // Armenian small letters.
        'օ' => 'o',
        'ս' => 'u',
        'ո' => 'n',
        'հ' => 'h',
        'զ' => 'q',
        'ց' => 'g',
        // A capital without its own entry reads like its small letter (`Ϳ` like `ϳ`), so that a
        // word is judged the same before and after lowercasing.
        _ => {
            return match to_lowercase(c) {
                (l, None) if l != c => lookalike(l),
                _ => None,
            };
        }
    })
}

/// Latin-script and symbol lookalikes that NFKC leaves alone: small capitals, IPA letters,
/// regional-indicator and negative circled or squared letters. These are never real words in
/// another script, so they are folded wherever they appear.
pub(crate) fn latin_variant(c: char) -> Option<char> {
    let folded = match c {
        'ᴀ' | 'ɑ' | 'ɐ' => 'a',
        'ʙ' => 'b',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' | 'ɛ' => 'e',
        'ꜰ' => 'f',
        'ɢ' | 'ɡ' => 'g',
        'ʜ' => 'h',
        'ɪ' | 'ɩ' => 'i',
        'ᴊ' => 'j',
        'ᴋ' => 'k',
        'ʟ' => 'l',
        'ᴍ' => 'm',
        'ɴ' => 'n',
        'ᴏ' | 'ɵ' => 'o',
        'ᴘ' => 'p',
        'ʀ' => 'r',
        'ꜱ' => 's',
        'ᴛ' => 't',
        'ᴜ' | 'ʋ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ʏ' => 'y',
        'ᴢ' => 'z',
        '\u{1F1E6}'..='\u{1F1FF}' => offset_letter(c, 0x1F1E6)?,
        '\u{1F150}'..='\u{1F169}' => offset_letter(c, 0x1F150)?,
        '\u{1F170}'..='\u{1F189}' => offset_letter(c, 0x1F170)?,
        _ => return None,
    };
    Some(folded)
}

/// [`latin_variant`] of `c` or of its lowercase: capital `Ɑ` lowercases to `ɑ`, which a
/// second normalisation would fold to `a`, so it is folded at once (normalising is idempotent).
pub(crate) fn latin_variant_any_case(c: char) -> Option<char> {
    latin_variant(c).or_else(|| match to_lowercase(c) {
        (l, None) if l != c => latin_variant(l),
        _ => None,
    })
}

fn offset_letter(c: char, base: u32) -> Option<char> {
    let index = u8::try_from(u32::from(c).checked_sub(base)?).ok()?;
    (index < 26).then(|| char::from(b'a' + index))
}

/// Lowercase letters that neither lowercasing nor diacritic stripping reduces to plain letters,
/// and Arabic-script letters written differently on Arabic and Urdu keyboards.
pub(crate) fn letter_variant(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŀ' => "l",
        'ſ' => "s",
        // Arabic yeh, alef maksura and hamza-on-yeh → Farsi/Urdu yeh.
        '\u{064A}' | '\u{0649}' | '\u{0626}' => "\u{06CC}",
        // Arabic kaf → keheh.
        '\u{0643}' => "\u{06A9}",
        // Urdu heh goal and Arabic ae → heh.
        '\u{06C1}' | '\u{06D5}' => "\u{0647}",
        // Alef with hamza or madda, and alef wasla → alef.
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' => "\u{0627}",
        // Waw with hamza → waw.
        '\u{0624}' => "\u{0648}",
        _ => return None,
    })
}

/// The letter a leetspeak character stands for. `1` reads as `i` here; `1` as `l` is
/// [`LEET_ONE_ALT`]. Digits are decoded only in words that also contain a Latin letter, so
/// `1488`, `2024` and `7 times table` are left alone.
pub(crate) fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' => 'i',
        '3' | '€' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        '|' => 'l',
        _ => return None,
    })
}

/// The other reading of `1`, as in `k1ll`.
pub(crate) const LEET_ONE_ALT: char = 'l';

/// Symbols that may stand for letters inside a word (`$ex`, `pr!ck`, `@ss`).
pub(crate) fn is_leet_symbol(c: char) -> bool {
    matches!(c, '@' | '$' | '!' | '|' | '€')
}

/// Apostrophes, which join a word (`don't` → `dont`) rather than split it.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '`'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_indicators_and_squares_become_letters() {
        assert_eq!(latin_variant('\u{1F1F5}'), Some('p'));
        assert_eq!(latin_variant('\u{1F17F}'), Some('p'));
        assert_eq!(latin_variant('\u{1F150}'), Some('a'));
        assert_eq!(latin_variant('x'), None);
        assert_eq!(latin_variant('\u{2C6D}'), None);
        assert_eq!(latin_variant_any_case('\u{2C6D}'), Some('a'));
        assert_eq!(latin_variant_any_case('X'), None);
    }

    #[test]
    fn lookalikes_map_to_ascii_lowercase() {
        for c in ('\u{0370}'..='\u{058F}').filter_map(lookalike) {
            assert!(c.is_ascii_lowercase(), "{c}");
        }
    }
}
