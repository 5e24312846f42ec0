//! Scoring a search against a [`PhraseSet`]: thresholds per group and per kind of search,
//! help-seeking, safeguarding and Prevent alerts, and the support flavour.
//!
//! The score of a category is the sum of the weights of the distinct phrases and combinations of
//! that category found in the search, plus the negative weights of [`ANY`] and
//! [`SAFEGUARDING_EDUCATION`] phrases (educational context lowers every category). A search is
//! blocked when some category reaches its threshold, as E2Guardian's weighted phrase limits do
//! (50 for young children, 100 for older ones, 160 for adults), with three rules on top:
//!
//! - **Strict categories** ([`STRICT_FOR_PUPILS`]: sexual content and gambling): pupils'
//!   searches are judged at [`SearchRules::strict_threshold`] (50) whatever their group's
//!   threshold, so one explicit word is enough.
//! - **Images and videos** are judged at [`SearchRules::media_threshold`], and for pupils
//!   general learning context (`homework`) does not excuse them: a picture is the same picture
//!   whatever the homework.
//! - **Undiluted**: a phrase of [`UNDILUTED_WEIGHT`] ("blocked for everyone") is never excused
//!   by context, so `porn puberty` is blocked as `porn` is.
//!
//! A pupil's search that holds a [`HELP_SEEKING`] phrase (`what do i do`, `someone sent me`)
//! and a harmful one is **help-seeking**: it is answered with support (the
//! [`Flavour::HelpSeeking`] page) instead of results, and the DSL is alerted.

use serde::Serialize;

use super::engines::Vertical;
use super::normalize::{normalize, Normalized, Via};
use super::phrases::{ANY, HELP_SEEKING, SAFEGUARDING_EDUCATION};
use super::set::{PhraseSet, RawMatch, Role};
use crate::sort::{sort_keys, sort_stable_by};

/// The category whose searches raise a safeguarding alert and carry the support flavour.
pub const SELF_HARM: &str = "self-harm";
/// The category whose searches raise a Prevent alert.
pub const EXTREMISM: &str = "extremism";
/// Searches for child sexual abuse material: blocked for everyone, with a safeguarding alert.
pub const CHILD_ABUSE: &str = crate::category::CHILD_ABUSE;
/// Contact risk: an adult or stranger asking a child for pictures, to meet, to keep secrets.
pub const GROOMING: &str = "grooming";

/// Categories pupils are never shown, however little of them a search holds: sexual content
/// and gambling. Their searches are judged at [`SearchRules::strict_threshold`].
pub const STRICT_FOR_PUPILS: &[&str] = &["pornography", CHILD_ABUSE, "gambling"];

/// The "blocked for everyone" weight: a phrase this heavy is never excused by context.
pub const UNDILUTED_WEIGHT: i32 = 200;

/// When categories tie on score, the one listed first is reported: safeguarding concerns first.
const PRIORITY: &[&str] = &[
    CHILD_ABUSE,
    GROOMING,
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
    /// A category scoring this much or more blocks a web search.
    pub threshold: i32,
    /// The threshold of the [`STRICT_FOR_PUPILS`] categories (when lower than the others').
    pub strict_threshold: i32,
    /// The threshold of image and video searches (when lower than the others').
    pub media_threshold: i32,
    /// Whether general learning context (`homework`, `history of`) lowers the score of image and
    /// video searches too. Not for pupils.
    pub media_learning_context: bool,
    /// A self-harm or extremism score this high raises an alert even when not blocked.
    pub alert_threshold: i32,
    /// A single self-harm or extremism phrase weighing this much raises an alert whatever the
    /// context, even in a safeguarding-education search ("childline I want to die").
    pub strong_signal: i32,
    /// Whether help-seeking searches are recognised (pupils): answered with support, and the
    /// DSL alerted.
    pub help_seeking: bool,
}

impl Default for SearchRules {
    /// The strictest preset (`eyfs`), so that a missing setting fails safe.
    fn default() -> Self {
        Self {
            threshold: 50,
            strict_threshold: 50,
            media_threshold: 50,
            media_learning_context: false,
            alert_threshold: 50,
            strong_signal: 150,
            help_seeking: true,
        }
    }
}

