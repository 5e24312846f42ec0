//! A web URL split at its authority, host first: what a navigation's verdict needs before
//! anything else.
//!
//! Most verdicts are settled by the host alone (no list has paths under it, and it is not a
//! search engine or a wrapper), so [`split`] normalises the host and port and leaves the path and
//! query as written; [`WebParts::complete`] canonicalises them when they are needed. Splitting
//! then completing gives exactly what [`super::parse`] gives, which is defined that way.

use std::borrow::Cow;

use super::escape::{self, Component};
use super::{host, path, strip_tabs_newlines, CanonError, CanonicalUrl, MAX_URL_BYTES};

/// A web URL whose host and port are canonical and whose path and query are not read yet.
#[derive(Debug)]
pub struct WebParts<'a> {
    scheme: &'static str,
    /// The canonical host; [`WebParts::complete`] appends the path and query to it.
    text: String,
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
        &self.text
    }

    /// Canonicalises the path and query: the same URL [`super::parse`] gives for the input.
    pub fn complete(self) -> CanonicalUrl {
        let WebParts {
            scheme,
            mut text,
            port,
            after_authority,
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
        let host_end = text.len();
        // Room for the path and the query twice, unless escaping grows them.
        text.reserve(raw_path.len().max(1) + 2 * raw_query.map_or(0, <[u8]>::len));
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
    if let Some((start, end)) = authority_bounds(rest) {
        return with_host(scheme, &rest[start..end], Cow::Borrowed(&rest[end..]));
    }
    // A tab or newline before the authority's end: browsers remove them first, and so do we.
    let cleaned = strip_tabs_newlines(rest);
    match authority_bounds(&cleaned) {
        Some((start, end)) => with_host(
            scheme,
            &cleaned[start..end],
            Cow::Owned(cleaned[end..].to_vec()),
        ),
        // Unreachable: nothing is left to remove. Fail closed all the same.
        None => Err(CanonError::InvalidHost("unreadable authority".into())),
    }
}

/// Where the authority starts (after any run of `/` and `\`) and ends (at the first `/`, `\`,
/// `?` or `#`), or `None` if a tab or newline comes before its end. One pass over the bytes the
/// host needs, not over the whole URL.
fn authority_bounds(rest: &[u8]) -> Option<(usize, usize)> {
    let mut start = 0;
    for &b in rest {
        match b {
            b'/' | b'\\' => start += 1,
            b'\t' | b'\n' | b'\r' => return None,
            _ => break,
        }
    }
    let mut end = start;
    for &b in &rest[start..] {
        match AUTHORITY_CLASS[usize::from(b)] {
            IN_AUTHORITY => end += 1,
            ENDS_AUTHORITY => break,
            _ => return None,
        }
    }
    Some((start, end))
}

const IN_AUTHORITY: u8 = 0;
const ENDS_AUTHORITY: u8 = 1;
const TAB_OR_NEWLINE: u8 = 2;
/// What each byte means to [`authority_bounds`]: a table lookup per byte of the authority.
const AUTHORITY_CLASS: [u8; 256] = {
    let mut table = [IN_AUTHORITY; 256];
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
    authority: &[u8],
    after_authority: Cow<'a, [u8]>,
) -> Result<WebParts<'a>, CanonError> {
    let host_and_port = match memchr::memrchr(b'@', authority) {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let (raw_host, raw_port) = split_port(host_and_port)?;
    if raw_host.is_empty() {
        return Err(CanonError::InvalidHost("missing host".into()));
    }
    // Room for the host and a short path; `complete` reserves the rest if it is called.
    let mut text = String::with_capacity(raw_host.len() + 16);
    host::normalize_host_into(raw_host, &mut text)?;
    let port = parse_port(raw_port, scheme)?;
    Ok(WebParts {
        scheme,
        text,
        port,
        after_authority,
    })
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
