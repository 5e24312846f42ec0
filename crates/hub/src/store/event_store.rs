//! Storage for monitoring events (`docs/events.md`): batches stored once, the events the DSL
//! searches, each device's latest state for the IT lead, and their deletion by the retention job.
//!
//! One body of SQL for both back ends, as `account_admin` does: `impl_event_store!` expands it
//! for SQLite (`BEGIN IMMEDIATE`: the write lock is held from the first read to the commit) and
//! PostgreSQL (`INSERT … ON CONFLICT DO NOTHING` on the batch id: a second hub inserting the
//! same batch waits for the first's commit, then inserts nothing), so any number of hubs on one
//! database store a batch once.

use std::future::Future;

use super::account_admin::{postgres_sql, sqlite_sql};
use super::{AnyStore, PostgresStore, SqliteStore, StoreError};
use crate::digest::Attempt;
use crate::events::NewBatch;
use crate::summary::EventCount;

/// What `store_batch` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// A new batch: committed, with this many events (an event already held from another
    /// batch is not stored twice).
    Stored {
        /// Events stored.
        events: u64,
        /// The search alerts among them, for the DSL to be told.
        alerts: Vec<NewAlert>,
        /// The failed filter checks among them (`filter_checks` ids), for the IT lead to be told.
        failed_checks: Vec<i64>,
    },
    /// The batch was already stored: nothing changed.
    AlreadyStored,
}

/// A search alert just stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// The event's number.
    pub seq: i64,
    /// `prevent`, `self-harm`, `grooming` or `safeguarding`.
    pub alert: String,
    /// The report the device made for it, when it made one.
    pub report_id: Option<String>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The hub's number for it (grows with arrival).
    pub seq: i64,
    /// The device.
    pub device: String,
    /// The device's id for it.
    pub event_id: String,
    /// The batch it came in.
    pub batch: String,
    /// When it happened (UTC).
    pub at: String,
    /// Its kind.
    pub kind: String,
    /// The managed account, when Chrome gave one.
    pub user: Option<String>,
    /// The age group.
    pub group: String,
    /// The filter category.
    pub category: Option<String>,
    /// The alert, for a search alert.
    pub alert: Option<String>,
    /// The host.
    pub host: Option<String>,
    /// The report made for a search alert.
    pub report_id: Option<String>,
    /// The event's JSON as sent.
    pub body: String,
    /// When the hub received it.
    pub received_at: String,
}

impl StoredEvent {
    /// A text field of the event as sent (`terms`, `engine`, `url`, …), or "".
    pub fn field(&self, name: &str) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get(name).and_then(|f| f.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}

/// A device as the IT lead sees it (plus the last user, which only the DSL's pages show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceState {
    /// The device id.
    pub device: String,
    /// The account last signed in (pupil data: never shown to the IT lead).
    pub user: Option<String>,
    /// The age group.
    pub group: String,
    /// The extension's version.
    pub extension_version: String,
    /// When the hub first heard from it.
    pub first_seen_at: String,
    /// When the hub last heard from it (the hub's clock).
    pub last_seen_at: String,
    /// Its newest event's time (the device's clock).
    pub last_event_at: Option<String>,
    /// Its last heartbeat's state.
    pub heartbeat_state: Option<String>,
    /// That heartbeat's time.
    pub heartbeat_at: Option<String>,
    /// Since when it has been flagged as gone silent (cleared when it is heard from again).
    pub silent_since: Option<String>,
}

/// Which events to list: every field narrows; newest first, `limit` at a time, after a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// One pupil's account.
    pub user: Option<String>,
    /// One device.
    pub device: Option<String>,
    /// One group.
    pub group: Option<String>,
    /// One category.
    pub category: Option<String>,
    /// One kind.
    pub kind: Option<String>,
    /// At or after (UTC, RFC 3339).
    pub from: Option<String>,
    /// Before (UTC, RFC 3339).
    pub to: Option<String>,
    /// Paging: only events past this `(at, seq)` in the list's order (the last row of the
    /// previous page): older ones, or newer ones when `oldest_first`.
    pub before: Option<(String, i64)>,
    /// Oldest first instead of newest first (a chronology reads forwards).
    pub oldest_first: bool,
    /// At most this many (1–1000).
    pub limit: i64,
}

