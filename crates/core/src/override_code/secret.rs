//! The school's override secret: what the Admin console holds (`overrideSecret`), and the
//! per-site, per-group keys derived from it.
//!
//! The secret is 32 random bytes written as `sgo1-` and 64 hexadecimal digits (what
//! `schoolgate override-secret` prints). A versioned text, so that a value pasted into the
//! wrong field, cut short or typed by hand is refused with a reason rather than used as a weak
//! key.

use std::fmt;

use thiserror::Error;

use super::totp::hmac_sha256;

/// What every override secret's text starts with (version 1).
pub const SECRET_PREFIX: &str = "sgo1-";
/// The secret's length in bytes.
pub const SECRET_BYTES: usize = 32;
/// The label every derived key is made under: a new version gets new keys.
const KEY_LABEL: &[u8] = b"schoolgate override-code/1";

/// Why an override secret's text was refused. The messages never quote the value: it is a
/// secret, and the staff page shows problems.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SecretError {
    /// It does not start with [`SECRET_PREFIX`].
    #[error(
        "the override secret must start with `sgo1-` (make one with `schoolgate override-secret`)"
    )]
    Prefix,
    /// The wrong number of hexadecimal digits after the prefix.
    #[error("the override secret must have 64 hexadecimal digits after `sgo1-`, found {0}")]
    Length(usize),
    /// Something other than a hexadecimal digit after the prefix.
    #[error("the override secret may only have hexadecimal digits (0-9, a-f) after `sgo1-`")]
    NotHex,
}

/// The school's override secret. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct OverrideSecret([u8; SECRET_BYTES]);

impl fmt::Debug for OverrideSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OverrideSecret(…)")
    }
}

impl OverrideSecret {
    /// A secret from 32 bytes (the CLI's come from the system's random source).
    pub fn from_bytes(bytes: [u8; SECRET_BYTES]) -> OverrideSecret {
        OverrideSecret(bytes)
    }

    /// Reads the managed value: `sgo1-` and 64 hexadecimal digits, spaces around it ignored.
    pub fn parse(text: &str) -> Result<OverrideSecret, SecretError> {
        let hex = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Prefix)?;
        if hex.len() != SECRET_BYTES * 2 {
            return Err(SecretError::Length(hex.chars().count()));
        }
        let mut bytes = [0u8; SECRET_BYTES];
        for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
            let high = hex_digit(pair[0]).ok_or(SecretError::NotHex)?;
            let low = hex_digit(pair[1]).ok_or(SecretError::NotHex)?;
            bytes[i] = (high << 4) | low;
        }
        Ok(OverrideSecret(bytes))
    }

    /// The managed value for this secret (lowercase hexadecimal).
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(SECRET_PREFIX.len() + SECRET_BYTES * 2);
        out.push_str(SECRET_PREFIX);
        for b in self.0 {
            out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 0x0f)]));
        }
        out
    }

    /// The key for one site and one group: HMAC-SHA256 under the secret of the label, the
    /// group and the site, each followed by a zero byte (neither can contain one), so that no
    /// two (group, site) pairs share a key. A key shown in an authenticator app opens that one
    /// site for that one group, never the secret.
    pub fn site_key(&self, site: &str, group: &str) -> [u8; 32] {
        let zero: &[u8] = &[0];
        hmac_sha256(
            &self.0,
            &[
                KEY_LABEL,
                zero,
                group.as_bytes(),
                zero,
                site.as_bytes(),
                zero,
            ],
        )
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_bad_values_say_why() {
        let secret = OverrideSecret::from_bytes([0xab; 32]);
        let text = secret.to_text();
        assert_eq!(text.len(), 69);
        assert_eq!(
            OverrideSecret::parse(&format!(" {text}\n")).unwrap(),
            secret
        );
        assert_eq!(
            OverrideSecret::parse(&text.to_uppercase().replace("SGO1-", "sgo1-")).unwrap(),
            secret
        );
        assert_eq!(OverrideSecret::parse("abc"), Err(SecretError::Prefix));
        assert_eq!(
            OverrideSecret::parse("sgo1-abcd"),
            Err(SecretError::Length(4))
        );
        let not_hex = format!("sgo1-{}", "g".repeat(64));
        assert_eq!(OverrideSecret::parse(&not_hex), Err(SecretError::NotHex));
        // Never the value in a message or a debug print.
        assert!(!format!("{secret:?}").contains("ab"));
        for e in [
            SecretError::Prefix,
            SecretError::Length(3),
            SecretError::NotHex,
        ] {
            assert!(!e.to_string().contains(&text[5..]));
        }
    }

    #[test]
    fn keys_differ_by_site_and_group() {
        let secret = OverrideSecret::from_bytes([7; 32]);
        let a = secret.site_key("example.org", "ks2");
        assert_ne!(a, secret.site_key("example.com", "ks2"));
        assert_ne!(a, secret.site_key("example.org", "ks1"));
        // The separator keeps ("ks2", "x.org") and ("ks2x", ".org")-style splits apart.
        assert_ne!(
            secret.site_key("b.org", "a"),
            secret.site_key("org", "a\0b.")
        );
        assert_ne!(
            a,
            OverrideSecret::from_bytes([8; 32]).site_key("example.org", "ks2")
        );
    }
}
