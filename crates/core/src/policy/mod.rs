//! The school's policy: age groups, what each may see per category, and when.
//!
//! A policy is a TOML file a school's IT lead edits; `docs/policy.md` documents every key.
//! [`Policy::from_toml`] is pure: it returns a new policy or an error naming the line, column and
//! key path of every problem, so a broken file can never replace a working policy. Unknown keys
//! are errors, so a typo never silently weakens filtering.
//!
//! Every group starts from a [`Preset`] (`eyfs`, `ks1`, `ks2`, `staff`), then takes the policy-wide
//! `[categories]`, then its own `[groups.NAME.categories]`. The locked illegal-content categories
//! (`child-abuse`, `terrorist-content`) are blocked in [`Group::decide`] before the policy is
//! read, and a policy that tries to set them to anything but `block` is rejected.
//!
//! ## Usage
//!
//! ```
//! use schoolgate_core::policy::Policy;
//!
//! let policy = Policy::from_toml(r#"
//! [school]
//! name = "Example Primary"
//!
//! [groups.ks2.categories]
//! games = { allow_at = [ { days = "mon-fri", from = "12:15", to = "13:00" } ] }
//! "#)?;
//! let ks2 = policy.group("ks2").ok_or("no ks2")?;
//! // Monday 5 January 2026, 12:30 GMT.
//! let lunch = ks2.decide(Some("games"), 1_767_616_200);
//! assert!(lunch.allow);
//! assert_eq!(lunch.next_change, Some(1_767_618_000)); // 13:00
//! assert!(!ks2.decide(Some("child-abuse"), 1_767_616_200).allow);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod action;
mod address;
pub mod calendar;
mod decision;
mod error;
mod parse;
mod preset;
pub mod time;

use serde::{Serialize, Serializer};

pub use action::{Action, Days, Window};
pub use address::AddressRange;
pub use calendar::{Calendar, CalendarError, Season};
pub use decision::{CategoryRule, DecidedBy, Decision, ListHit, Outcome};
pub use error::{Issue, PolicyError};
pub use preset::Preset;
pub use time::Tz;

use crate::category;
use crate::lists::Entry;
use crate::search::engines::DeclaredEngine;

/// The built-in policy: a typical UK primary school. With the `annotated-builtins` feature it
/// has the comments explaining each choice; without it, those lines are empty.
pub const BUILTIN_TOML: &str = data_text!("default-policy.toml");

/// The `[school]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct School {
    /// The school's name, shown on block pages.
    pub name: String,
    /// The zone `allow_at` times are read in.
    pub timezone: Tz,
    /// The school's own IP addresses and ranges: pages at them are judged as ordinary sites,
    /// not as the `ip-address` category.
    pub addresses: Vec<AddressRange>,
}

impl School {
    /// Whether a canonical URL host is one of the school's own addresses.
    pub fn is_own_address(&self, host: &str) -> bool {
        self.addresses.iter().any(|a| a.contains_host(host))
    }
}

pub use crate::lists::ListFormat;

/// One `[[lists]]` entry: a list file or squidGuard folder to load into a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListSource {
    /// File or folder, as written; the CLI resolves it relative to the policy file.
    pub path: String,
    /// The category its entries belong to.
    pub category: String,
    /// How the file is written.
    pub format: ListFormat,
    /// A name for reports, if given.
    pub name: Option<String>,
}

/// A group's action for one thing, and where it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// What to do.
    pub action: Action,
    /// Where it was set: a key path such as `groups.ks2.categories.games` or `categories.games`,
    /// or `preset ks2 (games)` for a preset's default.
    pub from: String,
}

/// One of a group's own `allow` or `deny` entries, normalised, with the text the school wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedEntry {
    text: String,
    entry: Entry,
}

impl ListedEntry {
    /// The entry as written in the policy.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The normalised entry lookups use.
    pub fn entry(&self) -> &Entry {
        &self.entry
    }
}

impl Serialize for ListedEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Values by name, sorted by name, serialised as a map. A policy has a few dozen categories and a
/// handful of groups: a sorted vector finds them faster than a `BTreeMap` (see `ByName::get`),
/// with far less code in the WebAssembly package.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ByName<V>(Vec<(String, V)>);

/// Up to this many names, `ByName::get` scans rather than searches: the 20 built-in categories
/// with a dozen of a school's own, or any policy's groups.
const SCAN_MAX: usize = 32;

impl<V> ByName<V> {
    fn new() -> Self {
        ByName(Vec::new())
    }

    fn get(&self, name: &str) -> Option<&V> {
        // Every navigation looks up its group and categories. Over a few dozen names, a scan for
        // an equal name (most differ in length, so most checks end there) is about twice as fast
        // as the ordered comparisons of a binary search or a `BTreeMap`.
        let found = if self.0.len() <= SCAN_MAX {
            // Length and last byte first: names of a length mostly differ there, and comparing
            // them is cheaper than a call to compare the whole names.
            let last = name.as_bytes().last();
            self.0.iter().position(|(n, _)| {
                n.len() == name.len() && n.as_bytes().last() == last && n == name
            })
        } else {
            self.position(name).ok()
        };
        self.0.get(found?).map(|(_, v)| v)
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    /// Adds `value` under `name`, replacing any value already there.
    fn insert(&mut self, name: String, value: V) {
        match self.position(&name) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<V: Serialize> Serialize for ByName<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(n, v)| (n, v)))
    }
}

