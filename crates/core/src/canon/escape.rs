//! Percent-unescaping (repeated, bounded) and re-escaping, on bytes.
//!
//! Safe Browsing unescapes until nothing changes, because attackers stack encodings
//! (`%252525…`) to slip past filters that decode once. Every round that changes anything removes
//! at least two bytes, so the rounds are naturally bounded by the length; [`MAX_UNESCAPE_ROUNDS`]
//! is a second, explicit bound.

use std::borrow::Cow;

use super::MAX_UNESCAPE_ROUNDS;

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One round of percent-decoding into `out`. Returns whether any escape was decoded.
fn unescape_once(input: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut changed = false;
    let mut rest = input;
    // Runs between `%` signs are copied whole (found with memchr), not byte by byte.
    while let Some(at) = memchr::memchr(b'%', rest) {
        out.extend_from_slice(&rest[..at]);
        let hex = match (rest.get(at + 1), rest.get(at + 2)) {
            (Some(&h), Some(&l)) => hex_value(h).zip(hex_value(l)),
            _ => None,
        };
        match hex {
            Some((h, l)) => {
                out.push(h << 4 | l);
                changed = true;
                rest = &rest[at + 3..];
            }
            None => {
                out.push(b'%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.extend_from_slice(rest);
    changed
}

/// Percent-decodes `input` repeatedly until it no longer changes (at most
/// [`MAX_UNESCAPE_ROUNDS`] rounds). Borrows when there is nothing to decode (the common case).
pub(crate) fn unescape_fully(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'%') {
        return Cow::Borrowed(input);
    }
    // The first round reads the input itself; later rounds run only while a `%` is left (most
    // inputs are fully decoded by one), so a second buffer is rarely needed.
    let mut current = Vec::with_capacity(input.len());
    if !unescape_once(input, &mut current) {
        return Cow::Borrowed(input);
    }
    let mut next = Vec::new();
    for _ in 1..MAX_UNESCAPE_ROUNDS {
        if !current.contains(&b'%') || !unescape_once(&current, &mut next) {
            break;
        }
        std::mem::swap(&mut current, &mut next);
    }
    Cow::Owned(current)
}

/// Which bytes a canonical component escapes, beyond Safe Browsing's base set
/// (control bytes, space, `#`, `%` and non-ASCII).
#[derive(Clone, Copy)]
pub(crate) enum Component {
    /// Paths also escape `?` and `\`, so a decoded `%3F` cannot turn part of the path into a
    /// query, nor a decoded `%5C` into a slash, when the canonical URL is read again
    /// (canonicalisation must be idempotent).
    Path,
    /// Queries and hosts keep `?` as is.
    Query,
}

/// Which bytes each component escapes: Safe Browsing's base set (control bytes, space, `#`,
/// `%`, non-ASCII) and, for paths, `?` and `\`. A table lookup per byte instead of six comparisons:
/// every URL's path and query pass through here.
const fn escape_table(path: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b <= 0x20 || b >= 0x7f || b == b'#' as usize || b == b'%' as usize;
        b += 1;
    }
    table[b'?' as usize] = path;
    // Browsers read `\` in an http(s) path as `/`: left bare, a decoded `%5C` would split a
    // segment the next time the canonical URL is read.
    table[b'\\' as usize] = path;
    table
}
const ESCAPE_PATH: [bool; 256] = escape_table(true);
const ESCAPE_QUERY: [bool; 256] = escape_table(false);

/// Appends `input` to `out`, escaping what Safe Browsing escapes, with uppercase hex.
pub(crate) fn escape_into(input: &[u8], component: Component, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let table = match component {
        Component::Path => &ESCAPE_PATH,
        Component::Query => &ESCAPE_QUERY,
    };
    // Copy runs of bytes that need no escape in one go: most URLs have none at all.
    let mut rest = input;
    while !rest.is_empty() {
        let run = rest
            .iter()
            .position(|&b| table[usize::from(b)])
            .unwrap_or(rest.len());
        // The run holds only printable ASCII, so it is valid UTF-8.
        out.push_str(std::str::from_utf8(&rest[..run]).unwrap_or_default());
        let Some(&b) = rest.get(run) else { break };
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
        rest = &rest[run + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Just;

    fn unescape(s: &str) -> String {
        String::from_utf8_lossy(&unescape_fully(s.as_bytes())).into_owned()
    }

    #[test]
    fn stacked_escapes_are_fully_decoded() {
        assert_eq!(unescape("%25%32%35"), "%");
        assert_eq!(unescape("%2525252525252525"), "%");
        assert_eq!(unescape("asdf%25%32%35asd"), "asdf%asd");
        assert_eq!(unescape("%%%25%32%35asd%%"), "%%%asd%%");
    }

    #[test]
    fn incomplete_escapes_are_left_alone() {
        assert_eq!(unescape("%"), "%");
        assert_eq!(unescape("%4"), "%4");
        assert_eq!(unescape("%zz"), "%zz");
        assert_eq!(unescape("a%41"), "aA");
    }

    #[test]
    fn escaping_uses_uppercase_hex_and_is_component_aware() {
        let mut s = String::new();
        escape_into(b"a b#c%\x01\xff?\\", Component::Path, &mut s);
        assert_eq!(s, "a%20b%23c%25%01%FF%3F%5C");
        s.clear();
        escape_into(b"a?b", Component::Query, &mut s);
        assert_eq!(s, "a?b");
    }

    /// The byte-by-byte round the memchr version replaced: the reference it must agree with.
    fn unescape_once_bytewise(input: &[u8], out: &mut Vec<u8>) -> bool {
        out.clear();
        let mut changed = false;
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            if b == b'%' && i + 2 < input.len() {
                if let (Some(h), Some(l)) = (hex_value(input[i + 1]), hex_value(input[i + 2])) {
                    out.push(h << 4 | l);
                    i += 3;
                    changed = true;
                    continue;
                }
            }
            out.push(b);
            i += 1;
        }
        changed
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_cases::config(2000))]
        #[test]
        fn one_round_agrees_with_the_bytewise_loop(input in proptest::collection::vec(
            proptest::prop_oneof![Just(b'%'), Just(b'2'), Just(b'5'), Just(b'a'), Just(b'G'), proptest::num::u8::ANY],
            0..24,
        )) {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            let changed = unescape_once(&input, &mut fast);
            proptest::prop_assert_eq!(changed, unescape_once_bytewise(&input, &mut slow));
            proptest::prop_assert_eq!(fast, slow);
        }
    }
}
