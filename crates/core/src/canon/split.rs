//! A web URL split at its authority, host first: what a navigation's verdict needs before
//! anything else.
//!
//! Most verdicts are settled by the host alone (no list has paths under it, and it is not a
//! search engine or a wrapper), so [`split`] normalises the host and port and leaves the path and
//! query as written; [`WebParts::complete`] canonicalises them when they are needed. Splitting
//! then completing gives exactly what [`super::parse`] gives, which is defined that way.

use std::borrow::Cow;

use super::escape::{self, Component};
use super::host::{self, HostScan, Plain};
use super::{path, strip_tabs_newlines, CanonError, CanonicalUrl, MAX_URL_BYTES};

/// A web URL whose host and port are canonical and whose path and query are not read yet.
#[derive(Debug)]
pub struct WebParts<'a> {
    scheme: &'static str,
    /// The canonical host, borrowed from the input when it was written canonically.
    host: Cow<'a, str>,
    /// Whether the host was plain as written (letters, digits, `-`, `_` and single dots, no
    /// punycode), so it had no decoding or IDNA to go through.
    plain: bool,
    port: Option<u16>,
    /// Everything after the authority as written (path, query, fragment; tabs and newlines
    /// still in it unless they came before the authority's end).
    after_authority: Cow<'a, [u8]>,
}

impl WebParts<'_> {
    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// The canonical host, as [`CanonicalUrl::host`] will give it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether the host was written plainly: letters, digits, `-` and `_` in labels between
    /// single dots, no `xn--` label, no escapes, not an address. Such a host is its own
    /// canonical form but for case, and cannot spell a lookalike of another.
    pub fn host_is_plain(&self) -> bool {
        self.plain
    }

    /// Canonicalises the path and query: the same URL [`super::parse`] gives for the input.
    pub fn complete(self) -> CanonicalUrl {
        let WebParts {
            scheme,
            host,
            port,
            after_authority,
            ..
        } = self;
        let cleaned = strip_tabs_newlines(&after_authority);
        let without_fragment = match memchr::memchr(b'#', &cleaned) {
            Some(i) => &cleaned[..i],
            None => &cleaned[..],
        };
        let (raw_path, raw_query) = match memchr::memchr(b'?', without_fragment) {
            Some(i) => (&without_fragment[..i], Some(&without_fragment[i + 1..])),
            None => (without_fragment, None),
        };
        // One allocation for the whole URL: room for the path and the query twice, unless
        // escaping grows them.
        let room = host.len() + raw_path.len().max(1) + 2 * raw_query.map_or(0, <[u8]>::len);
        let mut text = String::with_capacity(room);
        text.push_str(&host);
        let host_end = text.len();
        path::canonical_path_into(raw_path, &mut text);
        let path_end = text.len();
        let query_end = raw_query.map(|q| {
            escape::escape_into(&escape::unescape_fully(q), Component::Query, &mut text);
            text.len()
        });
        // Most queries are already canonical; keep a second copy only when the two differ.
        let canonical_query = query_end.and_then(|end| text.get(path_end..end));
        let raw_query_end = match (raw_query, canonical_query) {
            (Some(raw), Some(canonical)) if raw != canonical.as_bytes() => {
                // Nearly always UTF-8: checked at once, replaced only when it is not.
                match std::str::from_utf8(raw) {
                    Ok(raw) => text.push_str(raw),
                    Err(_) => text.push_str(&String::from_utf8_lossy(raw)),
                }
                Some(text.len())
            }
            _ => None,
        };
        CanonicalUrl {
            scheme,
            text,
            host_end,
            path_end,
            query_end,
            raw_query_end,
            port,
        }
    }
}

/// Splits a web URL (`rest` is what follows `scheme:`) and canonicalises its host and port.
pub(super) fn split_web<'a>(
    scheme: &'static str,
    rest: &'a [u8],
    input_len: usize,
) -> Result<WebParts<'a>, CanonError> {
    if input_len > MAX_URL_BYTES {
        return Err(CanonError::TooLong {
            len: input_len,
            max: MAX_URL_BYTES,
        });
    }
    if let Some(authority) = Authority::find(rest) {
        let after = Cow::Borrowed(&rest[authority.end..]);
        return with_host(scheme, rest, &authority, after);
    }
    // A tab or newline before the authority's end: browsers remove them first, and so do we.
    let cleaned = strip_tabs_newlines(rest);
    match Authority::find(&cleaned) {
        Some(authority) => {
            let after = Cow::Owned(cleaned[authority.end..].to_vec());
            with_host(scheme, &cleaned, &authority, after).map(WebParts::into_owned)
        }
        // Unreachable: nothing is left to remove. Fail closed all the same.
        None => Err(CanonError::InvalidHost("unreadable authority".into())),
    }
}

