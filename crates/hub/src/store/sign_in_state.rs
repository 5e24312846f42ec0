//! What sign-in keeps between requests, in the database so that every hub on one PostgreSQL
//! shares it (hubops): the counts of wrong sign-ins (`crate::throttle`) and the OpenID Connect
//! sign-ins under way (`crate::oidc::Pending`). Both expire and both are capped, because anyone
//! can make rows here without signing in.
//!
//! One body of SQL for both back ends, like `account_admin`: `impl_sign_in_state!` expands it
//! for SQLite and PostgreSQL (`?` placeholders numbered for PostgreSQL). Times are Unix
//! milliseconds, passed in, so the rules are tested with a moved clock.

use std::future::Future;

use super::account_admin::{postgres_begin, postgres_sql, sqlite_begin, sqlite_sql};
use super::{AnyStore, PostgresStore, SqliteStore, StoreError};
use crate::oidc::{Pending, MAX_PENDING};
use crate::throttle::{self, ThrottleKey, FORGET_AFTER, MAX_ENTRIES};

/// Sign-in state shared by every hub on the database.
pub trait SignInState {
    /// Until when (Unix ms) the latest lockout among `keys` lasts, if one lasts beyond `now`.
    fn throttle_locked_until(
        &self,
        keys: &[ThrottleKey],
        now: i64,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;
    /// Counts a wrong sign-in at `now` against every key (atomically: two hubs counting at the
    /// same moment both count), locks a key once it passes its free failures, and drops
    /// forgotten and surplus counts.
    fn throttle_failed(
        &self,
        keys: &[ThrottleKey],
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// A right sign-in: `key` starts again from nothing.
    fn throttle_clear(
        &self,
        key: &ThrottleKey,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Keeps an OpenID Connect sign-in under way until `expires_at` (Unix ms), under the hash of
    /// its cookie's key; drops expired and surplus ones.
    fn put_oidc_pending(
        &self,
        key_hash: &str,
        pending: &Pending,
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Deletes the counts no rule needs any more and the sign-ins under way that expired, at
    /// `now`; how many (the hub does this every 10 minutes, with expired sessions).
    fn purge_sign_in_state(&self, now: i64)
        -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Takes (deletes) the sign-in under `key_hash`: `Some` once, to one caller on one hub, and
    /// only before it expires.
    fn take_oidc_pending(
        &self,
        key_hash: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<Pending>, StoreError>> + Send;
}

/// Locks released and counts forgotten: rows no rule needs any more.
const FORGOTTEN_SQL: &str = "DELETE FROM login_throttle \
     WHERE last_failure <= ? AND (locked_until IS NULL OR locked_until <= ?)";
/// Over the cap: the oldest go first, unlocked ones before locked ones.
const SURPLUS_THROTTLE_SQL: &str = "DELETE FROM login_throttle WHERE key_hash IN \
     (SELECT key_hash FROM login_throttle \
      ORDER BY (locked_until IS NOT NULL AND locked_until > ?), last_failure LIMIT ?)";
/// One more failure, atomically; a count untouched since the first parameter starts again.
const COUNT_FAILURE_SQL: &str = "INSERT INTO login_throttle (key_hash, failures, last_failure) \
     VALUES (?, 1, ?) ON CONFLICT (key_hash) DO UPDATE SET \
     failures = CASE WHEN login_throttle.last_failure <= ? THEN 1 ELSE login_throttle.failures + 1 END, \
     last_failure = excluded.last_failure RETURNING failures";
const EXPIRED_PENDING_SQL: &str = "DELETE FROM oidc_pending WHERE expires_at <= ?";
const SURPLUS_PENDING_SQL: &str = "DELETE FROM oidc_pending WHERE key_hash IN \
     (SELECT key_hash FROM oidc_pending ORDER BY expires_at LIMIT ?)";

/// `?, ?, …` for `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The rows beyond `cap` (none when under it).
fn surplus(count: i64, cap: i64) -> i64 {
    (count - cap).max(0)
}

/// Deletes the rows of `$table` beyond `$cap`, those `$surplus` picks first (its parameters:
/// `$bind`s, then how many).
macro_rules! trim_to_cap {
    ($sql:path, $tx:ident, $table:literal, $cap:expr, $surplus:expr $(, $bind:expr)*) => {{
        let count: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) FROM ", $table))
            .fetch_one(&mut *$tx)
            .await?;
        if surplus(count, $cap) > 0 {
            sqlx::query(&$sql($surplus))
                $(.bind($bind))*
                .bind(surplus(count, $cap))
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

macro_rules! impl_sign_in_state {
    ($store:ty, $sql:path, $begin:path) => {
        impl SignInState for $store {
            async fn throttle_locked_until(
                &self,
                keys: &[ThrottleKey],
                now: i64,
            ) -> Result<Option<i64>, StoreError> {
                if keys.is_empty() {
                    return Ok(None);
                }
                let sql = format!(
                    "SELECT MAX(locked_until) FROM login_throttle WHERE locked_until > ? AND key_hash IN ({})",
                    placeholders(keys.len())
                );
                let sql = $sql(&sql);
                let mut query = sqlx::query_scalar::<_, Option<i64>>(&sql).bind(now);
                for key in keys {
                    query = query.bind(key.stored_hash());
                }
                Ok(query.fetch_one(&self.pool).await?)
            }

            async fn throttle_failed(&self, keys: &[ThrottleKey], now: i64) -> Result<(), StoreError> {
                let forget_before = now - throttle::millis(FORGET_AFTER);
                // One transaction: the count and its lockout change together, and a second hub
                // counting the same key waits for this one's row (PostgreSQL's row lock, SQLite's
                // write lock) and counts on top of it.
                let mut tx = $begin(&self.pool).await?;
                for key in keys {
                    let hash = key.stored_hash();
                    let failures: i64 = sqlx::query_scalar(&$sql(COUNT_FAILURE_SQL))
                        .bind(&hash)
                        .bind(now)
                        .bind(forget_before)
                        .fetch_one(&mut *tx)
                        .await?;
                    let failures = u32::try_from(failures).unwrap_or(u32::MAX);
                    let locked_until = throttle::lockout_after(failures, key.free_failures())
                        .map(|lockout| now.saturating_add(throttle::millis(lockout)));
                    sqlx::query(&$sql("UPDATE login_throttle SET locked_until = ? WHERE key_hash = ?"))
                        .bind(locked_until)
                        .bind(&hash)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(&$sql(FORGOTTEN_SQL))
                    .bind(forget_before)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                trim_to_cap!($sql, tx, "login_throttle", MAX_ENTRIES, SURPLUS_THROTTLE_SQL, now);
                tx.commit().await?;
                Ok(())
            }

            async fn throttle_clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
                sqlx::query(&$sql("DELETE FROM login_throttle WHERE key_hash = ?"))
                    .bind(key.stored_hash())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn put_oidc_pending(
                &self,
                key_hash: &str,
                pending: &Pending,
                now: i64,
                expires_at: i64,
            ) -> Result<(), StoreError> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(&$sql(EXPIRED_PENDING_SQL))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(&$sql(
                    "INSERT INTO oidc_pending (key_hash, state, nonce, pkce_verifier, redirect_uri, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                ))
                .bind(key_hash)
                .bind(&pending.state)
                .bind(&pending.nonce)
                .bind(&pending.pkce_verifier)
                .bind(&pending.redirect_uri)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                // The newest expires last: the oldest go.
                trim_to_cap!($sql, tx, "oidc_pending", MAX_PENDING, SURPLUS_PENDING_SQL);
                tx.commit().await?;
                Ok(())
            }

            async fn purge_sign_in_state(&self, now: i64) -> Result<u64, StoreError> {
                let forgotten = sqlx::query(&$sql(FORGOTTEN_SQL))
                    .bind(now - throttle::millis(FORGET_AFTER))
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                let expired = sqlx::query(&$sql(EXPIRED_PENDING_SQL))
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(forgotten + expired)
            }

            async fn take_oidc_pending(
                &self,
                key_hash: &str,
                now: i64,
            ) -> Result<Option<Pending>, StoreError> {
                // One statement: of two hubs given the same cookie at once, one gets the row.
                let row: Option<(String, String, String, String, i64)> = sqlx::query_as(&$sql(
                    "DELETE FROM oidc_pending WHERE key_hash = ? RETURNING state, nonce, pkce_verifier, redirect_uri, expires_at",
                ))
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row
                    .filter(|row| row.4 > now)
                    .map(|(state, nonce, pkce_verifier, redirect_uri, _)| Pending {
                        state,
                        nonce,
                        pkce_verifier,
                        redirect_uri,
                    }))
            }
        }
    };
}

impl_sign_in_state!(SqliteStore, sqlite_sql, sqlite_begin);
impl_sign_in_state!(PostgresStore, postgres_sql, postgres_begin);

impl SignInState for AnyStore {
    async fn throttle_locked_until(
        &self,
        keys: &[ThrottleKey],
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        delegate!(self, s => s.throttle_locked_until(keys, now).await)
    }
    async fn throttle_failed(&self, keys: &[ThrottleKey], now: i64) -> Result<(), StoreError> {
        delegate!(self, s => s.throttle_failed(keys, now).await)
    }
    async fn throttle_clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
        delegate!(self, s => s.throttle_clear(key).await)
    }
    async fn put_oidc_pending(
        &self,
        key_hash: &str,
        pending: &Pending,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.put_oidc_pending(key_hash, pending, now, expires_at).await)
    }
    async fn purge_sign_in_state(&self, now: i64) -> Result<u64, StoreError> {
        delegate!(self, s => s.purge_sign_in_state(now).await)
    }
    async fn take_oidc_pending(
        &self,
        key_hash: &str,
        now: i64,
    ) -> Result<Option<Pending>, StoreError> {
        delegate!(self, s => s.take_oidc_pending(key_hash, now).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surplus_is_what_passes_the_cap() {
        assert_eq!(surplus(10, 10), 0);
        assert_eq!(surplus(3, 10), 0);
        assert_eq!(surplus(13, 10), 3);
        assert_eq!(placeholders(3), "?, ?, ?");
    }
}
