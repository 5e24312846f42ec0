//! Slowing down repeated wrong sign-ins, per account and per client address, with a lockout
//! that doubles with every further failure. Plain data with the clock passed in, so the rules
//! are tested with a moved clock; the web layer keeps one `LoginThrottle` per hub process.
//!
//! While a key is locked, sign-in is refused *before* the password is checked, so guesses made
//! during a lockout can never succeed. A success clears the account's count (not the address's:
//! one right password must not wash away an address's many wrong ones).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong sign-ins an account may have before it is locked.
pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Wrong sign-ins one address may have (a school's staff often share one address) before it is
/// locked.
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// The first lockout; each further failure doubles it.
pub const FIRST_LOCKOUT: Duration = Duration::from_secs(60);
/// The longest lockout.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(3600);
/// Entries untouched for this long are forgotten (memory stays bounded).
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Above this many entries, old ones are pruned on each failure.
const PRUNE_ABOVE: usize = 10_000;

/// What a sign-in is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// A user name (lower-cased), existing or not.
    Account(String),
    /// The client's address.
    Address(String),
}

impl ThrottleKey {
    fn free_failures(&self) -> u32 {
        match self {
            Self::Account(_) => ACCOUNT_FREE_FAILURES,
            Self::Address(_) => ADDRESS_FREE_FAILURES,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

/// The counts, shared by every request of one hub process.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<ThrottleKey, Entry>>,
}

/// How long the lockout lasts after `failures` wrong sign-ins (`None`: not locked).
pub fn lockout_after(failures: u32, free: u32) -> Option<Duration> {
    let over = failures.checked_sub(free)?;
    let doubled = FIRST_LOCKOUT.saturating_mul(1u32.checked_shl(over).unwrap_or(u32::MAX));
    Some(doubled.min(MAX_LOCKOUT))
}

impl LoginThrottle {
    /// How long until any of `keys` may try again (`None`: they may try now).
    pub fn locked(&self, keys: &[ThrottleKey], now: Instant) -> Option<Duration> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|key| entries.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a wrong sign-in against every key.
    pub fn failed(&self, keys: &[ThrottleKey], now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > PRUNE_ABOVE {
            entries.retain(|_, e| now.saturating_duration_since(e.last_failure) < FORGET_AFTER);
        }
        for key in keys {
            let entry = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                last_failure: now,
                locked_until: None,
            });
            if now.saturating_duration_since(entry.last_failure) >= FORGET_AFTER {
                entry.failures = 0;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = now;
            entry.locked_until =
                lockout_after(entry.failures, key.free_failures()).map(|d| now + d);
        }
    }

    /// A right sign-in: the account starts again from nothing.
    pub fn succeeded(&self, account: &ThrottleKey) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> ThrottleKey {
        ThrottleKey::Account(name.into())
    }

    #[test]
    fn an_account_is_locked_after_five_failures_with_doubling_lockouts() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        let keys = [account("dsl")];
        for n in 0..ACCOUNT_FREE_FAILURES - 1 {
            throttle.failed(&keys, start + Duration::from_secs(n.into()));
            assert_eq!(
                throttle.locked(&keys, start + Duration::from_secs(n.into())),
                None
            );
        }
        let fifth = start + Duration::from_secs(10);
        throttle.failed(&keys, fifth);
        assert_eq!(throttle.locked(&keys, fifth), Some(FIRST_LOCKOUT));
        // The clock moves past the lockout: one more try, wrong again, locks for twice as long.
        let later = fifth + FIRST_LOCKOUT + Duration::from_secs(1);
        assert_eq!(throttle.locked(&keys, later), None);
        throttle.failed(&keys, later);
        assert_eq!(throttle.locked(&keys, later), Some(FIRST_LOCKOUT * 2));
        // Another account is not affected; a success clears this one.
        assert_eq!(throttle.locked(&[account("deputy")], later), None);
        throttle.succeeded(&keys[0]);
        assert_eq!(throttle.locked(&keys, later), None);
    }

    #[test]
    fn an_address_is_locked_after_twenty_failures_across_accounts() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let address = ThrottleKey::Address("192.0.2.7".into());
        for n in 0..ADDRESS_FREE_FAILURES {
            throttle.failed(&[account(&format!("guess{n}")), address.clone()], now);
        }
        assert_eq!(
            throttle.locked(&[account("anyone"), address.clone()], now),
            Some(FIRST_LOCKOUT)
        );
        assert_eq!(
            throttle.locked(&[ThrottleKey::Address("192.0.2.8".into())], now),
            None
        );
    }

    #[test]
    fn lockouts_double_up_to_an_hour() {
        assert_eq!(lockout_after(4, 5), None);
        assert_eq!(lockout_after(5, 5), Some(Duration::from_secs(60)));
        assert_eq!(lockout_after(7, 5), Some(Duration::from_secs(240)));
        assert_eq!(lockout_after(12, 5), Some(MAX_LOCKOUT));
        assert_eq!(lockout_after(200, 5), Some(MAX_LOCKOUT));
    }

    #[test]
    fn failures_a_day_old_are_forgotten() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        let keys = [account("dsl")];
        for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
            throttle.failed(&keys, start);
        }
        let next_day = start + FORGET_AFTER;
        throttle.failed(&keys, next_day);
        assert_eq!(throttle.locked(&keys, next_day), None);
    }
}
