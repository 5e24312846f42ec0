//! Slowing down repeated wrong sign-ins, per account and per client address, with a lockout
//! that doubles with every further failure. The rules are plain functions here; the counts are
//! kept in the database (`store::SignInState`), so every hub on one PostgreSQL counts the same
//! wrong sign-ins and enforces the same lockout, and a restart forgets nothing.
//!
//! While a key is locked, sign-in is refused *before* the password is checked, so guesses made
//! during a lockout can never succeed. A success clears the account's count (not the address's:
//! one right password must not wash away an address's many wrong ones).

use std::time::Duration;

use sha2::{Digest, Sha256};

/// Wrong sign-ins an account may have before it is locked.
pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Wrong sign-ins one address may have (a school's staff often share one address) before it is
/// locked.
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// The first lockout; each further failure doubles it.
pub const FIRST_LOCKOUT: Duration = Duration::from_secs(60);
/// The longest lockout.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(3600);
/// A count untouched for this long starts again from nothing, and its row is deleted once no
/// lockout holds.
pub const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The most counts kept at once. Beyond it the oldest are dropped, unlocked ones first, so a
/// flood of wrong sign-ins under made-up names cannot grow the database without bound.
pub const MAX_ENTRIES: i64 = 10_000;

/// What a sign-in is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// A user name (lower-cased), existing or not.
    Account(String),
    /// The client's address.
    Address(String),
}

impl ThrottleKey {
    /// Wrong sign-ins allowed before a lockout.
    pub fn free_failures(&self) -> u32 {
        match self {
            Self::Account(_) => ACCOUNT_FREE_FAILURES,
            Self::Address(_) => ADDRESS_FREE_FAILURES,
        }
    }

    /// What the database keeps: a hash, so a name typed at the sign-in page (sometimes a
    /// password typed in the wrong field) is never stored, and every row has the same size.
    pub fn stored_hash(&self) -> String {
        let (kind, value) = match self {
            Self::Account(name) => ("account", name),
            Self::Address(address) => ("address", address),
        };
        hex::encode(Sha256::digest(format!("{kind}\0{value}").as_bytes()))
    }
}

/// How long the lockout lasts after `failures` wrong sign-ins (`None`: not locked).
pub fn lockout_after(failures: u32, free: u32) -> Option<Duration> {
    let over = failures.checked_sub(free)?;
    let doubled = FIRST_LOCKOUT.saturating_mul(1u32.checked_shl(over).unwrap_or(u32::MAX));
    Some(doubled.min(MAX_LOCKOUT))
}

/// Milliseconds, as the database keeps times.
pub fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Now, in Unix milliseconds.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_up_to_an_hour() {
        assert_eq!(lockout_after(4, 5), None);
        assert_eq!(lockout_after(5, 5), Some(Duration::from_secs(60)));
        assert_eq!(lockout_after(7, 5), Some(Duration::from_secs(240)));
        assert_eq!(lockout_after(12, 5), Some(MAX_LOCKOUT));
        assert_eq!(lockout_after(200, 5), Some(MAX_LOCKOUT));
    }

    #[test]
    fn keys_are_stored_as_hashes_of_their_kind_and_value() {
        let account = ThrottleKey::Account("dsl".into()).stored_hash();
        assert_eq!(account.len(), 64);
        assert!(!account.contains("dsl"));
        assert_ne!(account, ThrottleKey::Address("dsl".into()).stored_hash());
        assert_eq!(account, ThrottleKey::Account("dsl".into()).stored_hash());
    }
}
