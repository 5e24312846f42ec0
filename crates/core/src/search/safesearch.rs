//! Forcing safe results on search and video sites.
//!
//! [`enforce`] says, for one request, how to make its results safe: a rewritten path and query
//! (Google `safe=active`, Bing `adlt=strict`, DuckDuckGo `kp=1`, Yahoo `vm=r`, Brave
//! `safesearch=strict`, Startpage `qadf=heavy`, Qwant `s=2`) and request headers (YouTube's
//! `YouTube-Restrict`). It is idempotent: an already-safe URL gives no rewrite.
//!
//! Engines with no request-level mechanism are listed with their reason in
//! [`super::engines::ENGINES`] ([`SafeSearchMechanism::None`]): Yandex and Ecosia keep the setting
//! in a cookie, Baidu has none, Wikipedia needs none, and Kiddle and Swiggle always filter. A
//! school that cannot accept that should block those engines for pupils. Parameters are the
//! browser-side half; the DNS mechanisms (`forcesafesearch.google.com`, `strict.bing.com`,
//! `restrict.youtube.com`) and Chrome's `ForceGoogleSafeSearch` / `ForceYouTubeRestrict` policies
//! are the network and admin-console halves, and cover cookies that might override a parameter.

use serde::Serialize;

use super::engines::{self, SafeSearchMechanism, SearchKind};
use super::query;

/// How strict the filtering asked for is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SafeSearchLevel {
    /// The strictest setting the service has.
    Strict,
    /// A middle setting, where the service has one (otherwise strict).
    Moderate,
}

/// The levels for one group: web search engines and YouTube separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SafeSearchPolicy {
    /// For web search engines.
    pub web: SafeSearchLevel,
    /// For YouTube's `YouTube-Restrict` header.
    pub youtube: SafeSearchLevel,
}

impl Default for SafeSearchPolicy {
    /// Strict everywhere.
    fn default() -> Self {
        Self {
            web: SafeSearchLevel::Strict,
            youtube: SafeSearchLevel::Strict,
        }
    }
}

impl SafeSearchPolicy {
    /// The preset for a group: strict everywhere for `eyfs`, `ks1` and `ks2`; for `staff`, strict
    /// web search and moderate YouTube (so teaching videos that Strict hides still play).
    /// `None` for an unknown group name.
    pub fn for_group_preset(group: &str) -> Option<Self> {
        match group {
            "eyfs" | "ks1" | "ks2" => Some(Self::default()),
            "staff" => Some(Self {
                youtube: SafeSearchLevel::Moderate,
                ..Self::default()
            }),
            _ => None,
        }
    }
}

/// How to make one request safe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SafeSearch {
    /// The engine, if the host is a known search or video site.
    pub engine: Option<&'static str>,
    /// The new `path?query` to redirect to (same scheme and host), or `None` if the URL is
    /// already safe or cannot be made safe by a parameter.
    pub rewrite: Option<String>,
    /// Request headers to set, as `(name, value)`.
    pub headers: Vec<(String, String)>,
}

/// How to make the request for this canonical host, path and query (without `?`) safe.
pub fn enforce(
    host: &str,
    path: &str,
    query: Option<&str>,
    policy: &SafeSearchPolicy,
) -> SafeSearch {
    let Some(engine) = engines::engine_for_host(host) else {
        return SafeSearch::default();
    };
    let mut out = SafeSearch {
        engine: Some(engine.id),
        ..SafeSearch::default()
    };
    match engine.safesearch {
        SafeSearchMechanism::None(_) => {}
        SafeSearchMechanism::Header {
            name,
            strict,
            moderate,
            hosts,
        } => {
            if hosts.contains(&host) {
                let value = match policy.youtube {
                    SafeSearchLevel::Strict => strict,
                    SafeSearchLevel::Moderate => moderate,
                };
                out.headers.push((name.to_owned(), value.to_owned()));
            }
        }
        SafeSearchMechanism::Param {
            name,
            strict,
            moderate,
        } => {
            let submitted = engines::find_route(host, path, query)
                .is_some_and(|(e, r)| e.id == engine.id && r.kind == SearchKind::Submitted);
            if submitted {
                let value = match policy.web {
                    SafeSearchLevel::Strict => strict,
                    SafeSearchLevel::Moderate => moderate.unwrap_or(strict),
                };
                out.rewrite =
                    with_param(query.unwrap_or(""), name, value).map(|q| format!("{path}?{q}"));
            }
        }
    }
    out
}

