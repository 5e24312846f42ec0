//! A bitmap of a small ruleset's key hashes, built in memory at load: most lookups are of keys
//! a ruleset does not hold, and a bit answers them for a fraction of a probe's cost.
//!
//! An engine looks every host up in the built-in lists beside the school's, and in each group's
//! own entries; those rulesets hold a few thousand keys at most, and nearly every host is in none
//! of them. One bit per slot, at least eight slots per key, so a missing key finds its bit set
//! (and takes the probe anyway) about one time in nine. Large rulesets get none: building one
//! reads every entry, which their loading time is not to pay, and their probes are what the
//! prefetching in `lookup` speeds up instead.

use super::layout::{self, ENTRY_RECORD};

/// Rulesets with at most this many keys get a filter (at most 64 KiB of bitmap).
pub(crate) const MAX_FILTERED_KEYS: usize = 1 << 16;

/// The bitmap: bit `hash & mask` is set for every stored key's hash.
#[derive(Debug, Clone)]
pub(crate) struct KeyFilter {
    words: Box<[u64]>,
    mask: u64,
}

impl KeyFilter {
    /// A filter for the `count` entries in `entries` (the entry section), or `None` for a
    /// ruleset too large to have one.
    pub(crate) fn build(entries: &[u8], count: usize) -> Option<KeyFilter> {
        if count > MAX_FILTERED_KEYS {
            return None;
        }
        // At least 8 bits per key and 64 in all: a power of two, so a mask picks the bit.
        let bits = (count * 8).next_power_of_two().max(64);
        let mut words = vec![0u64; bits / 64].into_boxed_slice();
        let mask = bits as u64 - 1;
        for record in entries.chunks_exact(ENTRY_RECORD).take(count) {
            let low = layout::entry_at(record, 0).map_or(0, |(low, _)| low);
            let bit = low & mask;
            if let Some(word) = words.get_mut((bit / 64) as usize) {
                *word |= 1 << (bit % 64);
            }
        }
        Some(KeyFilter { words, mask })
    }

    /// Whether a key with this hash may be stored: `false` means it certainly is not. The bit is
    /// taken from the hash's low bits, which every entry stores.
    #[inline]
    pub(crate) fn may_contain(&self, hash: u64) -> bool {
        let bit = hash & self.mask;
        self.words
            .get((bit / 64) as usize)
            .is_none_or(|word| word & (1 << (bit % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::MAX_FILTERED_KEYS;
    use crate::lists::Entry;
    use crate::ruleset::{Ruleset, RulesetBuilder};
    use xxhash_rust::xxh3::xxh3_64;

    fn ruleset_of(domains: &[String]) -> Ruleset {
        let mut builder = RulesetBuilder::new();
        for d in domains {
            builder
                .add(&Entry::Domain(d.clone()), "games", "filter-test")
                .unwrap();
        }
        Ruleset::from_bytes(builder.build().unwrap().0).unwrap()
    }

    #[test]
    fn every_stored_key_passes_and_most_absent_keys_do_not() {
        let stored: Vec<String> = (0..3000).map(|i| format!("site{i}.example")).collect();
        let ruleset = ruleset_of(&stored);
        let filter = ruleset
            .filter
            .as_ref()
            .expect("a small ruleset has a filter");
        for d in &stored {
            assert!(filter.may_contain(xxh3_64(d.as_bytes())), "{d}");
            let mut found = Vec::new();
            ruleset.matches_parts(d, "/", None, &mut found);
            assert_eq!(found.len(), 1, "{d}");
        }
        let absent = (0..10_000)
            .map(|i| format!("other{i}.example"))
            .filter(|d| !filter.may_contain(xxh3_64(d.as_bytes())))
            .count();
        // At least 8 bits per key: about one absent key in nine passes.
        assert!(
            absent > 8_000,
            "only {absent} of 10000 absent keys were ruled out"
        );
    }

    #[test]
    fn large_rulesets_have_none() {
        let stored: Vec<String> = (0..=MAX_FILTERED_KEYS)
            .map(|i| format!("s{i}.example"))
            .collect();
        assert!(ruleset_of(&stored).filter.is_none());
        assert!(ruleset_of(&[]).filter.is_some());
    }
}
