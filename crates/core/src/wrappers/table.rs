//! Every service that shows a pupil another page: one row per service and URL shape. Adding a
//! service is adding a row here, its host's telling label to `is_wrapper_label` (a test keeps
//! the two in step) and a row to `tests/fixtures/verdicts/engine.tsv`.
//!
//! Rows are grouped by class: translators, AMP and lite caches, redirectors, web archives,
//! document viewers, reader and "fetch this URL" services, image proxies. General web proxies
//! (CroxyProxy and the "unblocked" sites) carry pages in ways no URL shows: they are listed in
//! the `proxy-vpn` list instead, and blocked whole.

use super::Carrier::{
    Amp, ArchiveToday, Base64Path, HexPath, HostEncoded, Opaque, PathUrl, Query, QueryElseOpaque,
};
use super::HostPattern::{AnyTld, Domain, Domains};
use super::{row, Wrapper};

const ARCHIVE_TODAY: &[&str] = &[
    "archive.ph",
    "archive.today",
    "archive.is",
    "archive.li",
    "archive.vn",
    "archive.fo",
    "archive.md",
];

/// Every wrapper Schoolgate unwraps. Every row whose host and path match a URL is read, and
/// every page they find is judged.
#[rustfmt::skip]
pub const WRAPPERS: &[Wrapper] = &[
    // Translators.
    row("google-translate", Domain("translate.goog"), "", HostEncoded(".translate.goog")),
    row("google-translate", AnyTld("translate.google"), "", Query(&["u"])),
    row("google-translate", Domain("translate.googleusercontent.com"), "", Query(&["u"])),
    row("bing-translator", Domain("microsofttranslator.com"), "", Query(&["a", "url"])),
    row("bing-translator", Domain("translatetheweb.com"), "", Query(&["a", "url"])),
    row("bing-translator", Domain("translatoruser-int.com"), "", Query(&["a", "url"])),
    row("bing-translator", Domain("translatoruser.net"), "", Query(&["a", "url"])),
    row("bing-translator", Domain("bing.com"), "/translator", Query(&["url", "a"])),
    row("yandex-translate", AnyTld("translate.yandex"), "", Query(&["url"])),
    // `/proxy_u/<languages and id>/<scheme>/<host>/<path>`.
    row("yandex-translate", Domain("translated.turbopages.org"), "", PathUrl),
    row("yandex-translate", Domain("z5h64q92x9.net"), "", PathUrl),
    row("papago", Domain("papago.naver.net"), "", Query(&["url"])),
    row("papago", Domain("papago.naver.com"), "", Query(&["url"])),
    row("baidu-translate", Domain("fanyi.baidu.com"), "/transpage", Query(&["query"])),
    // AMP and lite caches.
    row("amp-cache", Domain("cdn.ampproject.org"), "", Amp(".cdn.ampproject.org")),
    row("bing-amp", Domain("bing-amp.com"), "", Amp(".bing-amp.com")),
    row("google-amp", AnyTld("google"), "/amp", Amp("")),
    row("google-lite", Domain("googleweblight.com"), "", Query(&["lite_url", "u"])),
    // Redirectors: every value of every named parameter (`/url?sa=t&q=&url=…`).
    row("google-redirect", AnyTld("google"), "/url", Query(&["q", "url"])),
    row("google-images", AnyTld("google"), "/imgres", Query(&["imgrefurl", "imgurl"])),
    row("google-lens", Domain("lens.google.com"), "", Query(&["url"])),
    row("youtube-redirect", Domain("youtube.com"), "/redirect", Query(&["q"])),
    row("facebook-redirect", Domains(&["l.facebook.com", "lm.facebook.com"]), "/l.php", Query(&["u"])),
    row("instagram-redirect", Domain("l.instagram.com"), "", Query(&["u"])),
    // Bing's result links carry the page base64-encoded after `a1`.
    row("bing-redirect", Domain("bing.com"), "/ck/a", Query(&["u"])),
    // Web archives, in every shape they accept.
    row("web-archive", Domain("archive.org"), "/web", PathUrl),
    row("web-archive", Domain("archive.org"), "/save", PathUrl),
    row("web-archive", Domain("archive.org"), "", Query(&["url"])),
    row("uk-web-archive", Domain("webarchive.org.uk"), "/wayback", PathUrl),
    row("uk-government-web-archive", Domain("webarchive.nationalarchives.gov.uk"), "", PathUrl),
    row("arquivo", Domain("arquivo.pt"), "/wayback", PathUrl),
    row("archive-today", Domains(ARCHIVE_TODAY), "", ArchiveToday),
    row("ghost-archive", Domain("ghostarchive.org"), "/search", Query(&["term"])),
    row("ghost-archive", Domain("ghostarchive.org"), "/archive", Opaque),
    row("google-cache", Domain("webcache.googleusercontent.com"), "", Query(&["q"])),
    row("bing-cache", Domain("cc.bingj.com"), "", Opaque),
    row("yandex-cache", Domain("yandexwebcache.net"), "", Query(&["url"])),
    // Document viewers.
    row("google-docs-viewer", Domains(&["docs.google.com", "drive.google.com"]), "", Query(&["url"])),
    row("office-viewer", Domain("officeapps.live.com"), "", Query(&["src"])),
    row("pdfjs-viewer", Domain("mozilla.github.io"), "/pdf.js", Query(&["file"])),
    // Reader, screenshot and "fetch this URL" services.
    row("jina-reader", Domain("r.jina.ai"), "", PathUrl),
    row("12ft", Domains(&["12ft.io", "1ft.io"]), "", Query(&["q"])),
    row("12ft", Domains(&["12ft.io", "1ft.io"]), "", PathUrl),
    row("printfriendly", Domain("printfriendly.com"), "", Query(&["url"])),
    row("removepaywall", Domain("removepaywall.com"), "", Query(&["url"])),
    row("removepaywall", Domain("removepaywall.com"), "", PathUrl),
    row("txtify", Domain("txtify.it"), "", PathUrl),
    row("wordpress-mshots", Domain("s.wordpress.com"), "/mshots", PathUrl),
    row("thumio", Domain("image.thum.io"), "", PathUrl),
    row("w3c-validator", Domain("validator.w3.org"), "", Query(&["doc", "uri"])),
    row("google-test-tools", Domain("search.google.com"), "/test", Query(&["url"])),
    row("pagespeed", Domain("pagespeed.web.dev"), "", Query(&["url"])),
    // Image proxies: search engines' thumbnails, WordPress (Jetpack), weserv, GitHub's camo.
    row("duckduckgo-image-proxy", Domain("duckduckgo.com"), "/iu", Query(&["u"])),
    row("bing-thumbnails", Domains(&["bing.net", "bing.com"]), "/th", QueryElseOpaque(&["u"])),
    row("google-thumbnails", Domain("gstatic.com"), "/images", Opaque),
    row("google-image-proxy", Domain("googleusercontent.com"), "/proxy", Opaque),
    row("yandex-thumbnails", Domain("avatars.mds.yandex.net"), "/i", Opaque),
    row("startpage-image-proxy", Domain("startpage.com"), "/av/proxy-image", Query(&["piurl"])),
    row("startpage-image-proxy", Domain("startpage.com"), "/av/anon-image", Query(&["piurl"])),
    // Startpage's "Anonymous View" is a general web proxy with an encrypted target.
    row("startpage-anonymous-view", Domain("startpage.com"), "/av/proxy", Opaque),
    row("brave-image-proxy", Domain("imgs.search.brave.com"), "", Base64Path),
    row("jetpack-photon", Domains(&["i0.wp.com", "i1.wp.com", "i2.wp.com", "i3.wp.com"]), "", PathUrl),
    row("weserv", Domains(&["images.weserv.nl", "wsrv.nl"]), "", Query(&["url"])),
    row("camo", Domain("camo.githubusercontent.com"), "", HexPath),
    row("camo", Domain("camo.githubusercontent.com"), "", Query(&["url"])),
    row("statically", Domain("cdn.statically.io"), "/img", PathUrl),
];

