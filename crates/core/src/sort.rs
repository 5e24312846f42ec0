//! The crate's sorting, funnelled through two instantiations of the standard library's sorts.
//!
//! Every `sort`, `sort_by` or `sort_unstable` call on a new element type or with a new closure
//! is a new copy of the sort (4 to 13 KB of WebAssembly each, the stable ones the biggest), and
//! the wasm package has a size budget. So sorts here go through:
//!
//! - [`sort_keys`]: `u128` keys in ascending order. Callers pack what orders their items (and,
//!   where ties must keep a known order, an index) into one number.
//! - [`sorted_order`]: the order of `len` items under a comparison, ties in index order, for
//!   orders no number captures (text, byte strings). [`sort_stable_by`] applies it in place.

use std::cmp::Ordering;

/// Up to this many items, [`sort_stable_by`] sorts in place by insertion, allocating nothing:
/// the hot paths sort a handful of items, and the standard library's stable sort also uses
/// insertion sort up to this length.
const INSERTION_MAX: usize = 20;

/// Sorts `keys` ascending.
pub(crate) fn sort_keys(keys: &mut [u128]) {
    keys.sort_unstable();
}

/// The indices `0..len` sorted by `compare`, equal items in index order (so sorting by it is
/// stable).
pub(crate) fn sorted_order(
    len: usize,
    compare: &mut dyn FnMut(usize, usize) -> Ordering,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    // With the index as the last tie-break no two items are equal, so the unstable sort (the
    // smaller one) gives the one stable answer.
    order.sort_unstable_by(|&a, &b| compare(a, b).then(a.cmp(&b)));
    order
}

/// Sorts `items` by `compare`, keeping equal items in their order: `sort_by`, without a copy of
/// the stable sort per element type.
pub(crate) fn sort_stable_by<T>(items: &mut [T], compare: &mut dyn FnMut(&T, &T) -> Ordering) {
    if items.len() <= INSERTION_MAX {
        for end in 1..items.len() {
            let mut at = end;
            while at > 0 && compare(&items[at - 1], &items[at]) == Ordering::Greater {
                items.swap(at - 1, at);
                at -= 1;
            }
        }
        return;
    }
    let order = sorted_order(items.len(), &mut |a, b| compare(&items[a], &items[b]));
    permute(items, order);
}

/// Rearranges `items` so that position `i` holds the item that was at `order[i]`. `order` must
/// be a permutation of the indices; it is used up as the cycles are followed.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at];
            // Marks `at` done: every later `start` in this cycle then stops at once.
            order[at] = at;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the tests need no dependency.
    fn numbers(n: usize, seed: u64) -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % 7
            })
            .collect()
    }

    #[test]
    fn stable_sort_matches_the_standard_library_at_every_size() {
        for n in [0, 1, 2, 3, 19, 20, 21, 22, 50, 200] {
            let pairs: Vec<(u64, usize)> = numbers(n, 0x9e37_79b9_7f4a_7c15 + n as u64)
                .into_iter()
                .enumerate()
                .map(|(i, k)| (k, i))
                .collect();
            let mut expected = pairs.clone();
            expected.sort_by_key(|p| p.0);
            let mut ours = pairs;
            sort_stable_by(&mut ours, &mut |a, b| a.0.cmp(&b.0));
            assert_eq!(ours, expected, "n = {n}");
        }
    }

    #[test]
    fn sorted_order_breaks_ties_by_index() {
        let keys = [3, 1, 3, 0, 1];
        let order = sorted_order(keys.len(), &mut |a, b| keys[a].cmp(&keys[b]));
        assert_eq!(order, [3, 1, 4, 0, 2]);
    }

    #[test]
    fn keys_sort_ascending() {
        let mut keys = [5u128, u128::MAX, 0, 1 << 100, 5];
        sort_keys(&mut keys);
        assert_eq!(keys, [0, 5, 5, 1 << 100, u128::MAX]);
    }
}
