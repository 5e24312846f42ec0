//! Host normalisation: one spelling per host, so that no encoding trick changes which host is judged.
//!
//! Order matters and follows the WHATWG URL Standard's host parser, with Safe Browsing's extra
//! steps where the two differ (see the crate-level table in [`super`]):
//! 1. percent-decode repeatedly (WHATWG decodes once; stacked encodings are an evasion trick);
//! 2. IPv6 literals in brackets; IPv4-mapped IPv6 (`[::ffff:7f00:1]`) and NAT64 addresses of the
//!    well-known prefix (`[64:ff9b::7f00:1]`, RFC 6052) become the plain IPv4 address they reach,
//!    so a list entry or an address rule for that IPv4 address applies whichever way it is spelt;
//! 3. IDNA (UTS #46, as browsers do): fullwidth letters, ideographic full stops and soft hyphens
//!    are mapped, labels become punycode A-labels, forbidden code points are rejected (through
//!    [`crate::unicode`]; a build that can read no Unicode rejects every internationalised host,
//!    so the URL is blocked as unparseable rather than judged as an unknown site);
//! 4. leading, trailing and repeated dots are dropped (WHATWG keeps them; Safe Browsing drops);
//! 5. a host that ends in a number is an IPv4 address in any spelling WHATWG accepts
//!    (decimal, octal, hex, fewer than four parts) and is written as dotted decimal.

use std::borrow::Cow;
use std::net::Ipv6Addr;

use super::escape::unescape_fully;
use super::CanonError;
use crate::unicode::{self, DomainError};

/// Hosts longer than this (after decoding) are rejected before any Unicode processing, and
/// again after it (punycode is longer than the Unicode it spells).
pub const MAX_HOST_BYTES: usize = 1024;

/// Normalises a host as written in a URL's authority (still percent-encoded).
pub(crate) fn normalize_host_bytes(raw: &[u8]) -> Result<String, CanonError> {
    normalize_host(raw).map(Cow::into_owned)
}

/// As [`normalize_host_bytes`], borrowing the host when it is already canonical: plain and
/// lowercase, as nearly every host a browser sends is. Such a host costs one pass over its bytes
/// and no copy.
pub(crate) fn normalize_host(raw: &[u8]) -> Result<Cow<'_, str>, CanonError> {
    normalize_scanned(raw, plain_host(raw))
}

/// [`normalize_host`] for a host whose bytes were already scanned: `plain` is what
/// [`HostScan::finish`] said of `raw`.
#[inline]
pub(super) fn normalize_scanned<'a>(
    raw: &'a [u8],
    plain: Plain<'a>,
) -> Result<Cow<'a, str>, CanonError> {
    match plain {
        Plain::Canonical(host) => Ok(Cow::Borrowed(host)),
        Plain::Uppercase(host) => Ok(Cow::Owned(host.to_ascii_lowercase())),
        Plain::No => normalize_general(raw).map(Cow::Owned),
    }
}

/// Every step of the module docs, for any host.
// Out of line: few hosts come here, and inlined it would keep the plain route, which nearly every
// navigation takes, from being inlined into the URL's scan.
#[inline(never)]
fn normalize_general(raw: &[u8]) -> Result<String, CanonError> {
    if raw.len() > MAX_HOST_BYTES * 3 {
        return Err(invalid("host is too long"));
    }
    let decoded = unescape_fully(raw);
    if decoded.len() > MAX_HOST_BYTES {
        return Err(invalid("host is too long"));
    }
    if decoded.first() == Some(&b'[') {
        return ipv6_host(&decoded);
    }
    let ascii = to_ascii(&decoded)?;
    // Punycode can be several times longer than the Unicode it spells: without this the
    // canonical host would be one that canonicalising again refuses (found by fuzz/ canon).
    if ascii.len() > MAX_HOST_BYTES {
        return Err(invalid("host is too long"));
    }
    let host = if has_stray_dots(&ascii) {
        collapse_dots(&ascii)
    } else if ascii.is_empty() || ends_in_number(&ascii) {
        ascii.clone()
    } else {
        // The common case: nothing to collapse and not an address.
        return Ok(ascii);
    };
    if host.is_empty() {
        return Err(invalid("empty host"));
    }
    // Parse the form before dots were collapsed, as browsers do (`1..2.3` is not an address).
    // Decide on the collapsed form, so the canonical host reads back as itself: a name like
    // `foo.09..`, which WHATWG keeps as a name only thanks to its trailing dots, is rejected.
    if ends_in_number(&host) {
        let trimmed = ascii.strip_suffix('.').unwrap_or(&ascii);
        return parse_ipv4(trimmed)
            .map(format_ipv4)
            .ok_or_else(|| invalid(&format!("`{trimmed}` is not a valid IPv4 address")));
    }
    Ok(host)
}

