//! URL canonicalisation: arbitrary bytes → one canonical spelling of a URL, or a clear error.
//!
//! Follows Google Safe Browsing's published "URLs and Hashing" rules, so that none of the usual
//! tricks (stacked percent-encoding, odd IPv4 spellings, `/./` and `/../`, stray dots, userinfo,
//! backslashes, ports, tabs and newlines) changes which host and path are judged:
//!
//! 1. remove tab, CR and LF anywhere; trim leading and trailing control characters and spaces;
//! 2. drop the fragment;
//! 3. split scheme, authority, path and query the way browsers do for `http`/`https` (any run of
//!    `/` or `\` after the scheme, userinfo before the last `@` ignored, `\` in the path is `/`);
//! 4. percent-decode host, path and query repeatedly (at most [`MAX_UNESCAPE_ROUNDS`] rounds);
//! 5. normalise the host (see `host`): IDNA, lowercase, dots, IPv4 in every spelling, IPv6;
//! 6. resolve `.`, `..` and empty path segments; drop the default port;
//! 7. re-escape bytes ≤ 0x20, ≥ 0x7f, `#` and `%` (and `?` and `\` in the path) with uppercase hex.
//!
//! Canonicalising a canonical URL changes nothing (a property test holds it to that).
//!
//! ## Where we differ from the WHATWG URL parser, and why
//! For ordinary http(s) URLs the host we judge is the host the browser connects to (a test checks
//! this against the WHATWG test suite when `../shared/data` is present). On odd inputs:
//!
//! | input | WHATWG | Schoolgate | why |
//! |---|---|---|---|
//! | trailing dot `example.com.` | keeps the dot | drops it | the same site; lists never write the dot |
//! | repeated/leading dots `a..b.com` | keeps them | collapses (Safe Browsing) | same reason |
//! | host encoded twice `%2541.com` | decodes once → invalid | decodes fully | stacked encodings are an evasion trick; either way the page cannot load |
//! | a number before trailing dots `foo.09..` | a name | invalid | with the dots dropped it would read as a bad IPv4 address; blocked, never re-read differently |
//! | no scheme `example.com/x` | failure | `http://example.com/x` | lists, policies and people write URLs without a scheme |
//! | non-default port | kept | kept in the canonical URL, ignored for matching | a port never changes which host is judged |
//! | `%2F`, `%3F`, `%5C` in the path | kept encoded | decoded, so `%2F` splits segments | Safe Browsing's rule; `?` and `\` are re-escaped (`%3F`, `%5C`) so the result is stable |
//! | IPv4-mapped `[::ffff:c37f:b]`, NAT64 `[64:ff9b::c37f:b]` | an IPv6 host | `195.127.0.11` | the IPv4 host they reach: lists and address rules for it apply |
//!
//! Where WHATWG rejects a host (forbidden code points, bad IPv4), so do we: such a URL cannot be
//! loaded, and for pupils an unparseable URL is blocked, never waved through.

mod escape;
mod host;
mod path;
mod split;

use std::borrow::Cow;

use thiserror::Error;

pub use host::MAX_HOST_BYTES;
pub use split::WebParts;

/// The longest web URL accepted, in bytes. Longer inputs are an error (blocked for pupils).
pub const MAX_URL_BYTES: usize = 64 * 1024;
/// The most percent-unescape rounds applied to one component.
pub const MAX_UNESCAPE_ROUNDS: usize = 1024;
/// How much of a non-web URL (`data:`…) is kept after its scheme.
pub const MAX_OTHER_REST_BYTES: usize = 2048;

/// Why an input is not a URL that can be judged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CanonError {
    /// Nothing left after trimming.
    #[error("empty URL")]
    Empty,
    /// Longer than [`MAX_URL_BYTES`].
    #[error("URL is {len} bytes long; the limit is {max}")]
    TooLong {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The host is missing or cannot be a host name or IP address.
    #[error("invalid host: {0}")]
    InvalidHost(String),
    /// The port is not a number from 0 to 65535.
    #[error("invalid port: {0}")]
    InvalidPort(String),
}

