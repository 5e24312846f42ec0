//! The byte layout of a compiled ruleset: header fields, record sizes, and bounds-checked reads.
//! The layout itself is described in the module docs of [`super`].

use xxhash_rust::xxh3::Xxh3Default;

use super::RulesetError;

/// First eight bytes of every ruleset.
pub(crate) const MAGIC: [u8; 8] = *b"SGRULES\0";
/// The layout version this build writes and reads.
pub(crate) const VERSION: u32 = 2;
/// Header size; sections start right after it.
pub(crate) const HEADER_LEN: usize = 96;
/// Where the checksum sits in the header (it covers every other byte).
const CHECKSUM_AT: usize = 88;
/// How many u32 fields follow magic and version, up to the checksum.
const FIELDS: usize = 19;
/// Which field holds the total length.
const TOTAL_FIELD: usize = 18;
/// Header flag: some domain or URL-prefix key has a single-label host (`localhost`, an IPv6
/// literal). Without it a lookup skips a URL's top-level label: no key can be just `com`.
pub(crate) const FLAG_SINGLE_LABEL_KEYS: u32 = 1;
/// Tag record: category (offset, length), source (offset, length), flags.
pub(crate) const TAG_RECORD: usize = 20;
/// Expression record: text (offset, length), tag.
pub(crate) const EXPR_RECORD: usize = 12;
/// Overflow record: entry index, tag-set id.
pub(crate) const OVERFLOW_RECORD: usize = 8;
/// Entry record: low 48 bits of the key hash, then the tag-set byte.
pub(crate) const ENTRY_RECORD: usize = 7;
/// Tag flag: the category is locked.
pub(crate) const FLAG_LOCKED: u32 = 1;
/// The member of a tag set that marks "this host has URL-prefix entries" rather than naming a
/// category. Always the last member of its set, since members are sorted.
pub(crate) const PATHS_MARKER: u8 = u8::MAX;
/// Real tags are `0..MAX_TAGS`, so that every one fits a byte beside [`PATHS_MARKER`].
pub(crate) const MAX_TAGS: usize = PATHS_MARKER as usize;
/// The entry byte meaning "the tag set is in the overflow table"; bytes below it name a set.
pub(crate) const OVERFLOW_SET: u8 = u8::MAX;
/// Tag sets named directly by an entry byte: ids `0..DIRECT_SETS`.
pub(crate) const DIRECT_SETS: usize = OVERFLOW_SET as usize;
/// Bucket tables have at most `2^16 + 1` offsets: the top 16 hash bits pick the bucket.
pub(crate) const MAX_BUCKET_BITS: u32 = 16;
/// Low 48 bits of a hash: what each entry stores.
pub(crate) const LOW48: u64 = (1 << 48) - 1;

/// The header's counts and section offsets, widened to `usize` once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub bucket_bits: u32,
    pub tag_count: usize,
    pub set_count: usize,
    pub members_len: usize,
    pub overflow_count: usize,
    pub expr_count: usize,
    pub entry_count: usize,
    pub strings_len: usize,
    /// (key, tag) pairs stored, not counting has-paths markers: what [`super::Ruleset::len`]
    /// reports. Informative only; no lookup depends on it.
    pub rule_count: usize,
    pub tags_off: usize,
    pub sets_off: usize,
    pub overflow_off: usize,
    pub exprs_off: usize,
    pub strings_off: usize,
    pub members_off: usize,
    pub buckets_off: usize,
    pub entries_off: usize,
    pub total_len: usize,
    /// [`FLAG_SINGLE_LABEL_KEYS`] or nothing.
    pub flags: u32,
}

const TOO_LARGE: RulesetError = RulesetError::TooLarge("sections exceed 4 GiB");

/// Every count that decides the layout, in header order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    pub bucket_bits: u32,
    pub tags: usize,
    pub sets: usize,
    pub members: usize,
    pub overflow: usize,
    pub exprs: usize,
    pub entries: usize,
    pub strings: usize,
    pub rules: usize,
    pub flags: u32,
}

