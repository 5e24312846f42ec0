//! The byte layout of a compiled ruleset: header fields, record sizes, and bounds-checked reads.
//! The layout itself is described in the module docs of [`super`].

use xxhash_rust::xxh3::Xxh3;

use super::RulesetError;

/// First eight bytes of every ruleset.
pub(crate) const MAGIC: [u8; 8] = *b"SGRULES\0";
/// The layout version this build writes and reads.
pub(crate) const VERSION: u32 = 1;
/// Header size; sections start right after it.
pub(crate) const HEADER_LEN: usize = 64;
/// Where the checksum sits in the header (it covers every other byte).
const CHECKSUM_AT: usize = 56;
/// Tag record: category (offset, length), source (offset, length), flags.
pub(crate) const TAG_RECORD: usize = 20;
/// Expression record: text (offset, length), tag.
pub(crate) const EXPR_RECORD: usize = 12;
/// Entry record: low 48 bits of the key hash, then the tag.
pub(crate) const ENTRY_RECORD: usize = 7;
/// Tag flag: the category is locked.
pub(crate) const FLAG_LOCKED: u32 = 1;
/// The tag value that marks "this host has URL-prefix entries" rather than naming a category.
pub(crate) const PATHS_MARKER: u8 = u8::MAX;
/// Real tags are `0..MAX_TAGS`, so that every one fits a byte beside [`PATHS_MARKER`].
pub(crate) const MAX_TAGS: usize = PATHS_MARKER as usize;
/// Bucket tables have at most `2^16 + 1` offsets: the top 16 hash bits pick the bucket.
pub(crate) const MAX_BUCKET_BITS: u32 = 16;
/// Low 48 bits of a hash: what each entry stores.
pub(crate) const LOW48: u64 = (1 << 48) - 1;

/// The header's counts and section offsets, widened to `usize` once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub bucket_bits: u32,
    pub tag_count: usize,
    pub expr_count: usize,
    pub entry_count: usize,
    pub strings_len: usize,
    pub tags_off: usize,
    pub exprs_off: usize,
    pub strings_off: usize,
    pub buckets_off: usize,
    pub entries_off: usize,
    pub total_len: usize,
}

const TOO_LARGE: RulesetError = RulesetError::TooLarge("sections exceed 4 GiB");

impl Header {
    /// The one layout these counts allow. Sections follow each other in a fixed order, so a
    /// reader can check the stored offsets instead of trusting them.
    pub fn layout(
        bucket_bits: u32,
        tag_count: usize,
        expr_count: usize,
        entry_count: usize,
        strings_len: usize,
    ) -> Result<Header, RulesetError> {
        let mul = |a: usize, b: usize| a.checked_mul(b).ok_or(TOO_LARGE);
        let add = |a: usize, b: usize| a.checked_add(b).ok_or(TOO_LARGE);
        let tags_off = HEADER_LEN;
        let exprs_off = add(tags_off, mul(tag_count, TAG_RECORD)?)?;
        let strings_off = add(exprs_off, mul(expr_count, EXPR_RECORD)?)?;
        // Four-byte alignment keeps the bucket table readable as u32 words by a JS view.
        let buckets_off = add(add(strings_off, strings_len)?, 3)? & !3;
        let entries_off = add(buckets_off, mul(bucket_count(bucket_bits) + 1, 4)?)?;
        let total_len = add(entries_off, mul(entry_count, ENTRY_RECORD)?)?;
        if u32::try_from(total_len).is_err() || bucket_bits > MAX_BUCKET_BITS {
            return Err(TOO_LARGE);
        }
        Ok(Header {
            bucket_bits,
            tag_count,
            expr_count,
            entry_count,
            strings_len,
            tags_off,
            exprs_off,
            strings_off,
            buckets_off,
            entries_off,
            total_len,
        })
    }

    /// The fields in header order, after magic and version.
    fn fields(&self) -> [usize; 11] {
        [
            self.bucket_bits as usize,
            self.tag_count,
            self.expr_count,
            self.entry_count,
            self.strings_len,
            self.tags_off,
            self.exprs_off,
            self.strings_off,
            self.buckets_off,
            self.entries_off,
            self.total_len,
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
        if bytes.len() < HEADER_LEN {
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
        let stored_total = field(11);
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
        let header = Header::layout(bits, field(2), field(3), field(4), field(5))
            .map_err(|_| RulesetError::CorruptSection("section sizes"))?;
        let stored: Vec<usize> = (1..=11).map(field).collect();
        if stored != header.fields() {
            return Err(RulesetError::CorruptSection("section offsets"));
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

/// xxh3-64 over every byte but the checksum field itself.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    let mut h = Xxh3::new();
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

/// Entry `index` of the entry section at `entries`: (low 48 hash bits, tag).
#[inline]
pub(crate) fn entry_at(entries: &[u8], index: usize) -> Option<(u64, u8)> {
    let at = index.checked_mul(ENTRY_RECORD)?;
    let b = entries.get(at..at + ENTRY_RECORD)?;
    let low = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], 0, 0]);
    Some((low, b[6]))
}
