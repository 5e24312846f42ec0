//! The encodings services put a carried URL in: percent-encoding stacked by redirect chains,
//! base64 (Bing's result links, Brave's image proxy), hex (GitHub's camo), host names with `-`
//! for `.` (Google Translate, AMP caches), and prefixes (`cache:`, `ssl:`).

use crate::canon::CanonicalUrl;
use crate::search::query;

/// The page a decoded query value names, if it could be one: percent-decoded again while it
/// still looks like an encoded URL (redirect chains double-encode), `cache:` and `ssl:` prefixes
/// read, and a base64 URL decoded. Anything else is returned as it is, to be read as a URL (a
/// value that is none parses as an unknown site or not at all, and changes nothing).
pub(super) fn page_in_value(mut value: String) -> Option<String> {
    for _ in 0..8 {
        let lower = value.get(..8).unwrap_or(&value).to_ascii_lowercase();
        if !(lower.starts_with("http%3a") || lower.starts_with("https%3a")) {
            break;
        }
        value = query::decode_form(&value);
    }
    let mut value = value.trim();
    if value.is_empty() {
        return None;
    }
    // Google's cache: `cache:<url>` or `cache:<id>:<url>`.
    if let Some(rest) = strip_prefix_ignore_case(value, "cache:") {
        value = match rest.split_once(':') {
            Some((id, url)) if !id.contains(['.', '/']) && !url.starts_with("//") => url,
            _ => rest,
        };
    }
    // weserv's old `ssl:` prefix for an https image.
    if let Some(rest) = strip_prefix_ignore_case(value, "ssl:") {
        return Some(format!("https://{rest}"));
    }
    if !value.contains(['.', ':', '/']) {
        // Bing's `u=a1<base64url>`, or a bare base64 URL.
        let encoded = value.strip_prefix("a1").unwrap_or(value);
        if let Some(url) = base64_url(encoded) {
            return Some(url);
        }
    }
    Some(value.to_string())
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| value.get(prefix.len()..))
        .flatten()
}

/// Whether a path segment is a host name (`www.example.co.uk`, `example.com:8080`,
/// `192.0.2.1`): letters, digits, `-` and dots, a dot inside, and a last label that is a
/// top-level domain (letters) or the last part of an IPv4 address.
pub(super) fn looks_like_host(segment: &str) -> bool {
    let host = segment.split_once(':').map_or(segment, |(h, _)| h);
    let labels: Vec<&str> = host.split('.').collect();
    let chars_ok = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let Some(last) = labels.last() else {
        return false;
    };
    let tld = last.len() >= 2 && last.bytes().all(|b| b.is_ascii_alphabetic());
    let ipv4 = labels.len() == 4
        && labels
            .iter()
            .all(|l| (1..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_digit()));
    chars_ok && labels.len() >= 2 && labels.iter().all(|l| !l.is_empty()) && (tld || ipv4)
}

/// The origin a proxy host encodes before `suffix` (`www-example-com.translate.goog`): `-`
/// stands for `.` and `--` for `-`. Path and query are the page's; Google Translate's own
/// `_x_tr_*` parameters are dropped.
pub(super) fn host_encoded_url(url: &CanonicalUrl, suffix: &str) -> Option<String> {
    let encoded = url.host().strip_suffix(suffix)?;
    // A cache host is one label; a longer name is an ordinary subdomain of the service.
    if encoded.is_empty() || encoded.contains('.') {
        return None;
    }
    let mut host = String::with_capacity(encoded.len());
    let mut chars = encoded.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '-' {
            if chars.peek() == Some(&'-') {
                chars.next();
                host.push('-');
            } else {
                host.push('.');
            }
        } else {
            host.push(c);
        }
    }
    let query: Vec<&str> = url
        .raw_query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("_x_tr_"))
        .collect();
    let mut carried = format!("https://{host}{}", url.path());
    if !query.is_empty() {
        carried.push('?');
        carried.push_str(&query.join("&"));
    }
    Some(carried)
}

/// A URL base64url-encoded over a path's last segments, starting at the segment that begins
/// with `aHR0c` (`http` encoded): Brave's image proxy splits it so.
pub(super) fn base64_path_url(path: &str) -> Option<String> {
    let at = path.find("/aHR0c")?;
    let encoded: String = path.get(at..)?.chars().filter(|&c| c != '/').collect();
    base64_url(&encoded)
}

/// A hex-encoded URL in a path segment (`/<digest>/<hex>`), GitHub's camo.
pub(super) fn hex_path_url(path: &str) -> Option<String> {
    path.split('/').find_map(|segment| {
        if segment.len() < 16 || segment.len() % 2 != 0 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..segment.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(segment.get(i..i + 2)?, 16).ok())
            .collect();
        is_web_url(&bytes?)
    })
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
    let lower = text.get(..8)?.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then(|| text.to_string())
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
        assert_eq!(
            page("cache:https://x.com/a").as_deref(),
            Some("https://x.com/a")
        );
        assert_eq!(page("cache:AbC9:x.com/a").as_deref(), Some("x.com/a"));
        assert_eq!(
            page("ssl:x.com/i.png").as_deref(),
            Some("https://x.com/i.png")
        );
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

    #[test]
    fn hex_and_base64_paths() {
        let hex: String = "https://www.bet365.com/x.png"
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex_path_url(&format!("/0123abcd/{hex}")).as_deref(),
            Some("https://www.bet365.com/x.png")
        );
        assert_eq!(
            base64_path_url("/sig/rs:fit:500:0:0/g:ce/aHR0cHM6Ly93d3cu/YmV0MzY1LmNvbS8").as_deref(),
            Some("https://www.bet365.com/")
        );
        assert_eq!(base64_path_url("/sig/abc"), None);
    }
}
