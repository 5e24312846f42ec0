//! Services that show a pupil another page: translation proxies, AMP and lite caches,
//! redirectors, web archives, document viewers, reader and screenshot services, image proxies,
//! and `view-source:`. A wrapped page is judged by every page it carries too, and the strictest
//! verdict wins (the engine does the combining); the service itself is still judged as a site,
//! so the archive's own home page stays allowed.
//!
//! A service whose page cannot be known from its URL (an archive's opaque snapshot id, a search
//! engine's thumbnail, Startpage's encrypted "Anonymous View") is [`Wrapped::Unjudgeable`]: the
//! engine judges it as filter bypass (`proxy-vpn`), blocked for pupils by the presets. So is a
//! page wrapped deeper than the engine looks.
//!
//! Each service and URL shape is one line of [`WRAPPERS`] (in `table.rs`); adding one is
//! adding a line. General web proxies, whose target no URL shows, are on the `proxy-vpn` list.

mod decode;
mod table;

use crate::canon::{CanonicalUrl, OtherSchemeUrl};
use crate::search::query;

pub(crate) use table::is_wrapper_label;
pub use table::WRAPPERS;

/// The most pages one URL is read as carrying; more are not judged (a URL that repeats a
/// parameter a hundred times still costs eight judgements).
pub const MAX_CARRIED: usize = 8;

/// One line of [`WRAPPERS`]: a service and URL shape (the fields are described there).
#[derive(Debug, Clone, Copy)]
struct Row<'t> {
    /// A stable id shown in verdicts (`google-translate`, `amp-cache`, …).
    id: &'static str,
    /// `d:` domains or `t:sub.name`.
    hosts: &'t str,
    /// A path prefix matched at a `/` boundary; empty for any.
    path: &'t str,
    /// How the page is carried.
    carrier: &'t str,
}

/// The rows of [`WRAPPERS`].
fn rows() -> impl Iterator<Item = Row<'static>> {
    WRAPPERS.lines().filter_map(|line| {
        let mut fields = line.split(' ');
        let id = fields.next()?;
        let hosts = fields.next()?;
        let path = fields.next()?;
        let carrier = fields.next()?;
        let path = if path == "-" { "" } else { path };
        Some(Row {
            id,
            hosts,
            path,
            carrier,
        })
    })
}

/// A page carried by a wrapper, still to be parsed and judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The service's id from [`WRAPPERS`] (or `view-source`).
    pub via: &'static str,
    /// The carried URL as bytes, ready for [`crate::canon::parse`].
    pub url: Vec<u8>,
}

/// What a wrapper URL carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrapped {
    /// Pages to judge, at most [`MAX_CARRIED`], each with the service that carries it.
    Pages(Vec<Carried>),
    /// A page that cannot be known from the URL, shown by this service.
    Unjudgeable(&'static str),
}

/// What a web URL carries, if it is a known wrapper.
pub fn carried_by_web(url: &CanonicalUrl) -> Option<Wrapped> {
    if !may_be_wrapper_host(url.host()) {
        return None;
    }
    carried_by_wrapper_site(url)
}

/// [`carried_by_web`] past its prefilter. Kept out of line so that the few URLs of wrapper sites
/// pay for it, not every verdict: WebAssembly compiles a function the first time it is called,
/// and a just-woken extension's first verdict should not wait for this one.
#[inline(never)]
fn carried_by_wrapper_site(url: &CanonicalUrl) -> Option<Wrapped> {
    let mut pages: Vec<Carried> = Vec::new();
    let mut opaque = None;
    // A service's later rows are fallbacks, read only when its earlier rows found no page
    // (an AMP cache's path names the page; only a bare cache host needs decoding).
    let mut found_by = "";
    for w in rows() {
        if w.id == found_by
            || !host_matches(w.hosts, url.host())
            || !path_matches(w.path, url.path())
        {
            continue;
        }
        let mut found = Vec::new();
        if read(w.carrier, url, &mut found) && found.is_empty() {
            opaque = opaque.or(Some(w.id));
        }
        for page in found {
            let page = page.trim();
            if !page.is_empty()
                && pages.len() < MAX_CARRIED
                && !pages.iter().any(|p| p.url == page.as_bytes())
            {
                found_by = w.id;
                pages.push(Carried {
                    via: w.id,
                    url: page.as_bytes().to_vec(),
                });
            }
        }
    }
    match (pages.is_empty(), opaque) {
        (false, _) => Some(Wrapped::Pages(pages)),
        (true, Some(via)) => Some(Wrapped::Unjudgeable(via)),
        (true, None) => None,
    }
}

/// The pages a row's `carrier` (see [`WRAPPERS`]) finds in `url`, into `out`. Returns whether
/// a page shown there cannot be known (when nothing was found).
#[inline(never)]
fn read(carrier: &str, url: &CanonicalUrl, out: &mut Vec<String>) -> bool {
    let (kind, arg) = carrier.split_once(':').unwrap_or((carrier, ""));
    match kind {
        "q" | "Q" => query_pages(url, arg, out),
        "p" => out.extend(url_in_path(url.path()).map(|u| with_query(&u, url))),
        "h" => out.extend(decode::host_encoded_url(url, arg)),
        "a" => return archive_today(url, out),
        _ => {}
    }
    matches!(kind, "Q" | "o")
}

