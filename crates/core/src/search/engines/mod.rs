//! Which URLs are searches: one data table of search engines, and [`extract`].
//!
//! Each [`SearchEngineSpec`] names the engine's domains, the routes (host prefix, path, query
//! parameter) that carry a search, whether a route is a submitted search or an autocomplete
//! request, and how SafeSearch is enforced on it. Adding an engine is adding one entry to
//! [`ENGINES`] (in `engines/table.rs`); the fixture `tests/fixtures/search/extract.tsv` shows the URLs each one expects.
//! Engines the table lacks, a school declares in its policy ([`DeclaredEngine`], `declared.rs`).

use serde::Serialize;

mod declared;
mod table;

use super::query;
pub use declared::{extract_declared, serves_any, DeclaredEngine};
pub use table::{ENGINES, YOUTUBE_RESTRICT_HOSTS};

/// The most characters of decoded search terms kept; the rest is cut off.
pub const MAX_TERMS_CHARS: usize = 1_000;

/// Whether a request is a search the pupil submitted or an autocomplete request sent while typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// A results page (or the API call that fills one): the pupil pressed Enter or clicked.
    Submitted,
    /// An autocomplete or suggestion request, sent for each keystroke.
    Suggestion,
}

/// Which kind of results a search asks for. Image searches matter most to SafeSearch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vertical {
    /// Web pages.
    Web,
    /// Images.
    Images,
    /// Videos.
    Videos,
    /// News.
    News,
}

/// How an engine's registrable domain is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// This domain and any subdomain of it: `Exact("bing.com")` matches `www.bing.com`.
    Exact(&'static str),
    /// `<name>.<country suffix>` and its subdomains: `AnyTld("google")` matches `google.com`,
    /// `www.google.co.uk` and `google.de`, but not `google.example.com`.
    AnyTld(&'static str),
}

/// Which subdomains (the labels before the registrable domain) a route applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subdomains {
    /// Any subdomain, including none.
    Any,
    /// Exactly one of these; `""` is the bare domain.
    OneOf(&'static [&'static str]),
}

/// How a route's path is matched. Paths compare ASCII-case-insensitively and ignore `;`-parameters
/// (Yahoo adds `;_ylt=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPattern {
    /// This path exactly; a trailing `/` is optional.
    Exact(&'static str),
    /// Any path starting with this.
    Prefix(&'static str),
    /// A path starting with this, whose remainder is the search terms (MediaWiki's
    /// `/wiki/Special:Search/<terms>`, with `_` for spaces).
    TermsAfter(&'static str),
}

/// One kind of URL on an engine that carries a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Which subdomains the route applies to.
    pub subdomains: Subdomains,
    /// Which paths.
    pub path: PathPattern,
    /// A parameter that must be present with this value (e.g. MediaWiki's `action=opensearch`).
    pub requires: Option<(&'static str, &'static str)>,
    /// The query parameters holding the terms. Every value of every one of them is judged,
    /// joined in query order: an engine may read any of them (Google's advanced search puts
    /// terms in `as_q`, `as_epq`, `as_oq` and `as_eq`), and a repeated parameter must not hide
    /// a second value.
    pub params: &'static [&'static str],
    /// Submitted search or suggestion.
    pub kind: SearchKind,
    /// The vertical when no [`Route::verticals`] parameter says otherwise.
    pub vertical: Vertical,
    /// Parameters that switch the vertical: `(name, value, vertical)`.
    pub verticals: &'static [(&'static str, &'static str, Vertical)],
}

/// How SafeSearch is forced on an engine. See [`super::safesearch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafeSearchMechanism {
    /// No way to force it from a request; the reason is for the documentation and the admin.
    None(&'static str),
    /// A query parameter on submitted searches: `name=strict` (or `moderate` where the school
    /// asked for moderate and the engine has such a level; otherwise `strict`).
    Param {
        /// Parameter name.
        name: &'static str,
        /// Value for strict filtering.
        strict: &'static str,
        /// Value for moderate filtering, if the engine has one.
        moderate: Option<&'static str>,
    },
    /// A request header on every request to the listed hosts.
    Header {
        /// Header name.
        name: &'static str,
        /// Value for strict filtering.
        strict: &'static str,
        /// Value for moderate filtering.
        moderate: &'static str,
        /// The exact hosts the header must be sent to.
        hosts: &'static [&'static str],
    },
}

/// One search engine: how to recognise its searches and how to make them safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchEngineSpec {
    /// A short stable id (`google`), used in verdicts and logs.
    pub id: &'static str,
    /// The name a teacher reads.
    pub name: &'static str,
    /// The registrable domains the engine serves from.
    pub domains: &'static [Domain],
    /// The URLs that carry searches, tried in order.
    pub routes: &'static [Route],
    /// How SafeSearch is forced.
    pub safesearch: SafeSearchMechanism,
}