/// Events, devices and their deletion, on either back end.
pub trait EventStore {
    /// Stores a checked batch once, with its events and the device's state, in one transaction.
    fn store_batch(
        &self,
        batch: &NewBatch,
    ) -> impl Future<Output = Result<BatchOutcome, StoreError>> + Send;
    /// Events matching `filter`.
    fn events(
        &self,
        filter: &EventFilter,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, StoreError>> + Send;
    /// One event by its number.
    fn event(
        &self,
        seq: i64,
    ) -> impl Future<Output = Result<Option<StoredEvent>, StoreError>> + Send;
    /// Every device, by group then id.
    fn devices(&self) -> impl Future<Output = Result<Vec<DeviceState>, StoreError>> + Send;
    /// Flags (once) every device whose last heartbeat said `active` and that has sent nothing
    /// since `heard_before`; returns the devices flagged now (not those flagged earlier).
    fn flag_silent_devices(
        &self,
        heard_before: &str,
        now: &str,
    ) -> impl Future<Output = Result<Vec<DeviceState>, StoreError>> + Send;
    /// Makes `report_id` (a record the hub made from the alert) the alert's safeguarding
    /// record; false (nothing changes) if the alert already has one.
    fn link_alert_record(
        &self,
        seq: i64,
        report_id: &str,
        by: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The safeguarding record made from an alert, if one was.
    fn alert_record(
        &self,
        seq: i64,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Every `blocked` event in `[from, to)`, oldest first, as the digest's repeated attempts
    /// read them (`digest.rs`).
    fn blocked_attempts(
        &self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<Vec<Attempt>, StoreError>> + Send;
    /// How many blocked, circumvention, search-alert and help-seeking events of each kind,
    /// category and alert happened in `[from, to)`: the governors' summary (`summary.rs`), read
    /// from the index `events_counted` alone (migration 12).
    fn event_counts(
        &self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<Vec<EventCount>, StoreError>> + Send;
    /// Deletes events that happened before `before` (and `visit` and `heartbeat` events before
    /// `visits_before`),
    /// and batch records received before `before`; how many events.
    fn purge_events(
        &self,
        before: &str,
        visits_before: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

pub(super) type EventRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);
pub(super) const EVENT_COLUMNS: &str = "seq, device, event_id, batch, at, kind, username, group_name, category, alert, host, report_id, body, received_at";

pub(super) fn event_from(
    (
        seq,
        device,
        event_id,
        batch,
        at,
        kind,
        user,
        group,
        category,
        alert,
        host,
        report_id,
        body,
        received_at,
    ): EventRow,
) -> StoredEvent {
    StoredEvent {
        seq,
        device,
        event_id,
        batch,
        at,
        kind,
        user,
        group,
        category,
        alert,
        host,
        report_id,
        body,
        received_at,
    }
}

type DeviceRow = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
const DEVICE_COLUMNS: &str = "device, username, group_name, extension_version, first_seen_at, last_seen_at, last_event_at, heartbeat_state, heartbeat_at, silent_since";

fn device_from(
    (
        device,
        user,
        group,
        extension_version,
        first_seen_at,
        last_seen_at,
        last_event_at,
        heartbeat_state,
        heartbeat_at,
        silent_since,
    ): DeviceRow,
) -> DeviceState {
    DeviceState {
        device,
        user,
        group,
        extension_version,
        first_seen_at,
        last_seen_at,
        last_event_at,
        heartbeat_state,
        heartbeat_at,
        silent_since,
    }
}

/// A value bound to an event search.
enum Bind {
    Text(String),
    Number(i64),
}

/// The `WHERE … ORDER BY … LIMIT` of an event search, with `?` placeholders, and its values in
/// order (every value is bound, never written into the SQL).
fn event_query(filter: &EventFilter) -> (String, Vec<Bind>) {
    let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE 1 = 1");
    let mut values = Vec::new();
    for (column, value) in [
        ("username", &filter.user),
        ("device", &filter.device),
        ("group_name", &filter.group),
        ("category", &filter.category),
        ("kind", &filter.kind),
    ] {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = ?"));
            values.push(Bind::Text(value.clone()));
        }
    }
    if let Some(from) = &filter.from {
        sql.push_str(" AND at >= ?");
        values.push(Bind::Text(from.clone()));
    }
    if let Some(to) = &filter.to {
        sql.push_str(" AND at < ?");
        values.push(Bind::Text(to.clone()));
    }
    let (order, past) = if filter.oldest_first {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    if let Some((at, seq)) = &filter.before {
        sql.push_str(&format!(" AND (at {past} ? OR (at = ? AND seq {past} ?))"));
        values.extend([
            Bind::Text(at.clone()),
            Bind::Text(at.clone()),
            Bind::Number(*seq),
        ]);
    }
    values.push(Bind::Number(filter.limit.clamp(1, 1000)));
    (
        format!("{sql} ORDER BY at {order}, seq {order} LIMIT ?"),
        values,
    )
}

macro_rules! impl_event_store {
    ($store:ty, $sql:path, $begin:expr) => {
        impl EventStore for $store {
            async fn store_batch(&self, batch: &NewBatch) -> Result<BatchOutcome, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let inserted = sqlx::query(&$sql(
                    "INSERT INTO event_batches (batch, device, signing_key, sent_at, received_at, events) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (batch) DO NOTHING",
                ))
                .bind(&batch.batch)
                .bind(&batch.device)
                .bind(&batch.signing_key)
                .bind(&batch.sent_at)
                .bind(&batch.received_at)
                .bind(batch.events.len() as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    tx.rollback().await?;
                    return Ok(BatchOutcome::AlreadyStored);
                }
                let (mut stored, mut alerts, mut failed_checks) = (0, Vec::new(), Vec::new());
                for event in &batch.events {
                    let seq: Option<i64> = sqlx::query_scalar(&$sql(
                        "INSERT INTO events (device, event_id, batch, at, kind, username, group_name, category, alert, host, report_id, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device, event_id) DO NOTHING RETURNING seq",
                    ))
                    .bind(&batch.device)
                    .bind(&event.id)
                    .bind(&batch.batch)
                    .bind(&event.at)
                    .bind(&event.kind)
                    .bind(&batch.user)
                    .bind(&batch.group)
                    .bind(&event.category)
                    .bind(&event.alert)
                    .bind(&event.host)
                    .bind(&event.report_id)
                    .bind(&event.body)
                    .bind(&batch.received_at)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(seq) = seq else { continue };
                    stored += 1;
                    // The filter check log keeps the check past the event's retention.
                    if let Some(check) = &event.filter_check {
                        let id: Option<i64> = sqlx::query_scalar(&$sql(
                            "INSERT INTO filter_checks (device, event_id, checked_at, trigger_kind, checked_by, group_name, passed, results, lists_version, extension_version, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device, event_id) DO NOTHING RETURNING id",
                        ))
                        .bind(&batch.device)
                        .bind(&event.id)
                        .bind(&event.at)
                        .bind(&check.trigger)
                        .bind(&check.checked_by)
                        .bind(check.groups.as_ref().unwrap_or(&batch.group))
                        .bind(i64::from(check.passed))
                        .bind(&check.results)
                        .bind(&check.lists_version)
                        .bind(&batch.extension_version)
                        .bind(&batch.received_at)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if let Some(id) = id.filter(|_| !check.passed) {
                            failed_checks.push(id);
                        }
                    }
                    if let Some(alert) = &event.alert {
                        alerts.push(NewAlert {
                            seq,
                            alert: alert.clone(),
                            report_id: event.report_id.clone(),
                        });
                    }
                }
                let (state, heartbeat_at) = batch
                    .last_heartbeat()
                    .map_or((None, None), |(s, at)| (Some(s), Some(at)));
                // Newer facts win, whatever order batches arrive in; hearing from a device at all
                // ends its "gone silent" flag.
                sqlx::query(&$sql(
                    "INSERT INTO devices (device, username, group_name, extension_version, first_seen_at, last_seen_at, last_event_at, heartbeat_state, heartbeat_at, silent_since)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                     ON CONFLICT (device) DO UPDATE SET
                        username = excluded.username, group_name = excluded.group_name,
                        extension_version = excluded.extension_version,
                        last_seen_at = CASE WHEN excluded.last_seen_at > devices.last_seen_at THEN excluded.last_seen_at ELSE devices.last_seen_at END,
                        last_event_at = CASE WHEN devices.last_event_at IS NULL OR excluded.last_event_at > devices.last_event_at THEN excluded.last_event_at ELSE devices.last_event_at END,
                        heartbeat_state = CASE WHEN excluded.heartbeat_at IS NOT NULL AND (devices.heartbeat_at IS NULL OR excluded.heartbeat_at >= devices.heartbeat_at) THEN excluded.heartbeat_state ELSE devices.heartbeat_state END,
                        heartbeat_at = CASE WHEN excluded.heartbeat_at IS NOT NULL AND (devices.heartbeat_at IS NULL OR excluded.heartbeat_at >= devices.heartbeat_at) THEN excluded.heartbeat_at ELSE devices.heartbeat_at END,
                        silent_since = NULL",
                ))
                .bind(&batch.device)
                .bind(&batch.user)
                .bind(&batch.group)
                .bind(&batch.extension_version)
                .bind(&batch.received_at)
                .bind(&batch.received_at)
                .bind(batch.last_event_at())
                .bind(state)
                .bind(heartbeat_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(BatchOutcome::Stored { events: stored, alerts, failed_checks })
            }

            async fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
                let (sql, values) = event_query(filter);
                let sql = $sql(&sql);
                let mut query = sqlx::query_as::<_, EventRow>(&sql);
                for value in values {
                    query = match value {
                        Bind::Text(text) => query.bind(text),
                        Bind::Number(n) => query.bind(n),
                    };
                }
                let rows = query.fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(event_from).collect())
            }

            async fn event(&self, seq: i64) -> Result<Option<StoredEvent>, StoreError> {
                let row: Option<EventRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE seq = ?"
                )))
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(event_from))
            }

            async fn devices(&self) -> Result<Vec<DeviceState>, StoreError> {
                let rows: Vec<DeviceRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY group_name, device"
                )))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(device_from).collect())
            }

            async fn flag_silent_devices(
                &self,
                heard_before: &str,
                now: &str,
            ) -> Result<Vec<DeviceState>, StoreError> {
                // One statement: with several hubs, each device is flagged (and mailed) once.
                let rows: Vec<DeviceRow> = sqlx::query_as(&$sql(&format!(
                    "UPDATE devices SET silent_since = ? WHERE heartbeat_state = 'active' AND last_seen_at < ? AND silent_since IS NULL RETURNING {DEVICE_COLUMNS}"
                )))
                .bind(now)
                .bind(heard_before)
                .fetch_all(&self.pool)
                .await?;
                let mut devices: Vec<DeviceState> = rows.into_iter().map(device_from).collect();
                devices.sort_by(|a, b| (&a.group, &a.device).cmp(&(&b.group, &b.device)));
                Ok(devices)
            }

            async fn link_alert_record(&self, seq: i64, report_id: &str, by: &str, at: &str) -> Result<bool, StoreError> {
                let inserted = sqlx::query(&$sql(
                    "INSERT INTO event_alerts (event_seq, case_id, opened_by, opened_at) VALUES (?, ?, ?, ?) ON CONFLICT (event_seq) DO NOTHING",
                ))
                .bind(seq)
                .bind(report_id)
                .bind(by)
                .bind(at)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(inserted == 1)
            }

            async fn alert_record(&self, seq: i64) -> Result<Option<String>, StoreError> {
                let record: Option<Option<String>> = sqlx::query_scalar(&$sql(
                    "SELECT case_id FROM event_alerts WHERE event_seq = ?",
                ))
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?;
                Ok(record.flatten())
            }

            async fn blocked_attempts(&self, from: &str, to: &str) -> Result<Vec<Attempt>, StoreError> {
                let rows: Vec<(String, Option<String>, Option<String>, String, Option<String>)> = sqlx::query_as(&$sql(
                    "SELECT device, username, host, at, category FROM events WHERE kind = 'blocked' AND at >= ? AND at < ? ORDER BY at, seq",
                ))
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(device, user, host, at, category)| Attempt::new(&device, user, host, at, category))
                    .collect())
            }

            async fn event_counts(&self, from: &str, to: &str) -> Result<Vec<EventCount>, StoreError> {
                // The WHERE repeats the index's, word for word (migration 12).
                let rows: Vec<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(&$sql(
                    "SELECT kind, category, alert, COUNT(*) FROM events WHERE kind IN ('blocked', 'circumvention', 'search-alert', 'help-seeking') AND at >= ? AND at < ? GROUP BY kind, category, alert ORDER BY kind, category, alert",
                ))
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(kind, category, alert, count)| EventCount { kind, category, alert, count })
                    .collect())
            }

            async fn purge_events(&self, before: &str, visits_before: &str) -> Result<u64, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let mut deleted = sqlx::query(&$sql("DELETE FROM events WHERE at < ?"))
                    .bind(before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                deleted += sqlx::query(&$sql("DELETE FROM events WHERE kind IN ('visit', 'heartbeat') AND at < ?"))
                    .bind(visits_before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query(&$sql("DELETE FROM event_batches WHERE received_at < ?"))
                    .bind(before)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(&$sql(
                    "DELETE FROM event_alerts WHERE event_seq NOT IN (SELECT seq FROM events)",
                ))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(deleted)
            }
        }
    };
}

