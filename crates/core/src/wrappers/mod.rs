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
//! Each service is one row of [`WRAPPERS`] (in `table.rs`); adding one is adding a row.

mod decode;
mod table;

use crate::canon::{CanonicalUrl, OtherSchemeUrl};
use crate::search::query;

pub(crate) use table::is_wrapper_label;
pub use table::WRAPPERS;

/// The most pages one URL is read as carrying; more are not judged (a URL that repeats a
/// parameter a hundred times still costs eight judgements).
pub const MAX_CARRIED: usize = 8;

/// How a service encodes the page it carries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Carrier {
    /// Every non-empty value of every one of these query parameters, percent-decoded (repeatedly,
    /// for redirect chains), base64 where Bing's `a1…` or a bare base64 URL is found.
    Query(&'static [&'static str]),
    /// As `Query`; when no page is found, the page cannot be known.
    QueryElseOpaque(&'static [&'static str]),
    /// A URL in the path: from a `http:`/`https:` segment (or a bare `http`/`https` segment
    /// followed by the host, as Yandex writes it), else from the first segment that is a host
    /// name. The URL's query goes with it.
    PathUrl,
    /// AMP caches: `/<kind>/s/<host>/<path>` (https) or `/<kind>/<host>/<path>` (http); any
    /// other path is the origin encoded in the host before this suffix, as `HostEncoded`.
    Amp(&'static str),
    /// The origin host encoded before this suffix (`www-example-com.translate.goog`: `-` for `.`,
    /// `--` for `-`), the path and query as they are.
    HostEncoded(&'static str),
    /// archive.today: `/newest/<url>`, `/<timestamp>/<url>`, `/<url>`, `/o/<id>/<url>`,
    /// `?url=<url>`; an opaque snapshot id (`/AbC12`) cannot be known.
    ArchiveToday,
    /// A base64url-encoded URL split over the path's last segments (Brave's image proxy).
    Base64Path,
    /// A hex-encoded URL as a path segment (GitHub's camo: `/<digest>/<hex>`).
    HexPath,
    /// The page cannot be known from the URL.
    Opaque,
}

/// Which hosts a wrapper row applies to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum HostPattern {
    /// Exactly this host or any subdomain of it.
    Domain(&'static str),
    /// Any of these hosts or their subdomains.
    Domains(&'static [&'static str]),
    /// `<name>.<any tld>` or `www.<name>.<any tld>`, e.g. `google` matches `www.google.co.uk`.
    AnyTld(&'static str),
}

/// One service and URL shape.
#[derive(Debug, Clone, Copy)]
pub struct Wrapper {
    /// A stable id shown in verdicts (`google-translate`, `amp-cache`, …).
    pub id: &'static str,
    hosts: HostPattern,
    /// The path the row applies to, matched at a `/` boundary (`/url` matches `/url` and
    /// `/url/x`, not `/urls`); empty means any.
    path: &'static str,
    carrier: Carrier,
}

const fn row(
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

/// A page carried by a wrapper, still to be parsed and judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The wrapper's id from [`WRAPPERS`] (or `view-source`).
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
    for w in WRAPPERS {
        if !host_matches(w.hosts, url.host()) || !path_matches(w.path, url.path()) {
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

/// The pages `carrier` finds in `url`, into `out`. Returns whether a page shown there cannot be
/// known (when nothing was found).
fn read(carrier: Carrier, url: &CanonicalUrl, out: &mut Vec<String>) -> bool {
    match carrier {
        Query(names) => {
            query_pages(url, names, out);
            false
        }
        QueryElseOpaque(names) => {
            query_pages(url, names, out);
            true
        }
        PathUrl => {
            out.extend(url_in_path(url.path()).map(|u| with_query(&u, url)));
            false
        }
        Amp(suffix) => {
            out.extend(amp_page(url, suffix));
            false
        }
        HostEncoded(suffix) => {
            out.extend(decode::host_encoded_url(url, suffix));
            false
        }
        ArchiveToday => archive_today(url, out),
        Base64Path => {
            out.extend(decode::base64_path_url(url.path()));
            false
        }
        HexPath => {
            out.extend(decode::hex_path_url(url.path()));
            false
        }
        Opaque => true,
    }
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

fn host_matches(pattern: HostPattern, host: &str) -> bool {
    let in_domain =
        |d: &str| host == d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.'));
    match pattern {
        Domain(d) => in_domain(d),
        Domains(ds) => ds.iter().any(|d| in_domain(d)),
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
        Some(q) => format!("{base}?{q}"),
        None => base.to_string(),
    }
}

/// Every non-empty value of the named parameters, as pages.
fn query_pages(url: &CanonicalUrl, names: &[&str], out: &mut Vec<String>) {
    let Some(raw) = url.raw_query() else { return };
    for p in query::raw_params(raw) {
        if out.len() >= MAX_CARRIED {
            return;
        }
        if names.iter().any(|n| query::decoded_eq(p.name, n)) {
            out.extend(decode::page_in_value(query::decode_form(p.value)));
        }
    }
}

/// The URL in a path (see [`Carrier::PathUrl`]), without the URL's query.
fn url_in_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (i, segment) in segments.iter().enumerate() {
        let lower = segment.to_ascii_lowercase();
        let rest = segments.get(i + 1..).unwrap_or_default().join("/");
        if lower == "http:" || lower == "https:" {
            return Some(format!("{lower}//{rest}"));
        }
        if (lower == "http" || lower == "https")
            && segments
                .get(i + 1)
                .is_some_and(|s| decode::looks_like_host(s))
        {
            return Some(format!("{lower}://{rest}"));
        }
    }
    let at = segments.iter().position(|s| decode::looks_like_host(s))?;
    Some(format!("http://{}", segments.get(at..)?.join("/")))
}

/// An AMP cache URL's page: `/<kind>/s/<host>/…` is https, `/<kind>/<host>/…` http; otherwise,
/// when `suffix` is set, the origin the cache host encodes.
fn amp_page(url: &CanonicalUrl, suffix: &str) -> Option<String> {
    let mut segments = url.path().split('/').filter(|s| !s.is_empty());
    let kind = segments.next().unwrap_or_default();
    let kind_ok = (1..=3).contains(&kind.len()) || kind.eq_ignore_ascii_case("amp");
    let mut scheme = "http";
    let mut host = segments.next();
    if host == Some("s") {
        scheme = "https";
        host = segments.next();
    }
    match host {
        Some(h) if kind_ok && decode::looks_like_host(h) => {
            let tail: Vec<&str> = std::iter::once(h).chain(segments).collect();
            let trailing = if url.path().ends_with('/') { "/" } else { "" };
            Some(with_query(
                &format!("{scheme}://{}{trailing}", tail.join("/")),
                url,
            ))
        }
        _ if !suffix.is_empty() => decode::host_encoded_url(url, suffix),
        _ => None,
    }
}

/// archive.today's shapes (see [`Carrier::ArchiveToday`]). Returns whether the page is an
/// opaque snapshot id.
fn archive_today(url: &CanonicalUrl, out: &mut Vec<String>) -> bool {
    query_pages(url, &["url"], out);
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [] => false,
        // `/AbC12`: a snapshot, named by an id that says nothing of the page.
        [id] if (4..=6).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            true
        }
        _ => {
            out.extend(url_in_path(url.path()).map(|u| with_query(&u, url)));
            // `/o/AbC12/<url>` shows the snapshot's original; anything else unread is a page of
            // the archive's own (`/faq`).
            false
        }
    }
}

#[cfg(test)]
mod tests;
