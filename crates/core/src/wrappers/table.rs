//! Every service that shows a pupil another page: one line per service and URL shape. Adding a
//! service is adding a line here, its host's telling label to `is_wrapper_label` (a test keeps
//! the two in step) and a row to `tests/fixtures/verdicts/engine.tsv`.
//!
//! Rows are grouped by class: translators, AMP and lite caches, redirectors, web archives,
//! document viewers, reader and "fetch this URL" services, image proxies. General web proxies
//! (CroxyProxy and the "unblocked" sites) carry pages in ways no URL shows: they are listed in
//! the `proxy-vpn` list instead, and blocked whole.
//!
//! The table is text, not an array of structs: the WebAssembly package carries every byte of
//! it, and text is a third of the size (and compresses far better) than the same rows as
//! pointers and lengths. Only URLs of the services' own hosts read it.

/// Every wrapper Schoolgate unwraps, one per line: `id hosts path carrier`.
///
/// - `hosts`: `d:example.com,example.org` (these domains and their subdomains), or
///   `t:sub.name` (`sub.name.<country or generic TLD>`; `www` also means none).
/// - `path`: matched at a `/` boundary (`/url` matches `/url` and `/url/x`, not `/urls`); `-`
///   means any.
/// - `carrier`: how the page is carried (see `read` in `mod.rs`): `q:names` every non-empty
///   value of these query parameters; `Q:names` the same, and a page that cannot be known when
///   there is none; `p` a URL in the path; `h:suffix` the origin encoded in the host name before
///   the suffix; `a` archive.today's shapes; `o` a page that cannot be known.
///
/// Every line whose host and path match a URL is read, and every page found is judged; a
/// service's later lines (same id, next to each other) are read only when its earlier ones
/// found no page.
#[rustfmt::skip]
pub const WRAPPERS: &str = concat!(
    // Translators.
    "google-translate d:translate.goog - h:.translate.goog\n",
    "google-translate t:translate.google - q:u\n",
    "google-translate d:translate.googleusercontent.com - q:u\n",
    "bing-translator d:microsofttranslator.com,translatetheweb.com,translatoruser-int.com,translatoruser.net - q:a,url\n",
    "bing-translator d:bing.com /translator q:url,a\n",
    "yandex-translate t:translate.yandex - q:url\n",
    // `/proxy_u/<languages and id>/<scheme>/<host>/<path>`.
    "yandex-translate d:translated.turbopages.org - p\n",
    "papago d:papago.naver.net - q:url\n",
    "papago d:papago.naver.com - q:url\n",
    "baidu-translate d:fanyi.baidu.com /transpage q:query\n",
    // AMP and lite caches.
    // `/c/s/<host>/<path>` (`s`: https), and the origin encoded in the cache's host name.
    "amp-cache d:cdn.ampproject.org - p\n",
    "amp-cache d:cdn.ampproject.org - h:.cdn.ampproject.org\n",
    "bing-amp d:bing-amp.com - p\n",
    "bing-amp d:bing-amp.com - h:.bing-amp.com\n",
    "google-amp t:www.google /amp p\n",
    "google-lite d:googleweblight.com - q:lite_url,u\n",
    // Redirectors: every value of every named parameter (`/url?sa=t&q=&url=…`).
    "google-redirect t:www.google /url q:q,url\n",
    "google-images t:www.google /imgres q:imgrefurl,imgurl\n",
    "google-lens d:lens.google.com - q:url\n",
    "youtube-redirect d:youtube.com /redirect q:q\n",
    "facebook-redirect d:l.facebook.com,lm.facebook.com /l.php q:u\n",
    "instagram-redirect d:l.instagram.com - q:u\n",
    // Bing's result links carry the page base64-encoded after `a1`.
    "bing-redirect d:bing.com /ck/a q:u\n",
    // Web archives, in every shape they accept.
    "web-archive d:archive.org /web p\n",
    "web-archive d:archive.org /save p\n",
    "web-archive d:archive.org - q:url\n",
    "uk-web-archive d:webarchive.org.uk /wayback p\n",
    "uk-government-web-archive d:webarchive.nationalarchives.gov.uk - p\n",
    "archive-today d:archive.ph,archive.today,archive.is,archive.li,archive.vn,archive.fo,archive.md - a\n",
    "ghost-archive d:ghostarchive.org /search q:term\n",
    "ghost-archive d:ghostarchive.org /archive o\n",
    "bing-cache d:cc.bingj.com - o\n",
    // Document viewers.
    "google-docs-viewer d:docs.google.com,drive.google.com - q:url\n",
    "office-viewer d:officeapps.live.com - q:src\n",
    "pdfjs-viewer d:mozilla.github.io /pdf.js q:file\n",
    // Reader, screenshot and "fetch this URL" services.
    "jina-reader d:r.jina.ai - p\n",
    "12ft d:12ft.io,1ft.io - q:q\n",
    "12ft d:12ft.io,1ft.io - p\n",
    "printfriendly d:printfriendly.com - q:url\n",
    "removepaywall d:removepaywall.com - q:url\n",
    "txtify d:txtify.it - p\n",
    "wordpress-mshots d:s.wordpress.com /mshots p\n",
    "thumio d:image.thum.io - p\n",
    "w3c-validator d:validator.w3.org - q:doc,uri\n",
    "pagespeed d:pagespeed.web.dev - q:url\n",
    // Image proxies: search engines' thumbnails, WordPress (Jetpack), weserv.
    "duckduckgo-image-proxy d:duckduckgo.com /iu q:u\n",
    "bing-thumbnails d:bing.net,bing.com /th Q:u\n",
    "google-thumbnails d:gstatic.com /images o\n",
    "google-image-proxy d:googleusercontent.com /proxy o\n",
    "yandex-thumbnails d:avatars.mds.yandex.net /i o\n",
    "startpage-image-proxy d:startpage.com /av/proxy-image q:piurl\n",
    "startpage-image-proxy d:startpage.com /av/anon-image q:piurl\n",
    // Startpage's "Anonymous View" is a general web proxy with an encrypted target.
    "startpage-anonymous-view d:startpage.com /av/proxy o\n",
    "brave-image-proxy d:imgs.search.brave.com - o\n",
    "jetpack-photon d:i0.wp.com,i1.wp.com,i2.wp.com,i3.wp.com - p\n",
    "weserv d:images.weserv.nl,wsrv.nl - q:url\n",
);

