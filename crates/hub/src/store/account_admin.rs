//! Storage for accounts beyond the first (hubauth): the account list, one-time invite and reset
//! links, role changes, disabling. Every change is written to the audit chain in the same
//! transaction as the change itself.
//!
//! One body of SQL for both back ends: `impl_account_admin!` expands it for SQLite and for
//! PostgreSQL, with `?` placeholders numbered `$1, $2, …` for PostgreSQL.

use std::borrow::Cow;
use std::future::Future;

use super::{AnyStore, PostgresStore, SqliteStore, StoreError};
use crate::audit::AuditEvent;

/// An account as the accounts page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    /// The sign-in name.
    pub username: String,
    /// The stored role name (`roles::Role::parse`).
    pub role: String,
    /// When it was made.
    pub created_at: String,
    /// When a DSL disabled it (it can no longer sign in).
    pub disabled_at: Option<String>,
}

/// What a one-time account link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Makes a new account with the link's name and role.
    Invite,
    /// Gives an existing account a new password and authenticator.
    Reset,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Invite => "invite",
            Self::Reset => "reset",
        }
    }
}

/// A one-time link a DSL made; only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLink {
    /// SHA-256 of the link's token.
    pub token_hash: String,
    /// Invite or reset.
    pub purpose: LinkPurpose,
    /// The account it makes or resets.
    pub username: String,
    /// The role an invited account gets (a reset keeps the account's role).
    pub role: String,
    /// The DSL who made it.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// After this it no longer works.
    pub expires_at: String,
}

/// The OpenID Connect settings the IT lead made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The provider's issuer URL (`https://accounts.google.com`,
    /// `https://login.microsoftonline.com/<tenant>/v2.0`).
    pub issuer: String,
    /// The hub's client id there.
    pub client_id: String,
    /// The hub's client secret there.
    pub client_secret: String,
    /// `google-hd` or `entra-tid`.
    pub restriction_kind: String,
    /// The school's Google Workspace domain, or its Entra tenant id.
    pub restriction_value: String,
}

