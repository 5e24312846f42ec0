//! Storage for the filter check log (`filter_checks`, `docs/hub.md` "The filter check log"): the
//! checks (written by `EventStore::store_batch` with their event, in the same transaction), each
//! device's latest, the "actions taken" notes (append-only: the database refuses to change or
//! delete one), and a term's counts for the governors.
//!
//! One body of SQL for both back ends, as `event_store` does.

use std::future::Future;

use super::account_admin::{postgres_sql, sqlite_sql};
use super::{AnyStore, PostgresStore, SqliteStore, StoreError};
use crate::filter_checks::{FilterCheck, FilterCheckAction};

/// Checks and their notes, on either back end.
pub trait FilterCheckStore {
    /// Checks that ran in `[from, to)` (either end open when `None`), newest first, at most `limit`.
    fn filter_checks(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<FilterCheck>, StoreError>> + Send;
    /// Each device's latest check (by when it ran), by group then device.
    fn latest_filter_checks(
        &self,
    ) -> impl Future<Output = Result<Vec<FilterCheck>, StoreError>> + Send;
    /// Appends an "actions taken" note to check `id`; `None` (nothing written) if there is no such check.
    fn add_filter_check_action(
        &self,
        id: i64,
        note: &str,
        by: &str,
        at: &str,
    ) -> impl Future<Output = Result<Option<FilterCheckAction>, StoreError>> + Send;
    /// The notes on the checks numbered `first..=last`, oldest first.
    fn filter_check_actions(
        &self,
        first: i64,
        last: i64,
    ) -> impl Future<Output = Result<Vec<FilterCheckAction>, StoreError>> + Send;
    /// How many checks ran in `[from, to)`, and how many of them failed.
    fn filter_check_counts(
        &self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<(i64, i64), StoreError>> + Send;
}

const CHECK_COLUMNS: &str = "id, device, checked_at, trigger_kind, checked_by, group_name, passed, results, lists_version, extension_version, received_at";

type CheckRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
);

fn check_from(
    (
        id,
        device,
        checked_at,
        trigger,
        checked_by,
        group,
        passed,
        results,
        lists_version,
        extension_version,
        received_at,
    ): CheckRow,
) -> FilterCheck {
    FilterCheck {
        id,
        device,
        checked_at,
        trigger,
        checked_by,
        group,
        passed: passed != 0,
        results,
        lists_version,
        extension_version,
        received_at,
    }
}

type ActionRow = (i64, i64, String, String, String);

fn action_from((id, check_id, note, added_by, added_at): ActionRow) -> FilterCheckAction {
    FilterCheckAction {
        id,
        check_id,
        note,
        added_by,
        added_at,
    }
}

macro_rules! impl_filter_check_store {
    ($store:ty, $sql:path) => {
        impl FilterCheckStore for $store {
            async fn filter_checks(
                &self,
                from: Option<&str>,
                to: Option<&str>,
                limit: i64,
            ) -> Result<Vec<FilterCheck>, StoreError> {
                // An open end is the widest text bound: every time sorts after "" and before "~".
                let rows: Vec<CheckRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {CHECK_COLUMNS} FROM filter_checks WHERE checked_at >= ? AND checked_at < ? ORDER BY checked_at DESC, id DESC LIMIT ?"
                )))
                .bind(from.unwrap_or(""))
                .bind(to.unwrap_or("~"))
                .bind(limit.clamp(1, 5000))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(check_from).collect())
            }

            async fn latest_filter_checks(&self) -> Result<Vec<FilterCheck>, StoreError> {
                // Latest by when it ran, not when it arrived: a check queued offline may arrive late.
                let rows: Vec<CheckRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {CHECK_COLUMNS} FROM filter_checks f WHERE NOT EXISTS (SELECT 1 FROM filter_checks g WHERE g.device = f.device AND (g.checked_at > f.checked_at OR (g.checked_at = f.checked_at AND g.id > f.id))) ORDER BY group_name, device"
                )))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(check_from).collect())
            }

            async fn add_filter_check_action(
                &self,
                id: i64,
                note: &str,
                by: &str,
                at: &str,
            ) -> Result<Option<FilterCheckAction>, StoreError> {
                let row: Option<ActionRow> = sqlx::query_as(&$sql(
                    "INSERT INTO filter_check_actions (check_id, note, added_by, added_at) SELECT id, ?, ?, ? FROM filter_checks WHERE id = ? RETURNING id, check_id, note, added_by, added_at",
                ))
                .bind(note)
                .bind(by)
                .bind(at)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(action_from))
            }

            async fn filter_check_actions(
                &self,
                first: i64,
                last: i64,
            ) -> Result<Vec<FilterCheckAction>, StoreError> {
                let rows: Vec<ActionRow> = sqlx::query_as(&$sql(
                    "SELECT id, check_id, note, added_by, added_at FROM filter_check_actions WHERE check_id >= ? AND check_id <= ? ORDER BY id",
                ))
                .bind(first)
                .bind(last)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(action_from).collect())
            }

            async fn filter_check_counts(&self, from: &str, to: &str) -> Result<(i64, i64), StoreError> {
                let (done, failed): (i64, Option<i64>) = sqlx::query_as(&$sql(
                    "SELECT COUNT(*), SUM(CASE WHEN passed = 0 THEN 1 ELSE 0 END) FROM filter_checks WHERE checked_at >= ? AND checked_at < ?",
                ))
                .bind(from)
                .bind(to)
                .fetch_one(&self.pool)
                .await?;
                Ok((done, failed.unwrap_or(0)))
            }
        }
    };
}

impl_filter_check_store!(SqliteStore, sqlite_sql);
impl_filter_check_store!(PostgresStore, postgres_sql);

impl FilterCheckStore for AnyStore {
    async fn filter_checks(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<FilterCheck>, StoreError> {
        delegate!(self, s => s.filter_checks(from, to, limit).await)
    }
    async fn latest_filter_checks(&self) -> Result<Vec<FilterCheck>, StoreError> {
        delegate!(self, s => s.latest_filter_checks().await)
    }
    async fn add_filter_check_action(
        &self,
        id: i64,
        note: &str,
        by: &str,
        at: &str,
    ) -> Result<Option<FilterCheckAction>, StoreError> {
        delegate!(self, s => s.add_filter_check_action(id, note, by, at).await)
    }
    async fn filter_check_actions(
        &self,
        first: i64,
        last: i64,
    ) -> Result<Vec<FilterCheckAction>, StoreError> {
        delegate!(self, s => s.filter_check_actions(first, last).await)
    }
    async fn filter_check_counts(&self, from: &str, to: &str) -> Result<(i64, i64), StoreError> {
        delegate!(self, s => s.filter_check_counts(from, to).await)
    }
}
