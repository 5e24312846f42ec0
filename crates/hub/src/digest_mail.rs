//! The scheduled e-mails (`docs/hub.md`, "Monitoring events"): the DSL's weekly digest and the
//! online-safety lead's monthly usage report, each a few counts and a link, never a pupil's
//! name, a search or a device.
//!
//! - **When.** The weekly digest goes on `--digest-weekday` at `--digest-hour` (default Monday
//!   07:00), school time (UK: GMT, or BST in summer), to the `--notify-email` addresses (the DSL
//!   and deputies); it covers the Monday-to-Sunday week that holds the day before (on a Monday,
//!   the week just ended). A week that was a school holiday by the school's calendar
//!   (`school_calendar`) is still sent, as alerts matter whenever they happen and a missing
//!   Monday e-mail would look like a broken hub; it says "school holiday" in its subject, and
//!   when nothing happened it says so in one line instead of six zeros. The monthly report goes
//!   on the month's first school day (by the calendar: not a holiday or an INSET day; without
//!   one, or in a month with no school day, its first weekday) at the same hour, to the
//!   `--online-safety-email` addresses, about the month before.
//! - **Once.** Before sending, a hub claims the period with a row in `digest_mail_sent`
//!   (`weekly:2026-W49`, `monthly:2026-11`); of several hubs on one PostgreSQL only the one whose
//!   row went in sends. A send that fails gives the claim back, and the next run (every
//!   `CHECK_INTERVAL`) tries again. A hub that was off at the hour sends when it next runs, until
//!   the next period is due.
//! - **By hand.** `schoolgate-hub digest send --week 2026-W49` (or `--month 2026-11`) sends one
//!   now, whether or not it was sent, and claims the period so the schedule does not send it again.
//!
//! The times come from a `Clock`, so tests move it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use lettre::message::Mailbox;
use lettre::{AsyncTransport, Message};

use crate::count;
use crate::digest::{self, week_bounds};
use crate::monitor::message;
use crate::notify::MailSettings;
use crate::retention::{Clock, SystemClock};
use crate::school_calendar::{self, SchoolCalendar};
use crate::store::{EventFilter, Store, StoreError, StoredEvent};
use crate::usage::{Month, MonthlyUsage};

/// How often `serve` looks whether a scheduled e-mail is due.
pub const CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);
/// The most search alerts, attempts to get round the filter or searches for help the digest
/// reads for a week (the page says when there were more). Blocked events are all read, as attempts
/// (`EventStore::blocked_attempts`): a week of a trust of 10,000 pupils holds ~100,000.
pub const MAX_PER_KIND: usize = 20_000;

/// When the scheduled e-mails go (`serve` options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Schedule {
    /// The day the weekly digest is e-mailed to the DSL (mon … sun).
    #[arg(
        long = "digest-weekday",
        env = "SCHOOLGATE_DIGEST_WEEKDAY",
        default_value = "mon",
        value_parser = parse_weekday,
        value_name = "DAY"
    )]
    pub weekday: Weekday,
    /// The hour (0–23, school time: UK) the weekly digest and the monthly report are e-mailed.
    #[arg(
        long = "digest-hour",
        env = "SCHOOLGATE_DIGEST_HOUR",
        default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(0..=23),
        value_name = "HOUR"
    )]
    pub hour: u32,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            weekday: Weekday::Mon,
            hour: 7,
        }
    }
}

fn parse_weekday(text: &str) -> Result<Weekday, String> {
    text.parse::<Weekday>()
        .map_err(|_| format!("{text:?} is not a day of the week (mon, tue, … sun)"))
}

