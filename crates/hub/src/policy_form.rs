//! The common policy changes as a form (`/policy/edit`): add a site to a group's allow or deny
//! list, set a category for a group (block, allow, staff only), or give it a time window. Each
//! edits the TOML text in place with `toml_edit` (comments and layout kept), and the result goes
//! through the core's validation like any text typed into the textarea.

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// One change the form makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormEdit {
    /// Add `entry` to `group`'s `allow` (or `deny`) list.
    AddSite {
        /// The group (`ks1`).
        group: String,
        /// True for `deny`, false for `allow`.
        deny: bool,
        /// A domain or URL prefix.
        entry: String,
    },
    /// Set `category` for `group` to `block`, `allow` or `staff-only`.
    SetCategory {
        /// The group.
        group: String,
        /// The category id.
        category: String,
        /// The action word.
        action: String,
    },
    /// Allow `category` for `group` only inside one window (replacing what it had).
    SetWindow {
        /// The group.
        group: String,
        /// The category id.
        category: String,
        /// `mon-fri`, `daily`, …
        days: String,
        /// `HH:MM`.
        from: String,
        /// `HH:MM`.
        to: String,
    },
}

/// Why a form edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The current text is not TOML at all (fix it in the textarea first).
    #[error(
        "the policy text is not TOML, so the form cannot change it (fix it in the text box): {0}"
    )]
    NotToml(String),
    /// A field left empty.
    #[error("fill in {0}")]
    Missing(&'static str),
    /// Something in the way (a key of another type where the form must write).
    #[error("{0}")]
    Conflict(String),
}

fn required<'a>(value: &'a str, what: &'static str) -> Result<&'a str, FormError> {
    let value = value.trim();
    if value.is_empty() {
        Err(FormError::Missing(what))
    } else {
        Ok(value)
    }
}

/// The table at `path`, made (as a `[a.b]` table) where missing.
fn table_at<'d>(doc: &'d mut DocumentMut, path: &[&str]) -> Result<&'d mut Table, FormError> {
    let mut table = doc.as_table_mut();
    let mut walked = Vec::new();
    for key in path {
        walked.push(*key);
        let item = table.entry(key).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        if let Item::Value(Value::InlineTable(inline)) = item {
            *item = Item::Table(inline.clone().into_table());
        }
        table = item
            .as_table_mut()
            .ok_or_else(|| FormError::Conflict(format!("`{}` is not a table", walked.join("."))))?;
    }
    // A table the form fills in is written out as `[a.b]`.
    table.set_implicit(false);
    Ok(table)
}

/// `text` with `edit` made.
pub fn apply(text: &str, edit: &FormEdit) -> Result<String, FormError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| FormError::NotToml(e.message().to_owned()))?;
    match edit {
        FormEdit::AddSite { group, deny, entry } => {
            let group = required(group, "the group")?;
            let entry = required(entry, "the site")?;
            let key = if *deny { "deny" } else { "allow" };
            let table = table_at(&mut doc, &["groups", group])?;
            let item = table
                .entry(key)
                .or_insert_with(|| Item::Value(Value::Array(Array::new())));
            let array = item.as_array_mut().ok_or_else(|| {
                FormError::Conflict(format!("`groups.{group}.{key}` is not a list"))
            })?;
            if !array.iter().any(|v| v.as_str() == Some(entry)) {
                array.push(entry);
            }
        }
        FormEdit::SetCategory {
            group,
            category,
            action,
        } => {
            let group = required(group, "the group")?;
            let category = required(category, "the category")?;
            let action = required(action, "what to do")?;
            let table = table_at(&mut doc, &["groups", group, "categories"])?;
            table.insert(category, toml_edit::value(action));
        }
        FormEdit::SetWindow {
            group,
            category,
            days,
            from,
            to,
        } => {
            let group = required(group, "the group")?;
            let category = required(category, "the category")?;
            let mut window = InlineTable::new();
            window.insert("days", required(days, "the days")?.into());
            window.insert("from", required(from, "the start time")?.into());
            window.insert("to", required(to, "the end time")?.into());
            let mut windows = Array::new();
            windows.push(window);
            let mut action = InlineTable::new();
            action.insert("allow_at", Value::Array(windows));
            let table = table_at(&mut doc, &["groups", group, "categories"])?;
            table.insert(category, Item::Value(Value::InlineTable(action)));
        }
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use schoolgate_core::policy::Policy;

    const BASE: &str = "# Our policy\n[school]\nname = \"Oak Hill\" # shown on block pages\n\n[groups.ks2]\nallow = [\"example.org\"]\n";

    #[test]
    fn each_edit_keeps_the_rest_and_stays_valid() {
        let added = apply(
            BASE,
            &FormEdit::AddSite {
                group: "ks2".into(),
                deny: false,
                entry: "tudors.example".into(),
            },
        )
        .expect("edit");
        assert!(added.starts_with("# Our policy\n"), "{added}");
        assert!(added.contains("# shown on block pages"), "{added}");
        assert!(
            added.contains("allow = [\"example.org\", \"tudors.example\"]"),
            "{added}"
        );
        let denied = apply(
            &added,
            &FormEdit::AddSite {
                group: "ks1".into(),
                deny: true,
                entry: "games.example".into(),
            },
        )
        .expect("edit");
        let blocked = apply(
            &denied,
            &FormEdit::SetCategory {
                group: "ks2".into(),
                category: "streaming".into(),
                action: "block".into(),
            },
        )
        .expect("edit");
        let windowed = apply(
            &blocked,
            &FormEdit::SetWindow {
                group: "ks2".into(),
                category: "games".into(),
                days: "mon-fri".into(),
                from: "12:15".into(),
                to: "13:00".into(),
            },
        )
        .expect("edit");
        let policy = Policy::from_toml(&windowed).unwrap_or_else(|e| panic!("{windowed}\n{e:?}"));
        let ks2 = policy.group("ks2").expect("ks2");
        assert_eq!(ks2.allow().len(), 2);
        assert_eq!(policy.group("ks1").expect("ks1").deny().len(), 1);
        assert!(ks2.category("games").is_some() && ks2.category("streaming").is_some());
    }

    #[test]
    fn text_that_is_not_toml_is_reported_not_changed() {
        assert!(matches!(
            apply(
                "[school\n",
                &FormEdit::AddSite {
                    group: "ks1".into(),
                    deny: false,
                    entry: "a.example".into()
                }
            ),
            Err(FormError::NotToml(_))
        ));
    }
}
