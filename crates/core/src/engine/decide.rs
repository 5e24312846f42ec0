//! [`Engine::decide`]: the decision for a navigation, without its explanation, host first.
//!
//! Most URLs are settled by their host: no list holds paths under it, and it is not a search
//! engine, a wrapper or a lookalike. For those the path and query are never canonicalised, each
//! host suffix is looked up once in all the rulesets, and each list tag found is read through the
//! rule the engine compiled for the group when it was built ([`CategoryRule`]), so no setting is
//! looked up by its category's name. Any URL the host cannot settle goes the whole way, through
//! the same judgement [`Engine::classify`] makes, so the two always agree (the tests
//! `decide_agrees_with_classify` and `host_first_agrees_with_the_whole_way` hold them to it).

use super::{CompiledGroup, Engine, Findings, Frame, Judgement, Request};
use crate::canon::{self, SplitUrl, WebParts};
use crate::lookalike;
use crate::policy::{CategoryRule, Group, ListHit, Outcome};
use crate::ruleset;
use crate::search;
use crate::verdict::Action;
use crate::wrappers;

/// The decision for a navigation, without its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Decided {
    /// Allow or block.
    pub action: Action,
    /// Blocked by a locked (illegal-content) list.
    pub locked: bool,
    /// For time rules: when (Unix seconds) the decision next changes.
    pub next_change: Option<i64>,
}

/// The distinct categories of a page's list matches, borrowed from the rulesets: the first few
/// on the stack, since a page is rarely in more than two.
#[derive(Default)]
pub(super) struct Categories<'e> {
    stack: [&'e str; 4],
    spill: Vec<&'e str>,
    distinct: usize,
    /// Every match noted, repeats included.
    pub(super) count: usize,
}

impl<'e> Categories<'e> {
    /// Notes one match's category.
    pub(super) fn note(&mut self, category: &'e str) {
        self.count += 1;
        if self.as_slice().contains(&category) {
            return;
        }
        match self.stack.get_mut(self.distinct) {
            Some(slot) => *slot = category,
            None => {
                if self.spill.is_empty() {
                    self.spill.extend_from_slice(&self.stack);
                }
                self.spill.push(category);
            }
        }
        self.distinct += 1;
    }

    /// The distinct categories, in the order first seen.
    pub(super) fn as_slice(&self) -> &[&'e str] {
        match self.stack.get(..self.distinct) {
            Some(few) => few,
            None => &self.spill,
        }
    }
}

/// What the tags matched so far decide, read from their compiled rules: whether any is locked
/// or always blocked, and which depend on the time (the first few kept; more sends the URL the
/// whole way).
#[derive(Default)]
struct RuleFold {
    count: usize,
    locked: bool,
    blocked: bool,
    /// (ruleset position, tag) of the time-window categories, as many as fit.
    timed: [(usize, u8); 4],
    timed_count: usize,
}

impl RuleFold {
    fn add(&mut self, rule: CategoryRule, ruleset: usize, tag: u8) {
        self.count += 1;
        match rule {
            CategoryRule::Locked => self.locked = true,
            CategoryRule::Blocked => self.blocked = true,
            CategoryRule::Allowed => {}
            CategoryRule::ByTime => {
                if let Some(slot) = self.timed.get_mut(self.timed_count) {
                    *slot = (ruleset, tag);
                }
                self.timed_count += 1;
            }
        }
    }

    /// Whether more time-window categories matched than were kept.
    fn overflowed(&self) -> bool {
        self.timed_count > self.timed.len()
    }

    fn by_time(&self) -> impl Iterator<Item = (usize, u8)> + '_ {
        self.timed.iter().take(self.timed_count).copied()
    }
}

impl Engine {
    /// The decision alone, without building the explanation: what a navigation needs before it
    /// may start. Same rules as [`Engine::classify`], which a block page calls afterwards.
    pub fn decide(&self, request: &Request<'_>) -> Decided {
        self.decide_named(request, true)
    }

    /// [`Engine::decide`] without looking for when the answer changes (`next_change` is always
    /// `None`): the same action and lock. A navigation listener that asks again at every
    /// navigation has no use for the time, and finding it is most of the cost of a URL in a
    /// time-window category.
    pub fn decide_now(&self, request: &Request<'_>) -> Decided {
        self.decide_named(request, false)
    }

    /// [`Engine::decide_now`] for a top-level page, with the group already found (from
    /// [`crate::policy::Policy::groups`]): a listener that knows its pupil's group once need not
    /// look it up by name at every navigation. A group of another policy is taken by its name,
    /// as [`Engine::decide_now`] takes it: what this engine compiled for its own groups (their
    /// allow and deny entries) must never be skipped.
    pub fn decide_now_for(&self, group: &Group, url: &[u8], at: i64) -> Decided {
        let request = Request {
            url,
            group: group.name(),
            at,
            frame: Frame::TopLevel,
        };
        match self.compiled(group) {
            Some(compiled) => self.decide_in(group, compiled, &request, false),
            None => self.decide_named(&request, false),
        }
    }

    /// The decision for the group the request names; an unknown group is blocked, as `judge`
    /// decides it.
    fn decide_named(&self, request: &Request<'_>, next_change: bool) -> Decided {
        let group = self.policy.group(request.group);
        match group.and_then(|g| Some((g, self.compiled(g)?))) {
            Some((group, compiled)) => self.decide_in(group, compiled, request, next_change),
            None => Decided {
                action: Action::Block,
                locked: false,
                next_change: None,
            },
        }
    }

