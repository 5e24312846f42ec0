//! Lookalike hosts: internationalised names that imitate an ASCII one (`gооgle.com` with
//! Cyrillic `о`), detected with the Unicode confusables data of UTS #39.
//!
//! Only non-ASCII characters are mapped to their ASCII prototype. Mapping ASCII too (as the full
//! UTS #39 skeleton does: `m` → `rn`, `0` → `O`) would make `modern.com` a lookalike of
//! `modem.com` and over-block ordinary sites; browsers likewise only flag internationalised names.

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
    // Every navigation passes here and almost no host has punycode; most have no hyphen at all,
    // which one byte search (memchr) tells.
    let punycode = |h: &[u8]| h.windows(4).any(|w| w == b"xn--");
    let bytes = host.as_bytes();
    if bytes.len() > MAX_HOST_BYTES || memchr::memchr(b'-', bytes).is_none() || !punycode(bytes) {
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
            let row = CONFUSABLE_CHARS.binary_search(&c).ok()?;
            let prototype = CONFUSABLE_PROTOTYPES.get(row)?;
            imitation.extend(
                prototype
                    .iter()
                    .take_while(|&&b| b != 0)
                    .map(|&b| char::from(b)),
            );
        }
    }
    let imitation = canon::normalize_host(&imitation).ok()?;
    (imitation != host).then_some(imitation)
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
    fn the_generated_table_is_sorted_and_plausible() {
        use super::{CONFUSABLE_CHARS, CONFUSABLE_PROTOTYPES};
        assert!(CONFUSABLE_CHARS.windows(2).all(|w| w[0] < w[1]));
        assert!(CONFUSABLE_CHARS.len() > 500, "{}", CONFUSABLE_CHARS.len());
        assert!(CONFUSABLE_CHARS.iter().all(|c| !c.is_ascii()));
        assert!(CONFUSABLE_PROTOTYPES.iter().all(|p| p[0] != 0
            && p.is_ascii()
            && p.iter().skip_while(|&&b| b != 0).all(|&b| b == 0)));
    }

    #[test]
    fn ascii_and_genuinely_foreign_names_are_left_alone() {
        assert_eq!(via_unicode("modern.com"), None);
        assert_eq!(via_unicode("paypa1.com"), None);
        assert_eq!(via_unicode("москва.рф"), None); // real Cyrillic words do not map to ASCII
        assert_eq!(via_unicode("中国.cn"), None);
    }
}
