//! Query-string reading shared by [`super::engines`] and [`super::safesearch`].
//!
//! Search engines submit forms as `application/x-www-form-urlencoded`, so `+` is a space and `%2B`
//! is a plus sign. Canonical URLs keep the escapes, so decoding happens here, once.

/// The most query parameters looked at; later ones are ignored.
pub(crate) const MAX_PARAMS: usize = 256;

/// The most bytes of a query string looked at; a longer tail is ignored.
pub(crate) const MAX_QUERY_BYTES: usize = 16 * 1024;

/// One `name=value` pair, both still escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawParam<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
}

/// Splits a query string into at most [`MAX_PARAMS`] escaped pairs, in order. A pair without `=`
/// has an empty value; empty pairs (`a=1&&b=2`) are skipped.
pub(crate) fn raw_params(query: &str) -> impl Iterator<Item = RawParam<'_>> {
    bounded(query)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .take(MAX_PARAMS)
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => RawParam { name, value },
            None => RawParam {
                name: pair,
                value: "",
            },
        })
}

/// The first value of parameter `name` (compared after decoding), decoded.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    let mut first = None;
    each_value(query, &[name], &mut |value| {
        first = Some(value);
        false
    });
    first
}

/// Calls `f` with each decoded value of the parameters named in `names`, in query order, until
/// it returns `false`. One loop, not inlined, behind [`param`] and [`joined_values`]: it keeps the
/// wasm small.
#[inline(never)]
fn each_value(query: &str, names: &[&str], f: &mut dyn FnMut(String) -> bool) {
    for p in raw_params(query) {
        if names.iter().any(|n| decoded_eq(p.name, n)) && !f(decode_form(p.value)) {
            return;
        }
    }
}

/// Every value of every parameter named in `names` (compared after decoding), decoded, trimmed
/// and joined by spaces in the order they appear in the query (empty ones skipped):
/// `q=a&as_epq=b&q=c` gives `a b c `.
pub(crate) fn joined_values(query: &str, names: &[&str]) -> String {
    let mut out = String::new();
    each_value(query, names, &mut |value| {
        if !value.trim().is_empty() {
            out.push_str(value.trim());
            out.push(' ');
        }
        true
    });
    out
}

/// Whether the escaped text `raw` decodes to exactly `expected`. Cheap when there is nothing to decode.
pub(crate) fn decoded_eq(raw: &str, expected: &str) -> bool {
    if !raw.contains(['%', '+']) {
        return raw == expected;
    }
    decode_form(raw) == expected
}

/// Cuts a query string to [`MAX_QUERY_BYTES`] on a character boundary.
fn bounded(query: &str) -> &str {
    if query.len() <= MAX_QUERY_BYTES {
        return query;
    }
    let mut end = MAX_QUERY_BYTES;
    while end > 0 && !query.is_char_boundary(end) {
        end -= 1;
    }
    query.get(..end).unwrap_or("")
}

/// Decodes a form value: `+` is a space, `%XX` is a byte, and the bytes are read as UTF-8 with
/// invalid sequences replaced by U+FFFD. A `%` not followed by two hex digits is kept as it is.
pub(crate) fn decode_form(raw: &str) -> String {
    decode(raw, true)
}

/// Decodes a path segment: like [`decode_form`] but `+` stays a plus sign.
pub(crate) fn decode_path(raw: &str) -> String {
    decode(raw, false)
}

fn decode(raw: &str, plus_is_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(if plus_is_space && b == b'+' { b' ' } else { b });
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_escapes() {
        assert_eq!(decode_form("c%2B%2B+tutorial"), "c++ tutorial");
        assert_eq!(decode_form("caf%C3%A9"), "café");
        assert_eq!(decode_path("a+b%20c"), "a+b c");
        assert_eq!(decode_form("100%"), "100%");
        assert_eq!(decode_form("%zz%4"), "%zz%4");
        assert_eq!(decode_form("%FF%41"), "\u{FFFD}A");
    }

    #[test]
    fn finds_params_in_order() {
        assert_eq!(param("a=1&q=x+y&q=z", "q").as_deref(), Some("x y"));
        assert_eq!(param("flag&q=", "flag").as_deref(), Some(""));
        assert_eq!(param("%71=decoded", "q").as_deref(), Some("decoded"));
        assert_eq!(param("a=1", "q"), None);
        let long = "a=1&".repeat(MAX_PARAMS + 10) + "q=late";
        assert_eq!(param(&long, "q"), None);
    }

    #[test]
    fn gathers_every_value_of_several_names() {
        let q = "q=cats&as_epq=big+dogs&hl=en&%71=x&as_q=";
        assert_eq!(
            joined_values(q, &["q", "as_epq", "as_q"]),
            "cats big dogs x "
        );
    }
}
