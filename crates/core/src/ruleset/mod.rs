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
//! * the full host and every parent domain within the 32 rightmost labels (an IP address only
//!   as a whole);
//! * only for a host suffix marked as having URL-prefix entries: that suffix plus each path
//!   prefix ending before a `/` (`/a`, `/a/b` for `/a/b/c`), the full path, and the full path
//!   with `?query` when there is one (at most 32 prefixes).
//!
//! Keys are hashed with xxh3-64, identical on wasm32 and native. Each entry stores the low 48
//! bits; the bucket it sits in gives the top bits. The builder refuses two different keys that
//! would be stored the same ([`RulesetError::HashCollision`]), so a stored hash names exactly
//! one key of the set; a URL key outside the set matches by chance with probability about
//! `entries / 2^64`.
//!
//! ## Byte layout, version 1
//!
//! All integers little-endian. Sections follow one another in this order with no gaps except the
//! alignment padding before the bucket table; their offsets must equal the ones computed from the
//! counts, so a reader never trusts an offset it cannot derive.
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0 | 8 | magic `SGRULES\0` |
//! | 8 | 4 | format version (`1`) |
//! | 12 | 4 | bucket bits `b` (0–16) |
//! | 16 | 4 | tag count `T` (≤ 255) |
//! | 20 | 4 | expression count `E` |
//! | 24 | 4 | entry count `N` (including has-paths markers) |
//! | 28 | 4 | strings length `S` |
//! | 32 | 4 | tag table offset (always 64) |
//! | 36 | 4 | expression table offset |
//! | 40 | 4 | strings offset |
//! | 44 | 4 | bucket table offset (4-aligned) |
//! | 48 | 4 | entry table offset |
//! | 52 | 4 | total length |
//! | 56 | 8 | xxh3-64 of every byte except these eight |
//!
//! Sections:
//!
//! * **tags**: `T` × 20 bytes: category (u32 offset, u32 length into strings), source (same),
//!   u32 flags (bit 0: locked). Tag `i` is the i-th record. Tag value 255 is reserved for the
//!   has-paths marker.
//! * **expressions**: `E` × 12 bytes: text (u32 offset, u32 length into strings), u32 tag.
//! * **strings**: `S` bytes of UTF-8 (category ids, source names, expressions).
//! * **buckets**: `2^b + 1` × u32: bucket `k` holds entries `buckets[k]..buckets[k + 1]`; a key
//!   hash `h` is in bucket `h >> (64 - b)` (bucket 0 when `b` is 0).
//! * **entries**: `N` × 7 bytes: the low 48 bits of the key hash (6 bytes), then the tag. Sorted by
//!   bucket, then hash, then tag; a key in several categories or sources has one entry per tag. Lookups
//!   binary-search this order; a reader checks every tag but not the order, since a misordered
//!   bucket can only make lookups miss (see [`Ruleset::from_bytes`]).
//!
//! `b` is chosen so buckets hold about 16 entries: at a million domains the ruleset takes
//! 7 bytes per entry plus a 256 KiB bucket table, about 7.3 bytes per domain.
//!
//! Any change to this layout bumps [`FORMAT_VERSION`]; readers refuse other versions.

mod build;
mod expr;
mod layout;
mod lookup;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use thiserror::Error;

pub use build::{CompileStats, RulesetBuilder, MAX_SOURCE_BYTES};
#[cfg(feature = "expressions")]
pub(crate) use expr::compile_expression;
pub use expr::CompiledExpressions;
pub use lookup::{MAX_HOST_LABELS, MAX_PATH_PREFIXES};

use crate::category;
use layout::{Header, ENTRY_RECORD, EXPR_RECORD, FLAG_LOCKED, TAG_RECORD};

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
        "ruleset format version {found} is not supported (this build reads version {supported})"
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

impl TagNames {
    fn to_match(&self, key: &str, kind: MatchKind) -> RuleMatch {
        RuleMatch {
            key: key.to_string(),
            kind,
            category: Arc::clone(&self.category),
            source: Arc::clone(&self.source),
            locked: self.locked,
        }
    }
}

/// A compiled ruleset, read in place from any byte container (`Vec<u8>`, `&[u8]`, `Arc<[u8]>`).
#[derive(Clone)]
pub struct Ruleset<B: AsRef<[u8]> = Vec<u8>> {
    bytes: B,
    header: Header,
    /// Entries that are not has-paths markers.
    rules: usize,
    /// The tag table's names, read once at load (at most 255 of them), so that a match costs
    /// one allocation for its key instead of three.
    names: Vec<TagNames>,
}

impl<B: AsRef<[u8]>> fmt::Debug for Ruleset<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ruleset")
            .field("rules", &self.rules)
            .field("expressions", &self.header.expr_count)
            .field("tags", &self.header.tag_count)
            .field("bytes", &self.size_bytes())
            .finish()
    }
}

impl<B: AsRef<[u8]>> Ruleset<B> {
    /// Checks `bytes` and wraps them: magic, version, exact length, checksum, then structure
    /// (string references in range and UTF-8, category ids valid and locked flags right, tag
    /// indices valid, bucket offsets monotonic, entries sorted). Nothing is copied or rebuilt.
    pub fn from_bytes(bytes: B) -> Result<Self, RulesetError> {
        let b = bytes.as_ref();
        let header = Header::read(b)?;
        let mut ruleset = Ruleset {
            header,
            rules: 0,
            bytes,
            names: Vec::with_capacity(header.tag_count),
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
        ruleset.rules = ruleset.check_entries()?;
        Ok(ruleset)
    }

    /// Checks the bucket table and every entry's tag; returns how many entries are real rules.
    ///
    /// The order of entries inside a bucket is not checked: a misordered bucket can only make
    /// lookups miss, which the checksum already rules out for accidental damage, and whoever
    /// crafts a ruleset can leave entries out anyway. What is checked is what keeps every read
    /// in bounds and every tag meaningful. The entry pass is most of load time (about 0.25 ms per
    /// million entries), so it is flat and branch-free.
    fn check_entries(&self) -> Result<usize, RulesetError> {
        let h = &self.header;
        let n = h.entry_count;
        let table = self
            .bytes
            .as_ref()
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
        // Valid tags are `0..tag_count` and the marker 255: adding one (wrapping) maps exactly
        // those to `0..=tag_count`, so one running maximum checks them all (this form vectorises;
        // per-entry flags ran three times slower).
        let limit =
            u8::try_from(h.tag_count).map_err(|_| RulesetError::CorruptSection("tag table"))?;
        // A u32 counter vectorises wider than a usize one; `n` fits in u32 (the layout is < 4 GiB).
        let (mut max, mut markers) = (0u8, 0u32);
        for r in records.chunks_exact(ENTRY_RECORD) {
            let shifted = r[ENTRY_RECORD - 1].wrapping_add(1);
            max = max.max(shifted);
            markers += u32::from(shifted == 0);
        }
        if max > limit {
            return Err(RulesetError::CorruptSection("entries"));
        }
        Ok(n - markers as usize)
    }

    /// Number of rules: domain and URL-prefix entries (one per tag) plus expressions.
    pub fn len(&self) -> usize {
        self.rules + self.header.expr_count
    }

    /// Whether the ruleset holds no rules at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