/// An age or staff group with every setting resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    name: String,
    label: String,
    preset: Preset,
    staff: bool,
    #[serde(skip)]
    tz: Tz,
    #[serde(skip)]
    calendar: Calendar,
    categories: ByName<Setting>,
    uncategorised: Setting,
    non_web: Setting,
    allow: Vec<ListedEntry>,
    deny: Vec<ListedEntry>,
    search_threshold: Option<i32>,
}

impl Group {
    /// The group's own search threshold (`search_threshold`), overriding its preset's.
    pub fn search_threshold(&self) -> Option<i32> {
        self.search_threshold
    }

    /// A group as its preset and the policy-wide `[categories]` make it.
    fn from_preset(
        name: &str,
        preset: Preset,
        tz: Tz,
        calendar: &Calendar,
        policy_wide: &ByName<Action>,
    ) -> Group {
        let preset_setting = |what: &str, action| Setting {
            action,
            from: format!("preset {} ({what})", preset.id()),
        };
        let mut categories = ByName::new();
        for c in category::KNOWN {
            categories.insert(c.id.to_string(), preset_setting(c.id, preset.action(c.id)));
        }
        for (id, action) in &policy_wide.0 {
            let setting = Setting {
                action: action.clone(),
                from: format!("categories.{id}"),
            };
            categories.insert(id.clone(), setting);
        }
        Group {
            name: name.to_string(),
            label: Preset::parse(name).map_or_else(|| name.to_string(), |p| p.label().to_string()),
            preset,
            staff: preset.is_staff(),
            tz,
            calendar: calendar.clone(),
            categories,
            uncategorised: preset_setting("uncategorised", preset.uncategorised()),
            non_web: preset_setting("non_web", preset.non_web()),
            allow: Vec::new(),
            deny: Vec::new(),
            search_threshold: None,
        }
    }

    /// The group's name, as used in `[groups.NAME]` and by the extension.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A label for people: the policy's `label`, else the preset's label or the name.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The preset the group starts from.
    pub fn preset(&self) -> Preset {
        self.preset
    }

    /// Whether `staff-only` categories are allowed for this group.
    pub fn is_staff(&self) -> bool {
        self.staff
    }

    /// The school's time zone, which the group's time windows are read in.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The school's calendar, which windows in term time or the holidays follow.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Every category's resolved setting as `(id, setting)`, sorted by id. Locked categories
    /// are listed but always block.
    pub fn categories(&self) -> &[(String, Setting)] {
        &self.categories.0
    }

    /// The resolved setting for one category id, if the policy knows the category. Locked
    /// categories have one but always block.
    pub fn category(&self, id: &str) -> Option<&Setting> {
        self.categories.get(id)
    }

    /// The setting for pages no list categorises.
    pub fn uncategorised(&self) -> &Setting {
        &self.uncategorised
    }

    /// The setting for non-web pages (`data:`, `blob:`, `javascript:`, `file:` …) at top level.
    pub fn non_web(&self) -> &Setting {
        &self.non_web
    }

    /// Entries the group may always visit (unless a locked category matches).
    pub fn allow(&self) -> &[ListedEntry] {
        &self.allow
    }

    /// Entries always blocked for the group.
    pub fn deny(&self) -> &[ListedEntry] {
        &self.deny
    }
}

/// How long a teacher's override lasts when the policy does not say (`override_minutes`).
pub const DEFAULT_OVERRIDE_MINUTES: u32 = 60;
/// The longest a teacher's override may last: a school day (8 hours).
pub const MAX_OVERRIDE_MINUTES: u32 = 8 * 60;

/// A school's parsed and validated policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    school: School,
    builtin_lists: bool,
    search_phrases: Vec<String>,
    never_override: Vec<String>,
    override_minutes: u32,
    lists: Vec<ListSource>,
    search_engines: Vec<DeclaredEngine>,
    categories: ByName<Action>,
    groups: ByName<Group>,
}

