//! Entries compiled into one immutable, checksummed byte buffer, matched straight from the bytes.
//!
//! A [`RulesetBuilder`] takes [`Entry`](crate::lists::Entry) values with a category and a source
//! name and writes the buffer; [`Ruleset::from_bytes`] checks a buffer (magic, version, length,
//! checksum, structure) without rebuilding anything, so loading a million domains takes about a
//! millisecond; [`Ruleset::matches`] looks a canonical URL up, Safe Browsing style.
//!
//! ## Usage
//!
//! ```
//! use schoolgate_core::lists::{parse_list, ListFormat};
//! use schoolgate_core::ruleset::{MatchKind, Ruleset, RulesetBuilder};
//!
//! let list = parse_list("games.txt", b"example.com\n", ListFormat::Domains);
//! let mut builder = RulesetBuilder::new();
//! for entry in &list.entries {
//!     builder.add(entry, "games", &list.source)?;
//! }
//! let (bytes, _stats) = builder.build()?;
//! let ruleset = Ruleset::from_bytes(bytes)?;
//!
//! let mut found = Vec::new();
//! ruleset.matches_parts("www.example.com", "/play", None, &mut found);
//! assert_eq!(found[0].key, "example.com");
//! assert_eq!(found[0].kind, MatchKind::Domain);
//! assert_eq!(&*found[0].category, "games");
//! # Ok::<(), schoolgate_core::ruleset::RulesetError>(())
//! ```
//!
//! ## Lookups
//!
//! Domain entries cover their subdomains; URL-prefix entries cover their path at `/` boundaries
//! (`example.com/games` covers `/games` and `/games/x`, not `/gamesx`) on that host and its
//! subdomains. For a URL the ruleset hashes, without allocating:
//!
//! * the full host and every parent domain within the 32 rightmost labels, down to two labels
//!   unless the ruleset holds single-label keys (an IP address only as a whole);
//! * only for a host suffix marked as having URL-prefix entries: that suffix plus each path
//!   prefix ending before a `/` (`/a`, `/a/b` for `/a/b/c`), the full path, and the full path
//!   with `?query` when there is one (at most 32 prefixes).
//!
//! [`Ruleset::for_each_match`] hands each match over borrowed (nothing copied, for verdicts that
//! only need categories); [`for_each_match_in`] does the same over several rulesets, hashing each
//! key once and issuing the first reads of all probes together so that their cache misses
//! overlap. [`for_each_host_tag_in`] looks up the host and its parents only, and says whether
//! the path could add matches, for a caller that has not canonicalised the path yet.
//!
//! A ruleset of at most 65,536 keys (the built-in lists, a group's own entries) also gets a
//! bitmap of its keys' hashes in memory at load, which answers most lookups of absent keys
//! without probing the table; larger ones are left exactly as loaded.
//!
//! Keys are hashed with xxh3-64, identical on wasm32 and native. Each entry stores the low 48
//! bits; the bucket it sits in gives the top bits. The builder refuses two different keys that
//! would be stored the same ([`RulesetError::HashCollision`]), so a stored hash names exactly
//! one key of the set; a URL key outside the set matches by chance with probability about
//! `entries / 2^64`.
//!
//! ## Byte layout, version 2
//!
//! All integers little-endian. Sections follow one another in this order with no gaps except the
//! alignment padding before the bucket table; their offsets must equal the ones computed from the
//! counts, so a reader never trusts an offset it cannot derive.
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0 | 8 | magic `SGRULES\0` |
//! | 8 | 4 | format version (`2`) |
//! | 12 | 4 | bucket bits `b` (0–16) |
//! | 16 | 4 | tag count `T` (≤ 255) |
//! | 20 | 4 | tag-set count `S` |
//! | 24 | 4 | tag-set members length `M` |
//! | 28 | 4 | overflow count `O` |
//! | 32 | 4 | expression count `E` |
//! | 36 | 4 | entry count `N` (one per distinct key) |
//! | 40 | 4 | strings length `L` |
//! | 44 | 4 | rule count: (key, tag) pairs plus expressions, what [`Ruleset::len`] reports |
//! | 48 | 4 | tag table offset (always 96) |
//! | 52 | 4 | tag-set table offset |
//! | 56 | 4 | overflow table offset |
//! | 60 | 4 | expression table offset |
//! | 64 | 4 | strings offset |
//! | 68 | 4 | tag-set members offset |
//! | 72 | 4 | bucket table offset (4-aligned) |
//! | 76 | 4 | entry table offset |
//! | 80 | 4 | total length |
//! | 84 | 4 | flags: bit 0 set when some key's host is a single label (`localhost`, `[::1]`); other bits zero |
//! | 88 | 8 | xxh3-64 of every byte except these eight |
//!
//! Sections:
//!
//! * **tags**: `T` × 20 bytes: category (u32 offset, u32 length into strings), source (same),
//!   u32 flags (bit 0: locked). Tag `i` is the i-th record.
//! * **tag sets**: `S + 1` × u32: set `k` is the members `sets[k]..sets[k + 1]`, a strictly
//!   increasing run of tag numbers, never empty. The member 255 is the has-paths marker (the key
//!   is a host with URL-prefix entries under it), so it can only come last. Sets are numbered by
//!   how many keys use them, most used first.
//! * **overflow**: `O` × 8 bytes: u32 entry index (strictly increasing), u32 tag-set id (≥ 255).
//!   Only when `S > 255`: an entry whose byte is 255 finds its set here.
//! * **expressions**: `E` × 12 bytes: text (u32 offset, u32 length into strings), u32 tag.
//! * **strings**: `L` bytes of UTF-8 (category ids, source names, expressions).
//! * **tag-set members**: `M` bytes, one tag number each.
//! * **buckets**: `2^b + 1` × u32: bucket `k` holds entries `buckets[k]..buckets[k + 1]`; a key
//!   hash `h` is in bucket `h >> (64 - b)` (bucket 0 when `b` is 0).
//! * **entries**: `N` × 7 bytes: the low 48 bits of the key hash (6 bytes), then the tag-set byte
//!   (0–254: that set; 255: look the entry up in the overflow table). Sorted by bucket, then
//!   hash; one entry per key, however many lists and categories name it. Lookups search this
//!   order; a reader checks every set byte but not the order, since a misordered bucket can only
//!   make lookups miss (see [`Ruleset::from_bytes`]).
//!
//! List parsers refuse single-label domains, so rulesets almost never hold one: without flag
//! bit 0 a lookup skips the URL's last label (`com` of `www.example.com`), one probe fewer per
//! URL. The builder sets the bit whenever a key needs it.
//!
//! Real lists name the same domain in several lists and categories (1.65M (domain, tag) pairs
//! for 978k domains in `BENCHMARKS.md`), but in few distinct combinations: storing each key once
//! with a combination byte takes 7 bytes per distinct key plus a 256 KiB bucket table: 7.53
//! bytes per distinct domain on those lists (their URL prefixes are keys too), 7.26 for a
//! million domains in one list each. `b` is chosen so buckets hold about 16 entries.
//!
//! Any change to this layout bumps [`FORMAT_VERSION`]; readers refuse other versions with
//! [`RulesetError::UnsupportedVersion`] (version 1 stored one 7-byte entry per (key, tag)
//! pair), and callers that keep list texts compile them again.

