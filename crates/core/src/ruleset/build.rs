//! Entries → one ruleset buffer.

use rustc_hash::{FxHashMap, FxHashSet};

use xxhash_rust::xxh3::xxh3_64;

use super::layout::{
    self, Counts, Header, DIRECT_SETS, ENTRY_RECORD, EXPR_RECORD, FLAG_LOCKED, MAX_TAGS,
    OVERFLOW_SET, PATHS_MARKER, TAG_RECORD,
};
use super::RulesetError;
use crate::category;
use crate::lists::Entry;
use crate::sort::{sort_keys, sorted_order};

/// Source names longer than this are refused: they end up in every explanation shown to staff.
pub const MAX_SOURCE_BYTES: usize = 1024;
/// Average entries per bucket the builder aims for; small rulesets get a small bucket table.
const ENTRIES_PER_BUCKET: usize = 16;

/// What [`RulesetBuilder::build`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompileStats {
    /// Distinct rules stored: (entry, tag) pairs plus expressions.
    pub entries: usize,
    /// Distinct keys stored: one record each, whatever the number of their tags.
    pub keys: usize,
    /// Distinct tag combinations the keys use.
    pub tag_sets: usize,
    /// Keys whose tag combination is not among the 255 most used, so it is named in the
    /// overflow table.
    pub overflowed: usize,
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
    tag_index: FxHashMap<(String, String), u8>,
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
        let hash = self.hash.unwrap_or(xxh3_64);
        let mut keyed: Vec<u128> = Vec::with_capacity(self.keys.len());
        for (index, (key, tag)) in self.keys.iter().enumerate() {
            let index = u32::try_from(index).map_err(|_| RulesetError::TooLarge("keys"))?;
            keyed.push(KeyTag::pack(hash(key.as_bytes()), *tag, index));
        }
        // Sorted, a key's tags are neighbours in tag order (its set, the has-paths marker last)
        // and repeats of one tag are adjacent.
        sort_keys(&mut keyed);
        let key_of = |k: u128| self.keys.get(KeyTag::index(k)).map_or("", |(key, _)| key);
        // The host part of a URL-prefix key ends at its path's `/`.
        let single_label = self
            .keys
            .iter()
            .any(|(k, _)| !k.split('/').next().unwrap_or_default().contains('.'));
        let (mut rules, mut duplicates) = (0, 0);
        // One record per key: its tags form its tag set.
        let mut key_sets: Vec<(u64, usize)> = Vec::new();
        let mut set_ids: FxHashMap<Vec<u8>, usize> = FxHashMap::default();
        // Most keys have one tag: their sets are found by that byte, without hashing a Vec.
        let mut single_ids: [Option<usize>; 256] = [None; 256];
        let mut sets: Vec<Vec<u8>> = Vec::new();
        let mut members: Vec<u8> = Vec::new();
        let mut i = 0;
        while let Some(&first) = keyed.get(i) {
            let key_hash = KeyTag::hash(first);
            let run_len = keyed
                .get(i..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&k| KeyTag::hash(k) == key_hash)
                .count();
            let run = keyed.get(i..i + run_len).unwrap_or_default();
            let key = key_of(first);
            if run.iter().any(|&k| key_of(k) != key) {
                // Two keys with one whole hash could never be told apart in the ruleset.
                return Err(collision(&self.keys, hash, |h| h == key_hash));
            }
            members.clear();
            for &k in run {
                let tag = KeyTag::tag(k);
                let repeat = members.last() == Some(&tag);
                if !repeat {
                    members.push(tag);
                }
                if tag != PATHS_MARKER {
                    if repeat {
                        duplicates += 1;
                    } else {
                        rules += 1;
                    }
                }
            }
            let known = match members.as_slice() {
                [only] => single_ids[usize::from(*only)],
                many => set_ids.get(many).copied(),
            };
            let id = match known {
                Some(id) => id,
                None => {
                    match members.as_slice() {
                        [only] => single_ids[usize::from(*only)] = Some(sets.len()),
                        many => {
                            set_ids.insert(many.to_vec(), sets.len());
                        }
                    }
                    sets.push(members.clone());
                    sets.len() - 1
                }
            };
            key_sets.push((key_hash, id));
            i += run_len;
        }
        let bits = bucket_bits(key_sets.len());
        // Lookups search a bucket by the stored key (bucket bits, then the low 48 bits), so the
        // entries go in that order, as `stored key << 64 | set id`. With 16 bucket bits it is the
        // hash order they are already in, which the sort notices at once.
        let mut entries: Vec<u128> = key_sets
            .iter()
            .map(|&(h, id)| (u128::from(layout::stored_key(h, bits)) << 64) | id as u128)
            .collect();
        drop(key_sets);
        sort_keys(&mut entries);
        let stored_of = |e: u128| (e >> 64) as u64;
        let set_of = |e: u128| e as u64 as usize;
        for pair in entries.windows(2) {
            if let [a, b] = pair {
                if stored_of(*a) == stored_of(*b) {
                    let stored = stored_of(*a);
                    return Err(collision(&self.keys, hash, |h| {
                        layout::stored_key(h, bits) == stored
                    }));
                }
            }
        }
        // The most used combinations get the ids an entry byte can name; ties in a stable order.
        let mut uses = vec![0usize; sets.len()];
        for &e in &entries {
            uses[set_of(e)] += 1;
        }
        let order = sorted_order(sets.len(), &mut |a, b| {
            uses[b].cmp(&uses[a]).then_with(|| sets[a].cmp(&sets[b]))
        });
        let mut renumber = vec![0usize; sets.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old] = new;
        }

        let mut seen = FxHashSet::default();
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
        let mut set_table = Vec::with_capacity((sets.len() + 1) * 4);
        let mut member_bytes = Vec::new();
        set_table.extend_from_slice(&0u32.to_le_bytes());
        for &old in &order {
            member_bytes.extend_from_slice(&sets[old]);
            let end = u32::try_from(member_bytes.len())
                .map_err(|_| RulesetError::TooLarge("tag sets"))?;
            set_table.extend_from_slice(&end.to_le_bytes());
        }
        let mut overflow_table = Vec::new();
        let mut entry_table = Vec::with_capacity(entries.len() * ENTRY_RECORD);
        for (index, &e) in entries.iter().enumerate() {
            let id = renumber[set_of(e)];
            let byte = match u8::try_from(id) {
                Ok(b) if usize::from(b) < DIRECT_SETS => b,
                _ => {
                    for word in [index, id] {
                        let word =
                            u32::try_from(word).map_err(|_| RulesetError::TooLarge("tag sets"))?;
                        overflow_table.extend_from_slice(&word.to_le_bytes());
                    }
                    OVERFLOW_SET
                }
            };
            entry_table.extend_from_slice(&(stored_of(e) & layout::LOW48).to_le_bytes()[..6]);
            entry_table.push(byte);
        }

        let header = Header::layout(Counts {
            bucket_bits: bits,
            tags: self.tags.len(),
            sets: sets.len(),
            members: member_bytes.len(),
            overflow: overflow_table.len() / layout::OVERFLOW_RECORD,
            exprs: expressions.len(),
            entries: entries.len(),
            strings: strings.len(),
            rules: rules + expressions.len(),
            flags: if single_label {
                layout::FLAG_SINGLE_LABEL_KEYS
            } else {
                0
            },
        })?;
        let mut out = vec![0u8; header.total_len];
        header.write(&mut out);
        put(&mut out, header.tags_off, &tag_table);
        put(&mut out, header.sets_off, &set_table);
        put(&mut out, header.overflow_off, &overflow_table);
        put(&mut out, header.exprs_off, &expr_table);
        put(&mut out, header.strings_off, &strings);
        put(&mut out, header.members_off, &member_bytes);
        // Bucket b's entries are `offsets[b]..offsets[b + 1]`: count per bucket, then prefix sums.
        let mut offsets = vec![0u32; layout::bucket_count(bits) + 1];
        for &e in &entries {
            // The stored key's top bits are the bucket.
            let bucket = (stored_of(e) >> 48) as usize;
            if let Some(c) = offsets.get_mut(bucket + 1) {
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
        put(&mut out, header.entries_off, &entry_table);
        layout::seal(&mut out);

        let stats = CompileStats {
            entries: rules + expressions.len(),
            keys: entries.len(),
            tag_sets: sets.len(),
            overflowed: header.overflow_count,
            duplicates_dropped: duplicates,
            tags: self.tags.len(),
            bytes: out.len(),
        };
        Ok((out, stats))
    }
}

