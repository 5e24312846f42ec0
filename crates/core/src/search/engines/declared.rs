//! Search engines a school declares in its policy (`[[search_engines]]`), for the engines the
//! built-in table does not know: a new children's engine, a regional one, one whose address the
//! project never learned. Their searches are judged exactly as the table's are (the same
//! [`SearchRequest`], the same per-group judging, help-seeking included); only SafeSearch has
//! nothing to force on them.
//!
//! The policy parser (`policy/parse/search_engines.rs`) checks each entry; this module matches
//! URLs against the checked entries.

use serde::Serialize;

use super::Vertical;
use super::{query, request, starts_with_ignore_case, strip_domain, SearchKind, SearchRequest};

/// One `[[search_engines]]` entry of a policy, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredEngine {
    /// The name a teacher reads; also the engine named in verdicts and reports.
    pub name: String,
    /// Registrable domains (canonical: lowercase, punycode); each one's subdomains too.
    pub hosts: Vec<String>,
    /// The path a search's address starts with (ASCII case ignored); empty for any path.
    pub path: String,
    /// The query parameters that carry the search terms: every value of each is judged.
    pub query: Vec<String>,
    /// What its results are: images and videos are judged more strictly, as the table's are.
    pub vertical: Vertical,
    /// Whether the school counts it a children's engine (for people reading the policy; its
    /// searches are judged all the same).
    pub child_safe: bool,
}

impl DeclaredEngine {
    /// Whether `host` (canonical) is one of the engine's hosts or under one.
    pub fn serves(&self, host: &str) -> bool {
        self.hosts.iter().any(|d| strip_domain(host, d).is_some())
    }
}

/// Whether a canonical host belongs to one of these engines.
pub fn serves_any(engines: &[DeclaredEngine], host: &str) -> bool {
    engines.iter().any(|e| e.serves(host))
}

/// The search in a canonical URL's host, path and query (without `?`), if it is a search on one
/// of these engines: as [`super::extract`] for the built-in table.
pub fn extract_declared<'e>(
    engines: &'e [DeclaredEngine],
    host: &str,
    path: &str,
    query: Option<&str>,
) -> Option<SearchRequest<'e>> {
    let engine = engines.iter().find(|e| e.serves(host))?;
    let path = path.split(';').next().unwrap_or(path);
    if !starts_with_ignore_case(path, &engine.path) {
        return None;
    }
    let names: Vec<&str> = engine.query.iter().map(String::as_str).collect();
    let raw = query::joined_values(query?, &names);
    request(&engine.name, SearchKind::Submitted, engine.vertical, &raw)
}