mod build;
mod expr;
mod key_filter;
mod layout;
mod lookup;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sets;

use std::fmt;
use std::sync::Arc;

use thiserror::Error;

pub use build::{CompileStats, RulesetBuilder, MAX_SOURCE_BYTES};
pub use expr::CompiledExpressions;
pub use lookup::{for_each_host_tag_in, for_each_match_in, MAX_HOST_LABELS, MAX_PATH_PREFIXES};

use crate::category;
use key_filter::KeyFilter;
use layout::{
    Header, DIRECT_SETS, ENTRY_RECORD, EXPR_RECORD, FLAG_LOCKED, OVERFLOW_RECORD, OVERFLOW_SET,
    PATHS_MARKER, TAG_RECORD,
};

/// The ruleset layout version this build writes and reads.
pub const FORMAT_VERSION: u32 = layout::VERSION;

/// Why a ruleset could not be built or loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RulesetError {
    /// The bytes do not start with `SGRULES\0`.
    #[error("not a schoolgate ruleset (bad magic)")]
    BadMagic,
    /// Written by a different layout version.
    #[error(
        "ruleset format version {found} is not supported (this build reads version {supported}): compile the lists again"
    )]
    UnsupportedVersion {
        /// The version in the bytes.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// Shorter than the header says.
    #[error("ruleset is truncated: {len} bytes, expected {expected}")]
    Truncated {
        /// Bytes given.
        len: usize,
        /// Bytes needed.
        expected: usize,
    },
    /// The bytes were changed after they were written.
    #[error("ruleset checksum mismatch")]
    ChecksumMismatch,
    /// A section is inconsistent (only possible for crafted bytes: the checksum matched).
    #[error("corrupt ruleset: {0}")]
    CorruptSection(&'static str),
    /// More distinct (category, source) pairs than a tag byte can name.
    #[error("too many (category, source) pairs: at most {max}")]
    TooManyTags {
        /// The limit.
        max: usize,
    },
    /// Two different keys would be stored with the same hash.
    #[error("hash collision between `{a}` and `{b}`")]
    HashCollision {
        /// One key.
        a: String,
        /// The other.
        b: String,
    },
    /// A category id that [`category::validate_id`] refuses.
    #[error("invalid category: {0}")]
    InvalidCategory(String),
    /// Some limit of the layout was passed.
    #[error("ruleset too large: {0}")]
    TooLarge(&'static str),
    /// Bytes offered as the built-in lists ([`crate::builtin::seed`]) that hold another source.
    #[error("not the built-in lists: it holds entries from `{0}`")]
    NotBuiltIn(String),
    /// A stored expression that does not compile.
    #[error("invalid expression `{expression}`: {reason}")]
    InvalidExpression {
        /// The expression.
        expression: String,
        /// The regex engine's complaint.
        reason: String,
    },
}

/// What kind of entry matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// A domain entry, matching the host or one of its parents.
    Domain,
    /// A URL-prefix entry, matching at a `/` boundary.
    UrlPrefix,
    /// A regular expression over `host/path?query`.
    Expression,
}

/// One entry that matched a URL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleMatch {
    /// The entry as matched: `example.com`, `example.com/games`, or the expression.
    pub key: String,
    /// What kind of entry it is.
    pub kind: MatchKind,
    /// The entry's category id.
    pub category: Arc<str>,
    /// The list it came from.
    pub source: Arc<str>,
    /// Whether the category is locked (see [`category::is_locked`]).
    pub locked: bool,
}