/// Why a scheduled e-mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum DigestMailError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The e-mail could not be made (an address).
    #[error("e-mail: {0}")]
    Compose(#[from] lettre::error::Error),
    /// The mail server's settings could not be turned into a connection.
    #[error("e-mail: {0}")]
    Transport(#[from] lettre::transport::smtp::Error),
    /// No one to send it to.
    #[error("no one to send the {0} to: give {1}")]
    NoRecipients(&'static str, &'static str),
    /// A week or month written wrongly.
    #[error("{0:?} is not a {1}")]
    BadPeriod(String, &'static str),
}

/// The last Sunday of `month` in `year`, at 01:00 UTC: when UK clocks change.
fn last_sunday_1am(year: i32, month: u32) -> DateTime<Utc> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or(NaiveDate::MIN);
    let mut day = next.pred_opt().unwrap_or(next);
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt().unwrap_or(day);
    }
    Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())
}

/// The UK's offset from UTC at `at`: BST (+1 h) from the last Sunday of March to the last
/// Sunday of October, 01:00 UTC each; GMT otherwise.
pub fn school_offset(at: DateTime<Utc>) -> Duration {
    let year = at.year();
    if at >= last_sunday_1am(year, 3) && at < last_sunday_1am(year, 10) {
        Duration::hours(1)
    } else {
        Duration::zero()
    }
}

/// `at` as a school clock shows it.
pub fn school_time(at: DateTime<Utc>) -> NaiveDateTime {
    (at + school_offset(at)).naive_utc()
}

/// The UTC moment a school clock shows `local` (the hours the schedule uses are never in the
/// hour the clocks skip or repeat).
pub fn from_school_time(local: NaiveDateTime) -> DateTime<Utc> {
    let guess = Utc.from_utc_datetime(&local);
    guess - school_offset(guess - Duration::hours(1))
}

/// The moment a school clock shows midnight at the start of `date`, RFC 3339 UTC: where the hub's
/// weeks, months and terms without a calendar begin (in summer, 23:00 UTC the day before).
pub fn school_midnight(date: NaiveDate) -> String {
    from_school_time(date.and_time(chrono::NaiveTime::MIN))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The latest weekly sending moment at or before `now`, and the Monday of the week it covers.
pub fn weekly_due(schedule: &Schedule, now: DateTime<Utc>) -> (DateTime<Utc>, NaiveDate) {
    let today = school_time(now).date();
    let back = (7 + i64::from(today.weekday().num_days_from_monday())
        - i64::from(schedule.weekday.num_days_from_monday()))
        % 7;
    let mut day = today - Duration::days(back);
    let at =
        |d: NaiveDate| from_school_time(d.and_hms_opt(schedule.hour, 0, 0).unwrap_or_default());
    if at(day) > now {
        day -= Duration::days(7);
    }
    (at(day), digest::week_start(day - Duration::days(1)))
}

/// The latest monthly sending moment at or before `now`, and the month it covers (the one
/// before); the first school day by `calendar`, when the approved policy has one.
pub fn monthly_due(
    schedule: &Schedule,
    now: DateTime<Utc>,
    calendar: Option<&SchoolCalendar>,
) -> (DateTime<Utc>, Month) {
    let at = |m: Month| {
        from_school_time(
            school_calendar::first_school_day(calendar, m)
                .and_hms_opt(schedule.hour, 0, 0)
                .unwrap_or_default(),
        )
    };
    let mut month = Month::containing(school_time(now).date());
    if at(month) > now {
        month = month.previous();
    }
    (at(month), month.previous())
}

/// `2026-W49` for the week starting `monday`.
pub fn week_id(monday: NaiveDate) -> String {
    monday.format("%G-W%V").to_string()
}

/// The Monday of `2026-W49`.
pub fn parse_week(text: &str) -> Option<NaiveDate> {
    let (year, week) = text.trim().split_once("-W")?;
    NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, Weekday::Mon)
}