/// A (key, tag) pair as one sort key: `hash << 64 | tag << 32 | index`, the index into the
/// builder's keys.
struct KeyTag;

impl KeyTag {
    fn pack(hash: u64, tag: u8, index: u32) -> u128 {
        (u128::from(hash) << 64) | (u128::from(tag) << 32) | u128::from(index)
    }

    fn hash(k: u128) -> u64 {
        (k >> 64) as u64
    }

    fn tag(k: u128) -> u8 {
        (k >> 32) as u8
    }

    fn index(k: u128) -> usize {
        k as u32 as usize
    }
}

/// The error for keys stored alike, naming the first two distinct keys, in (hash, key) order,
/// among those whose hash `collides` picks.
fn collision(
    keys: &[(String, u8)],
    hash: fn(&[u8]) -> u64,
    collides: impl Fn(u64) -> bool,
) -> RulesetError {
    // The two smallest distinct (hash, key) pairs so far.
    let mut first: Option<(u64, &str)> = None;
    let mut second: Option<(u64, &str)> = None;
    for (key, _) in keys {
        let h = hash(key.as_bytes());
        let candidate = Some((h, key.as_str()));
        if !collides(h) || candidate == first || candidate == second {
            continue;
        }
        if first.is_none_or(|f| candidate < Some(f)) {
            second = first;
            first = candidate;
        } else if second.is_none_or(|s| candidate < Some(s)) {
            second = candidate;
        }
    }
    let name = |k: Option<(u64, &str)>| k.map_or_else(String::new, |(_, key)| key.to_string());
    RulesetError::HashCollision {
        a: name(first),
        b: name(second),
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
