//! What a policy does with a category: allow, block, staff only, or allow at set times.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::calendar::{Calendar, Season};
use super::time::{LocalTime, Tz, Weekday, MAX_UNIX, MIN_UNIX, SECS_PER_DAY};

/// A set of weekdays, written in a policy as `"mon-fri"`, `"sat,sun"`, `"mon,wed-fri"` or `"daily"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Days(u8);

impl Days {
    /// Every day of the week.
    pub const DAILY: Days = Days(0b111_1111);
    /// Monday to Friday.
    pub const MON_FRI: Days = Days(0b001_1111);

    /// Parses a day list. Ranges may wrap (`"fri-mon"`); case and spaces are ignored.
    pub fn parse(text: &str) -> Result<Days, String> {
        let expected = || {
            format!(
                "expected days like \"mon-fri\", \"sat,sun\", \"mon,wed-fri\" or \"daily\", found {text:?}"
            )
        };
        let lower = text.trim().to_ascii_lowercase();
        if lower == "daily" {
            return Ok(Days::DAILY);
        }
        let mut bits = 0u8;
        for item in lower.split(',') {
            let (a, b) = item.split_once('-').unwrap_or((item, item));
            let first = Weekday::parse(a.trim()).ok_or_else(expected)?;
            let last = Weekday::parse(b.trim()).ok_or_else(expected)?;
            let span = (last.index() + 7 - first.index()) % 7;
            for i in 0..=span {
                bits |= 1 << Weekday::from_index(first.index() + i).index();
            }
        }
        Ok(Days(bits))
    }

    /// Bit `i` set for weekday index `i`.
    pub(super) fn bits(self) -> u8 {
        self.0
    }

    /// The inverse of [`Days::bits`]; bits beyond Sunday are dropped.
    pub(super) fn from_bits(bits: u8) -> Days {
        Days(bits & Days::DAILY.0)
    }

    /// Whether the set holds this day.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.index()) != 0
    }

    /// Runs of consecutive days, Monday first, without wrapping: `[(Mon, Fri)]`.
    fn runs(self) -> Vec<(Weekday, Weekday)> {
        let mut runs: Vec<(Weekday, Weekday)> = Vec::new();
        for day in Weekday::ALL.into_iter().filter(|d| self.contains(*d)) {
            match runs.last_mut() {
                Some((_, last)) if last.index() + 1 == day.index() => *last = day,
                _ => runs.push((day, day)),
            }
        }
        runs
    }

    fn render(self, name: fn(Weekday) -> &'static str, dash: &str, comma: &str) -> String {
        let mut parts = Vec::new();
        for (a, b) in self.runs() {
            match b.index() - a.index() {
                0 => parts.push(name(a).to_string()),
                1 => parts.extend([name(a).to_string(), name(b).to_string()]),
                _ => parts.push(format!("{}{dash}{}", name(a), name(b))),
            }
        }
        parts.join(comma)
    }

    /// Canonical policy spelling: `"mon-fri"`, `"sat,sun"`, `"daily"`.
    pub fn to_policy_text(self) -> String {
        if self == Days::DAILY {
            return "daily".into();
        }
        self.render(Weekday::id, "-", ",")
    }

    /// Text for people: `Mon–Fri`, `Sat, Sun`, `Daily`.
    pub fn label(self) -> String {
        if self == Days::DAILY {
            return "Daily".into();
        }
        self.render(Weekday::short_name, "\u{2013}", ", ")
    }
}

/// One window in which a category is allowed, in school-local time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window {
    /// The days the window applies on.
    pub days: Days,
    /// Start, minutes after local midnight (inclusive).
    pub from: u16,
    /// End, minutes after local midnight (exclusive); up to 1440 (`24:00`), always after `from`.
    pub to: u16,
    /// Term time, the holidays, or always (`calendar = "term"`; the policy's `[calendar]`).
    pub season: Season,
}

/// Renders minutes after midnight as `HH:MM` (`24:00` for the end of the day).
pub fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Parses `HH:MM` (hour may be one digit). `24:00` is accepted only when `end` is true.
pub fn parse_hhmm(text: &str, end: bool) -> Result<u16, String> {
    let range = if end {
        "00:00 to 24:00"
    } else {
        "00:00 to 23:59"
    };
    let err = || format!("expected a time \"HH:MM\" from {range}, found {text:?}");
    let (hours, mins) = text.trim().split_once(':').ok_or_else(err)?;
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let h = digits(hours, 2).ok_or_else(err)?;
    let m = digits(mins, 2)
        .filter(|_| mins.len() == 2)
        .ok_or_else(err)?;
    let minutes = h * 60 + m;
    let limit = if end { 1440 } else { 1439 };
    if h > 24 || m > 59 || minutes > limit {
        return Err(err());
    }
    Ok(minutes)
}

