//! Times on the hub's pages as a DSL reads them (issue 17): UK school time (GMT, or BST in
//! summer — the same rule the digest schedule uses, `digest_mail::school_time`), e.g.
//! "Mon 7 Dec 2026, 09:13", inside `<time datetime="…" title="…">` so the exact stored RFC 3339
//! value stays machine-readable and visible on hover. A value that does not parse is shown as
//! stored: a page never fails because of one odd timestamp. Exports and evidence keep the exact
//! value; this module is for what people read.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{html, Markup};

use crate::digest_mail::school_time;

/// `value` (RFC 3339) as school time, "Mon 7 Dec 2026, 09:13".
pub fn readable(value: &str) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(value.trim()).ok()?;
    let local = school_time(at.with_timezone(&Utc));
    Some(local.format("%a %-d %b %Y, %H:%M").to_string())
}

/// `value` (a date, `YYYY-MM-DD`) as "Mon 7 Dec 2026".
pub fn readable_date(value: &str) -> Option<String> {
    let day = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()?;
    Some(day.format("%a %-d %b %Y").to_string())
}

/// A stored timestamp on a page.
pub fn when(value: &str) -> Markup {
    shown(value, readable(value))
}

/// A stored timestamp that may be absent (nothing is shown then).
pub fn when_opt(value: Option<&str>) -> Markup {
    match value {
        Some(value) => when(value),
        None => html! {},
    }
}

/// A stored date on a page.
pub fn date(value: &str) -> Markup {
    shown(value, readable_date(value))
}

/// A stored timestamp on a printable record (evidence): the exact value as stored, with school
/// time beside it (a printed page has no hover).
pub fn exact(value: &str) -> Markup {
    match readable(value) {
        Some(text) => html! { time datetime=(value) { (value) } " (" (text) ")" },
        None => html! { (value) },
    }
}

/// `exact` for a timestamp that may be absent.
pub fn exact_opt(value: Option<&str>) -> Markup {
    match value {
        Some(value) => exact(value),
        None => html! {},
    }
}

fn shown(value: &str, readable: Option<String>) -> Markup {
    match readable {
        Some(text) => html! { time datetime=(value) title=(value) { (text) } },
        None => html! { (value) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winter_is_gmt() {
        assert_eq!(
            readable("2026-12-07T09:13:58.004Z").as_deref(),
            Some("Mon 7 Dec 2026, 09:13")
        );
    }

    #[test]
    fn summer_is_bst() {
        assert_eq!(
            readable("2026-06-15T14:30:00Z").as_deref(),
            Some("Mon 15 Jun 2026, 15:30")
        );
    }

    #[test]
    fn offsets_other_than_utc_are_read_as_the_same_moment() {
        assert_eq!(
            readable("2026-06-15T16:30:00+02:00").as_deref(),
            Some("Mon 15 Jun 2026, 15:30")
        );
    }

    #[test]
    fn the_clocks_change_at_one_in_the_morning_utc() {
        // 2026: BST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
        let cases = [
            ("2026-03-29T00:59:00Z", "Sun 29 Mar 2026, 00:59"),
            ("2026-03-29T01:00:00Z", "Sun 29 Mar 2026, 02:00"),
            ("2026-10-25T00:59:00Z", "Sun 25 Oct 2026, 01:59"),
            ("2026-10-25T01:00:00Z", "Sun 25 Oct 2026, 01:00"),
            // Late evening UTC the day before is already the next day in BST.
            ("2026-06-30T23:30:00Z", "Wed 1 Jul 2026, 00:30"),
        ];
        for (value, want) in cases {
            assert_eq!(readable(value).as_deref(), Some(want), "{value}");
        }
    }

    #[test]
    fn dates_are_read_without_a_time() {
        assert_eq!(
            readable_date("2026-12-07").as_deref(),
            Some("Mon 7 Dec 2026")
        );
        assert_eq!(
            date("2026-12-07").into_string(),
            r#"<time datetime="2026-12-07" title="2026-12-07">Mon 7 Dec 2026</time>"#
        );
    }

    #[test]
    fn a_timestamp_is_wrapped_in_a_time_element_with_the_exact_value() {
        assert_eq!(
            when("2026-12-07T09:13:58.004Z").into_string(),
            r#"<time datetime="2026-12-07T09:13:58.004Z" title="2026-12-07T09:13:58.004Z">Mon 7 Dec 2026, 09:13</time>"#
        );
        assert_eq!(when_opt(None).into_string(), "");
    }

    #[test]
    fn a_printed_timestamp_keeps_the_exact_value_with_school_time_beside_it() {
        assert_eq!(
            exact("2026-06-15T14:30:00.000Z").into_string(),
            r#"<time datetime="2026-06-15T14:30:00.000Z">2026-06-15T14:30:00.000Z</time> (Mon 15 Jun 2026, 15:30)"#
        );
        assert_eq!(exact("soon").into_string(), "soon");
        assert_eq!(exact_opt(None).into_string(), "");
    }

    #[test]
    fn a_bad_value_is_shown_as_stored_and_escaped() {
        for bad in ["", "yesterday", "2026-13-40T00:00:00Z", "<b>2026</b>"] {
            assert_eq!(readable(bad), None, "{bad}");
        }
        assert_eq!(when("yesterday").into_string(), "yesterday");
        assert_eq!(when("<b>x</b>").into_string(), "&lt;b&gt;x&lt;/b&gt;");
        assert_eq!(date("2026-02-30").into_string(), "2026-02-30");
    }
}