impl Header {
    /// The one layout these counts allow. Sections follow each other in a fixed order (the
    /// u32-word sections first, then the byte sections, then the bucket table aligned to four
    /// bytes, then the entries), so a reader can check the stored offsets instead of trusting them.
    pub fn layout(c: Counts) -> Result<Header, RulesetError> {
        let mul = |a: usize, b: usize| a.checked_mul(b).ok_or(TOO_LARGE);
        let add = |a: usize, b: usize| a.checked_add(b).ok_or(TOO_LARGE);
        let tags_off = HEADER_LEN;
        let sets_off = add(tags_off, mul(c.tags, TAG_RECORD)?)?;
        let overflow_off = add(sets_off, mul(add(c.sets, 1)?, 4)?)?;
        let exprs_off = add(overflow_off, mul(c.overflow, OVERFLOW_RECORD)?)?;
        let strings_off = add(exprs_off, mul(c.exprs, EXPR_RECORD)?)?;
        let members_off = add(strings_off, c.strings)?;
        // Four-byte alignment keeps the bucket table readable as u32 words by a JS view.
        let buckets_off = add(add(members_off, c.members)?, 3)? & !3;
        let entries_off = add(buckets_off, mul(bucket_count(c.bucket_bits) + 1, 4)?)?;
        let total_len = add(entries_off, mul(c.entries, ENTRY_RECORD)?)?;
        if u32::try_from(total_len).is_err()
            || u32::try_from(c.rules).is_err()
            || c.bucket_bits > MAX_BUCKET_BITS
        {
            return Err(TOO_LARGE);
        }
        Ok(Header {
            bucket_bits: c.bucket_bits,
            tag_count: c.tags,
            set_count: c.sets,
            members_len: c.members,
            overflow_count: c.overflow,
            expr_count: c.exprs,
            entry_count: c.entries,
            strings_len: c.strings,
            rule_count: c.rules,
            tags_off,
            sets_off,
            overflow_off,
            exprs_off,
            strings_off,
            members_off,
            buckets_off,
            entries_off,
            total_len,
            flags: c.flags,
        })
    }

    /// The fields in header order, after magic and version.
    fn fields(&self) -> [usize; FIELDS] {
        [
            self.bucket_bits as usize,
            self.tag_count,
            self.set_count,
            self.members_len,
            self.overflow_count,
            self.expr_count,
            self.entry_count,
            self.strings_len,
            self.rule_count,
            self.tags_off,
            self.sets_off,
            self.overflow_off,
            self.exprs_off,
            self.strings_off,
            self.members_off,
            self.buckets_off,
            self.entries_off,
            self.total_len,
            self.flags as usize,
        ]
    }

    /// Writes the header with a zero checksum into the first [`HEADER_LEN`] bytes of `out`.
    pub fn write(&self, out: &mut [u8]) {
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            if let Some(dst) = out.get_mut(at..at + bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            at += bytes.len();
        };
        put(&MAGIC);
        put(&VERSION.to_le_bytes());
        for field in self.fields() {
            // `layout` checked that everything fits in u32.
            put(&u32::try_from(field).unwrap_or(u32::MAX).to_le_bytes());
        }
    }