/// A search found in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchRequest<'e> {
    /// The engine's [`SearchEngineSpec::id`], or a declared engine's name.
    pub engine: &'e str,
    /// Submitted search or suggestion.
    pub kind: SearchKind,
    /// Web, images, videos or news.
    pub vertical: Vertical,
    /// The decoded terms, trimmed and cut to [`MAX_TERMS_CHARS`].
    pub terms: String,
    /// Whether the terms were longer than [`MAX_TERMS_CHARS`] and were cut.
    pub truncated: bool,
}

/// Finds the search in a canonical URL's host, path and query (without `?`), if it is one.
///
/// Returns `None` for URLs of unknown engines, for pages of known engines that are not searches
/// (Google's `/url?q=` redirector is not a search), and for searches with empty terms.
pub fn extract(host: &str, path: &str, query: Option<&str>) -> Option<SearchRequest<'static>> {
    let (engine, route) = find_route(host, path, query)?;
    let raw = terms_of(route, path, query.unwrap_or(""))?;
    request(
        engine.id,
        route.kind,
        vertical_of(route, query.unwrap_or("")),
        &raw,
    )
}

/// The request for these raw terms: trimmed, cut to [`MAX_TERMS_CHARS`]; `None` when empty.
/// Not inlined: the table's and the declared engines' searches share one copy.
#[inline(never)]
fn request<'e>(
    engine: &'e str,
    kind: SearchKind,
    vertical: Vertical,
    raw: &str,
) -> Option<SearchRequest<'e>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let truncated = trimmed.chars().nth(MAX_TERMS_CHARS).is_some();
    let terms: String = trimmed.chars().take(MAX_TERMS_CHARS).collect();
    Some(SearchRequest {
        engine,
        kind,
        vertical,
        terms,
        truncated,
    })
}

/// The engine serving this host, if any.
pub fn engine_for_host(host: &str) -> Option<&'static SearchEngineSpec> {
    if !may_be_engine_host(host) {
        return None;
    }
    ENGINES.iter().find(|e| subdomain_of(e, host).is_some())
}

/// The engine with this id, if any.
pub fn engine_by_id(id: &str) -> Option<&'static SearchEngineSpec> {
    ENGINES.iter().find(|e| e.id == id)
}

/// The engine and route a URL belongs to, whether or not it has terms.
pub(crate) fn find_route(
    host: &str,
    path: &str,
    query: Option<&str>,
) -> Option<(&'static SearchEngineSpec, &'static Route)> {
    if !may_be_engine_host(host) {
        return None;
    }
    let path = path.split(';').next().unwrap_or(path);
    let query = query.unwrap_or("");
    ENGINES.iter().find_map(|engine| {
        let sub = subdomain_of(engine, host)?;
        let route = engine
            .routes
            .iter()
            .find(|r| route_matches(r, sub, path, query))?;
        Some((engine, route))
    })
}

/// Whether one of the last three labels of `host` names a search engine (`google`, `bing`,
/// `duckduckgo`…): every engine domain ends within them (`www.google.co.uk`, `swiggle.org.uk`).
/// Almost every URL judged is not a search: this rejects it with a few length-switched
/// comparisons, before the per-engine matching. A test keeps it in step with [`ENGINES`].
fn may_be_engine_host(host: &str) -> bool {
    crate::canon::last_labels(host).any(is_engine_label)
}

/// Whether a host label names a search engine, for [`may_be_engine_host`] and the engine's
/// host-first decision: one jump on the label's length and a few comparisons. The labels are
/// grouped by length, as data rather than a `matches!` (which compiles to code for each one).
pub(crate) fn is_engine_label(label: &[u8]) -> bool {
    let same_length: &[&[u8]] = match label.len() {
        2 => &[b"ya"],
        3 => &[b"aol", b"ask", b"bbc", b"yep", b"you"],
        4 => &[b"bing", b"kagi"],
        5 => &[b"baidu", b"brave", b"naver", b"qwant", b"yahoo"],
        6 => &[
            b"ecosia", b"google", b"kiddle", b"kidrex", b"mojeek", b"seznam", b"yandex",
        ],
        7 => &[b"dogpile", b"swiggle", b"youtube"],
        9 => &[
            b"dkfindout",
            b"presearch",
            b"startpage",
            b"swisscows",
            b"wikipedia",
        ],
        10 => &[b"duckduckgo", b"googleapis", b"kidzsearch", b"perplexity"],
        11 => &[b"qwantjunior"],
        14 => &[b"safesearchkids"],
        16 => &[b"youtube-nocookie"],
        _ => &[],
    };
    same_length.contains(&label)
}

/// The subdomain part of `host` if it belongs to one of the engine's domains (`""` for none).
fn subdomain_of<'h>(engine: &SearchEngineSpec, host: &'h str) -> Option<&'h str> {
    engine.domains.iter().find_map(|d| match *d {
        Domain::Exact(domain) => strip_domain(host, domain),
        Domain::AnyTld(name) => any_tld_subdomain(host, name),
    })
}

/// The subdomain part of `host` (`""` for none) if it is `domain` or under it.
pub(crate) fn strip_domain<'h>(host: &'h str, domain: &str) -> Option<&'h str> {
    if host == domain {
        return Some("");
    }
    host.strip_suffix(domain)?.strip_suffix('.')
}