/// Whether a host label names a wrapper's site: one of the last three labels of every row's
/// host is here (`google` in `translate.google.co.uk`, `archive` in `web.archive.org`). Nearly
/// every URL judged is not a wrapper: one jump on the label's length and a few comparisons
/// reject it before the table is walked. The labels are grouped by length, as data rather than
/// a `matches!` (which compiles to code for every label); a test keeps them in step with the
/// rows.
pub(crate) fn is_wrapper_label(label: &[u8]) -> bool {
    let same_length: &[&[u8]] = match label.len() {
        2 => &[b"w3", b"wp"],
        3 => &[b"1ft"],
        4 => &[
            b"12ft", b"bing", b"goog", b"jina", b"live", b"thum", b"wsrv",
        ],
        5 => &[b"baidu", b"bingj", b"brave", b"naver"],
        6 => &[b"github", b"google", b"txtify", b"weserv", b"yandex"],
        7 => &[b"archive", b"gstatic", b"youtube"],
        8 => &[b"bing-amp", b"facebook"],
        9 => &[b"instagram", b"pagespeed", b"startpage", b"wordpress"],
        10 => &[b"ampproject", b"duckduckgo", b"turbopages", b"webarchive"],
        12 => &[b"ghostarchive"],
        13 => &[b"printfriendly", b"removepaywall"],
        14 => &[b"googleweblight", b"translatoruser"],
        15 => &[b"translatetheweb"],
        16 => &[b"nationalarchives"],
        17 => &[b"googleusercontent"],
        18 => &[b"translatoruser-int"],
        19 => &[b"microsofttranslator"],
        _ => &[],
    };
    same_length.contains(&label)
}