impl Policy {
    /// Parses and validates a policy. Pure: nothing changes unless the caller swaps its policy
    /// for the one returned.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        parse::parse(text)
    }

    /// The built-in policy ([`BUILTIN_TOML`]).
    pub fn builtin() -> Policy {
        // The file is parsed in tests; the fallback only guards against a broken build.
        Policy::from_toml(BUILTIN_TOML).unwrap_or_else(|_| Policy::presets_only())
    }

    /// The four preset groups and nothing else.
    fn presets_only() -> Policy {
        let none = ByName::new();
        let mut groups = ByName::new();
        for p in Preset::ALL {
            let group = Group::from_preset(p.id(), p, Tz::EuropeLondon, &Calendar::EMPTY, &none);
            groups.insert(p.id().to_string(), group);
        }
        Policy {
            school: School {
                name: "Schoolgate".into(),
                timezone: Tz::EuropeLondon,
                addresses: Vec::new(),
            },
            builtin_lists: true,
            search_phrases: Vec::new(),
            never_override: Vec::new(),
            override_minutes: DEFAULT_OVERRIDE_MINUTES,
            lists: Vec::new(),
            search_engines: Vec::new(),
            categories: none,
            groups,
        }
    }

    /// The `[school]` table.
    pub fn school(&self) -> &School {
        &self.school
    }

    /// The school's time zone.
    pub fn timezone(&self) -> Tz {
        self.school.timezone
    }

    /// The school's calendar (`[calendar]`): terms and INSET days; empty without one. Every
    /// group holds it (their windows follow it), so it is read from them.
    pub fn calendar(&self) -> &Calendar {
        static NONE: Calendar = Calendar::EMPTY;
        self.groups.values().next().map_or(&NONE, Group::calendar)
    }

    /// Whether to load Schoolgate's built-in starter lists.
    pub fn builtin_lists(&self) -> bool {
        self.builtin_lists
    }

    /// Search phrase list files of the school's own (`search_phrases = [...]`), added to the
    /// built-in lists; the CLI resolves them relative to the policy file.
    pub fn search_phrases(&self) -> &[String] {
        &self.search_phrases
    }

    /// Categories no teacher's override may open (`never_override`), sorted. The locked
    /// categories are never opened either, whether listed here or not.
    pub fn never_override(&self) -> &[String] {
        &self.never_override
    }

    /// Whether a teacher's override may never open a page in category `id`: a locked category,
    /// or one the school lists in `never_override`.
    pub fn is_never_override(&self, id: &str) -> bool {
        category::is_locked(id)
            || self
                .never_override
                .binary_search_by(|c| c.as_str().cmp(id))
                .is_ok()
    }

    /// How long a teacher's override lasts, in minutes (`override_minutes`: 1 to
    /// [`MAX_OVERRIDE_MINUTES`], default [`DEFAULT_OVERRIDE_MINUTES`]).
    pub fn override_minutes(&self) -> u32 {
        self.override_minutes
    }

    /// The `[[lists]]` to load, in file order.
    pub fn lists(&self) -> &[ListSource] {
        &self.lists
    }

    /// The school's own search engines (`[[search_engines]]`), in file order: their searches are
    /// judged like the built-in engines'.
    pub fn search_engines(&self) -> &[DeclaredEngine] {
        &self.search_engines
    }

    /// The policy-wide `[categories]` as written, including a school's own categories, as
    /// `(id, action)` sorted by id.
    pub fn categories(&self) -> &[(String, Action)] {
        &self.categories.0
    }

    /// A group by name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(name)
    }

    /// Every group's name, sorted.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        self.groups.names()
    }

    /// Every group, sorted by name.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    /// [`Group::decide`] for a group by name; `None` if there is no such group.
    pub fn decide(
        &self,
        group: &str,
        category: Option<&str>,
        at_unix_secs: i64,
    ) -> Option<Decision> {
        self.group(group).map(|g| g.decide(category, at_unix_secs))
    }

    /// A plain-text summary for a CLI or a review meeting: per group, what is blocked, what is
    /// allowed and what is timed.
    pub fn summary(&self) -> String {
        let mut out = format!("{} ({})\n", self.school.name, self.school.timezone.name());
        for g in self.groups.values() {
            let role = if g.staff { "staff" } else { "pupils" };
            out.push_str(&format!(
                "\n[{}] {}, {role}, preset {}\n",
                g.name,
                g.label,
                g.preset.id()
            ));
            let (mut allowed, mut blocked, mut timed) = (Vec::new(), Vec::new(), Vec::new());
            for (id, s) in &g.categories.0 {
                match &s.action {
                    Action::AllowAt(w) => {
                        timed.push(format!("{id} ({})", action::describe_windows(w)))
                    }
                    Action::Allow | Action::StaffOnly if g.staff && !category::is_locked(id) => {
                        allowed.push(id.as_str())
                    }
                    Action::Allow if !category::is_locked(id) => allowed.push(id.as_str()),
                    _ => blocked.push(id.as_str()),
                }
            }
            out.push_str(&format!("  blocked: {}\n", blocked.join(", ")));
            out.push_str(&format!("  allowed: {}\n", allowed.join(", ")));
            if !timed.is_empty() {
                out.push_str(&format!("  timed: {}\n", timed.join("; ")));
            }
            let describe = |s: &Setting| s.action.describe(g.staff, true);
            out.push_str(&format!(
                "  uncategorised: {}\n",
                describe(&g.uncategorised)
            ));
            out.push_str(&format!("  non-web pages: {}\n", describe(&g.non_web)));
            if !g.allow.is_empty() || !g.deny.is_empty() {
                out.push_str(&format!(
                    "  own entries: {} allowed, {} denied\n",
                    g.allow.len(),
                    g.deny.len()
                ));
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests;
