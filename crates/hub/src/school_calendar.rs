//! The school's own calendar, as the hub follows it (`docs/hub.md`, "The school's calendar"):
//! the terms and INSET days of the approved policy's `[calendar]` (`docs/policy.md`), read
//! through the core's own parser (`Policy::from_toml`, `Policy::calendar`), never re-read here.
//!
//! - **School days.** A weekday inside a term that is not an INSET day. Weekends never count;
//!   half terms, holidays and INSET days do not either. Outside the calendar (before its first
//!   day, after its last, or with no calendar at all) every weekday counts: a calendar nobody
//!   extended must not silence the devices page, so the hub falls back to weekdays and says so.
//! - **Terms for governors.** The calendar lists terms as the school writes them, usually six
//!   halves; the governors' summary groups them into autumn, spring and summer by the month each
//!   starts in (September–December, January–March, April–August), from the first day of the
//!   term's first half up to the day before the next term starts (the holidays after a term are
//!   counted with it, so no event falls between two terms). The last term of the calendar ends
//!   on its last day.
//!
//! Plain functions over dates; `SchoolCalendar::in_force` is the one place the store is read.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use schoolgate_core::policy::{Calendar, Policy, Tz};

use crate::store::{PolicyStore, StoreError};
use crate::summary::Term;

/// The school's terms and INSET days, and the zone its days begin in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolCalendar {
    calendar: Calendar,
    tz: Tz,
}

/// What a day is, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    /// A weekday in a term, not an INSET day.
    School,
    /// Saturday or Sunday (in a term or not: it never counts).
    Weekend,
    /// A weekday between terms, inside the calendar.
    Holiday,
    /// An INSET day (no pupils in school).
    Inset,
    /// A weekday the calendar does not cover (or there is no calendar): counted, to be safe.
    Uncovered,
}

impl Day {
    /// Whether the day counts towards "not seen for N school days".
    pub fn counts(self) -> bool {
        matches!(self, Self::School | Self::Uncovered)
    }

    /// Whether the school is on holiday that day, by its own calendar (INSET days included).
    pub fn is_holiday(self) -> bool {
        matches!(self, Self::Holiday | Self::Inset)
    }
}

/// The day number the core uses (days since 1970-01-01).
fn day_number(date: NaiveDate) -> i64 {
    (date - NaiveDate::default()).num_days()
}

fn date_of(day: i64) -> NaiveDate {
    NaiveDate::default() + Duration::days(day)
}

/// One school term (autumn, spring or summer) with its real dates, from the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchoolTerm {
    /// Which term: the same ids (`2026-autumn`) as the fixed months.
    pub term: Term,
    /// Its first day.
    pub first: NaiveDate,
    /// Its last day.
    pub last: NaiveDate,
    /// The first day not counted with it: the next term's first day, or the day after `last`.
    pub until: NaiveDate,
}

impl SchoolCalendar {
    /// The calendar of a parsed policy; `None` when it lists no term.
    pub fn of(policy: &Policy) -> Option<Self> {
        let calendar = policy.calendar();
        calendar.has_terms().then(|| Self {
            calendar: calendar.clone(),
            tz: policy.timezone(),
        })
    }

    /// The calendar of a policy text; `None` when it has none (or the core refuses the text,
    /// which a published policy never is: the hub publishes only what the core accepts).
    pub fn from_policy_text(text: &str) -> Option<Self> {
        Self::of(&Policy::from_toml(text).ok()?)
    }

    /// The calendar of the approved policy in force, if it has one.
    pub async fn in_force<S: PolicyStore>(store: &S) -> Result<Option<Self>, StoreError> {
        Ok(store
            .published_policy()
            .await?
            .and_then(|p| Self::from_policy_text(&p.policy)))
    }

    /// The school's date at `at` (its `[school] timezone`).
    pub fn date_at(&self, at: DateTime<Utc>) -> NaiveDate {
        date_of(self.tz.to_local(at.timestamp()).days)
    }

