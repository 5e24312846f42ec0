//! The search engine table: one entry per engine. To add an engine, add an entry here and a few
//! rows to `tests/fixtures/search/extract.tsv` and `safesearch.tsv`.

use PathPattern::{Exact, Prefix, TermsAfter};
use Subdomains::{Any, OneOf};
use Vertical::{Images, News, Videos};

use super::{
    Domain, PathPattern, Route, SafeSearchMechanism, SearchEngineSpec, SearchKind, Subdomains,
    Vertical,
};

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

const WWW: Subdomains = OneOf(&["", "www"]);

/// Google's search box and its advanced search form (all these words, this exact phrase, any of
/// these words, none of these words, the site to search in): each is a search term.
const GOOGLE_TERMS: &[&str] = &["q", "as_q", "as_epq", "as_oq", "as_eq", "as_sitesearch"];

/// Yahoo's search box and its advanced search form (all, exact phrase, any, none of the words).
const YAHOO_TERMS: &[&str] = &["p", "q", "va", "vp", "vo", "ve"];

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
pub static ENGINES: &[SearchEngineSpec] = &[
    SearchEngineSpec {
        id: "google",
        name: "Google",
        domains: &[Domain::AnyTld("google")],
        routes: &[
            with_verticals(submitted(OneOf(&["", "www", "images"]), Exact("/search"), GOOGLE_TERMS), GOOGLE_VERTICALS),
            with_vertical(submitted(OneOf(&["news"]), Prefix("/search"), GOOGLE_TERMS), News),
            with_vertical(submitted(OneOf(&["", "www"]), Exact("/images"), GOOGLE_TERMS), Images),
            with_verticals(submitted(WWW, Exact("/webhp"), GOOGLE_TERMS), GOOGLE_VERTICALS),
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
            with_vertical(submitted(Any, Prefix("/search/images"), YAHOO_TERMS), Images),
            with_vertical(submitted(Any, Prefix("/search/video"), YAHOO_TERMS), Videos),
            with_vertical(submitted(Any, Prefix("/search/news"), YAHOO_TERMS), News),
            submitted(Any, Exact("/search"), YAHOO_TERMS),
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
    // Child-safe engines UK primary schools direct pupils to: their searches are judged too.
    SearchEngineSpec {
        id: "bbc",
        name: "BBC Search",
        domains: &[Domain::Exact("bbc.co.uk"), Domain::Exact("bbc.com")],
        routes: &[
            submitted(OneOf(&["", "www", "search"]), Exact("/search"), &["q"]),
            submitted(WWW, Exact("/bitesize/search"), &["q"]),
            submitted(WWW, Exact("/cbbc/search"), &["q"]),
            submitted(WWW, Exact("/cbeebies/search"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(KID_SAFE),
    },
    SearchEngineSpec {
        id: "dkfindout",
        name: "DK Find Out!",
        domains: &[Domain::Exact("dkfindout.com")],
        routes: &[
            submitted(Any, Prefix("/uk/search"), &["q", "query", "keywords"]),
            submitted(Any, Prefix("/us/search"), &["q", "query", "keywords"]),
            submitted(Any, Prefix("/search"), &["q", "query", "keywords"]),
        ],
        safesearch: SafeSearchMechanism::None(KID_SAFE),
    },
    SearchEngineSpec {
        id: "kidrex",
        name: "Kids Rex",
        domains: &[Domain::Exact("kidrex.org")],
        routes: &[
            submitted(Any, Prefix("/"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(KID_SAFE),
    },
    SearchEngineSpec {
        id: "kidzsearch",
        name: "KidzSearch",
        domains: &[Domain::Exact("kidzsearch.com")],
        routes: &[
            submitted(Any, Prefix("/"), &["q", "query"]),
        ],
        safesearch: SafeSearchMechanism::None(KID_SAFE),
    },
    SearchEngineSpec {
        id: "qwantjunior",
        name: "Qwant Junior",
        domains: &[Domain::Exact("qwantjunior.com")],
        routes: &[
            submitted(Any, Prefix("/"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(KID_SAFE),
    },
    SearchEngineSpec {
        id: "safesearchkids",
        name: "Safe Search Kids",
        domains: &[Domain::Exact("safesearchkids.com")],
        routes: &[
            submitted(Any, Prefix("/"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(KID_SAFE),
    },
    // Every other general engine a pupil might reach.
    SearchEngineSpec {
        id: "mojeek",
        name: "Mojeek",
        domains: &[Domain::Exact("mojeek.com"), Domain::Exact("mojeek.co.uk")],
        routes: &[
            submitted(WWW, Exact("/search"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::Param { name: "safe", strict: "1", moderate: None },
    },
    SearchEngineSpec {
        id: "aol",
        name: "AOL Search",
        domains: &[Domain::Exact("search.aol.com"), Domain::Exact("search.aol.co.uk")],
        routes: &[
            with_vertical(submitted(Any, Prefix("/aol/image"), &["q", "query"]), Images),
            with_vertical(submitted(Any, Prefix("/aol/video"), &["q", "query"]), Videos),
            submitted(Any, Prefix("/aol/search"), &["q", "query"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "ask",
        name: "Ask",
        domains: &[Domain::Exact("ask.com")],
        routes: &[
            submitted(WWW, Exact("/web"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "dogpile",
        name: "Dogpile",
        domains: &[Domain::Exact("dogpile.com")],
        routes: &[
            submitted(WWW, Exact("/serp"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "yep",
        name: "Yep",
        domains: &[Domain::Exact("yep.com")],
        routes: &[
            submitted(WWW, Exact("/web"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "you",
        name: "You.com",
        domains: &[Domain::Exact("you.com")],
        routes: &[
            submitted(WWW, Exact("/search"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "presearch",
        name: "Presearch",
        domains: &[Domain::Exact("presearch.com")],
        routes: &[
            submitted(WWW, Exact("/search"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "kagi",
        name: "Kagi",
        domains: &[Domain::Exact("kagi.com")],
        routes: &[
            submitted(WWW, Exact("/search"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "perplexity",
        name: "Perplexity",
        domains: &[Domain::Exact("perplexity.ai")],
        routes: &[
            submitted(WWW, Exact("/search"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "swisscows",
        name: "Swisscows",
        domains: &[Domain::Exact("swisscows.com")],
        routes: &[
            submitted(WWW, Prefix("/"), &["query"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "naver",
        name: "Naver",
        domains: &[Domain::Exact("search.naver.com")],
        routes: &[
            submitted(Any, Exact("/search.naver"), &["query"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
    SearchEngineSpec {
        id: "seznam",
        name: "Seznam",
        domains: &[Domain::Exact("search.seznam.cz")],
        routes: &[
            submitted(Any, Exact("/"), &["q"]),
        ],
        safesearch: SafeSearchMechanism::None(NO_PARAM),
    },
];

const KID_SAFE: &str = "A child-safe engine that always filters.";
const NO_PARAM: &str = "No URL parameter forces SafeSearch here.";