    /// Reads and checks the header: magic, version, length, section layout and checksum.
    pub fn read(bytes: &[u8]) -> Result<Header, RulesetError> {
        // Magic and version first, whatever the length: a short buffer of another version is
        // reported as that version, which tells a caller to recompile rather than that the
        // bytes were cut.
        if bytes.len() < 12 {
            return Err(RulesetError::Truncated {
                len: bytes.len(),
                expected: HEADER_LEN,
            });
        }
        if bytes.get(..8) != Some(&MAGIC[..]) {
            return Err(RulesetError::BadMagic);
        }
        let field = |i: usize| u32_at(bytes, 8 + 4 * i).map_or(0, |v| v as usize);
        let version = field(0) as u32;
        if version != VERSION {
            return Err(RulesetError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(RulesetError::Truncated {
                len: bytes.len(),
                expected: HEADER_LEN,
            });
        }
        let stored_total = field(TOTAL_FIELD);
        if bytes.len() < stored_total {
            return Err(RulesetError::Truncated {
                len: bytes.len(),
                expected: stored_total,
            });
        }
        if bytes.len() > stored_total {
            return Err(RulesetError::CorruptSection(
                "trailing bytes after the ruleset",
            ));
        }
        let bits = field(1) as u32;
        if bits > MAX_BUCKET_BITS {
            return Err(RulesetError::CorruptSection("bucket bits"));
        }
        let header = Header::layout(Counts {
            bucket_bits: bits,
            tags: field(2),
            sets: field(3),
            members: field(4),
            overflow: field(5),
            exprs: field(6),
            entries: field(7),
            strings: field(8),
            rules: field(9),
            flags: field(FIELDS) as u32,
        })
        .map_err(|_| RulesetError::CorruptSection("section sizes"))?;
        let stored: Vec<usize> = (1..=FIELDS).map(field).collect();
        if stored != header.fields() {
            return Err(RulesetError::CorruptSection("section offsets"));
        }
        if header.flags & !FLAG_SINGLE_LABEL_KEYS != 0 {
            return Err(RulesetError::CorruptSection("header flags"));
        }
        if header.tag_count > MAX_TAGS {
            return Err(RulesetError::CorruptSection("tag table"));
        }
        let stored_sum = u64_at(bytes, CHECKSUM_AT).unwrap_or(0);
        if checksum(bytes) != stored_sum {
            return Err(RulesetError::ChecksumMismatch);
        }
        Ok(header)
    }
}

/// How many buckets `bits` hash bits select.
pub(crate) fn bucket_count(bits: u32) -> usize {
    1usize << bits.min(MAX_BUCKET_BITS)
}

/// The bucket a hash falls in: its top `bits` bits.
#[inline]
pub(crate) fn bucket_of(hash: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (hash >> (64 - bits.min(MAX_BUCKET_BITS))) as usize
    }
}

/// The part of a hash a ruleset keeps (bucket bits and low 48 bits), as one sortable number.
/// Two different keys with the same stored key are a collision.
#[inline]
pub(crate) fn stored_key(hash: u64, bits: u32) -> u64 {
    ((bucket_of(hash, bits) as u64) << 48) | (hash & LOW48)
}

/// xxh3-64 over every byte but the checksum field itself. Streamed in two parts: the one-shot
/// hash would need a copy of the ruleset without the field, and loading a ruleset (every wake of
/// the extension) must not copy it; the streaming code costs about 4 KB gzipped of WebAssembly.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    let mut h = Xxh3Default::new();
    h.update(bytes.get(..CHECKSUM_AT).unwrap_or(&[]));
    h.update(bytes.get(HEADER_LEN..).unwrap_or(&[]));
    h.digest()
}

/// Stores the checksum of a fully written ruleset.
pub(crate) fn seal(bytes: &mut [u8]) {
    let sum = checksum(bytes);
    if let Some(dst) = bytes.get_mut(CHECKSUM_AT..HEADER_LEN) {
        dst.copy_from_slice(&sum.to_le_bytes());
    }
}

#[inline]
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// Entry `index` of the entry section at `entries`: (low 48 hash bits, tag-set byte).
#[inline]
pub(crate) fn entry_at(entries: &[u8], index: usize) -> Option<(u64, u8)> {
    let at = index.checked_mul(ENTRY_RECORD)?;
    let b = entries.get(at..at + ENTRY_RECORD)?;
    let low = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], 0, 0]);
    Some((low, b[6]))
}

#[cfg(test)]
mod tests {
    use super::{checksum, CHECKSUM_AT, HEADER_LEN};

    /// The checksum is xxh3-64 with seed 0 of every byte but its own field: the streaming
    /// hasher for the default secret gives exactly what the seeded one gives, at every length
    /// the one-shot, mid-sized and long routes of xxh3 cover.
    #[test]
    fn the_checksum_is_seed_zero_xxh3_of_all_other_bytes() {
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 3) as u8).collect();
        for len in [0, 10, 88, 95, 96, 100, 239, 240, 241, 336, 1024, 1100, 5000] {
            let b = &bytes[..len];
            let mut seeded = xxhash_rust::xxh3::Xxh3::new();
            seeded.update(b.get(..CHECKSUM_AT).unwrap_or(&[]));
            seeded.update(b.get(HEADER_LEN..).unwrap_or(&[]));
            assert_eq!(checksum(b), seeded.digest(), "length {len}");
        }
    }
}
