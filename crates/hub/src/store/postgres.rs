//! The PostgreSQL back end, for a trust or local authority running several hubs on one database.
//!
//! Every rule that must hold across hub processes is decided by PostgreSQL itself: "is this
//! revision newer?" is one `INSERT … ON CONFLICT DO UPDATE … WHERE` (the row is locked and the
//! condition re-checked against the committed row), migrations run under an advisory lock, and a
//! revoked key is read from the database on every request. Commits use the server's
//! `synchronous_commit` (on by default): a 2xx is sent only after PostgreSQL has flushed the commit.

use std::path::Path;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use super::sqlite::{finish_backup, open_backup_target, remove_if_present};
use super::{
    account_from, audit_from, case_from, key_from, report_from, revision_from, AccountRow,
    AuditRow, CaseRow, IngestOutcome, KeyRow, NewReport, ReportRow, RevisionRow, Store, StoreError,
    StoredReport, StoredRevision, ACCOUNT_COLUMNS, AUDIT_COLUMNS, CASE_COLUMNS, CLOSED_BEFORE_SQL,
    REPORT_COLUMNS,
};
use crate::accounts::Account;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::case::CaseEntry;
use crate::migrations::{Migration, POSTGRES, POSTGRES_LOCK_KEY};
use crate::signing_keys::SigningKey;

