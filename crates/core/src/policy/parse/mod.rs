//! TOML text → [`Policy`], reporting every problem with its line, column and key path.
//!
//! The document is walked as a spanned tree rather than through `serde` derives: derive errors
//! lose the key path and stop at the first problem, and a school fixing its policy wants to see
//! every problem at once. Unknown keys are errors at every level, as `deny_unknown_fields` would
//! make them. Once any problem is found the result is discarded, so the walk may fill in
//! placeholder values to keep going.

mod action;
mod calendar;
mod group;
mod search_engines;

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::action::Action;
use super::error::{Issue, PolicyError};
use super::{AddressRange, ByName, Calendar, ListFormat, ListSource, Policy, School, Tz};
use crate::category;

type Value<'i> = Spanned<DeValue<'i>>;

const EXPECTED_ACTION: &str = r#"expected "allow", "block", "staff-only" or { allow_at = [...] }"#;
const WINDOW_EXAMPLE: &str = r#"{ days = "mon-fri", from = "12:15", to = "13:00" }"#;
const ROOT_KEYS: [&str; 10] = [
    "school",
    "calendar",
    "builtin_lists",
    "search_phrases",
    "never_override",
    "override_minutes",
    "categories",
    "groups",
    "lists",
    "search_engines",
];
const PRESETS: &str = r#""eyfs", "ks1", "ks2" or "staff""#;

/// Parses a policy; see [`Policy::from_toml`].
pub(super) fn parse(text: &str) -> Result<Policy, PolicyError> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let issues = errors
            .iter()
            .map(|e| {
                Issue::at(
                    text,
                    e.span().unwrap_or(0..0),
                    "",
                    e.message().trim().replace('\n', "; "),
                )
            })
            .collect();
        return Err(PolicyError::Syntax(sorted(issues)));
    }
    let mut walker = Walker {
        text,
        issues: Vec::new(),
        custom: Vec::new(),
        calendar: Calendar::default(),
        calendar_written: false,
    };
    let policy = walker.policy(root.get_ref());
    if walker.issues.is_empty() {
        Ok(policy)
    } else {
        Err(PolicyError::Invalid(sorted(walker.issues)))
    }
}

fn sorted(mut issues: Vec<Issue>) -> Vec<Issue> {
    crate::sort::sort_stable_by(&mut issues, &mut |a, b| {
        (a.line, a.column).cmp(&(b.line, b.column))
    });
    issues.dedup();
    issues
}

struct Walker<'t> {
    text: &'t str,
    issues: Vec<Issue>,
    /// The school's own category ids, declared in `[categories]`, sorted.
    custom: Vec<String>,
    /// The school's `[calendar]`, read before the windows that follow it.
    calendar: Calendar,
    /// Whether the policy has a `[calendar]` table (when it has errors, windows do not repeat them).
    calendar_written: bool,
}

