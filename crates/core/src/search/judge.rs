//! Scoring a search against a [`PhraseSet`]: thresholds per group, safeguarding and Prevent
//! alerts, and the support flavour.
//!
//! The score of a category is the sum of the weights of the distinct phrases and combinations of
//! that category found in the search, plus the negative weights of [`ANY`] and
//! [`SAFEGUARDING_EDUCATION`] phrases (educational context lowers every category). A search is
//! blocked when some category reaches the group's threshold, as E2Guardian's weighted phrase
//! limits do (50 for young children, 100 for older ones, 160 for adults).

use serde::Serialize;

use super::normalize::{normalize, Normalized, Via};
use super::phrases::{ANY, SAFEGUARDING_EDUCATION};
use super::set::{PhraseSet, RawMatch, Role};
use crate::sort::{sort_keys, sort_stable_by};

/// The category whose searches raise a safeguarding alert and carry the support flavour.
pub const SELF_HARM: &str = "self-harm";
/// The category whose searches raise a Prevent alert.
pub const EXTREMISM: &str = "extremism";
/// Searches for child sexual abuse material: blocked for everyone, with a safeguarding alert.
pub const CHILD_ABUSE: &str = crate::category::CHILD_ABUSE;

/// When categories tie on score, the one listed first is reported: safeguarding concerns first.
const PRIORITY: &[&str] = &[
    CHILD_ABUSE,
    SELF_HARM,
    EXTREMISM,
    "pornography",
    "violence",
    "hate-speech",
    "discrimination",
    "bullying",
    "drugs",
    "gambling",
];

/// How strictly searches are judged for one group of users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SearchRules {
    /// A category scoring this much or more blocks the search.
    pub threshold: i32,
    /// A self-harm or extremism score this high raises an alert even when not blocked.
    pub alert_threshold: i32,
    /// A single self-harm or extremism phrase weighing this much raises an alert whatever the
    /// context, even in a safeguarding-education search ("childline I want to die").
    pub strong_signal: i32,
}

impl Default for SearchRules {
    /// The strictest preset (`eyfs`), so that a missing setting fails safe.
    fn default() -> Self {
        Self {
            threshold: 50,
            alert_threshold: 50,
            strong_signal: 150,
        }
    }
}

impl SearchRules {
    /// The preset for a group: `eyfs` and `ks1` block at 50, `ks2` at 100, `staff` at 160.
    /// Pupils' alerts start at 50, staff's at 160. `None` for an unknown group name.
    pub fn for_group_preset(group: &str) -> Option<Self> {
        let base = Self::default();
        Some(match group {
            "eyfs" | "ks1" => base,
            "ks2" => Self {
                threshold: 100,
                ..base
            },
            "staff" => Self {
                threshold: 160,
                alert_threshold: 160,
                ..base
            },
            _ => return None,
        })
    }
}

/// What the blocked-search page should offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavour {
    /// Self-harm or suicide: offer Childline (0800 1111) and "tell an adult", not a telling-off.
    Support,
}

/// Someone must be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// A safeguarding concern for the Designated Safeguarding Lead.
    Safeguarding {
        /// The category that raised it (`self-harm` or `child-abuse`).
        category: String,
    },
    /// A possible radicalisation concern under the Prevent duty.
    Prevent,
}

/// One phrase found in a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhraseMatch {
    /// The phrase as written in its list (`a + b` for a combination).
    pub phrase: String,
    /// Its category id ([`ANY`] or [`SAFEGUARDING_EDUCATION`] for context phrases).
    pub category: String,
    /// Its weight.
    pub weight: i32,
    /// Its list's language.
    pub lang: String,
    /// Which reading of the search it was found in.
    pub via: Via,
}

/// A category's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryScore {
    /// The category id.
    pub category: String,
    /// Its phrases' weights plus context weights.
    pub score: i32,
}

