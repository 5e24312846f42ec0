//! Storage for teachers' connected devices (`staff_devices`, migration 13): one-time pairing
//! codes and the devices' bearer tokens, both only as hashes, each change with its audit entry in
//! one transaction. One body of SQL for both back ends (`impl_staff_device_store!`), as
//! `request_store` does. A code is used once whichever hub on one database receives it: the
//! `UPDATE … WHERE used_at IS NULL` decides.

use std::future::Future;

use super::account_admin::{postgres_begin, postgres_sql, sqlite_begin, sqlite_sql};
use super::{AnyStore, PostgresStore, SqliteStore, StoreError};
use crate::audit::AuditEvent;
use crate::staff_devices::StaffDevice;

/// A pairing code to store (its hash), made by a signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPairingCode {
    /// `staff_devices::code_hash` of the code.
    pub code_hash: String,
    /// Who asked for it.
    pub username: String,
    /// When.
    pub created_at: String,
    /// Until when it can be used.
    pub expires_at: String,
}

/// A device to connect, with its token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaffDevice {
    /// Its id (`sd-…`).
    pub id: String,
    /// `accounts::token_hash` of its bearer token.
    pub token_hash: String,
    /// What the device called itself.
    pub label: String,
    /// When it connected (also when the code is marked used).
    pub created_at: String,
    /// When its token stops working.
    pub expires_at: String,
}

