//! A group's decision for one moment, why it was made, and when it next changes.

use serde::Serialize;

use super::{Action, Group, Setting};
use crate::category;

/// Whether a group may see something now, and the rule that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Allowed now.
    pub allow: bool,
    /// Decided by a locked illegal-content category: nothing can unblock it, so a block page
    /// should not offer to ask for it to be unblocked.
    pub locked: bool,
    /// The category that decided, if a category did.
    pub category: Option<String>,
    /// The rule in words, e.g. `groups.ks2.categories.games: allowed Mon–Fri 12:15–13:00`.
    pub rule: String,
    /// Unix seconds at which the decision next changes, for time rules; decide again then.
    /// When decisions are combined with [`Decision::stricter`] this is the earliest moment the
    /// combined answer can change, which is never later than the real change.
    pub next_change: Option<i64>,
}

/// What decided an [`Outcome`], naming categories by their index in the slice the outcome was
/// computed from, so that no text is built until [`Group::explain`] is asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// A locked illegal-content category (`categories[i]`).
    Locked(usize),
    /// One of the group's own `deny` entries.
    Deny,
    /// One of the group's own `allow` entries.
    Allow,
    /// The policy's action for `categories[i]` (blocked if the policy has none for it).
    Category(usize),
    /// The policy's action for uncategorised pages.
    Uncategorised,
}

/// A decision without its words: what a navigation needs before it may start. Computing it
/// allocates nothing (except for time windows, which look for their next change); the words
/// of a [`Decision`] come from [`Group::explain`] when a block page or a report needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Allowed now.
    pub allow: bool,
    /// Decided by a locked illegal-content category.
    pub locked: bool,
    /// Unix seconds at which the outcome next changes, as [`Decision::next_change`].
    pub next_change: Option<i64>,
    /// What decided.
    pub by: DecidedBy,
}

impl Outcome {
    /// Strictness for "stricter wins", as [`Decision::strictness`].
    pub fn strictness(&self) -> u8 {
        strictness(self.locked, self.allow, self.next_change)
    }

    /// Combines two outcomes as [`Decision::stricter`] combines decisions.
    #[inline]
    pub fn stricter(self, other: Outcome) -> Outcome {
        let next_change = combined_change(
            (self.allow, self.next_change),
            (other.allow, other.next_change),
        );
        let mut winner = if other.strictness() > self.strictness() {
            other
        } else {
            self
        };
        winner.next_change = next_change;
        winner
    }
}

/// 4 locked, 3 blocked, 2 blocked for now, 1 allowed for now, 0 allowed.
fn strictness(locked: bool, allow: bool, next_change: Option<i64>) -> u8 {
    match (locked, allow, next_change.is_some()) {
        (true, _, _) => 4,
        (false, false, false) => 3,
        (false, false, true) => 2,
        (false, true, true) => 1,
        (false, true, false) => 0,
    }
}

/// The earliest moment two combined answers, each `(allow, next_change)`, can change.
fn combined_change(a: (bool, Option<i64>), b: (bool, Option<i64>)) -> Option<i64> {
    match (a.0, b.0) {
        // Both allow: the combination blocks as soon as either does.
        (true, true) => match (a.1, b.1) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        },
        // Both block: nothing can change before both have.
        (false, false) => a.1.zip(b.1).map(|(x, y)| x.max(y)),
        (false, true) => a.1,
        (true, false) => b.1,
    }
}

/// What decides before any category's action or time window: a locked category, then the
/// group's own `deny` and `allow` entries. Such an outcome never changes with the time.
fn settled_before_categories(categories: &[&str], list: Option<ListHit<'_>>) -> Option<Outcome> {
    let fixed = |allow: bool, locked: bool, by: DecidedBy| Outcome {
        allow,
        locked,
        next_change: None,
        by,
    };
    if let Some(i) = categories.iter().position(|id| category::is_locked(id)) {
        return Some(fixed(false, true, DecidedBy::Locked(i)));
    }
    match list? {
        ListHit::Deny(_) => Some(fixed(false, false, DecidedBy::Deny)),
        ListHit::Allow(_) => Some(fixed(true, false, DecidedBy::Allow)),
    }
}

