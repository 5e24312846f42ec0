//! Entries → one ruleset buffer.

use std::collections::{HashMap, HashSet};

use xxhash_rust::xxh3::xxh3_64;

use super::layout::{
    self, Header, ENTRY_RECORD, EXPR_RECORD, FLAG_LOCKED, MAX_TAGS, PATHS_MARKER, TAG_RECORD,
};
use super::RulesetError;
use crate::category;
use crate::lists::Entry;

/// Source names longer than this are refused: they end up in every explanation shown to staff.
pub const MAX_SOURCE_BYTES: usize = 1024;
/// Average entries per bucket the builder aims for; small rulesets get a small bucket table.
const ENTRIES_PER_BUCKET: usize = 16;

/// What [`RulesetBuilder::build`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompileStats {
    /// Distinct rules stored: (entry, tag) pairs plus expressions.
    pub entries: usize,
    /// Rules dropped because the same entry was added again with the same category and source.
    pub duplicates_dropped: usize,
    /// Distinct (category, source) pairs.
    pub tags: usize,
    /// Size of the ruleset in bytes.
    pub bytes: usize,
}

/// Collects entries with their category and source, then writes one ruleset buffer.
///
/// ```
/// use schoolgate_core::lists::Entry;
/// use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};
///
/// let mut builder = RulesetBuilder::new();
/// builder.add(&Entry::Domain("example.com".into()), "games", "my-list")?;
/// let (bytes, stats) = builder.build()?;
/// assert_eq!(stats.entries, 1);
/// let ruleset = Ruleset::from_bytes(bytes)?;
/// assert_eq!(ruleset.len(), 1);
/// # Ok::<(), schoolgate_core::ruleset::RulesetError>(())
/// ```
#[derive(Debug, Default)]
pub struct RulesetBuilder {
    tags: Vec<(String, String)>,
    tag_index: HashMap<(String, String), u8>,
    /// Domain and URL-prefix keys with their tag ([`PATHS_MARKER`] for hosts with prefixes).
    keys: Vec<(String, u8)>,
    expressions: Vec<(String, u8)>,
    /// Always xxh3-64 except in tests that need to force a collision.
    hash: Option<fn(&[u8]) -> u64>,
}