/// Where a URL's authority and its host are, and whether the host is plain, found in one pass
/// over the bytes the host needs, not over the whole URL.
struct Authority {
    /// Where the host starts: after any run of `/` and `\`, and after the last `@`.
    host_start: usize,
    /// The first `:` after `host_start`, if any (the port's, unless the host is an IPv6 literal).
    colon: Option<usize>,
    /// Where the authority ends: at the first `/`, `\`, `?` or `#`, or at the end.
    end: usize,
    /// What the pass saw of the host's bytes (up to the colon).
    host: HostScan,
}

impl Authority {
    /// The authority in `rest` (what follows `scheme:`), or `None` if a tab or newline comes
    /// before its end.
    fn find(rest: &[u8]) -> Option<Authority> {
        let mut start = 0;
        for &b in rest {
            match b {
                b'/' | b'\\' => start += 1,
                b'\t' | b'\n' | b'\r' => return None,
                _ => break,
            }
        }
        let mut found = Authority {
            host_start: start,
            colon: None,
            end: rest.len(),
            host: HostScan::START,
        };
        // The host's scan goes on past a colon (it is cheaper than testing for one at every
        // byte); the scan as it was at the colon is what counts.
        let mut scan = HostScan::START;
        let mut i = start;
        while i < rest.len() {
            // Most bytes are lowercase letters and digits: skipped in a loop of their own.
            let run = i;
            while rest
                .get(i)
                .is_some_and(|&b| AUTHORITY_CLASS[usize::from(b)] == host::LABEL)
            {
                i += 1;
            }
            if i > run {
                scan.label();
            }
            let Some(&b) = rest.get(i) else { break };
            match AUTHORITY_CLASS[usize::from(b)] {
                AT => {
                    found.host_start = i + 1;
                    found.colon = None;
                    scan = HostScan::START;
                }
                COLON => {
                    if found.colon.is_none() {
                        found.colon = Some(i);
                        found.host = scan;
                    }
                }
                ENDS_AUTHORITY => {
                    found.end = i;
                    if found.colon.is_none() {
                        found.host = scan;
                    }
                    return Some(found);
                }
                TAB_OR_NEWLINE => return None,
                host::UPPER => scan.upper(),
                host::DOT => scan.dot(i - found.host_start),
                host::HYPHEN => scan.hyphen(rest.get(found.host_start..i).unwrap_or_default()),
                _ => scan.other(),
            }
            i += 1;
        }
        if found.colon.is_none() {
            found.host = scan;
        }
        Some(found)
    }
}

// The authority's own bytes, in classes `host::BYTE_CLASS` leaves free.
const AT: u8 = 8;
const COLON: u8 = 9;
const ENDS_AUTHORITY: u8 = 10;
const TAB_OR_NEWLINE: u8 = 11;
/// What each byte means to [`Authority::find`]: a host's byte classes, and the bytes that
/// delimit the host inside the authority. One table lookup per byte.
const AUTHORITY_CLASS: [u8; 256] = {
    let mut table = host::BYTE_CLASS;
    table[b'@' as usize] = AT;
    table[b':' as usize] = COLON;
    table[b'/' as usize] = ENDS_AUTHORITY;
    table[b'\\' as usize] = ENDS_AUTHORITY;
    table[b'?' as usize] = ENDS_AUTHORITY;
    table[b'#' as usize] = ENDS_AUTHORITY;
    table[b'\t' as usize] = TAB_OR_NEWLINE;
    table[b'\n' as usize] = TAB_OR_NEWLINE;
    table[b'\r' as usize] = TAB_OR_NEWLINE;
    table
};

/// Normalises the authority's host and port (userinfo before the last `@` is ignored).
fn with_host<'a>(
    scheme: &'static str,
    rest: &'a [u8],
    authority: &Authority,
    after_authority: Cow<'a, [u8]>,
) -> Result<WebParts<'a>, CanonError> {
    let host_and_port = &rest[authority.host_start..authority.end];
    let (raw_host, raw_port) = match authority.colon {
        // IPv6 literals have colons of their own.
        _ if host_and_port.first() == Some(&b'[') => split_port(host_and_port)?,
        Some(colon) => (
            &rest[authority.host_start..colon],
            Some(&rest[colon + 1..authority.end]),
        ),
        None => (host_and_port, None),
    };
    if raw_host.is_empty() {
        return Err(CanonError::InvalidHost("missing host".into()));
    }
    let scanned = authority.host.finish(raw_host);
    let plain = !matches!(scanned, Plain::No);
    let host = host::normalize_scanned(raw_host, scanned)?;
    let port = parse_port(raw_port, scheme)?;
    Ok(WebParts {
        scheme,
        host,
        plain,
        port,
        after_authority,
    })
}