/// Which of a group's own `allow`/`deny` entries matched a URL, by original text. The engine
/// picks the most specific matching entry; on a tie, deny wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListHit<'a> {
    /// An `allow` entry matched.
    Allow(&'a str),
    /// A `deny` entry matched.
    Deny(&'a str),
}

impl Decision {
    /// The block every locked category gets, whatever the policy says.
    pub fn locked(id: &str) -> Decision {
        Decision {
            allow: false,
            locked: true,
            category: Some(id.to_string()),
            rule: format!(
                "{id} (locked illegal-content list: {}): always blocked",
                category::label(id)
            ),
            next_change: None,
        }
    }

    /// How strict a decision is, for "stricter wins": 4 locked, 3 blocked, 2 blocked for now,
    /// 1 allowed for now, 0 allowed.
    pub fn strictness(&self) -> u8 {
        strictness(self.locked, self.allow, self.next_change)
    }

    /// Combines the decisions of two categories that both match: the stricter one wins (the
    /// first on a tie), and `next_change` becomes the earliest moment the combination can change.
    pub fn stricter(self, other: Decision) -> Decision {
        let next_change = combined_change(
            (self.allow, self.next_change),
            (other.allow, other.next_change),
        );
        let mut winner = if other.strictness() > self.strictness() {
            other
        } else {
            self
        };
        winner.next_change = next_change;
        winner
    }
}

/// What a group's setting for one category decides, as far as that is known without the time:
/// an engine compiles one for every tag of its lists, so that a navigation reads it instead of
/// looking the setting up by the category's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryRule {
    /// A locked illegal-content category: blocked for everyone, whatever the policy says.
    Locked,
    /// Allowed at every moment.
    Allowed,
    /// Blocked at every moment (so is a category the group has no setting for).
    Blocked,
    /// Allowed in time windows only: [`Group::allows_category_at`] says whether at a moment.
    ByTime,
}

impl Group {
    /// The rule of the group's setting for a category, as [`Group::outcome_now`] applies it.
    pub fn category_rule(&self, id: &str) -> CategoryRule {
        if category::is_locked(id) {
            return CategoryRule::Locked;
        }
        match self.categories.get(id).map(|setting| &setting.action) {
            None => CategoryRule::Blocked,
            Some(Action::AllowAt(_)) => CategoryRule::ByTime,
            Some(action) if action.allows_at_any_time(self.staff) => CategoryRule::Allowed,
            Some(_) => CategoryRule::Blocked,
        }
    }

    /// Whether the group's setting for a category allows it at a moment (a locked category, or
    /// one the group has no setting for, never).
    pub fn allows_category_at(&self, id: &str, at_unix_secs: i64) -> bool {
        self.category_allows(&[id], 0, at_unix_secs)
    }

    /// The rule of the group's setting for uncategorised pages (never [`CategoryRule::Locked`]).
    pub fn uncategorised_rule(&self) -> CategoryRule {
        match &self.uncategorised.action {
            Action::AllowAt(_) => CategoryRule::ByTime,
            action if action.allows_at_any_time(self.staff) => CategoryRule::Allowed,
            _ => CategoryRule::Blocked,
        }
    }

    /// Whether the group's setting for uncategorised pages allows them at a moment.
    pub fn allows_uncategorised_at(&self, at_unix_secs: i64) -> bool {
        self.allows(&self.uncategorised, at_unix_secs)
    }
}

impl Group {
    /// The decision for a page in one category (`None`: uncategorised) at a unix instant.
    /// Locked categories are blocked here, before the policy is consulted.
    pub fn decide(&self, category: Option<&str>, at_unix_secs: i64) -> Decision {
        let Some(id) = category else {
            return self.apply(&self.uncategorised, None, at_unix_secs);
        };
        if category::is_locked(id) {
            return Decision::locked(id);
        }
        match self.categories.get(id) {
            Some(setting) => self.apply(setting, Some(id), at_unix_secs),
            // Only reachable with a category the policy never declared: fail closed.
            None => Decision {
                allow: false,
                locked: false,
                category: Some(id.to_string()),
                rule: format!("category `{id}` has no action in this policy: blocked"),
                next_change: None,
            },
        }
    }

