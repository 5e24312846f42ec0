//! Which URLs are searches: one data table of search engines, and [`extract`].
//!
//! Each [`SearchEngineSpec`] names the engine's domains, the routes (host prefix, path, query
//! parameter) that carry a search, whether a route is a submitted search or an autocomplete
//! request, and how SafeSearch is enforced on it. Adding an engine is adding one entry to
//! [`ENGINES`]; the fixture `tests/fixtures/search/extract.tsv` shows the URLs each one expects.

use serde::Serialize;

use super::query;

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
    /// The query parameters holding the terms, tried in order; the first non-empty one wins.
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
pub struct SearchRequest {
    /// The engine's [`SearchEngineSpec::id`].
    pub engine: &'static str,
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
pub fn extract(host: &str, path: &str, query: Option<&str>) -> Option<SearchRequest> {
    let (engine, route) = find_route(host, path, query)?;
    let raw = terms_of(route, path, query.unwrap_or(""))?;
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let truncated = trimmed.chars().nth(MAX_TERMS_CHARS).is_some();
    let terms: String = trimmed.chars().take(MAX_TERMS_CHARS).collect();
    Some(SearchRequest {
        engine: engine.id,
        kind: route.kind,
        vertical: vertical_of(route, query.unwrap_or("")),
        terms,
        truncated,
    })
}

/// The engine serving this host, if any.
pub fn engine_for_host(host: &str) -> Option<&'static SearchEngineSpec> {
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

/// The subdomain part of `host` if it belongs to one of the engine's domains (`""` for none).
fn subdomain_of<'h>(engine: &SearchEngineSpec, host: &'h str) -> Option<&'h str> {
    engine.domains.iter().find_map(|d| match *d {
        Domain::Exact(domain) => strip_domain(host, domain),
        Domain::AnyTld(name) => any_tld_subdomain(host, name),
    })
}

fn strip_domain<'h>(host: &'h str, domain: &str) -> Option<&'h str> {
    if host == domain {
        return Some("");
    }
    host.strip_suffix(domain)?.strip_suffix('.')
}

/// Finds `name.<suffix>` at the end of `host`, where the suffix looks like a country or generic
/// top-level domain: `com`, `de`, `co.uk`, `com.au`. Returns the subdomain part.
fn any_tld_subdomain<'h>(host: &'h str, name: &str) -> Option<&'h str> {
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
    route
        .params
        .iter()
        .filter_map(|name| query::param(query, name))
        .find(|v| !v.trim().is_empty())
}

fn vertical_of(route: &Route, query: &str) -> Vertical {
    route
        .verticals
        .iter()
        .find(|(name, value, _)| query::param(query, name).is_some_and(|v| v == *value))
        .map_or(route.vertical, |(_, _, v)| *v)
}

const fn route(
    subdomains: Subdomains,
    path: PathPattern,
    params: &'static [&'static str],
    kind: SearchKind,
    vertical: Vertical,
) -> Route {
    Route {
        subdomains,
        path,
        requires: None,
        params,
        kind,
        vertical,
        verticals: &[],
    }
}

const fn submitted(
    subdomains: Subdomains,
    path: PathPattern,
    params: &'static [&'static str],
) -> Route {
    route(
        subdomains,
        path,
        params,
        SearchKind::Submitted,
        Vertical::Web,
    )
}

const fn suggestion(
    subdomains: Subdomains,
    path: PathPattern,
    params: &'static [&'static str],
) -> Route {
    route(
        subdomains,
        path,
        params,
        SearchKind::Suggestion,
        Vertical::Web,
    )
}

const fn with_vertical(mut r: Route, vertical: Vertical) -> Route {
    r.vertical = vertical;
    r
}

const fn with_verticals(
    mut r: Route,
    verticals: &'static [(&'static str, &'static str, Vertical)],
) -> Route {
    r.verticals = verticals;
    r
}

const fn requiring(mut r: Route, name: &'static str, value: &'static str) -> Route {
    r.requires = Some((name, value));
    r
}

use PathPattern::{Exact, Prefix, TermsAfter};
use Subdomains::{Any, OneOf};
use Vertical::{Images, News, Videos};

const WWW: Subdomains = OneOf(&["", "www"]);

const GOOGLE_VERTICALS: &[(&str, &str, Vertical)] = &[
    ("tbm", "isch", Images),
    ("tbm", "vid", Videos),
    ("tbm", "nws", News),
    ("udm", "2", Images),
    ("udm", "7", Videos),
];

const DDG_VERTICALS: &[(&str, &str, Vertical)] = &[
    ("ia", "images", Images),
    ("iax", "images", Images),
    ("ia", "videos", Videos),
    ("ia", "news", News),
];

const QWANT_VERTICALS: &[(&str, &str, Vertical)] = &[
    ("t", "images", Images),
    ("t", "videos", Videos),
    ("t", "news", News),
];

/// The YouTube hosts Google documents for the `YouTube-Restrict` header.
pub const YOUTUBE_RESTRICT_HOSTS: &[&str] = &[
    "www.youtube.com",
    "m.youtube.com",
    "youtubei.googleapis.com",
    "youtube.googleapis.com",
    "www.youtube-nocookie.com",
];