impl Window {
    /// Whether a local time falls inside the window (`from` ≤ t < `to`, on one of its days, in
    /// its season of the school's calendar).
    pub fn contains(&self, calendar: &Calendar, local: &LocalTime) -> bool {
        let secs = local.second_of_day;
        self.days.contains(local.weekday)
            && u32::from(self.from) * 60 <= secs
            && secs < u32::from(self.to) * 60
            && (self.season == Season::Always || self.season.applies(calendar.is_term(local.days)))
    }
}

impl Serialize for Window {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let always = self.season == Season::Always;
        let mut st = s.serialize_struct("Window", if always { 3 } else { 4 })?;
        st.serialize_field("days", &self.days.to_policy_text())?;
        st.serialize_field("from", &hhmm(self.from))?;
        st.serialize_field("to", &hhmm(self.to))?;
        if !always {
            st.serialize_field("calendar", &self.season)?;
        }
        st.end()
    }
}

/// What to do with a category (or with uncategorised or non-web pages).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// Allowed for the group.
    Allow,
    /// Blocked for the group.
    Block,
    /// Allowed only in groups with `staff = true`; blocked for pupils.
    StaffOnly,
    /// Allowed inside any of these windows, blocked outside them. Never empty.
    AllowAt(Vec<Window>),
}

/// The accepted one-word actions, for error messages and suggestions.
pub const ACTION_WORDS: [&str; 3] = ["allow", "block", "staff-only"];

impl Action {
    /// Parses a one-word action: `allow`, `block` or `staff-only`.
    pub fn from_word(word: &str) -> Option<Action> {
        match word {
            "allow" => Some(Action::Allow),
            "block" => Some(Action::Block),
            "staff-only" => Some(Action::StaffOnly),
            _ => None,
        }
    }

    /// For actions that do not depend on the time: whether they allow. Time windows answer
    /// `false` here; ask [`Action::allows`] with the local time for them.
    pub fn allows_at_any_time(&self, staff: bool) -> bool {
        match self {
            Action::Allow => true,
            Action::StaffOnly => staff,
            Action::Block | Action::AllowAt(_) => false,
        }
    }

    /// Whether the action allows at this moment, for a staff or pupil group, with the school's
    /// calendar (for windows in term time or the holidays). Out of line: one copy, not one in
    /// every caller, in the WebAssembly package.
    #[inline(never)]
    pub fn allows(&self, staff: bool, calendar: &Calendar, local: &LocalTime) -> bool {
        match self {
            Action::Allow => true,
            Action::Block => false,
            Action::StaffOnly => staff,
            Action::AllowAt(windows) => windows.iter().any(|w| w.contains(calendar, local)),
        }
    }

    /// The first instant after `at` at which [`Action::allows`] gives a different answer, if it
    /// ever does. Only time windows change. Between two changes of the calendar (a term starting
    /// or ending, an INSET day) the answer repeats every week, so eight local days from `at`,
    /// then eight from each calendar change in turn, hold every change.
    pub fn next_change(&self, staff: bool, tz: Tz, calendar: &Calendar, at: i64) -> Option<i64> {
        let Action::AllowAt(windows) = self else {
            return None;
        };
        // Keeps the arithmetic below far from overflow whatever instant a caller passes.
        let at = at.clamp(MIN_UNIX, MAX_UNIX);
        let now = self.allows(staff, calendar, &tz.to_local(at));
        let seasonal = windows.iter().any(|w| w.season != Season::Always);
        let mut day = tz.to_local(at).days;
        // A school's calendar lists a few dozen changes a year; 64 covers any real one.
        for _ in 0..64 {
            let found = self.change_near(staff, tz, calendar, at, day, now);
            if found.is_some() || !seasonal {
                return found;
            }
            day = calendar.next_change(day)?;
        }
        None
    }

