//! The school's calendar: terms as date ranges and INSET days, for time windows that apply in
//! term time or in the holidays (`[calendar]` in a policy, docs/policy.md).
//!
//! Dates are the school's local dates (`[school] timezone`), so a day starts at local midnight
//! as the windows' times do. Days are kept as day numbers (the civil-date arithmetic of
//! [`super::time`]): no date crate in the WebAssembly package.

use serde::{Serialize, Serializer};
use thiserror::Error;

use super::time::days_from_civil;

/// The most terms a calendar may list: years of three or six terms, with room to spare.
pub const MAX_TERMS: usize = 200;

/// When a time window applies, by the school's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Season {
    /// Every day the window's `days` name (today's behaviour, the default).
    #[default]
    Always,
    /// School days: inside a term and not an INSET day.
    Term,
    /// Every other day: between terms, before the first and after the last, and INSET days.
    Holidays,
}

impl Season {
    /// The accepted spellings, for error messages.
    pub const WORDS: [&'static str; 3] = ["always", "term", "holidays"];

    /// Parses `always`, `term` or `holidays`.
    pub fn parse(word: &str) -> Option<Season> {
        match word {
            "always" => Some(Season::Always),
            "term" => Some(Season::Term),
            "holidays" => Some(Season::Holidays),
            _ => None,
        }
    }

    /// The word a policy writes: `always`, `term` or `holidays`.
    pub fn word(self) -> &'static str {
        Season::WORDS[self as usize]
    }

    /// Whether a window of this season applies on a day whose term status is `term`.
    #[inline]
    pub fn applies(self, term: bool) -> bool {
        match self {
            Season::Always => true,
            Season::Term => term,
            Season::Holidays => !term,
        }
    }
}

impl Serialize for Season {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.word())
    }
}

/// Why a calendar entry was refused. `term` is the term's place in the list as written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// Not a date written `YYYY-MM-DD`, or no such day.
    #[error("expected a date written \"YYYY-MM-DD\" (for example \"2026-09-03\"), found {0:?}")]
    BadDate(String),
    /// A term that ends before it starts.
    #[error("the term ends (`to`) before it starts (`from`)")]
    ToBeforeFrom {
        /// Which term.
        term: usize,
    },
    /// Two terms that share days.
    #[error("this term shares days with calendar.terms[{other}]: terms must not overlap")]
    Overlap {
        /// The later term in the list.
        term: usize,
        /// The earlier one it overlaps.
        other: usize,
    },
}

impl CalendarError {
    /// The term the error is about, if it is about one.
    pub fn term(&self) -> Option<usize> {
        match self {
            CalendarError::BadDate(_) => None,
            CalendarError::ToBeforeFrom { term } | CalendarError::Overlap { term, .. } => {
                Some(*term)
            }
        }
    }
}

/// Parses a date `YYYY-MM-DD` (years 1000 to 9999) to its day number (0 = 1970-01-01).
pub fn parse_date(text: &str) -> Result<i64, CalendarError> {
    let b = text.as_bytes();
    let mut ok = b.len() == 10;
    let mut parts = [0u32; 3];
    for (i, &c) in b.iter().enumerate().take(10) {
        if i == 4 || i == 7 {
            ok &= c == b'-';
        } else {
            ok &= c.is_ascii_digit();
            let part = &mut parts[usize::from(i > 4) + usize::from(i > 7)];
            *part = *part * 10 + u32::from(c & 15);
        }
    }
    let [y, m, d] = parts;
    let first = days_from_civil(i64::from(y), m, 1);
    // Month 13 is January of the next year in this arithmetic: the month's length.
    let length = days_from_civil(i64::from(y), m + 1, 1) - first;
    if ok && y >= 1000 && (1..=12).contains(&m) && (1..=length).contains(&i64::from(d)) {
        return Ok(first + i64::from(d) - 1);
    }
    Err(CalendarError::BadDate(text.to_string()))
}

/// Terms and INSET days as day numbers, as written; empty when the policy has no `[calendar]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Calendar {
    /// `(first, last)` day of each term, inclusive, never overlapping.
    terms: Vec<(i64, i64)>,
    /// INSET days.
    inset: Vec<i64>,
}

impl Calendar {
    /// No terms and no INSET days: every day is a holiday (no policy window may then say `term`).
    pub const EMPTY: Calendar = Calendar {
        terms: Vec::new(),
        inset: Vec::new(),
    };

    /// A calendar from terms (`(first, last)`, inclusive, in any order) and INSET days. A term
    /// that ends before it starts, or shares days with one written before it, is refused.
    pub fn new(terms: &[(i64, i64)], inset: Vec<i64>) -> Result<Calendar, CalendarError> {
        // A calendar has a few dozen dates: pairs compared directly, nothing sorted (less code
        // in the WebAssembly package than a sort).
        for (term, &(from, to)) in terms.iter().enumerate() {
            if to < from {
                return Err(CalendarError::ToBeforeFrom { term });
            }
            if let Some(other) = terms[..term].iter().position(|o| o.0 <= to && from <= o.1) {
                return Err(CalendarError::Overlap { term, other });
            }
        }
        Ok(Calendar {
            terms: terms.to_vec(),
            inset,
        })
    }