/// One entry that matched a URL, borrowed: the key from the URL being looked up, the names from
/// the ruleset. [`MatchRef::to_owned`] makes the [`RuleMatch`] a verdict keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchRef<'k, 'r> {
    /// The entry as matched: `example.com`, `example.com/games`, or the expression.
    pub key: &'k str,
    /// What kind of entry it is.
    pub kind: MatchKind,
    /// The entry's category id.
    pub category: &'r Arc<str>,
    /// The list it came from.
    pub source: &'r Arc<str>,
    /// Whether the category is locked (see [`category::is_locked`]).
    pub locked: bool,
}

impl MatchRef<'_, '_> {
    /// The owned match: the key copied, the names shared.
    pub fn to_owned(&self) -> RuleMatch {
        RuleMatch {
            key: self.key.to_string(),
            kind: self.kind,
            category: Arc::clone(self.category),
            source: Arc::clone(self.source),
            locked: self.locked,
        }
    }
}

/// A (category, source) pair stored in a ruleset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagInfo<'a> {
    /// Category id.
    pub category: &'a str,
    /// Source name.
    pub source: &'a str,
    /// Whether the category is locked.
    pub locked: bool,
}

/// A tag's names, shared by every match that carries them.
#[derive(Debug, Clone)]
struct TagNames {
    category: Arc<str>,
    source: Arc<str>,
    locked: bool,
}

