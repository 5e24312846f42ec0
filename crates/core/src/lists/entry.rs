//! One list entry: a domain (covering its subdomains), a URL prefix, or an expression.

use crate::canon;

/// One entry of a list, normalised to the form lookups use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entry {
    /// A domain; covers all its subdomains. Canonical host form.
    Domain(String),
    /// A host plus path prefix, matched at `/` boundaries. `path` starts with `/`, has no
    /// trailing `/`, and is never just `/` (that is a [`Entry::Domain`]).
    UrlPrefix {
        /// Canonical host.
        host: String,
        /// Canonical path prefix.
        path: String,
    },
    /// A squidGuard-style regular expression over `host/path?query`.
    Expression(String),
}

impl Entry {
    /// The lookup key this entry is stored under: `host` or `host/path`.
    pub fn key(&self) -> String {
        match self {
            Entry::Domain(h) => h.clone(),
            Entry::UrlPrefix { host, path } => format!("{host}{path}"),
            Entry::Expression(e) => e.clone(),
        }
    }
}

/// Parses one domain or URL-prefix entry as an admin writes it in a policy or list:
/// `example.com`, `*.example.com`, `.example.com`, `example.com/games/`, `https://example.com/x`.
///
/// Refuses, as list lines are refused, an entry whose host would cover far more than a site: a
/// single label (`com`), a public suffix (`co.uk`, `*.github.io`) or a hosts-file housekeeping
/// name (`localhost`).
pub fn parse_entry(text: &str) -> Result<Entry, String> {
    let entry = parse_unchecked(text)?;
    super::line::check_entry(entry).map_err(|e| e.to_string())
}

/// [`parse_entry`] without the host checks, for callers that make them themselves.
pub(crate) fn parse_unchecked(text: &str) -> Result<Entry, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty entry".into());
    }
    let t = t
        .strip_prefix("*.")
        .or_else(|| t.strip_prefix('.'))
        .unwrap_or(t);
    // Hosts and URLs alike go through the URL canonicaliser, so ports, userinfo and odd IPv4
    // spellings in an admin's entry mean what they mean in a browser.
    let full = if super::find_str(t, "://").is_some() {
        t.to_string()
    } else {
        format!("http://{t}")
    };
    let url = canon::canonicalize(full.as_bytes()).map_err(|e| e.to_string())?;
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path == "/" {
        Ok(Entry::Domain(url.host().to_string()))
    } else {
        Ok(Entry::UrlPrefix {
            host: url.host().to_string(),
            path,
        })
    }
}
