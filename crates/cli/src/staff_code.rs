//! `schoolgate staff-code`: the managed value `staffUnlockCodeHash` for a staff code.
//!
//! PBKDF2-HMAC-SHA256 with a fresh random 16-byte salt, printed as
//! `pbkdf2-sha256$<iterations>$<salt, base64>$<32-byte key, base64>` (standard base64 with
//! padding), the form the extension checks with WebCrypto (`extension/sw/staff-code.js`). The
//! code is read from standard input, so it is never in the shell's history or a process list.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::Sha256;

/// The work factor written by default (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// The range the extension accepts (`MIN_ITERATIONS`, `MAX_ITERATIONS` in staff-code.js).
pub const ITERATIONS: std::ops::RangeInclusive<u32> = 100_000..=10_000_000;
const SALT_BYTES: usize = 16;
const KEY_BYTES: usize = 32;

/// The managed value for `code` (trimmed) with `salt` and `iterations`.
pub fn staff_code_value(code: &str, salt: &[u8], iterations: u32) -> String {
    let mut key = [0u8; KEY_BYTES];
    pbkdf2::pbkdf2_hmac::<Sha256>(code.trim().as_bytes(), salt, iterations, &mut key);
    format!(
        "pbkdf2-sha256${iterations}${}${}",
        STANDARD.encode(salt),
        STANDARD.encode(key)
    )
}

/// Reads the code (the first line of standard input) and prints its managed value.
pub fn run(iterations: u32) -> Result<ExitCode, String> {
    if !ITERATIONS.contains(&iterations) {
        return Err(format!(
            "--iterations {iterations}: the extension accepts {} to {}",
            ITERATIONS.start(),
            ITERATIONS.end()
        ));
    }
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading the staff code from standard input: {e}"))?;
    let code = line.trim();
    if code.is_empty() {
        return Err("no staff code on standard input (for example: printf %s 'CODE' | schoolgate staff-code)".into());
    }
    if code.chars().count() < 6 {
        eprintln!(
            "schoolgate: a code of fewer than 6 characters is quick to guess even when hashed slowly: use a longer one"
        );
    }
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).map_err(|e| format!("no random salt from the system: {e}"))?;
    let mut out = io::stdout().lock();
    writeln!(out, "{}", staff_code_value(code, &salt, iterations)).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

    use super::*;

    /// The vectors the extension's tests check too (tests/fixtures/staff-code/vectors.json).
    #[test]
    fn the_shared_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/staff-code/vectors.json"
        );
        let fixture: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let vectors = fixture["vectors"].as_array().unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let salt = STANDARD.decode(v["salt"].as_str().unwrap()).unwrap();
            let iterations = u32::try_from(v["iterations"].as_u64().unwrap()).unwrap();
            assert_eq!(
                staff_code_value(v["code"].as_str().unwrap(), &salt, iterations),
                v["value"].as_str().unwrap()
            );
        }
    }
}