/// The page a non-web URL carries: `view-source:` shows another URL's source.
pub fn carried_by_other(url: &OtherSchemeUrl) -> Option<Carried> {
    (url.scheme == "view-source").then(|| Carried {
        via: "view-source",
        url: url.rest.clone().into_bytes(),
    })
}

/// Whether one of the last three labels of `host` names a wrapper's site. A test keeps this in
/// step with [`WRAPPERS`].
fn may_be_wrapper_host(host: &str) -> bool {
    crate::canon::last_labels(host).any(is_wrapper_label)
}

/// Whether `host` is one of a row's hosts: `d:` domains (or their subdomains), or `t:sub.name`
/// with a country or generic TLD.
#[inline(never)]
fn host_matches(hosts: &str, host: &str) -> bool {
    let in_domain =
        |d: &str| host == d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.'));
    match hosts.split_once(':') {
        Some(("d", domains)) => domains.split(',').any(in_domain),
        Some(("t", sub_name)) => {
            let (sub, name) = sub_name.split_once('.').unwrap_or_default();
            let rest = match sub {
                "www" => host.strip_prefix("www.").unwrap_or(host),
                sub => match host.strip_prefix(sub).and_then(|h| h.strip_prefix('.')) {
                    Some(rest) => rest,
                    None => return false,
                },
            };
            rest.strip_prefix(name)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(is_plausible_tld)
        }
        _ => false,
    }
}

/// `com`, `co.uk`, `de`: one or two short alphabetic labels.
fn is_plausible_tld(rest: &str) -> bool {
    let (first, second) = rest.split_once('.').unwrap_or((rest, "ok"));
    [first, second]
        .iter()
        .all(|l| (2..=6).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()))
}

/// `pattern` is empty, or `path` is it or starts with it at a `/` boundary. Paths compare
/// ASCII-case-insensitively: the services' own routers do.
fn path_matches(pattern: &str, path: &str) -> bool {
    let Some(head) = path.get(..pattern.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(pattern)
        && (pattern.is_empty()
            || pattern.ends_with('/')
            || matches!(path.as_bytes().get(pattern.len()), None | Some(b'/')))
}

fn with_query(base: &str, url: &CanonicalUrl) -> String {
    match url.raw_query() {
        Some(q) => joined(&joined(base, "?"), q),
        None => base.to_string(),
    }
}

/// Every non-empty value of the named parameters (`names`, comma-separated), as pages.
#[inline(never)]
fn query_pages(url: &CanonicalUrl, names: &str, out: &mut Vec<String>) {
    let Some(raw) = url.raw_query() else { return };
    for p in query::raw_params(raw) {
        if out.len() >= MAX_CARRIED {
            return;
        }
        if names.split(',').any(|n| query::decoded_eq(p.name, n)) {
            out.extend(decode::page_in_value(query::decode_form(p.value)));
        }
    }
}

/// The URL in a path (carrier `p` of [`WRAPPERS`]), without the URL's query. Works on slices of
/// the path (a canonical path has no empty segment), so no segment is copied.
#[inline(never)]
fn url_in_path(path: &str) -> Option<String> {
    let (mut host_at, mut https, mut previous) = (None, false, "");
    let mut at = 0;
    while at < path.len() {
        let rest = path.get(at..)?.trim_start_matches('/');
        let start = path.len() - rest.len();
        let end = rest.find('/').map_or(path.len(), |e| start + e);
        let segment = path.get(start..end)?;
        let after = path.get(end..)?.trim_start_matches('/');
        let scheme = if segment.eq_ignore_ascii_case("http:")
            || segment.eq_ignore_ascii_case("http")
        {
            "http://"
        } else if segment.eq_ignore_ascii_case("https:") || segment.eq_ignore_ascii_case("https") {
            "https://"
        } else {
            ""
        };
        // `https:` always starts the URL; a bare `https` only when a host follows (Yandex).
        let next_is_host = decode::looks_like_host(after.split('/').next().unwrap_or_default());
        if !scheme.is_empty() && (segment.ends_with(':') || next_is_host) {
            return Some(joined(scheme, after));
        }
        if host_at.is_none() && decode::looks_like_host(segment) {
            host_at = Some(start);
            https = previous == "s";
        }
        previous = segment;
        at = end.max(start + 1);
    }
    let scheme = if https { "https://" } else { "http://" };
    Some(joined(scheme, path.get(host_at?..)?))
}

fn joined(a: &str, b: &str) -> String {
    let mut out = String::with_capacity(a.len() + b.len());
    out.push_str(a);
    out.push_str(b);
    out
}

/// archive.today's shapes (carrier `a`). Returns whether the page is an
/// opaque snapshot id.
#[inline(never)]
fn archive_today(url: &CanonicalUrl, out: &mut Vec<String>) -> bool {
    query_pages(url, "url", out);
    let id = url.path().trim_matches('/');
    // `/AbC12`: a snapshot, named by an id that says nothing of the page.
    if (4..=6).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return true;
    }
    // `/o/AbC12/<url>` shows the snapshot's original; anything else unread is a page of the
    // archive's own (`/faq`).
    out.extend(url_in_path(url.path()).map(|u| with_query(&u, url)));
    false
}

#[cfg(test)]
mod tests;
