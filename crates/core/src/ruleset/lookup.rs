//! URL → matching entries: host suffixes first, path prefixes only for marked hosts.

use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64;

use super::layout::{self, FLAG_SINGLE_LABEL_KEYS, LOW48, PATHS_MARKER};
use super::{MatchKind, MatchRef, RuleMatch, Ruleset};
use crate::canon::CanonicalUrl;

/// Parent domains are looked up within this many rightmost labels (the full host always is).
pub const MAX_HOST_LABELS: usize = 32;
/// At most this many path prefixes are looked up (the full path always is).
pub const MAX_PATH_PREFIXES: usize = 32;
/// Entry tables larger than this (a core's L2 cache, give or take) get their probes' first
/// reads issued together; smaller ones (the built-in lists) stay in cache anyway.
const TOUCH_ABOVE_BYTES: usize = 512 * 1024;

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
        self.for_each_match(host, path, query, |m| out.push(m.to_owned()));
    }

    /// Calls `found` with every domain and URL-prefix entry matching a canonical URL's parts,
    /// borrowed rather than copied: a verdict that only needs the categories allocates nothing
    /// (unless the host has URL-prefix entries, whose keys are built in one buffer).
    pub fn for_each_match<'r>(
        &'r self,
        host: &str,
        path: &str,
        query: Option<&str>,
        mut found: impl FnMut(MatchRef<'_, 'r>),
    ) {
        for_each_match_in(std::slice::from_ref(self), host, path, query, &mut found);
    }

    /// Whether some key's host is a single label (see the layout's header flags).
    fn single_labels(&self) -> bool {
        self.header.flags & FLAG_SINGLE_LABEL_KEYS != 0
    }

    /// Looks up `host` + each path prefix, + full path, + full path `?query`.
    fn match_paths<'r>(
        &'r self,
        host: &str,
        path: &str,
        query: Option<&str>,
        key: &mut String,
        found: &mut dyn FnMut(MatchRef<'_, 'r>),
    ) {
        let mut probe = |end: usize, with_query: bool| {
            key.clear();
            key.push_str(host);
            key.push_str(path.get(..end).unwrap_or(path));
            if let (true, Some(q)) = (with_query, query) {
                key.push('?');
                key.push_str(q);
            }
            self.lookup(key, MatchKind::UrlPrefix, found);
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

    /// Pushes a match for every real tag in the set stored under `key`; returns whether the
    /// has-paths marker is in it.
    fn lookup<'r>(
        &'r self,
        key: &str,
        kind: MatchKind,
        found: &mut dyn FnMut(MatchRef<'_, 'r>),
    ) -> bool {
        self.lookup_hashed(key, xxh3_64(key.as_bytes()), kind, found)
    }

    /// [`Ruleset::lookup`] with the key's hash already computed.
    fn lookup_hashed<'r>(
        &'r self,
        key: &str,
        hash: u64,
        kind: MatchKind,
        found: &mut dyn FnMut(MatchRef<'_, 'r>),
    ) -> bool {
        self.lookup_tags(hash, |tag| {
            if let Some(names) = self.names.get(usize::from(tag)) {
                found(MatchRef {
                    key,
                    kind,
                    category: &names.category,
                    source: &names.source,
                    locked: names.locked,
                });
            }
        })
    }

    /// Calls `found` with every real tag stored under `hash` (indices into the tag table);
    /// returns whether the has-paths marker is among them.
    #[inline]
    fn lookup_tags(&self, hash: u64, mut found: impl FnMut(u8)) -> bool {
        if self.filter.as_ref().is_some_and(|f| !f.may_contain(hash)) {
            return false;
        }
        let mut marked = false;
        // One entry per key; a range only in crafted rulesets that repeat a hash.
        for i in self.find(hash) {
            let Some(set) = self.set_of(i) else {
                break;
            };
            for &tag in set {
                if tag == PATHS_MARKER {
                    marked = true;
                } else {
                    found(tag);
                }
            }
        }
        marked
    }

    /// Reads what [`Ruleset::find`] reads first for `hash` (its bucket's offsets and the entry
    /// it guesses), so that the cache lines are on their way; the value means nothing.
    fn touch(&self, hash: u64) -> u64 {
        let (start, end) = self.bucket(hash);
        low48_at(self.entry_bytes(), start + rank_guess(hash, end - start))
    }

    /// The entry indices `start..end` of the bucket `hash` falls in (empty if the offsets are
    /// unreadable, which validation at load rules out).
    #[inline]
    fn bucket(&self, hash: u64) -> (usize, usize) {
        let h = &self.header;
        let at = h.buckets_off + 4 * layout::bucket_of(hash, h.bucket_bits);
        // The bucket's offset and the next bucket's, one 8-byte read.
        let pair = self.bytes.as_ref().get(at..at + 8);
        match pair.and_then(|b| <[u8; 8]>::try_from(b).ok()) {
            Some(word) => {
                let word = u64::from_le_bytes(word);
                let (start, end) = ((word & 0xFFFF_FFFF) as usize, (word >> 32) as usize);
                (start, end.max(start))
            }
            None => (0, 0),
        }
    }

    /// Indices of the entries stored under `hash`.
    fn find(&self, hash: u64) -> Range<usize> {
        let (start, end_of_bucket) = self.bucket(hash);
        let entries = self.entry_bytes();
        let target = hash & LOW48;
        let low_at = |i: usize| low48_at(entries, i);
        // Hashes are uniform, so the target's rank in its bucket is about target / 2^48 of the
        // way in: start there and walk, touching one cache line where a binary search touches
        // several (each a likely miss in a 12 MB table).
        let mut lo = start + rank_guess(target, end_of_bucket - start);
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

/// The low 48 hash bits of entry `index` (`u64::MAX`, above every hash, past the end). Read as
/// one 8-byte word where the entry is not the last (its two extra bytes are masked off): the
/// walk in [`Ruleset::find`] reads a few of these per probe.
#[inline]
fn low48_at(entries: &[u8], index: usize) -> u64 {
    let at = index * layout::ENTRY_RECORD;
    match entries
        .get(at..at + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
    {
        Some(word) => u64::from_le_bytes(word) & LOW48,
        None => layout::entry_at(entries, index).map_or(u64::MAX, |(low, _)| low),
    }
}

/// As [`Ruleset::for_each_match`] over several rulesets at once: the host and each parent are
/// hashed once for all of them (an engine holds the built-in lists beside the school's). Matches
/// come host first, then each parent, in ruleset order for each.
pub fn for_each_match_in<'r, B: AsRef<[u8]>>(
    rulesets: &'r [Ruleset<B>],
    host: &str,
    path: &str,
    query: Option<&str>,
    found: &mut dyn FnMut(MatchRef<'_, 'r>),
) {
    let mut path_key = String::new();
    each_domain_key(rulesets, host, |_, ruleset, suffix, hash| {
        if ruleset.lookup_hashed(suffix, hash, MatchKind::Domain, found) {
            ruleset.match_paths(suffix, path, query, &mut path_key, found);
        }
    });
}

/// The domain entries matching a host and its parents, as [`for_each_match_in`] finds them, for
/// a caller that has not read the URL's path yet, each named by where it is: the ruleset's
/// position in `rulesets`, the key that matched (the host or a parent) and the tag's position in
/// its ruleset's tag table (see [`Ruleset::tag_category`]). Returns whether some matching key also
/// has URL-prefix entries: only then can the path add matches, and the caller must look again with
/// [`for_each_match_in`].
pub fn for_each_host_tag_in<B: AsRef<[u8]>>(
    rulesets: &[Ruleset<B>],
    host: &str,
    found: &mut dyn FnMut(usize, &str, u8),
) -> bool {
    let mut has_paths = false;
    each_domain_key(rulesets, host, |index, ruleset, key, hash| {
        has_paths |= ruleset.lookup_tags(hash, |tag| found(index, key, tag));
    });
    has_paths
}

/// Calls `probe` with every (ruleset, key) a host is looked up under: the host and each parent
/// (hashed once for all rulesets), each with every ruleset that may hold it, as `(position of the
/// ruleset, ruleset, key, hash of the key)`.
fn each_domain_key<'r, B: AsRef<[u8]>>(
    rulesets: &'r [Ruleset<B>],
    host: &str,
    mut probe: impl FnMut(usize, &'r Ruleset<B>, &str, u64),
) {
    // No key is a single label unless a ruleset's header says so: then neither is a match.
    let single_labels = rulesets.iter().any(Ruleset::single_labels);
    let fewest = if single_labels { 1 } else { 2 };
    // The host, then the parent after the n-th dot, which has `dots - n` labels: those within
    // the rightmost MAX_HOST_LABELS are looked up (an IP address only as a whole). Nearly every
    // host has a few labels: their keys fit a small array, which is cheaper to clear.
    let dots = host.bytes().filter(|&b| b == b'.').count();
    let mut few = [(0u32, 0u32, 0u64); 8];
    let mut many;
    let keys: &mut [(u32, u32, u64)] = if dots < few.len() {
        &mut few
    } else {
        many = [(0u32, 0u32, 0u64); MAX_HOST_LABELS + 1];
        &mut many
    };
    let mut count = 0;
    let mut add = |start: usize, labels: usize| {
        if let (Some(slot), Some(suffix)) = (keys.get_mut(count), host.get(start..)) {
            if !suffix.is_empty() {
                // Canonical hosts are at most MAX_HOST_BYTES long: both fit in u32.
                *slot = (start as u32, labels as u32, xxh3_64(suffix.as_bytes()));
                count += 1;
            }
        }
    };
    if dots + 1 >= fewest {
        add(0, dots + 1);
    }
    if !is_ip(host) {
        let dot_positions = host.bytes().enumerate().filter(|&(_, b)| b == b'.');
        for (n, (i, _)) in dot_positions.enumerate() {
            let labels = dots - n;
            if labels > MAX_HOST_LABELS {
                continue;
            }
            if labels < fewest {
                break;
            }
            add(i + 1, labels);
        }
    }
    let keys = keys.get(..count).unwrap_or_default();
    // Every probe's first reads, for every key and ruleset, before any is resolved: they do
    // not depend on each other, so their cache misses in a large table overlap instead of
    // following one another. The lookups below then find those lines in cache.
    // Only worth it with two keys or more, in a table too large to stay in cache.
    if keys.len() > 1 {
        let mut touched = 0u64;
        for ruleset in rulesets
            .iter()
            .filter(|r| r.entry_bytes().len() > TOUCH_ABOVE_BYTES)
        {
            for &(_, labels, hash) in keys {
                if labels >= 2 || ruleset.single_labels() {
                    touched ^= ruleset.touch(hash);
                }
            }
        }
        std::hint::black_box(touched);
    }
    for &(start, labels, hash) in keys {
        let suffix = host.get(start as usize..).unwrap_or_default();
        for (index, ruleset) in rulesets.iter().enumerate() {
            if labels < 2 && !ruleset.single_labels() {
                continue;
            }
            probe(index, ruleset, suffix, hash);
        }
    }
}

/// Where a 48-bit hash about ranks among `len` uniform ones: `target / 2^48 × len`, in 64-bit
/// arithmetic (the top 32 bits of the hash are plenty for a guess), because a 128-bit product is a
/// library call in WebAssembly, paid on every probe. Both factors are below 2^32 (a bucket's
/// length is a u32 offset difference), so the product cannot overflow; a checked or saturating
/// multiply would bring the library call back to test for it.
#[inline]
fn rank_guess(target: u64, len: usize) -> usize {
    let len = (len as u64) & u64::from(u32::MAX);
    (((target & LOW48) >> 16).wrapping_mul(len) >> 32) as usize
}

/// Canonical IP hosts: dotted-decimal IPv4, or IPv6 in brackets. Matched only as a whole.
fn is_ip(host: &str) -> bool {
    host.starts_with('[')
        || (!host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}