/// A compiled ruleset, read in place from any byte container (`Vec<u8>`, `&[u8]`, `Arc<[u8]>`).
#[derive(Clone)]
pub struct Ruleset<B: AsRef<[u8]> = Vec<u8>> {
    bytes: B,
    header: Header,
    /// The tag table's names, read once at load (at most 255 of them), so that a match borrows
    /// them instead of reading and checking strings.
    names: Vec<TagNames>,
    /// For small rulesets, a bitmap that answers most lookups of absent keys without a probe.
    filter: Option<KeyFilter>,
}

impl<B: AsRef<[u8]>> fmt::Debug for Ruleset<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ruleset")
            .field("rules", &self.header.rule_count)
            .field("keys", &self.header.entry_count)
            .field("tag_sets", &self.header.set_count)
            .field("expressions", &self.header.expr_count)
            .field("tags", &self.header.tag_count)
            .field("bytes", &self.size_bytes())
            .finish()
    }
}

impl<B: AsRef<[u8]>> Ruleset<B> {
    /// Checks `bytes` and wraps them: magic, version, exact length, checksum, then structure
    /// (string references in range and UTF-8, category ids valid and locked flags right, tag
    /// sets well formed, every entry's set valid, bucket offsets monotonic). Nothing is copied
    /// or rebuilt.
    pub fn from_bytes(bytes: B) -> Result<Self, RulesetError> {
        let b = bytes.as_ref();
        let header = Header::read(b)?;
        let mut ruleset = Ruleset {
            header,
            bytes,
            names: Vec::with_capacity(header.tag_count),
            filter: None,
        };
        for i in 0..header.tag_count {
            let tag = ruleset
                .tag_checked(i)
                .ok_or(RulesetError::CorruptSection("tag table"))?;
            if category::validate_id(tag.category).is_err()
                || tag.locked != category::is_locked(tag.category)
            {
                return Err(RulesetError::CorruptSection("tag table"));
            }
            let names = TagNames {
                category: Arc::from(tag.category),
                source: Arc::from(tag.source),
                locked: tag.locked,
            };
            ruleset.names.push(names);
        }
        for i in 0..header.expr_count {
            ruleset
                .expression_checked(i)
                .ok_or(RulesetError::CorruptSection("expression table"))?;
        }
        ruleset.check_sets()?;
        ruleset.check_entries()?;
        ruleset.filter = KeyFilter::build(ruleset.entry_bytes(), header.entry_count);
        Ok(ruleset)
    }

    /// Checks the tag-set table: offsets monotonic from 0 to the members' length, every set
    /// non-empty and strictly increasing, every member a tag or the has-paths marker.
    fn check_sets(&self) -> Result<(), RulesetError> {
        const BAD: RulesetError = RulesetError::CorruptSection("tag sets");
        let h = &self.header;
        let bytes = self.bytes.as_ref();
        let members = bytes
            .get(h.members_off..h.members_off + h.members_len)
            .ok_or(BAD)?;
        let mut start = 0usize;
        for k in 0..=h.set_count {
            let end = layout::u32_at(bytes, h.sets_off + 4 * k).ok_or(BAD)? as usize;
            if k == 0 {
                if end != 0 {
                    return Err(BAD);
                }
                continue;
            }
            let set = members.get(start..end).ok_or(BAD)?;
            let increasing = set.windows(2).all(|w| w[0] < w[1]);
            let valid = set
                .iter()
                .all(|&t| usize::from(t) < h.tag_count || t == PATHS_MARKER);
            if set.is_empty() || !increasing || !valid {
                return Err(BAD);
            }
            start = end;
        }
        if start != h.members_len {
            return Err(BAD);
        }
        Ok(())
    }

