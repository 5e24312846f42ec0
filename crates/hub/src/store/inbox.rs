//! The inbox, read a page at a time (hubperf): one indexed query per page over a summary of each
//! report kept in its row (migration 5), never the bodies.
//!
//! The summary has two halves, each written in the transaction that changes what it sums up:
//! what the body says (suspected CSAM, escalated on the device, school, group, page, whether the
//! adult recorded) is written by `ingest` with each newer revision; what the case says (entries,
//! assignee, escalated on the hub, closed) is worked out again from the whole chronology by
//! `add_case_entry`, in the transaction that appends the entry (the chronology itself stays
//! append-only). `inbox_rank` is `case::inbox_rank` of both halves: the inbox's order is
//! `inbox_rank`, then newest first (`sort_at`: the body's `createdAt`, else the first arrival),
//! then first arrival and id (the order the inbox had before paging), read from the index
//! `reports_inbox` (and, for a safeguarding reader, `reports_inbox_assigned`).
//!
//! Pages follow on by keyset, never by offset: the "older" link carries the last row's place
//! (`InboxCursor`), and the next page starts after it, however many reports come before.
//!
//! One body of SQL for both back ends, as in `account_admin.rs`.

use std::future::Future;
use std::sync::LazyLock;

use std::collections::HashMap;

use super::account_admin::numbered;
use super::{
    case_from, report_from, AnyStore, CaseRow, PostgresStore, ReportRow, SqliteStore, StoreError,
    StoredReport, CASE_COLUMNS, REPORT_COLUMNS,
};
use crate::case::{CaseEntry, CaseState};
use crate::roles::ReportScope;

/// The most reports the inbox shows on one page.
pub const INBOX_PAGE_SIZE: usize = 50;

/// One line of the inbox: a report's summary, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxSummary {
    /// The report's id.
    pub id: String,
    /// The body's `createdAt`, when it has one.
    pub created_at: Option<String>,
    /// When the first revision arrived.
    pub first_received_at: String,
    /// What "newest first" sorts by: `created_at`, else `first_received_at`.
    pub sort_at: String,
    /// `school.name`.
    pub school_name: String,
    /// `pupil.groupLabel`.
    pub group_label: String,
    /// `page.url`.
    pub page_url: String,
    /// The adult on the device has recorded.
    pub adult_recorded: bool,
    /// Suspected CSAM.
    pub csam: bool,
    /// Escalated on the device or on the hub.
    pub escalated: bool,
    /// Who the case is assigned to.
    pub assigned_to: Option<String>,
    /// The case is closed.
    pub closed: bool,
    /// How many entries the case's chronology has.
    pub case_entries: i64,
    /// `case::inbox_rank`.
    pub rank: i64,
}

impl InboxSummary {
    /// Flagged rows go to the top, whatever their age.
    pub fn flagged(&self) -> bool {
        (self.csam || self.escalated) && !self.closed
    }
    /// Nobody has done anything with it yet.
    pub fn is_new(&self) -> bool {
        self.case_entries == 0
    }
    /// Where the next page starts.
    pub fn cursor(&self) -> InboxCursor {
        InboxCursor {
            rank: self.rank,
            sort_at: self.sort_at.clone(),
            first_received_at: self.first_received_at.clone(),
            id: self.id.clone(),
        }
    }
}

/// A place in the inbox's order: the last row of a page (the "older" link carries it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InboxCursor {
    /// `inbox_rank`.
    pub rank: i64,
    /// `sort_at`.
    #[serde(rename = "at")]
    pub sort_at: String,
    /// `first_received_at`.
    #[serde(rename = "first")]
    pub first_received_at: String,
    /// The report's id.
    pub id: String,
}

