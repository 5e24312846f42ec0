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
        match (self.locked, self.allow, self.next_change.is_some()) {
            (true, _, _) => 4,
            (false, false, false) => 3,
            (false, false, true) => 2,
            (false, true, true) => 1,
            (false, true, false) => 0,
        }
    }

    /// Combines the decisions of two categories that both match: the stricter one wins (the
    /// first on a tie), and `next_change` becomes the earliest moment the combination can change.
    pub fn stricter(self, other: Decision) -> Decision {
        let next_change = match (self.allow, other.allow) {
            // Both allow: the combination blocks as soon as either does.
            (true, true) => match (self.next_change, other.next_change) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            // Both block: nothing can change before both have.
            (false, false) => self
                .next_change
                .zip(other.next_change)
                .map(|(a, b)| a.max(b)),
            (false, true) => self.next_change,
            (true, false) => other.next_change,
        };
        let mut winner = if other.strictness() > self.strictness() {
            other
        } else {
            self
        };
        winner.next_change = next_change;
        winner
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
        if let Some(id) = categories.iter().find(|id| category::is_locked(id)) {
            return Decision::locked(id);
        }
        let listed = |allow: bool, key: &str, text: &str| Decision {
            allow,
            locked: false,
            category: None,
            rule: format!(
                "groups.{}.{key} {text:?}: {}",
                self.name,
                if allow { "allowed" } else { "blocked" }
            ),
            next_change: None,
        };
        match list {
            Some(ListHit::Deny(text)) => return listed(false, "deny", text),
            Some(ListHit::Allow(text)) => return listed(true, "allow", text),
            None => {}
        }
        let combined = |t: i64| {
            categories
                .iter()
                .map(|c| self.decide(Some(c), t))
                .reduce(Decision::stricter)
        };
        let Some(mut decision) = combined(at_unix_secs) else {
            return self.decide(None, at_unix_secs);
        };
        // Pairwise combination gives a lower bound; walk forward to the real change. Each
        // step lands on a change of some category. Windows repeat weekly on the wall clock, so
        // an answer unchanged for over two weeks never changes (windows that never overlap).
        let horizon = at_unix_secs.saturating_add(15 * super::time::SECS_PER_DAY);
        let mut probe = decision.next_change;
        for _ in 0..64 {
            let Some(t) = probe.filter(|&t| t <= horizon) else {
                decision.next_change = None;
                break;
            };
            decision.next_change = Some(t);
            match combined(t) {
                Some(later) if later.allow == decision.allow => probe = later.next_change,
                _ => return decision,
            }
        }
        decision
    }

    fn apply(&self, setting: &Setting, category: Option<&str>, at: i64) -> Decision {
        // Only time windows need the local time; every navigation passes through here.
        let allow = match &setting.action {
            Action::AllowAt(_) => setting.action.allows(self.staff, &self.tz.to_local(at)),
            action => action.allows_at_any_time(self.staff),
        };
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
            next_change: setting.action.next_change(self.staff, self.tz, at),
        }
    }
}