/// Pairing codes and connected devices, on either back end.
pub trait StaffDeviceStore {
    /// Stores a new pairing code and writes `staff-device-code` to the audit log.
    fn add_pairing_code(
        &self,
        code: &NewPairingCode,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Uses the unexpired, unused code `code_hash` to connect `device` for the account that made
    /// it, and writes `staff-device-connected`; `None` (nothing changes) for a wrong, expired or
    /// used code.
    fn pair_staff_device(
        &self,
        code_hash: &str,
        device: &NewStaffDevice,
    ) -> impl Future<Output = Result<Option<StaffDevice>, StoreError>> + Send;
    /// The connected device holding the token `token_hash`, if it is neither disconnected nor
    /// expired at `now`.
    fn staff_device_by_token(
        &self,
        token_hash: &str,
        now: &str,
    ) -> impl Future<Output = Result<Option<StaffDevice>, StoreError>> + Send;
    /// An account's devices still connected at `now`, newest first.
    fn staff_devices(
        &self,
        username: &str,
        now: &str,
    ) -> impl Future<Output = Result<Vec<StaffDevice>, StoreError>> + Send;
    /// Disconnects `username`'s device `id` and writes `staff-device-disconnected`; false if it
    /// is not theirs or was already disconnected.
    fn revoke_staff_device(
        &self,
        username: &str,
        id: &str,
        by: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

const DEVICE_COLUMNS: &str = "id, username, label, created_at, expires_at, revoked_at";

type DeviceRow = (String, String, String, String, String, Option<String>);

fn device_from(
    (id, username, label, created_at, expires_at, revoked_at): DeviceRow,
) -> StaffDevice {
    StaffDevice {
        id,
        username,
        label,
        created_at,
        expires_at,
        revoked_at,
    }
}

macro_rules! impl_staff_device_store {
    ($store:ty, $sql:path, $begin:path, $audit:path) => {
        impl StaffDeviceStore for $store {
            async fn add_pairing_code(&self, code: &NewPairingCode) -> Result<(), StoreError> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(&$sql(
                    "INSERT INTO staff_pairing_codes (code_hash, username, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, NULL)",
                ))
                .bind(&code.code_hash)
                .bind(&code.username)
                .bind(&code.created_at)
                .bind(&code.expires_at)
                .execute(&mut *tx)
                .await?;
                let event = AuditEvent {
                    actor: code.username.clone(),
                    action: "staff-device-code".to_owned(),
                    subject: format!("valid until {}", code.expires_at),
                };
                $audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn pair_staff_device(
                &self,
                code_hash: &str,
                device: &NewStaffDevice,
            ) -> Result<Option<StaffDevice>, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let username: Option<String> = sqlx::query_scalar(&$sql(
                    "SELECT username FROM staff_pairing_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
                ))
                .bind(code_hash)
                .bind(&device.created_at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(username) = username else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                // Used once, whichever hub on the database sees it first.
                let used = sqlx::query(&$sql(
                    "UPDATE staff_pairing_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL",
                ))
                .bind(&device.created_at)
                .bind(code_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if used != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                sqlx::query(&$sql(
                    "INSERT INTO staff_devices (id, username, token_hash, label, created_at, expires_at, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                ))
                .bind(&device.id)
                .bind(&username)
                .bind(&device.token_hash)
                .bind(&device.label)
                .bind(&device.created_at)
                .bind(&device.expires_at)
                .execute(&mut *tx)
                .await?;
                let event = AuditEvent {
                    actor: username.clone(),
                    action: "staff-device-connected".to_owned(),
                    subject: format!("{} ({})", device.id, device.label),
                };
                $audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(Some(StaffDevice {
                    id: device.id.clone(),
                    username,
                    label: device.label.clone(),
                    created_at: device.created_at.clone(),
                    expires_at: device.expires_at.clone(),
                    revoked_at: None,
                }))
            }

            async fn staff_device_by_token(
                &self,
                token_hash: &str,
                now: &str,
            ) -> Result<Option<StaffDevice>, StoreError> {
                let row: Option<DeviceRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM staff_devices WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?"
                )))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(device_from))
            }

            async fn staff_devices(&self, username: &str, now: &str) -> Result<Vec<StaffDevice>, StoreError> {
                let rows: Vec<DeviceRow> = sqlx::query_as(&$sql(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM staff_devices WHERE username = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id"
                )))
                .bind(username)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(device_from).collect())
            }

            async fn revoke_staff_device(
                &self,
                username: &str,
                id: &str,
                by: &str,
                at: &str,
            ) -> Result<bool, StoreError> {
                let mut tx = $begin(&self.pool).await?;
                let revoked = sqlx::query(&$sql(
                    "UPDATE staff_devices SET revoked_at = ?, revoked_by = ? WHERE id = ? AND username = ? AND revoked_at IS NULL",
                ))
                .bind(at)
                .bind(by)
                .bind(id)
                .bind(username)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if revoked != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                let event = AuditEvent {
                    actor: by.to_owned(),
                    action: "staff-device-disconnected".to_owned(),
                    subject: format!("{id} of {username}"),
                };
                $audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}

impl_staff_device_store!(
    SqliteStore,
    sqlite_sql,
    sqlite_begin,
    super::sqlite::append_audit
);
impl_staff_device_store!(
    PostgresStore,
    postgres_sql,
    postgres_begin,
    super::postgres::append_audit
);

impl StaffDeviceStore for AnyStore {
    async fn add_pairing_code(&self, code: &NewPairingCode) -> Result<(), StoreError> {
        delegate!(self, s => s.add_pairing_code(code).await)
    }
    async fn pair_staff_device(
        &self,
        code_hash: &str,
        device: &NewStaffDevice,
    ) -> Result<Option<StaffDevice>, StoreError> {
        delegate!(self, s => s.pair_staff_device(code_hash, device).await)
    }
    async fn staff_device_by_token(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<StaffDevice>, StoreError> {
        delegate!(self, s => s.staff_device_by_token(token_hash, now).await)
    }
    async fn staff_devices(
        &self,
        username: &str,
        now: &str,
    ) -> Result<Vec<StaffDevice>, StoreError> {
        delegate!(self, s => s.staff_devices(username, now).await)
    }
    async fn revoke_staff_device(
        &self,
        username: &str,
        id: &str,
        by: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.revoke_staff_device(username, id, by, at).await)
    }
}
