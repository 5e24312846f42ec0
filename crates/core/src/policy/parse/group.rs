//! Groups: presets, overrides and a group's own allow and deny entries.

use std::ops::Range;

use toml::de::DeTable;

use super::{join, Value, Walker, PRESETS};
use crate::category;
use crate::lists::parse_entry;
use crate::policy::{Action, ByName, Group, ListedEntry, Preset, Setting, Tz};

impl Walker<'_> {
    #[inline(never)]
    pub(super) fn groups(
        &mut self,
        v: Option<&Value<'_>>,
        policy_wide: &ByName<Action>,
        tz: Tz,
    ) -> ByName<Group> {
        let mut groups = ByName::new();
        for p in Preset::ALL {
            groups.insert(
                p.id().to_string(),
                Group::from_preset(p.id(), p, tz, &self.calendar, policy_wide),
            );
        }
        let Some(t) =
            v.and_then(|v| self.table(v, "groups", "a table of groups like [groups.ks2]"))
        else {
            return groups;
        };
        for (key, value) in t.iter() {
            let name: &str = key.get_ref();
            let path = join("groups", name);
            // Group names follow the category id rule, reserved names included: one rule to learn.
            if let Some(problem) = category::id_problem(name) {
                self.issue(key.span(), &path, format!("group name {problem}"));
                continue;
            }
            if let Some(g) = self.table(value, &path, &format!("a table [groups.{name}]")) {
                let group = self.group(name, g, value.span(), &path, policy_wide, tz);
                groups.insert(name.to_string(), group);
            }
        }
        groups
    }

    #[inline(never)]
    pub(super) fn group(
        &mut self,
        name: &str,
        t: &DeTable<'_>,
        span: Range<usize>,
        path: &str,
        policy_wide: &ByName<Action>,
        tz: Tz,
    ) -> Group {
        let keys = [
            "preset",
            "label",
            "staff",
            "categories",
            "uncategorised",
            "non_web",
            "allow",
            "deny",
            "search_threshold",
        ];
        self.known_keys(t, path, &keys);
        let builtin = Preset::parse(name);
        let written = t.get("preset").and_then(|v| {
            let key_path = format!("{path}.preset");
            let id = self.string(v, &key_path)?;
            let preset = Preset::parse(id);
            if preset.is_none() {
                self.issue(
                    v.span(),
                    &key_path,
                    format!("expected {PRESETS}, found {id:?}"),
                );
            }
            preset.map(|p| (p, v.span()))
        });
        let preset = match (builtin, written) {
            (Some(own), Some((other, span))) if own != other => {
                let message = format!(
                    "the built-in group `{name}` always uses preset \"{name}\"; make a custom group, e.g. [groups.my-{}], to start from \"{}\"",
                    other.id(),
                    other.id()
                );
                self.issue(span, &format!("{path}.preset"), message);
                own
            }
            (Some(own), _) => own,
            (None, Some((p, _))) => p,
            (None, None) => {
                if t.get("preset").is_none() {
                    let message =
                        format!("missing key `preset`: a custom group starts from {PRESETS}");
                    self.issue(span, &format!("{path}.preset"), message);
                }
                Preset::Eyfs
            }
        };
        let mut group = Group::from_preset(name, preset, tz, &self.calendar, policy_wide);
        if let Some(v) = t.get("label") {
            if let Some(label) = self.string(v, &format!("{path}.label")) {
                group.label = label.trim().to_string();
            }
        }
        if let Some(staff) = t
            .get("staff")
            .and_then(|v| self.boolean(v, &format!("{path}.staff")))
        {
            group.staff = staff;
        }
        if let Some(v) = t.get("search_threshold") {
            let key_path = format!("{path}.search_threshold");
            group.search_threshold = self
                .integer(v, &key_path, (1, 10_000))
                .and_then(|n| i32::try_from(n).ok());
        }
        for (key, slot) in [
            ("uncategorised", &mut group.uncategorised),
            ("non_web", &mut group.non_web),
        ] {
            if let Some(v) = t.get(key) {
                let from = format!("{path}.{key}");
                *slot = Setting {
                    action: self.action(v, &from, None),
                    from,
                };
            }
        }
        let cats_path = format!("{path}.categories");
        if let Some(cats) = t
            .get("categories")
            .and_then(|v| self.table(v, &cats_path, "a table of id = \"action\""))
        {
            for (key, value) in cats.iter() {
                let id: &str = key.get_ref();
                let from = join(&cats_path, id);
                if self.check_category(id, key.span(), &from) {
                    let action = self.action(value, &from, Some(id));
                    group
                        .categories
                        .insert(id.to_string(), Setting { action, from });
                }
            }
        }
        let allow = t
            .get("allow")
            .map_or_else(Vec::new, |v| self.entries(v, &format!("{path}.allow")));
        let deny = t
            .get("deny")
            .map_or_else(Vec::new, |v| self.entries(v, &format!("{path}.deny")));
        for (entry, span, at) in &allow {
            if deny.iter().any(|(d, _, _)| d.entry == entry.entry) {
                self.issue(
                    span.clone(),
                    at,
                    format!("{:?} is in both allow and deny; keep it in one", entry.text),
                );
            }
        }
        group.allow = allow.into_iter().map(|(e, _, _)| e).collect();
        group.deny = deny.into_iter().map(|(e, _, _)| e).collect();
        group
    }

    pub(super) fn entries(
        &mut self,
        v: &Value<'_>,
        path: &str,
    ) -> Vec<(ListedEntry, Range<usize>, String)> {
        let what =
            r#"an array of domains or URL prefixes like ["example.com", "example.org/topic/"]"#;
        let mut out = Vec::new();
        for (i, item) in self.array(v, path, what).iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            let Some(text) = self.string(item, &item_path) else {
                continue;
            };
            match parse_entry(text) {
                Ok(entry) => out.push((
                    ListedEntry {
                        text: text.to_string(),
                        entry,
                    },
                    item.span(),
                    item_path,
                )),
                Err(e) => {
                    let message = format!(
                        r#"expected a domain or URL prefix like "example.com" or "example.org/topic/": {e}"#
                    );
                    self.issue(item.span(), &item_path, message);
                }
            }
        }
        out
    }
}
