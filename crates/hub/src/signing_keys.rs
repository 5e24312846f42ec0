//! Report-signing keys: the shared secrets the extension signs each report with
//! (`reportSigningKey` in the Admin console), and the check of a report's signature.
//!
//! The extension computes HMAC-SHA256 over the exact body bytes, keyed by the UTF-8 bytes of the
//! key *as text* (`shared-ui/report/sign.js` imports `encoder.encode(String(secret))`), so the
//! hub does the same: a key is its 64 hex characters, never decoded. The hub has to hold the keys
//! themselves (an HMAC cannot be checked against a hash of its key), so the database is as
//! secret as the Admin console's setting.

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The header that carries a report's signature: `sha256=<64 hex>`.
pub const SIGNATURE_HEADER: &str = "x-schoolgate-signature";

/// A key as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The name an IT lead gave it (`--label`), unique on this hub.
    pub label: String,
    /// The secret: 64 lowercase hex characters.
    pub secret: String,
    /// When it was added (RFC 3339, UTC).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

impl SigningKey {
    /// A short, non-secret fingerprint to tell keys apart in `signing-key list` (the first 12
    /// hex characters of the secret's SHA-256).
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.secret.as_bytes()))[..12].to_owned()
    }
}

/// A label or a signature the hub refuses.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// A label that is empty, too long or has characters a shell or a log would mangle.
    #[error("a key label is 1–64 letters, digits, dots, dashes or underscores, got {0:?}")]
    BadLabel(String),
}

/// Checks a label for `signing-key add`.
pub fn check_label(label: &str) -> Result<(), KeyError> {
    let ok = (1..=64).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(KeyError::BadLabel(label.chars().take(80).collect()))
    }
}

/// A new secret: 32 bytes from the operating system's random source, as 64 lowercase hex.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The MAC in a signature header, if the header is well-formed (`sha256=` and 64 hex digits,
/// case and surrounding spaces ignored: a receiver may not assume the sender wrote lower case).
pub fn parse_signature(header: &str) -> Option<[u8; 32]> {
    let value = header.trim();
    let (scheme, digits) = value.split_once('=')?;
    if !scheme.eq_ignore_ascii_case("sha256") || digits.len() != 64 {
        return None;
    }
    let mut mac = [0u8; 32];
    hex::decode_to_slice(digits.to_ascii_lowercase(), &mut mac).ok()?;
    Some(mac)
}

/// `sha256=<hex>` for `body` under `secret`, exactly as `shared-ui/report/sign.js` writes it.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac_of(secret, body).finalize().into_bytes())
    )
}

fn mac_of(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    mac
}

/// Why a signed request's signature was refused: every one is answered 401, by reports
/// (`ingest.rs`) and event batches (`events.rs`) alike.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum SignatureError {
    /// No signature header.
    #[error("missing X-Schoolgate-Signature")]
    Missing,
    /// A signature header that is not `sha256=<64 hex>`.
    #[error("X-Schoolgate-Signature is not sha256=<64 hex digits>")]
    Malformed,
    /// A signature no active key made (forged, changed on the way, or a revoked key).
    #[error("the signature does not match any active signing key")]
    NoKey,
}

/// Which of `keys` signed `body`, given the request's signature header: the first rule of every
/// signed request, before anything else of it is read.
pub fn check<'k>(
    keys: &'k [SigningKey],
    signature: Option<&str>,
    body: &[u8],
) -> Result<&'k SigningKey, SignatureError> {
    let header = signature.ok_or(SignatureError::Missing)?;
    let mac = parse_signature(header).ok_or(SignatureError::Malformed)?;
    verify(keys, body, &mac).ok_or(SignatureError::NoKey)
}

/// Whether `id` is an id as the extension makes them (a report's, an event batch's, a device's or
/// an event's): 8–64 ASCII letters, digits or dashes (`newReport` in `shared-ui/report/model.js`,
/// `extension/sw/events-queue.js`). No dot, slash or other path character.
pub fn valid_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// [`valid_id`]'s rule in words, for the messages that refuse an id.
pub const ID_RULE: &str = "8–64 letters, digits or dashes";

