//! What a proposed policy would change, before anyone saves or approves it: for each group, the
//! addresses of a fixed sample (`data/preview-sample.txt`) and the school's own blocked (and
//! allowed) pages of the last 7 days, judged by the core under the policy in force and under the
//! proposal. "This would unblock 14 pages KS1 pupils tried this week."
//!
//! The hub does not hold the devices' lists (some are licensed), so each address is judged with
//! the category the device's lists gave it (an event's `category`, a sample line's second word)
//! added to the built-in ones: the same engine, the same precedence. A page a locked
//! (illegal-content) list blocked stays blocked under any proposal, as on the device, because
//! the core decides it before reading the policy.

use std::collections::BTreeMap;

use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::lists::parse_entry;
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};
use schoolgate_core::verdict::Action;

use crate::store::StoredEvent;

/// The sample of real addresses (`url [category]` a line).
pub const SAMPLE: &str = include_str!("../data/preview-sample.txt");
/// How far back the school's own events are read.
pub const EVENT_DAYS: i64 = 7;

/// One address of the sample, with the category the device's lists give it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleUrl {
    /// The address.
    pub url: String,
    /// Its category.
    pub category: Option<String>,
}

/// The sample's addresses.
pub fn sample() -> Vec<SampleUrl> {
    SAMPLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            SampleUrl {
                url: words.next().unwrap_or_default().to_owned(),
                category: words.next().map(str::to_owned),
            }
        })
        .collect()
}

/// One page the school's devices reported (a `blocked` or `visit` event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenPage {
    /// The device's group.
    pub group: String,
    /// The address (the event's `url`, else `https://<host>/`).
    pub url: String,
    /// The host, for the page's list.
    pub host: String,
    /// The category the device gave it.
    pub category: Option<String>,
    /// When (Unix seconds): judged at that moment, so time windows count.
    pub at: i64,
    /// Whether the device blocked it.
    pub blocked: bool,
}

impl SeenPage {
    /// A `blocked` or `visit` event as a page; `None` for any other event or one without an address.
    pub fn from_event(event: &StoredEvent) -> Option<Self> {
        let blocked = match event.kind.as_str() {
            "blocked" => true,
            "visit" => false,
            _ => return None,
        };
        let host = event.host.clone().filter(|h| !h.is_empty())?;
        let url = Some(event.field("url"))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("https://{host}/"));
        let at = chrono::DateTime::parse_from_rfc3339(&event.at)
            .map(|t| t.timestamp())
            .unwrap_or_default();
        Some(Self {
            group: event.group.clone(),
            url,
            host,
            category: event.category.clone().filter(|c| !c.is_empty()),
            at,
            blocked,
        })
    }
}

/// What changes for one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChange {
    /// The group's name (`ks1`).
    pub group: String,
    /// Its label for people.
    pub label: String,
    /// Whether it is a staff group (the page says "staff", not "pupils").
    pub staff: bool,
    /// Sample addresses blocked now and allowed under the proposal.
    pub sample_unblocked: Vec<String>,
    /// Sample addresses allowed now and blocked under the proposal.
    pub sample_blocked: Vec<String>,
    /// The school's blocked pages of the last 7 days the proposal would allow.
    pub events_unblocked: usize,
    /// The school's allowed pages of the last 7 days the proposal would block.
    pub events_blocked: usize,
    /// The hosts of `events_unblocked`, with how many pages each.
    pub unblocked_hosts: Vec<(String, usize)>,
    /// The hosts of `events_blocked`, with how many pages each.
    pub blocked_hosts: Vec<(String, usize)>,
    /// The school's blocked pages that stay blocked because a locked list blocks them.
    pub locked_kept: usize,
}

impl GroupChange {
    /// Whether anything changes.
    pub fn is_empty(&self) -> bool {
        self.sample_unblocked.is_empty()
            && self.sample_blocked.is_empty()
            && self.events_unblocked == 0
            && self.events_blocked == 0
    }

    /// Who tried the pages: pupils, or staff.
    pub fn who(&self) -> &'static str {
        if self.staff {
            "staff"
        } else {
            "pupils"
        }
    }
}

/// The lists the hub knows a page's category from: the sample's and the events' categories.
fn known_categories(pages: &[SeenPage]) -> Option<Ruleset> {
    let mut builder = RulesetBuilder::new();
    let mut any = false;
    let sample = sample();
    let from_sample = sample.iter().filter_map(|s| {
        let host_and_path = s.url.split_once("://").map(|(_, rest)| rest)?;
        Some((
            host_and_path.trim_end_matches('/').to_owned(),
            s.category.clone()?,
        ))
    });
    let from_events = pages
        .iter()
        .filter_map(|p| Some((p.host.clone(), p.category.clone()?)));
    for (entry, category) in from_sample.chain(from_events) {
        if schoolgate_core::category::validate_id(&category).is_err() {
            continue;
        }
        let Ok(entry) = parse_entry(&entry) else {
            continue;
        };
        if builder
            .add(&entry, &category, "device lists (preview)")
            .is_ok()
        {
            any = true;
        }
    }
    if !any {
        return None;
    }
    let (bytes, _) = builder.build().ok()?;
    Ruleset::from_bytes(bytes).ok()
}

