//! The embedded back end: one SQLite file in the data directory, in WAL mode with
//! `synchronous=FULL`, so a commit is on disk before the hub answers (a power cut or `kill -9`
//! loses nothing that was acknowledged), and readers never wait for the writer.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Executor, SqlitePool};

use super::{
    account_from, audit_from, case_from, key_from, report_from, revision_from, AccountRow,
    AuditRow, CaseRow, IngestOutcome, KeyRow, NewReport, ReportRow, RevisionRow, Store, StoreError,
    StoredReport, StoredRevision, ACCOUNT_COLUMNS, AUDIT_COLUMNS, CASE_COLUMNS, CLOSED_BEFORE_SQL,
    REPORT_COLUMNS,
};
use crate::accounts::Account;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::case::CaseEntry;
use crate::migrations::{Migration, SQLITE};
use crate::signing_keys::SigningKey;

/// The SQLite back end.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    path: PathBuf,
    /// hubperf: the one writer that stores reports, a batch per commit.
    writer: super::sqlite_writer::IngestWriter,
}

impl SqliteStore {
    /// Opens the database file at `path` (creating it, and its folder, readable by this user
    /// only) and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| StoreError::Io(format!("cannot create {}", dir.display()), e))?;
        }
        // Create the file first, so it (and the -wal and -shm files SQLite derives from it) is
        // private: reports name pupils.
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| StoreError::Io(format!("cannot open {}", path.display()), e))?;
        let options = Self::options(path);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let store = Self {
            pool,
            path: path.to_owned(),
            writer: super::sqlite_writer::IngestWriter::start(Self::options(path)),
        };
        store.migrate().await?;
        Ok(store)
    }

    fn options(path: &Path) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Another process (a second `signing-key add`, a backup) may hold the write lock
            // for a moment: wait rather than fail.
            .busy_timeout(Duration::from_secs(30))
    }

    /// The file this store uses.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        // IMMEDIATE takes the write lock at once: two processes opening a new file at the same
        // moment migrate one after the other.
        sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let result = Self::migrate_locked(&mut conn).await;
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        sqlx::raw_sql(end).execute(&mut *conn).await?;
        result
    }

    // `conn.execute(sql)` rather than `sqlx::raw_sql(sql).execute(conn)`: rustc cannot prove the
    // latter's future `Send` where `Store::backup` awaits this (a higher-ranked lifetime limit).
    async fn migrate_locked(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
        conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .await?;
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&mut *conn)
                .await?;
        if let Some(unknown) = applied
            .iter()
            .find(|v| !SQLITE.iter().any(|m| m.version == **v))
        {
            return Err(StoreError::UnknownMigration(*unknown));
        }
        for Migration {
            version,
            description,
            sql,
        } in SQLITE.iter().filter(|m| !applied.contains(&m.version))
        {
            tracing::info!(version, description, "applying migration");
            conn.execute(*sql).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
            )
            .bind(version)
            .bind(description)
            .bind(crate::now())
            .execute(&mut *conn)
            .await?;
        }
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

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ingest(&self, report: &NewReport) -> Result<IngestOutcome, StoreError> {
        // hubperf: group commit (`sqlite_writer`): stored with every report waiting at the same
        // moment, in one transaction (`BEGIN IMMEDIATE`: "new or higher" is decided against the
        // latest committed state), answered once that commit is on disk.
        self.writer.ingest(report).await
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
        sqlx::query(
            "INSERT INTO signing_keys (label, secret, created_at, revoked_at) VALUES (?, ?, ?, ?)",
        )
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
            "UPDATE signing_keys SET revoked_at = ? WHERE label = ? AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(label)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn report(&self, id: &str) -> Result<Option<StoredReport>, StoreError> {
        let row: Option<ReportRow> = sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE id = ?"
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

    async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::BackupExists(to.display().to_string()));
        }
        let partial = super::partial_backup_path(to);
        remove_if_present(&partial)?;
        // VACUUM INTO copies one read transaction's snapshot: consistent while others write.
        let target = partial.to_str().ok_or_else(|| {
            StoreError::Io(
                partial.display().to_string(),
                std::io::Error::other("backup path is not UTF-8"),
            )
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        finish_backup(&partial, to)
    }
    async fn has_accounts(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    async fn replace_setup_token(&self, token_hash: &str, at: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)")
            .bind(token_hash)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn setup_token_usable(&self, token_hash: &str) -> Result<bool, StoreError> {
        let usable: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = ? AND NOT EXISTS (SELECT 1 FROM accounts)",
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let used = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = ?")
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
            "INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
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
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ? AND disabled_at IS NULL"
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // The step moves forward atomically: a code replayed, here or on another hub, fails.
        let moved = sqlx::query(
            "UPDATE accounts SET totp_last_step = ? WHERE username = ? AND totp_last_step < ?",
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
        sqlx::query("INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)")
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
            "SELECT username FROM sessions WHERE token_hash = ? AND expires_at > ?",
        )
        .bind(session_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn end_session(&self, session_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(session_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn audit(&self, event: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (last,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM case_entries WHERE report_id = ?")
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
            "INSERT INTO case_entries ({CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
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
        super::inbox::sqlite_refresh_case_summary(&mut tx, report_id).await?;
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
            "SELECT {CASE_COLUMNS} FROM case_entries WHERE report_id = ? ORDER BY seq"
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let ids: Vec<(String,)> = sqlx::query_as(&CLOSED_BEFORE_SQL.replace("$1", "?"))
            .bind(created_before)
            .fetch_all(&mut *tx)
            .await?;
        // The report goes first: its chronology may be deleted only once it is gone.
        for (id,) in &ids {
            for sql in [
                "DELETE FROM reports WHERE id = ?",
                "DELETE FROM report_revisions WHERE id = ?",
                "DELETE FROM case_entries WHERE report_id = ?",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }
    async fn purge_expired_sessions(&self, now: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Appends `event` to the audit log inside the caller's transaction.
pub(super) async fn append_audit(
    conn: &mut sqlx::SqliteConnection,
    event: &AuditEvent,
) -> Result<AuditEntry, StoreError> {
    // The caller's transaction holds SQLite's write lock (BEGIN IMMEDIATE): appends take turns.
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
        "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
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

/// Removes a leftover partial backup.
pub(super) fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(StoreError::Io(path.display().to_string(), e))
        }
        _ => Ok(()),
    }
}

/// Makes a finished backup file durable and gives it its name.
pub(super) fn finish_backup(partial: &Path, to: &Path) -> Result<(), StoreError> {
    let io = |what: &Path| {
        let what = what.display().to_string();
        move |e| StoreError::Io(what, e)
    };
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(io(partial))?;
    std::fs::rename(partial, to).map_err(io(to))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    Ok(())
}

/// A fresh SQLite file for a PostgreSQL backup, with the hub's schema, and the one transaction
/// everything is copied into (committed by the caller).
pub(super) async fn open_backup_target(
    path: &Path,
) -> Result<(SqlitePool, sqlx::Transaction<'static, sqlx::Sqlite>), StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let mut tx = pool.begin().await?;
    SqliteStore::migrate_locked(&mut tx).await?;
    Ok((pool, tx))
}
