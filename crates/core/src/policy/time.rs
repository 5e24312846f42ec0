//! School-local time from unix seconds, for `allow_at` windows.
//!
//! UK schools need exactly one zone, Europe/London, so it is implemented by the UK rule rather
//! than a time-zone database: British Summer Time (UTC+1) runs from 01:00 UTC on the last Sunday
//! of March to 01:00 UTC on the last Sunday of October. A tz database would cost far more of the
//! wasm size budget than these few lines. The rule is the one in force since 1996 and is applied
//! to every year; a school filter only ever asks about the present and near future.
//!
//! Dates use Howard Hinnant's days-from-civil algorithm: pure integer arithmetic, proleptic
//! Gregorian calendar, day 0 = 1970-01-01.

use serde::Serialize;

/// Seconds in a (civil) day.
pub const SECS_PER_DAY: i64 = 86_400;
/// The earliest instant handled, 0001-01-01T00:00:00Z; earlier instants are clamped to it.
pub const MIN_UNIX: i64 = -62_135_596_800;
/// The latest instant handled, 9999-12-31T23:59:59Z; later instants are clamped to it.
pub const MAX_UNIX: i64 = 253_402_300_799;

/// Clamping keeps every later multiplication far from overflow, whatever a caller passes in.
fn clamp(unix: i64) -> i64 {
    unix.clamp(MIN_UNIX, MAX_UNIX)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (`month` 1–12, `day` 1–31).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` of a day number (0 = 1970-01-01).
#[inline]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1–12, 1–31).
    (year, month as u32, day as u32)
}

/// A day of the week; Monday first, as UK school timetables are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// Every day, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// The weekday of a day number (0 = 1970-01-01, a Thursday).
    pub fn from_days(days: i64) -> Weekday {
        Weekday::from_index((days + 3).rem_euclid(7) as usize)
    }

    /// 0 for Monday … 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The weekday with this index; indexes wrap modulo 7.
    pub fn from_index(index: usize) -> Weekday {
        Weekday::ALL[index % 7]
    }

    /// Lowercase three-letter name as written in a policy: `mon`.
    pub fn id(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self.index()]
    }

    /// Capitalised three-letter name for people: `Mon`.
    pub fn short_name(self) -> &'static str {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self.index()]
    }

    /// Parses a three-letter day name, ignoring case.
    pub fn parse(text: &str) -> Option<Weekday> {
        Weekday::ALL
            .into_iter()
            .find(|d| d.id().eq_ignore_ascii_case(text))
    }
}

/// The day number of the last Sunday of a month.
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month + 1, 1) - 1;
    last - (Weekday::from_days(last).index() as i64 + 1) % 7
}

/// When British Summer Time starts in `year`: 01:00 UTC on the last Sunday of March.
pub fn bst_start(year: i64) -> i64 {
    last_sunday(year, 3) * SECS_PER_DAY + 3600
}

/// When British Summer Time ends in `year`: 01:00 UTC on the last Sunday of October.
pub fn bst_end(year: i64) -> i64 {
    last_sunday(year, 10) * SECS_PER_DAY + 3600
}

/// A school's time zone: the two a UK school can mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum Tz {
    /// UK civil time: GMT in winter, BST (UTC+1) in summer.
    #[default]
    #[serde(rename = "Europe/London")]
    EuropeLondon,
    /// Coordinated Universal Time, no daylight saving.
    #[serde(rename = "UTC")]
    Utc,
}

/// The spellings [`Tz::parse`] accepts, for error messages.
pub const SUPPORTED_ZONES: [&str; 2] = ["Europe/London", "UTC"];

/// What a local wall-clock time is in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalResult {
    /// The local time happens once.
    Single(i64),
    /// The local time happens twice, in the hour repeated when BST ends.
    Ambiguous {
        /// The first occurrence (still BST).
        earlier: i64,
        /// The second occurrence (GMT again).
        later: i64,
    },
    /// The local time never happens: it is in the hour skipped when BST starts.
    Gap {
        /// The instant the clocks jump forward: the first moment the wall clock reads later.
        resumes: i64,
    },
}

impl LocalResult {
    /// The first instant at which the wall clock reads this local time or later. For window
    /// boundaries that is when the boundary takes effect: a skipped time takes effect when the
    /// clocks jump past it, a repeated time the first time round.
    pub fn first(self) -> i64 {
        match self {
            LocalResult::Single(t) | LocalResult::Gap { resumes: t } => t,
            LocalResult::Ambiguous { earlier, .. } => earlier,
        }
    }
}

/// A moment as a school's wall clock shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Local calendar year.
    pub year: i64,
    /// Local month, 1–12.
    pub month: u32,
    /// Local day of the month, 1–31.
    pub day: u32,
    /// Local day of the week.
    pub weekday: Weekday,
    /// Local day number (days since 1970-01-01 on the wall calendar).
    pub days: i64,
    /// Seconds since local midnight, 0–86399.
    pub second_of_day: u32,
    /// Offset from UTC in seconds (3600 during BST).
    pub offset_secs: i32,
}

impl LocalTime {
    /// Minutes since local midnight, 0–1439.
    pub fn minute_of_day(&self) -> u32 {
        self.second_of_day / 60
    }
}

impl Tz {
    /// Parses a zone name: exactly `Europe/London` or `UTC`.
    pub fn parse(name: &str) -> Option<Tz> {
        match name {
            "Europe/London" => Some(Tz::EuropeLondon),
            "UTC" => Some(Tz::Utc),
            _ => None,
        }
    }

    /// The zone's name as written in a policy.
    pub fn name(self) -> &'static str {
        match self {
            Tz::EuropeLondon => "Europe/London",
            Tz::Utc => "UTC",
        }
    }

    /// Offset from UTC, in seconds, at a unix instant.
    pub fn offset_secs(self, unix: i64) -> i32 {
        match self {
            Tz::Utc => 0,
            Tz::EuropeLondon => {
                let unix = clamp(unix);
                // BST never spans New Year, so the UTC year is the year whose rule applies.
                let (year, _, _) = civil_from_days(unix.div_euclid(SECS_PER_DAY));
                if (bst_start(year)..bst_end(year)).contains(&unix) {
                    3600
                } else {
                    0
                }
            }
        }
    }

    /// The wall-clock time at a unix instant.
    pub fn to_local(self, unix: i64) -> LocalTime {
        let unix = clamp(unix);
        let offset_secs = self.offset_secs(unix);
        let local = unix + i64::from(offset_secs);
        let days = local.div_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month,
            day,
            weekday: Weekday::from_days(days),
            days,
            second_of_day: local.rem_euclid(SECS_PER_DAY) as u32,
            offset_secs,
        }
    }

    /// The instant(s) at which the wall clock reads `local` (seconds since 1970-01-01 00:00 on
    /// the wall clock).
    pub fn local_to_utc(self, local: i64) -> LocalResult {
        let local = clamp(local);
        match self {
            Tz::Utc => LocalResult::Single(local),
            Tz::EuropeLondon => {
                let as_gmt = local;
                let as_bst = local - 3600;
                let gmt_ok = self.offset_secs(as_gmt) == 0;
                let bst_ok = self.offset_secs(as_bst) == 3600;
                match (bst_ok, gmt_ok) {
                    (true, true) => LocalResult::Ambiguous {
                        earlier: as_bst,
                        later: as_gmt,
                    },
                    (true, false) => LocalResult::Single(as_bst),
                    (false, true) => LocalResult::Single(as_gmt),
                    (false, false) => {
                        let (year, _, _) = civil_from_days(local.div_euclid(SECS_PER_DAY));
                        LocalResult::Gap {
                            resumes: bst_start(year),
                        }
                    }
                }
            }
        }
    }

    /// The instants in `[from, to]` at which the offset changes, in order.
    pub fn transitions(self, from: i64, to: i64) -> Vec<i64> {
        let (from, to) = (clamp(from), clamp(to));
        if self == Tz::Utc || from > to {
            return Vec::new();
        }
        let (first_year, _, _) = civil_from_days(from.div_euclid(SECS_PER_DAY));
        let (last_year, _, _) = civil_from_days(to.div_euclid(SECS_PER_DAY));
        (first_year..=last_year)
            .flat_map(|y| [bst_start(y), bst_end(y)])
            .filter(|t| (from..=to).contains(t))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    /// Unix seconds of a UTC date and time.
    fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60
    }

    fn wall(tz: Tz, unix: i64) -> (i64, u32, u32, u32, Weekday) {
        let l = tz.to_local(unix);
        (l.year, l.month, l.day, l.minute_of_day(), l.weekday)
    }

    #[test]
    fn civil_round_trips_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(days_from_civil(1, 1, 1)), (1, 1, 1));
        assert_eq!(
            civil_from_days(days_from_civil(9999, 12, 31)),
            (9999, 12, 31)
        );
    }

    #[test]
    fn leap_years() {
        // 2024 and 2000 are leap years; 2100 and 1900 are not.
        assert_eq!(
            civil_from_days(days_from_civil(2024, 2, 28) + 1),
            (2024, 2, 29)
        );
        assert_eq!(
            civil_from_days(days_from_civil(2000, 2, 28) + 1),
            (2000, 2, 29)
        );
        assert_eq!(
            civil_from_days(days_from_civil(2100, 2, 28) + 1),
            (2100, 3, 1)
        );
        assert_eq!(
            civil_from_days(days_from_civil(1900, 2, 28) + 1),
            (1900, 3, 1)
        );
        assert_eq!(
            days_from_civil(2025, 1, 1) - days_from_civil(2024, 1, 1),
            366
        );
        assert_eq!(
            days_from_civil(2027, 1, 1) - days_from_civil(2026, 1, 1),
            365
        );
    }

    #[test]
    fn weekdays() {
        assert_eq!(Weekday::from_days(0), Weekday::Thu);
        assert_eq!(Weekday::from_days(-1), Weekday::Wed);
        assert_eq!(
            Weekday::from_days(days_from_civil(2026, 3, 29)),
            Weekday::Sun
        );
        assert_eq!(
            Weekday::from_days(days_from_civil(2024, 2, 29)),
            Weekday::Thu
        );
        assert_eq!(Weekday::parse("FRI"), Some(Weekday::Fri));
        assert_eq!(Weekday::parse("friday"), None);
    }

    #[test]
    fn bst_dates_2024_to_2027() {
        assert_eq!(bst_start(2024), utc(2024, 3, 31, 1, 0));
        assert_eq!(bst_end(2024), utc(2024, 10, 27, 1, 0));
        assert_eq!(bst_start(2026), utc(2026, 3, 29, 1, 0));
        assert_eq!(bst_end(2026), utc(2026, 10, 25, 1, 0));
        assert_eq!(bst_start(2027), utc(2027, 3, 28, 1, 0));
        assert_eq!(bst_end(2027), utc(2027, 10, 31, 1, 0));
    }

    #[test]
    fn london_either_side_of_the_2026_changes() {
        let tz = Tz::EuropeLondon;
        let start = bst_start(2026);
        assert_eq!(wall(tz, start - 1), (2026, 3, 29, 59, Weekday::Sun));
        assert_eq!(tz.to_local(start - 1).second_of_day, 3599);
        assert_eq!(wall(tz, start), (2026, 3, 29, 120, Weekday::Sun));
        let end = bst_end(2026);
        assert_eq!(tz.to_local(end - 1).second_of_day, 2 * 3600 - 1);
        assert_eq!(wall(tz, end), (2026, 10, 25, 60, Weekday::Sun));
        assert_eq!(tz.to_local(end).offset_secs, 0);
        // A summer afternoon and a winter one.
        assert_eq!(
            wall(tz, utc(2026, 7, 1, 14, 15)),
            (2026, 7, 1, 15 * 60 + 15, Weekday::Wed)
        );
        assert_eq!(
            wall(tz, utc(2026, 12, 1, 14, 15)),
            (2026, 12, 1, 14 * 60 + 15, Weekday::Tue)
        );
    }

    #[test]
    fn london_either_side_of_the_2027_changes() {
        let tz = Tz::EuropeLondon;
        assert_eq!(tz.offset_secs(utc(2027, 3, 28, 0, 59)), 0);
        assert_eq!(tz.offset_secs(utc(2027, 3, 28, 1, 0)), 3600);
        assert_eq!(tz.offset_secs(utc(2027, 10, 31, 0, 59)), 3600);
        assert_eq!(tz.offset_secs(utc(2027, 10, 31, 1, 0)), 0);
        // 23:30 UTC on 30 June is already 1 July in London.
        assert_eq!(
            wall(tz, utc(2027, 6, 30, 23, 30)),
            (2027, 7, 1, 30, Weekday::Thu)
        );
    }

    #[test]
    fn midnight_boundaries() {
        let tz = Tz::EuropeLondon;
        let new_year = utc(2027, 1, 1, 0, 0);
        assert_eq!(wall(tz, new_year - 1), (2026, 12, 31, 1439, Weekday::Thu));
        assert_eq!(wall(tz, new_year), (2027, 1, 1, 0, Weekday::Fri));
        assert_eq!(
            wall(Tz::Utc, utc(2026, 7, 1, 23, 30)),
            (2026, 7, 1, 1410, Weekday::Wed)
        );
        assert_eq!(wall(Tz::Utc, -1), (1969, 12, 31, 1439, Weekday::Wed));
    }

    #[test]
    fn local_to_utc_single_gap_and_ambiguous() {
        let tz = Tz::EuropeLondon;
        let day = days_from_civil(2026, 3, 29) * SECS_PER_DAY;
        assert_eq!(tz.local_to_utc(day + 1800), LocalResult::Single(day + 1800));
        assert_eq!(
            tz.local_to_utc(day + 5400),
            LocalResult::Gap {
                resumes: bst_start(2026)
            }
        );
        assert_eq!(
            tz.local_to_utc(day + 2 * 3600),
            LocalResult::Single(bst_start(2026))
        );
        let day = days_from_civil(2026, 10, 25) * SECS_PER_DAY;
        let got = tz.local_to_utc(day + 5400);
        assert_eq!(
            got,
            LocalResult::Ambiguous {
                earlier: day + 1800,
                later: day + 5400
            }
        );
        assert_eq!(got.first(), day + 1800);
        assert_eq!(
            tz.local_to_utc(day + 2 * 3600),
            LocalResult::Single(day + 2 * 3600)
        );
        assert_eq!(
            tz.local_to_utc(day + 3600 - 1),
            LocalResult::Single(day - 1)
        );
        assert_eq!(Tz::Utc.local_to_utc(day), LocalResult::Single(day));
    }

    #[test]
    fn local_round_trip_over_a_year() {
        let tz = Tz::EuropeLondon;
        let mut t = utc(2026, 1, 1, 0, 7);
        while t < utc(2027, 1, 1, 0, 0) {
            let l = tz.to_local(t);
            let local = l.days * SECS_PER_DAY + i64::from(l.second_of_day);
            let back = tz.local_to_utc(local);
            assert!(
                matches!(back, LocalResult::Single(x) if x == t)
                    || matches!(back, LocalResult::Ambiguous { earlier, later } if earlier == t || later == t)
            );
            t += 3607;
        }
    }

    #[test]
    fn transitions_and_clamping() {
        let tz = Tz::EuropeLondon;
        let got = tz.transitions(utc(2026, 1, 1, 0, 0), utc(2027, 12, 31, 0, 0));
        assert_eq!(
            got,
            [
                bst_start(2026),
                bst_end(2026),
                bst_start(2027),
                bst_end(2027)
            ]
        );
        assert!(Tz::Utc.transitions(0, 1 << 40).is_empty());
        // Absurd instants do not overflow or panic.
        assert_eq!(tz.to_local(i64::MAX).year, 9999);
        assert_eq!(tz.to_local(i64::MIN).year, 1);
        let _ = tz.local_to_utc(i64::MAX);
        let _ = tz.transitions(i64::MIN, i64::MAX);
    }

    #[test]
    fn zone_names() {
        assert_eq!(Tz::parse("Europe/London"), Some(Tz::EuropeLondon));
        assert_eq!(Tz::parse("UTC"), Some(Tz::Utc));
        assert_eq!(Tz::parse("Europe/Paris"), None);
        assert_eq!(Tz::default().name(), "Europe/London");
    }
}