/// A web (`http`/`https`) URL in canonical form.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalUrl {
    scheme: &'static str,
    /// Host, path, query and the query as written (when it differs) one after the other: one
    /// allocation per URL instead of four.
    text: String,
    host_end: usize,
    path_end: usize,
    /// Where the query ends in `text`, if there is one (it starts at `path_end`).
    query_end: Option<usize>,
    /// Where the query as written ends, when it differs from the canonical one (it starts at
    /// `query_end`).
    raw_query_end: Option<usize>,
    port: Option<u16>,
}

impl std::fmt::Debug for CanonicalUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CanonicalUrl")
            .field("scheme", &self.scheme)
            .field("host", &self.host())
            .field("port", &self.port)
            .field("path", &self.path())
            .field("query", &self.query())
            .field("raw_query", &self.written_query())
            .finish()
    }
}

impl CanonicalUrl {
    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        self.scheme
    }
    /// Canonical host: lowercase ASCII (IDNA A-labels), no trailing dot, IPv4 as dotted decimal,
    /// IPv6 in brackets.
    pub fn host(&self) -> &str {
        self.text.get(..self.host_end).unwrap_or_default()
    }
    /// A non-default port.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// Canonical path: starts with `/`, fully decoded then re-escaped.
    pub fn path(&self) -> &str {
        self.text
            .get(self.host_end..self.path_end)
            .unwrap_or_default()
    }
    /// Canonical query without `?` (fully decoded then re-escaped), if any.
    pub fn query(&self) -> Option<&str> {
        self.query_end
            .and_then(|end| self.text.get(self.path_end..end))
    }
    /// The query exactly as written (tabs and newlines removed), still percent-encoded. Search
    /// terms and wrapped URLs are read from this: full decoding would lose the difference between
    /// `+` and `%2B`, or `&` and `%26`.
    pub fn raw_query(&self) -> Option<&str> {
        self.written_query().or(self.query())
    }

    /// The query as written, only when it differs from the canonical one.
    fn written_query(&self) -> Option<&str> {
        self.text.get(self.query_end?..self.raw_query_end?)
    }
    /// Whether the host is an IP address literal.
    pub fn host_is_ip(&self) -> bool {
        is_ip_host(self.host())
    }
}

impl std::fmt::Display for CanonicalUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host())?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        f.write_str(self.path())?;
        if let Some(q) = self.query() {
            write!(f, "?{q}")?;
        }
        Ok(())
    }
}

/// A URL whose scheme is not `http`/`https` (`data:`, `blob:`, `view-source:`, `chrome-extension:` …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherSchemeUrl {
    /// Lowercase scheme without `:`.
    pub scheme: String,
    /// Everything after `scheme:`, at most [`MAX_OTHER_REST_BYTES`] bytes (lossy UTF-8).
    pub rest: String,
}

impl std::fmt::Display for OtherSchemeUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.scheme, self.rest)
    }
}

/// What an input turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedUrl {
    /// An `http`/`https` URL (inputs with no scheme are taken as `http`).
    Web(CanonicalUrl),
    /// Any other scheme.
    Other(OtherSchemeUrl),
}

/// Schemes that never carry a host we could judge, or that carry another URL inside.
const OTHER_SCHEMES: &[&str] = &[
    "about",
    "blob",
    "chrome",
    "chrome-extension",
    "chrome-search",
    "chrome-untrusted",
    "data",
    "devtools",
    "edge",
    "file",
    "filesystem",
    "ftp",
    "intent",
    "javascript",
    "mailto",
    "moz-extension",
    "sms",
    "tel",
    "vbscript",
    "view-source",
    "ws",
    "wss",
];

/// An input split host first: a web URL's host and port are canonical, its path and query are
/// read only when [`SplitUrl::complete`] or [`WebParts::complete`] is called.
#[derive(Debug)]
pub enum SplitUrl<'a> {
    /// An `http`/`https` URL (inputs with no scheme are taken as `http`).
    Web(WebParts<'a>),
    /// Any other scheme.
    Other(OtherSchemeUrl),
}