impl SearchRules {
    /// The preset for a group: `eyfs` and `ks1` block at 50, `ks2` at 100 (50 for sexual
    /// content, gambling, images and videos), `staff` at 160. Pupils' alerts start at 50,
    /// staff's at 160. `None` for an unknown group name.
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
                strict_threshold: 160,
                media_threshold: 160,
                media_learning_context: true,
                alert_threshold: 160,
                help_seeking: false,
                ..base
            },
            _ => return None,
        })
    }

    /// These rules with a school's own threshold: the strict and media thresholds never rise
    /// above it.
    pub fn with_threshold(self, threshold: i32) -> Self {
        Self {
            threshold,
            strict_threshold: self.strict_threshold.min(threshold),
            media_threshold: self.media_threshold.min(threshold),
            ..self
        }
    }

    /// The threshold of a category in a search of this vertical.
    pub fn threshold_for(&self, category: &str, vertical: Vertical) -> i32 {
        let mut t = self.threshold;
        if is_media(vertical) {
            t = t.min(self.media_threshold);
        }
        if STRICT_FOR_PUPILS.contains(&category) {
            t = t.min(self.strict_threshold);
        }
        t
    }
}

fn is_media(vertical: Vertical) -> bool {
    matches!(vertical, Vertical::Images | Vertical::Videos)
}

/// What the blocked-search page should offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavour {
    /// Self-harm or suicide: offer Childline (0800 1111) and "tell an adult", not a telling-off.
    Support,
    /// A pupil asking for help ("I saw porn what do I do"): praise, the school's adults, the
    /// tell-an-adult button (and Childline for KS2); never a telling-off.
    HelpSeeking,
}

/// Someone must be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// A safeguarding concern for the Designated Safeguarding Lead.
    Safeguarding {
        /// The category that raised it (`self-harm`, `child-abuse`, `grooming`, or what a
        /// help-seeking search was about).
        category: String,
    },
    /// A possible radicalisation concern under the Prevent duty.
    Prevent,
}

/// One phrase found in a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhraseMatch {
    /// The phrase as written in its list (`a + b` for a combination); for a combination with
    /// alternatives, the words found (`i saw + what do i do`).
    pub phrase: String,
    /// Its category id ([`ANY`], [`SAFEGUARDING_EDUCATION`] or [`HELP_SEEKING`] for the
    /// pseudo-categories).
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
    /// Its phrases' weights plus context weights (never below an undiluted phrase's weight).
    pub score: i32,
    /// The threshold that applies to it in this search.
    pub threshold: i32,
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
    /// The sum of every matched weight (help-seeking phrases add nothing).
    pub score: i32,
    /// Scores of the categories with a positive match, highest first.
    pub category_scores: Vec<CategoryScore>,
    /// The highest-scoring category with a positive match, if any.
    pub category: Option<String>,
    /// The threshold of the categories that are not strict, for this kind of search.
    pub threshold: i32,
    /// Whether the search is blocked.
    pub blocked: bool,
    /// The categories that block it, highest-scoring first (at or over their threshold, except
    /// self-harm in a safeguarding-education search; then the concern of a help-seeking search).
    pub blocking_categories: Vec<String>,
    /// Not blocked, but worth a look in reports: something harmful matched.
    pub flagged: bool,
    /// What the blocked page should offer.
    pub flavour: Option<Flavour>,
    /// Who must be told.
    pub alerts: Vec<Alert>,
    /// A safeguarding-education context was found (Childline, puberty, online grooming…).
    pub education: bool,
    /// A pupil asking for help about something harmful ("I saw porn what do I do").
    pub help_seeking: bool,
}

/// What one category gathered: id, positive sum, negative sum, strongest single weight.
#[derive(Debug, Clone, Copy)]
struct Tally {
    category: u16,
    positive: i32,
    negative: i32,
    strongest: i32,
}

impl PhraseSet {
    /// Judges search text for one group, as a web search.
    pub fn judge(&self, text: &str, rules: &SearchRules) -> SearchVerdict {
        self.judge_normalized(normalize(text), rules, Vertical::Web)
    }

