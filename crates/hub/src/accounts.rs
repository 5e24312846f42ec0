//! Local accounts for the people who read reports (the DSL first): Argon2id password hashes,
//! TOTP second factors (RFC 6238: SHA-1, 6 digits, 30 s, one step of clock drift either way, each
//! code usable once), the one-time first-run token and session tokens. Plain functions, no
//! HTTP and no database.
//!
//! There is no default password, ever: the first account is made through a one-time link that
//! `serve` prints while the hub has no account; the link's token is stored only as a hash.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// The shortest password accepted (NCSC: length over complexity rules).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// TOTP time step, in seconds.
pub const TOTP_STEP_SECS: u64 = 30;
/// How long a session lasts from sign-in (a school day).
pub const SESSION_HOURS: i64 = 8;
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sg_session";

/// Roles. Only the DSL exists so far.
pub const ROLE_DSL: &str = "dsl";

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The sign-in name.
    pub username: String,
    /// What it may do (`dsl`).
    pub role: String,
    /// Argon2id, as a PHC string (`$argon2id$v=19$…`).
    pub password_hash: String,
    /// The TOTP secret, base32.
    pub totp_secret: String,
    /// The last TOTP time step used to sign in (a code is accepted once).
    pub totp_last_step: i64,
    /// When it was made.
    pub created_at: String,
}

/// Why an account cannot be made or a sign-in fails.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    /// A user name that is not a plain name.
    #[error("a user name is 1–64 letters, digits, dots, dashes, underscores or @")]
    BadUsername,
    /// Too short.
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    /// The two passwords differ.
    #[error("the two passwords are not the same")]
    PasswordsDiffer,
    /// A code that is not the authenticator's current one (or was used already).
    #[error("that code is not right: use the current 6-digit code from the authenticator app")]
    BadCode,
    /// Hashing failed (should not happen).
    #[error("could not hash the password")]
    Hash,
}

/// Checks a new account's name and passwords.
pub fn check_new_account(username: &str, password: &str, again: &str) -> Result<(), AccountError> {
    let name_ok = (1..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b));
    if !name_ok {
        return Err(AccountError::BadUsername);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    if password != again {
        return Err(AccountError::PasswordsDiffer);
    }
    Ok(())
}

/// The Argon2id hash of `password` (OWASP's parameters: 19 MiB, 2 passes, 1 lane), with a random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| AccountError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| AccountError::Hash)
}

/// Whether `password` matches `stored` (a PHC string); false for anything malformed.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A password hash to check against when the user name does not exist, so a wrong name takes as
/// long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password anyone has").unwrap_or_default())
}

/// A new TOTP secret: 20 random bytes (160 bits, RFC 4226's recommendation), base32.
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, TOTP_STEP_SECS, bytes).ok()
}

/// The code for `secret` at `unix_time` (for tests and for showing what to expect).
pub fn totp_code(secret: &str, unix_time: u64) -> Option<String> {
    totp(secret).map(|t| t.generate(unix_time))
}

/// The time step `code` is valid for at `unix_time` (the current step or one either side), if it
/// is valid and later than `last_step` (so each code signs in once).
pub fn check_totp(
    secret: &str,
    code: &str,
    unix_time: u64,
    last_step: i64,
) -> Result<i64, AccountError> {
    let totp = totp(secret).ok_or(AccountError::BadCode)?;
    let code = code.trim();
    let now_step = (unix_time / TOTP_STEP_SECS) as i64;
    let mut found = None;
    for step in [now_step - 1, now_step, now_step + 1] {
        let expected = totp.generate(step.max(0) as u64 * TOTP_STEP_SECS);
        if constant_time_eq::constant_time_eq(expected.as_bytes(), code.as_bytes())
            && step > last_step
        {
            found = Some(step);
        }
    }
    found.ok_or(AccountError::BadCode)
}

/// The `otpauth://` address an authenticator app reads (typed in, or pasted).
pub fn otpauth_uri(username: &str, secret: &str) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/Schoolgate%20Hub:{}?secret={secret}&issuer=Schoolgate%20Hub&algorithm=SHA1&digits=6&period={TOTP_STEP_SECS}",
        encode(username)
    )
}

/// A new random token (first-run link, session): 32 bytes as 64 hex characters.
pub fn new_token() -> String {
    crate::signing_keys::generate_secret()
}

/// How a token is stored: its SHA-256, so a copy of the database opens no session and no link.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").expect("hash"),
            "salted"
        );
    }

    #[test]
    fn totp_matches_rfc_6238() {
        // RFC 6238 appendix B, SHA-1: secret "12345678901234567890", T = 59 s → 94287082 (8
        // digits); the 6-digit code is its last six.
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(totp_code(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(totp_code(&secret, 1_111_111_109).as_deref(), Some("081804"));
        assert_eq!(check_totp(&secret, "287082", 59, 0), Ok(1));
        assert_eq!(
            check_totp(&secret, "287082", 59 + 30, 0),
            Ok(1),
            "one step of drift"
        );
        assert_eq!(
            check_totp(&secret, "287082", 59 + 90, 0),
            Err(AccountError::BadCode),
            "too old"
        );
        assert_eq!(
            check_totp(&secret, "287082", 59, 1),
            Err(AccountError::BadCode),
            "used once already"
        );
        assert_eq!(
            check_totp(&secret, "000000", 59, 0),
            Err(AccountError::BadCode)
        );
    }

    #[test]
    fn new_accounts() {
        assert!(check_new_account("dsl@oakhill", "twelve chars", "twelve chars").is_ok());
        assert_eq!(
            check_new_account("a b", "twelve chars", "twelve chars"),
            Err(AccountError::BadUsername)
        );
        assert_eq!(
            check_new_account("dsl", "short", "short"),
            Err(AccountError::ShortPassword)
        );
        assert_eq!(
            check_new_account("dsl", "twelve chars", "twelve charz"),
            Err(AccountError::PasswordsDiffer)
        );
        let secret = new_totp_secret();
        assert_eq!(secret.len(), 32);
        assert!(otpauth_uri("dsl@oakhill", &secret)
            .contains(&format!("Hub:dsl%40oakhill?secret={secret}")));
    }
}
