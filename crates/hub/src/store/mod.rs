//! Storage behind one trait, with two back ends: SQLite (a file in the data directory, the
//! embedded default) and PostgreSQL (for a trust running several hubs on one database).
//!
//! Both keep the same promise: `ingest` returns only after the report is durably committed
//! (SQLite in WAL mode with `synchronous=FULL`; PostgreSQL's default `synchronous_commit`), and
//! it decides "newer than what is stored" inside the database in one statement, so any number of
//! hub processes on one database store each revision once and never let a lower revision
//! overwrite a higher one.

/// `AnyStore`'s trait methods call the same method on whichever back end it holds. Defined before
/// the modules so that each trait's module can use it for its own `impl … for AnyStore`.
macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call,
            AnyStore::Postgres($s) => $call,
        }
    };
}

mod account_admin;
mod digest_store;
mod event_store;
mod filter_check_store;
mod inbox;
mod policy_store;
mod postgres;
mod request_store;
mod sign_in_state;
mod sqlite;
mod sqlite_writer;
mod staff_device_store;
mod table_copy;

pub use account_admin::{AccountAdmin, AccountLink, AccountSummary, LinkPurpose, OidcSettings};
pub use inbox::{InboxCursor, InboxStore, InboxSummary, EXPORT_PAGE_SIZE, INBOX_PAGE_SIZE};
pub use policy_store::{ApproveOutcome, PolicyStore};
pub use sign_in_state::SignInState;
// evhub: monitoring events (docs/events.md).
pub use event_store::{BatchOutcome, DeviceState, EventFilter, EventStore, NewAlert, StoredEvent};
// selftest: the filter check log (docs/hub.md, "The filter check log").
pub use filter_check_store::FilterCheckStore;
// digest: scheduled e-mails, open alerts, expected devices, the monthly report's counts.
pub use digest_store::{DigestStore, Dismissal, ExpectedDevice, GroupCount};
// ask: "Ask my teacher" requests and teachers' groups (docs/requests.md).
pub use request_store::{AnswersFor, RequestFilter, RequestStore};
pub use staff_device_store::{NewPairingCode, NewStaffDevice, StaffDeviceStore};

use std::future::Future;
use std::path::Path;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::accounts::Account;
use crate::audit::{AuditEntry, AuditEvent};
use crate::case::CaseEntry;
use crate::config::DatabaseLocation;
use crate::signing_keys::SigningKey;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The data directory or a backup file could not be written.
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// A signing-key label already taken (revoked keys keep theirs).
    #[error("a signing key labelled {0:?} already exists")]
    DuplicateLabel(String),
    /// A migration recorded in the database that this build does not know: the database was
    /// used by a newer hub.
    #[error("the database has migration {0}, which this version of the hub does not know: upgrade the hub")]
    UnknownMigration(i64),
    /// A backup or restore that cannot copy a table as it is (hubops: `table_copy`).
    #[error("{0}")]
    Copy(String),
    /// A backup target that already exists.
    #[error("{0} already exists: choose a new file for the backup")]
    BackupExists(String),
    /// A stored value this build cannot use (policyhub: the policy signing key).
    #[error("{0}")]
    Corrupt(String),
}

/// A checked report, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// The report's id.
    pub id: String,
    /// Its revision (1 at the press, +1 for each addition).
    pub revision: i64,
    /// The exact body as received (signed JSON).
    pub body: String,
    /// The body's `createdAt`, when it has one.
    pub created_at: Option<String>,
    /// The label of the key that signed it.
    pub signing_key: String,
    /// When the hub received it (RFC 3339, UTC).
    pub received_at: String,
}

/// What `ingest` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// A new id, or a higher revision: committed.
    Stored,
    /// The stored revision is this one or higher: nothing changed.
    Unchanged {
        /// The revision the hub holds.
        stored_revision: i64,
    },
}

/// A report as stored: its newest revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    /// The report's id.
    pub id: String,
    /// The newest revision received.
    pub revision: i64,
    /// That revision's exact body.
    pub body: String,
    /// The body's `createdAt`.
    pub created_at: Option<String>,
    /// When the first revision arrived.
    pub first_received_at: String,
    /// When the newest revision arrived.
    pub received_at: String,
    /// The key that signed the newest revision.
    pub signing_key: String,
}