    /// The decision for one of this engine's groups, with what the engine compiled for it.
    fn decide_in(
        &self,
        group: &Group,
        compiled: &CompiledGroup,
        request: &Request<'_>,
        next_change: bool,
    ) -> Decided {
        let mut findings = Findings {
            skip_next_change: !next_change,
            ..Findings::default()
        };
        // As `judge`, without keeping the parsed URL and findings a verdict would report.
        let judgement = match canon::split(request.url) {
            Ok(SplitUrl::Web(parts)) => {
                match self.decide_by_host(&parts, group, compiled, request, &findings) {
                    Some(settled) => settled,
                    None => {
                        let url = parts.complete();
                        self.judge_web(&url, group, request, 0, &mut findings).0
                    }
                }
            }
            Ok(other) => {
                let parsed = other.complete();
                self.judge_parsed(&parsed, group, request, 0, &mut findings)
                    .0
            }
            // An unreadable URL is blocked, as `judge` decides it.
            Err(_) => Judgement::bare(false, false, None),
        };
        let decision = judgement.decision;
        Decided {
            action: if decision.allow {
                Action::Allow
            } else {
                Action::Block
            },
            locked: decision.locked,
            next_change: decision.next_change,
        }
    }

    /// The judgement of a web page whose host settles it, exactly as `judge_web` would give
    /// it; `None` when anything past the host could change it (a list entry with a path under
    /// the host, a squidGuard expression, a search engine, a wrapper or a lookalike host), or
    /// when a time window decides and the caller wants to know when the answer changes.
    fn decide_by_host(
        &self,
        parts: &WebParts<'_>,
        group: &Group,
        compiled: &CompiledGroup,
        request: &Request<'_>,
        findings: &Findings,
    ) -> Option<Judgement> {
        let host = parts.host();
        // Each test is conservative: `true` for every host its module could act on. A raw IP
        // address is a category of its own (unless it is the school's); search engines and
        // wrappers in one pass over the labels where their names sit; only punycode can spell a
        // lookalike, and a plain host has none.
        if self.has_expressions
            || canon::is_ip_host(host)
            || canon::last_labels(host)
                .any(|label| search::is_engine_label(label) || wrappers::is_wrapper_label(label))
            || search::engines::serves_any(self.policy.search_engines(), host)
            || (!parts.host_is_plain() && lookalike::may_be_lookalike(host))
        {
            return None;
        }
        let list_hit = match &compiled.lists {
            Some(lists) => lists.host_hit(host)?,
            None => None,
        };
        let rules = &compiled.tag_rules;
        let mut fold = RuleFold::default();
        let has_paths = ruleset::for_each_host_tag_in(&self.rulesets, host, &mut |r, _, tag| {
            let rule = rules.get(r).and_then(|tags| tags.get(usize::from(tag)));
            fold.add(rule.copied().unwrap_or(CategoryRule::Blocked), r, tag);
        });
        if has_paths || fold.overflowed() {
            return None;
        }
        self.outcome_of_rules(
            &fold,
            group,
            list_hit,
            request.at,
            findings.skip_next_change,
        )
    }

    /// The policy's precedence over the categories found (and the group's list entry, if one
    /// matched), for now only when the findings say so.
    pub(super) fn outcome(
        &self,
        group: &Group,
        categories: &Categories<'_>,
        list_hit: Option<ListHit<'_>>,
        at: i64,
        findings: &Findings,
    ) -> Outcome {
        if findings.skip_next_change {
            group.outcome_now(categories.as_slice(), list_hit, at)
        } else {
            group.outcome(categories.as_slice(), list_hit, at)
        }
    }

    /// What this engine compiled for a group of its policy.
    pub(super) fn compiled(&self, group: &Group) -> Option<&CompiledGroup> {
        let position = self.policy.groups().position(|g| std::ptr::eq(g, group))?;
        self.groups.get(position)
    }

    /// The group's outcome from the rules of the tags found: the precedence of
    /// `Group::outcome_now` (a locked category, then the group's own entries, then the
    /// categories or, with none, the setting for uncategorised pages), with settings read by tag
    /// instead of by name. `None` when a time window decides and the caller wants to know when
    /// the answer changes: `Group::outcome` finds that.
    fn outcome_of_rules(
        &self,
        fold: &RuleFold,
        group: &Group,
        list_hit: Option<ListHit<'_>>,
        at: i64,
        now_only: bool,
    ) -> Option<Judgement> {
        if fold.locked {
            return Some(Judgement::bare(false, true, None));
        }
        if let Some(hit) = list_hit {
            return Some(Judgement::bare(
                matches!(hit, ListHit::Allow(_)),
                false,
                None,
            ));
        }
        let by_time = if fold.count == 0 {
            group.uncategorised_rule() == CategoryRule::ByTime
        } else {
            fold.timed_count > 0
        };
        if by_time && !now_only {
            return None;
        }
        let allow = if fold.count == 0 {
            group.allows_uncategorised_at(at)
        } else {
            !fold.blocked
                && fold.by_time().all(|(r, tag)| {
                    let category = self.rulesets.get(r).and_then(|l| l.tag_category(tag));
                    category.is_some_and(|c| group.allows_category_at(c, at))
                })
        };
        Some(Judgement::bare(allow, false, None))
    }
}