/// Whether a host label names a wrapper's site: one of the last three labels of every row's
/// host is here (`google` in `translate.google.co.uk`, `archive` in `web.archive.org`). Nearly
/// every URL judged is not a wrapper: a few length-switched comparisons reject it before the
/// table is walked.
pub(crate) fn is_wrapper_label(label: &[u8]) -> bool {
    matches!(
        label,
        b"goog"
            | b"google"
            | b"googleusercontent"
            | b"gstatic"
            | b"googleweblight"
            | b"ampproject"
            | b"bing-amp"
            | b"youtube"
            | b"facebook"
            | b"instagram"
            | b"bing"
            | b"bingj"
            | b"microsofttranslator"
            | b"translatetheweb"
            | b"translatoruser-int"
            | b"translatoruser"
            | b"yandex"
            | b"turbopages"
            | b"z5h64q92x9"
            | b"yandexwebcache"
            | b"naver"
            | b"baidu"
            | b"archive"
            | b"webarchive"
            | b"nationalarchives"
            | b"arquivo"
            | b"ghostarchive"
            | b"live"
            | b"github"
            | b"githubusercontent"
            | b"jina"
            | b"12ft"
            | b"1ft"
            | b"printfriendly"
            | b"removepaywall"
            | b"txtify"
            | b"wordpress"
            | b"thum"
            | b"w3"
            | b"pagespeed"
            | b"duckduckgo"
            | b"startpage"
            | b"brave"
            | b"wp"
            | b"weserv"
            | b"wsrv"
            | b"statically"
    )
}
