//! Storage for "Ask my teacher" (`docs/requests.md`): requests stored once, answered at most
//! once (the answer and its audit entry in one transaction), the answers a device is given, and
//! the groups each teacher answers for.
//!
//! One body of SQL for both back ends, as `event_store` does: `impl_request_store!` expands it
//! for SQLite and PostgreSQL. `INSERT … ON CONFLICT DO NOTHING` on the request's id stores a
//! retried request once, whichever hub on one database receives it; `UPDATE … WHERE status =
//! 'open'` answers it once, whichever teacher presses first.

use std::future::Future;

use super::account_admin::{postgres_begin, postgres_sql, sqlite_begin, sqlite_sql};
use super::{AnyStore, PostgresStore, SqliteStore, StoreError};
use crate::audit::AuditEvent;
use crate::requests::{Answer, NewRequest, StoredRequest};

/// Which requests to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// Only open ones (not yet answered).
    pub open_only: bool,
    /// Only these groups (`None`: every group).
    pub groups: Option<Vec<String>>,
    /// At most this many (1–500).
    pub limit: i64,
}

/// Who is asking for answers: the device as it reports itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswersFor<'a> {
    /// The device.
    pub device: &'a str,
    /// Its managed account, if Chrome gives one.
    pub user: Option<&'a str>,
    /// Its group.
    pub group: &'a str,
    /// Its organisational unit, if set.
    pub org_unit: Option<&'a str>,
    /// Its own requests received since this time are answered whatever their state.
    pub own_since: &'a str,
    /// Approvals for others that end after this time apply to it.
    pub now: &'a str,
}

