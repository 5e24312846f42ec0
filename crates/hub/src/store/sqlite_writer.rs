//! Group commit for SQLite's `ingest` (hubperf): one writer task, with its own connection, takes
//! every report waiting to be stored, stores them all in one transaction, commits once (one
//! fsync, `synchronous=FULL`), and only then answers each of them. The promise is unchanged: a
//! report is answered "stored" only once its commit is on disk, and a failed commit answers every
//! report in it with the error (nothing of it stored; the device tries again).
//!
//! Why: SQLite has one writer at a time. With a connection per request, concurrent reports queue
//! for the write lock in SQLite's busy handler, which sleeps (up to 100 ms a turn) rather than
//! waiting in line, and each pays its own fsync. One writer in a line pays one fsync per batch
//! and never sleeps on the lock.
//!
//! Each report is its own savepoint inside the batch: one that fails (a constraint, say) is
//! rolled back alone and answered with its error; the others still commit. "Newer than what is
//! stored" is still decided by the database, in the same statement as before, against the
//! latest committed state (the batch holds the write lock from `BEGIN IMMEDIATE` to `COMMIT`).

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use super::{IngestOutcome, NewReport, StoreError};
use crate::case::ReportFacts;

/// The most reports committed together.
const MAX_BATCH: usize = 512;
/// Reports waiting for the writer, at most (the router works on at most 64 requests at once).
const QUEUE: usize = 4096;

/// A report waiting to be stored, and where its answer goes.
struct Job {
    report: NewReport,
    facts: ReportFacts,
    answer: oneshot::Sender<Result<IngestOutcome, StoreError>>,
}

/// The way to the writer task.
#[derive(Clone, Debug)]
pub(super) struct IngestWriter {
    jobs: mpsc::Sender<Job>,
}

impl IngestWriter {
    /// Starts the writer task; its connection (with `options`) is opened at the first report,
    /// so a command that stores no report opens none.
    pub(super) fn start(options: SqliteConnectOptions) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(options, queue));
        Self { jobs }
    }

    /// Stores `report` with the next batch; returns once that batch is committed.
    pub(super) async fn ingest(&self, report: &NewReport) -> Result<IngestOutcome, StoreError> {
        // Worked out here, on the request's task, so the writer only writes.
        let facts = ReportFacts::of(&report.body);
        let (answer, answered) = oneshot::channel();
        let job = Job {
            report: report.clone(),
            facts,
            answer,
        };
        if self.jobs.send(job).await.is_err() {
            return Err(writer_gone());
        }
        answered.await.unwrap_or_else(|_| Err(writer_gone()))
    }
}

fn writer_gone() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// The error each report of a batch gets when the batch itself fails (`StoreError` is not
/// `Clone`: every report gets the same words).
fn batch_failed(error: &sqlx::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "the batch this report was in could not be committed: {error}"
    )))
}

async fn run(options: SqliteConnectOptions, mut queue: mpsc::Receiver<Job>) {
    let mut conn: Option<SqliteConnection> = None;
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcomes = match &mut conn {
            Some(c) => write_batch(c, &batch).await,
            None => match SqliteConnection::connect_with(&options).await {
                Ok(mut c) => {
                    let outcomes = write_batch(&mut c, &batch).await;
                    conn = Some(c);
                    outcomes
                }
                Err(e) => Err(e),
            },
        };
        match outcomes {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    job.answer.send(outcome).ok();
                }
            }
            Err(error) => {
                tracing::error!(%error, reports = batch.len(), "could not commit a batch of reports: nothing of it stored");
                // A fresh connection for the next batch, in case this one is broken.
                conn = None;
                for job in batch {
                    job.answer.send(Err(batch_failed(&error))).ok();
                }
            }
        }
    }
}

/// Stores `batch` in one transaction; each report's outcome, or the batch's error (then nothing
/// was committed).
async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &[Job],
) -> Result<Vec<Result<IngestOutcome, StoreError>>, sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let stored = async {
            sqlx::query("SAVEPOINT report").execute(&mut *conn).await?;
            let outcome = store_one(&mut *conn, job).await;
            let end = if outcome.is_ok() {
                "RELEASE report"
            } else {
                "ROLLBACK TO report"
            };
            sqlx::query(end).execute(&mut *conn).await?;
            if outcome.is_err() {
                sqlx::query("RELEASE report").execute(&mut *conn).await?;
            }
            Ok::<_, sqlx::Error>(outcome)
        }
        .await;
        match stored {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => {
                sqlx::query("ROLLBACK").execute(&mut *conn).await.ok();
                return Err(error);
            }
        }
    }
    if let Err(error) = sqlx::query("COMMIT").execute(&mut *conn).await {
        sqlx::query("ROLLBACK").execute(&mut *conn).await.ok();
        return Err(error);
    }
    Ok(outcomes)
}

/// One report, inside the batch's transaction: the same statements `ingest` has always run.
async fn store_one(conn: &mut SqliteConnection, job: &Job) -> Result<IngestOutcome, StoreError> {
    let report = &job.report;
    let stored: Option<i64> = super::inbox::bind_upsert!(
        sqlx::query_scalar(super::inbox::UPSERT_SQLITE.as_str()),
        report,
        &job.facts
    )
    .fetch_optional(&mut *conn)
    .await?;
    if stored.is_none() {
        let stored_revision: i64 = sqlx::query_scalar("SELECT revision FROM reports WHERE id = ?")
            .bind(&report.id)
            .fetch_one(&mut *conn)
            .await?;
        return Ok(IngestOutcome::Unchanged { stored_revision });
    }
    sqlx::query(
        "INSERT INTO report_revisions (id, revision, body, received_at, signing_key) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&report.id)
    .bind(report.revision)
    .bind(&report.body)
    .bind(&report.received_at)
    .bind(&report.signing_key)
    .execute(&mut *conn)
    .await?;
    Ok(IngestOutcome::Stored)
}