async fn sqlite_begin(
    pool: &sqlx::SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

async fn postgres_begin(
    pool: &sqlx::PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

impl_event_store!(SqliteStore, sqlite_sql, sqlite_begin);
impl_event_store!(PostgresStore, postgres_sql, postgres_begin);

impl EventStore for AnyStore {
    async fn store_batch(&self, batch: &NewBatch) -> Result<BatchOutcome, StoreError> {
        delegate!(self, s => s.store_batch(batch).await)
    }
    async fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        delegate!(self, s => s.events(filter).await)
    }
    async fn event(&self, seq: i64) -> Result<Option<StoredEvent>, StoreError> {
        delegate!(self, s => s.event(seq).await)
    }
    async fn devices(&self) -> Result<Vec<DeviceState>, StoreError> {
        delegate!(self, s => s.devices().await)
    }
    async fn flag_silent_devices(
        &self,
        heard_before: &str,
        now: &str,
    ) -> Result<Vec<DeviceState>, StoreError> {
        delegate!(self, s => s.flag_silent_devices(heard_before, now).await)
    }
    async fn link_alert_record(
        &self,
        seq: i64,
        report_id: &str,
        by: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.link_alert_record(seq, report_id, by, at).await)
    }
    async fn alert_record(&self, seq: i64) -> Result<Option<String>, StoreError> {
        delegate!(self, s => s.alert_record(seq).await)
    }
    async fn blocked_attempts(&self, from: &str, to: &str) -> Result<Vec<Attempt>, StoreError> {
        delegate!(self, s => s.blocked_attempts(from, to).await)
    }
    async fn event_counts(&self, from: &str, to: &str) -> Result<Vec<EventCount>, StoreError> {
        delegate!(self, s => s.event_counts(from, to).await)
    }
    async fn purge_events(&self, before: &str, visits_before: &str) -> Result<u64, StoreError> {
        delegate!(self, s => s.purge_events(before, visits_before).await)
    }
}
