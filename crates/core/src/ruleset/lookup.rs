//! URL → matching entries: host suffixes first, path prefixes only for marked hosts.

use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64;

use super::layout::{self, PATHS_MARKER};
use super::{MatchKind, RuleMatch, Ruleset};
use crate::canon::CanonicalUrl;

/// Parent domains are looked up within this many rightmost labels (the full host always is).
pub const MAX_HOST_LABELS: usize = 32;
/// At most this many path prefixes are looked up (the full path always is).
pub const MAX_PATH_PREFIXES: usize = 32;

impl<B: AsRef<[u8]>> Ruleset<B> {
    /// Appends every domain and URL-prefix entry matching `url` to `out`.
    ///
    /// Costs a few hashes and bucket probes; allocates only when something matches or the host
    /// has URL-prefix entries.
    pub fn matches(&self, url: &CanonicalUrl, out: &mut Vec<RuleMatch>) {
        self.matches_parts(url.host(), url.path(), url.query(), out);
    }

    /// As [`Ruleset::matches`], from the parts of a URL that is already canonical (a host as
    /// [`CanonicalUrl::host`] gives it, a path starting with `/`, a query without `?`). Useful
    /// when a caller only has the host, or passes parts across a wasm boundary.
    pub fn matches_parts(
        &self,
        host: &str,
        path: &str,
        query: Option<&str>,
        out: &mut Vec<RuleMatch>,
    ) {
        let mut path_key = String::new();
        let mut visit = |suffix: &str| {
            if self.lookup(suffix, MatchKind::Domain, out) {
                self.match_paths(suffix, path, query, &mut path_key, out);
            }
        };
        visit(host);
        if is_ip(host) {
            return;
        }
        let labels = host.bytes().filter(|&b| b == b'.').count() + 1;
        let mut dots = 0;
        for (i, b) in host.bytes().enumerate() {
            if b == b'.' {
                dots += 1;
                let suffix = host.get(i + 1..).unwrap_or("");
                if labels - dots <= MAX_HOST_LABELS && !suffix.is_empty() {
                    visit(suffix);
                }
            }
        }
    }

    /// Looks up `host` + each path prefix, + full path, + full path `?query`.
    fn match_paths(
        &self,
        host: &str,
        path: &str,
        query: Option<&str>,
        key: &mut String,
        out: &mut Vec<RuleMatch>,
    ) {
        let mut probe = |end: usize, with_query: bool| {
            key.clear();
            key.push_str(host);
            key.push_str(path.get(..end).unwrap_or(path));
            if let (true, Some(q)) = (with_query, query) {
                key.push('?');
                key.push_str(q);
            }
            self.lookup(key, MatchKind::UrlPrefix, out);
        };
        let mut prefixes = 0;
        for (i, b) in path.bytes().enumerate().skip(1) {
            if b == b'/' && prefixes < MAX_PATH_PREFIXES {
                prefixes += 1;
                probe(i, false);
            }
        }
        // `/a/b/` was probed as `/a/b` above; entries never end in `/`.
        if path.len() > 1 && !path.ends_with('/') {
            probe(path.len(), false);
        }
        if query.is_some() {
            probe(path.len(), true);
        }
    }

    /// Pushes a match for every real tag stored under `key`; returns whether the has-paths
    /// marker is among them.
    fn lookup(&self, key: &str, kind: MatchKind, out: &mut Vec<RuleMatch>) -> bool {
        let hash = xxh3_64(key.as_bytes());
        let entries = self.entry_bytes();
        let mut marked = false;
        for i in self.find(hash) {
            let Some((_, tag)) = layout::entry_at(entries, i) else {
                break;
            };
            if tag == PATHS_MARKER {
                marked = true;
            } else if let Some(names) = self.names.get(usize::from(tag)) {
                out.push(names.to_match(key, kind));
            }
        }
        marked
    }

    /// Indices of the entries stored under `hash`.
    fn find(&self, hash: u64) -> Range<usize> {
        let h = &self.header;
        let bytes = self.bytes.as_ref();
        let bucket = layout::bucket_of(hash, h.bucket_bits);
        let offset =
            |k: usize| layout::u32_at(bytes, h.buckets_off + 4 * k).map_or(0, |v| v as usize);
        let (start, end_of_bucket) = (offset(bucket), offset(bucket + 1));
        let entries = self.entry_bytes();
        let target = hash & layout::LOW48;
        let low_at = |i: usize| layout::entry_at(entries, i).map_or(u64::MAX, |e| e.0);
        // Hashes are uniform, so the target's rank in its bucket is about target / 2^48 of the
        // way in: start there and walk, touching one cache line where a binary search touches
        // several (each a likely miss in a 12 MB table).
        let len = end_of_bucket.saturating_sub(start);
        let guess = start + ((u128::from(target) * len as u128) >> 48) as usize;
        let mut lo = guess.min(end_of_bucket);
        while lo > start && low_at(lo - 1) >= target {
            lo -= 1;
        }
        while lo < end_of_bucket && low_at(lo) < target {
            lo += 1;
        }
        let mut end = lo;
        while end < end_of_bucket && low_at(end) == target {
            end += 1;
        }
        lo..end
    }
}

/// Canonical IP hosts: dotted-decimal IPv4, or IPv6 in brackets. Matched only as a whole.
fn is_ip(host: &str) -> bool {
    host.starts_with('[')
        || (!host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}
