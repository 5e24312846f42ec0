//! `[calendar]`: the school's terms and INSET days.

use super::{Value, Walker};
use crate::policy::calendar::{parse_date, Calendar, MAX_TERMS};

/// How a calendar is written, for every message about one.
const CALENDAR: &str =
    r#"[calendar] terms = [{ from = "2026-09-03", to = "2026-10-23" }], inset = ["2026-09-02"]"#;

impl Walker<'_> {
    /// A date, written `"2026-09-03"`.
    fn date(&mut self, v: &Value<'_>, path: &str) -> Option<i64> {
        let error = match v.get_ref().as_str().map(parse_date) {
            Some(Ok(day)) => return Some(day),
            Some(Err(e)) => e.to_string(),
            None => r#"expected a date in quotes, like "2026-09-03""#.into(),
        };
        self.issue(v.span(), path, error);
        None
    }

    #[inline(never)]
    pub(super) fn calendar(&mut self, v: Option<&Value<'_>>) -> Calendar {
        self.calendar_written = v.is_some();
        let Some((v, t)) = v.and_then(|v| self.table(v, "calendar", CALENDAR).map(|t| (v, t)))
        else {
            return Calendar::default();
        };
        self.known_keys(t, "calendar", &["terms", "inset"]);
        let items = t
            .get("terms")
            .map_or(&[][..], |l| self.array(l, "calendar.terms", CALENDAR));
        if items.is_empty() || items.len() > MAX_TERMS {
            // MAX_TERMS is 200.
            self.issue(v.span(), "calendar.terms", "expected 1 to 200 terms");
            return Calendar::default();
        }
        let mut terms = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("calendar.terms[{i}]");
            let Some(term) = self.table(item, &path, CALENDAR) else {
                continue;
            };
            self.known_keys(term, &path, &["from", "to"]);
            let (Some(from), Some(to)) = (term.get("from"), term.get("to")) else {
                self.issue(item.span(), &path, "a term needs both `from` and `to`");
                continue;
            };
            if let (Some(from), Some(to)) = (self.date(from, &path), self.date(to, &path)) {
                terms.push((from, to));
            }
        }
        let mut inset = Vec::new();
        let list = t
            .get("inset")
            .map_or(&[][..], |l| self.array(l, "calendar.inset", CALENDAR));
        for (i, item) in list.iter().enumerate() {
            inset.extend(self.date(item, &format!("calendar.inset[{i}]")));
        }
        // Terms are compared only when every one was read, so `term` numbers them as written.
        if terms.len() < items.len() {
            return Calendar::default();
        }
        Calendar::new(&terms, inset).unwrap_or_else(|error| {
            let i = error.term().unwrap_or(0);
            let span = items.get(i).map_or(v.span(), |item| item.span());
            self.issue(span, &format!("calendar.terms[{i}]"), error.to_string());
            Calendar::default()
        })
    }
}
