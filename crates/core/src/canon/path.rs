//! Path canonicalisation: decode, resolve `.`/`..`, collapse `//`, re-escape.

use super::escape::{escape_into, unescape_fully, Component};

/// Canonical path for the raw path bytes of a URL (between the authority and `?`).
///
/// Backslashes count as slashes (as in browsers for http/https); a path that ends in `/`, `/.`
/// or `/..` keeps its trailing slash, so `example.com/games/` and `example.com/games` stay apart.
#[cfg(test)]
pub(crate) fn canonical_path(raw: &[u8]) -> String {
    let mut out = String::new();
    canonical_path_into(raw, &mut out);
    out
}

/// As `canonical_path`, appending to `out` (shared with the host and query of a canonical URL).
pub(crate) fn canonical_path_into(raw: &[u8], out: &mut String) {
    if is_plain(raw) {
        if raw.is_empty() {
            out.push('/');
        }
        escape_into(raw, Component::Path, out);
        return;
    }
    let slashed: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'\\' { b'/' } else { b })
        .collect();
    let decoded = unescape_fully(&slashed);
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut trailing_slash = false;
    for segment in decoded.split(|&b| b == b'/') {
        trailing_slash = false;
        match segment {
            b"" => trailing_slash = true,
            b"." => trailing_slash = true,
            b".." => {
                segments.pop();
                trailing_slash = true;
            }
            s => segments.push(s),
        }
    }
    for segment in &segments {
        out.push('/');
        escape_into(segment, Component::Path, out);
    }
    if trailing_slash || segments.is_empty() {
        out.push('/');
    }
}

/// Already canonical apart from escaping: starts with `/`, nothing to decode, no backslash, no
/// empty, `.` or `..` segment. Most real paths are, and skip the general route's copies.
fn is_plain(raw: &[u8]) -> bool {
    if raw.is_empty() {
        return true;
    }
    raw[0] == b'/'
        && memchr::memchr2(b'%', b'\\', raw).is_none()
        && !memchr::memchr_iter(b'/', raw).any(|i| matches!(raw.get(i + 1), Some(b'/' | b'.')))
}

#[cfg(test)]
mod tests {
    use super::canonical_path;

    #[test]
    fn safe_browsing_path_cases() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("/blah/..", "/"),
            ("/a/./b/../c", "/a/c"),
            ("//twoslashes", "/twoslashes"),
            ("/a//b///c/", "/a/b/c/"),
            ("/../../x", "/x"),
            ("/%2E%2E/x/%2e/", "/x/"),
            ("/foo;", "/foo;"),
            ("\\a\\b", "/a/b"),
            ("/a%3Fb", "/a%3Fb"),
            ("/%25%32%35", "/%25"),
            ("/ab%23cd", "/ab%23cd"),
            ("/\u{e9}", "/%C3%A9"),
            ("/.secure/www.ebay.com/", "/.secure/www.ebay.com/"),
            ("/games", "/games"),
        ];
        for (input, want) in cases {
            assert_eq!(canonical_path(input.as_bytes()), want, "{input:?}");
        }
    }
}