    /// Checks the bucket table, every entry's set byte and the overflow table.
    ///
    /// The order of entries inside a bucket is not checked: a misordered bucket can only make
    /// lookups miss, which the checksum already rules out for accidental damage, and whoever
    /// crafts a ruleset can leave entries out anyway. What is checked is what keeps every read
    /// in bounds and every set meaningful. The entry pass is most of load time, so it is flat
    /// and branch-free.
    fn check_entries(&self) -> Result<(), RulesetError> {
        let h = &self.header;
        let n = h.entry_count;
        let bytes = self.bytes.as_ref();
        let table = bytes
            .get(h.buckets_off..h.buckets_off + 4 * (layout::bucket_count(h.bucket_bits) + 1))
            .ok_or(RulesetError::CorruptSection("bucket table"))?;
        let (mut bad_buckets, mut prev) = (false, 0usize);
        for (k, word) in table.chunks_exact(4).enumerate() {
            let off = u32::from_le_bytes([word[0], word[1], word[2], word[3]]) as usize;
            bad_buckets |= off < prev || off > n || (k == 0 && off != 0);
            prev = off;
        }
        if bad_buckets || prev != n {
            return Err(RulesetError::CorruptSection("bucket table"));
        }
        let records = self
            .entry_bytes()
            .get(..n * ENTRY_RECORD)
            .ok_or(RulesetError::CorruptSection("entries"))?;
        // One running maximum and one count of overflow bytes check every entry (this form
        // vectorises; per-entry flags ran three times slower). A u32 counter vectorises wider
        // than a usize one; `n` fits in u32 (the layout is < 4 GiB).
        let (mut max, mut overflowed) = (0u8, 0u32);
        for r in records.chunks_exact(ENTRY_RECORD) {
            let set = r[ENTRY_RECORD - 1];
            max = max.max(set);
            overflowed += u32::from(set == OVERFLOW_SET);
        }
        let entries_ok = if h.set_count <= DIRECT_SETS {
            // Every set has a byte of its own: no byte may name a missing set or the overflow.
            usize::from(max) < h.set_count || n == 0
        } else {
            overflowed as usize == h.overflow_count
        };
        if !entries_ok || (h.set_count <= DIRECT_SETS && h.overflow_count != 0) {
            return Err(RulesetError::CorruptSection("entries"));
        }
        // With as many records as overflow bytes, strictly increasing indices that each point at
        // an overflow byte name every such entry exactly once.
        let mut last = None;
        for i in 0..h.overflow_count {
            let (index, set) = self
                .overflow_record(i)
                .ok_or(RulesetError::CorruptSection("overflow table"))?;
            let byte = layout::entry_at(self.entry_bytes(), index).map(|e| e.1);
            if last.is_some_and(|l| l >= index)
                || byte != Some(OVERFLOW_SET)
                || set < DIRECT_SETS
                || set >= h.set_count
            {
                return Err(RulesetError::CorruptSection("overflow table"));
            }
            last = Some(index);
        }
        Ok(())
    }

    /// Overflow record `i`: (entry index, tag-set id).
    fn overflow_record(&self, i: usize) -> Option<(usize, usize)> {
        let at = self.header.overflow_off + i * OVERFLOW_RECORD;
        let bytes = self.bytes.as_ref();
        Some((
            layout::u32_at(bytes, at)? as usize,
            layout::u32_at(bytes, at + 4)? as usize,
        ))
    }