impl Walker<'_> {
    fn issue(&mut self, span: Range<usize>, path: &str, message: impl Into<String>) {
        self.issues.push(Issue::at(self.text, span, path, message));
    }

    /// Reports every key of `table` not in `allowed`.
    fn known_keys(&mut self, table: &DeTable<'_>, path: &str, allowed: &[&str]) {
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let hint = if !path.is_empty() && ROOT_KEYS.contains(&name) {
                    format!("`{name}` is a top-level key: move it above the first [table] header; ")
                } else {
                    suggest(name, allowed.iter().copied())
                        .map_or(String::new(), |s| format!("did you mean `{s}`? "))
                };
                let keys = allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.issue(
                    key.span(),
                    &join(path, name),
                    format!("unknown key; {hint}keys allowed here: {keys}"),
                );
            }
        }
    }

    fn string<'a>(&mut self, v: &'a Value<'_>, path: &str) -> Option<&'a str> {
        match v.get_ref() {
            DeValue::String(s) => Some(s),
            other => {
                self.issue(
                    v.span(),
                    path,
                    format!("expected a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// An integer within `range`, inclusive.
    fn integer(&mut self, v: &Value<'_>, path: &str, range: (i64, i64)) -> Option<i64> {
        let found = match v.get_ref() {
            DeValue::Integer(i) => i.to_string().parse::<i64>().ok(),
            _ => None,
        }
        .filter(|n| (range.0..=range.1).contains(n));
        if found.is_none() {
            self.issue(
                v.span(),
                path,
                format!(
                    "expected a whole number from {} to {}, found {}",
                    range.0,
                    range.1,
                    describe(v.get_ref())
                ),
            );
        }
        found
    }

    fn boolean(&mut self, v: &Value<'_>, path: &str) -> Option<bool> {
        let found = v.get_ref().as_bool();
        if found.is_none() {
            self.issue(
                v.span(),
                path,
                format!("expected true or false, found {}", describe(v.get_ref())),
            );
        }
        found
    }

    fn table<'a, 'i>(
        &mut self,
        v: &'a Value<'i>,
        path: &str,
        what: &str,
    ) -> Option<&'a DeTable<'i>> {
        let found = v.get_ref().as_table();
        if found.is_none() {
            self.issue(
                v.span(),
                path,
                format!("expected {what}, found {}", describe(v.get_ref())),
            );
        }
        found
    }

    fn array<'a, 'i>(&mut self, v: &'a Value<'i>, path: &str, what: &str) -> &'a [Value<'i>] {
        match v.get_ref().as_array() {
            Some(items) => items,
            None => {
                self.issue(
                    v.span(),
                    path,
                    format!("expected {what}, found {}", describe(v.get_ref())),
                );
                &[]
            }
        }
    }

    fn policy(&mut self, root: &DeTable<'_>) -> Policy {
        self.known_keys(root, "", &ROOT_KEYS);
        let school = self.school(root.get("school"));
        let builtin_lists = root
            .get("builtin_lists")
            .and_then(|v| self.boolean(v, "builtin_lists"))
            .unwrap_or(true);
        // The calendar before any window: a window in term time needs its terms.
        self.calendar = self.calendar(root.get("calendar"));
        // Categories first: they declare the school's own ids that groups and lists may use.
        let categories = self.categories(root.get("categories"));
        let groups = self.groups(root.get("groups"), &categories, school.timezone);
        let lists = root.get("lists").map_or_else(Vec::new, |v| self.lists(v));
        let search_engines = root
            .get("search_engines")
            .map_or_else(Vec::new, |v| self.search_engines(v));
        let search_phrases = root.get("search_phrases").map_or_else(Vec::new, |v| {
            let what = r#"an array of phrase list files like ["phrases/our-school.txt"]"#;
            self.array(v, "search_phrases", what)
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.string(item, &format!("search_phrases[{i}]")))
                .map(str::to_string)
                .collect()
        });
        let never_override = self.never_override(root.get("never_override"));
        let override_minutes =
            root.get("override_minutes")
                .map_or(super::DEFAULT_OVERRIDE_MINUTES, |v| {
                    let range = (1, i64::from(super::MAX_OVERRIDE_MINUTES));
                    self.integer(v, "override_minutes", range)
                        .and_then(|n| u32::try_from(n).ok())
                        .unwrap_or(super::DEFAULT_OVERRIDE_MINUTES)
                });
        Policy {
            school,
            builtin_lists,
            search_phrases,
            never_override,
            override_minutes,
            lists,
            search_engines,
            categories,
            groups,
        }
    }

    /// `never_override = [...]`: categories no teacher's override may open, each a known
    /// category or one declared in `[categories]`; sorted, without repeats.
    #[inline(never)]
    fn never_override(&mut self, v: Option<&Value<'_>>) -> Vec<String> {
        let Some(v) = v else {
            return Vec::new();
        };
        let what = r#"an array of category ids like ["pornography", "proxy-vpn"]"#;
        let mut out = Vec::new();
        for (i, item) in self.array(v, "never_override", what).iter().enumerate() {
            let path = format!("never_override[{i}]");
            if let Some(id) = self.string(item, &path) {
                if self.check_category(id, item.span(), &path) {
                    // Kept sorted as it is built (as `custom` is): no sort code in the package.
                    if let Err(at) = out.binary_search_by(|c: &String| c.as_str().cmp(id)) {
                        out.insert(at, id.to_string());
                    }
                }
            }
        }
        out
    }

    #[inline(never)]
    fn school(&mut self, v: Option<&Value<'_>>) -> School {
        let mut school = School {
            name: String::new(),
            timezone: Tz::EuropeLondon,
            addresses: Vec::new(),
        };
        let Some(v) = v else {
            self.issue(
                0..0,
                "school",
                r#"missing [school] table; expected [school] with name = "...""#,
            );
            return school;
        };
        let Some(t) = self.table(v, "school", r#"a table [school] with name = "...""#) else {
            return school;
        };
        self.known_keys(t, "school", &["name", "timezone", "addresses"]);
        match t.get("name") {
            None => self.issue(
                v.span(),
                "school.name",
                "missing key `name`: the school's name, shown on block pages",
            ),
            Some(n) => match self.string(n, "school.name") {
                Some(name) if name.trim().is_empty() => self.issue(
                    n.span(),
                    "school.name",
                    "expected the school's name, found an empty string",
                ),
                Some(name) => school.name = name.trim().to_string(),
                None => {}
            },
        }
        if let Some(z) = t.get("timezone") {
            match self
                .string(z, "school.timezone")
                .map(|name| (name, Tz::parse(name)))
            {
                Some((_, Some(tz))) => school.timezone = tz,
                Some((name, None)) => self.issue(
                    z.span(),
                    "school.timezone",
                    format!(r#"expected "Europe/London" or "UTC", found {name:?}"#),
                ),
                None => {}
            }
        }
        if let Some(a) = t.get("addresses") {
            let what =
                r#"an array of the school's own IP addresses and ranges like ["192.168.0.0/16"]"#;
            for (i, item) in self.array(a, "school.addresses", what).iter().enumerate() {
                let path = format!("school.addresses[{i}]");
                if let Some(text) = self.string(item, &path) {
                    match AddressRange::parse(text) {
                        Ok(range) => school.addresses.push(range),
                        Err(e) => self.issue(item.span(), &path, e),
                    }
                }
            }
        }
        school
    }

    #[inline(never)]
    fn categories(&mut self, v: Option<&Value<'_>>) -> ByName<Action> {
        let mut out = ByName::new();
        let Some(t) =
            v.and_then(|v| self.table(v, "categories", r#"a table [categories] of id = "action""#))
        else {
            return out;
        };
        for (key, value) in t.iter() {
            let id: &str = key.get_ref();
            let path = join("categories", id);
            if let Err(e) = category::validate_id(id) {
                self.issue(key.span(), &path, e);
                continue;
            }
            if category::lookup(id).is_none() {
                if let Err(at) = self.custom.binary_search_by(|c| c.as_str().cmp(id)) {
                    self.custom.insert(at, id.to_string());
                }
            }
            out.insert(id.to_string(), self.action(value, &path, Some(id)));
        }
        out
    }

    /// A category id used in a group or list: known, or declared in `[categories]`.
    fn check_category(&mut self, id: &str, span: Range<usize>, path: &str) -> bool {
        if let Err(why) = category::validate_id(id) {
            self.issue(span, path, why);
            return false;
        }
        let custom = self.custom.binary_search_by(|c| c.as_str().cmp(id)).is_ok();
        if category::lookup(id).is_some() || custom {
            return true;
        }
        let ids: Vec<&str> = category::KNOWN
            .iter()
            .map(|c| c.id)
            .chain(self.custom.iter().map(String::as_str))
            .collect();
        let hint = suggest(id, ids.iter().copied())
            .map_or(String::new(), |s| format!("did you mean `{s}`? "));
        let message = format!(
            "unknown category `{id}`; {hint}known categories: {}; declare a school's own category in [categories] first",
            ids.join(", ")
        );
        self.issue(span, path, message);
        false
    }

    #[inline(never)]
    fn lists(&mut self, v: &Value<'_>) -> Vec<ListSource> {
        let mut out = Vec::new();
        if v.get_ref().is_table() {
            self.issue(v.span(), "lists", "expected [[lists]] entries (an array of tables): write [[lists]] with double brackets");
            return out;
        }
        for (i, item) in self
            .array(v, "lists", "[[lists]] entries")
            .iter()
            .enumerate()
        {
            let path = format!("lists[{i}]");
            let Some(t) = self.table(item, &path, "a [[lists]] table with path and category")
            else {
                continue;
            };
            self.known_keys(t, &path, &["path", "category", "format", "name"]);
            let mut required = |key: &str, what: &str| {
                let key_path = format!("{path}.{key}");
                let Some(value) = t.get(key) else {
                    self.issue(
                        item.span(),
                        &key_path,
                        format!("missing key `{key}`: {what}"),
                    );
                    return None;
                };
                // As written: a path is trimmed below, a category id must be exact.
                let text = self.string(value, &key_path)?;
                if text.trim().is_empty() {
                    self.issue(
                        value.span(),
                        &key_path,
                        format!("expected {what}, found an empty string"),
                    );
                    return None;
                }
                Some((text.to_string(), value.span(), key_path))
            };
            let list_path = required("path", "the list file or folder, relative to this policy");
            let category = required("category", "the category the list's entries belong to");
            if let Some((id, span, key_path)) = &category {
                // The id exactly as written: `" gambling"` is not the id `gambling`.
                self.check_category(id, span.clone(), key_path);
            }
            let mut format = ListFormat::Auto;
            if let Some(f) = t.get("format") {
                let key_path = format!("{path}.format");
                if let Some(id) = self.string(f, &key_path) {
                    match id.parse::<ListFormat>() {
                        Ok(parsed) => format = parsed,
                        Err(_) => {
                            let ids = ListFormat::ALL
                                .map(|f| format!("\"{}\"", f.name()))
                                .join(", ");
                            self.issue(
                                f.span(),
                                &key_path,
                                format!("expected one of {ids}, found {id:?}"),
                            );
                        }
                    }
                }
            }
            let name = t
                .get("name")
                .and_then(|n| self.string(n, &format!("{path}.name")))
                .map(str::to_string);
            if let (Some((path, ..)), Some((category, ..))) = (list_path, category) {
                out.push(ListSource {
                    path: path.trim().to_string(),
                    category,
                    format,
                    name,
                });
            }
        }
        out
    }
}

/// `path.key`, quoting keys that are not bare TOML keys so the path can be pasted back.
fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// How a value looks in a "found …" message.
fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("{s:?}"),
        DeValue::Integer(i) => i.as_str().to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// The closest candidate within two edits, for "did you mean" hints.
fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, c)| d <= 2 && d < c.len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_and_never_the_whole_word() {
        assert_eq!(
            suggest("alow", ["allow", "block", "staff-only"]),
            Some("allow")
        );
        assert_eq!(
            suggest("staff_only", ["allow", "block", "staff-only"]),
            Some("staff-only")
        );
        assert_eq!(suggest("deny", ["allow", "block", "staff-only"]), None);
        assert_eq!(suggest("ab", ["x"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("Ŵyn", "wyn"), 1);
    }

    /// docs/policy.md's key tables name every key the parser accepts at the top level and in
    /// `[[search_engines]]`, so the syntax an IT lead reads is the syntax the code takes.
    #[test]
    fn the_policy_doc_names_every_top_level_and_search_engine_key() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/policy.md");
        let docs = std::fs::read_to_string(path).unwrap_or_default();
        let section = |heading: &str| {
            let start = docs.find(heading).unwrap_or(docs.len());
            let rest = &docs[start..];
            let end = rest[heading.len()..]
                .find("\n### ")
                .map_or(rest.len(), |e| e + heading.len());
            rest[..end].to_string()
        };
        for (heading, keys) in [
            ("### Top level", &ROOT_KEYS[..]),
            ("### `[[search_engines]]`", &search_engines::KEYS[..]),
        ] {
            let table = section(heading);
            for key in keys {
                assert!(
                    table.contains(&format!("| `{key}` |")),
                    "docs/policy.md, {heading}: no row for `{key}`"
                );
            }
        }
    }

    #[test]
    fn paths_quote_keys_that_are_not_bare() {
        assert_eq!(join("", "school"), "school");
        assert_eq!(join("groups", "year-6"), "groups.year-6");
        assert_eq!(join("groups", "year 6"), "groups.\"year 6\"");
        assert_eq!(join("categories", ""), "categories.\"\"");
    }
}