/// The judgement of one search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchVerdict {
    /// The normalised search text and its other readings.
    pub normalized: Normalized,
    /// The phrases found (after exceptions), strongest first.
    pub matches: Vec<PhraseMatch>,
    /// Exception phrases that cancelled matches.
    pub exceptions: Vec<String>,
    /// The sum of every matched weight.
    pub score: i32,
    /// Scores of the categories with a positive match, highest first.
    pub category_scores: Vec<CategoryScore>,
    /// The highest-scoring category with a positive match, if any.
    pub category: Option<String>,
    /// The threshold applied.
    pub threshold: i32,
    /// Whether the search is blocked.
    pub blocked: bool,
    /// The categories that block it (at or over the threshold, except self-harm in a
    /// safeguarding-education search).
    pub blocking_categories: Vec<String>,
    /// Not blocked, but worth a look in reports: something harmful matched.
    pub flagged: bool,
    /// What the blocked page should offer.
    pub flavour: Option<Flavour>,
    /// Who must be told.
    pub alerts: Vec<Alert>,
    /// A safeguarding-education context was found (Childline, puberty, online grooming…).
    pub education: bool,
}

impl PhraseSet {
    /// Judges search text for one group.
    pub fn judge(&self, text: &str, rules: &SearchRules) -> SearchVerdict {
        self.judge_normalized(normalize(text), rules)
    }

    /// Judges already-normalised text (for benchmarks that time normalisation separately).
    pub fn judge_normalized(&self, normalized: Normalized, rules: &SearchRules) -> SearchVerdict {
        let raw = self.raw_matches(&normalized);
        let (kept, exceptions) = self.apply_exceptions(&raw);
        let found = self.entries_found(&kept);

        let mut matches: Vec<PhraseMatch> = Vec::with_capacity(found.len());
        let mut context = 0i32;
        let mut education = false;
        // (category id, positive sum, negative sum, strongest single weight)
        let mut per_cat: Vec<(u16, i32, i32, i32)> = Vec::new();
        for &(id, via) in &found {
            let Some(e) = self.entry(id) else { continue };
            let category = self.category_name(e.category);
            matches.push(PhraseMatch {
                phrase: e.written.clone(),
                category: category.to_owned(),
                weight: e.weight,
                lang: self.lang_name(e.lang).to_owned(),
                via,
            });
            if category == ANY || category == SAFEGUARDING_EDUCATION {
                education |= category == SAFEGUARDING_EDUCATION;
                context = context.saturating_add(e.weight.min(0));
                continue;
            }
            let slot = match per_cat.iter().position(|c| c.0 == e.category) {
                Some(i) => i,
                None => {
                    per_cat.push((e.category, 0, 0, 0));
                    per_cat.len() - 1
                }
            };
            if let Some(c) = per_cat.get_mut(slot) {
                if e.weight > 0 {
                    c.1 = c.1.saturating_add(e.weight);
                    c.3 = c.3.max(e.weight);
                } else {
                    c.2 = c.2.saturating_add(e.weight);
                }
            }
        }
        sort_stable_by(&mut matches, &mut |a, b| {
            b.weight
                .cmp(&a.weight)
                .then_with(|| a.phrase.cmp(&b.phrase))
        });

        let mut category_scores: Vec<(CategoryScore, i32)> = per_cat
            .iter()
            .filter(|c| c.1 > 0)
            .map(|&(id, pos, neg, strongest)| {
                let score = pos.saturating_add(neg).saturating_add(context);
                (
                    CategoryScore {
                        category: self.category_name(id).to_owned(),
                        score,
                    },
                    strongest,
                )
            })
            .collect();
        sort_stable_by(&mut category_scores, &mut |(a, _), (b, _)| {
            b.score
                .cmp(&a.score)
                .then_with(|| priority(&a.category).cmp(&priority(&b.category)))
        });

        // A help-seeking search ("childline I want to die") must reach help: in a
        // safeguarding-education context self-harm alerts but never blocks.
        let blocks = |c: &CategoryScore| {
            c.score >= rules.threshold && !(education && c.category == SELF_HARM)
        };
        let blocking_categories: Vec<String> = category_scores
            .iter()
            .filter(|(c, _)| blocks(c))
            .map(|(c, _)| c.category.clone())
            .collect();
        let blocked = !blocking_categories.is_empty();
        let alerts = alerts_for(&category_scores, rules);
        let support = alerts
            .iter()
            .any(|a| matches!(a, Alert::Safeguarding { category } if category == SELF_HARM))
            || blocking_categories.iter().any(|c| c == SELF_HARM);
        let net_positive = category_scores.iter().any(|(c, _)| c.score > 0);
        let harmful_match = !category_scores.is_empty();
        let flagged =
            !blocked && (net_positive || (education && harmful_match) || !alerts.is_empty());
        let category_scores: Vec<CategoryScore> =
            category_scores.into_iter().map(|(c, _)| c).collect();

        SearchVerdict {
            score: matches
                .iter()
                .fold(0i32, |acc, m| acc.saturating_add(m.weight)),
            category: category_scores.first().map(|c| c.category.clone()),
            normalized,
            matches,
            exceptions,
            category_scores,
            threshold: rules.threshold,
            blocked,
            blocking_categories,
            flagged,
            flavour: support.then_some(Flavour::Support),
            alerts,
            education,
        }
    }

