//! The crate's sorting, funnelled through one instantiation of the standard library's sorts and
//! one small merge sort.
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
///
/// A bottom-up merge sort: stable by construction, at most about `len × log2(len)` comparisons
/// (each one a dynamic call, so fewer is faster), and a few hundred bytes of WebAssembly where
/// the standard library's sort of indices with a dynamic comparison is 10 KB.
pub(crate) fn sorted_order(
    len: usize,
    compare: &mut dyn FnMut(usize, usize) -> Ordering,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged = vec![0; len];
    let mut width = 1;
    while width < len {
        for start in (0..len).step_by(2 * width) {
            let middle = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            merge(
                &order[start..middle],
                &order[middle..end],
                &mut merged[start..end],
                compare,
            );
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

/// Merges two sorted runs into `out`, taking from `left` on ties (which keeps the sort stable).
fn merge(
    left: &[usize],
    right: &[usize],
    out: &mut [usize],
    compare: &mut dyn FnMut(usize, usize) -> Ordering,
) {
    let (mut l, mut r) = (0, 0);
    for slot in out {
        let from_left = match (left.get(l), right.get(r)) {
            (Some(&a), Some(&b)) => compare(a, b) != Ordering::Greater,
            (Some(_), None) => true,
            _ => false,
        };
        if from_left {
            *slot = left[l];
            l += 1;
        } else {
            *slot = right[r];
            r += 1;
        }
    }
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
    fn sorted_order_matches_the_standard_library_at_every_size() {
        for n in [0, 1, 2, 3, 7, 8, 9, 50, 200, 1000] {
            let keys = numbers(n, 0x2545_f491_4f6c_dd1d + n as u64);
            let mut expected: Vec<usize> = (0..n).collect();
            expected.sort_by_key(|&i| keys[i]);
            let order = sorted_order(n, &mut |a, b| keys[a].cmp(&keys[b]));
            assert_eq!(order, expected, "n = {n}");
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