/// Accounts beyond the first, on either back end.
pub trait AccountAdmin {
    /// Every account, by name, disabled ones included.
    fn account_list(&self) -> impl Future<Output = Result<Vec<AccountSummary>, StoreError>> + Send;
    /// Stores a new link; false when an invite names an existing account or a reset an unknown
    /// one.
    fn create_account_link(
        &self,
        link: &AccountLink,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The unused, unexpired link with this token hash.
    fn account_link(
        &self,
        token_hash: &str,
        now: &str,
    ) -> impl Future<Output = Result<Option<AccountLink>, StoreError>> + Send;
    /// Uses the link once: makes the invited account, or resets the account's password and
    /// authenticator (ending its sessions and enabling it again). The name it acted on, or
    /// `None` (nothing changed) if the link is used, expired or unknown.
    fn use_account_link(
        &self,
        token_hash: &str,
        now: &str,
        password_hash: &str,
        totp_secret: &str,
        totp_last_step: i64,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Changes an account's role; false if there is no such account.
    fn set_role(
        &self,
        username: &str,
        role: &str,
        by: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Disables an account and ends its sessions; false if there is no such enabled account.
    fn disable_account(
        &self,
        username: &str,
        by: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The OpenID Connect settings, if the IT lead made them.
    fn oidc_settings(
        &self,
    ) -> impl Future<Output = Result<Option<OidcSettings>, StoreError>> + Send;
    /// Replaces the OpenID Connect settings (audited; the secret is never logged).
    fn set_oidc_settings(
        &self,
        settings: &OidcSettings,
        by: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Opens a session for an enabled account after a verified OpenID Connect sign-in, with its
    /// audit entry; false if there is no such enabled account.
    fn sign_in_oidc(
        &self,
        username: &str,
        session_hash: &str,
        expires_at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// `?` placeholders as `$1, $2, …` (PostgreSQL).
pub(super) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

pub(super) fn postgres_sql(sql: &str) -> Cow<'_, str> {
    Cow::Owned(numbered(sql))
}

type LinkRow = (String, String, String, String, String, String, String);

fn link_from(
    (token_hash, purpose, username, role, created_by, created_at, expires_at): LinkRow,
) -> AccountLink {
    AccountLink {
        token_hash,
        purpose: if purpose == "reset" {
            LinkPurpose::Reset
        } else {
            LinkPurpose::Invite
        },
        username,
        role,
        created_by,
        created_at,
        expires_at,
    }
}

const LINK_COLUMNS: &str =
    "token_hash, purpose, username, role, created_by, created_at, expires_at";

fn event(actor: &str, action: &str, subject: String) -> AuditEvent {
    AuditEvent {
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject,
    }
}

macro_rules! impl_account_admin {
    ($store:ty, $sql:path, $append:path, $begin:expr) => {
        impl AccountAdmin for $store {
            async fn account_list(&self) -> Result<Vec<AccountSummary>, StoreError> {
                let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
                    &$sql("SELECT username, role, created_at, disabled_at FROM accounts ORDER BY username"),
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(username, role, created_at, disabled_at)| AccountSummary {
                        username,
                        role,
                        created_at,
                        disabled_at,
                    })
                    .collect())
            }

            async fn create_account_link(&self, link: &AccountLink) -> Result<bool, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let exists: i64 =
                    sqlx::query_scalar(&$sql("SELECT COUNT(*) FROM accounts WHERE username = ?"))
                        .bind(&link.username)
                        .fetch_one(&mut *tx)
                        .await?;
                if (exists > 0) != (link.purpose == LinkPurpose::Reset) {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(&$sql(&format!(
                    "INSERT INTO account_links ({LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                )))
                .bind(&link.token_hash)
                .bind(link.purpose.as_str())
                .bind(&link.username)
                .bind(&link.role)
                .bind(&link.created_by)
                .bind(&link.created_at)
                .bind(&link.expires_at)
                .execute(&mut *tx)
                .await?;
                let (action, subject) = match link.purpose {
                    LinkPurpose::Invite => ("invited-account", format!("{} as {}", link.username, link.role)),
                    LinkPurpose::Reset => ("made-reset-link", link.username.clone()),
                };
                $append(&mut tx, &event(&link.created_by, action, subject)).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn account_link(
                &self,
                token_hash: &str,
                now: &str,
            ) -> Result<Option<AccountLink>, StoreError> {
                let row: Option<LinkRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {LINK_COLUMNS} FROM account_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?"
                )))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(link_from))
            }

            async fn use_account_link(
                &self,
                token_hash: &str,
                now: &str,
                password_hash: &str,
                totp_secret: &str,
                totp_last_step: i64,
            ) -> Result<Option<String>, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let row: Option<LinkRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {LINK_COLUMNS} FROM account_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?"
                )))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(link) = row.map(link_from) else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                // Used once: only the request that marks it used goes on.
                let marked = sqlx::query(&$sql(
                    "UPDATE account_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                ))
                .bind(now)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let changed = match link.purpose {
                    LinkPurpose::Invite => sqlx::query(&$sql(
                        "INSERT INTO accounts (username, role, password_hash, totp_secret, totp_last_step, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(&link.username)
                    .bind(&link.role)
                    .bind(password_hash)
                    .bind(totp_secret)
                    .bind(totp_last_step)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map(|r| r.rows_affected())
                    .or_else(|e| if super::is_unique_violation(&e) { Ok(0) } else { Err(e) })?,
                    LinkPurpose::Reset => {
                        sqlx::query(&$sql("DELETE FROM sessions WHERE username = ?"))
                            .bind(&link.username)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(&$sql(
                            "UPDATE accounts SET password_hash = ?, totp_secret = ?, totp_last_step = ?, disabled_at = NULL WHERE username = ?",
                        ))
                        .bind(password_hash)
                        .bind(totp_secret)
                        .bind(totp_last_step)
                        .bind(&link.username)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                    }
                };
                if changed != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let (action, subject) = match link.purpose {
                    LinkPurpose::Invite => ("created-account", format!("{} as {}", link.username, link.role)),
                    LinkPurpose::Reset => ("reset-account", link.username.clone()),
                };
                $append(&mut tx, &event(&link.username, action, subject)).await?;
                tx.commit().await?;
                Ok(Some(link.username))
            }

            async fn set_role(&self, username: &str, role: &str, by: &str) -> Result<bool, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let old: Option<String> =
                    sqlx::query_scalar(&$sql("SELECT role FROM accounts WHERE username = ?"))
                        .bind(username)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(old) = old else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                sqlx::query(&$sql("UPDATE accounts SET role = ? WHERE username = ?"))
                    .bind(role)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                $append(&mut tx, &event(by, "changed-role", format!("{username}: {old} to {role}"))).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn disable_account(&self, username: &str, by: &str) -> Result<bool, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let changed = sqlx::query(&$sql(
                    "UPDATE accounts SET disabled_at = ? WHERE username = ? AND disabled_at IS NULL",
                ))
                .bind(crate::now())
                .bind(username)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(&$sql("DELETE FROM sessions WHERE username = ?"))
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                $append(&mut tx, &event(by, "disabled-account", username.to_owned())).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn oidc_settings(&self) -> Result<Option<OidcSettings>, StoreError> {
                let row: Option<(String, String, String, String, String)> = sqlx::query_as(&$sql(
                    "SELECT issuer, client_id, client_secret, restriction_kind, restriction_value FROM oidc_settings WHERE id = 1",
                ))
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(issuer, client_id, client_secret, restriction_kind, restriction_value)| OidcSettings {
                    issuer,
                    client_id,
                    client_secret,
                    restriction_kind,
                    restriction_value,
                }))
            }

            async fn set_oidc_settings(&self, settings: &OidcSettings, by: &str) -> Result<(), StoreError> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(&$sql("DELETE FROM oidc_settings"))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(&$sql(
                    "INSERT INTO oidc_settings (id, issuer, client_id, client_secret, restriction_kind, restriction_value, updated_by, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(&settings.issuer)
                .bind(&settings.client_id)
                .bind(&settings.client_secret)
                .bind(&settings.restriction_kind)
                .bind(&settings.restriction_value)
                .bind(by)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
                let subject = format!("{} {} {}={}", settings.issuer, settings.client_id, settings.restriction_kind, settings.restriction_value);
                $append(&mut tx, &event(by, "changed-sign-in-settings", subject)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn sign_in_oidc(&self, username: &str, session_hash: &str, expires_at: &str) -> Result<bool, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let exists: i64 = sqlx::query_scalar(&$sql(
                    "SELECT COUNT(*) FROM accounts WHERE username = ? AND disabled_at IS NULL",
                ))
                .bind(username)
                .fetch_one(&mut *tx)
                .await?;
                if exists == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(&$sql("INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)"))
                    .bind(session_hash)
                    .bind(username)
                    .bind(crate::now())
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
                $append(&mut tx, &event(username, "signed-in", "openid-connect".to_owned())).await?;
                tx.commit().await?;
                Ok(true)
            }

        }
    };
}

pub(super) async fn sqlite_begin(
    pool: &sqlx::SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

pub(super) async fn postgres_begin(
    pool: &sqlx::PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}

impl_account_admin!(
    SqliteStore,
    sqlite_sql,
    super::sqlite::append_audit,
    sqlite_begin
);
impl_account_admin!(
    PostgresStore,
    postgres_sql,
    super::postgres::append_audit,
    postgres_begin
);

impl AccountAdmin for AnyStore {
    async fn account_list(&self) -> Result<Vec<AccountSummary>, StoreError> {
        delegate!(self, s => s.account_list().await)
    }
    async fn create_account_link(&self, link: &AccountLink) -> Result<bool, StoreError> {
        delegate!(self, s => s.create_account_link(link).await)
    }
    async fn account_link(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<AccountLink>, StoreError> {
        delegate!(self, s => s.account_link(token_hash, now).await)
    }
    async fn use_account_link(
        &self,
        token_hash: &str,
        now: &str,
        password_hash: &str,
        totp_secret: &str,
        totp_last_step: i64,
    ) -> Result<Option<String>, StoreError> {
        delegate!(self, s => s.use_account_link(token_hash, now, password_hash, totp_secret, totp_last_step).await)
    }
    async fn set_role(&self, username: &str, role: &str, by: &str) -> Result<bool, StoreError> {
        delegate!(self, s => s.set_role(username, role, by).await)
    }
    async fn disable_account(&self, username: &str, by: &str) -> Result<bool, StoreError> {
        delegate!(self, s => s.disable_account(username, by).await)
    }
    async fn oidc_settings(&self) -> Result<Option<OidcSettings>, StoreError> {
        delegate!(self, s => s.oidc_settings().await)
    }
    async fn set_oidc_settings(&self, settings: &OidcSettings, by: &str) -> Result<(), StoreError> {
        delegate!(self, s => s.set_oidc_settings(settings, by).await)
    }
    async fn sign_in_oidc(
        &self,
        username: &str,
        session_hash: &str,
        expires_at: &str,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.sign_in_oidc(username, session_hash, expires_at).await)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            super::numbered("UPDATE a SET b = ? WHERE c = ? AND d = ?"),
            "UPDATE a SET b = $1 WHERE c = $2 AND d = $3"
        );
    }
}