/// Reading the inbox a page at a time.
pub trait InboxStore {
    /// Up to `limit` reports `scope` may read, in the inbox's order, after `after` (from the
    /// top without one).
    fn inbox_page(
        &self,
        scope: ReportScope<'_>,
        after: Option<&InboxCursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<InboxSummary>, StoreError>> + Send;
    /// How many open flagged reports (suspected CSAM, escalated) `scope` may read.
    fn inbox_flagged_count(
        &self,
        scope: ReportScope<'_>,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// The ids of every report `scope` may read, oldest first by first arrival (what an export
    /// lists, read before the export's bodies are, a page at a time, by `reports_with_cases`).
    fn readable_report_ids(
        &self,
        scope: ReportScope<'_>,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    /// The reports `ids` names that still exist, in that order, each with its chronology.
    fn reports_with_cases(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<(StoredReport, Vec<CaseEntry>)>, StoreError>> + Send;
}

/// The most ids `reports_with_cases` is asked for at once (an export's page).
pub const EXPORT_PAGE_SIZE: usize = 200;

/// `?, ?, …` for `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Puts `reports` in `ids`' order, each with its entries from `entries` (by report, then place).
fn in_order(
    ids: &[String],
    reports: Vec<StoredReport>,
    entries: Vec<CaseEntry>,
) -> Vec<(StoredReport, Vec<CaseEntry>)> {
    let mut by_id: HashMap<String, (StoredReport, Vec<CaseEntry>)> = reports
        .into_iter()
        .map(|r| (r.id.clone(), (r, Vec::new())))
        .collect();
    for entry in entries {
        if let Some((_, mine)) = by_id.get_mut(&entry.report_id) {
            mine.push(entry);
        }
    }
    ids.iter().filter_map(|id| by_id.remove(id)).collect()
}

/// `case::inbox_rank` in SQL, over the given expressions for "flagged", "closed" and "entries".
fn rank_sql(flag: &str, closed: &str, entries: &str) -> String {
    format!(
        "CASE WHEN ({flag}) AND {closed} = 0 THEN 0 WHEN {entries} = 0 THEN 1 \
         WHEN {closed} = 0 THEN 2 ELSE 3 END"
    )
}

/// `upsert_report_sql` for SQLite.
pub(super) static UPSERT_SQLITE: LazyLock<String> = LazyLock::new(upsert_report_sql);
/// `upsert_report_sql` for PostgreSQL.
pub(super) static UPSERT_POSTGRES: LazyLock<String> =
    LazyLock::new(|| numbered(&upsert_report_sql()));

/// Stores a report's newest revision with its summary's body half, if its id is new or its
/// revision higher (`?` placeholders, bound by `bind_upsert!`); returns the revision stored.
fn upsert_report_sql() -> String {
    let rank = rank_sql(
        "excluded.csam = 1 OR excluded.escalated_on_device = 1 OR reports.escalated_on_hub = 1",
        "reports.closed",
        "reports.case_entries",
    );
    format!(
        "INSERT INTO reports (id, revision, body, created_at, first_received_at, received_at, signing_key,
            sort_at, csam, escalated_on_device, school_name, group_label, page_url, adult_recorded, inbox_rank)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
            revision = excluded.revision, body = excluded.body, created_at = excluded.created_at,
            received_at = excluded.received_at, signing_key = excluded.signing_key,
            sort_at = COALESCE(excluded.created_at, reports.first_received_at),
            csam = excluded.csam, escalated_on_device = excluded.escalated_on_device,
            school_name = excluded.school_name, group_label = excluded.group_label,
            page_url = excluded.page_url, adult_recorded = excluded.adult_recorded,
            inbox_rank = {rank}
         WHERE reports.revision < excluded.revision
         RETURNING revision"
    )
}

/// Binds `upsert_report_sql`'s values.
macro_rules! bind_upsert {
    ($query:expr, $report:expr, $facts:expr) => {{
        let (report, facts): (&crate::store::NewReport, &crate::case::ReportFacts) =
            ($report, $facts);
        let new_rank = crate::case::inbox_rank(
            facts.csam || facts.escalated_on_device,
            &crate::case::CaseState::default(),
        );
        $query
            .bind(&report.id)
            .bind(report.revision)
            .bind(&report.body)
            .bind(&report.created_at)
            .bind(&report.received_at)
            .bind(&report.received_at)
            .bind(&report.signing_key)
            .bind(report.created_at.as_ref().unwrap_or(&report.received_at))
            .bind(i64::from(facts.csam))
            .bind(i64::from(facts.escalated_on_device))
            .bind(&facts.school_name)
            .bind(&facts.group_label)
            .bind(&facts.page_url)
            .bind(i64::from(facts.adult_recorded))
            .bind(new_rank)
    }};
}
pub(super) use bind_upsert;

/// The columns an `InboxSummary` is read from.
const SUMMARY_COLUMNS: &str = "id, created_at, first_received_at, sort_at, school_name, \
    group_label, page_url, adult_recorded, csam, escalated_on_device + escalated_on_hub, \
    assigned_to, closed, case_entries, inbox_rank";

type SummaryRow = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<String>,
    i64,
    i64,
    i64,
);

fn summary_from(
    (
        id,
        created_at,
        first_received_at,
        sort_at,
        school_name,
        group_label,
        page_url,
        adult_recorded,
        csam,
        escalated,
        assigned_to,
        closed,
        case_entries,
        rank,
    ): SummaryRow,
) -> InboxSummary {
    InboxSummary {
        id,
        created_at,
        first_received_at,
        sort_at,
        school_name,
        group_label,
        page_url,
        adult_recorded: adult_recorded != 0,
        csam: csam != 0,
        escalated: escalated != 0,
        assigned_to,
        closed: closed != 0,
        case_entries,
        rank,
    }
}

/// The inbox's order after the rank (`reports_inbox`'s columns after `inbox_rank`).
const WITHIN_RANK: &str = "sort_at DESC, first_received_at, id";

/// The SQL for the part of the inbox `segment` reads (with `scope`'s condition, if any).
fn page_sql(scope: &str, segment: Segment) -> String {
    let (condition, order) = match segment {
        Segment::Top => (String::new(), format!("inbox_rank, {WITHIN_RANK}")),
        // The rest of the cursor's rank and press time (ties: first arrival, then id).
        Segment::SameTime => (
            " AND inbox_rank = ? AND sort_at = ? AND (first_received_at, id) > (?, ?)".into(),
            "first_received_at, id".into(),
        ),
        Segment::SameRank => (
            " AND inbox_rank = ? AND sort_at < ?".into(),
            WITHIN_RANK.into(),
        ),
        Segment::LaterRanks => (
            " AND inbox_rank > ?".into(),
            format!("inbox_rank, {WITHIN_RANK}"),
        ),
    };
    format!("SELECT {SUMMARY_COLUMNS} FROM reports WHERE 1 = 1{scope}{condition} ORDER BY {order} LIMIT ?")
}

/// The parts of the inbox after a cursor, in order: each one index range, so a page deep in the
/// inbox costs what the first page does.
#[derive(Debug, Clone, Copy)]
enum Segment {
    Top,
    SameTime,
    SameRank,
    LaterRanks,
}

/// `scope` as a condition and its value; `None` when it reads nothing at all.
fn scope_sql<'a>(scope: ReportScope<'a>) -> Option<(&'static str, Option<&'a str>)> {
    match scope {
        ReportScope::Every => Some(("", None)),
        ReportScope::AssignedTo(me) => Some((" AND assigned_to = ?", Some(me))),
        ReportScope::Nothing => None,
    }
}

/// Works a report's case summary out again from its whole chronology (read inside the caller's
/// transaction, after its new entry), as `UPDATE` values: entries, assignee, escalated on the
/// hub, closed.
fn case_summary(entries: &[(String, String)]) -> (i64, Option<String>, i64, i64) {
    let entries: Vec<CaseEntry> = entries
        .iter()
        .map(|(kind, detail)| CaseEntry {
            report_id: String::new(),
            seq: 0,
            at: String::new(),
            actor: String::new(),
            kind: kind.clone(),
            detail: detail.clone(),
        })
        .collect();
    let state = CaseState::from_entries(&entries);
    (
        state.entries as i64,
        state.assigned_to,
        i64::from(state.escalated),
        i64::from(state.closed),
    )
}

fn refresh_case_sql() -> String {
    let rank = rank_sql("csam = 1 OR escalated_on_device = 1 OR ? = 1", "?", "?");
    format!(
        "UPDATE reports SET case_entries = ?, assigned_to = ?, escalated_on_hub = ?, closed = ?, \
         inbox_rank = {rank} WHERE id = ?"
    )
}

macro_rules! impl_inbox {
    ($store:ty, $db:ty, $sql:expr, $refresh:ident) => {
        /// Brings `report_id`'s case summary up to date with its chronology, inside the
        /// caller's transaction (the one that appended the entry).
        pub(super) async fn $refresh(
            conn: &mut <$db as sqlx::Database>::Connection,
            report_id: &str,
        ) -> Result<(), StoreError> {
            let entries: Vec<(String, String)> = sqlx::query_as(&$sql(
                "SELECT kind, detail FROM case_entries WHERE report_id = ? ORDER BY seq",
            ))
            .bind(report_id)
            .fetch_all(&mut *conn)
            .await?;
            let (count, assigned_to, escalated, closed) = case_summary(&entries);
            sqlx::query(&$sql(&refresh_case_sql()))
                .bind(count)
                .bind(&assigned_to)
                .bind(escalated)
                .bind(closed)
                .bind(escalated)
                .bind(closed)
                .bind(count)
                .bind(closed)
                .bind(report_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        impl InboxStore for $store {
            async fn inbox_page(
                &self,
                scope: ReportScope<'_>,
                after: Option<&InboxCursor>,
                limit: usize,
            ) -> Result<Vec<InboxSummary>, StoreError> {
                let Some((scope, who)) = scope_sql(scope) else {
                    return Ok(Vec::new());
                };
                let segments: &[Segment] = match after {
                    None => &[Segment::Top],
                    Some(_) => &[Segment::SameTime, Segment::SameRank, Segment::LaterRanks],
                };
                let mut page = Vec::new();
                for &segment in segments {
                    let wanted = limit.saturating_sub(page.len());
                    if wanted == 0 {
                        break;
                    }
                    let sql = $sql(&page_sql(scope, segment));
                    let mut query = sqlx::query_as::<_, SummaryRow>(&sql);
                    if let Some(who) = who {
                        query = query.bind(who);
                    }
                    if let Some(after) = after {
                        query = match segment {
                            Segment::Top => query,
                            Segment::SameTime => query
                                .bind(after.rank)
                                .bind(&after.sort_at)
                                .bind(&after.first_received_at)
                                .bind(&after.id),
                            Segment::SameRank => query.bind(after.rank).bind(&after.sort_at),
                            Segment::LaterRanks => query.bind(after.rank),
                        };
                    }
                    let rows = query
                        .bind(i64::try_from(wanted).unwrap_or(i64::MAX))
                        .fetch_all(&self.pool)
                        .await?;
                    page.extend(rows.into_iter().map(summary_from));
                }
                Ok(page)
            }

            async fn inbox_flagged_count(&self, scope: ReportScope<'_>) -> Result<i64, StoreError> {
                let Some((scope, who)) = scope_sql(scope) else {
                    return Ok(0);
                };
                let sql = $sql(&format!(
                    "SELECT COUNT(*) FROM reports WHERE inbox_rank = 0{scope}"
                ));
                let mut query = sqlx::query_scalar::<_, i64>(&sql);
                if let Some(who) = who {
                    query = query.bind(who);
                }
                Ok(query.fetch_one(&self.pool).await?)
            }

            async fn readable_report_ids(&self, scope: ReportScope<'_>) -> Result<Vec<String>, StoreError> {
                let Some((scope, who)) = scope_sql(scope) else {
                    return Ok(Vec::new());
                };
                let sql = $sql(&format!(
                    "SELECT id FROM reports WHERE 1 = 1{scope} ORDER BY first_received_at, id"
                ));
                let mut query = sqlx::query_scalar::<_, String>(&sql);
                if let Some(who) = who {
                    query = query.bind(who);
                }
                Ok(query.fetch_all(&self.pool).await?)
            }

            async fn reports_with_cases(
                &self,
                ids: &[String],
            ) -> Result<Vec<(StoredReport, Vec<CaseEntry>)>, StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let list = placeholders(ids.len());
                let sql = $sql(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id IN ({list})"));
                let mut query = sqlx::query_as::<_, ReportRow>(&sql);
                for id in ids {
                    query = query.bind(id);
                }
                let reports = query.fetch_all(&self.pool).await?;
                let sql = $sql(&format!(
                    "SELECT {CASE_COLUMNS} FROM case_entries WHERE report_id IN ({list}) ORDER BY report_id, seq"
                ));
                let mut query = sqlx::query_as::<_, CaseRow>(&sql);
                for id in ids {
                    query = query.bind(id);
                }
                let entries = query.fetch_all(&self.pool).await?;
                Ok(in_order(
                    ids,
                    reports.into_iter().map(report_from).collect(),
                    entries.into_iter().map(case_from).collect(),
                ))
            }
        }
    };
}

fn sqlite_sql(sql: &str) -> String {
    sql.to_owned()
}

impl_inbox!(
    SqliteStore,
    sqlx::Sqlite,
    sqlite_sql,
    sqlite_refresh_case_summary
);
impl_inbox!(
    PostgresStore,
    sqlx::Postgres,
    numbered,
    postgres_refresh_case_summary
);

impl InboxStore for AnyStore {
    async fn inbox_page(
        &self,
        scope: ReportScope<'_>,
        after: Option<&InboxCursor>,
        limit: usize,
    ) -> Result<Vec<InboxSummary>, StoreError> {
        delegate!(self, s => s.inbox_page(scope, after, limit).await)
    }
    async fn inbox_flagged_count(&self, scope: ReportScope<'_>) -> Result<i64, StoreError> {
        delegate!(self, s => s.inbox_flagged_count(scope).await)
    }
    async fn readable_report_ids(&self, scope: ReportScope<'_>) -> Result<Vec<String>, StoreError> {
        delegate!(self, s => s.readable_report_ids(scope).await)
    }
    async fn reports_with_cases(
        &self,
        ids: &[String],
    ) -> Result<Vec<(StoredReport, Vec<CaseEntry>)>, StoreError> {
        delegate!(self, s => s.reports_with_cases(ids).await)
    }
}

/// Fills in every report's summary from its body and chronology in a SQLite database that has
/// the whole schema: a PostgreSQL hub's backup copies the reports and chronologies, and this
/// makes their summaries as migration 5 would (its statements between the column definitions
/// and the indexes).
pub(super) async fn refill_sqlite_summaries(
    conn: &mut sqlx::SqliteConnection,
) -> Result<(), StoreError> {
    use sqlx::Executor;
    let migration = include_str!("../../migrations/sqlite/0005_inbox_summary.sql");
    let start = migration.find("-- What the body says").unwrap_or(0);
    let end = migration
        .find("-- The inbox's order")
        .unwrap_or(migration.len());
    conn.execute(&migration[start..end]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::inbox_rank;

    #[test]
    fn the_case_summary_follows_the_chronology() {
        let entries = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(k, d)| (k.to_string(), d.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(case_summary(&[]), (0, None, 0, 0));
        assert_eq!(
            case_summary(&entries(&[
                ("assign", "ana"),
                ("escalate", "now"),
                ("outcome", "police"),
                ("close", ""),
                ("reopen", "again"),
                ("assign", "ben"),
            ])),
            (6, Some("ben".into()), 1, 0)
        );
        assert_eq!(
            case_summary(&entries(&[("outcome", "iwf"), ("close", "")])),
            (2, None, 0, 1)
        );
    }

    #[test]
    fn ranks_in_sql_and_in_rust_agree() {
        // Every combination, evaluated by SQLite from `rank_sql`, against `case::inbox_rank`.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
                .await
                .expect("sqlite");
            for flag in [false, true] {
                for closed in [false, true] {
                    for entries in [0_usize, 1, 3] {
                        if closed && entries == 0 {
                            continue;
                        }
                        let state = CaseState {
                            closed,
                            entries,
                            ..CaseState::default()
                        };
                        let sql = format!("SELECT {}", rank_sql("? = 1", "?", "?"));
                        let rank: i64 = sqlx::query_scalar(&sql)
                            .bind(i64::from(flag))
                            .bind(i64::from(closed))
                            .bind(entries as i64)
                            .bind(i64::from(closed))
                            .fetch_one(&mut conn)
                            .await
                            .expect("rank");
                        assert_eq!(rank, inbox_rank(flag, &state), "{flag} {closed} {entries}");
                    }
                }
            }
        });
    }
}