    /// Drops matches that lie inside an exception found in the same reading; returns the rest
    /// and the exceptions that cancelled something.
    fn apply_exceptions(&self, raw: &[RawMatch]) -> (Vec<RawMatch>, Vec<String>) {
        let is_exception = |m: &RawMatch| {
            self.entry(m.entry)
                .is_some_and(|e| e.role == Role::Exception)
        };
        let spans: Vec<&RawMatch> = raw.iter().filter(|m| is_exception(m)).collect();
        if spans.is_empty() {
            return (raw.to_vec(), Vec::new());
        }
        // Entry ids, widened to the key type of the crate's one unstable sort.
        let mut used: Vec<u128> = Vec::new();
        let kept = raw
            .iter()
            .filter(|m| !is_exception(m))
            .filter(|m| {
                let cover = spans
                    .iter()
                    .find(|x| x.reading == m.reading && x.start <= m.start && m.end <= x.end);
                if let Some(x) = cover {
                    used.push(u128::from(x.entry));
                }
                cover.is_none()
            })
            .copied()
            .collect();
        sort_keys(&mut used);
        used.dedup();
        let names = used
            .iter()
            .filter_map(|&id| self.entry(u32::try_from(id).ok()?))
            .map(|e| e.written.clone())
            .collect();
        (kept, names)
    }

    /// Distinct entries found: weighted phrases once each, combinations when every part is
    /// present. Each with the first reading it was found in.
    fn entries_found(&self, kept: &[RawMatch]) -> Vec<(u32, Via)> {
        let mut found: Vec<(u32, Via)> = Vec::new();
        let mut parts: Vec<u128> = Vec::new();
        for (at, m) in kept.iter().enumerate() {
            match self.entry(m.entry).map(|e| e.role) {
                Some(Role::Weighted) if !found.iter().any(|f| f.0 == m.entry) => {
                    found.push((m.entry, m.via))
                }
                Some(Role::Combination { .. })
                    if !parts
                        .iter()
                        .any(|&p| PartKey::entry(p) == m.entry && PartKey::part(p) == m.part) =>
                {
                    parts.push(PartKey::pack(m.entry, m.part, at));
                }
                _ => {}
            }
        }
        sort_keys(&mut parts);
        for &key in &parts {
            let (entry, part) = (PartKey::entry(key), PartKey::part(key));
            let needed = match self.entry(entry).map(|e| e.role) {
                Some(Role::Combination { parts }) => parts,
                _ => continue,
            };
            let have = parts
                .iter()
                .filter(|&&p| PartKey::entry(p) == entry)
                .count();
            if part == 0 && have == usize::from(needed) && !found.iter().any(|f| f.0 == entry) {
                if let Some(first) = kept.get(PartKey::found_at(key)) {
                    found.push((entry, first.via));
                }
            }
        }
        found
    }
}

/// A combination part found in a search, packed into one sort key: ordered by entry, then part
/// (each found once), and carrying where in the kept matches it was first found, for its reading.
struct PartKey;

impl PartKey {
    const ENTRY_SHIFT: u32 = 64;
    const PART_SHIFT: u32 = 56;
    const FOUND_AT_MASK: u128 = (1 << Self::PART_SHIFT) - 1;

    fn pack(entry: u32, part: u8, found_at: usize) -> u128 {
        // A match index is far below 2^56: the kept matches would not fit in memory otherwise.
        (u128::from(entry) << Self::ENTRY_SHIFT)
            | (u128::from(part) << Self::PART_SHIFT)
            | (found_at as u128 & Self::FOUND_AT_MASK)
    }