/// The id in a JSON object's `field`, or the message that refuses it (missing, not text, or not
/// a [`valid_id`]): every body the extension sends names its ids the same way.
pub fn id_field<'a>(object: &'a Map<String, Value>, field: &str) -> Result<&'a str, String> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|id| valid_id(id))
        .ok_or_else(|| format!("\"{field}\" must be {ID_RULE}"))
}

/// The id in the header `name` (`X-Schoolgate-Report-Id`, `X-Schoolgate-Batch-Id`), or the
/// message that refuses it.
pub fn id_header<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, String> {
    let id = value.ok_or_else(|| format!("missing {name}"))?;
    if valid_id(id) {
        Ok(id)
    } else {
        Err(format!("{name} must be {ID_RULE}"))
    }
}

/// The key among `keys` that `mac` was made with over `body`, if any. Every key is tried and
/// each comparison is constant-time, so the time taken says nothing about how close a forgery came.
pub fn verify<'k>(keys: &'k [SigningKey], body: &[u8], mac: &[u8; 32]) -> Option<&'k SigningKey> {
    let mut found = None;
    for key in keys {
        if mac_of(&key.secret, body).verify_slice(mac).is_ok() && found.is_none() {
            found = Some(key);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(label: &str, secret: &str) -> SigningKey {
        SigningKey {
            label: label.into(),
            secret: secret.into(),
            created_at: String::new(),
            revoked_at: None,
        }
    }

    #[test]
    fn ids_of_reports_batches_devices_and_events() {
        assert!(valid_id("r-mi5x2k1a-1abc2def"));
        for bad in [
            "short",
            "r-../../etc",
            "r-abc/def-ghi",
            "r-abc.def-ghi",
            "r-abc def-gh",
            &"a".repeat(65),
            "r-äbcdefgh",
        ] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn ids_in_bodies_and_headers_are_refused_with_the_field_named() {
        let body = serde_json::json!({"id": "r-mi5x2k1a-1abc2def", "device": "d/../x", "n": 7});
        let object = body.as_object().expect("an object");
        assert_eq!(id_field(object, "id"), Ok("r-mi5x2k1a-1abc2def"));
        for field in ["device", "n", "absent"] {
            assert_eq!(
                id_field(object, field),
                Err(format!(
                    "\"{field}\" must be 8–64 letters, digits or dashes"
                ))
            );
        }
        assert_eq!(id_header(Some("b-12345678"), "X-Id"), Ok("b-12345678"));
        assert_eq!(id_header(None, "X-Id"), Err("missing X-Id".into()));
        assert_eq!(
            id_header(Some("b.1234567"), "X-Id"),
            Err("X-Id must be 8–64 letters, digits or dashes".into())
        );
    }

    #[test]
    fn matches_the_extensions_signature() {
        // RFC 4231 test case 2: key "Jefe". The extension keys HMAC with the key's text bytes.
        let body = b"what do ya want for nothing?";
        let expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(sign("Jefe", body), expected);
        let mac = parse_signature(expected).expect("well-formed");
        let keys = [key("old", "nope"), key("jefe", "Jefe")];
        assert_eq!(
            verify(&keys, body, &mac).map(|k| k.label.as_str()),
            Some("jefe")
        );
        assert_eq!(verify(&keys, b"what do ya want for nothing!", &mac), None);
    }

    #[test]
    fn reads_signature_headers_like_the_reference_receiver() {
        let hex64 = "AB".repeat(32);
        assert_eq!(
            parse_signature(&format!("  SHA256={hex64} ")),
            Some([0xab; 32])
        );
        for bad in [
            "",
            "sha256=",
            "sha1=abcd",
            &format!("sha256={}", &hex64[2..]),
            &format!("sha256={hex64}00"),
            &format!("sha256={}zz", &hex64[2..]),
        ] {
            assert_eq!(parse_signature(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn generates_distinct_hex_secrets() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a, b);
        for s in [&a, &b] {
            assert_eq!(s.len(), 64);
            assert!(s
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        }
    }

    #[test]
    fn labels() {
        assert!(check_label("chromebooks-2026").is_ok());
        for bad in ["", "has space", "../x", &"x".repeat(65)] {
            assert!(check_label(bad).is_err(), "{bad:?}");
        }
    }
}