    /// The first instant after `at`, among the window boundaries of the days `today - 1` to
    /// `today + 8` and the clock changes among them, at which the answer differs from `now`.
    /// Outside every window's hours the answer is "blocked" whatever the calendar says, and
    /// inside one the day's season is fixed, so a change of season (at local midnight) changes
    /// the answer only at a window's own boundary: they hold every change.
    fn change_near(
        &self,
        staff: bool,
        tz: Tz,
        calendar: &Calendar,
        at: i64,
        today: i64,
        now: bool,
    ) -> Option<i64> {
        let Action::AllowAt(windows) = self else {
            return None;
        };
        // A day before the first day searched, in UTC: early enough for any zone's offset.
        let start = at.max((today - 2).saturating_mul(SECS_PER_DAY));
        // Boundaries, resolved to every instant the wall clock passes them, plus the clock
        // changes themselves: between these instants the answer cannot change. Kept as seconds
        // after `at` (the key type of the crate's one unstable sort), with room for both ends of
        // every window on each of the ten days and two clock changes, in one allocation.
        let mut after: Vec<u128> = Vec::with_capacity(12 + 20 * windows.len());
        let mut note = |t: i64| {
            if let Ok(seconds) = u128::try_from(t.saturating_sub(at)) {
                if seconds > 0 {
                    after.push(seconds);
                }
            }
        };
        tz.transitions(start, start + 10 * SECS_PER_DAY)
            .into_iter()
            .for_each(&mut note);
        for day in today - 1..=today + 8 {
            let weekday = Weekday::from_days(day);
            for w in windows.iter().filter(|w| w.days.contains(weekday)) {
                for minute in [w.from, w.to] {
                    let local = day * SECS_PER_DAY + i64::from(minute) * 60;
                    match tz.local_to_utc(local) {
                        super::time::LocalResult::Ambiguous { earlier, later } => {
                            note(earlier);
                            note(later);
                        }
                        other => note(other.first()),
                    }
                }
            }
        }
        crate::sort::sort_keys(&mut after);
        after.dedup();
        after
            .into_iter()
            .filter_map(|seconds| i64::try_from(seconds).ok())
            .map(|seconds| at + seconds)
            .find(|&t| self.allows(staff, calendar, &tz.to_local(t)) != now)
    }

    /// What the action means for a group, in words: `allowed Mon–Fri 12:15–13:00`.
    pub fn describe(&self, staff: bool, allowed_now: bool) -> std::borrow::Cow<'static, str> {
        match self {
            Action::Allow => "allowed".into(),
            Action::Block => "blocked".into(),
            Action::StaffOnly if staff => "staff only: allowed for staff".into(),
            Action::StaffOnly => "staff only: blocked for pupils".into(),
            Action::AllowAt(windows) => {
                let verb = if allowed_now {
                    "allowed"
                } else {
                    "blocked outside"
                };
                format!("{verb} {}", describe_windows(windows)).into()
            }
        }
    }
}