/// The engine for `policy` with what the hub knows of the devices' lists; the policy alone if
/// the lists cannot be added (a category the policy does not know, say).
fn engine(policy: &Policy, known: &Option<Ruleset>) -> Option<Engine> {
    if let Some(ruleset) = known {
        if let Ok(engine) = Engine::new(policy.clone(), vec![ruleset.clone()]) {
            return Some(engine);
        }
    }
    Engine::new(policy.clone(), Vec::new()).ok()
}

fn allowed(engine: &Engine, url: &str, group: &str, at: i64) -> bool {
    engine
        .decide(&Request::new(url.as_bytes(), group, at))
        .action
        == Action::Allow
}

fn locked(engine: &Engine, url: &str, group: &str, at: i64) -> bool {
    engine
        .decide(&Request::new(url.as_bytes(), group, at))
        .locked
}

fn counted(hosts: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut list: Vec<(String, usize)> = hosts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list
}

/// What changes between `current` and `proposed` for each group of either, on the sample (at
/// `now`, Unix seconds) and on `pages` (each at its own time).
pub fn preview(
    current: &Policy,
    proposed: &Policy,
    pages: &[SeenPage],
    now: i64,
) -> Vec<GroupChange> {
    let known = known_categories(pages);
    let (Some(before), Some(after)) = (engine(current, &known), engine(proposed, &known)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = proposed.group_names().map(str::to_owned).collect();
    for name in current.group_names() {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    let sample = sample();
    names
        .into_iter()
        .map(|name| {
            let group = proposed.group(&name).or_else(|| current.group(&name));
            let label = group.map_or_else(|| name.clone(), |g| g.label().to_owned());
            let mut change = GroupChange {
                group: name.clone(),
                label,
                staff: group.is_some_and(|g| g.is_staff()),
                ..GroupChange::default()
            };
            for s in &sample {
                match (
                    allowed(&before, &s.url, &name, now),
                    allowed(&after, &s.url, &name, now),
                ) {
                    (false, true) => change.sample_unblocked.push(s.url.clone()),
                    (true, false) => change.sample_blocked.push(s.url.clone()),
                    _ => {}
                }
            }
            let (mut unblocked, mut blocked) = (BTreeMap::new(), BTreeMap::new());
            for page in pages.iter().filter(|p| p.group == name) {
                let now_allowed = allowed(&after, &page.url, &name, page.at);
                if page.blocked && now_allowed {
                    change.events_unblocked += 1;
                    *unblocked.entry(page.host.clone()).or_insert(0) += 1;
                } else if !page.blocked && !now_allowed {
                    change.events_blocked += 1;
                    *blocked.entry(page.host.clone()).or_insert(0) += 1;
                } else if page.blocked && locked(&after, &page.url, &name, page.at) {
                    change.locked_kept += 1;
                }
            }
            change.unblocked_hosts = counted(unblocked);
            change.blocked_hosts = counted(blocked);
            change
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(host: &str, category: &str, blocked: bool) -> SeenPage {
        SeenPage {
            group: "ks1".into(),
            url: format!("https://{host}/page"),
            host: host.into(),
            category: Some(category.into()),
            at: 1_796_630_400, // 2026-12-07 (a Monday) 09:20 UTC
            blocked,
        }
    }

    #[test]
    fn the_sample_is_a_few_hundred_addresses() {
        let sample = sample();
        assert!(sample.len() >= 200, "{}", sample.len());
        assert!(sample.iter().all(|s| s.url.starts_with("https://")));
    }

    #[test]
    fn allowing_games_for_ks1_unblocks_its_games_pages_but_never_a_locked_one() {
        let current = Policy::from_toml("[school]\nname = \"X\"\n").expect("valid");
        let proposed = Policy::from_toml(
            "[school]\nname = \"X\"\n\n[groups.ks1]\nallow = [\"abuse-standin.example\"]\n\n[groups.ks1.categories]\ngames = \"allow\"\n",
        )
        .expect("valid");
        let pages = [
            page("games-one.example", "games", true),
            page("games-one.example", "games", true),
            page("games-two.example", "games", true),
            page("abuse-standin.example", "child-abuse", true),
            page("gambling.example", "gambling", true),
        ];
        let changes = preview(&current, &proposed, &pages, 1_796_630_400);
        let ks1 = changes.iter().find(|c| c.group == "ks1").expect("ks1");
        assert_eq!(ks1.events_unblocked, 3);
        assert_eq!(ks1.locked_kept, 1);
        assert_eq!(
            ks1.unblocked_hosts,
            vec![
                ("games-one.example".to_owned(), 2),
                ("games-two.example".to_owned(), 1)
            ]
        );
        assert!(ks1.sample_unblocked.iter().any(|u| u.contains("roblox")));
        let ks2 = changes.iter().find(|c| c.group == "ks2").expect("ks2");
        assert!(ks2.is_empty(), "{ks2:?}");
    }
}