    /// Judges search text for one group, as a search of this vertical (images and videos are
    /// judged more strictly).
    pub fn judge_in(&self, text: &str, rules: &SearchRules, vertical: Vertical) -> SearchVerdict {
        self.judge_normalized(normalize(text), rules, vertical)
    }

    /// Judges already-normalised text (for benchmarks that time normalisation separately).
    pub fn judge_normalized(
        &self,
        normalized: Normalized,
        rules: &SearchRules,
        vertical: Vertical,
    ) -> SearchVerdict {
        let raw = self.raw_matches(&normalized);
        let (kept, exceptions) = self.apply_exceptions(&raw);
        let found = self.entries_found(&kept, &normalized);

        let mut matches: Vec<PhraseMatch> = Vec::with_capacity(found.len());
        let (mut general, mut educational) = (0i32, 0i32);
        let (mut education, mut asks_for_help) = (false, false);
        let mut tallies: Vec<Tally> = Vec::new();
        for (id, via, words) in found {
            let Some(e) = self.entry(id) else { continue };
            let category = self.category_name(e.category);
            matches.push(PhraseMatch {
                phrase: words.unwrap_or_else(|| e.written.clone()),
                category: category.to_owned(),
                weight: e.weight,
                lang: self.lang_name(e.lang).to_owned(),
                via,
            });
            match category {
                ANY => general = general.saturating_add(e.weight.min(0)),
                SAFEGUARDING_EDUCATION => {
                    education = true;
                    educational = educational.saturating_add(e.weight.min(0));
                }
                HELP_SEEKING => asks_for_help |= e.weight > 0,
                _ => {
                    let slot = match tallies.iter().position(|c| c.category == e.category) {
                        Some(i) => i,
                        None => {
                            tallies.push(Tally {
                                category: e.category,
                                positive: 0,
                                negative: 0,
                                strongest: 0,
                            });
                            tallies.len() - 1
                        }
                    };
                    if let Some(c) = tallies.get_mut(slot) {
                        if e.weight > 0 {
                            c.positive = c.positive.saturating_add(e.weight);
                            c.strongest = c.strongest.max(e.weight);
                        } else {
                            c.negative = c.negative.saturating_add(e.weight);
                        }
                    }
                }
            }
        }
        sort_stable_by(&mut matches, &mut |a, b| {
            b.weight
                .cmp(&a.weight)
                .then_with(|| a.phrase.cmp(&b.phrase))
        });

        // Pupils' pictures and videos are not excused by homework.
        let context = if is_media(vertical) && !rules.media_learning_context {
            educational
        } else {
            educational.saturating_add(general)
        };
        let mut category_scores: Vec<(CategoryScore, Tally)> = tallies
            .iter()
            .filter(|c| c.positive > 0)
            .map(|&c| {
                let name = self.category_name(c.category);
                let mut score = c
                    .positive
                    .saturating_add(c.negative)
                    .saturating_add(context);
                if c.strongest >= UNDILUTED_WEIGHT {
                    score = score.max(c.strongest);
                }
                (
                    CategoryScore {
                        category: name.to_owned(),
                        score,
                        threshold: rules.threshold_for(name, vertical),
                    },
                    c,
                )
            })
            .collect();
        sort_stable_by(&mut category_scores, &mut |(a, _), (b, _)| {
            b.score
                .cmp(&a.score)
                .then_with(|| priority(&a.category).cmp(&priority(&b.category)))
        });

        // A search for help ("childline I want to die") must reach help: in a
        // safeguarding-education context self-harm alerts but never blocks.
        let blocks =
            |c: &CategoryScore| c.score >= c.threshold && !(education && c.category == SELF_HARM);
        let mut blocking_categories: Vec<String> = category_scores
            .iter()
            .filter(|(c, _)| blocks(c))
            .map(|(c, _)| c.category.clone())
            .collect();
        let mut alerts = alerts_for(&category_scores, rules);

        // Help-seeking: words asking for help about something harmful (the concern: the
        // highest-scoring category with 50 or more before any context), or a child's
        // own words of hurting themselves or of being approached, which block.
        let concern = category_scores
            .iter()
            .find(|(_, t)| asks_for_help && t.positive >= rules.alert_threshold)
            .map(|(c, _)| c.category.clone());
        let disclosure = blocking_categories
            .iter()
            .any(|c| c == SELF_HARM || c == GROOMING);
        let help_seeking = rules.help_seeking && (concern.is_some() || disclosure);
        if let (true, Some(concern)) = (help_seeking, concern) {
            // Not results but support, unless the search names a helpline or a safeguarding
            // topic, whose pages are the help.
            if !education && !blocking_categories.contains(&concern) {
                blocking_categories.push(concern.clone());
            }
            if !alerts
                .iter()
                .any(|a| matches!(a, Alert::Safeguarding { .. }))
            {
                alerts.push(Alert::Safeguarding { category: concern });
            }
        }
        let blocked = !blocking_categories.is_empty();
        let support = alerts
            .iter()
            .any(|a| matches!(a, Alert::Safeguarding { category } if category == SELF_HARM))
            || blocking_categories.iter().any(|c| c == SELF_HARM);
        let net_positive = category_scores.iter().any(|(c, _)| c.score > 0);
        let harmful_match = !category_scores.is_empty();
        let flagged =
            !blocked && (net_positive || (education && harmful_match) || !alerts.is_empty());
        let flavour = if help_seeking {
            Some(Flavour::HelpSeeking)
        } else {
            support.then_some(Flavour::Support)
        };
        let category_scores: Vec<CategoryScore> =
            category_scores.into_iter().map(|(c, _)| c).collect();

        SearchVerdict {
            score: matches
                .iter()
                .filter(|m| m.category != HELP_SEEKING)
                .fold(0i32, |acc, m| acc.saturating_add(m.weight)),
            category: category_scores.first().map(|c| c.category.clone()),
            normalized,
            matches,
            exceptions,
            category_scores,
            threshold: if is_media(vertical) {
                rules.threshold.min(rules.media_threshold)
            } else {
                rules.threshold
            },
            blocked,
            blocking_categories,
            flagged,
            flavour,
            alerts,
            education,
            help_seeking,
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
    /// A combination written with alternatives comes with the words that were found
    /// (`i saw + what do i do`), which say more than the whole list line.
    fn entries_found(
        &self,
        kept: &[RawMatch],
        normalized: &Normalized,
    ) -> Vec<(u32, Via, Option<String>)> {
        let mut found: Vec<(u32, Via, Option<String>)> = Vec::new();
        let mut parts: Vec<u128> = Vec::new();
        for (at, m) in kept.iter().enumerate() {
            match self.entry(m.entry).map(|e| e.role) {
                Some(Role::Weighted) if !found.iter().any(|f| f.0 == m.entry) => {
                    found.push((m.entry, m.via, None))
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
                let Some(first) = kept.get(PartKey::found_at(key)) else {
                    continue;
                };
                let alternatives = self.entry(entry).is_some_and(|e| e.written.contains('|'));
                let words = alternatives.then(|| {
                    let mut words = String::new();
                    for &p in parts.iter().filter(|&&p| PartKey::entry(p) == entry) {
                        let Some(m) = kept.get(PartKey::found_at(p)) else {
                            continue;
                        };
                        let text = normalized.all_readings().nth(usize::from(m.reading));
                        if !words.is_empty() {
                            words.push_str(" + ");
                        }
                        words.push_str(
                            text.and_then(|(_, t, _)| t.get(m.start..m.end))
                                .unwrap_or(""),
                        );
                    }
                    words
                });
                found.push((entry, first.via, words));
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
    (GROOMING, AlertKind::Safeguarding),
    (EXTREMISM, AlertKind::Prevent),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlertKind {
    Safeguarding,
    Prevent,
}

/// An alert for each alerting category whose score reaches the alert threshold, or with one
/// phrase strong enough on its own (whatever the context lowered the score to).
fn alerts_for(scores: &[(CategoryScore, Tally)], rules: &SearchRules) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for (category, kind) in ALERTS {
        let concern = scores.iter().any(|(c, t)| {
            c.category == *category
                && (c.score >= rules.alert_threshold || t.strongest >= rules.strong_signal)
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
-150 puberty
[category: any]
-30 homework
[category: gambling]
60 casino
[category: violence]
30 gore
30 beheading
[category: help-seeking]
100 what do i do | someone sent me
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
        assert!(v.blocked && v.help_seeking);
        // A pupil's own words of hurting themselves are a call for help; staff get support.
        assert_eq!(v.flavour, Some(Flavour::HelpSeeking));
        let staff = SearchRules::for_group_preset("staff").unwrap();
        assert_eq!(
            s.judge("how to kill myself", &staff).flavour,
            Some(Flavour::Support)
        );
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

    #[test]
    fn strict_categories_block_every_pupil_at_fifty() {
        let s = set();
        let ks2 = SearchRules::for_group_preset("ks2").unwrap();
        let staff = SearchRules::for_group_preset("staff").unwrap();
        let v = s.judge("casino", &ks2);
        assert!(v.blocked && v.category_scores[0].threshold == 50);
        assert!(!s.judge("casino", &staff).blocked);
        // Other categories keep the group's threshold on the web.
        assert!(!s.judge("gore beheading", &ks2).blocked);
        // A school's own threshold never raises the strict one.
        let lenient = ks2.with_threshold(300);
        assert_eq!(lenient.threshold_for("gambling", Vertical::Web), 50);
        assert_eq!(
            ks2.with_threshold(40)
                .threshold_for("gambling", Vertical::Web),
            40
        );
    }

    #[test]
    fn images_and_videos_are_judged_more_strictly_for_pupils() {
        let s = set();
        let ks2 = SearchRules::for_group_preset("ks2").unwrap();
        let ks1 = SearchRules::for_group_preset("ks1").unwrap();
        let staff = SearchRules::for_group_preset("staff").unwrap();
        assert!(!s.judge_in("gore beheading", &ks2, Vertical::Web).blocked);
        assert!(s.judge_in("gore beheading", &ks2, Vertical::Images).blocked);
        assert!(s.judge_in("gore beheading", &ks2, Vertical::Videos).blocked);
        assert!(!s.judge_in("gore beheading", &ks2, Vertical::News).blocked);
        // Homework excuses a web search, never a picture.
        assert!(
            !s.judge_in("naked pictures homework", &ks1, Vertical::Web)
                .blocked
        );
        assert!(
            s.judge_in("naked pictures homework", &ks1, Vertical::Images)
                .blocked
        );
        assert!(
            !s.judge_in("gore beheading", &staff, Vertical::Images)
                .blocked
        );
    }

    #[test]
    fn context_never_excuses_an_undiluted_phrase() {
        let s = set();
        let ks2 = SearchRules::for_group_preset("ks2").unwrap();
        let v = s.judge("porn puberty homework", &ks2);
        assert!(v.blocked && v.education);
        assert_eq!(v.category_scores[0].score, 200);
        // Self-harm in a search for help still reaches help.
        assert!(!s.judge("childline kill myself", &ks2).blocked);
    }

    #[test]
    fn help_seeking_needs_a_concern_and_a_pupil() {
        let s = set();
        let ks2 = SearchRules::for_group_preset("ks2").unwrap();
        let v = s.judge("someone sent me naked pictures what do i do", &ks2);
        assert!(v.blocked && v.help_seeking);
        // A combination with alternatives names the words found, not its whole list line.
        assert!(v.matches.iter().any(|m| m.phrase == "someone sent me"));
        assert_eq!(v.flavour, Some(Flavour::HelpSeeking));
        assert_eq!(
            v.alerts,
            [Alert::Safeguarding {
                category: "pornography".into()
            }]
        );
        // Help words about nothing harmful, or about something weak, change nothing.
        let v = s.judge("what do i do for homework", &ks2);
        assert!(!v.blocked && !v.help_seeking && !v.flagged && v.alerts.is_empty());
        assert!(!s.judge("what do i do about gore", &ks2).help_seeking);
        // Help-seeking is a pupil's: staff get the ordinary verdict.
        let staff = SearchRules::for_group_preset("staff").unwrap();
        let v = s.judge("i saw porn what do i do", &staff);
        assert!(v.blocked && !v.help_seeking && v.flavour.is_none() && v.alerts.is_empty());
        // Asking a helpline about it: allowed (its pages are the help), and the DSL told.
        let v = s.judge("childline someone sent me naked pictures", &ks2);
        assert!(!v.blocked && v.help_seeking && !v.alerts.is_empty());
    }
}