    /// The tag set of entry `index`, as its member bytes (tags, then maybe the has-paths marker).
    #[inline]
    fn set_of(&self, index: usize) -> Option<&[u8]> {
        let (_, byte) = layout::entry_at(self.entry_bytes(), index)?;
        let id = if byte == OVERFLOW_SET {
            // Rare combinations only: a binary search over the few overflowed entries.
            let (mut lo, mut hi) = (0, self.header.overflow_count);
            loop {
                if lo >= hi {
                    return None;
                }
                let mid = lo + (hi - lo) / 2;
                let (at, id) = self.overflow_record(mid)?;
                match at.cmp(&index) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => break id,
                }
            }
        } else {
            usize::from(byte)
        };
        let h = &self.header;
        let bytes = self.bytes.as_ref();
        let start = layout::u32_at(bytes, h.sets_off + 4 * id)? as usize;
        let end = layout::u32_at(bytes, h.sets_off + 4 * (id + 1))? as usize;
        bytes.get(h.members_off + start..h.members_off + end)
    }

    /// Number of rules: domain and URL-prefix entries (one per tag) plus expressions, as the
    /// builder counted them into the header (recounting at load would read every entry's set).
    pub fn len(&self) -> usize {
        self.header.rule_count
    }

    /// Number of distinct domain and URL-prefix keys stored (one record each).
    pub fn key_count(&self) -> usize {
        self.header.entry_count
    }

    /// Whether the ruleset holds no rules at all. Read from the section sizes rather than the
    /// rule count, so that it holds whatever the header's informative count says.
    pub fn is_empty(&self) -> bool {
        self.header.entry_count == 0 && self.header.expr_count == 0
    }

    /// Size of the buffer in bytes.
    pub fn size_bytes(&self) -> usize {
        self.bytes.as_ref().len()
    }

    /// The buffer, exactly as [`RulesetBuilder::build`] wrote it.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> B {
        self.bytes
    }

    /// Every tag's category id, in tag order: what [`for_each_host_tag_in`] names by index.
    pub fn tag_categories(&self) -> impl Iterator<Item = &str> + '_ {
        self.names.iter().map(|names| &*names.category)
    }

    /// The category id of the tag at this position of the tag table.
    pub fn tag_category(&self, tag: u8) -> Option<&str> {
        self.names
            .get(usize::from(tag))
            .map(|names| &*names.category)
    }

    /// Every (category, source) pair, in tag order.
    pub fn tags(&self) -> impl Iterator<Item = TagInfo<'_>> + '_ {
        (0..self.header.tag_count).filter_map(move |i| self.tag_checked(i))
    }

    /// Every stored expression with its tag.
    pub fn expressions(&self) -> impl Iterator<Item = (&str, TagInfo<'_>)> + '_ {
        (0..self.header.expr_count).filter_map(move |i| self.expression_checked(i))
    }

    fn entry_bytes(&self) -> &[u8] {
        self.bytes
            .as_ref()
            .get(self.header.entries_off..)
            .unwrap_or(&[])
    }

    fn string_at(&self, record: usize) -> Option<&str> {
        let bytes = self.bytes.as_ref();
        let off = layout::u32_at(bytes, record)? as usize;
        let len = layout::u32_at(bytes, record + 4)? as usize;
        if off.checked_add(len)? > self.header.strings_len {
            return None;
        }
        let start = self.header.strings_off + off;
        std::str::from_utf8(bytes.get(start..start + len)?).ok()
    }

    /// Tag `i`, or `None` if its record is out of range or malformed.
    fn tag_checked(&self, i: usize) -> Option<TagInfo<'_>> {
        if i >= self.header.tag_count {
            return None;
        }
        let record = self.header.tags_off + i * TAG_RECORD;
        let flags = layout::u32_at(self.bytes.as_ref(), record + 16)?;
        if flags & !FLAG_LOCKED != 0 {
            return None;
        }
        Some(TagInfo {
            category: self.string_at(record)?,
            source: self.string_at(record + 8)?,
            locked: flags & FLAG_LOCKED != 0,
        })
    }

    fn expression_checked(&self, i: usize) -> Option<(&str, TagInfo<'_>)> {
        if i >= self.header.expr_count {
            return None;
        }
        let record = self.header.exprs_off + i * EXPR_RECORD;
        let tag = layout::u32_at(self.bytes.as_ref(), record + 8)? as usize;
        Some((self.string_at(record)?, self.tag_checked(tag)?))
    }
}