/// Every event of `kind` in `[from, to)`, oldest first, at most `MAX_PER_KIND`; whether there
/// were more.
pub async fn events_of_kind<S: Store>(
    store: &S,
    kind: &str,
    (from, to): &(String, String),
) -> Result<(Vec<StoredEvent>, bool), StoreError> {
    let mut filter = EventFilter {
        kind: Some(kind.to_owned()),
        from: Some(from.clone()),
        to: Some(to.clone()),
        oldest_first: true,
        limit: 1000,
        ..Default::default()
    };
    let mut all = Vec::new();
    loop {
        let page = store.events(&filter).await?;
        let Some(last) = page.last() else {
            return Ok((all, false));
        };
        filter.before = Some((last.at.clone(), last.seq));
        all.extend(page);
        if all.len() >= MAX_PER_KIND {
            all.truncate(MAX_PER_KIND);
            return Ok((all, true));
        }
    }
}

/// What the weekly e-mail says: counts only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WeekCounts {
    /// Prevent search alerts.
    pub prevent: usize,
    /// Self-harm, grooming and safeguarding search alerts.
    pub other_alerts: usize,
    /// Runs of repeated attempts (`digest::repeated_attempts`).
    pub repeated_attempts: usize,
    /// Attempts to get round the filter.
    pub circumvention: usize,
    /// Searches for help.
    pub help: usize,
    /// Devices flagged as gone silent (as the week ends, or now).
    pub silent_devices: usize,
    /// Whether the week was a school holiday by the school's calendar.
    pub holiday: bool,
}

impl WeekCounts {
    /// Whether nothing at all happened (the holiday e-mail says so in one line).
    pub fn nothing(&self) -> bool {
        *self
            == Self {
                holiday: self.holiday,
                ..Self::default()
            }
    }

    /// Counts the week starting `monday`.
    pub async fn read<S: Store>(store: &S, monday: NaiveDate) -> Result<Self, StoreError> {
        let bounds = week_bounds(monday);
        let (alerts, _) = events_of_kind(store, "search-alert", &bounds).await?;
        let blocked = store.blocked_attempts(&bounds.0, &bounds.1).await?;
        let (tricks, _) = events_of_kind(store, "circumvention", &bounds).await?;
        let (help, _) = events_of_kind(store, "help-seeking", &bounds).await?;
        let devices = store.devices().await?;
        let prevent = alerts
            .iter()
            .filter(|e| e.alert.as_deref() == Some("prevent"))
            .count();
        let calendar = SchoolCalendar::in_force(store).await?;
        Ok(Self {
            holiday: school_calendar::is_holiday_week(calendar.as_ref(), monday),
            prevent,
            other_alerts: alerts.len() - prevent,
            repeated_attempts: digest::repeated_attempts(&blocked).len(),
            circumvention: tricks.len(),
            help: help.len(),
            silent_devices: devices
                .iter()
                .filter(|d| {
                    d.silent_since
                        .as_deref()
                        .is_some_and(|s| s < bounds.1.as_str())
                })
                .count(),
        })
    }
}

/// The weekly digest's e-mail: the week's counts and a link to `/digest` for it; a school
/// holiday week says so, and in one line when nothing happened.
pub fn compose_weekly(
    from: &Mailbox,
    to: &[Mailbox],
    public_url: &str,
    monday: NaiveDate,
    counts: &WeekCounts,
) -> Result<Message, lettre::error::Error> {
    let day = monday.format("%Y-%m-%d");
    if counts.holiday && counts.nothing() {
        let text = format!(
            "The week of Monday {day} was a school holiday (by the school's calendar) and nothing \
             happened on the school's devices: no search alert, no repeated attempts, no attempt \
             to get round the filter, no search for help, no device gone silent.\n\n\
             The digest: {public_url}/digest?week={day}\n"
        );
        return message(
            from,
            to,
            format!("Schoolgate: the weekly digest, week of Monday {day} (school holiday: nothing to report)"),
            text,
        );
    }
    let holiday = if counts.holiday {
        "This week was a school holiday by the school's calendar: these happened on devices used at home or elsewhere.\n\n"
    } else {
        ""
    };
    let lines = [
        count(
            counts.prevent,
            "Prevent (radicalisation) search alert",
            "Prevent (radicalisation) search alerts",
        ),
        count(
            counts.other_alerts,
            "other search alert",
            "other search alerts",
        ) + " (self-harm, grooming, safeguarding)",
        count(counts.repeated_attempts, "run", "runs")
            + " of repeated attempts to reach a blocked site",
        count(counts.circumvention, "attempt", "attempts") + " to get round the filter",
        count(counts.help, "search for help", "searches for help"),
        count(counts.silent_devices, "device", "devices") + " gone silent",
    ]
    .join("\n");
    let text = format!(
        "The weekly digest for the week of Monday {day}:\n\n{holiday}{lines}\n\n\
         Sign in to read who, what and when, and print it for the file:\n\n\
         {public_url}/digest?week={day}\n\n\
         This e-mail holds counts only, on purpose: the details are only in the hub.\n"
    );
    let subject = if counts.holiday {
        format!("Schoolgate: the weekly digest, week of Monday {day} (school holiday)")
    } else {
        format!("Schoolgate: the weekly digest, week of Monday {day}")
    };
    message(from, to, subject, text)
}