/// Every search engine Schoolgate recognises. To add one, add an entry and a few lines to
/// `tests/fixtures/search/extract.tsv`.
pub const ENGINES: &[SearchEngineSpec] = &[
    SearchEngineSpec {
        id: "google",
        name: "Google",
        domains: &[Domain::AnyTld("google")],
        routes: &[
            with_verticals(submitted(OneOf(&["", "www", "images"]), Exact("/search"), &["q"]), GOOGLE_VERTICALS),
            with_vertical(submitted(OneOf(&["news"]), Prefix("/search"), &["q"]), News),
            with_vertical(submitted(OneOf(&["", "www"]), Exact("/images"), &["q"]), Images),
            with_verticals(submitted(WWW, Exact("/webhp"), &["q"]), GOOGLE_VERTICALS),
            suggestion(Any, Exact("/complete/search"), &["q"]),
            suggestion(WWW, Exact("/s"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::Param { name: "safe", strict: "active", moderate: None },
    },
    SearchEngineSpec {
        id: "bing",
        name: "Bing",
        domains: &[Domain::Exact("bing.com")],
        routes: &[
            submitted(OneOf(&["", "www", "cn"]), Exact("/search"), &["q"]),
            with_vertical(submitted(OneOf(&["", "www", "cn"]), Exact("/images/search"), &["q"]), Images),
            with_vertical(submitted(OneOf(&["", "www", "cn"]), Exact("/videos/search"), &["q"]), Videos),
            with_vertical(submitted(OneOf(&["", "www", "cn"]), Exact("/news/search"), &["q"]), News),
            suggestion(Any, Exact("/AS/Suggestions"), &["qry", "q"]),
            suggestion(Any, Exact("/osjson.aspx"), &["query", "q"]),
            suggestion(Any, Exact("/qsonhs.aspx"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::Param { name: "adlt", strict: "strict", moderate: Some("moderate") },
    },
    SearchEngineSpec {
        id: "duckduckgo",
        name: "DuckDuckGo",
        domains: &[Domain::Exact("duckduckgo.com")],
        routes: &[
            suggestion(Any, Exact("/ac"), &["q"]),
            with_verticals(submitted(Any, Exact("/"), &["q"]), DDG_VERTICALS),
            submitted(Any, Exact("/html"), &["q"]),
            submitted(Any, Exact("/lite"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::Param { name: "kp", strict: "1", moderate: Some("-1") },
    },
    SearchEngineSpec {
        id: "yahoo",
        name: "Yahoo",
        domains: &[Domain::Exact("search.yahoo.com")],
        routes: &[
            with_vertical(submitted(Any, Prefix("/search/images"), &["p"]), Images),
            with_vertical(submitted(Any, Prefix("/search/video"), &["p"]), Videos),
            with_vertical(submitted(Any, Prefix("/search/news"), &["p"]), News),
            submitted(Any, Exact("/search"), &["p", "q"]),
            suggestion(Any, Prefix("/sugg/"), &["command"]),
            suggestion(Any, Exact("/gossip"), &["command"]),
        ],
        safesearch: SafeSearchMechanism::Param { name: "vm", strict: "r", moderate: Some("i") },
    },
    SearchEngineSpec {
        id: "yandex",
        name: "Yandex",
        domains: &[Domain::AnyTld("yandex"), Domain::Exact("ya.ru")],
        routes: &[
            submitted(WWW, Exact("/search"), &["text"]),
            with_vertical(submitted(WWW, Exact("/images/search"), &["text"]), Images),
            with_vertical(submitted(WWW, Exact("/video/search"), &["text"]), Videos),
            suggestion(Any, Prefix("/suggest"), &["part", "text"]),
        ],
        safesearch: SafeSearchMechanism::None(
            "Yandex keeps its family filter in a cookie; no URL parameter forces it. Block Yandex for pupils or use Yandex's family DNS.",
        ),
    },
    SearchEngineSpec {
        id: "ecosia",
        name: "Ecosia",
        domains: &[Domain::Exact("ecosia.org")],
        routes: &[
            submitted(WWW, Exact("/search"), &["q"]),
            with_vertical(submitted(WWW, Exact("/images"), &["q"]), Images),
            with_vertical(submitted(WWW, Exact("/videos"), &["q"]), Videos),
            with_vertical(submitted(WWW, Exact("/news"), &["q"]), News),
            suggestion(OneOf(&["ac"]), Prefix("/"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(
            "Ecosia keeps SafeSearch in its settings cookie; no URL parameter forces it. Block Ecosia for pupils if that matters.",
        ),
    },
    SearchEngineSpec {
        id: "brave",
        name: "Brave Search",
        domains: &[Domain::Exact("search.brave.com")],
        routes: &[
            submitted(Any, Exact("/search"), &["q"]),
            with_vertical(submitted(Any, Exact("/images"), &["q"]), Images),
            with_vertical(submitted(Any, Exact("/videos"), &["q"]), Videos),
            with_vertical(submitted(Any, Exact("/news"), &["q"]), News),
            suggestion(Any, Exact("/api/suggest"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::Param { name: "safesearch", strict: "strict", moderate: Some("moderate") },
    },
    SearchEngineSpec {
        id: "qwant",
        name: "Qwant",
        domains: &[Domain::Exact("qwant.com")],
        routes: &[
            suggestion(OneOf(&["api"]), Prefix("/v3/suggest"), &["q"]),
            suggestion(OneOf(&["api"]), Prefix("/api/suggest"), &["q"]),
            with_verticals(submitted(OneOf(&["api"]), Prefix("/v3/search/"), &["q"]), QWANT_VERTICALS),
            with_verticals(submitted(OneOf(&["", "www", "lite"]), Exact("/"), &["q"]), QWANT_VERTICALS),
        ],
        safesearch: SafeSearchMechanism::Param { name: "s", strict: "2", moderate: Some("1") },
    },
    SearchEngineSpec {
        id: "startpage",
        name: "Startpage",
        domains: &[Domain::Exact("startpage.com")],
        routes: &[
            submitted(Any, Exact("/sp/search"), &["query", "q"]),
            submitted(Any, Exact("/do/search"), &["query", "q"]),
            submitted(Any, Exact("/do/dsearch"), &["query", "q"]),
            suggestion(Any, Exact("/suggestions"), &["q", "query"]),
            suggestion(Any, Exact("/osuggestions"), &["q", "query"]),
            suggestion(Any, Exact("/sp/suggestions"), &["q", "query"]),
        ],
        safesearch: SafeSearchMechanism::Param { name: "qadf", strict: "heavy", moderate: Some("moderate") },
    },
    SearchEngineSpec {
        id: "baidu",
        name: "Baidu",
        domains: &[Domain::Exact("baidu.com")],
        routes: &[
            submitted(OneOf(&["", "www", "m"]), Exact("/s"), &["wd", "word"]),
            with_vertical(submitted(OneOf(&["image"]), Prefix("/search"), &["word", "wd"]), Images),
            suggestion(OneOf(&["suggestion"]), Exact("/su"), &["wd"]),
            suggestion(OneOf(&["", "www"]), Exact("/sugrec"), &["wd"]),
        ],
        safesearch: SafeSearchMechanism::None("Baidu has no SafeSearch setting that a request can force."),
    },
    SearchEngineSpec {
        id: "youtube",
        name: "YouTube",
        domains: &[Domain::Exact("youtube.com"), Domain::Exact("youtube-nocookie.com"), Domain::Exact("youtubei.googleapis.com")],
        routes: &[
            with_vertical(submitted(OneOf(&["", "www", "m", "music"]), Exact("/results"), &["search_query", "q"]), Videos),
            with_vertical(suggestion(Any, Exact("/complete/search"), &["q"]), Videos),
        ],
        safesearch: SafeSearchMechanism::Header {
            name: "YouTube-Restrict",
            strict: "Strict",
            moderate: "Moderate",
            hosts: YOUTUBE_RESTRICT_HOSTS,
        },
    },
    SearchEngineSpec {
        id: "wikipedia",
        name: "Wikipedia",
        domains: &[Domain::Exact("wikipedia.org")],
        routes: &[
            requiring(suggestion(Any, Exact("/w/api.php"), &["search"]), "action", "opensearch"),
            requiring(suggestion(Any, Exact("/w/api.php"), &["pssearch", "srsearch"]), "action", "query"),
            suggestion(Any, Prefix("/w/rest.php/v1/search/title"), &["q"]),
            submitted(Any, Exact("/w/index.php"), &["search"]),
            submitted(Any, TermsAfter("/wiki/Special:Search/"), &["search"]),
            submitted(Any, Exact("/wiki/Special:Search"), &["search"]),
        ],
        safesearch: SafeSearchMechanism::None("Wikipedia has no SafeSearch; its articles are judged like any page."),
    },
    SearchEngineSpec {
        id: "kiddle",
        name: "Kiddle",
        domains: &[Domain::Exact("kiddle.co")],
        routes: &[
            submitted(WWW, Exact("/s.php"), &["q"]),
            with_vertical(submitted(WWW, Exact("/i.php"), &["q"]), Images),
            with_vertical(submitted(WWW, Exact("/v.php"), &["q"]), Videos),
            with_vertical(submitted(WWW, Exact("/n.php"), &["q"]), News),
            submitted(OneOf(&["kids"]), Exact("/index.php"), &["search"]),
        ],
        safesearch: SafeSearchMechanism::None("Kiddle is a child-safe engine that always filters."),
    },
    SearchEngineSpec {
        id: "swiggle",
        name: "Swiggle",
        domains: &[Domain::Exact("swiggle.org.uk")],
        routes: &[
            submitted(WWW, Exact("/"), &["q", "search"]),
            submitted(WWW, Exact("/search"), &["q", "search"]),
            with_vertical(submitted(WWW, Exact("/images"), &["q", "search"]), Images),
        ],
        safesearch: SafeSearchMechanism::None("Swiggle (SWGfL) is a child-safe engine that always filters."),
    },
];

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