impl SplitUrl<'_> {
    /// The whole canonical URL, as [`parse`] gives it.
    pub fn complete(self) -> ParsedUrl {
        match self {
            SplitUrl::Web(parts) => ParsedUrl::Web(parts.complete()),
            SplitUrl::Other(other) => ParsedUrl::Other(other),
        }
    }
}

/// Parses and canonicalises arbitrary bytes.
pub fn parse(input: &[u8]) -> Result<ParsedUrl, CanonError> {
    split(input).map(SplitUrl::complete)
}

/// Parses arbitrary bytes as far as the host: the same errors as [`parse`], and
/// [`SplitUrl::complete`] gives what [`parse`] gives. A verdict that the host settles never pays
/// for canonicalising the path and query.
pub fn split(input: &[u8]) -> Result<SplitUrl<'_>, CanonError> {
    let trimmed = trim_controls(input);
    if trimmed.is_empty() {
        return Err(CanonError::Empty);
    }
    // The two web schemes as browsers send them, recognised without building the scheme.
    for (prefix, scheme) in [(&b"https:"[..], "https"), (&b"http:"[..], "http")] {
        if trimmed.len() >= prefix.len() && trimmed[..prefix.len()].eq_ignore_ascii_case(prefix) {
            return web(scheme, &trimmed[prefix.len()..], input.len());
        }
    }
    if let Some((scheme, rest_at)) = split_scheme(trimmed) {
        let rest = &trimmed[rest_at..];
        if scheme == "http" || scheme == "https" {
            return web(
                if scheme == "http" { "http" } else { "https" },
                rest,
                input.len(),
            );
        }
        if OTHER_SCHEMES.contains(&scheme.as_str()) || rest.starts_with(b"//") {
            let kept = &rest[..rest.len().min(MAX_OTHER_REST_BYTES)];
            let rest = String::from_utf8_lossy(&strip_tabs_newlines(kept)).into_owned();
            return Ok(SplitUrl::Other(OtherSchemeUrl { scheme, rest }));
        }
    }
    // No scheme, or `host:port` that merely looks like one: people and lists write bare hosts.
    web("http", trimmed, input.len())
}

fn web<'a>(
    scheme: &'static str,
    rest: &'a [u8],
    input_len: usize,
) -> Result<SplitUrl<'a>, CanonError> {
    split::split_web(scheme, rest, input_len).map(SplitUrl::Web)
}

/// Canonicalises a web URL; any other scheme is an error.
pub fn canonicalize(input: &[u8]) -> Result<CanonicalUrl, CanonError> {
    match parse(input)? {
        ParsedUrl::Web(u) => Ok(u),
        ParsedUrl::Other(o) => Err(CanonError::InvalidHost(format!(
            "`{}:` URLs have no web host",
            o.scheme
        ))),
    }
}

/// Normalises a bare host name as list entries and policies write it (`WWW.Example.COM.` →
/// `www.example.com`, `ｅｘａｍｐｌｅ。com` → `example.com`, `3279880203` → `195.127.0.11`).
pub fn normalize_host(host: &str) -> Result<String, CanonError> {
    host::normalize_host_bytes(host.as_bytes())
}