/// What one pass over a host's bytes found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Plain<'a> {
    /// Plain and lowercase: already canonical.
    Canonical(&'a str),
    /// Plain, with uppercase letters: canonical once lowercased.
    Uppercase(&'a str),
    /// Anything else takes the general route.
    No,
}

/// Nearly every host is already plain: letters, digits, `-` and `_` in labels separated by single
/// dots, no escapes, no punycode, not an address. One pass over the bytes finds out, and such a
/// host needs at most lowercasing; the general route below gives the same result for it, after
/// decoding, IDNA checks, dot and number tests that each walk the bytes again.
fn plain_host(raw: &[u8]) -> Plain<'_> {
    if raw.len() > MAX_HOST_BYTES {
        return Plain::No;
    }
    let mut scan = HostScan::START;
    for (i, &b) in raw.iter().enumerate() {
        scan.step(BYTE_CLASS[usize::from(b)], raw, i);
        if !scan.plain {
            return Plain::No;
        }
    }
    scan.finish(raw)
}

/// The state of one pass over a host's bytes, deciding whether it is plain: [`plain_host`]'s
/// pass, and the authority scan's (`split.rs`), which reads the host as it looks for the
/// authority's end and so feeds it byte by byte.
#[derive(Debug, Clone, Copy)]
pub(super) struct HostScan {
    /// Only plain bytes so far.
    plain: bool,
    /// Some letter is uppercase.
    uppercase: bool,
    /// The last byte was a dot (or nothing was read yet: a leading dot is a repeated one).
    after_dot: bool,
    /// Where the last label starts.
    last_label: usize,
}

impl HostScan {
    /// Before the host's first byte.
    pub(super) const START: HostScan = HostScan {
        plain: true,
        uppercase: false,
        after_dot: true,
        last_label: 0,
    };

    /// Reads the byte at `i` of `host`, of class `class` in [`BYTE_CLASS`]. A scan that knows
    /// the class already calls the method for it.
    #[inline]
    fn step(&mut self, class: u8, host: &[u8], i: usize) {
        match class {
            LABEL => self.label(),
            UPPER => self.upper(),
            DOT => self.dot(i),
            HYPHEN => self.hyphen(host.get(..i).unwrap_or_default()),
            _ => self.other(),
        }
    }

    /// A letter, digit or `_` (or a run of them).
    #[inline]
    pub(super) fn label(&mut self) {
        self.after_dot = false;
    }

    /// An uppercase letter.
    #[inline]
    pub(super) fn upper(&mut self) {
        self.after_dot = false;
        self.uppercase = true;
    }

    /// A dot at `i`: a second one in a row (or one at the start) makes the host not plain.
    #[inline]
    pub(super) fn dot(&mut self, i: usize) {
        self.plain &= !self.after_dot;
        self.after_dot = true;
        self.last_label = i + 1;
    }