    /// Whether the calendar lists any term (windows with a season need one).
    pub fn has_terms(&self) -> bool {
        !self.terms.is_empty()
    }

    /// The terms, `(first, last)` day numbers, as written.
    pub fn terms(&self) -> &[(i64, i64)] {
        &self.terms
    }

    /// The INSET days, as written.
    pub fn inset(&self) -> &[i64] {
        &self.inset
    }

    /// The first and the last day the calendar names (terms' ends and INSET days), if any.
    pub fn span(&self) -> Option<(i64, i64)> {
        let mut span: Option<(i64, i64)> = None;
        let days = self.terms.iter().copied();
        for (from, to) in days.chain(self.inset.iter().map(|&d| (d, d))) {
            span = Some(span.map_or((from, to), |(a, b)| (a.min(from), b.max(to))));
        }
        span
    }

    /// Whether a local day number is a school day: inside a term and not an INSET day.
    pub fn is_term(&self, day: i64) -> bool {
        self.terms
            .iter()
            .any(|&(from, to)| from <= day && day <= to)
            && !self.inset.contains(&day)
    }

    /// The first day after `day` whose term status differs from `day`'s, if there is one.
    pub fn next_change(&self, day: i64) -> Option<i64> {
        let now = self.is_term(day);
        // Every day before the first the calendar names is a holiday, as is every day after the
        // last: only the days between can differ.
        let (first, last) = self.span()?;
        (first.max(day.saturating_add(1))..=last.saturating_add(1))
            .find(|&d| self.is_term(d) != now)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    fn d(text: &str) -> i64 {
        parse_date(text).unwrap()
    }

    #[test]
    fn dates() {
        assert_eq!(d("1970-01-01"), 0);
        assert_eq!(
            super::super::time::civil_from_days(d("2026-09-03")),
            (2026, 9, 3)
        );
        assert_eq!(d("2026-12-31") + 1, d("2027-01-01"));
        assert_eq!(d("2028-02-29") - d("2028-02-28"), 1);
        assert_eq!(d("9999-12-31"), days_from_civil(9999, 12, 31));
        for bad in [
            "2026-02-30",
            "2027-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-1-05",
            "26-01-05",
            "2026/01/05",
            "2026-01-05T00:00",
            "+026-01-05",
            "2026-0a-05",
            "2026-01-0:",
            "0999-01-05",
            "２０２６-01-05",
            "",
        ] {
            assert_eq!(
                parse_date(bad),
                Err(CalendarError::BadDate(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn terms_inset_and_changes() {
        let cal = Calendar::new(
            &[
                (d("2027-01-05"), d("2027-02-12")),
                (d("2026-09-03"), d("2026-10-23")),
            ],
            vec![d("2026-09-14"), d("2026-09-02"), d("2026-09-14")],
        )
        .unwrap();
        assert_eq!(cal.span(), Some((d("2026-09-02"), d("2027-02-12"))));
        assert!(!cal.is_term(d("2026-09-02")), "INSET before the term");
        assert!(cal.is_term(d("2026-09-03")));
        assert!(!cal.is_term(d("2026-09-14")), "INSET inside the term");
        assert!(cal.is_term(d("2026-10-23")), "the last day is in the term");
        assert!(!cal.is_term(d("2026-10-24")));
        assert!(!cal.is_term(d("2026-12-25")));
        assert!(!cal.is_term(d("2020-01-01")));
        assert_eq!(cal.next_change(d("2026-08-01")), Some(d("2026-09-03")));
        assert_eq!(cal.next_change(d("2026-09-03")), Some(d("2026-09-14")));
        assert_eq!(cal.next_change(d("2026-09-14")), Some(d("2026-09-15")));
        assert_eq!(cal.next_change(d("2026-10-20")), Some(d("2026-10-24")));
        assert_eq!(cal.next_change(d("2026-10-24")), Some(d("2027-01-05")));
        assert_eq!(cal.next_change(d("2027-02-13")), None);
        assert_eq!(Calendar::default().next_change(0), None);
        assert!(!Calendar::default().is_term(0));
        assert_eq!(Season::parse("term"), Some(Season::Term));
        assert_eq!(Season::Holidays.word(), "holidays");
        assert!(Season::Always.applies(false) && !Season::Term.applies(false));
    }

    #[test]
    fn refused_terms_say_which() {
        let to_before = Calendar::new(&[(d("2026-10-23"), d("2026-09-03"))], vec![]).unwrap_err();
        assert_eq!(
            to_before.to_string(),
            "the term ends (`to`) before it starts (`from`)"
        );
        assert_eq!(to_before.term(), Some(0));
        let overlap = Calendar::new(
            &[
                (d("2026-10-23"), d("2026-12-18")),
                (d("2026-09-03"), d("2026-10-23")),
            ],
            vec![],
        )
        .unwrap_err();
        assert_eq!(
            overlap.to_string(),
            "this term shares days with calendar.terms[0]: terms must not overlap"
        );
        assert_eq!(overlap.term(), Some(1), "the later term, as written");
        assert!(Calendar::new(&[(d("2026-09-03"), d("2026-09-03"))], vec![]).is_ok());
    }
}
