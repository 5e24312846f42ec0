//! Wrappers that carry another page: translation proxies, AMP caches, redirectors, web archives
//! and `view-source:`. A wrapped page is judged by what it carries too, and the stricter verdict
//! wins (the engine does the combining); the wrapper itself is still judged as a site, so the
//! archive's own home page stays allowed.
//!
//! Each wrapper is one row of [`WRAPPERS`]; adding one is adding a row.

use crate::canon::{CanonicalUrl, OtherSchemeUrl};
use crate::search::query;

/// How a wrapper encodes the page it carries.
#[derive(Debug, Clone, Copy)]
enum Carrier {
    /// The carried URL is a query parameter (one of these names), percent-encoded.
    QueryParam(&'static [&'static str]),
    /// The carried URL follows a path prefix; `https` when the prefix says so (AMP's `/s/`).
    PathTail { prefix: &'static str, https: bool },
    /// `web.archive.org/web/<timestamp>/<url>`.
    ArchivePath,
    /// Google Translate's host encoding: `www-example-com.translate.goog/path`.
    TranslateGoogHost,
}

/// Which hosts a wrapper row applies to.
#[derive(Debug, Clone, Copy)]
enum HostPattern {
    /// Exactly this host or any subdomain of it.
    Domain(&'static str),
    /// `<name>.<any tld>` or `www.<name>.<any tld>`, e.g. `google` matches `www.google.co.uk`.
    AnyTld(&'static str),
}

/// One kind of wrapper.
#[derive(Debug, Clone, Copy)]
pub struct Wrapper {
    /// A stable id shown in verdicts (`google-translate`, `amp-cache`, …).
    pub id: &'static str,
    hosts: HostPattern,
    /// The path the carrier applies to (exact, or a prefix ending in `/`); empty means any.
    path: &'static str,
    carrier: Carrier,
}

const fn wrapper(
    id: &'static str,
    hosts: HostPattern,
    path: &'static str,
    carrier: Carrier,
) -> Wrapper {
    Wrapper {
        id,
        hosts,
        path,
        carrier,
    }
}

use Carrier::*;
use HostPattern::*;

/// Every wrapper Schoolgate unwraps.
pub const WRAPPERS: &[Wrapper] = &[
    wrapper(
        "google-translate",
        Domain("translate.goog"),
        "",
        TranslateGoogHost,
    ),
    wrapper(
        "google-translate",
        AnyTld("translate.google"),
        "/translate",
        QueryParam(&["u"]),
    ),
    wrapper(
        "google-translate",
        AnyTld("translate.google"),
        "/website",
        QueryParam(&["u"]),
    ),
    wrapper(
        "google-translate",
        Domain("translate.googleusercontent.com"),
        "/translate_c",
        QueryParam(&["u"]),
    ),
    wrapper(
        "amp-cache",
        Domain("cdn.ampproject.org"),
        "/c/s/",
        PathTail {
            prefix: "/c/s/",
            https: true,
        },
    ),
    wrapper(
        "amp-cache",
        Domain("cdn.ampproject.org"),
        "/c/",
        PathTail {
            prefix: "/c/",
            https: false,
        },
    ),
    wrapper(
        "amp-cache",
        Domain("cdn.ampproject.org"),
        "/v/s/",
        PathTail {
            prefix: "/v/s/",
            https: true,
        },
    ),
    wrapper(
        "amp-cache",
        Domain("cdn.ampproject.org"),
        "/v/",
        PathTail {
            prefix: "/v/",
            https: false,
        },
    ),
    wrapper(
        "amp-cache",
        Domain("cdn.ampproject.org"),
        "/i/s/",
        PathTail {
            prefix: "/i/s/",
            https: true,
        },
    ),
    wrapper(
        "amp-cache",
        Domain("cdn.ampproject.org"),
        "/i/",
        PathTail {
            prefix: "/i/",
            https: false,
        },
    ),
    wrapper(
        "google-amp",
        AnyTld("google"),
        "/amp/s/",
        PathTail {
            prefix: "/amp/s/",
            https: true,
        },
    ),
    wrapper(
        "google-amp",
        AnyTld("google"),
        "/amp/",
        PathTail {
            prefix: "/amp/",
            https: false,
        },
    ),
    wrapper(
        "google-redirect",
        AnyTld("google"),
        "/url",
        QueryParam(&["q", "url"]),
    ),
    wrapper(
        "google-images",
        AnyTld("google"),
        "/imgres",
        QueryParam(&["imgrefurl", "imgurl"]),
    ),
    wrapper(
        "youtube-redirect",
        Domain("youtube.com"),
        "/redirect",
        QueryParam(&["q"]),
    ),
    wrapper(
        "facebook-redirect",
        Domain("l.facebook.com"),
        "/l.php",
        QueryParam(&["u"]),
    ),
    wrapper(
        "instagram-redirect",
        Domain("l.instagram.com"),
        "/",
        QueryParam(&["u"]),
    ),
    wrapper(
        "bing-redirect",
        Domain("bing.com"),
        "/ck/a",
        QueryParam(&["u"]),
    ),
    wrapper(
        "web-archive",
        Domain("web.archive.org"),
        "/web/",
        ArchivePath,
    ),
    wrapper(
        "archive-today",
        Domain("archive.ph"),
        "/newest/",
        PathTail {
            prefix: "/newest/",
            https: false,
        },
    ),
];

/// A page carried by a wrapper, still to be parsed and judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The wrapper's id from [`WRAPPERS`] (or `view-source`).
    pub via: &'static str,
    /// The carried URL as bytes, ready for [`crate::canon::parse`].
    pub url: Vec<u8>,
}

/// The page a web URL carries, if it is a known wrapper.
pub fn carried_by_web(url: &CanonicalUrl) -> Option<Carried> {
    if !may_be_wrapper_host(url.host()) {
        return None;
    }
    carried_by_wrapper_site(url)
}

/// [`carried_by_web`] past its prefilter. Kept out of line so that the few URLs of wrapper sites
/// pay for it, not every verdict: WebAssembly compiles a function the first time it is called,
/// and a just-woken extension's first verdict should not wait for this one.
#[inline(never)]
fn carried_by_wrapper_site(url: &CanonicalUrl) -> Option<Carried> {
    WRAPPERS.iter().find_map(|w| {
        if !host_matches(w.hosts, url.host()) || !path_matches(w.path, url.path()) {
            return None;
        }
        let carried = match w.carrier {
            QueryParam(names) => names
                .iter()
                .find_map(|n| query_param(url.raw_query()?, n))?,
            PathTail { prefix, https } => {
                let tail = url.path().strip_prefix(prefix)?;
                with_query(
                    &format!("{}://{tail}", if https { "https" } else { "http" }),
                    url,
                )
            }
            ArchivePath => archived_url(url)?,
            TranslateGoogHost => translated_host_url(url)?,
        };
        (!carried.is_empty()).then(|| Carried {
            via: w.id,
            url: carried.into_bytes(),
        })
    })
}

/// The page a non-web URL carries: `view-source:` shows another URL's source.
pub fn carried_by_other(url: &OtherSchemeUrl) -> Option<Carried> {
    (url.scheme == "view-source").then(|| Carried {
        via: "view-source",
        url: url.rest.clone().into_bytes(),
    })
}

/// Whether one of the last three labels of `host` names a wrapper's site: every wrapper's host
/// ends within them (`translate.google.co.uk`, `web.archive.org`). Nearly every URL judged is not
/// a wrapper: a few length-switched comparisons reject it before the table is walked. A test
/// keeps this in step with [`WRAPPERS`].
fn may_be_wrapper_host(host: &str) -> bool {
    crate::canon::last_labels(host).any(is_wrapper_label)
}

/// Whether a host label names a wrapper's site, for [`may_be_wrapper_host`] and the engine's
/// host-first decision.
pub(crate) fn is_wrapper_label(label: &[u8]) -> bool {
    matches!(
        label,
        b"goog"
            | b"google"
            | b"googleusercontent"
            | b"ampproject"
            | b"youtube"
            | b"facebook"
            | b"instagram"
            | b"bing"
            | b"archive"
    )
}

fn host_matches(pattern: HostPattern, host: &str) -> bool {
    match pattern {
        Domain(d) => host == d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')),
        AnyTld(name) => {
            let host = host.strip_prefix("www.").unwrap_or(host);
            host.strip_prefix(name)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(is_plausible_tld)
        }
    }
}

/// `com`, `co.uk`, `de`: one or two short alphabetic labels.
fn is_plausible_tld(rest: &str) -> bool {
    rest.split('.').count() <= 2
        && rest
            .split('.')
            .all(|l| (2..=6).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()))
}