    /// The decision for a `data:`, `blob:`, `javascript:`, `file:`, `filesystem:` or other
    /// extension's page opened at top level.
    pub fn decide_non_web(&self, at_unix_secs: i64) -> Decision {
        self.apply(&self.non_web, None, at_unix_secs)
    }

    /// The whole decision for a URL: every category its lists put it in, and which of the
    /// group's own entries matched. Precedence: locked categories, then the group's `deny`
    /// entries, then its `allow` entries, then the stricter of the categories, then
    /// `uncategorised`. `next_change` is exact here, not just a lower bound.
    pub fn decide_all(
        &self,
        categories: &[&str],
        list: Option<ListHit<'_>>,
        at_unix_secs: i64,
    ) -> Decision {
        let outcome = self.outcome(categories, list, at_unix_secs);
        self.explain(&outcome, categories, list, at_unix_secs)
    }

    /// [`Group::outcome`] for this instant only: the same allow and lock, `next_change` always
    /// `None`. The combination allows exactly when every category does (a blocking one is always
    /// the stricter), so no category's next change needs finding.
    pub fn outcome_now(
        &self,
        categories: &[&str],
        list: Option<ListHit<'_>>,
        at_unix_secs: i64,
    ) -> Outcome {
        if let Some(settled) = settled_before_categories(categories, list) {
            return settled;
        }
        let now = |allow: bool, by: DecidedBy| Outcome {
            allow,
            locked: false,
            next_change: None,
            by,
        };
        if categories.is_empty() {
            let allow = self.allows(&self.uncategorised, at_unix_secs);
            return now(allow, DecidedBy::Uncategorised);
        }
        match (0..categories.len()).find(|&i| !self.category_allows(categories, i, at_unix_secs)) {
            Some(i) => now(false, DecidedBy::Category(i)),
            None => now(true, DecidedBy::Category(0)),
        }
    }

    /// [`Group::decide_all`] without the words: the same allow, locked and next change, and
    /// what decided, for [`Group::explain`] to put in words later if need be.
    pub fn outcome(
        &self,
        categories: &[&str],
        list: Option<ListHit<'_>>,
        at_unix_secs: i64,
    ) -> Outcome {
        if let Some(settled) = settled_before_categories(categories, list) {
            return settled;
        }
        let combined = |t: i64| {
            (0..categories.len())
                .map(|i| self.category_outcome(categories, i, t))
                .reduce(Outcome::stricter)
        };
        let Some(mut outcome) = combined(at_unix_secs) else {
            return self.outcome_of(&self.uncategorised, DecidedBy::Uncategorised, at_unix_secs);
        };
        // Pairwise combination gives a lower bound; walk forward to the real change. Each
        // step lands on a change of some category. Windows repeat weekly on the wall clock, so
        // an answer unchanged for over two weeks never changes (windows that never overlap),
        // except across the school's calendar, so the walk may go on until its last term ends.
        let day = super::time::SECS_PER_DAY;
        let mut horizon = at_unix_secs.saturating_add(15 * day);
        if let Some((_, last)) = self.calendar.span() {
            horizon = horizon.max(last.saturating_add(17).saturating_mul(day));
        }
        let mut probe = outcome.next_change;
        for _ in 0..64 {
            let Some(t) = probe.filter(|&t| t <= horizon) else {
                outcome.next_change = None;
                break;
            };
            outcome.next_change = Some(t);
            // The combination allows exactly when every category does (a blocking one is
            // always stricter), so the allow-only test decides first and the costly search
            // for the next change runs only when the answer has not changed yet.
            let allows = (0..categories.len()).all(|i| self.category_allows(categories, i, t));
            if allows != outcome.allow {
                return outcome;
            }
            match combined(t) {
                Some(later) if later.allow == outcome.allow => probe = later.next_change,
                _ => return outcome,
            }
        }
        outcome
    }