    /// The moment the school's day `date` begins, RFC 3339 UTC.
    pub fn start_of(&self, date: NaiveDate) -> String {
        let local = day_number(date) * 86_400;
        let unix = self.tz.local_to_utc(local).first();
        Utc.timestamp_opt(unix, 0)
            .single()
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// The first and last day the calendar names.
    pub fn span(&self) -> (NaiveDate, NaiveDate) {
        let (first, last) = self.calendar.span().unwrap_or_default();
        (date_of(first), date_of(last))
    }

    /// Whether `date` is inside the calendar.
    pub fn covers(&self, date: NaiveDate) -> bool {
        let (first, last) = self.span();
        first <= date && date <= last
    }

    /// What `date` is.
    pub fn day(&self, date: NaiveDate) -> Day {
        let n = day_number(date);
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        if !self.covers(date) {
            return if weekend {
                Day::Weekend
            } else {
                Day::Uncovered
            };
        }
        if self.calendar.is_term(n) {
            return if weekend { Day::Weekend } else { Day::School };
        }
        // A weekend in the holidays is a holiday too (no e-mail about it either).
        if self.calendar.inset().contains(&n) {
            Day::Inset
        } else {
            Day::Holiday
        }
    }

    /// The calendar's terms, grouped into autumn, spring and summer, oldest first.
    pub fn terms(&self) -> Vec<SchoolTerm> {
        let mut halves: Vec<(NaiveDate, NaiveDate)> = self
            .calendar
            .terms()
            .iter()
            .map(|&(from, to)| (date_of(from), date_of(to)))
            .collect();
        halves.sort();
        let mut terms: Vec<SchoolTerm> = Vec::new();
        for (from, to) in halves {
            let term = Term::containing(from);
            match terms.last_mut() {
                Some(last) if last.term == term => last.last = last.last.max(to),
                _ => terms.push(SchoolTerm {
                    term,
                    first: from,
                    last: to,
                    until: to + Duration::days(1),
                }),
            }
        }
        for i in 1..terms.len() {
            terms[i - 1].until = terms[i].first;
        }
        if let Some(last) = terms.last_mut() {
            last.until = last.last + Duration::days(1);
        }
        terms
    }

    /// The term (with the holidays after it) that `date` falls in, if the calendar has one.
    pub fn term_containing(&self, date: NaiveDate) -> Option<SchoolTerm> {
        self.terms()
            .into_iter()
            .find(|t| t.first <= date && date < t.until)
    }

    /// The calendar's term `term`, if it lists one.
    pub fn term(&self, term: Term) -> Option<SchoolTerm> {
        self.terms().into_iter().find(|t| t.term == term)
    }

    /// The calendar's term before `term`, if it lists one.
    pub fn term_before(&self, term: Term) -> Option<SchoolTerm> {
        let terms = self.terms();
        let at = terms.iter().position(|t| t.term == term)?;
        at.checked_sub(1).map(|i| terms[i])
    }
}

/// The school's date at `at`: by the calendar's zone, or UK time without a calendar.
pub fn school_date(calendar: Option<&SchoolCalendar>, at: DateTime<Utc>) -> NaiveDate {
    calendar.map_or_else(
        || crate::digest_mail::school_time(at).date(),
        |c| c.date_at(at),
    )
}

/// What `date` is, by `calendar` (every weekday counts without one).
pub fn day(calendar: Option<&SchoolCalendar>, date: NaiveDate) -> Day {
    match calendar {
        Some(calendar) => calendar.day(date),
        None if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) => Day::Weekend,
        None => Day::Uncovered,
    }
}

/// Whether the Monday-to-Friday week starting `monday` is a school holiday by the calendar
/// (every weekday a holiday or an INSET day). Never without a calendar.
pub fn is_holiday_week(calendar: Option<&SchoolCalendar>, monday: NaiveDate) -> bool {
    calendar.is_some() && (0..5).all(|i| day(calendar, monday + Duration::days(i)).is_holiday())
}

/// The month's first school day by the calendar (its first weekday the calendar does not
/// say is a holiday or an INSET day); a month with none (August) has its first weekday.
pub fn first_school_day(
    calendar: Option<&SchoolCalendar>,
    month: crate::usage::Month,
) -> NaiveDate {
    let first = month.first_day();
    let next = month.next().first_day();
    let mut date = first;
    while date < next {
        if day(calendar, date).counts() {
            return date;
        }
        date += Duration::days(1);
    }
    month.first_school_day()
}

/// The school days strictly after `after` and strictly before `before` (the days that passed
/// whole between a device last heard from and today), at most `cap` (counting stops there).
pub fn school_days_between(
    calendar: Option<&SchoolCalendar>,
    after: NaiveDate,
    before: NaiveDate,
    cap: i64,
) -> i64 {
    let mut count = 0;
    let mut date = after + Duration::days(1);
    while date < before && count < cap {
        if day(calendar, date).counts() {
            count += 1;
        }
        date += Duration::days(1);
    }
    count
}

/// A term as the governors' summary counts it: the calendar's real dates, or the fixed months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermPeriod {
    /// Which term.
    pub term: Term,
    /// Its dates in the school's calendar, when it has them.
    pub dates: Option<SchoolTerm>,
    tz: Option<Tz>,
}

impl TermPeriod {
    /// The term in fixed months (autumn September–December, spring January–March, summer
    /// April–August).
    pub fn fixed(term: Term) -> Self {
        Self {
            term,
            dates: None,
            tz: None,
        }
    }

