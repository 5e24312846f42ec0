//! Punycode (RFC 3492) decoding, for [`domain_to_unicode`]: pure arithmetic, no tables, so every
//! build has it and the lookalike check works the same with tables or a provider.

use super::is_ace_label;

/// The Unicode form of a canonical host: `xn--` labels decoded from punycode (RFC 3492), other
/// labels lowercased. `None` if a label is not valid punycode or decodes to nothing but ASCII
/// (which UTS #46 forbids). Needs neither tables nor a provider.
///
/// Meant for hosts already through [`super::domain_to_ascii`]: it checks the punycode, not whether the
/// decoded label is one a browser would accept.
///
/// ```
/// use schoolgate_core::unicode::domain_to_unicode;
/// assert_eq!(domain_to_unicode("XN--BCHER-KVA.De").as_deref(), Some("bücher.de"));
/// assert_eq!(domain_to_unicode("xn--abc-"), None);
/// ```
pub fn domain_to_unicode(domain: &str) -> Option<String> {
    let mut out = String::with_capacity(domain.len());
    for (i, label) in domain.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if is_ace_label(label) {
            let decoded = decode(&label[4..].to_ascii_lowercase())?;
            if decoded.is_empty() || decoded.is_ascii() {
                return None;
            }
            out.push_str(&decoded);
        } else {
            // Character by character, as UTS #46 maps case (no final-sigma rule), and without
            // `str::to_lowercase`'s tables in the WebAssembly package.
            for c in label.chars() {
                let (lower, more) = super::to_lowercase(c);
                out.push(lower);
                out.extend(more);
            }
        }
    }
    Some(out)
}

/// RFC 3492's parameters for IDNA.
const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

/// RFC 3492 section 6.2 decoding, with every step checked for overflow instead of relying on
/// integer widths; `None` for malformed input. Basic code points keep their case.
fn decode(input: &str) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    // Basic code points are everything before the last delimiter, if there is one.
    let (basic, extended) = match input.rfind('-') {
        Some(delimiter) => (&input[..delimiter], &input[delimiter + 1..]),
        None => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = extended.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let digit = punycode_digit(digits.next()?)?;
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let threshold = k.saturating_sub(bias).clamp(T_MIN, T_MAX);
            if digit < threshold {
                break;
            }
            weight = weight.checked_mul(BASE - threshold)?;
            k = k.checked_add(BASE)?;
        }
        let length = u32::try_from(output.len()).ok()?.checked_add(1)?;
        bias = adapt_bias(i - old_i, length, old_i == 0);
        n = n.checked_add(i / length)?;
        i %= length;
        // `from_u32` refuses surrogates and anything past U+10FFFF.
        output.insert(usize::try_from(i).ok()?, char::from_u32(n)?);
        i += 1;
    }
    Some(output.into_iter().collect())
}

fn punycode_digit(byte: u8) -> Option<u32> {
    match byte {
        b'a'..=b'z' => Some(u32::from(byte - b'a')),
        b'A'..=b'Z' => Some(u32::from(byte - b'A')),
        b'0'..=b'9' => Some(u32::from(byte - b'0') + 26),
        _ => None,
    }
}

/// RFC 3492 section 6.1.
fn adapt_bias(delta: u32, length: u32, first_time: bool) -> u32 {
    let mut delta = if first_time { delta / DAMP } else { delta / 2 };
    delta += delta / length;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_rfc_3492_samples() {
        for (encoded, decoded) in [
            ("egbpdaj6bu4bxfgehfvwxn", "ليهمابتكلموشعربي؟"),
            ("ihqwcrb4cv8a8dqg056pqjye", "他们为什么不说中文"),
            (
                "b1abfaaepdrnnbgefbadotcwatmq2g4l",
                "почемужеонинеговорятпорусски",
            ),
            ("3B-ww4c5e180e575a65lsy2b", "3年B組金八先生"),
            (
                "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n",
                "安室奈美恵-with-SUPER-MONKEYS",
            ),
            ("bcher-kva", "bücher"),
        ] {
            assert_eq!(decode(encoded).as_deref(), Some(decoded), "{encoded}");
        }
        // A bad digit, an overflow, an unfinished number, a non-ASCII input.
        for malformed in ["a!", "99999999999999", "a-b", "ü"] {
            assert_eq!(decode(malformed), None, "{malformed}");
        }
    }

    #[cfg(feature = "unicode-tables")]
    proptest::proptest! {
        #![proptest_config(crate::proptest_cases::config(2000))]

        /// Punycode decoding here agrees with idna on every host idna produces.
        #[test]
        fn domain_to_unicode_agrees_with_idna(domain in "[a-zA-Z0-9\u{e0}-\u{24f}\u{391}-\u{3c9}\u{410}-\u{44f}\u{4e00}-\u{4e80}\u{1f600}-\u{1f640}-]{1,12}(\\.[a-z\u{e0}-\u{ff}\u{5d0}-\u{5ea}]{1,8}){0,2}") {
            if let Ok(ascii) = idna::domain_to_ascii_cow(domain.as_bytes(), idna::AsciiDenyList::URL) {
                let (unicode, result) = idna::domain_to_unicode(&ascii);
                proptest::prop_assert!(result.is_ok());
                proptest::prop_assert_eq!(domain_to_unicode(&ascii), Some(unicode));
            }
        }

        /// On arbitrary `xn--` labels we never refuse what idna accepts, and agree when it does.
        #[test]
        fn punycode_never_stricter_than_idna(label in "(xn|XN)--[a-zA-Z0-9]{0,12}(-[a-z0-9]{0,8})?") {
            let (unicode, result) = idna::domain_to_unicode(&label);
            if result.is_ok() {
                proptest::prop_assert_eq!(domain_to_unicode(&label), Some(unicode));
            }
        }
    }
}
