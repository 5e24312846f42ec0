//! The DSL's weekly digest (`docs/hub.md`, "Monitoring events"): a week's search alerts (Prevent
//! first), repeated attempts to reach a blocked site, attempts to get round the filter, searches
//! for help and devices gone silent, in one printable page. Plain functions over stored events.
//!
//! **Repeated attempts** are counted here, not on the device (`docs/events.md`): `blocked`
//! events of one pupil (or of one device, when Chrome gave no account) for one host, each within
//! `REPEAT_WINDOW` of the one before, `REPEAT_AT_LEAST` or more of them, make one run.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::digest_mail::school_midnight;
use crate::store::StoredEvent;

/// How close together blocked events must be to count as one run of attempts.
pub const REPEAT_WINDOW: Duration = Duration::minutes(10);
/// How many blocked events make a run worth the DSL's attention.
pub const REPEAT_AT_LEAST: usize = 3;

/// The Monday that starts the week `date` is in.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The week's bounds, RFC 3339 UTC: `[monday, next monday)`, from midnight by the school's clock.
pub fn week_bounds(monday: NaiveDate) -> (String, String) {
    (
        school_midnight(monday),
        school_midnight(monday + Duration::days(7)),
    )
}

/// One `blocked` event as the repeated attempts read it (`EventStore::blocked_attempts`): a
/// week of a large trust's is ~100,000 of them, so only these columns are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The pupil's account, or `device <id>` when there is none.
    pub who: String,
    /// The host tried.
    pub host: String,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The category the filter gave.
    pub category: Option<String>,
}

impl Attempt {
    /// The attempt a stored `blocked` event records.
    pub fn of(event: &StoredEvent) -> Self {
        Self::new(
            &event.device,
            event.user.clone(),
            event.host.clone(),
            event.at.clone(),
            event.category.clone(),
        )
    }

    /// From the stored columns.
    pub fn new(
        device: &str,
        user: Option<String>,
        host: Option<String>,
        at: String,
        category: Option<String>,
    ) -> Self {
        Self {
            who: user.unwrap_or_else(|| format!("device {device}")),
            host: host.unwrap_or_default(),
            at,
            category,
        }
    }
}

/// One run of repeated attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempts {
    /// The pupil's account, or `device <id>` when there is none.
    pub who: String,
    /// The host tried.
    pub host: String,
    /// How many blocked events in the run.
    pub count: usize,
    /// The first one's time.
    pub first: String,
    /// The last one's time.
    pub last: String,
    /// The category the filter gave.
    pub category: String,
}

fn parse(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The runs of repeated attempts among `blocked` events (any order; ties in time keep their
/// order), most attempts first.
pub fn repeated_attempts(blocked: &[Attempt]) -> Vec<Attempts> {
    let mut by_target: BTreeMap<(&str, &str), Vec<&Attempt>> = BTreeMap::new();
    for attempt in blocked {
        by_target
            .entry((&attempt.who, &attempt.host))
            .or_default()
            .push(attempt);
    }
    let mut runs = Vec::new();
    for ((who, host), mut events) in by_target {
        events.sort_by(|a, b| a.at.cmp(&b.at));
        let mut run: Vec<&Attempt> = Vec::new();
        let mut close = |run: &mut Vec<&Attempt>| {
            if run.len() >= REPEAT_AT_LEAST {
                runs.push(Attempts {
                    who: who.to_owned(),
                    host: host.to_owned(),
                    count: run.len(),
                    first: run[0].at.clone(),
                    last: run[run.len() - 1].at.clone(),
                    category: run[0].category.clone().unwrap_or_default(),
                });
            }
            run.clear();
        };
        for event in events {
            let near = run
                .last()
                .and_then(|prev| Some(parse(&event.at)? - parse(&prev.at)? <= REPEAT_WINDOW));
            if near == Some(false) {
                close(&mut run);
            }
            run.push(event);
        }
        close(&mut run);
    }
    runs.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(seq: i64, user: Option<&str>, host: &str, at: &str) -> StoredEvent {
        StoredEvent {
            seq,
            device: "d-12345678".into(),
            event_id: format!("e-{seq:08}"),
            batch: "b-12345678".into(),
            at: at.into(),
            kind: "blocked".into(),
            user: user.map(Into::into),
            group: "ks2".into(),
            category: Some("gambling".into()),
            alert: None,
            host: Some(host.into()),
            report_id: None,
            body: "{}".into(),
            received_at: at.into(),
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 13).unwrap();
        assert_eq!(
            week_start(sunday),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        assert_eq!(
            week_bounds(week_start(sunday)),
            (
                "2026-12-07T00:00:00.000Z".into(),
                "2026-12-14T00:00:00.000Z".into()
            )
        );
        // A summer week begins at midnight by the school's clock: 23:00 UTC on the Sunday.
        let june = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(week_bounds(june).0, "2026-05-31T23:00:00.000Z");
    }

    #[test]
    fn counts_runs_within_ten_minutes_of_each_other() {
        let a = Some("a@school.example");
        let events = [
            // Three within 10 minutes of each other (20 minutes in all): one run.
            blocked(1, a, "casino.example", "2026-12-07T09:00:00Z"),
            blocked(2, a, "casino.example", "2026-12-07T09:09:00Z"),
            blocked(3, a, "casino.example", "2026-12-07T09:18:00Z"),
            // An hour later, twice: not enough.
            blocked(4, a, "casino.example", "2026-12-07T10:30:00Z"),
            blocked(5, a, "casino.example", "2026-12-07T10:31:00Z"),
            // Another host, another pupil, a device with no account.
            blocked(6, a, "other.example", "2026-12-07T09:01:00Z"),
            blocked(
                7,
                Some("b@school.example"),
                "casino.example",
                "2026-12-07T09:02:00Z",
            ),
            blocked(8, None, "games.example", "2026-12-07T09:00:00Z"),
            blocked(9, None, "games.example", "2026-12-07T09:00:30Z"),
            blocked(10, None, "games.example", "2026-12-07T09:01:00Z"),
            blocked(11, None, "games.example", "2026-12-07T09:02:00Z"),
        ];
        let attempts: Vec<Attempt> = events.iter().map(Attempt::of).collect();
        let runs = repeated_attempts(&attempts);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(
            (runs[0].who.as_str(), runs[0].count),
            ("device d-12345678", 4)
        );
        assert_eq!(
            (runs[1].who.as_str(), runs[1].host.as_str(), runs[1].count),
            ("a@school.example", "casino.example", 3)
        );
        assert_eq!(runs[1].last, "2026-12-07T09:18:00Z");
    }
}