fn path_matches(pattern: &str, path: &str) -> bool {
    pattern.is_empty() || path == pattern || (pattern.ends_with('/') && path.starts_with(pattern))
}

fn with_query(base: &str, url: &CanonicalUrl) -> String {
    match url.raw_query() {
        Some(q) => format!("{base}?{q}"),
        None => base.to_string(),
    }
}

/// The decoded value of a query parameter. Values are decoded again while they still look like
/// an encoded URL (`http%3A%2F%2F…`), because redirect chains double-encode.
fn query_param(raw_query: &str, name: &str) -> Option<String> {
    let mut value = query::param(raw_query, name)?;
    for _ in 0..8 {
        let lower = value.get(..8).unwrap_or(&value).to_ascii_lowercase();
        if !(lower.starts_with("http%3a") || lower.starts_with("https%3a")) {
            break;
        }
        value = query::decode_form(&value);
    }
    Some(value)
}

/// `/web/20200101000000/https://example.com/x`, `/web/2020id_/…`, `/web/*/…`, `/web/https://…`.
fn archived_url(url: &CanonicalUrl) -> Option<String> {
    let rest = url.path().strip_prefix("/web/")?;
    let (first, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let is_timestamp = first == "*" || first.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let carried = if is_timestamp { tail } else { rest };
    (!carried.is_empty()).then(|| with_query(carried, url))
}

/// Google Translate's proxy host: `-` stands for `.` and `--` for `-` in the original host.
fn translated_host_url(url: &CanonicalUrl) -> Option<String> {
    let encoded = url.host().strip_suffix(".translate.goog")?;
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
    // Translate adds its own `_x_tr_*` parameters; they are not part of the carried page.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::{canonicalize, parse, ParsedUrl};

    fn carried(input: &str) -> Option<(String, String)> {
        let c = match parse(input.as_bytes()).ok()? {
            ParsedUrl::Web(u) => carried_by_web(&u)?,
            ParsedUrl::Other(o) => carried_by_other(&o)?,
        };
        let inner = canonicalize(&c.url).ok()?.to_string();
        Some((c.via.to_string(), inner))
    }

    fn assert_carries(input: &str, via: &str, want: &str) {
        assert_eq!(
            carried(input),
            Some((via.to_string(), want.to_string())),
            "{input}"
        );
    }

    #[test]
    fn translate_proxy_both_forms() {
        assert_carries(
            "https://www-pornhub-com.translate.goog/view?x=1&_x_tr_sl=auto&_x_tr_tl=en",
            "google-translate",
            "https://www.pornhub.com/view?x=1",
        );
        assert_carries(
            "https://my--site-example-co-uk.translate.goog/",
            "google-translate",
            "https://my-site.example.co.uk/",
        );
        assert_carries(
            "https://translate.google.co.uk/translate?sl=auto&tl=en&u=https%3A%2F%2Fbet365.com%2Fx",
            "google-translate",
            "https://bet365.com/x",
        );
        assert_carries(
            "https://translate.google.com/website?u=bet365.com",
            "google-translate",
            "http://bet365.com/",
        );
    }

    #[test]
    fn amp_caches() {
        assert_carries(
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a/b",
            "amp-cache",
            "https://www.example.com/a/b",
        );
        assert_carries(
            "https://x.cdn.ampproject.org/c/example.com/a",
            "amp-cache",
            "http://example.com/a",
        );
        assert_carries(
            "https://www.google.com/amp/s/example.com/story?x=1",
            "google-amp",
            "https://example.com/story?x=1",
        );
    }

    #[test]
    fn redirectors_including_double_encoding() {
        assert_carries(
            "https://www.google.com/url?sa=t&q=https://bet365.com/&usg=x",
            "google-redirect",
            "https://bet365.com/",
        );
        assert_carries(
            "https://www.google.co.uk/url?url=https%253A%252F%252Fbet365.com%252Fpromo",
            "google-redirect",
            "https://bet365.com/promo",
        );
        assert_carries(
            "https://www.youtube.com/redirect?event=x&q=http%3A%2F%2Fbet365.com",
            "youtube-redirect",
            "http://bet365.com/",
        );
        assert_eq!(
            carried("https://www.google.com/search?q=https://bet365.com"),
            None
        );
        assert_eq!(carried("https://www.google.com/url"), None);
    }

    #[test]
    fn archives_and_view_source() {
        assert_carries(
            "https://web.archive.org/web/20200101000000/https://bet365.com/x",
            "web-archive",
            "https://bet365.com/x",
        );
        assert_carries(
            "https://web.archive.org/web/2020id_/http://bet365.com/",
            "web-archive",
            "http://bet365.com/",
        );
        assert_carries(
            "https://web.archive.org/web/*/bet365.com",
            "web-archive",
            "http://bet365.com/",
        );
        assert_eq!(carried("https://web.archive.org/"), None);
        assert_carries(
            "view-source:https://bet365.com/",
            "view-source",
            "https://bet365.com/",
        );
    }

    #[test]
    fn the_prefilter_knows_every_wrapper_host() {
        for w in WRAPPERS {
            let host = match w.hosts {
                Domain(d) => d.to_string(),
                AnyTld(name) => format!("www.{name}.co.uk"),
            };
            assert!(may_be_wrapper_host(&host), "{}: {host}", w.id);
            assert!(host_matches(w.hosts, &host), "{}: {host}", w.id);
        }
    }

    #[test]
    fn lookalike_google_hosts_are_not_wrappers() {
        assert_eq!(
            carried("https://google.evil.example/url?q=https://x.com"),
            None
        );
        assert_eq!(carried("https://notgoogle.com/url?q=https://x.com"), None);
    }
}
