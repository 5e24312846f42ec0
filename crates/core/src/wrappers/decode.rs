//! The encodings services put a carried URL in: percent-encoding stacked by redirect chains,
//! base64 (Bing's result links), and host names with `-` for `.` (Google Translate, AMP caches).

use crate::canon::CanonicalUrl;
use crate::search::query;

/// The page a decoded query value names, if it could be one: percent-decoded again while it
/// still looks like an encoded URL (redirect chains double-encode), and a base64 URL decoded
/// (Bing's `a1…`). Anything else is returned as it is, to be read as a URL (a value that is none
/// parses as an unknown site or not at all, and changes nothing).
#[inline(never)]
pub(super) fn page_in_value(mut value: String) -> Option<String> {
    for _ in 0..8 {
        if !(starts_with_ignore_case(&value, "http%3a")
            || starts_with_ignore_case(&value, "https%3a"))
        {
            break;
        }
        value = query::decode_form(&value);
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    if !trimmed.bytes().any(|b| matches!(b, b'.' | b':' | b'/')) {
        let encoded = trimmed.strip_prefix("a1").unwrap_or(trimmed);
        if let Some(url) = base64_url(encoded) {
            return Some(url);
        }
    }
    Some(trimmed.to_string())
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether a path segment is a host name (`www.example.co.uk`, `example.com:8080`,
/// `192.0.2.1`): letters, digits, `-` and dots, no empty label, more than one label, and a last
/// label that is a top-level domain (two letters or more) or the last part of an IPv4 address.
pub(super) fn looks_like_host(segment: &str) -> bool {
    let host = segment.split(':').next().unwrap_or_default().as_bytes();
    let (mut dots, mut digits_only, mut alpha_only, mut label) = (0, true, true, 0);
    let mut previous = b'.';
    for &b in host {
        match b {
            b'.' if previous != b'.' => {
                dots += 1;
                (digits_only, alpha_only, label) = (true, true, 0);
            }
            b'a'..=b'z' | b'A'..=b'Z' => (digits_only, label) = (false, label + 1),
            b'0'..=b'9' => (alpha_only, label) = (false, label + 1),
            b'-' => (digits_only, alpha_only, label) = (false, false, label + 1),
            _ => return false,
        }
        previous = b;
    }
    let ends_well = previous != b'.' && ((alpha_only && label >= 2) || (digits_only && dots == 3));
    dots > 0 && ends_well
}

/// The origin a proxy host encodes before `suffix` (`www-example-com.translate.goog`): `-`
/// stands for `.` and `--` for `-`. Path and query are the page's; Google Translate's own
/// `_x_tr_*` parameters are dropped.
#[inline(never)]
pub(super) fn host_encoded_url(url: &CanonicalUrl, suffix: &str) -> Option<String> {
    let encoded = url.host().strip_suffix(suffix)?;
    // A cache host is one label; a longer name is an ordinary subdomain of the service.
    if encoded.is_empty() || encoded.contains('.') {
        return None;
    }
    let mut out = String::with_capacity(encoded.len() + url.path().len() + 16);
    out.push_str("https://");
    let mut bytes = encoded.bytes().peekable();
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'-' if bytes.next_if_eq(&b'-').is_some() => '-',
            b'-' => '.',
            b => char::from(b),
        });
    }
    out.push_str(url.path());
    let mut sep = '?';
    for param in url.raw_query().unwrap_or_default().split('&') {
        if !param.is_empty() && !param.starts_with("_x_tr_") {
            out.push(sep);
            out.push_str(param);
            sep = '&';
        }
    }
    Some(out)
}

/// Base64 (standard or URL-safe, padded or not) that decodes to an `http(s)://` URL.
fn base64_url(encoded: &str) -> Option<String> {
    if encoded.len() < 8 {
        return None;
    }
    let mut bytes = Vec::with_capacity(encoded.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in encoded.bytes().take_while(|&b| b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    is_web_url(&bytes)
}

/// The bytes as text, when they are an `http://` or `https://` URL.
fn is_web_url(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    (starts_with_ignore_case(text, "http://") || starts_with_ignore_case(text, "https://"))
        .then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_every_encoding() {
        let page = |v: &str| page_in_value(v.to_string());
        assert_eq!(
            page("https%253A%252F%252Fx.com").as_deref(),
            Some("https%253A%252F%252Fx.com")
        );
        assert_eq!(
            page("https%3A%2F%2Fx.com").as_deref(),
            Some("https://x.com")
        );
        assert_eq!(page("  ").as_deref(), None);
        // `https://www.bet365.com/` as Bing writes it.
        assert_eq!(
            page("a1aHR0cHM6Ly93d3cuYmV0MzY1LmNvbS8").as_deref(),
            Some("https://www.bet365.com/")
        );
        assert_eq!(page("hello").as_deref(), Some("hello"));
    }

    #[test]
    fn hosts_in_paths() {
        for yes in [
            "example.com",
            "www.example.co.uk",
            "example.com:8080",
            "192.0.2.1",
        ] {
            assert!(looks_like_host(yes), "{yes}");
        }
        for no in [
            "web",
            "2023.01.01-000000",
            "a.b1",
            ".com",
            "x..com",
            "en-ru.ru.ab12-3c",
        ] {
            assert!(!looks_like_host(no), "{no}");
        }
    }
}