    fn entry(key: u128) -> u32 {
        (key >> Self::ENTRY_SHIFT) as u32
    }

    fn part(key: u128) -> u8 {
        (key >> Self::PART_SHIFT) as u8
    }

    fn found_at(key: u128) -> usize {
        (key & Self::FOUND_AT_MASK) as usize
    }
}

/// Which categories raise which alert.
const ALERTS: &[(&str, AlertKind)] = &[
    (SELF_HARM, AlertKind::Safeguarding),
    (CHILD_ABUSE, AlertKind::Safeguarding),
    (EXTREMISM, AlertKind::Prevent),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlertKind {
    Safeguarding,
    Prevent,
}

/// An alert for each alerting category whose score reaches the alert threshold, or with one
/// phrase strong enough on its own (whatever the context lowered the score to).
fn alerts_for(scores: &[(CategoryScore, i32)], rules: &SearchRules) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for (category, kind) in ALERTS {
        let concern = scores.iter().any(|(c, strongest)| {
            c.category == *category
                && (c.score >= rules.alert_threshold || *strongest >= rules.strong_signal)
        });
        if !concern {
            continue;
        }
        let alert = match kind {
            AlertKind::Safeguarding => Alert::Safeguarding {
                category: (*category).to_owned(),
            },
            AlertKind::Prevent => Alert::Prevent,
        };
        if !alerts.contains(&alert) {
            alerts.push(alert);
        }
    }
    alerts
}

fn priority(category: &str) -> usize {
    PRIORITY
        .iter()
        .position(|p| *p == category)
        .unwrap_or(PRIORITY.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> PhraseSet {
        let text = "\
[category: pornography]
200 porn
60 naked + pictures
30 tits
!blue tits
[category: self-harm]
60 suicide
200 kill myself
[category: extremism]
200 join isis
[category: safeguarding-education]
-150 suicide prevention
-150 childline
[category: any]
-30 homework
";
        PhraseSet::parse("t", text).unwrap()
    }

    #[test]
    fn presets() {
        assert_eq!(
            SearchRules::for_group_preset("ks2").map(|r| r.threshold),
            Some(100)
        );
        assert_eq!(
            SearchRules::for_group_preset("staff").map(|r| r.threshold),
            Some(160)
        );
        assert_eq!(SearchRules::for_group_preset("nursery"), None);
    }

    #[test]
    fn word_boundaries_and_exceptions() {
        let s = set();
        let r = SearchRules::default();
        assert!(!s.judge("pornography essay", &r).blocked);
        assert!(s.judge("porn", &r).blocked);
        let v = s.judge("blue tits nesting", &r);
        assert!(!v.blocked && v.matches.is_empty() && v.exceptions == ["blue tits"]);
    }

    #[test]
    fn combinations_need_every_part() {
        let s = set();
        let r = SearchRules::default();
        assert!(s.judge("naked pictures", &r).blocked);
        assert!(!s.judge("naked mole rat", &r).blocked);
        assert!(!s.judge("pictures of pandas", &r).blocked);
    }

    #[test]
    fn self_harm_support_and_alerts() {
        let s = set();
        let ks2 = SearchRules::for_group_preset("ks2").unwrap();
        let v = s.judge("how to kill myself", &ks2);
        assert!(v.blocked);
        assert_eq!(v.flavour, Some(Flavour::Support));
        assert_eq!(
            v.alerts,
            [Alert::Safeguarding {
                category: SELF_HARM.into()
            }]
        );
        // Below the threshold, a clear signal still alerts.
        let v = s.judge("suicide", &ks2);
        assert!(!v.blocked && v.flagged && !v.alerts.is_empty());
        // Education context: allowed, flagged, no alert.
        let v = s.judge("suicide prevention", &ks2);
        assert!(!v.blocked && v.education && v.flagged && v.alerts.is_empty());
        // A strong signal alerts even in an education search.
        let v = s.judge("childline i want to kill myself", &ks2);
        assert!(!v.blocked && !v.alerts.is_empty() && v.flavour == Some(Flavour::Support));
        assert_eq!(s.judge("join isis", &ks2).alerts, [Alert::Prevent]);
    }
}
