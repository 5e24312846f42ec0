//! `schoolgate override-secret` and `schoolgate override-code`: the school's override secret
//! for the Admin console (`overrideSecret`), and the code a teacher reads for a site and group
//! (what the hub's page will show). The algorithm is the core's (`override_code`).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use schoolgate_core::engine::{rfc3339_local, Engine, Request};
use schoolgate_core::override_code::{self, OverrideSecret, DIGITS, SECRET_BYTES, STEP_SECS};
use schoolgate_core::policy::Tz;

/// Prints a new secret (32 bytes from the system's random source) as `sgo1-<64 hex digits>`.
pub fn new_secret() -> Result<ExitCode, String> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes from the system: {e}"))?;
    let secret = OverrideSecret::from_bytes(bytes);
    writeln!(io::stdout().lock(), "{}", secret.to_text()).map_err(|e| e.to_string())?;
    eprintln!(
        "schoolgate: paste this into the Admin console as overrideSecret (keep it like a password: anyone with it can make codes; see docs/deploy-chromebooks.md)"
    );
    Ok(ExitCode::SUCCESS)
}

/// What `override-code` is asked for.
pub struct CodeRequest<'a> {
    /// The file holding the secret (its first line).
    pub secret_file: &'a Path,
    /// The blocked page's address, or a bare host name.
    pub site: &'a str,
    /// The group.
    pub group: &'a str,
    /// The moment (Unix seconds).
    pub at: i64,
    /// Print the core's JSON instead of sentences.
    pub json: bool,
}

/// Prints the code for a site and group at a moment, and until when it is accepted.
pub fn print_code(request: &CodeRequest<'_>) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(request.secret_file)
        .map_err(|e| format!("{}: {e}", request.secret_file.display()))?;
    let secret = OverrideSecret::parse(text.lines().next().unwrap_or(""))
        .map_err(|e| format!("{}: {e}", request.secret_file.display()))?;
    let address = if request.site.contains("://") {
        request.site.to_string()
    } else {
        format!("https://{}/", request.site)
    };
    let site = override_code::site_of_url(address.as_bytes())
        .ok_or_else(|| format!("--site {:?}: not a web address or host name", request.site))?;
    if let Some(problem) = schoolgate_core::category::id_problem(request.group) {
        return Err(format!("--group {:?}: group name {problem}", request.group));
    }
    let shown = override_code::code_for(&secret, &site, request.group, request.at)
        .map_err(|e| e.to_string())?;
    let mut out = io::stdout().lock();
    let line = if request.json {
        serde_json::to_string(&shown).map_err(|e| e.to_string())?
    } else {
        let uk = |t: i64| rfc3339_local(Tz::EuropeLondon, t);
        format!(
            "{code}\nopens {site} for group {group}: type it on the pupil's block page by {until} (UK time)\n\
             authenticator app ({DIGITS} digits, SHA-256, {STEP_SECS}-second period): {uri}",
            code = shown.code,
            group = request.group,
            until = uk(shown.accepted_until),
            uri = otpauth_uri(&secret, &site, request.group),
        )
    };
    writeln!(out, "{line}").map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// With the school's policy: says on standard error when no code can open the page for the
/// group now (the device would refuse it whatever the code), or the page is not blocked.
pub fn warn_if_refused(engine: &Engine, site: &str, group: &str, at: i64) {
    let address = if site.contains("://") {
        site.to_string()
    } else {
        format!("https://{site}/")
    };
    let verdict = engine.classify(&Request::new(address.as_bytes(), group, at));
    if let Err(refusal) = override_code::overridable(engine.policy(), &verdict) {
        eprintln!("schoolgate: note: no code opens {address} for group {group}: {refusal}");
    } else if !verdict.is_blocked() {
        eprintln!(
            "schoolgate: note: {address} is not blocked for group {group} now: no code is needed"
        );
    }
}

/// An `otpauth://` URI (the de facto format authenticator apps import, often as a QR code)
/// holding the key for one site and group, never the school's secret.
pub fn otpauth_uri(secret: &OverrideSecret, site: &str, group: &str) -> String {
    let key = base32(&secret.site_key(site, group));
    format!(
        "otpauth://totp/Schoolgate:{group}%20{site}?secret={key}&issuer=Schoolgate&algorithm=SHA256&digits={DIGITS}&period={STEP_SECS}"
    )
}

/// RFC 4648 base32 without padding (what `otpauth://` URIs carry).
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_follows_rfc_4648() {
        // RFC 4648 §10, without padding.
        for (input, want) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), want);
        }
    }
}
