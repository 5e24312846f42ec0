//! Actions and their time windows.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{describe, suggest, Value, Walker, EXPECTED_ACTION, WINDOW_EXAMPLE};
use crate::category;
use crate::policy::action::{hhmm, parse_hhmm, Action, Days, Window, ACTION_WORDS};
use crate::policy::calendar::Season;

impl Walker<'_> {
    /// An action; `category` is given when the action is for one, so locked ones are checked.
    pub(super) fn action(&mut self, v: &Value<'_>, path: &str, category: Option<&str>) -> Action {
        let action = match v.get_ref() {
            DeValue::String(word) => Action::from_word(word).unwrap_or_else(|| {
                let hint = suggest(word, ACTION_WORDS)
                    .map_or(String::new(), |s| format!(" (did you mean \"{s}\"?)"));
                self.issue(
                    v.span(),
                    path,
                    format!("{EXPECTED_ACTION}, found {word:?}{hint}"),
                );
                Action::Block
            }),
            DeValue::Table(t) => self.allow_at(t, v.span(), path),
            other => {
                self.issue(
                    v.span(),
                    path,
                    format!("{EXPECTED_ACTION}, found {}", describe(other)),
                );
                Action::Block
            }
        };
        if let Some(id) = category.filter(|id| category::is_locked(id)) {
            if action != Action::Block {
                self.issue(
                    v.span(),
                    path,
                    format!(r#"{id} is a locked illegal-content list that no setting can unblock; the only accepted value is "block""#),
                );
            }
            return Action::Block;
        }
        action
    }

    pub(super) fn allow_at(&mut self, t: &DeTable<'_>, span: Range<usize>, path: &str) -> Action {
        self.known_keys(t, path, &["allow_at"]);
        let Some(list) = t.get("allow_at") else {
            self.issue(
                span,
                path,
                format!("{EXPECTED_ACTION}; a table needs allow_at = [ {WINDOW_EXAMPLE} ]"),
            );
            return Action::Block;
        };
        let list_path = format!("{path}.allow_at");
        let items = self.array(
            list,
            &list_path,
            &format!("an array of windows like [ {WINDOW_EXAMPLE} ]"),
        );
        if items.is_empty() && list.get_ref().is_array() {
            self.issue(
                list.span(),
                &list_path,
                format!("expected at least one window like {WINDOW_EXAMPLE}"),
            );
        }
        let windows = items
            .iter()
            .enumerate()
            .filter_map(|(i, w)| self.window(w, &format!("{list_path}[{i}]")))
            .collect();
        Action::AllowAt(windows)
    }

    pub(super) fn window(&mut self, v: &Value<'_>, path: &str) -> Option<Window> {
        let t = self.table(v, path, &format!("a window like {WINDOW_EXAMPLE}"))?;
        self.known_keys(t, path, &["days", "from", "to", "calendar"]);
        let season = self.season(t.get("calendar"), &format!("{path}.calendar"));
        let mut field = |key: &str, parse: &dyn Fn(&str) -> Result<u16, String>| {
            let key_path = format!("{path}.{key}");
            let Some(value) = t.get(key) else {
                self.issue(
                    v.span(),
                    &key_path,
                    format!("missing key `{key}`; a window is written {WINDOW_EXAMPLE}"),
                );
                return None;
            };
            let text = self.string(value, &key_path)?;
            parse(text)
                .map_err(|e| self.issue(value.span(), &key_path, e))
                .ok()
                .map(|x| (x, value.span()))
        };
        let days = field("days", &|s| Days::parse(s).map(|d| u16::from(d.bits())));
        let from = field("from", &|s| parse_hhmm(s, false));
        let to = field("to", &|s| parse_hhmm(s, true));
        let ((days, _), (from, _), (to, to_span)) = (days?, from?, to?);
        if to <= from {
            let message = format!(
                "\"to\" ({}) must be later than \"from\" ({}); split a window that crosses midnight into two",
                hhmm(to),
                hhmm(from)
            );
            self.issue(to_span, &format!("{path}.to"), message);
            return None;
        }
        Some(Window {
            days: Days::from_bits(days as u8),
            from,
            to,
            season: season?,
        })
    }

    /// A window's `calendar`: `"always"` (the default), `"term"` or `"holidays"`; the last two
    /// need the policy's `[calendar]` terms.
    fn season(&mut self, v: Option<&Value<'_>>, path: &str) -> Option<Season> {
        let Some(v) = v else {
            return Some(Season::Always);
        };
        let word = self.string(v, path)?;
        let Some(season) = Season::parse(word) else {
            let message = format!(r#"expected "always", "term" or "holidays", found {word:?}"#);
            self.issue(v.span(), path, message);
            return None;
        };
        if season != Season::Always && !self.calendar.has_terms() && !self.calendar_written {
            let message = r#"a window in term time or the holidays needs the school's terms: [calendar] terms = [{ from = "2026-09-03", to = "2026-10-23" }]"#;
            self.issue(v.span(), path, message);
            return None;
        }
        Some(season)
    }
}