    /// The [`Decision`] an outcome stands for, with its rule in words. `categories`, `list` and
    /// the instant must be the ones the outcome was computed from.
    pub fn explain(
        &self,
        outcome: &Outcome,
        categories: &[&str],
        list: Option<ListHit<'_>>,
        at_unix_secs: i64,
    ) -> Decision {
        let category = |i: usize| categories.get(i).copied().unwrap_or_default();
        let listed = |allow: bool, key: &str| Decision {
            allow,
            locked: false,
            category: None,
            rule: format!(
                "groups.{}.{key} {:?}: {}",
                self.name,
                match list {
                    Some(ListHit::Deny(text) | ListHit::Allow(text)) => text,
                    None => "",
                },
                if allow { "allowed" } else { "blocked" }
            ),
            next_change: None,
        };
        let mut decision = match outcome.by {
            DecidedBy::Locked(i) => return Decision::locked(category(i)),
            DecidedBy::Deny => return listed(false, "deny"),
            DecidedBy::Allow => return listed(true, "allow"),
            DecidedBy::Category(i) => self.decide(Some(category(i)), at_unix_secs),
            DecidedBy::Uncategorised => self.decide(None, at_unix_secs),
        };
        decision.next_change = outcome.next_change;
        decision
    }

    /// The outcome for `categories[i]` alone, as [`Group::decide`] would decide it.
    fn category_outcome(&self, categories: &[&str], i: usize, at: i64) -> Outcome {
        let id = categories.get(i).copied().unwrap_or_default();
        let by = DecidedBy::Category(i);
        if category::is_locked(id) {
            return Outcome {
                allow: false,
                locked: true,
                next_change: None,
                by: DecidedBy::Locked(i),
            };
        }
        match self.categories.get(id) {
            Some(setting) => self.outcome_of(setting, by, at),
            // Only reachable with a category the policy never declared: fail closed.
            None => Outcome {
                allow: false,
                locked: false,
                next_change: None,
                by,
            },
        }
    }

    /// `category_outcome(categories, i, at).allow`, without looking for the next change.
    fn category_allows(&self, categories: &[&str], i: usize, at: i64) -> bool {
        let id = categories.get(i).copied().unwrap_or_default();
        !category::is_locked(id)
            && self
                .categories
                .get(id)
                .is_some_and(|setting| self.allows(setting, at))
    }

    fn outcome_of(&self, setting: &Setting, by: DecidedBy, at: i64) -> Outcome {
        Outcome {
            allow: self.allows(setting, at),
            locked: false,
            next_change: setting
                .action
                .next_change(self.staff, self.tz, &self.calendar, at),
            by,
        }
    }

    /// Whether `setting` allows at `at`. Only time windows need the local time; every
    /// navigation passes through here. Out of line: one copy in the WebAssembly package, not
    /// one in each of its callers (a call costs nanoseconds).
    #[inline(never)]
    fn allows(&self, setting: &Setting, at: i64) -> bool {
        match &setting.action {
            Action::AllowAt(_) => {
                setting
                    .action
                    .allows(self.staff, &self.calendar, &self.tz.to_local(at))
            }
            action => action.allows_at_any_time(self.staff),
        }
    }

    fn apply(&self, setting: &Setting, category: Option<&str>, at: i64) -> Decision {
        let allow = self.allows(setting, at);
        let describe = setting.action.describe(self.staff, allow);
        let mut rule = String::with_capacity(setting.from.len() + 2 + describe.len());
        rule.push_str(&setting.from);
        rule.push_str(": ");
        rule.push_str(&describe);
        Decision {
            allow,
            locked: false,
            category: category.map(str::to_string),
            rule,
            next_change: setting
                .action
                .next_change(self.staff, self.tz, &self.calendar, at),
        }
    }
}
