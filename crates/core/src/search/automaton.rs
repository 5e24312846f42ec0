//! A small Aho-Corasick automaton for the phrase set: every occurrence of every pattern, overlapping,
//! in one pass over the search text.
//!
//! The `aho-corasick` crate finds the same matches in the same order (a test compares the two on
//! the built-in phrases), but its prefilters and their sorts, which a set of hundreds of phrases
//! never uses, were a fifth of its size in the WebAssembly package; this is the plain
//! noncontiguous automaton alone.

/// The root state.
const ROOT: u32 = 0;

/// A trie of the patterns with failure links; each state's matches include those of the states
/// its failure chain reaches (its own first, then the longest suffix's, and so on).
#[derive(Debug, Clone)]
pub(crate) struct Automaton {
    /// The root's transitions, dense (`ROOT` where there is none: the root loops to itself).
    root: Vec<u32>,
    states: Vec<State>,
    /// Every pattern's length in bytes.
    lengths: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
struct State {
    /// Transitions, sorted by byte.
    next: Vec<(u8, u32)>,
    fail: u32,
    /// Pattern ids matched when this state is reached.
    matches: Vec<u32>,
}

impl Automaton {
    /// The automaton of `patterns` (pattern ids are their indexes). `None` when there are more
    /// states than a `u32` counts.
    pub(crate) fn new(patterns: &[String]) -> Option<Automaton> {
        let mut states = vec![State::default()];
        let mut lengths = Vec::with_capacity(patterns.len());
        for (id, pattern) in patterns.iter().enumerate() {
            let mut at = 0usize;
            for &b in pattern.as_bytes() {
                let count = states.len();
                let state = states.get_mut(at)?;
                at = match state.next.binary_search_by_key(&b, |e| e.0) {
                    Ok(i) => state.next.get(i)?.1 as usize,
                    Err(i) => {
                        state.next.insert(i, (b, u32::try_from(count).ok()?));
                        states.push(State::default());
                        count
                    }
                };
            }
            states.get_mut(at)?.matches.push(u32::try_from(id).ok()?);
            lengths.push(u32::try_from(pattern.len()).ok()?);
        }
        // Failure links breadth first: a state's failure is reached before its children's.
        let mut queue: Vec<u32> = states.first()?.next.iter().map(|e| e.1).collect();
        let mut head = 0;
        while let Some(&s) = queue.get(head) {
            head += 1;
            let parent = states.get(s as usize)?;
            let (edges, parent_fail) = (parent.next.clone(), parent.fail);
            for (b, child) in edges {
                let mut f = parent_fail;
                let fail = loop {
                    if let Some(n) = step(&states, f, b) {
                        break n;
                    }
                    if f == ROOT {
                        break ROOT;
                    }
                    f = states.get(f as usize)?.fail;
                };
                let inherited = states.get(fail as usize)?.matches.clone();
                let state = states.get_mut(child as usize)?;
                state.fail = fail;
                state.matches.extend(inherited);
                queue.push(child);
            }
        }
        let mut root = vec![ROOT; 256];
        for &(b, t) in &states.first()?.next {
            if let Some(slot) = root.get_mut(usize::from(b)) {
                *slot = t;
            }
        }
        Some(Automaton {
            root,
            states,
            lengths,
        })
    }

    /// How many patterns it was built from.
    pub(crate) fn patterns_len(&self) -> usize {
        self.lengths.len()
    }

    /// Heap memory it holds, in bytes.
    pub(crate) fn memory_usage(&self) -> usize {
        let per_state: usize = self
            .states
            .iter()
            .map(|s| s.next.capacity() * 8 + s.matches.capacity() * 4)
            .sum();
        self.root.capacity() * 4
            + self.states.capacity() * std::mem::size_of::<State>()
            + per_state
            + self.lengths.capacity() * 4
    }

    /// Calls `found(pattern, start, end)` for every occurrence of every pattern in `haystack`,
    /// by end offset, then as [`State::matches`] orders them.
    pub(crate) fn for_each_overlapping(
        &self,
        haystack: &[u8],
        found: &mut dyn FnMut(usize, usize, usize),
    ) {
        let mut at = ROOT;
        for (i, &b) in haystack.iter().enumerate() {
            at = loop {
                if at == ROOT {
                    break self.root.get(usize::from(b)).copied().unwrap_or(ROOT);
                }
                if let Some(n) = step(&self.states, at, b) {
                    break n;
                }
                at = self.states.get(at as usize).map_or(ROOT, |s| s.fail);
            };
            let Some(state) = self.states.get(at as usize) else {
                return;
            };
            for &p in &state.matches {
                let len = self.lengths.get(p as usize).copied().unwrap_or(0) as usize;
                found(p as usize, (i + 1).saturating_sub(len), i + 1);
            }
        }
    }
}

/// The transition of state `s` on byte `b`, if it has one (failure links aside).
fn step(states: &[State], s: u32, b: u8) -> Option<u32> {
    let next = &states.get(s as usize)?.next;
    let i = next.binary_search_by_key(&b, |e| e.0).ok()?;
    Some(next.get(i)?.1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    fn all(patterns: &[&str], haystack: &str) -> Vec<(usize, usize, usize)> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        let mut out = Vec::new();
        Automaton::new(&patterns)
            .unwrap()
            .for_each_overlapping(haystack.as_bytes(), &mut |p, s, e| out.push((p, s, e)));
        out
    }

    fn reference(patterns: &[&str], haystack: &str) -> Vec<(usize, usize, usize)> {
        let ac = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
            .build(patterns)
            .unwrap();
        ac.find_overlapping_iter(haystack)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect()
    }

    #[test]
    fn same_matches_in_the_same_order_as_aho_corasick() {
        let cases: &[(&[&str], &str)] = &[
            (&["he", "she", "his", "hers"], "ushers and his hershe"),
            (&[" a ", " a b ", " b ", "b "], " a b a b "),
            (&["abcd", "bc", "c", "bcd", "d"], "xabcdabcd"),
            (&["aaa", "aa", "a"], "aaaaa"),
            (&["x"], ""),
        ];
        // Every line of the English phrases as a pattern, found in the file's own text.
        let text = include_str!("../../data/phrases/en.txt");
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        let haystack: String = text.chars().take(20_000).collect();
        assert_eq!(all(&lines, &haystack), reference(&lines, &haystack));
        assert!(all(&lines, &haystack).len() > 100);
        for (patterns, haystack) in cases {
            assert_eq!(
                all(patterns, haystack),
                reference(patterns, haystack),
                "{patterns:?} in {haystack:?}"
            );
        }
    }

    proptest::proptest! {
        /// Any patterns (non-empty, from a small alphabet so that they overlap often) in any text:
        /// the same matches, in the same order, as the crate.
        #[test]
        fn agrees_with_aho_corasick_on_any_patterns(
            patterns in proptest::collection::vec("[ab c]{1,5}", 1..12),
            haystack in "[ab cd]{0,40}",
        ) {
            let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(all(&patterns, &haystack), reference(&patterns, &haystack));
        }
    }
}