/// Whether a canonical host is an IP address: dotted-decimal IPv4 or bracketed IPv6 (every other
/// spelling of an address was turned into one of these). A name never ends in a number: one
/// that does is read as an IPv4 address, as browsers read it.
pub fn is_ip_host(host: &str) -> bool {
    host.starts_with('[')
        || (!host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// The last three labels of a canonical host, rightmost first: where every search engine's and
/// wrapper's domain name sits (`google` in `www.google.co.uk`), so their prefilters read no more.
pub(crate) fn last_labels(host: &str) -> impl Iterator<Item = &[u8]> {
    host.as_bytes().rsplit(|&b| b == b'.').take(3)
}

/// WHATWG trims leading/trailing C0 controls and spaces.
fn trim_controls(input: &[u8]) -> &[u8] {
    let start = input.iter().position(|&b| b > 0x20).unwrap_or(input.len());
    let end = input
        .iter()
        .rposition(|&b| b > 0x20)
        .map_or(start, |e| e + 1);
    &input[start..end]
}

fn strip_tabs_newlines(input: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr3(b'\t', b'\n', b'\r', input).is_none() {
        return Cow::Borrowed(input);
    }
    Cow::Owned(
        input
            .iter()
            .copied()
            .filter(|&b| !matches!(b, b'\t' | b'\n' | b'\r'))
            .collect(),
    )
}

/// `scheme:` at the start (ASCII letter, then letters, digits, `+`, `-`, `.`), lowercased, and
/// where the rest begins. Only the first 64 bytes are looked at.
fn split_scheme(input: &[u8]) -> Option<(String, usize)> {
    let first = *input.first()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let head = &input[..input.len().min(64)];
    let mut scheme = String::new();
    for (i, &b) in head.iter().enumerate() {
        match b {
            b':' => return Some((scheme, i + 1)),
            b'\t' | b'\n' | b'\r' => {}
            b if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.') => {
                scheme.push(char::from(b.to_ascii_lowercase()))
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        match parse(s.as_bytes()) {
            Ok(ParsedUrl::Web(u)) => u.to_string(),
            Ok(ParsedUrl::Other(o)) => format!("other {o}"),
            Err(e) => format!("invalid: {e}"),
        }
    }

    #[test]
    fn userinfo_backslashes_ports_never_change_the_host() {
        assert_eq!(
            canon("http://good.example@bad.example/"),
            "http://bad.example/"
        );
        assert_eq!(
            canon("http://a@b@bad.example:8080/x"),
            "http://bad.example:8080/x"
        );
        assert_eq!(
            canon("https:\\\\bad.example\\x\\y"),
            "https://bad.example/x/y"
        );
        assert_eq!(canon("http://bad.example:80/"), "http://bad.example/");
        assert_eq!(canon("https://bad.example:0443/"), "https://bad.example/");
        assert_eq!(canon("http:bad.example"), "http://bad.example/");
        assert!(canon("http://bad.example:99999/").starts_with("invalid: invalid port"));
        assert!(canon("http://bad.example:8o/").starts_with("invalid: invalid port"));
    }

    #[test]
    fn schemes() {
        assert_eq!(canon("data:text/html,hi"), "other data:text/html,hi");
        assert_eq!(canon("JavaScript:alert(1)"), "other javascript:alert(1)");
        assert_eq!(
            canon("view-source:http://x.com/"),
            "other view-source:http://x.com/"
        );
        assert_eq!(canon("localhost:8080/x"), "http://localhost:8080/x");
        assert_eq!(canon("example.com"), "http://example.com/");
        assert_eq!(canon("gopher://x/"), "other gopher://x/");
        assert_eq!(canon(""), "invalid: empty URL");
        assert_eq!(canon(" \t\n"), "invalid: empty URL");
    }

    #[test]
    fn raw_query_keeps_encoding() {
        let u = canonicalize(b"https://www.google.com/search?q=c%2B%2B+tutorial#x").unwrap();
        assert_eq!(u.raw_query(), Some("q=c%2B%2B+tutorial"));
        assert_eq!(u.query(), Some("q=c+++tutorial"));
    }

    #[test]
    fn too_long_is_an_error_but_long_data_urls_are_not() {
        let long = format!("http://x.com/{}", "a".repeat(MAX_URL_BYTES));
        assert!(matches!(
            parse(long.as_bytes()),
            Err(CanonError::TooLong { .. })
        ));
        let data = format!("data:image/png;base64,{}", "A".repeat(MAX_URL_BYTES));
        assert!(matches!(parse(data.as_bytes()), Ok(ParsedUrl::Other(_))));
    }
}