/// Requests, answers and teachers' groups, on either back end.
pub trait RequestStore {
    /// Stores a checked request once; false if its id was already held (nothing changes).
    fn store_request(
        &self,
        request: &NewRequest,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// One request.
    fn override_request(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredRequest>, StoreError>> + Send;
    /// Requests matching `filter`, newest first.
    fn override_requests(
        &self,
        filter: &RequestFilter,
    ) -> impl Future<Output = Result<Vec<StoredRequest>, StoreError>> + Send;
    /// Answers an open request and writes `request-KIND` to the audit log, in one transaction;
    /// false (nothing changes) if it was already answered.
    fn answer_request(
        &self,
        id: &str,
        answer: &Answer,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// A device's own requests since `own_since`, and approvals in force at `now` for its pupil,
    /// group or organisational unit; each once, with whether it is the device's own.
    fn answers_for(
        &self,
        who: &AnswersFor<'_>,
    ) -> impl Future<Output = Result<Vec<(StoredRequest, bool)>, StoreError>> + Send;
    /// The groups a teacher answers for, sorted.
    fn teacher_groups(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    /// Replaces a teacher's groups, and writes `set-teacher-groups` to the audit log.
    fn set_teacher_groups(
        &self,
        username: &str,
        groups: &[String],
        by: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

const REQUEST_COLUMNS: &str = "id, device, username, group_name, org_unit, url, site, category, rule, reason, asked_at, received_at, signing_key, status, decided_by, decided_at, scope, starts_at, ends_at, note, decided_via";

/// A row of `REQUEST_COLUMNS` (21 columns: more than sqlx decodes as one tuple).
macro_rules! request_from {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        Ok::<_, sqlx::Error>(StoredRequest {
            request: NewRequest {
                id: r.try_get(0)?,
                device: r.try_get(1)?,
                user: r.try_get(2)?,
                group: r.try_get(3)?,
                org_unit: r.try_get(4)?,
                url: r.try_get(5)?,
                site: r.try_get(6)?,
                category: r.try_get(7)?,
                rule: r.try_get(8)?,
                reason: r.try_get(9)?,
                asked_at: r.try_get(10)?,
                received_at: r.try_get(11)?,
                signing_key: r.try_get(12)?,
            },
            status: r.try_get(13)?,
            decided_by: r.try_get(14)?,
            decided_at: r.try_get(15)?,
            scope: r.try_get(16)?,
            starts_at: r.try_get(17)?,
            ends_at: r.try_get(18)?,
            note: r.try_get(19)?,
            decided_via: r.try_get(20)?,
        })
    }};
}

macro_rules! impl_request_store {
    ($store:ty, $sql:path, $begin:path, $audit:path) => {
        impl RequestStore for $store {
            async fn store_request(&self, q: &NewRequest) -> Result<bool, StoreError> {
                let inserted = sqlx::query(&$sql(&format!(
                    "INSERT INTO override_requests ({REQUEST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, NULL, NULL, NULL, NULL, NULL, NULL) ON CONFLICT (id) DO NOTHING"
                )))
                .bind(&q.id)
                .bind(&q.device)
                .bind(&q.user)
                .bind(&q.group)
                .bind(&q.org_unit)
                .bind(&q.url)
                .bind(&q.site)
                .bind(&q.category)
                .bind(&q.rule)
                .bind(&q.reason)
                .bind(&q.asked_at)
                .bind(&q.received_at)
                .bind(&q.signing_key)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(inserted == 1)
            }

            async fn override_request(&self, id: &str) -> Result<Option<StoredRequest>, StoreError> {
                let row = sqlx::query(&$sql(&format!(
                    "SELECT {REQUEST_COLUMNS} FROM override_requests WHERE id = ?"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| request_from!(&r)).transpose()?)
            }

            async fn override_requests(&self, filter: &RequestFilter) -> Result<Vec<StoredRequest>, StoreError> {
                let mut sql = format!("SELECT {REQUEST_COLUMNS} FROM override_requests WHERE 1 = 1");
                if filter.open_only {
                    sql.push_str(" AND status = 'open'");
                }
                if let Some(groups) = &filter.groups {
                    if groups.is_empty() {
                        return Ok(Vec::new());
                    }
                    sql.push_str(&format!(" AND group_name IN ({})", vec!["?"; groups.len()].join(", ")));
                }
                sql.push_str(" ORDER BY received_at DESC, id DESC LIMIT ?");
                let sql = $sql(&sql);
                let mut query = sqlx::query(&sql);
                for group in filter.groups.iter().flatten() {
                    query = query.bind(group);
                }
                let rows = query.bind(filter.limit.clamp(1, 500)).fetch_all(&self.pool).await?;
                Ok(rows.iter().map(|r| request_from!(r)).collect::<Result<_, _>>()?)
            }

            async fn answer_request(&self, id: &str, answer: &Answer) -> Result<bool, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let (starts_at, ends_at) = answer.window.clone().unzip();
                let updated = sqlx::query(&$sql(
                    "UPDATE override_requests SET status = ?, decided_by = ?, decided_at = ?, scope = ?, starts_at = ?, ends_at = ?, note = ?, decided_via = ? WHERE id = ? AND status = 'open'",
                ))
                .bind(answer.status)
                .bind(&answer.decided_by)
                .bind(&answer.decided_at)
                .bind(answer.scope.map(|s| s.as_str()))
                .bind(starts_at)
                .bind(ends_at)
                .bind(&answer.note)
                .bind(&answer.via)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                let event = AuditEvent {
                    actor: answer.decided_by.clone(),
                    action: format!("request-{}", answer.status),
                    // Through a staff device: which one, beside the request (`staff_devices::via`).
                    subject: match &answer.via {
                        Some(via) => format!("{id} via {via}"),
                        None => id.to_owned(),
                    },
                };
                $audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn answers_for(&self, who: &AnswersFor<'_>) -> Result<Vec<(StoredRequest, bool)>, StoreError> {
                // Own requests (any state), then approvals in force for the pupil's account, the
                // group or the organisational unit. An empty org unit or account matches nothing.
                let sql = format!(
                    "SELECT {REQUEST_COLUMNS} FROM override_requests
                     WHERE (device = ? AND received_at >= ?)
                        OR (status = 'approved' AND ends_at > ? AND (
                              (scope = 'pupil' AND username IS NOT NULL AND username = ?)
                           OR (scope = 'pupil' AND username IS NULL AND device = ?)
                           OR (scope = 'group' AND group_name = ?)
                           OR (scope = 'org-unit' AND org_unit IS NOT NULL AND org_unit = ?)))
                     ORDER BY received_at, id LIMIT 200"
                );
                let sql = $sql(&sql);
                let rows = sqlx::query(&sql)
                    .bind(who.device)
                    .bind(who.own_since)
                    .bind(who.now)
                    .bind(who.user.unwrap_or(""))
                    .bind(who.device)
                    .bind(who.group)
                    .bind(who.org_unit.unwrap_or(""))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::new();
                for row in &rows {
                    let request = request_from!(row)?;
                    let own = request.request.device == who.device;
                    out.push((request, own));
                }
                Ok(out)
            }

            async fn teacher_groups(&self, username: &str) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(&$sql(
                    "SELECT group_name FROM teacher_groups WHERE username = ? ORDER BY group_name",
                ))
                .bind(username)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn set_teacher_groups(&self, username: &str, groups: &[String], by: &str) -> Result<(), StoreError> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(&$sql("DELETE FROM teacher_groups WHERE username = ?"))
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                for group in groups {
                    sqlx::query(&$sql(
                        "INSERT INTO teacher_groups (username, group_name) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    ))
                    .bind(username)
                    .bind(group)
                    .execute(&mut *tx)
                    .await?;
                }
                let event = AuditEvent {
                    actor: by.to_owned(),
                    action: "set-teacher-groups".to_owned(),
                    subject: format!("{username}: {}", groups.join(", ")),
                };
                $audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

impl_request_store!(
    SqliteStore,
    sqlite_sql,
    sqlite_begin,
    super::sqlite::append_audit
);
impl_request_store!(
    PostgresStore,
    postgres_sql,
    postgres_begin,
    super::postgres::append_audit
);

impl RequestStore for AnyStore {
    async fn store_request(&self, request: &NewRequest) -> Result<bool, StoreError> {
        delegate!(self, s => s.store_request(request).await)
    }
    async fn override_request(&self, id: &str) -> Result<Option<StoredRequest>, StoreError> {
        delegate!(self, s => s.override_request(id).await)
    }
    async fn override_requests(
        &self,
        filter: &RequestFilter,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        delegate!(self, s => s.override_requests(filter).await)
    }
    async fn answer_request(&self, id: &str, answer: &Answer) -> Result<bool, StoreError> {
        delegate!(self, s => s.answer_request(id, answer).await)
    }
    async fn answers_for(
        &self,
        who: &AnswersFor<'_>,
    ) -> Result<Vec<(StoredRequest, bool)>, StoreError> {
        delegate!(self, s => s.answers_for(who).await)
    }
    async fn teacher_groups(&self, username: &str) -> Result<Vec<String>, StoreError> {
        delegate!(self, s => s.teacher_groups(username).await)
    }
    async fn set_teacher_groups(
        &self,
        username: &str,
        groups: &[String],
        by: &str,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.set_teacher_groups(username, groups, by).await)
    }
}