/// The query with `name=value` as the only `name` parameter, in place of the first existing one
/// or appended; `None` if it already is exactly that. Every parameter is kept (the loop is
/// bounded by the query's length, which the canonical URL bounds), so nothing is lost in a rewrite.
fn with_param(query: &str, name: &str, value: &str) -> Option<String> {
    let mut found = 0usize;
    let mut already = false;
    for p in all_params(query) {
        if query::decoded_eq(p.name, name) {
            found += 1;
            already = found == 1 && p.name == name && p.value == value;
        }
    }
    if found == 1 && already {
        return None;
    }
    let mut out = String::with_capacity(query.len() + name.len() + value.len() + 2);
    let mut placed = false;
    for p in all_params(query) {
        let replace = query::decoded_eq(p.name, name);
        if replace && placed {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        if replace {
            out.push_str(name);
            out.push('=');
            out.push_str(value);
            placed = true;
        } else {
            out.push_str(p.name);
            if !p.value.is_empty() || query_has_equals(query, p.name) {
                out.push('=');
                out.push_str(p.value);
            }
        }
    }
    if !placed {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    Some(out)
}

fn all_params(query: &str) -> impl Iterator<Item = query::RawParam<'_>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => query::RawParam { name, value },
            None => query::RawParam {
                name: pair,
                value: "",
            },
        })
}

/// Whether `name` appeared as `name=` (keeps `a=&b` from becoming `a&b`).
fn query_has_equals(query: &str, name: &str) -> bool {
    query.split('&').any(|pair| {
        pair.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('='))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> SafeSearchPolicy {
        SafeSearchPolicy::default()
    }

    #[test]
    fn rewrites_and_is_idempotent() {
        let s = enforce(
            "www.google.co.uk",
            "/search",
            Some("q=cats&safe=off"),
            &strict(),
        );
        assert_eq!(s.rewrite.as_deref(), Some("/search?q=cats&safe=active"));
        let again = enforce(
            "www.google.co.uk",
            "/search",
            Some("q=cats&safe=active"),
            &strict(),
        );
        assert_eq!(again.rewrite, None);
        let dup = enforce(
            "www.bing.com",
            "/search",
            Some("adlt=strict&q=x&adlt=off"),
            &strict(),
        );
        assert_eq!(dup.rewrite.as_deref(), Some("/search?adlt=strict&q=x"));
    }

    #[test]
    fn suggestions_and_home_pages_are_left_alone() {
        assert_eq!(
            enforce(
                "www.google.com",
                "/complete/search",
                Some("q=ca"),
                &strict()
            )
            .rewrite,
            None
        );
        assert_eq!(
            enforce("www.google.com", "/", None, &strict()).rewrite,
            None
        );
        assert_eq!(
            enforce("example.com", "/search", Some("q=x"), &strict()),
            SafeSearch::default()
        );
    }

    #[test]
    fn youtube_header_per_group() {
        let staff = SafeSearchPolicy::for_group_preset("staff").unwrap();
        let s = enforce("www.youtube.com", "/watch", Some("v=abc"), &staff);
        assert_eq!(
            s.headers,
            [("YouTube-Restrict".to_owned(), "Moderate".to_owned())]
        );
        assert_eq!(s.rewrite, None);
        let pupils = enforce("m.youtube.com", "/", None, &strict());
        assert_eq!(
            pupils.headers,
            [("YouTube-Restrict".to_owned(), "Strict".to_owned())]
        );
    }

    #[test]
    fn keeps_other_parameters_verbatim() {
        assert_eq!(
            with_param("q=a%20b&x=&y", "safe", "active").as_deref(),
            Some("q=a%20b&x=&y&safe=active")
        );
        assert_eq!(with_param("", "kp", "1").as_deref(), Some("kp=1"));
    }
}
