//! Retention: what the hub deletes, and when (`docs/hub.md`, "Retention", sets the defaults
//! against the IRMS toolkit for schools). A daily job in `serve`, and `schoolgate-hub retention
//! run` by hand; both take the time from a `Clock`, so tests can move it.
//!
//! - Safeguarding records (a report, its revisions and its chronology): deleted only when the
//!   case is **closed** and the report is older than `report_years` (default 25). The hub does
//!   not know the pupil's birth date; a pupil is at least 0 at the press, so 25 years from the
//!   report is never before the 25th birthday IRMS asks for. Open cases are never deleted
//!   automatically, however old.
//! - Monitoring events (`docs/events.md`): deleted `event_days` (default 90) after they
//!   happened; `visit` and `heartbeat` events, which say nothing a DSL acts on, after
//!   `visit_days` (default 30). An alert the DSL made a safeguarding record keeps its chronology
//!   in that record (kept as a report is). Each device's latest state is kept while it reports.
//! - Sessions: deleted once expired.
//! - The audit log: kept (it is the proof of who read what; the chain cannot lose an entry in
//!   the middle without showing it). Deleting a report leaves its audit entries, which name
//!   only its id.
//!
//! Each run writes one audit entry: what was deleted, as counts per type, never content.

use chrono::{DateTime, Months, SecondsFormat, Utc};

use crate::audit::AuditEvent;
use crate::store::{Store, StoreError};

/// Where the time comes from.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A time fixed by a test or by `retention run --now`.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The default for closed safeguarding records, in years from the report.
pub const DEFAULT_REPORT_YEARS: u32 = 25;
/// The default for monitoring events, in days from when they happened.
pub const DEFAULT_EVENT_DAYS: u32 = 90;
/// The default for `visit` and `heartbeat` events, in days.
pub const DEFAULT_VISIT_DAYS: u32 = 30;
/// How often `serve` runs the job.
pub const JOB_INTERVAL: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct RetentionPolicy {
    /// Years a closed safeguarding record is kept, from the report's date (open ones are
    /// never deleted automatically).
    #[arg(
        long = "retention-report-years",
        env = "SCHOOLGATE_RETENTION_REPORT_YEARS",
        default_value_t = DEFAULT_REPORT_YEARS,
        value_parser = clap::value_parser!(u32).range(1..=100),
        value_name = "YEARS"
    )]
    pub report_years: u32,
    /// Days a monitoring event (blocked, circumvention, search alert, help-seeking, staff flag)
    /// is kept, from when it happened (evhub).
    #[arg(
        long = "retention-event-days",
        env = "SCHOOLGATE_RETENTION_EVENT_DAYS",
        default_value_t = DEFAULT_EVENT_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=3660),
        value_name = "DAYS"
    )]
    pub event_days: u32,
    /// Days a `visit` or `heartbeat` event is kept (at most `event_days`).
    #[arg(
        long = "retention-visit-days",
        env = "SCHOOLGATE_RETENTION_VISIT_DAYS",
        default_value_t = DEFAULT_VISIT_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=3660),
        value_name = "DAYS"
    )]
    pub visit_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            report_years: DEFAULT_REPORT_YEARS,
            event_days: DEFAULT_EVENT_DAYS,
            visit_days: DEFAULT_VISIT_DAYS,
        }
    }
}

/// What one run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionSummary {
    /// Closed safeguarding records (each with its revisions and chronology).
    pub reports: u64,
    /// Expired sessions.
    pub sessions: u64,
    /// Monitoring events.
    pub events: u64,
}

impl std::fmt::Display for RetentionSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reports={} sessions={} events={}",
            self.reports, self.sessions, self.events
        )
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Closed records from before this are due (the start of time if the subtraction underflows).
pub fn report_cutoff(policy: &RetentionPolicy, now: DateTime<Utc>) -> String {
    let cutoff = now
        .checked_sub_months(Months::new(policy.report_years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    rfc3339(cutoff)
}

/// Events from before the first time are due; `visit` and `heartbeat` events from before the
/// second.
pub fn event_cutoffs(policy: &RetentionPolicy, now: DateTime<Utc>) -> (String, String) {
    let back = |days: u32| rfc3339(now - chrono::Duration::days(i64::from(days)));
    (
        back(policy.event_days),
        back(policy.visit_days.min(policy.event_days)),
    )
}

/// Deletes what is due at `clock`'s time and records it in the audit log (as `retention`).
pub async fn run<S: Store>(
    store: &S,
    policy: &RetentionPolicy,
    clock: &dyn Clock,
) -> Result<RetentionSummary, StoreError> {
    let now = clock.now();
    let summary = RetentionSummary {
        reports: store
            .purge_closed_reports(&report_cutoff(policy, now))
            .await?,
        sessions: store.purge_expired_sessions(&rfc3339(now)).await?,
        events: {
            let (events, visits) = event_cutoffs(policy, now);
            store.purge_events(&events, &visits).await?
        },
    };
    store
        .audit(&AuditEvent {
            actor: "retention".into(),
            action: "retention-deleted".into(),
            subject: summary.to_string(),
        })
        .await?;
    Ok(summary)
}

/// `serve`'s daily job: runs at start and then every `JOB_INTERVAL`, logging each run; a failed
/// run is logged and tried again the next day.
pub async fn daily<S: Store>(store: S, policy: RetentionPolicy) {
    let mut interval = tokio::time::interval(JOB_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match run(&store, &policy, &SystemClock).await {
            Ok(summary) => tracing::info!(%summary, "retention: deleted what was due"),
            Err(error) => tracing::error!(%error, "retention: the daily run failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_whole_years_back() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T04:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let policy = RetentionPolicy {
            report_years: 25,
            ..RetentionPolicy::default()
        };
        assert_eq!(report_cutoff(&policy, now), "2001-12-07T04:00:00.000Z");
        assert_eq!(
            event_cutoffs(&policy, now),
            (
                "2026-09-08T04:00:00.000Z".to_owned(),
                "2026-11-07T04:00:00.000Z".to_owned()
            )
        );
    }
}
