//! Storage for the policy under change control (policyhub, issue 18): proposals, approvals, the
//! school's approval rule, the accounts marked as leadership, and the one Ed25519 key bundles
//! are signed with. Every change is written to the audit chain in the same transaction.
//!
//! One body of SQL for both back ends, as `account_admin` does. Each change holds the database's
//! write lock from its first read to its commit (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the
//! audit chain's advisory lock, taken first), so two hubs approving at once cannot both publish,
//! and version numbers are given once, in order.

use std::future::Future;

use super::account_admin::{postgres_sql, sqlite_sql};
use super::{AnyStore, PostgresStore, SqliteStore, StoreError};
use crate::audit::AuditEvent;
use crate::policy_bundle::BundleKey;
use crate::policy_change::{
    self, Approval, NewProposal, PolicyChangeError, Proposal, ProposalState,
};

/// What an approval did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproveOutcome {
    /// Recorded; more approvals are needed.
    Approved,
    /// Recorded, and the proposal is published as this version.
    Published(i64),
}

/// The policy's change control, on either back end.
pub trait PolicyStore {
    /// Stores a checked proposal (audited `policy-proposed`); its number.
    fn add_policy_proposal(
        &self,
        proposal: &NewProposal,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// Every proposal with its approvals, oldest first.
    fn policy_proposals(&self) -> impl Future<Output = Result<Vec<Proposal>, StoreError>> + Send;
    /// One proposal.
    fn policy_proposal(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<Proposal>, StoreError>> + Send;
    /// The published proposal with the highest version: the policy in force.
    fn published_policy(&self)
        -> impl Future<Output = Result<Option<Proposal>, StoreError>> + Send;
    /// Records `approver`'s approval under the school's rule (`policy_change::check_approval`),
    /// publishing the proposal with the next version when the rule is met; all in one
    /// transaction, audited. The rule's refusal is the inner error.
    fn approve_policy(
        &self,
        id: i64,
        approver: &str,
        at: &str,
    ) -> impl Future<Output = Result<Result<ApproveOutcome, PolicyChangeError>, StoreError>> + Send;
    /// Withdraws or declines a proposal still waiting (audited); false if it was not waiting.
    fn close_policy_proposal(
        &self,
        id: i64,
        state: ProposalState,
        by: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Whether changes need a second person's approval (on until the DSL turns it off).
    fn policy_second_approval(&self) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Sets the rule (audited).
    fn set_policy_second_approval(
        &self,
        on: bool,
        by: &str,
        at: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The accounts marked as leadership, by name.
    fn policy_leaders(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    /// Marks or unmarks an account as leadership (audited).
    fn set_policy_leader(
        &self,
        username: &str,
        leader: bool,
        by: &str,
        at: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The bundle-signing key, made on first use; the same for every hub on the database.
    fn policy_bundle_key(&self) -> impl Future<Output = Result<BundleKey, StoreError>> + Send;
    /// How many versions were published in `[from, to)` (RFC 3339 UTC, as `crate::now` writes):
    /// the approved policy changes, for the governors' summary and the monthly report.
    fn policy_versions_published(
        &self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
}

/// A proposal row: id, policy, reason, proposed_by, proposed_at, state, closed_by, closed_at,
/// version, published_at, rollback_of.
type ProposalRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);
const PROPOSAL_COLUMNS: &str = "id, policy, reason, proposed_by, proposed_at, state, closed_by, closed_at, version, published_at, rollback_of";

fn proposal_from(row: ProposalRow, approvals: &[(i64, String, String)]) -> Proposal {
    let (
        id,
        policy,
        reason,
        proposed_by,
        proposed_at,
        state,
        closed_by,
        closed_at,
        version,
        published_at,
        rollback_of,
    ) = row;
    Proposal {
        id,
        policy,
        reason,
        proposed_by,
        proposed_at,
        state: ProposalState::parse(&state),
        closed_by,
        closed_at,
        version,
        published_at,
        rollback_of,
        approvals: approvals
            .iter()
            .filter(|(p, _, _)| *p == id)
            .map(|(_, approver, at)| Approval {
                approver: approver.clone(),
                at: at.clone(),
            })
            .collect(),
    }
}

fn event(actor: &str, action: &str, subject: String) -> AuditEvent {
    AuditEvent {
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject,
    }
}

macro_rules! impl_policy_store {
    ($store:ty, $sql:path, $audit:path, $begin:path) => {
        impl $store {
            async fn read_proposals(
                &self,
                only: Option<i64>,
            ) -> Result<Vec<Proposal>, StoreError> {
                let filter = if only.is_some() { " WHERE id = ?" } else { "" };
                let rows_sql = $sql(&format!(
                    "SELECT {PROPOSAL_COLUMNS} FROM policy_proposals{filter} ORDER BY id"
                ))
                .into_owned();
                let approvals_sql = $sql(&format!(
                    "SELECT proposal, approver, approved_at FROM policy_approvals{} ORDER BY approved_at, approver",
                    if only.is_some() { " WHERE proposal = ?" } else { "" }
                ))
                .into_owned();
                let mut rows = sqlx::query_as::<_, ProposalRow>(&rows_sql);
                let mut approvals = sqlx::query_as::<_, (i64, String, String)>(&approvals_sql);
                if let Some(id) = only {
                    rows = rows.bind(id);
                    approvals = approvals.bind(id);
                }
                let approvals = approvals.fetch_all(&self.pool).await?;
                let rows = rows.fetch_all(&self.pool).await?;
                Ok(rows
                    .into_iter()
                    .map(|row| proposal_from(row, &approvals))
                    .collect())
            }
        }

        impl PolicyStore for $store {
            async fn add_policy_proposal(&self, p: &NewProposal) -> Result<i64, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let id: i64 = sqlx::query_scalar(&$sql(
                    "INSERT INTO policy_proposals (policy, reason, proposed_by, proposed_at, state, rollback_of) VALUES (?, ?, ?, ?, 'proposed', ?) RETURNING id",
                ))
                .bind(&p.policy)
                .bind(&p.reason)
                .bind(&p.proposed_by)
                .bind(&p.proposed_at)
                .bind(p.rollback_of)
                .fetch_one(&mut *tx)
                .await?;
                $audit(&mut tx, &event(&p.proposed_by, "policy-proposed", format!("proposal {id}"))).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn policy_proposals(&self) -> Result<Vec<Proposal>, StoreError> {
                self.read_proposals(None).await
            }

            async fn policy_proposal(&self, id: i64) -> Result<Option<Proposal>, StoreError> {
                Ok(self.read_proposals(Some(id)).await?.into_iter().next())
            }

            async fn policy_versions_published(&self, from: &str, to: &str) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar(&$sql(
                    "SELECT COUNT(*) FROM policy_proposals WHERE state = 'published' AND published_at >= ? AND published_at < ?",
                ))
                .bind(from)
                .bind(to)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn published_policy(&self) -> Result<Option<Proposal>, StoreError> {
                let id: Option<i64> = sqlx::query_scalar(&$sql(
                    "SELECT id FROM policy_proposals WHERE state = 'published' ORDER BY version DESC LIMIT 1",
                ))
                .fetch_optional(&self.pool)
                .await?;
                match id {
                    Some(id) => self.policy_proposal(id).await,
                    None => Ok(None),
                }
            }

            async fn approve_policy(
                &self,
                id: i64,
                approver: &str,
                at: &str,
            ) -> Result<Result<ApproveOutcome, PolicyChangeError>, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let row: Option<ProposalRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {PROPOSAL_COLUMNS} FROM policy_proposals WHERE id = ?"
                )))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Ok(Err(PolicyChangeError::NotOpen(id)));
                };
                let approvals: Vec<(i64, String, String)> = sqlx::query_as(&$sql(
                    "SELECT proposal, approver, approved_at FROM policy_approvals WHERE proposal = ? ORDER BY approved_at, approver",
                ))
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                let proposal = proposal_from(row, &approvals);
                let second: Option<i64> = sqlx::query_scalar(&$sql(
                    "SELECT second_approval FROM policy_settings WHERE id = 1",
                ))
                .fetch_optional(&mut *tx)
                .await?;
                let publishes = match policy_change::check_approval(
                    &proposal,
                    approver,
                    second.is_none_or(|s| s != 0),
                ) {
                    Ok(publishes) => publishes,
                    Err(refused) => return Ok(Err(refused)),
                };
                sqlx::query(&$sql(
                    "INSERT INTO policy_approvals (proposal, approver, approved_at) VALUES (?, ?, ?)",
                ))
                .bind(id)
                .bind(approver)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                $audit(&mut tx, &event(approver, "policy-approved", format!("proposal {id}"))).await?;
                let outcome = if publishes {
                    let last: Option<i64> =
                        sqlx::query_scalar(&$sql("SELECT MAX(version) FROM policy_proposals"))
                            .fetch_one(&mut *tx)
                            .await?;
                    let version = last.unwrap_or(0) + 1;
                    sqlx::query(&$sql(
                        "UPDATE policy_proposals SET state = 'published', version = ?, published_at = ? WHERE id = ?",
                    ))
                    .bind(version)
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    $audit(
                        &mut tx,
                        &event(approver, "policy-published", format!("proposal {id} as version {version}")),
                    )
                    .await?;
                    ApproveOutcome::Published(version)
                } else {
                    ApproveOutcome::Approved
                };
                tx.commit().await?;
                Ok(Ok(outcome))
            }

            async fn close_policy_proposal(
                &self,
                id: i64,
                state: ProposalState,
                by: &str,
                at: &str,
            ) -> Result<bool, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let done = sqlx::query(&$sql(
                    "UPDATE policy_proposals SET state = ?, closed_by = ?, closed_at = ? WHERE id = ? AND state = 'proposed'",
                ))
                .bind(state.as_str())
                .bind(by)
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                $audit(&mut tx, &event(by, &format!("policy-{}", state.as_str()), format!("proposal {id}"))).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn policy_second_approval(&self) -> Result<bool, StoreError> {
                let second: Option<i64> = sqlx::query_scalar(&$sql(
                    "SELECT second_approval FROM policy_settings WHERE id = 1",
                ))
                .fetch_optional(&self.pool)
                .await?;
                Ok(second.is_none_or(|s| s != 0))
            }

            async fn set_policy_second_approval(&self, on: bool, by: &str, at: &str) -> Result<(), StoreError> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(&$sql(
                    "INSERT INTO policy_settings (id, second_approval, changed_by, changed_at) VALUES (1, ?, ?, ?)
                     ON CONFLICT (id) DO UPDATE SET second_approval = excluded.second_approval, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                ))
                .bind(i64::from(on))
                .bind(by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                let action = if on { "policy-second-approval-on" } else { "policy-second-approval-off" };
                $audit(&mut tx, &event(by, action, String::new())).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn policy_leaders(&self) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(&$sql("SELECT username FROM policy_leaders ORDER BY username"))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn set_policy_leader(&self, username: &str, leader: bool, by: &str, at: &str) -> Result<(), StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let changed = if leader {
                    sqlx::query(&$sql(
                        "INSERT INTO policy_leaders (username, marked_by, marked_at) VALUES (?, ?, ?) ON CONFLICT (username) DO NOTHING",
                    ))
                    .bind(username)
                    .bind(by)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                } else {
                    sqlx::query(&$sql("DELETE FROM policy_leaders WHERE username = ?"))
                        .bind(username)
                        .execute(&mut *tx)
                        .await?
                };
                if changed.rows_affected() > 0 {
                    let action = if leader { "policy-leader-marked" } else { "policy-leader-unmarked" };
                    $audit(&mut tx, &event(by, action, username.to_owned())).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn policy_bundle_key(&self) -> Result<BundleKey, StoreError> {
                let fresh = BundleKey::generate();
                // The first hub to get here makes the key; every other keeps the one stored.
                sqlx::query(&$sql(
                    "INSERT INTO policy_signing_key (id, secret, public_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                ))
                .bind(fresh.secret_hex())
                .bind(fresh.public_key())
                .bind(crate::now())
                .execute(&self.pool)
                .await?;
                let secret: String = sqlx::query_scalar(&$sql("SELECT secret FROM policy_signing_key WHERE id = 1"))
                    .fetch_one(&self.pool)
                    .await?;
                BundleKey::from_secret_hex(&secret)
                    .map_err(|e| StoreError::Corrupt(format!("the stored policy signing key: {e}")))
            }
        }
    };
}

async fn postgres_begin_locked(
    pool: &sqlx::PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // The audit chain's lock, taken first: one policy change at a time across every hub.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(crate::migrations::POSTGRES_AUDIT_LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

impl_policy_store!(
    SqliteStore,
    sqlite_sql,
    super::sqlite::append_audit,
    super::account_admin::sqlite_begin
);
impl_policy_store!(
    PostgresStore,
    postgres_sql,
    super::postgres::append_audit,
    postgres_begin_locked
);

impl PolicyStore for AnyStore {
    async fn add_policy_proposal(&self, proposal: &NewProposal) -> Result<i64, StoreError> {
        delegate!(self, s => s.add_policy_proposal(proposal).await)
    }
    async fn policy_proposals(&self) -> Result<Vec<Proposal>, StoreError> {
        delegate!(self, s => s.policy_proposals().await)
    }
    async fn policy_proposal(&self, id: i64) -> Result<Option<Proposal>, StoreError> {
        delegate!(self, s => s.policy_proposal(id).await)
    }
    async fn published_policy(&self) -> Result<Option<Proposal>, StoreError> {
        delegate!(self, s => s.published_policy().await)
    }
    async fn approve_policy(
        &self,
        id: i64,
        approver: &str,
        at: &str,
    ) -> Result<Result<ApproveOutcome, PolicyChangeError>, StoreError> {
        delegate!(self, s => s.approve_policy(id, approver, at).await)
    }
    async fn close_policy_proposal(
        &self,
        id: i64,
        state: ProposalState,
        by: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.close_policy_proposal(id, state, by, at).await)
    }
    async fn policy_second_approval(&self) -> Result<bool, StoreError> {
        delegate!(self, s => s.policy_second_approval().await)
    }
    async fn set_policy_second_approval(
        &self,
        on: bool,
        by: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.set_policy_second_approval(on, by, at).await)
    }
    async fn policy_leaders(&self) -> Result<Vec<String>, StoreError> {
        delegate!(self, s => s.policy_leaders().await)
    }
    async fn set_policy_leader(
        &self,
        username: &str,
        leader: bool,
        by: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.set_policy_leader(username, leader, by, at).await)
    }
    async fn policy_bundle_key(&self) -> Result<BundleKey, StoreError> {
        delegate!(self, s => s.policy_bundle_key().await)
    }
    async fn policy_versions_published(&self, from: &str, to: &str) -> Result<i64, StoreError> {
        delegate!(self, s => s.policy_versions_published(from, to).await)
    }
}