impl RulesetBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one entry under `category` (checked with [`category::validate_id`]) from `source`.
    ///
    /// Fails on an invalid category id, an over-long source name, or a 256th distinct
    /// (category, source) pair.
    pub fn add(&mut self, entry: &Entry, category: &str, source: &str) -> Result<(), RulesetError> {
        let tag = self.tag(category, source)?;
        match entry {
            Entry::Domain(host) => self.keys.push((host.clone(), tag)),
            Entry::UrlPrefix { host, path } => {
                self.keys.push((format!("{host}{path}"), tag));
                self.keys.push((host.clone(), PATHS_MARKER));
            }
            Entry::Expression(e) => self.expressions.push((e.clone(), tag)),
        }
        Ok(())
    }

    /// A builder hashing with `hash`, so tests can make two keys collide.
    #[cfg(test)]
    pub(crate) fn with_hash(hash: fn(&[u8]) -> u64) -> Self {
        RulesetBuilder {
            hash: Some(hash),
            ..Self::default()
        }
    }

    fn tag(&mut self, category: &str, source: &str) -> Result<u8, RulesetError> {
        if let Some(&t) = self
            .tag_index
            .get(&(category.to_string(), source.to_string()))
        {
            return Ok(t);
        }
        category::validate_id(category).map_err(RulesetError::InvalidCategory)?;
        if source.len() > MAX_SOURCE_BYTES {
            return Err(RulesetError::TooLarge("source name longer than 1024 bytes"));
        }
        let t = u8::try_from(self.tags.len())
            .ok()
            .filter(|&t| usize::from(t) < MAX_TAGS)
            .ok_or(RulesetError::TooManyTags { max: MAX_TAGS })?;
        self.tags.push((category.to_string(), source.to_string()));
        self.tag_index
            .insert((category.to_string(), source.to_string()), t);
        Ok(t)
    }

    /// Writes the ruleset. Fails if two different keys share a stored hash (see
    /// [`RulesetError::HashCollision`]) or the result would pass 4 GiB.
    pub fn build(self) -> Result<(Vec<u8>, CompileStats), RulesetError> {
        let bits = bucket_bits(self.keys.len());
        let hash = self.hash.unwrap_or(xxh3_64);
        let mut keyed: Vec<(u64, String, u8)> = self
            .keys
            .into_iter()
            .map(|(k, t)| (layout::stored_key(hash(k.as_bytes()), bits), k, t))
            .collect();
        keyed.sort_unstable();
        let mut duplicates = 0;
        keyed.dedup_by(|b, a| {
            let same = a.0 == b.0 && a.2 == b.2 && a.1 == b.1;
            if same && b.2 != PATHS_MARKER {
                duplicates += 1;
            }
            same
        });
        for pair in keyed.windows(2) {
            if let [a, b] = pair {
                if a.0 == b.0 && a.1 != b.1 {
                    return Err(RulesetError::HashCollision {
                        a: a.1.clone(),
                        b: b.1.clone(),
                    });
                }
            }
        }
        let mut seen = HashSet::new();
        let before = self.expressions.len();
        let expressions: Vec<(String, u8)> = self
            .expressions
            .into_iter()
            .filter(|e| seen.insert(e.clone()))
            .collect();
        duplicates += before - expressions.len();

        let mut strings = Vec::new();
        let mut string_ref = |s: &str| -> Result<[u32; 2], RulesetError> {
            let off =
                u32::try_from(strings.len()).map_err(|_| RulesetError::TooLarge("strings"))?;
            let len = u32::try_from(s.len()).map_err(|_| RulesetError::TooLarge("strings"))?;
            strings.extend_from_slice(s.as_bytes());
            Ok([off, len])
        };
        let mut tag_table = Vec::with_capacity(self.tags.len() * TAG_RECORD);
        for (cat, src) in &self.tags {
            let flags = if category::is_locked(cat) {
                FLAG_LOCKED
            } else {
                0
            };
            for word in string_ref(cat)?
                .into_iter()
                .chain(string_ref(src)?)
                .chain([flags])
            {
                tag_table.extend_from_slice(&word.to_le_bytes());
            }
        }
        let mut expr_table = Vec::with_capacity(expressions.len() * EXPR_RECORD);
        for (e, tag) in &expressions {
            for word in string_ref(e)?.into_iter().chain([u32::from(*tag)]) {
                expr_table.extend_from_slice(&word.to_le_bytes());
            }
        }

        let header = Header::layout(
            bits,
            self.tags.len(),
            expressions.len(),
            keyed.len(),
            strings.len(),
        )?;
        let mut out = vec![0u8; header.total_len];
        header.write(&mut out);
        put(&mut out, header.tags_off, &tag_table);
        put(&mut out, header.exprs_off, &expr_table);
        put(&mut out, header.strings_off, &strings);
        // Bucket b's entries are `offsets[b]..offsets[b + 1]`: count per bucket, then prefix sums.
        let mut offsets = vec![0u32; layout::bucket_count(bits) + 1];
        for (key, _, _) in &keyed {
            if let Some(c) = offsets.get_mut((key >> 48) as usize + 1) {
                *c += 1;
            }
        }
        let mut running = 0u32;
        let mut bucket_bytes = Vec::with_capacity(offsets.len() * 4);
        for c in &mut offsets {
            running += *c;
            bucket_bytes.extend_from_slice(&running.to_le_bytes());
        }
        put(&mut out, header.buckets_off, &bucket_bytes);
        for (i, (key, _, tag)) in keyed.iter().enumerate() {
            let mut rec = [0u8; ENTRY_RECORD];
            rec[..6].copy_from_slice(&key.to_le_bytes()[..6]);
            rec[6] = *tag;
            put(&mut out, header.entries_off + i * ENTRY_RECORD, &rec);
        }
        layout::seal(&mut out);

        let markers = keyed.iter().filter(|k| k.2 == PATHS_MARKER).count();
        let stats = CompileStats {
            entries: keyed.len() - markers + expressions.len(),
            duplicates_dropped: duplicates,
            tags: self.tags.len(),
            bytes: out.len(),
        };
        Ok((out, stats))
    }
}

/// The fewest bucket bits that keep buckets at about [`ENTRIES_PER_BUCKET`] entries.
fn bucket_bits(entries: usize) -> u32 {
    let mut bits = 0;
    while bits < layout::MAX_BUCKET_BITS && (entries >> bits) > ENTRIES_PER_BUCKET {
        bits += 1;
    }
    bits
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}
