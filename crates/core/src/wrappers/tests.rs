use super::*;
use crate::canon::{canonicalize, parse, ParsedUrl};

/// What a URL carries: `(via, canonical page)` for each page, or `[(via, "opaque")]`.
fn carried(input: &str) -> Vec<(String, String)> {
    let Ok(parsed) = parse(input.as_bytes()) else {
        return Vec::new();
    };
    let pages = match parsed {
        ParsedUrl::Web(u) => match carried_by_web(&u) {
            Some(Wrapped::Pages(pages)) => pages,
            Some(Wrapped::Unjudgeable(via)) => return vec![(via.to_string(), "opaque".into())],
            None => Vec::new(),
        },
        ParsedUrl::Other(o) => carried_by_other(&o).into_iter().collect(),
    };
    pages
        .into_iter()
        .map(|c| {
            let inner =
                canonicalize(&c.url).map_or_else(|e| format!("invalid: {e}"), |u| u.to_string());
            (c.via.to_string(), inner)
        })
        .collect()
}

fn assert_carries(input: &str, via: &str, want: &str) {
    assert_eq!(
        carried(input),
        vec![(via.to_string(), want.to_string())],
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
        "https://www-bet365-com.cdn.ampproject.org/",
        "amp-cache",
        "https://www.bet365.com/",
    );
    assert_carries(
        "https://www.google.com/amp/s/example.com/story?x=1",
        "google-amp",
        "https://example.com/story?x=1",
    );
    assert!(carried("https://www.google.com/ampersand").is_empty());
}