    /// A hyphen after the bytes `before`: `xn--` anywhere sends the host to the general route,
    /// as its own test does.
    #[inline]
    pub(super) fn hyphen(&mut self, before: &[u8]) {
        self.plain &= !xn_before(before);
        self.after_dot = false;
    }

    /// Any byte a plain host does not have.
    #[inline]
    pub(super) fn other(&mut self) {
        self.plain = false;
    }

    /// The verdict on `host`, the bytes that were read.
    #[inline]
    pub(super) fn finish(self, host: &[u8]) -> Plain<'_> {
        // Empty, a trailing dot, too long, or an address.
        if !self.plain
            || self.after_dot
            || host.len() > MAX_HOST_BYTES
            || label_is_number(host.get(self.last_label..).unwrap_or_default())
        {
            return Plain::No;
        }
        // Only ASCII is plain, so this never fails.
        match std::str::from_utf8(host) {
            Ok(host) if self.uppercase => Plain::Uppercase(host),
            Ok(host) => Plain::Canonical(host),
            Err(_) => Plain::No,
        }
    }
}

/// Byte classes of plain hosts: letters, digits and `_` in labels, `.` between them, and `-`,
/// which needs a look back for `xn--`. Everything else (escapes, Unicode, `[`) is `OTHER`.
/// Classes from 8 up are free for a scan that reads more than the host (`split.rs`).
pub(super) const OTHER: u8 = 0;
pub(super) const LABEL: u8 = 1;
pub(super) const DOT: u8 = 2;
pub(super) const HYPHEN: u8 = 3;
pub(super) const UPPER: u8 = 4;
pub(super) const BYTE_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_uppercase() {
            table[b] = UPPER;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            table[b] = LABEL;
        }
        b += 1;
    }
    table[b'.' as usize] = DOT;
    table[b'-' as usize] = HYPHEN;
    table
};

/// Whether `before` (the bytes before a hyphen) ends in `xn-`, in any case.
fn xn_before(before: &[u8]) -> bool {
    before.len() >= 3 && before[before.len() - 3..].eq_ignore_ascii_case(b"xn-")
}

/// The plain route's answer, lowercased, for tests.
#[cfg(test)]
fn plain_host_lowercased(raw: &[u8]) -> Option<String> {
    match plain_host(raw) {
        Plain::Canonical(host) => Some(host.to_string()),
        Plain::Uppercase(host) => Some(host.to_ascii_lowercase()),
        Plain::No => None,
    }
}

fn invalid(why: &str) -> CanonError {
    CanonError::InvalidHost(why.to_string())
}

/// Lowercase ASCII, taking the fast path for plain LDH hosts and IDNA for everything else.
fn to_ascii(decoded: &[u8]) -> Result<String, CanonError> {
    let plain = decoded
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    let has_punycode = decoded
        .windows(4)
        .any(|w| w[2] == b'-' && w.eq_ignore_ascii_case(b"xn--"));
    if plain && !has_punycode {
        // Plain LDH bytes are ASCII, so this is one allocation and no UTF-8 work.
        // Plain bytes are ASCII, so the conversion never fails and never copies again.
        return Ok(String::from_utf8(decoded.to_ascii_lowercase()).unwrap_or_default());
    }
    let Ok(text) = std::str::from_utf8(decoded) else {
        return Err(invalid("host is not valid UTF-8"));
    };
    match unicode::domain_to_ascii(text) {
        Ok(ascii) => Ok(ascii.into_owned()),
        Err(DomainError::Invalid) => Err(invalid(&format!(
            "`{text}` is not a valid internationalised host name"
        ))),
        Err(why @ DomainError::Unavailable) => Err(invalid(&format!("`{text}` is {why}"))),
    }
}

fn has_stray_dots(host: &str) -> bool {
    let b = host.as_bytes();
    b.first() == Some(&b'.') || b.last() == Some(&b'.') || b.windows(2).any(|w| w == b"..")
}

fn collapse_dots(host: &str) -> String {
    let mut out = String::with_capacity(host.len());
    for label in host.split('.').filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(label);
    }
    out
}