    fn of(calendar: &SchoolCalendar, dates: SchoolTerm) -> Self {
        Self {
            term: dates.term,
            dates: Some(dates),
            tz: Some(calendar.tz),
        }
    }

    /// Its first moment, RFC 3339 UTC.
    pub fn start(&self) -> String {
        match (self.dates, self.tz) {
            (Some(d), Some(tz)) => start_in(tz, d.first),
            _ => self.term.start(),
        }
    }

    /// The first moment after it.
    pub fn end(&self) -> String {
        match (self.dates, self.tz) {
            (Some(d), Some(tz)) => start_in(tz, d.until),
            _ => self.term.end(),
        }
    }

    /// What it covers, in words: "Thursday 3 September 2026 to Friday 18 December 2026 …".
    pub fn dates_text(&self) -> String {
        let long = |d: NaiveDate| d.format("%A %-d %B %Y").to_string();
        match self.dates {
            Some(d) if d.until > d.last + Duration::days(1) => format!(
                "{} to {} (the school's calendar), with the holidays after it up to {}",
                long(d.first),
                long(d.last),
                long(d.until - Duration::days(1))
            ),
            Some(d) => format!(
                "{} to {} (the school's calendar)",
                long(d.first),
                long(d.last)
            ),
            None => {
                let months = [
                    "January to March",
                    "April to August",
                    "September to December",
                ];
                format!(
                    "{} {} (fixed months)",
                    months[self.term.season as usize], self.term.year
                )
            }
        }
    }
}

fn start_in(tz: Tz, date: NaiveDate) -> String {
    SchoolCalendar {
        calendar: Calendar::EMPTY,
        tz,
    }
    .start_of(date)
}

/// The term the governors' summary shows and the term it is compared with: from the school's
/// calendar when it has them (the calendar's previous term), otherwise the fixed months; and,
/// when the fixed months are used for this term, why (for the page).
pub fn governors_terms(
    calendar: Option<&SchoolCalendar>,
    asked: Option<Term>,
    today: NaiveDate,
) -> (TermPeriod, TermPeriod, Option<String>) {
    let Some(calendar) = calendar else {
        let this = asked.unwrap_or_else(|| Term::containing(today));
        return (
            TermPeriod::fixed(this),
            TermPeriod::fixed(this.previous()),
            Some("The approved policy has no [calendar], so terms are fixed months: autumn September to December, spring January to March, summer April to August. Add the school's terms to the policy's [calendar] to count its real term dates.".into()),
        );
    };
    let found = match asked {
        Some(term) => calendar.term(term),
        None => calendar.term_containing(today),
    };
    match found {
        Some(dates) => {
            let last = calendar.term_before(dates.term).map_or_else(
                || TermPeriod::fixed(dates.term.previous()),
                |d| TermPeriod::of(calendar, d),
            );
            (TermPeriod::of(calendar, dates), last, None)
        }
        None => {
            let this = asked.unwrap_or_else(|| Term::containing(today));
            let (first, last) = calendar.span();
            let why = match asked {
                Some(_) => format!("{} is not in the school's calendar", this.label()),
                None => "today is outside the school's calendar".into(),
            };
            (
                TermPeriod::fixed(this),
                TermPeriod::fixed(this.previous()),
                Some(format!(
                    "{why} (it runs from {} to {}), so fixed months are used: autumn September to December, spring January to March, summer April to August. Add the school's terms to the policy's [calendar].",
                    first.format("%-d %B %Y"),
                    last.format("%-d %B %Y")
                )),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_core_reads_the_calendar_and_the_hub_groups_its_terms() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/hub/school-calendar/policy.toml"
        ))
        .unwrap();
        let calendar = SchoolCalendar::from_policy_text(&text).expect("a calendar");
        let terms = calendar.terms();
        let ids: Vec<String> = terms.iter().map(|t| t.term.id()).collect();
        assert_eq!(ids, ["2026-autumn", "2027-spring", "2027-summer"]);
        assert_eq!(
            (terms[0].first, terms[0].last),
            (d("2026-09-03"), d("2026-12-18"))
        );
        assert_eq!(
            terms[0].until,
            d("2027-01-05"),
            "the Christmas holidays with it"
        );
        assert_eq!(
            terms[2].until,
            d("2027-07-22"),
            "the last ends on its last day"
        );
        assert_eq!(
            calendar.start_of(d("2026-09-03")),
            "2026-09-02T23:00:00.000Z",
            "BST"
        );
        assert_eq!(
            calendar.start_of(d("2027-01-05")),
            "2027-01-05T00:00:00.000Z"
        );
        assert!(SchoolCalendar::from_policy_text("[school]\nname = \"X\"\n").is_none());
        assert!(SchoolCalendar::from_policy_text("not toml [").is_none());
    }
}