/// The PostgreSQL back end.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pub(super) pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Held to the end of the transaction: hubs starting together migrate one at a time.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(POSTGRES_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&mut *tx)
                .await?;
        if let Some(unknown) = applied
            .iter()
            .find(|v| !POSTGRES.iter().any(|m| m.version == **v))
        {
            return Err(StoreError::UnknownMigration(*unknown));
        }
        for Migration {
            version,
            description,
            sql,
        } in POSTGRES.iter().filter(|m| !applied.contains(&m.version))
        {
            tracing::info!(version, description, "applying migration");
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)")
                .bind(version)
                .bind(description)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The migrations this database has.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ingest(&self, report: &NewReport) -> Result<IngestOutcome, StoreError> {
        // hubperf: with the inbox's summary of the body (`store::inbox`).
        let facts = crate::case::ReportFacts::of(&report.body);
        let mut tx = self.pool.begin().await?;
        let stored: Option<i64> = super::inbox::bind_upsert!(
            sqlx::query_scalar(super::inbox::UPSERT_POSTGRES.as_str()),
            report,
            &facts
        )
        .fetch_optional(&mut *tx)
        .await?;
        if stored.is_none() {
            let stored_revision: i64 =
                sqlx::query_scalar("SELECT revision FROM reports WHERE id = $1")
                    .bind(&report.id)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Ok(IngestOutcome::Unchanged { stored_revision });
        }
        sqlx::query(
            "INSERT INTO report_revisions (id, revision, body, received_at, signing_key) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&report.id)
        .bind(report.revision)
        .bind(&report.body)
        .bind(&report.received_at)
        .bind(&report.signing_key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(IngestOutcome::Stored)
    }

    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT label, secret, created_at, revoked_at FROM signing_keys WHERE revoked_at IS NULL ORDER BY created_at, label",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(key_from).collect())
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        let rows: Vec<KeyRow> =
            sqlx::query_as("SELECT label, secret, created_at, revoked_at FROM signing_keys ORDER BY created_at, label")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(key_from).collect())
    }

    async fn add_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO signing_keys (label, secret, created_at, revoked_at) VALUES ($1, $2, $3, $4)")
            .bind(&key.label)
            .bind(&key.secret)
            .bind(&key.created_at)
            .bind(&key.revoked_at)
            .execute(&self.pool)
            .await
            .map_err(|e| match super::is_unique_violation(&e) {
                true => StoreError::DuplicateLabel(key.label.clone()),
                false => e.into(),
            })?;
        Ok(())
    }

    async fn revoke_signing_key(&self, label: &str, at: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE signing_keys SET revoked_at = $1 WHERE label = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(label)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn report(&self, id: &str) -> Result<Option<StoredReport>, StoreError> {
        let row: Option<ReportRow> = sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(report_from))
    }

    async fn reports(&self) -> Result<Vec<StoredReport>, StoreError> {
        let rows: Vec<ReportRow> = sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports ORDER BY first_received_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(report_from).collect())
    }

    async fn revisions(&self) -> Result<Vec<StoredRevision>, StoreError> {
        let rows: Vec<RevisionRow> = sqlx::query_as(
            "SELECT id, revision, body, received_at, signing_key FROM report_revisions ORDER BY id, revision",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(revision_from).collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Copies one snapshot (a REPEATABLE READ, READ ONLY transaction) into a new SQLite file with
    /// the hub's schema, page by page: the same kind of file a SQLite hub's backup is.
    async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::BackupExists(to.display().to_string()));
        }
        let partial = super::partial_backup_path(to);
        remove_if_present(&partial)?;
        let (target_pool, mut target) = open_backup_target(&partial).await?;
        let mut snapshot = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *snapshot)
            .await?;

        // hubops: every table the catalogue lists, so none can be forgotten (`table_copy`).
        super::table_copy::postgres_to_sqlite(&mut snapshot, &mut target).await?;
        snapshot.rollback().await?;
        // hubperf: the inbox's summaries, from what was copied.
        super::inbox::refill_sqlite_summaries(&mut target).await?;
        target.commit().await?;
        target_pool.close().await;
        finish_backup(&partial, to)
    }
    async fn has_accounts(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    async fn replace_setup_token(&self, token_hash: &str, at: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
            .bind(token_hash)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn setup_token_usable(&self, token_hash: &str) -> Result<bool, StoreError> {
        let usable: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND NOT EXISTS (SELECT 1 FROM accounts)",
        )
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await?;
        Ok(usable > 0)
    }

    async fn create_first_account(
        &self,
        token_hash: &str,
        account: &Account,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let used = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *tx)
            .await?;
        if used != 1 || existing > 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(&format!(
            "INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(&account.username)
        .bind(&account.role)
        .bind(&account.password_hash)
        .bind(&account.totp_secret)
        .bind(account.totp_last_step)
        .bind(&account.created_at)
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent {
            actor: account.username.clone(),
            action: "created-account".into(),
            subject: account.username.clone(),
        };
        append_audit(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn account(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let row: Option<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1 AND disabled_at IS NULL"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(account_from))
    }

    async fn sign_in(
        &self,
        username: &str,
        totp_step: i64,
        session_hash: &str,
        expires_at: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The step moves forward atomically: a code replayed, here or on another hub, fails.
        let moved = sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 WHERE username = $2 AND totp_last_step < $3",
        )
        .bind(totp_step)
        .bind(username)
        .bind(totp_step)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(session_hash)
            .bind(username)
            .bind(crate::now())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        let event = AuditEvent {
            actor: username.to_owned(),
            action: "signed-in".into(),
            subject: String::new(),
        };
        append_audit(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn session_user(
        &self,
        session_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT username FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(session_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn end_session(&self, session_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(session_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn audit(&self, event: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        let entry = append_audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(entry)
    }

    async fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(audit_from).collect())
    }

    async fn add_case_entry(
        &self,
        report_id: &str,
        actor: &str,
        kind: &str,
        detail: &str,
    ) -> Result<CaseEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Entries from several hubs take turns on the audit chain's lock, so a report's places
        // are given out one at a time too.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(crate::migrations::POSTGRES_AUDIT_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
        let (last,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM case_entries WHERE report_id = $1")
                .bind(report_id)
                .fetch_one(&mut *tx)
                .await?;
        let entry = CaseEntry {
            report_id: report_id.to_owned(),
            seq: last + 1,
            at: crate::now(),
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            detail: detail.to_owned(),
        };
        sqlx::query(&format!(
            "INSERT INTO case_entries ({CASE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(&entry.report_id)
        .bind(entry.seq)
        .bind(&entry.at)
        .bind(&entry.actor)
        .bind(&entry.kind)
        .bind(&entry.detail)
        .execute(&mut *tx)
        .await?;
        // hubperf: the inbox's summary of the case, in the same transaction.
        super::inbox::postgres_refresh_case_summary(&mut tx, report_id).await?;
        let event = AuditEvent {
            actor: actor.to_owned(),
            action: format!("case-{kind}"),
            subject: report_id.to_owned(),
        };
        append_audit(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(entry)
    }
    async fn case_entries(&self, report_id: &str) -> Result<Vec<CaseEntry>, StoreError> {
        let rows: Vec<CaseRow> = sqlx::query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM case_entries WHERE report_id = $1 ORDER BY seq"
        ))
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(case_from).collect())
    }
    async fn all_case_entries(&self) -> Result<Vec<CaseEntry>, StoreError> {
        let rows: Vec<CaseRow> = sqlx::query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM case_entries ORDER BY report_id, seq"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(case_from).collect())
    }
    async fn purge_closed_reports(&self, created_before: &str) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ids: Vec<(String,)> = sqlx::query_as(CLOSED_BEFORE_SQL)
            .bind(created_before)
            .fetch_all(&mut *tx)
            .await?;
        // The report goes first: its chronology may be deleted only once it is gone.
        for (id,) in &ids {
            for sql in [
                "DELETE FROM reports WHERE id = $1",
                "DELETE FROM report_revisions WHERE id = $1",
                "DELETE FROM case_entries WHERE report_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }
    async fn purge_expired_sessions(&self, now: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Appends `event` to the audit log inside the caller's transaction.
pub(super) async fn append_audit(
    conn: &mut sqlx::PgConnection,
    event: &AuditEvent,
) -> Result<AuditEntry, StoreError> {
    // One chain across every hub on the database: appends take turns.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(crate::migrations::POSTGRES_AUDIT_LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let entry = audit::next_entry(
        last.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
        event,
        &crate::now(),
    );
    sqlx::query(&format!(
        "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(entry.seq)
    .bind(&entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await?;
    Ok(entry)
}