/// WHATWG's "ends in a number" test: the last label is all digits, or `0x` and hex digits.
fn ends_in_number(host: &str) -> bool {
    ends_in_number_bytes(host.as_bytes())
}

/// [`ends_in_number`] on bytes (ASCII case does not matter to it).
fn ends_in_number_bytes(bytes: &[u8]) -> bool {
    let last = match bytes.iter().rposition(|&b| b == b'.') {
        Some(dot) => &bytes[dot + 1..],
        None => bytes,
    };
    label_is_number(last)
}

/// Whether one label is all digits, or `0x` and hex digits.
fn label_is_number(label: &[u8]) -> bool {
    if !label.is_empty() && label.iter().all(u8::is_ascii_digit) {
        return true;
    }
    match label {
        [b'0', b'x' | b'X', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

fn parse_ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (h, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        return Some(0);
    }
    let mut value: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(d))?;
        if value > u64::from(u32::MAX) {
            return None;
        }
    }
    Some(value)
}

/// WHATWG IPv4 parser: up to four parts, each decimal, octal (leading 0) or hex (0x); the last
/// part fills the remaining bytes.
fn parse_ipv4(host: &str) -> Option<u32> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let numbers: Vec<u64> = parts
        .iter()
        .map(|p| parse_ipv4_number(p))
        .collect::<Option<_>>()?;
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) {
        return None;
    }
    let free_bytes = 5 - numbers.len() as u32;
    if *last >= 256u64.pow(free_bytes) {
        return None;
    }
    let mut address = *last;
    for (i, &n) in init.iter().enumerate() {
        address += n << (8 * (3 - i as u32));
    }
    u32::try_from(address).ok()
}