/// One stored revision of a report (every revision the hub accepted is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRevision {
    /// The report's id.
    pub id: String,
    /// The revision.
    pub revision: i64,
    /// Its exact body.
    pub body: String,
    /// When it arrived.
    pub received_at: String,
    /// The key that signed it.
    pub signing_key: String,
}

/// The hub's storage.
pub trait Store:
    AccountAdmin
    + InboxStore
    + SignInState
    + EventStore
    + FilterCheckStore
    + DigestStore
    + RequestStore
    + StaffDeviceStore
    + PolicyStore
    + Send
    + Sync
    + Clone
    + 'static
{
    /// Which back end, for logs and `/healthz`.
    fn backend(&self) -> &'static str;
    /// Stores `report` if its id is new or its revision higher than the stored one, atomically,
    /// and returns once that is durable.
    fn ingest(
        &self,
        report: &NewReport,
    ) -> impl Future<Output = Result<IngestOutcome, StoreError>> + Send;
    /// The keys reports may be signed with now.
    fn active_signing_keys(
        &self,
    ) -> impl Future<Output = Result<Vec<SigningKey>, StoreError>> + Send;
    /// Every key, revoked ones included, oldest first.
    fn signing_keys(&self) -> impl Future<Output = Result<Vec<SigningKey>, StoreError>> + Send;
    /// Adds a key.
    fn add_signing_key(
        &self,
        key: &SigningKey,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Revokes the active key labelled `label`; false if there is none.
    fn revoke_signing_key(
        &self,
        label: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// A report's newest revision.
    fn report(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredReport>, StoreError>> + Send;
    /// Every report's newest revision, oldest first by first arrival.
    fn reports(&self) -> impl Future<Output = Result<Vec<StoredReport>, StoreError>> + Send;
    /// Every stored revision of every report, by id then revision.
    fn revisions(&self) -> impl Future<Output = Result<Vec<StoredRevision>, StoreError>> + Send;
    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes a consistent copy of everything to a new SQLite file at `to`, while the hub
    /// keeps serving.
    fn backup(&self, to: &Path) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether any account exists.
    fn has_accounts(&self) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Makes `token_hash` the only first-run token.
    fn replace_setup_token(
        &self,
        token_hash: &str,
        at: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Whether `token_hash` is the first-run token and no account exists yet.
    fn setup_token_usable(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Uses up the first-run token and creates the first account, in one transaction; false (and
    /// nothing changes) if the token is gone or an account already exists.
    fn create_first_account(
        &self,
        token_hash: &str,
        account: &Account,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// An enabled account by name (a disabled one is `None`: it cannot sign in).
    fn account(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;
    /// Records a sign-in: moves the account's last TOTP step forward to `totp_step` (false, and
    /// no session, if a sign-in already used that step or a later one), opens the session and
    /// writes the audit entry, in one transaction.
    fn sign_in(
        &self,
        username: &str,
        totp_step: i64,
        session_hash: &str,
        expires_at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Who a session belongs to, if it exists and has not expired at `now`.
    fn session_user(
        &self,
        session_hash: &str,
        now: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Ends a session.
    fn end_session(
        &self,
        session_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Deletes every session that expired at or before `now`; how many (hubauth).
    fn delete_expired_sessions(
        &self,
        now: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Appends to the audit log (after every other hub's appends: one chain).
    fn audit(
        &self,
        event: &AuditEvent,
    ) -> impl Future<Output = Result<AuditEntry, StoreError>> + Send;
    /// The whole audit log, oldest first.
    fn audit_log(&self) -> impl Future<Output = Result<Vec<AuditEntry>, StoreError>> + Send;

    // hubinbox: the case chronology.
    /// Appends an entry to `report_id`'s chronology and `case-KIND` to the audit log, in one
    /// transaction.
    fn add_case_entry(
        &self,
        report_id: &str,
        actor: &str,
        kind: &str,
        detail: &str,
    ) -> impl Future<Output = Result<CaseEntry, StoreError>> + Send;
    /// One report's chronology, oldest first.
    fn case_entries(
        &self,
        report_id: &str,
    ) -> impl Future<Output = Result<Vec<CaseEntry>, StoreError>> + Send;
    /// Every report's chronology, by report then place.
    fn all_case_entries(&self) -> impl Future<Output = Result<Vec<CaseEntry>, StoreError>> + Send;
    /// Deletes every report whose case is closed and whose date (`createdAt`, else its first
    /// arrival) is before `created_before`, with its revisions and chronology, in one
    /// transaction; how many. Open cases are never touched.
    fn purge_closed_reports(
        &self,
        created_before: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Deletes the sessions expired at `now`; how many.
    fn purge_expired_sessions(
        &self,
        now: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// Either back end, chosen at start-up from `--data`/`--database`.
#[derive(Clone, Debug)]
pub enum AnyStore {
    /// SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Opens (creating where needed) and migrates the database at `location`.
    pub async fn open(location: &DatabaseLocation) -> Result<Self, StoreError> {
        Ok(match location {
            DatabaseLocation::Sqlite(path) => Self::Sqlite(SqliteStore::open(path).await?),
            DatabaseLocation::Postgres(url) => Self::Postgres(PostgresStore::open(url).await?),
        })
    }

    /// The migrations this database has, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        delegate!(self, s => s.applied_migrations().await)
    }
}

impl Store for AnyStore {
    fn backend(&self) -> &'static str {
        delegate!(self, s => s.backend())
    }
    async fn ingest(&self, report: &NewReport) -> Result<IngestOutcome, StoreError> {
        delegate!(self, s => s.ingest(report).await)
    }
    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        delegate!(self, s => s.active_signing_keys().await)
    }
    async fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        delegate!(self, s => s.signing_keys().await)
    }
    async fn add_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        delegate!(self, s => s.add_signing_key(key).await)
    }
    async fn revoke_signing_key(&self, label: &str, at: &str) -> Result<bool, StoreError> {
        delegate!(self, s => s.revoke_signing_key(label, at).await)
    }
    async fn report(&self, id: &str) -> Result<Option<StoredReport>, StoreError> {
        delegate!(self, s => s.report(id).await)
    }
    async fn reports(&self) -> Result<Vec<StoredReport>, StoreError> {
        delegate!(self, s => s.reports().await)
    }
    async fn revisions(&self) -> Result<Vec<StoredRevision>, StoreError> {
        delegate!(self, s => s.revisions().await)
    }
    async fn ping(&self) -> Result<(), StoreError> {
        delegate!(self, s => s.ping().await)
    }
    async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        delegate!(self, s => s.backup(to).await)
    }
    async fn has_accounts(&self) -> Result<bool, StoreError> {
        delegate!(self, s => s.has_accounts().await)
    }
    async fn replace_setup_token(&self, token_hash: &str, at: &str) -> Result<(), StoreError> {
        delegate!(self, s => s.replace_setup_token(token_hash, at).await)
    }
    async fn setup_token_usable(&self, token_hash: &str) -> Result<bool, StoreError> {
        delegate!(self, s => s.setup_token_usable(token_hash).await)
    }
    async fn create_first_account(
        &self,
        token_hash: &str,
        account: &Account,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.create_first_account(token_hash, account).await)
    }
    async fn account(&self, username: &str) -> Result<Option<Account>, StoreError> {
        delegate!(self, s => s.account(username).await)
    }
    async fn sign_in(
        &self,
        username: &str,
        totp_step: i64,
        session_hash: &str,
        expires_at: &str,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.sign_in(username, totp_step, session_hash, expires_at).await)
    }
    async fn session_user(
        &self,
        session_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        delegate!(self, s => s.session_user(session_hash, now).await)
    }
    async fn end_session(&self, session_hash: &str) -> Result<(), StoreError> {
        delegate!(self, s => s.end_session(session_hash).await)
    }
    async fn delete_expired_sessions(&self, now: &str) -> Result<u64, StoreError> {
        delegate!(self, s => s.delete_expired_sessions(now).await)
    }
    async fn audit(&self, event: &AuditEvent) -> Result<AuditEntry, StoreError> {
        delegate!(self, s => s.audit(event).await)
    }
    async fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        delegate!(self, s => s.audit_log().await)
    }
    async fn add_case_entry(
        &self,
        report_id: &str,
        actor: &str,
        kind: &str,
        detail: &str,
    ) -> Result<CaseEntry, StoreError> {
        delegate!(self, s => s.add_case_entry(report_id, actor, kind, detail).await)
    }
    async fn case_entries(&self, report_id: &str) -> Result<Vec<CaseEntry>, StoreError> {
        delegate!(self, s => s.case_entries(report_id).await)
    }
    async fn all_case_entries(&self) -> Result<Vec<CaseEntry>, StoreError> {
        delegate!(self, s => s.all_case_entries().await)
    }
    async fn purge_closed_reports(&self, created_before: &str) -> Result<u64, StoreError> {
        delegate!(self, s => s.purge_closed_reports(created_before).await)
    }
    async fn purge_expired_sessions(&self, now: &str) -> Result<u64, StoreError> {
        delegate!(self, s => s.purge_expired_sessions(now).await)
    }
}

/// An account row: username, role, password_hash, totp_secret, totp_last_step, created_at.
type AccountRow = (String, String, String, String, i64, String);
/// An audit row: seq, at, actor, action, subject, prev_hash, hash.
type AuditRow = (i64, String, String, String, String, String, String);
const ACCOUNT_COLUMNS: &str =
    "username, role, password_hash, totp_secret, totp_last_step, created_at";
const AUDIT_COLUMNS: &str = "seq, at, actor, action, subject, prev_hash, hash";

fn account_from(
    (username, role, password_hash, totp_secret, totp_last_step, created_at): AccountRow,
) -> Account {
    Account {
        username,
        role,
        password_hash,
        totp_secret,
        totp_last_step,
        created_at,
    }
}

fn audit_from((seq, at, actor, action, subject, prev_hash, hash): AuditRow) -> AuditEntry {
    AuditEntry {
        seq,
        at,
        actor,
        action,
        subject,
        prev_hash,
        hash,
    }
}

/// A report row in `REPORT_COLUMNS` order.
type ReportRow = (String, i64, String, Option<String>, String, String, String);
/// A revision row: id, revision, body, received_at, signing_key.
type RevisionRow = (String, i64, String, String, String);
/// A signing key row: label, secret, created_at, revoked_at.
type KeyRow = (String, String, String, Option<String>);
const REPORT_COLUMNS: &str =
    "id, revision, body, created_at, first_received_at, received_at, signing_key";

fn report_from(
    (id, revision, body, created_at, first_received_at, received_at, signing_key): ReportRow,
) -> StoredReport {
    StoredReport {
        id,
        revision,
        body,
        created_at,
        first_received_at,
        received_at,
        signing_key,
    }
}

fn revision_from((id, revision, body, received_at, signing_key): RevisionRow) -> StoredRevision {
    StoredRevision {
        id,
        revision,
        body,
        received_at,
        signing_key,
    }
}

fn key_from((label, secret, created_at, revoked_at): KeyRow) -> SigningKey {
    SigningKey {
        label,
        secret,
        created_at,
        revoked_at,
    }
}

/// Whether a database error is a unique-constraint violation (a duplicate key).
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// The temporary name a backup is written under before it is renamed into place, so a backup
/// file that exists is always complete.
fn partial_backup_path(to: &Path) -> std::path::PathBuf {
    let mut name = to.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    to.with_file_name(name)
}

/// A case row: report_id, seq, at, actor, kind, detail.
type CaseRow = (String, i64, String, String, String, String);
const CASE_COLUMNS: &str = "report_id, seq, at, actor, kind, detail";

fn case_from((report_id, seq, at, actor, kind, detail): CaseRow) -> CaseEntry {
    CaseEntry {
        report_id,
        seq,
        at,
        actor,
        kind,
        detail,
    }
}

/// The reports `purge_closed_reports` deletes: closed (the last close or reopen is a close) and
/// dated before the first parameter.
const CLOSED_BEFORE_SQL: &str = "SELECT r.id FROM reports r \
     WHERE COALESCE(r.created_at, r.first_received_at) < $1 \
     AND (SELECT c.kind FROM case_entries c WHERE c.report_id = r.id \
          AND c.kind IN ('close', 'reopen') ORDER BY c.seq DESC LIMIT 1) = 'close'";