/// `Mon–Fri 12:15–13:00, 15:15–24:00; Sat, Sun 10:00–12:00`: neighbouring windows on the
/// same days share one day label; a window of the school's calendar says so (`in term time`,
/// `in the holidays`).
pub fn describe_windows(windows: &[Window]) -> String {
    let mut groups: Vec<(Days, Season, Vec<String>)> = Vec::new();
    for w in windows {
        let span = format!("{}\u{2013}{}", hhmm(w.from), hhmm(w.to));
        match groups.last_mut() {
            Some((days, season, spans)) if *days == w.days && *season == w.season => {
                spans.push(span)
            }
            _ => groups.push((w.days, w.season, vec![span])),
        }
    }
    groups
        .into_iter()
        .map(|(days, season, spans)| {
            let when = match season {
                Season::Always => "",
                Season::Term => " in term time",
                Season::Holidays => " in the holidays",
            };
            format!("{} {}{when}", days.label(), spans.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Action::Allow => s.serialize_str("allow"),
            Action::Block => s.serialize_str("block"),
            Action::StaffOnly => s.serialize_str("staff-only"),
            Action::AllowAt(windows) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("allow_at", windows)?;
                map.end()
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::super::time::{bst_end, bst_start, days_from_civil};
    use super::*;

    fn at(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60
    }

    fn win(days: &str, from: &str, to: &str) -> Window {
        Window {
            days: Days::parse(days).unwrap(),
            from: parse_hhmm(from, false).unwrap(),
            to: parse_hhmm(to, true).unwrap(),
            season: Season::Always,
        }
    }

    const NONE: Calendar = Calendar::EMPTY;

    #[test]
    fn day_lists() {
        assert_eq!(Days::parse("mon-fri").unwrap(), Days::MON_FRI);
        assert_eq!(Days::parse("daily").unwrap(), Days::DAILY);
        assert_eq!(Days::parse("Mon - Sun").unwrap(), Days::DAILY);
        let d = Days::parse("mon,wed-fri").unwrap();
        assert_eq!(d.to_policy_text(), "mon,wed-fri");
        assert_eq!(d.label(), "Mon, Wed\u{2013}Fri");
        assert_eq!(Days::parse("sat,sun").unwrap().to_policy_text(), "sat,sun");
        assert_eq!(
            Days::parse("fri-mon").unwrap().to_policy_text(),
            "mon,fri-sun"
        );
        for bad in ["", "monday", "mon-", "mon,,tue", "weekdays"] {
            assert!(Days::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(parse_hhmm("12:15", false), Ok(735));
        assert_eq!(parse_hhmm("9:05", false), Ok(545));
        assert_eq!(parse_hhmm("24:00", true), Ok(1440));
        assert!(parse_hhmm("24:00", false).is_err());
        for bad in [
            "24:01", "12:60", "12", "12:5", "-1:00", "123:00", "ab:cd", "12:15:00",
        ] {
            assert!(parse_hhmm(bad, true).is_err(), "{bad}");
        }
        assert_eq!(hhmm(1440), "24:00");
    }

    #[test]
    fn windows_and_descriptions() {
        let a = Action::AllowAt(vec![
            win("mon-fri", "12:15", "13:00"),
            win("mon-fri", "15:15", "24:00"),
        ]);
        let tz = Tz::Utc;
        // 2026-01-05 is a Monday.
        assert!(!a.allows(false, &NONE, &tz.to_local(at(2026, 1, 5, 12, 14))));
        assert!(a.allows(false, &NONE, &tz.to_local(at(2026, 1, 5, 12, 15))));
        assert!(!a.allows(false, &NONE, &tz.to_local(at(2026, 1, 5, 13, 0))));
        assert!(a.allows(false, &NONE, &tz.to_local(at(2026, 1, 5, 23, 59))));
        assert!(!a.allows(false, &NONE, &tz.to_local(at(2026, 1, 10, 12, 30))));
        assert_eq!(
            a.describe(false, true),
            "allowed Mon\u{2013}Fri 12:15\u{2013}13:00, 15:15\u{2013}24:00"
        );
        assert!(a.describe(false, false).starts_with("blocked outside Mon"));
        assert!(Action::StaffOnly.allows(true, &NONE, &tz.to_local(0)));
        assert!(!Action::StaffOnly.allows(false, &NONE, &tz.to_local(0)));
    }

    #[test]
    fn next_change_within_a_day_and_over_a_weekend() {
        let a = Action::AllowAt(vec![
            win("mon-fri", "12:15", "13:00"),
            win("mon-fri", "15:15", "24:00"),
        ]);
        let tz = Tz::EuropeLondon;
        // Winter Monday 2026-01-05, 10:00 GMT: next change at 12:15.
        assert_eq!(
            a.next_change(false, tz, &NONE, at(2026, 1, 5, 10, 0)),
            Some(at(2026, 1, 5, 12, 15))
        );
        assert_eq!(
            a.next_change(false, tz, &NONE, at(2026, 1, 5, 12, 15)),
            Some(at(2026, 1, 5, 13, 0))
        );
        // Friday evening: allowed until midnight, then blocked until Monday 12:15.
        assert_eq!(
            a.next_change(false, tz, &NONE, at(2026, 1, 9, 20, 0)),
            Some(at(2026, 1, 10, 0, 0))
        );
        assert_eq!(
            a.next_change(false, tz, &NONE, at(2026, 1, 10, 0, 0)),
            Some(at(2026, 1, 12, 12, 15))
        );
        // Summer: 12:15 BST is 11:15 UTC.
        assert_eq!(
            a.next_change(false, tz, &NONE, at(2026, 7, 6, 9, 0)),
            Some(at(2026, 7, 6, 11, 15))
        );
        assert_eq!(Action::Allow.next_change(false, tz, &NONE, 0), None);
        // Absurd instants neither overflow nor panic.
        assert_eq!(a.next_change(false, tz, &NONE, i64::MAX), None);
        assert!(a.next_change(false, tz, &NONE, i64::MIN).is_some());
        let always = Action::AllowAt(vec![win("daily", "00:00", "24:00")]);
        assert_eq!(
            always.next_change(false, tz, &NONE, at(2026, 3, 29, 0, 30)),
            None
        );
    }

    #[test]
    fn next_change_across_bst_changes() {
        let tz = Tz::EuropeLondon;
        let fri_end = Action::AllowAt(vec![win("mon-fri", "09:00", "15:15")]);
        // Friday 2026-03-27 is GMT; the window ends 15:15 GMT, then next opens Monday 09:00 BST.
        let fri = at(2026, 3, 27, 10, 0);
        assert_eq!(
            fri_end.next_change(false, tz, &NONE, fri),
            Some(at(2026, 3, 27, 15, 15))
        );
        assert_eq!(
            fri_end.next_change(false, tz, &NONE, at(2026, 3, 27, 15, 15)),
            Some(at(2026, 3, 30, 8, 0))
        );
        // Friday 2026-10-23 is BST: ends 14:15 UTC; Monday 09:00 GMT is 09:00 UTC.
        assert_eq!(
            fri_end.next_change(false, tz, &NONE, at(2026, 10, 23, 10, 0)),
            Some(at(2026, 10, 23, 14, 15))
        );
        assert_eq!(
            fri_end.next_change(false, tz, &NONE, at(2026, 10, 23, 15, 0)),
            Some(at(2026, 10, 26, 9, 0))
        );
        // A Sunday window straddling the spring change: 00:30–01:30 local ends when clocks jump.
        let night = Action::AllowAt(vec![win("sun", "00:30", "01:30")]);
        assert_eq!(
            night.next_change(false, tz, &NONE, at(2026, 3, 29, 0, 45)),
            Some(bst_start(2026))
        );
        // The repeated hour in autumn: 01:30–03:00 local is left at 01:00 UTC and re-entered.
        let repeat = Action::AllowAt(vec![win("sun", "01:30", "03:00")]);
        let t = at(2026, 10, 25, 0, 40); // 01:40 BST
        assert!(repeat.allows(false, &NONE, &tz.to_local(t)));
        assert_eq!(repeat.next_change(false, tz, &NONE, t), Some(bst_end(2026)));
        assert_eq!(
            repeat.next_change(false, tz, &NONE, bst_end(2026)),
            Some(at(2026, 10, 25, 1, 30))
        );
        assert_eq!(
            repeat.next_change(false, tz, &NONE, at(2026, 10, 25, 1, 30)),
            Some(at(2026, 10, 25, 3, 0))
        );
        // A window wholly inside the skipped hour never opens that day.
        let skipped = Action::AllowAt(vec![win("sun", "01:15", "01:45")]);
        let next = skipped.next_change(false, tz, &NONE, at(2027, 3, 28, 0, 0));
        assert_eq!(next, Some(at(2027, 4, 4, 0, 15)));
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_cases::config(128))]
        /// `next_change` is the first minute the answer differs, checked minute by minute
        /// (every boundary and clock change falls on a whole minute), in the days before 2026's
        /// clock changes.
        #[test]
        fn next_change_is_the_first_flip(
            bits in 1u8..128,
            from in 0u16..1440,
            len in 1u16..1440,
            at in proptest::prop_oneof![
                at(2026, 3, 20, 0, 0)..at(2026, 3, 30, 0, 0),
                at(2026, 10, 16, 0, 0)..at(2026, 10, 26, 0, 0),
            ],
        ) {
            let window = Window { days: Days::from_bits(bits), from, to: (from + len).min(1440), season: Season::Always };
            let action = Action::AllowAt(vec![window]);
            let tz = Tz::EuropeLondon;
            let allows = |t: i64| action.allows(false, &NONE, &tz.to_local(t));
            let now = allows(at);
            let next = action.next_change(false, tz, &NONE, at);
            let first_minute = (at.div_euclid(60) + 1) * 60;
            let end = next.unwrap_or(at + 8 * SECS_PER_DAY);
            for t in (first_minute..end).step_by(60) {
                proptest::prop_assert_eq!(allows(t), now, "changed at {} before {:?}", t, next);
            }
            if let Some(t) = next {
                proptest::prop_assert!(t > at && allows(t) != now);
            }
        }
    }

    #[test]
    fn serialises_as_written() {
        let a = Action::AllowAt(vec![win("sat,sun", "10:00", "24:00")]);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"allow_at":[{"days":"sat,sun","from":"10:00","to":"24:00"}]}"#
        );
        assert_eq!(
            serde_json::to_string(&Action::StaffOnly).unwrap(),
            "\"staff-only\""
        );
    }
}