fn format_ipv4(address: u32) -> String {
    let [a, b, c, d] = address.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

fn ipv6_host(decoded: &[u8]) -> Result<String, CanonError> {
    let inner = decoded
        .strip_prefix(b"[")
        .and_then(|r| r.strip_suffix(b"]"))
        .ok_or_else(|| invalid("unterminated IPv6 address"))?;
    let text = std::str::from_utf8(inner).map_err(|_| invalid("IPv6 address is not ASCII"))?;
    let address: Ipv6Addr = text
        .parse()
        .map_err(|_| invalid(&format!("`{text}` is not a valid IPv6 address")))?;
    if let Some(v4) = address.to_ipv4_mapped().or_else(|| nat64_ipv4(address)) {
        return Ok(v4.to_string());
    }
    Ok(format!("[{}]", format_ipv6(address)))
}

/// The IPv4 address a NAT64 address of the well-known prefix `64:ff9b::/96` (RFC 6052) reaches:
/// on a NAT64 network (common on IPv6-only mobile and school networks) it is that host.
fn nat64_ipv4(address: Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let [a, b, c, d, e, f, g, h] = address.segments();
    if [a, b, c, d, e, f] != [0x64, 0xff9b, 0, 0, 0, 0] {
        return None;
    }
    let [g1, g2] = g.to_be_bytes();
    let [h1, h2] = h.to_be_bytes();
    Some(std::net::Ipv4Addr::new(g1, g2, h1, h2))
}

/// RFC 5952 / WHATWG serialisation: lowercase hex, longest run of two or more zero groups as `::`.
/// (std's `Display` writes embedded IPv4 for some ranges, which WHATWG never does.)
fn format_ipv6(address: Ipv6Addr) -> String {
    let segments = address.segments();
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < 8 {
        if segments[i] == 0 {
            let start = i;
            while i < 8 && segments[i] == 0 {
                i += 1;
            }
            let len = i - start;
            if len >= 2 && best.is_none_or(|(_, l)| len > l) {
                best = Some((start, len));
            }
        } else {
            i += 1;
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if let Some((start, len)) = best {
            if i == start {
                out.push_str("::");
                i += len;
                continue;
            }
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        out.push_str(&format!("{:x}", segments[i]));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> String {
        normalize_host_bytes(s.as_bytes()).unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn ipv4_in_every_spelling() {
        for spelling in [
            "3279880203",
            "0xc37f000b",
            "0XC3.0x7f.0.013",
            "195.127.11",
            "195.8323083",
            "0303.0177.0.013",
            "195.127.0.11.",
            "%31%39%35.127.0.11",
        ] {
            assert_eq!(host(spelling), "195.127.0.11", "{spelling}");
        }
        assert!(host("256.1.1.1").starts_with("ERR"));
        assert!(host("1.2.3.4.5").starts_with("ERR"));
        assert!(host("09.1.1.1").starts_with("ERR"));
        assert!(host("99999999999999999999").starts_with("ERR"));
        assert_eq!(host("1.2.3.example"), "1.2.3.example");
    }

    #[test]
    fn ipv6_and_mapped_ipv4() {
        assert_eq!(host("[::ffff:c37f:b]"), "195.127.0.11");
        assert_eq!(host("[::FFFF:195.127.0.11]"), "195.127.0.11");
        assert_eq!(host("[64:ff9b::c37f:b]"), "195.127.0.11");
        assert_eq!(host("[64:FF9B:0:0:0:0:195.127.0.11]"), "195.127.0.11");
        // Only the well-known /96 prefix embeds the address at the end.
        assert_eq!(host("[64:ff9b:1::c37f:b]"), "[64:ff9b:1::c37f:b]");
        assert_eq!(host("[2001:DB8:0:0:0:0:0:1]"), "[2001:db8::1]");
        assert_eq!(host("[::1]"), "[::1]");
        assert!(host("[::1").starts_with("ERR"));
        assert!(host("[zz::]").starts_with("ERR"));
    }

    #[test]
    fn dots_case_and_unicode() {
        assert_eq!(host("..WWW.Example..COM..."), "www.example.com");
        assert_eq!(host("ｅｘａｍｐｌｅ。ｃｏｍ"), "example.com");
        assert_eq!(host("exam\u{00AD}ple.com"), "example.com");
        assert_eq!(host("bücher.de"), "xn--bcher-kva.de");
        assert_eq!(host("XN--BCHER-KVA.de"), "xn--bcher-kva.de");
        assert!(host("a b.com").starts_with("ERR"));
        assert!(host("a%40b.com").starts_with("ERR"));
        assert!(host("...").starts_with("ERR"));
        assert!(host("\u{FFFF}\u{0}").starts_with("ERR"));
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_cases::config(2000))]
        /// The one-pass route for plain hosts agrees with the general one wherever it answers.
        #[test]
        fn plain_route_agrees_with_the_general_one(raw in "[a-zA-Z0-9._%-]{0,24}|(xn--|XN--)?[a-z0-9.-]{0,12}(\\.[0-9]{1,3}|\\.0x[0-9a-f]{1,4})?") {
            if let Some(fast) = plain_host_lowercased(raw.as_bytes()) {
                proptest::prop_assert_eq!(Ok(fast), normalize_general(raw.as_bytes()));
            }
        }
    }

    #[test]
    fn plain_route_leaves_everything_unusual_to_the_general_one() {
        for raw in [
            "",
            ".",
            "a..b",
            ".a",
            "a.",
            "xn--bcher-kva.de",
            "abXN--c.com",
            "1.2.3.4",
            "a.0x1f",
            "a%41.com",
            "b\u{fc}cher.de",
            "[::1]",
            "a b",
        ] {
            assert_eq!(plain_host_lowercased(raw.as_bytes()), None, "{raw}");
        }
        assert_eq!(
            plain_host_lowercased(b"WWW.Example.COM").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            plain_host_lowercased(b"1.2.3.example").as_deref(),
            Some("1.2.3.example")
        );
    }
}
