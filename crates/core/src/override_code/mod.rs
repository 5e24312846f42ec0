//! Teachers' override codes: the offline way to open a blocked site for a lesson.
//!
//! A teacher reads a short code (from the hub, an authenticator app or `schoolgate
//! override-code`) and types it on the pupil's block page. The code is bound to one **site**
//! (the registrable domain of the blocked page: [`site_of_host`]), one **group** and one **time
//! window**, and made from a per-school secret that only the extension can read
//! ([`OverrideSecret`], the managed value `overrideSecret`).
//!
//! ## The code
//!
//! - Key: HMAC-SHA256 under the school's 32-byte secret of `"schoolgate override-code/1"`, the
//!   group and the site ([`OverrideSecret::site_key`]), so a key shown in an app opens one site
//!   for one group and never reveals the secret.
//! - Code: TOTP (RFC 6238) with HMAC-SHA256, [`DIGITS`] = 6 digits, a [`STEP_SECS`] = 300 s
//!   (5-minute) step from the Unix epoch, accepted one step either side ([`DRIFT_STEPS`]) for
//!   clocks that differ: a code shown at the start of a step is accepted for 10 minutes.
//! - Once used on a device, that code and every earlier one for the same site and group are
//!   refused there (RFC 6238 §5.2): the caller keeps the last step used ([`Attempt::last_used_step`]).
//!
//! ## What no code opens
//!
//! [`verify`] refuses before looking at the code when the page's verdict for the group involves
//! a locked illegal-content category (IWF, CTIRU) or a category the policy lists in
//! `never_override`, or was decided by something a site-wide override must not open (a search,
//! the group's deny list, a wrapper, a lookalike): see [`overridable`]. While an override is in
//! force, [`permits`] applies the same rule to every page of the site, so a locked or
//! never-override page on an opened site stays blocked.
//!
//! ## How long
//!
//! A granted override lasts the policy's `override_minutes` (default 60, at most 480: a school
//! day) from the moment the code was accepted ([`Grant::ends_at`]). The caller ends it then,
//! whether or not it is online.
//!
//! ## Usage
//!
//! ```
//! use schoolgate_core::engine::Engine;
//! use schoolgate_core::override_code::{self, Attempt, OverrideSecret};
//!
//! let engine = Engine::builtin();
//! let secret = OverrideSecret::from_bytes([42; 32]);
//! let monday_10am = 1_767_607_200; // 5 January 2026, 10:00 GMT: games are blocked for KS2
//! let url = "https://www.coolmathgames.com/0-run";
//! let site = override_code::site_of_url(url.as_bytes()).ok_or("not a web address")?;
//! let shown = override_code::code_for(&secret, &site, "ks2", monday_10am)?;
//! let attempt = Attempt { url: url.as_bytes(), group: "ks2", code: &shown.code, at: monday_10am + 60, last_used_step: None };
//! let grant = override_code::verify(&engine, &secret, &attempt)?;
//! assert_eq!(grant.site, "coolmathgames.com");
//! assert_eq!(grant.ends_at, monday_10am + 60 + 3600);
//! assert!(override_code::permits(&engine, b"https://coolmathgames.com/1-other", "ks2", &grant.site, monday_10am + 120));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod scope;
mod secret;
pub mod totp;

use serde::Serialize;
use thiserror::Error;

use crate::engine::{Engine, Request};

pub use scope::{overridable, site_of_host, site_of_url, Refusal};
pub use secret::{OverrideSecret, SecretError, SECRET_BYTES, SECRET_PREFIX};

/// Digits in a code.
pub const DIGITS: u32 = 6;
/// The length of one time step, in seconds.
pub const STEP_SECS: u32 = 300;
/// Steps accepted either side of the device's own, for clocks that differ.
pub const DRIFT_STEPS: u64 = 1;

/// Why a code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OverrideError {
    /// The secret in the managed configuration cannot be read.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// What was typed is not a code at all.
    #[error("a teacher's code is 6 digits")]
    Malformed,
    /// Not the code for this site, group and time.
    #[error("that code is not right for this site, group and time")]
    WrongCode,
    /// The right code, but it (or a later one) was already used on this device.
    #[error("that code has been used already: ask for a new one")]
    Used,
    /// The page is not blocked for the group: there is nothing to open.
    #[error("this page is not blocked")]
    NotBlocked,
    /// No code can open this page.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// A moment before 1970: no code exists for it.
    #[error("the time is before 1970")]
    BadTime,
}

impl OverrideError {
    /// A short stable id for callers and logs: `secret`, `malformed`, `wrong-code`, `used`,
    /// `not-blocked`, `refused` or `bad-time`.
    pub fn kind(&self) -> &'static str {
        match self {
            OverrideError::Secret(_) => "secret",
            OverrideError::Malformed => "malformed",
            OverrideError::WrongCode => "wrong-code",
            OverrideError::Used => "used",
            OverrideError::NotBlocked => "not-blocked",
            OverrideError::Refused(_) => "refused",
            OverrideError::BadTime => "bad-time",
        }
    }
}

/// A code as a teacher is shown it (the hub, `schoolgate override-code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCode {
    /// The code, [`DIGITS`] digits with leading zeros.
    pub code: String,
    /// The site it opens.
    pub site: String,
    /// The group it opens it for.
    pub group: String,
    /// Its time step (Unix seconds / [`STEP_SECS`]).
    pub step: u64,
    /// When its step began (Unix seconds).
    pub step_starts: i64,
    /// The last moment a device accepts it (Unix seconds, exclusive): the end of the next step.
    pub accepted_until: i64,
}

