//! Storage for the digest's jobs and pages (`digest_mail.rs`, `usage.rs`, `expected.rs`): the
//! row that claims a scheduled e-mail's period (so several hubs on one PostgreSQL send it once),
//! the alerts open at the top of the inbox and their dismissals, the school's list of expected
//! devices, and the counts the monthly usage report reads.
//!
//! One body of SQL for both back ends, as `event_store` does.

use std::future::Future;

use super::account_admin::{postgres_sql, sqlite_sql};
use super::event_store::{event_from, EventRow, EVENT_COLUMNS};
use super::{AnyStore, PostgresStore, SqliteStore, StoreError, StoredEvent};

/// A device the school expects to hear from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedDevice {
    /// The id as the extension sends it (`device` in a batch).
    pub device: String,
    /// The school's name for it (an asset tag, a trolley and slot).
    pub label: String,
    /// Who uploaded the list.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: String,
}

/// A dismissed alert: who, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismissal {
    /// Who dismissed it.
    pub by: String,
    /// When.
    pub at: String,
    /// Why, in the DSL's words.
    pub reason: String,
}

/// How many events of one kind a group had in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    /// The age group.
    pub group: String,
    /// The event's kind.
    pub kind: String,
    /// How many.
    pub count: i64,
}

/// The digest's storage, on either back end.
pub trait DigestStore {
    /// Claims `period` (`weekly:2026-W49`, `monthly:2026-11`) for one e-mail; false if it was
    /// claimed already (by this hub or another on the database).
    fn claim_mail(
        &self,
        period: &str,
        by: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Gives a claim back (the e-mail could not be sent: the next run tries again).
    fn release_mail(&self, period: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Search alerts still open, newest first: not made a safeguarding record, not dismissed,
    /// and not linked to a report the hub holds (that report is in the inbox itself).
    fn open_alerts(
        &self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, StoreError>> + Send;
    /// Dismisses alert `seq`; false (nothing changes) if it was dismissed already.
    fn dismiss_alert(
        &self,
        seq: i64,
        dismissal: &Dismissal,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Why alert `seq` was dismissed, if it was.
    fn alert_dismissal(
        &self,
        seq: i64,
    ) -> impl Future<Output = Result<Option<Dismissal>, StoreError>> + Send;
    /// Replaces the list of expected devices with `devices`, in one transaction.
    fn replace_expected_devices(
        &self,
        devices: &[ExpectedDevice],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The list of expected devices, by label then id.
    fn expected_devices(
        &self,
    ) -> impl Future<Output = Result<Vec<ExpectedDevice>, StoreError>> + Send;
    /// Events in `[from, to)` counted by group and kind.
    fn group_counts(
        &self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<Vec<GroupCount>, StoreError>> + Send;
    /// The hosts with most `blocked` events in `[from, to)`, most first, at most `limit`.
    fn top_blocked_hosts(
        &self,
        from: &str,
        to: &str,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<(String, i64)>, StoreError>> + Send;
    /// How many devices sent an event that happened in `[from, to)`.
    fn devices_seen(
        &self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// How many case entries of `kinds` were written in `[from, to)`.
    fn case_entry_count(
        &self,
        kinds: &[&str],
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
}

type ExpectedRow = (String, String, String, String);

macro_rules! impl_digest_store {
    ($store:ty, $sql:path) => {
        impl DigestStore for $store {
            async fn claim_mail(&self, period: &str, by: &str, at: &str) -> Result<bool, StoreError> {
                // One statement: of several hubs claiming at once, exactly one inserts.
                let inserted = sqlx::query(&$sql(
                    "INSERT INTO digest_mail_sent (period, sent_by, claimed_at) VALUES (?, ?, ?) ON CONFLICT (period) DO NOTHING",
                ))
                .bind(period)
                .bind(by)
                .bind(at)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(inserted == 1)
            }

            async fn release_mail(&self, period: &str) -> Result<(), StoreError> {
                sqlx::query(&$sql("DELETE FROM digest_mail_sent WHERE period = ?"))
                    .bind(period)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn open_alerts(&self, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
                let columns = EVENT_COLUMNS
                    .split(", ")
                    .map(|c| format!("e.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let rows: Vec<EventRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {columns} FROM events e WHERE e.kind = 'search-alert' \
                     AND NOT EXISTS (SELECT 1 FROM event_alerts a WHERE a.event_seq = e.seq AND a.case_id IS NOT NULL) \
                     AND NOT EXISTS (SELECT 1 FROM alert_dismissals d WHERE d.event_seq = e.seq) \
                     AND (e.report_id IS NULL OR NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = e.report_id)) \
                     ORDER BY e.at DESC, e.seq DESC LIMIT ?"
                )))
                .bind(limit.clamp(1, 1000))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(event_from).collect())
            }

            async fn dismiss_alert(&self, seq: i64, dismissal: &Dismissal) -> Result<bool, StoreError> {
                let inserted = sqlx::query(&$sql(
                    "INSERT INTO alert_dismissals (event_seq, dismissed_by, dismissed_at, reason) VALUES (?, ?, ?, ?) ON CONFLICT (event_seq) DO NOTHING",
                ))
                .bind(seq)
                .bind(&dismissal.by)
                .bind(&dismissal.at)
                .bind(&dismissal.reason)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(inserted == 1)
            }

            async fn alert_dismissal(&self, seq: i64) -> Result<Option<Dismissal>, StoreError> {
                let row: Option<(String, String, String)> = sqlx::query_as(&$sql(
                    "SELECT dismissed_by, dismissed_at, reason FROM alert_dismissals WHERE event_seq = ?",
                ))
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(by, at, reason)| Dismissal { by, at, reason }))
            }

            async fn replace_expected_devices(&self, devices: &[ExpectedDevice]) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM expected_devices")
                    .execute(&mut *tx)
                    .await?;
                for device in devices {
                    sqlx::query(&$sql(
                        "INSERT INTO expected_devices (device, label, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?)",
                    ))
                    .bind(&device.device)
                    .bind(&device.label)
                    .bind(&device.uploaded_by)
                    .bind(&device.uploaded_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn expected_devices(&self) -> Result<Vec<ExpectedDevice>, StoreError> {
                let rows: Vec<ExpectedRow> = sqlx::query_as(
                    "SELECT device, label, uploaded_by, uploaded_at FROM expected_devices ORDER BY label, device",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(device, label, uploaded_by, uploaded_at)| ExpectedDevice { device, label, uploaded_by, uploaded_at })
                    .collect())
            }

            async fn group_counts(&self, from: &str, to: &str) -> Result<Vec<GroupCount>, StoreError> {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(&$sql(
                    "SELECT group_name, kind, COUNT(*) FROM events WHERE at >= ? AND at < ? GROUP BY group_name, kind ORDER BY group_name, kind",
                ))
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(group, kind, count)| GroupCount { group, kind, count })
                    .collect())
            }

            async fn top_blocked_hosts(&self, from: &str, to: &str, limit: i64) -> Result<Vec<(String, i64)>, StoreError> {
                Ok(sqlx::query_as(&$sql(
                    "SELECT host, COUNT(*) AS n FROM events WHERE kind = 'blocked' AND host IS NOT NULL AND at >= ? AND at < ? GROUP BY host ORDER BY n DESC, host LIMIT ?",
                ))
                .bind(from)
                .bind(to)
                .bind(limit.clamp(1, 1000))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn devices_seen(&self, from: &str, to: &str) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar(&$sql(
                    "SELECT COUNT(DISTINCT device) FROM events WHERE at >= ? AND at < ?",
                ))
                .bind(from)
                .bind(to)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn case_entry_count(&self, kinds: &[&str], from: &str, to: &str) -> Result<i64, StoreError> {
                if kinds.is_empty() {
                    return Ok(0);
                }
                let marks = vec!["?"; kinds.len()].join(", ");
                let sql = $sql(&format!(
                    "SELECT COUNT(*) FROM case_entries WHERE at >= ? AND at < ? AND kind IN ({marks})"
                ))
                .into_owned();
                let mut query = sqlx::query_scalar(&sql).bind(from).bind(to);
                for kind in kinds {
                    query = query.bind(*kind);
                }
                Ok(query.fetch_one(&self.pool).await?)
            }
        }
    };
}

impl_digest_store!(SqliteStore, sqlite_sql);
impl_digest_store!(PostgresStore, postgres_sql);

impl DigestStore for AnyStore {
    async fn claim_mail(&self, period: &str, by: &str, at: &str) -> Result<bool, StoreError> {
        delegate!(self, s => s.claim_mail(period, by, at).await)
    }
    async fn release_mail(&self, period: &str) -> Result<(), StoreError> {
        delegate!(self, s => s.release_mail(period).await)
    }
    async fn open_alerts(&self, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        delegate!(self, s => s.open_alerts(limit).await)
    }
    async fn dismiss_alert(&self, seq: i64, dismissal: &Dismissal) -> Result<bool, StoreError> {
        delegate!(self, s => s.dismiss_alert(seq, dismissal).await)
    }
    async fn alert_dismissal(&self, seq: i64) -> Result<Option<Dismissal>, StoreError> {
        delegate!(self, s => s.alert_dismissal(seq).await)
    }
    async fn replace_expected_devices(&self, devices: &[ExpectedDevice]) -> Result<(), StoreError> {
        delegate!(self, s => s.replace_expected_devices(devices).await)
    }
    async fn expected_devices(&self) -> Result<Vec<ExpectedDevice>, StoreError> {
        delegate!(self, s => s.expected_devices().await)
    }
    async fn group_counts(&self, from: &str, to: &str) -> Result<Vec<GroupCount>, StoreError> {
        delegate!(self, s => s.group_counts(from, to).await)
    }
    async fn top_blocked_hosts(
        &self,
        from: &str,
        to: &str,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        delegate!(self, s => s.top_blocked_hosts(from, to, limit).await)
    }
    async fn devices_seen(&self, from: &str, to: &str) -> Result<i64, StoreError> {
        delegate!(self, s => s.devices_seen(from, to).await)
    }
    async fn case_entry_count(
        &self,
        kinds: &[&str],
        from: &str,
        to: &str,
    ) -> Result<i64, StoreError> {
        delegate!(self, s => s.case_entry_count(kinds, from, to).await)
    }
}