#[test]
fn every_value_of_a_repeated_parameter_and_no_empty_one() {
    // Google's real result links: an empty `q` before the `url` that carries the page.
    assert_carries(
        "https://www.google.com/url?sa=t&q=&url=https%3A%2F%2Fbet365.com%2F&usg=x",
        "google-redirect",
        "https://bet365.com/",
    );
    assert_eq!(
        carried("https://www.google.com/url?q=https://bbc.co.uk/&q=https://bet365.com/"),
        vec![
            ("google-redirect".into(), "https://bbc.co.uk/".into()),
            ("google-redirect".into(), "https://bet365.com/".into()),
        ]
    );
    assert!(carried("https://www.google.com/url?q=&url=&sa=t").is_empty());
    let many: String = (0..50)
        .map(|i| format!("q=https://s{i}.example/&"))
        .collect();
    assert_eq!(
        carried(&format!("https://www.google.com/url?{many}")).len(),
        MAX_CARRIED
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
    assert_carries(
        "https://www.bing.com/ck/a?!&&p=abc&u=a1aHR0cHM6Ly93d3cuYmV0MzY1LmNvbS8&ntb=1",
        "bing-redirect",
        "https://www.bet365.com/",
    );
    assert!(carried("https://www.google.com/search?q=https://bet365.com").is_empty());
    assert!(carried("https://www.google.com/url").is_empty());
}

#[test]
fn archives_in_every_shape() {
    for (input, via, want) in [
        (
            "https://web.archive.org/web/20200101000000/https://bet365.com/x",
            "web-archive",
            "https://bet365.com/x",
        ),
        (
            "https://web.archive.org/web/2020id_/http://bet365.com/",
            "web-archive",
            "http://bet365.com/",
        ),
        (
            "https://web.archive.org/web/*/bet365.com",
            "web-archive",
            "http://bet365.com/",
        ),
        (
            "https://web.archive.org/web/https://bet365.com/",
            "web-archive",
            "https://bet365.com/",
        ),
        (
            "https://web.archive.org/save/https://bet365.com/",
            "web-archive",
            "https://bet365.com/",
        ),
        (
            "https://archive.ph/newest/https://bet365.com/",
            "archive-today",
            "https://bet365.com/",
        ),
        (
            "https://archive.is/https://bet365.com/",
            "archive-today",
            "https://bet365.com/",
        ),
        (
            "https://archive.today/2023.01.01-120000/https://bet365.com/",
            "archive-today",
            "https://bet365.com/",
        ),
        (
            "https://archive.ph/bet365.com",
            "archive-today",
            "http://bet365.com/",
        ),
        (
            "https://archive.ph/submit/?url=https%3A%2F%2Fbet365.com%2F",
            "archive-today",
            "https://bet365.com/",
        ),
        (
            "https://archive.ph/o/AbC12/https://bet365.com/",
            "archive-today",
            "https://bet365.com/",
        ),
        (
            "https://webarchive.nationalarchives.gov.uk/ukgwa/20230101000000/https://bet365.com/",
            "uk-government-web-archive",
            "https://bet365.com/",
        ),
    ] {
        assert_carries(input, via, want);
    }
    assert_carries("https://archive.ph/AbC12", "archive-today", "opaque");
    assert!(carried("https://web.archive.org/").is_empty());
    assert!(carried("https://archive.ph/").is_empty());
    assert!(carried("https://archive.ph/faq").is_empty());
    assert!(carried("https://archive.org/details/texts").is_empty());
}

#[test]
fn viewers_readers_and_image_proxies() {
    for (input, via, want) in [
        ("https://docs.google.com/viewer?url=https://bet365.com/a.pdf", "google-docs-viewer", "https://bet365.com/a.pdf"),
        ("https://drive.google.com/viewerng/viewer?url=https://bet365.com/a.pdf", "google-docs-viewer", "https://bet365.com/a.pdf"),
        ("https://view.officeapps.live.com/op/view.aspx?src=https%3A%2F%2Fbet365.com%2Fa.docx", "office-viewer", "https://bet365.com/a.docx"),
        ("https://r.jina.ai/https://bet365.com/", "jina-reader", "https://bet365.com/"),
        ("https://12ft.io/proxy?q=https%3A%2F%2Fbet365.com%2F", "12ft", "https://bet365.com/"),
        ("https://s.wordpress.com/mshots/v1/https%3A%2F%2Fbet365.com%2F?w=600", "wordpress-mshots", "https://bet365.com/?w=600"),
        ("https://external-content.duckduckgo.com/iu/?u=https%3A%2F%2Fbet365.com%2Fx.jpg&f=1", "duckduckgo-image-proxy", "https://bet365.com/x.jpg"),
        ("https://tse1.mm.bing.net/th?u=https%3A%2F%2Fbet365.com%2Fx.jpg&w=200", "bing-thumbnails", "https://bet365.com/x.jpg"),
        ("https://i0.wp.com/bet365.com/wp-content/x.jpg?ssl=1", "jetpack-photon", "http://bet365.com/wp-content/x.jpg?ssl=1"),
        ("https://images.weserv.nl/?url=bet365.com/x.jpg", "weserv", "http://bet365.com/x.jpg"),
        ("https://www.startpage.com/av/proxy-image?piurl=https%3A%2F%2Fbet365.com%2Fx.jpg", "startpage-image-proxy", "https://bet365.com/x.jpg"),
        ("https://translated.turbopages.org/proxy_u/en-ru.ru.ab12cd34-64e2/https/bet365.com/promo", "yandex-translate", "https://bet365.com/promo"),
        ("https://papago.naver.net/website?locale=en&source=auto&target=ko&url=https%3A%2F%2Fbet365.com%2F", "papago", "https://bet365.com/"),
        ("https://www.microsofttranslator.com/bv.aspx?from=&to=en&a=https%3A%2F%2Fbet365.com%2F", "bing-translator", "https://bet365.com/"),
        ("https://translate.yandex.com/translate?url=https%3A%2F%2Fbet365.com%2F&lang=en-ru", "yandex-translate", "https://bet365.com/"),
    ] {
        assert_carries(input, via, want);
    }
    for (input, via) in [
        (
            "https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQ",
            "google-thumbnails",
        ),
        (
            "https://tse2.mm.bing.net/th?id=OIP.abc&pid=Api",
            "bing-thumbnails",
        ),
        ("https://th.bing.com/th/id/OIP.abc?w=200", "bing-thumbnails"),
        (
            "https://www.startpage.com/av/proxy?ep=abc&ek=def",
            "startpage-anonymous-view",
        ),
        ("https://cc.bingj.com/cache.aspx?d=1&w=2", "bing-cache"),
        (
            "https://imgs.search.brave.com/sig/rs:fit:500:0:0/g:ce/aHR0cHM6Ly93d3cu",
            "brave-image-proxy",
        ),
    ] {
        assert_carries(input, via, "opaque");
    }
}

#[test]
fn view_source() {
    assert_carries(
        "view-source:https://bet365.com/",
        "view-source",
        "https://bet365.com/",
    );
}

#[test]
fn the_prefilter_knows_every_wrapper_host() {
    let mut count = 0;
    for w in rows() {
        count += 1;
        let hosts: Vec<String> = match w.hosts.split_once(':') {
            Some(("d", ds)) => ds.split(',').map(str::to_string).collect(),
            Some(("t", sub_name)) => vec![format!("{sub_name}.co.uk")],
            _ => panic!("{}: bad hosts {}", w.id, w.hosts),
        };
        for host in hosts {
            assert!(may_be_wrapper_host(&host), "{}: {host}", w.id);
            assert!(host_matches(w.hosts, &host), "{}: {host}", w.id);
        }
        assert!(w.path.is_empty() || w.path.starts_with('/'), "{}", w.id);
        let kind = w.carrier.split(':').next().unwrap_or_default();
        assert!(
            ["q", "Q", "p", "h", "a", "b", "o"].contains(&kind),
            "{}",
            w.id
        );
    }
    assert_eq!(
        count,
        WRAPPERS.lines().count(),
        "every line is a row of four fields"
    );
    assert!(count > 50);
}

#[test]
fn lookalike_google_hosts_are_not_wrappers() {
    assert!(carried("https://google.evil.example/url?q=https://x.com").is_empty());
    assert!(carried("https://notgoogle.com/url?q=https://x.com").is_empty());
}

#[test]
fn paths_match_at_slash_boundaries() {
    assert!(path_matches("/url", "/url"));
    assert!(path_matches("/url", "/URL/x"));
    assert!(!path_matches("/url", "/urls"));
    assert!(path_matches("", "/anything"));
    assert!(!path_matches("/av/proxy", "/av/proxy-image"));
}