/// Finds `name.<suffix>` at the end of `host`, where the suffix looks like a country or generic
/// top-level domain: `com`, `de`, `co.uk`, `com.au`. Returns the subdomain part.
fn any_tld_subdomain<'h>(host: &'h str, name: &str) -> Option<&'h str> {
    // A label equal to `name` needs `name` somewhere in the host: most hosts that passed
    // `may_be_engine_host` are other engines' and leave here without splitting into labels.
    if !host
        .as_bytes()
        .windows(name.len())
        .any(|w| w == name.as_bytes())
    {
        return None;
    }
    let labels: Vec<&str> = host.split('.').take(16).collect();
    let pos = labels.iter().rposition(|l| *l == name)?;
    let suffix = labels.get(pos + 1..)?;
    let suffix_ok = match suffix {
        [tld] => is_tld(tld),
        [second, cc] => matches!(*second, "co" | "com" | "org" | "net" | "ac") && is_cc(cc),
        _ => false,
    };
    if !suffix_ok {
        return None;
    }
    let sub_len = labels
        .get(..pos)?
        .iter()
        .map(|l| l.len() + 1)
        .sum::<usize>();
    host.get(..sub_len.saturating_sub(1))
}

fn is_cc(label: &str) -> bool {
    label.len() == 2 && label.bytes().all(|b| b.is_ascii_lowercase())
}

fn is_tld(label: &str) -> bool {
    is_cc(label) || matches!(label, "com" | "net" | "org" | "cat")
}

fn route_matches(route: &Route, sub: &str, path: &str, query: &str) -> bool {
    let sub_ok = match route.subdomains {
        Subdomains::Any => true,
        Subdomains::OneOf(list) => list.contains(&sub),
    };
    let path_ok = match route.path {
        PathPattern::Exact(p) => {
            let trimmed = path
                .strip_suffix('/')
                .filter(|t| !t.is_empty())
                .unwrap_or(path);
            let want = p.strip_suffix('/').filter(|t| !t.is_empty()).unwrap_or(p);
            trimmed.eq_ignore_ascii_case(want)
        }
        PathPattern::Prefix(p) | PathPattern::TermsAfter(p) => starts_with_ignore_case(path, p),
    };
    let requires_ok = match route.requires {
        None => true,
        Some((name, value)) => query::param(query, name).is_some_and(|v| v == value),
    };
    sub_ok && path_ok && requires_ok
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn terms_of(route: &Route, path: &str, query: &str) -> Option<String> {
    if let PathPattern::TermsAfter(prefix) = route.path {
        let rest = path.split(';').next().unwrap_or(path).get(prefix.len()..)?;
        if !rest.is_empty() {
            return Some(query::decode_path(rest).replace('_', " "));
        }
    }
    Some(query::joined_values(query, route.params))
}

fn vertical_of(route: &Route, query: &str) -> Vertical {
    route
        .verticals
        .iter()
        .find(|(name, value, _)| query::param(query, name).is_some_and(|v| v == *value))
        .map_or(route.vertical, |(_, _, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_engine_has_a_submitted_route() {
        for (i, e) in ENGINES.iter().enumerate() {
            assert!(
                ENGINES[..i].iter().all(|d| d.id != e.id),
                "duplicate {}",
                e.id
            );
            assert!(
                e.routes.iter().any(|r| r.kind == SearchKind::Submitted),
                "{}",
                e.id
            );
        }
    }

    #[test]
    fn google_country_domains_but_not_lookalikes() {
        assert_eq!(any_tld_subdomain("www.google.co.uk", "google"), Some("www"));
        assert_eq!(any_tld_subdomain("google.de", "google"), Some(""));
        assert_eq!(
            any_tld_subdomain("a.b.google.com.au", "google"),
            Some("a.b")
        );
        assert_eq!(any_tld_subdomain("google.example.com", "google"), None);
        assert_eq!(any_tld_subdomain("google.com.evil.net", "google"), None);
        assert_eq!(any_tld_subdomain("notgoogle.com", "google"), None);
    }

    #[test]
    fn redirector_is_not_a_search() {
        assert_eq!(
            extract("www.google.com", "/url", Some("q=https://example.com/")),
            None
        );
        assert_eq!(extract("www.google.com", "/search", Some("q=+")), None);
    }

    #[test]
    fn long_terms_are_cut() {
        let q = format!("q={}", "a".repeat(MAX_TERMS_CHARS + 5));
        let r = extract("www.bing.com", "/search", Some(&q));
        assert!(r
            .as_ref()
            .is_some_and(|r| r.truncated && r.terms.len() == MAX_TERMS_CHARS));
    }
}

#[cfg(test)]
mod prefilter_tests {
    use super::*;

    #[test]
    fn the_prefilter_knows_every_engine_domain() {
        for engine in ENGINES {
            for domain in engine.domains {
                let host = match *domain {
                    Domain::AnyTld(name) => format!("www.{name}.co.uk"),
                    Domain::Exact(d) => d.to_string(),
                };
                assert!(may_be_engine_host(&host), "{} ({host})", engine.id);
            }
        }
        assert!(!may_be_engine_host("www.thenational.academy"));
    }
}