impl WebParts<'_> {
    /// The same parts, borrowing nothing: for parts read from a copy of the input.
    fn into_owned(self) -> WebParts<'static> {
        WebParts {
            scheme: self.scheme,
            host: Cow::Owned(self.host.into_owned()),
            plain: self.plain,
            port: self.port,
            after_authority: Cow::Owned(self.after_authority.into_owned()),
        }
    }
}

/// Splits `host:port`, keeping IPv6 brackets together.
fn split_port(host_and_port: &[u8]) -> Result<(&[u8], Option<&[u8]>), CanonError> {
    let search_from = if host_and_port.first() == Some(&b'[') {
        match host_and_port.iter().position(|&b| b == b']') {
            Some(close) => close + 1,
            None => return Err(CanonError::InvalidHost("unterminated IPv6 address".into())),
        }
    } else {
        0
    };
    match host_and_port[search_from..].iter().position(|&b| b == b':') {
        Some(i) => {
            let colon = search_from + i;
            if search_from > 0 && colon != search_from {
                return Err(CanonError::InvalidHost("text after IPv6 address".into()));
            }
            Ok((&host_and_port[..colon], Some(&host_and_port[colon + 1..])))
        }
        None if search_from > 0 && search_from != host_and_port.len() => {
            Err(CanonError::InvalidHost("text after IPv6 address".into()))
        }
        None => Ok((host_and_port, None)),
    }
}

fn parse_port(raw: Option<&[u8]>, scheme: &str) -> Result<Option<u16>, CanonError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let bad =
        || CanonError::InvalidPort(String::from_utf8_lossy(&raw[..raw.len().min(40)]).into_owned());
    if !raw.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let significant = &raw[raw.iter().position(|&b| b != b'0').unwrap_or(raw.len())..];
    if significant.len() > 5 {
        return Err(bad());
    }
    let value = significant
        .iter()
        .fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
    let port = u16::try_from(value).map_err(|_| bad())?;
    let default = if scheme == "https" { 443 } else { 80 };
    Ok((port != default).then_some(port))
}

#[cfg(test)]
mod tests {
    use super::super::{split, SplitUrl};
    use super::host;

    /// The host read in the same pass as the authority, and the host every route of
    /// `host::normalize_host` gives for the same bytes, agree: on plain hosts, and on every way a
    /// host can fail to be plain or hide behind userinfo and ports.
    #[test]
    fn the_one_pass_host_is_the_normalised_host() {
        let hosts = [
            "example.com",
            "Example.COM",
            "a_b.example",
            "a-b.example",
            "xn--ggle-55da.com",
            "XN--GGLE-55DA.com",
            "a.xn--p1ai",
            "axn--b.com",
            "a..b.com",
            ".a.com",
            "a.com.",
            "a.com..",
            "1.2.3.4",
            "1.2.3.0x1f",
            "example.09",
            "example.0x",
            "a.b.c.d.e.f.g",
            "a%41.com",
            "%2e.com",
            "caf\u{e9}.fr",
            "ex ample.com",
            "[::1]",
            "[::ffff:7f00:1]",
            "-",
            ".",
            "a",
        ];
        let authorities = [
            "{h}",
            "{h}:80",
            "{h}:8080",
            "u:p@{h}",
            "a@b:c@{h}:1",
            "{h}:",
        ];
        for h in hosts {
            for pattern in authorities {
                let url = format!("http://{}/path", pattern.replace("{h}", h));
                let want = host::normalize_host_bytes(h.as_bytes());
                let got = match split(url.as_bytes()) {
                    Ok(SplitUrl::Web(parts)) => Ok(parts.host().to_string()),
                    Ok(SplitUrl::Other(o)) => panic!("{url}: not web: {o}"),
                    Err(e) => Err(e),
                };
                match (&got, &want) {
                    (Ok(g), Ok(w)) => assert_eq!(g, w, "{url}"),
                    // A bad port may fail first; a bad host must fail either way.
                    (Err(_), Err(_)) => {}
                    (Err(e), Ok(_)) => {
                        assert!(matches!(e, super::CanonError::InvalidPort(_)), "{url}: {e}")
                    }
                    (Ok(g), Err(e)) => panic!("{url}: host {g} should fail: {e}"),
                }
            }
        }
    }
}
