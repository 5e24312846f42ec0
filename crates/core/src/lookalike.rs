//! Lookalike hosts: internationalised names that imitate an ASCII one (`gооgle.com` with
//! Cyrillic `о`), detected with the Unicode confusables data of UTS #39.
//!
//! Only non-ASCII characters are mapped to their ASCII prototype. Mapping ASCII too (as the full
//! UTS #39 skeleton does: `m` → `rn`, `0` → `O`) would make `modern.com` a lookalike of
//! `modem.com` and over-block ordinary sites; browsers likewise only flag internationalised names.

use std::sync::OnceLock;

use crate::canon;
use crate::unicode;

include!(concat!(env!("OUT_DIR"), "/confusables.rs"));

/// Hosts with more labels or bytes than this are not examined (bounds the work per URL).
const MAX_HOST_BYTES: usize = 253;

/// The ASCII host that `host` (canonical, punycode A-labels) imitates, if it has internationalised
/// labels and every non-ASCII character in them looks like an ASCII one.
///
/// ```
/// use schoolgate_core::lookalike::imitated_host;
/// assert_eq!(imitated_host("xn--ggle-55da.com").as_deref(), Some("google.com")); // gооgle.com
/// assert_eq!(imitated_host("example.com"), None);
/// ```
pub fn imitated_host(host: &str) -> Option<String> {
    if !may_be_lookalike(host) {
        return None;
    }
    let unicode_host = unicode::domain_to_unicode(host)?;
    let mut imitation = String::with_capacity(unicode_host.len());
    for c in unicode::nfd(&unicode_host).chars() {
        if c.is_ascii() {
            imitation.push(c);
        } else if unicode::is_combining_mark(c) {
            // Accents over a Latin letter: `facébook` imitates `facebook`.
        } else {
            imitation.extend(prototype(c)?.iter().map(|&b| char::from(b)));
        }
    }
    let imitation = canon::normalize_host(&imitation).ok()?;
    (imitation != host).then_some(imitation)
}

/// Whether [`imitated_host`] could find an imitation in a canonical host: only punycode can
/// spell one. Every navigation passes here and almost no host has punycode; most have no hyphen
/// at all, which one byte search (memchr) tells.
pub(crate) fn may_be_lookalike(host: &str) -> bool {
    let bytes = host.as_bytes();
    bytes.len() <= MAX_HOST_BYTES
        && memchr::memchr(b'-', bytes).is_some()
        && bytes.windows(4).any(|w| w == b"xn--")
}

/// The lowercased ASCII prototype that the non-ASCII character `c` imitates, if it has one.
fn prototype(c: char) -> Option<&'static [u8]> {
    let table = confusables();
    let (_, prototype) = table.get(table.binary_search_by_key(&c, |&(c, _)| c).ok()?)?;
    let len = prototype
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(prototype.len());
    prototype.get(..len)
}

/// [`CONFUSABLES`] as sorted `(character, zero-padded prototype)` rows for binary search,
/// decoded on first use: only hosts with internationalised labels get this far, and the compact
/// form costs a third of the package bytes that fixed-width rows did.
fn confusables() -> &'static [(char, [u8; 4])] {
    static ROWS: OnceLock<Vec<(char, [u8; 4])>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows = Vec::with_capacity(CONFUSABLE_ROWS);
        let mut bytes = CONFUSABLES.iter().copied();
        let mut code = 0x7Fu32;
        while let Some(mut byte) = bytes.next() {
            let (mut gap, mut shift) = (0u32, 0);
            while byte & 0x80 != 0 {
                gap |= u32::from(byte & 0x7F) << shift;
                shift += 7;
                byte = bytes.next().unwrap_or(0);
            }
            code += (gap | u32::from(byte) << shift) + 1;
            let mut prototype = [0u8; 4];
            for slot in &mut prototype {
                let b = bytes.next().unwrap_or(0x80);
                *slot = b & 0x7F;
                if b & 0x80 != 0 {
                    break;
                }
            }
            if let Some(c) = char::from_u32(code) {
                rows.push((c, prototype));
            }
        }
        rows
    })
}

#[cfg(test)]
mod tests {
    use super::imitated_host;

    fn via_unicode(unicode_host: &str) -> Option<String> {
        let ascii = crate::canon::normalize_host(unicode_host).ok()?;
        imitated_host(&ascii)
    }

    #[test]
    fn cyrillic_greek_and_accented_lookalikes() {
        assert_eq!(via_unicode("gооgle.com").as_deref(), Some("google.com")); // Cyrillic о
        assert_eq!(via_unicode("fаcebook.com").as_deref(), Some("facebook.com")); // Cyrillic а
        assert_eq!(via_unicode("rοblox.com").as_deref(), Some("roblox.com")); // Greek ο
        assert_eq!(via_unicode("tіktok.com").as_deref(), Some("tiktok.com")); // Ukrainian і
        assert_eq!(via_unicode("facébook.com").as_deref(), Some("facebook.com"));
    }

    #[test]
    fn the_compact_table_answers_as_the_confusables_data_for_every_character() {
        let rows = super::confusables();
        assert_eq!(rows.len(), super::CONFUSABLE_ROWS);
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32) {
            // The rule `build.rs` applies, restated against the crate itself.
            let skeleton: String = unicode_security::skeleton(c.encode_utf8(&mut [0; 4])).collect();
            let expected = (!skeleton.is_empty()
                && skeleton.is_ascii()
                && skeleton.len() <= 4
                && !skeleton.contains('\0'))
            .then(|| skeleton.to_ascii_lowercase());
            let ours = super::prototype(c).map(|p| String::from_utf8_lossy(p).into_owned());
            assert_eq!(ours, expected, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn ascii_and_genuinely_foreign_names_are_left_alone() {
        assert_eq!(via_unicode("modern.com"), None);
        assert_eq!(via_unicode("paypa1.com"), None);
        assert_eq!(via_unicode("москва.рф"), None); // real Cyrillic words do not map to ASCII
        assert_eq!(via_unicode("中国.cn"), None);
    }
}