/// One attempt to open a blocked page with a code.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The blocked page's address.
    pub url: &'a [u8],
    /// The device's group.
    pub group: &'a str,
    /// What was typed (spaces and dashes are ignored).
    pub code: &'a str,
    /// The moment, in Unix seconds.
    pub at: i64,
    /// The step of the last code accepted on this device for this site and group, if any.
    pub last_used_step: Option<u64>,
}

/// An accepted code: what to open, for whom, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// The site opened (see [`site_of_host`]).
    pub site: String,
    /// The group it is opened for.
    pub group: String,
    /// The step of the code accepted: keep it as the next attempt's `last_used_step`.
    pub step: u64,
    /// When the override began (Unix seconds): when the code was accepted.
    pub starts_at: i64,
    /// When it ends (Unix seconds): the policy's `override_minutes` later.
    pub ends_at: i64,
    /// Its length in minutes.
    pub minutes: u32,
}

/// The code for a site and group at a step.
pub fn code_at_step(secret: &OverrideSecret, site: &str, group: &str, step: u64) -> String {
    let key = secret.site_key(site, group);
    let code = totp::hotp_sha256(&key, step, DIGITS);
    format!("{code:06}")
}

/// The code a teacher is shown for a site and group at a moment.
pub fn code_for(
    secret: &OverrideSecret,
    site: &str,
    group: &str,
    at: i64,
) -> Result<IssuedCode, OverrideError> {
    let step = totp::counter(at, 0, STEP_SECS).ok_or(OverrideError::BadTime)?;
    let step_starts = i64::try_from(step)
        .ok()
        .and_then(|s| s.checked_mul(i64::from(STEP_SECS)))
        .ok_or(OverrideError::BadTime)?;
    let drift = i64::try_from(DRIFT_STEPS).unwrap_or(1);
    Ok(IssuedCode {
        code: code_at_step(secret, site, group, step),
        site: site.to_string(),
        group: group.to_string(),
        step,
        step_starts,
        accepted_until: step_starts + (1 + drift) * i64::from(STEP_SECS),
    })
}

/// Checks a typed code for a site and group at a moment: the step it belongs to, or why not.
/// Every step in the drift window is computed and compared whatever matches, so the time taken
/// says nothing about which digits were right.
pub fn check_code(
    secret: &OverrideSecret,
    site: &str,
    group: &str,
    typed: &str,
    at: i64,
    last_used_step: Option<u64>,
) -> Result<u64, OverrideError> {
    let typed = normalise_code(typed).ok_or(OverrideError::Malformed)?;
    let now = totp::counter(at, 0, STEP_SECS).ok_or(OverrideError::BadTime)?;
    let mut matched = None;
    for step in now.saturating_sub(DRIFT_STEPS)..=now.saturating_add(DRIFT_STEPS) {
        let expected = code_at_step(secret, site, group, step);
        if same_bytes(expected.as_bytes(), typed.as_bytes()) {
            matched = Some(step);
        }
    }
    let step = matched.ok_or(OverrideError::WrongCode)?;
    if last_used_step.is_some_and(|used| step <= used) {
        return Err(OverrideError::Used);
    }
    Ok(step)
}

/// The digits of what was typed (spaces and dashes dropped), if it is exactly [`DIGITS`] digits.
fn normalise_code(typed: &str) -> Option<String> {
    if typed.len() > 40 {
        return None;
    }
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let ok = digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(digits)
}

fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks an attempt to open a blocked page: the page must be blocked for the group, a code may
/// open it ([`overridable`]), and the code must be right for its site, the group and the time.
/// The refusal comes first: no code is ever checked for a page no code may open.
pub fn verify(
    engine: &Engine,
    secret: &OverrideSecret,
    attempt: &Attempt<'_>,
) -> Result<Grant, OverrideError> {
    let verdict = engine.classify(&Request::new(attempt.url, attempt.group, attempt.at));
    overridable(engine.policy(), &verdict)?;
    if !verdict.is_blocked() {
        return Err(OverrideError::NotBlocked);
    }
    let site = site_of_url(attempt.url).ok_or(Refusal::NotAWebPage)?;
    let step = check_code(
        secret,
        &site,
        attempt.group,
        attempt.code,
        attempt.at,
        attempt.last_used_step,
    )?;
    let minutes = engine.policy().override_minutes();
    Ok(Grant {
        site,
        group: attempt.group.to_string(),
        step,
        starts_at: attempt.at,
        ends_at: attempt.at + i64::from(minutes) * 60,
        minutes,
    })
}

/// While an override of `site` for `group` is in force: whether it opens this page now. Only a
/// page of that site, and only when the page's own verdict is one a code may open
/// ([`overridable`]): a locked or never-override page on an opened site stays blocked. (The
/// caller checks the override's end time; a page already allowed needs no override.)
pub fn permits(engine: &Engine, url: &[u8], group: &str, site: &str, at: i64) -> bool {
    if site_of_url(url).as_deref() != Some(site) {
        return false;
    }
    let verdict = engine.classify(&Request::new(url, group, at));
    !verdict.is_blocked() || overridable(engine.policy(), &verdict).is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests;