/// The monthly usage report's e-mail: its counts and a link to the page.
pub fn compose_monthly(
    from: &Mailbox,
    to: &[Mailbox],
    public_url: &str,
    usage: &MonthlyUsage,
) -> Result<Message, lettre::error::Error> {
    let mut text = format!(
        "The online-safety usage report for {}:\n\n",
        usage.month.label()
    );
    for line in usage.headline() {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(&format!(
        "\nThe whole report (by category, group, KCSIE area and site):\n\n\
         {public_url}/reports/monthly?month={}\n\n\
         This e-mail holds counts only, on purpose.\n",
        usage.month.id()
    ));
    message(
        from,
        to,
        format!(
            "Schoolgate: the monthly online-safety report, {}",
            usage.month.label()
        ),
        text,
    )
}

/// Sends the weekly digest for the week starting `monday` now (not claimed: see `run_due`).
pub async fn send_weekly<S: Store>(
    store: &S,
    settings: &MailSettings,
    monday: NaiveDate,
) -> Result<WeekCounts, DigestMailError> {
    let counts = WeekCounts::read(store, monday).await?;
    let message = compose_weekly(
        settings.from(),
        settings.to(),
        settings.public_url(),
        monday,
        &counts,
    )?;
    crate::notify::transport(settings)?
        .send(message)
        .await
        .map_err(DigestMailError::Transport)?;
    Ok(counts)
}

/// Sends the monthly usage report for `month` now (not claimed: see `run_due`).
pub async fn send_monthly<S: Store>(
    store: &S,
    settings: &MailSettings,
    month: Month,
) -> Result<MonthlyUsage, DigestMailError> {
    if settings.online_safety().is_empty() {
        return Err(DigestMailError::NoRecipients(
            "monthly report",
            "--online-safety-email",
        ));
    }
    let usage = MonthlyUsage::read(store, month).await?;
    let message = compose_monthly(
        settings.from(),
        settings.online_safety(),
        settings.public_url(),
        &usage,
    )?;
    crate::notify::transport(settings)?
        .send(message)
        .await
        .map_err(DigestMailError::Transport)?;
    Ok(usage)
}

/// The period a weekly digest claims.
pub fn weekly_period(monday: NaiveDate) -> String {
    format!("weekly:{}", week_id(monday))
}

/// The period a monthly report claims.
pub fn monthly_period(month: Month) -> String {
    format!("monthly:{}", month.id())
}

/// Sends whatever is due at `clock`'s time and not yet sent by any hub; the periods sent.
pub async fn run_due<S: Store>(
    store: &S,
    settings: &MailSettings,
    schedule: &Schedule,
    clock: &dyn Clock,
) -> Result<Vec<String>, DigestMailError> {
    let now = clock.now();
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut sent = Vec::new();
    let (_, monday) = weekly_due(schedule, now);
    let period = weekly_period(monday);
    if store.claim_mail(&period, "schedule", &at).await? {
        if let Err(error) = send_weekly(store, settings, monday).await {
            store.release_mail(&period).await?;
            return Err(error);
        }
        tracing::info!(%period, "weekly digest e-mailed to the DSL");
        sent.push(period);
    }
    if !settings.online_safety().is_empty() {
        let calendar = SchoolCalendar::in_force(store).await?;
        let (_, month) = monthly_due(schedule, now, calendar.as_ref());
        let period = monthly_period(month);
        if store.claim_mail(&period, "schedule", &at).await? {
            if let Err(error) = send_monthly(store, settings, month).await {
                store.release_mail(&period).await?;
                return Err(error);
            }
            tracing::info!(%period, "monthly usage report e-mailed to the online-safety lead");
            sent.push(period);
        }
    }
    Ok(sent)
}

/// `serve`'s job: `run_due` every `CHECK_INTERVAL`, the first one `CHECK_INTERVAL` after start
/// (a hub restarted to change a setting does not mail at once; nor does one a test starts).
pub async fn scheduled<S: Store>(store: S, settings: MailSettings, schedule: Schedule) {
    let mut every =
        tokio::time::interval_at(tokio::time::Instant::now() + CHECK_INTERVAL, CHECK_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = run_due(&store, &settings, &schedule, &SystemClock).await {
            tracing::warn!(%error, "could not send a scheduled e-mail; trying again later");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn school_time_follows_british_summer_time() {
        assert_eq!(school_offset(utc("2026-12-07T07:00:00Z")), Duration::zero());
        assert_eq!(
            school_offset(utc("2026-06-01T07:00:00Z")),
            Duration::hours(1)
        );
        // 2026: BST from 29 March to 25 October, 01:00 UTC.
        assert_eq!(school_offset(utc("2026-03-29T00:59:00Z")), Duration::zero());
        assert_eq!(
            school_offset(utc("2026-03-29T01:00:00Z")),
            Duration::hours(1)
        );
        assert_eq!(school_offset(utc("2026-10-25T01:00:00Z")), Duration::zero());
        let june_seven = NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .and_hms_opt(7, 0, 0)
            .unwrap();
        assert_eq!(from_school_time(june_seven), utc("2026-06-01T06:00:00Z"));
    }

    #[test]
    fn the_weekly_digest_is_due_monday_seven_for_the_week_before() {
        let schedule = Schedule::default();
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        // Monday 7 December 06:59 GMT: last week's sending (30 November) covers 23–29 November.
        let (at, week) = weekly_due(&schedule, utc("2026-12-07T06:59:00Z"));
        assert_eq!(at, utc("2026-11-30T07:00:00Z"));
        assert_eq!(week, monday - Duration::days(7));
        let (at, week) = weekly_due(&schedule, utc("2026-12-07T07:00:00Z"));
        assert_eq!(at, utc("2026-12-07T07:00:00Z"));
        assert_eq!(week, monday);
        assert_eq!(week_id(monday), "2026-W49");
        assert_eq!(parse_week("2026-W49"), Some(monday));
        assert_eq!(parse_week("2026-W54"), None);
        // A Friday afternoon digest covers that week so far.
        let friday = Schedule {
            weekday: Weekday::Fri,
            hour: 15,
        };
        let (at, week) = weekly_due(&friday, utc("2026-12-05T10:00:00Z"));
        assert_eq!((at, week), (utc("2026-12-04T15:00:00Z"), monday));
    }

    #[test]
    fn the_monthly_report_is_due_on_the_first_school_day() {
        let schedule = Schedule::default();
        // 1 November 2026 is a Sunday: the report on October goes on Monday 2 November.
        let (at, month) = monthly_due(&schedule, utc("2026-11-02T07:00:00Z"), None);
        assert_eq!(at, utc("2026-11-02T07:00:00Z"));
        assert_eq!(month.id(), "2026-10");
        let (_, month) = monthly_due(&schedule, utc("2026-11-02T06:00:00Z"), None);
        assert_eq!(month.id(), "2026-09");
    }
}
