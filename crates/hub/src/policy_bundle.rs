//! The signed policy bundle the hub serves at `GET /api/v1/policy` (docs/policy-bundle.md): the
//! published policy and its facts as JSON bytes (the payload), signed with the hub's one Ed25519
//! key, so a device holding only `hubUrl` and the public key (`hubPolicyKey`) can trust it.
//!
//! Signing is deterministic (Ed25519), and the payload is built from stored facts in a fixed
//! order, so every hub on one database serves the same bytes for a version, and nothing but the
//! facts needs storing. `verify` is the device's check, kept here for the tests and the shared
//! test vector (`tests/fixtures/policy-bundle/`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The bundle's `format`.
pub const BUNDLE_FORMAT: &str = "schoolgate-policy-bundle/1";
/// The payload's `format`.
pub const PAYLOAD_FORMAT: &str = "schoolgate-policy/1";
/// Where devices fetch it.
pub const POLICY_PATH: &str = "/api/v1/policy";

/// What the payload says (field order is the serialised order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Payload {
    /// `schoolgate-policy/1`.
    pub format: String,
    /// The version: 1, 2, 3…, only ever growing.
    pub version: i64,
    /// When it was published (RFC 3339, UTC, whole seconds).
    pub published_at: String,
    /// The school's name (the policy's `[school] name`).
    pub school: String,
    /// The policy (TOML), exactly as approved.
    pub policy: String,
    /// Why it was changed.
    pub reason: String,
    /// Who approved it, in the order they did.
    pub approved_by: Vec<String>,
}

/// The bundle as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// `schoolgate-policy-bundle/1`.
    pub format: String,
    /// base64url (no padding) of the payload's JSON bytes.
    pub payload: String,
    /// base64url (no padding) of the Ed25519 signature over exactly those bytes.
    pub signature: String,
    /// The first 16 hex digits of SHA-256 of the raw public key (a hint; devices never trust it).
    pub key_id: String,
}

/// The hub's signing key pair.
#[derive(Clone)]
pub struct BundleKey(SigningKey);

impl std::fmt::Debug for BundleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        write!(f, "BundleKey({})", self.public_key())
    }
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The stored or given key is not 32 bytes.
    #[error("not an Ed25519 key: {0}")]
    BadKey(String),
    /// The bundle is not the JSON the contract describes.
    #[error("not a policy bundle: {0}")]
    Malformed(String),
    /// A format this hub does not know.
    #[error("unknown format {0:?}")]
    UnknownFormat(String),
    /// The signature does not verify with the key.
    #[error("the signature does not verify with this key")]
    BadSignature,
}

impl BundleKey {
    /// A new random key pair.
    pub fn generate() -> Self {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        Self(SigningKey::from_bytes(&secret))
    }

    /// The key pair from its stored secret (64 hex digits).
    pub fn from_secret_hex(hex_secret: &str) -> Result<Self, BundleError> {
        let bytes: [u8; 32] = hex::decode(hex_secret.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| BundleError::BadKey("the secret must be 64 hex digits".into()))?;
        Ok(Self(SigningKey::from_bytes(&bytes)))
    }

    /// The secret as stored (64 hex digits): only ever in the database.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// The public key as the Admin console takes it (`hubPolicyKey`): base64url, no padding, of
    /// the raw 32 bytes.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.verifying_key().to_bytes())
    }

    /// Signs `payload` into the bundle served.
    pub fn sign(&self, payload: &Payload) -> Bundle {
        let bytes = payload_bytes(payload);
        let signature = self.0.sign(&bytes);
        Bundle {
            format: BUNDLE_FORMAT.into(),
            payload: URL_SAFE_NO_PAD.encode(&bytes),
            signature: URL_SAFE_NO_PAD.encode(signature.to_bytes()),
            key_id: key_id(&self.0.verifying_key()),
        }
    }
}

/// The payload's exact bytes (compact JSON, fields in the contract's order).
pub fn payload_bytes(payload: &Payload) -> Vec<u8> {
    // Serialising a struct of strings, numbers and a list cannot fail.
    serde_json::to_vec(payload).unwrap_or_default()
}

/// The `keyId` of a public key.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.to_bytes())[..8])
}

/// The public key from its base64url text (`hubPolicyKey`).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, BundleError> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| BundleError::BadKey("expected 43 base64url characters (32 bytes)".into()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| BundleError::BadKey(e.to_string()))
}

/// The device's check: the bundle's signature against `public_key` only (never the bundle's
/// `keyId`), then the payload; the payload if all is well.
pub fn verify(bundle_json: &str, public_key: &str) -> Result<Payload, BundleError> {
    let key = parse_public_key(public_key)?;
    let bundle: Bundle =
        serde_json::from_str(bundle_json).map_err(|e| BundleError::Malformed(e.to_string()))?;
    if bundle.format != BUNDLE_FORMAT {
        return Err(BundleError::UnknownFormat(bundle.format));
    }
    let decode = |what: &str, text: &str| {
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|e| BundleError::Malformed(format!("{what}: {e}")))
    };
    let bytes = decode("payload", &bundle.payload)?;
    let signature = Signature::from_slice(&decode("signature", &bundle.signature)?)
        .map_err(|_| BundleError::BadSignature)?;
    key.verify_strict(&bytes, &signature)
        .map_err(|_| BundleError::BadSignature)?;
    let payload: Payload =
        serde_json::from_slice(&bytes).map_err(|e| BundleError::Malformed(e.to_string()))?;
    if payload.format != PAYLOAD_FORMAT {
        return Err(BundleError::UnknownFormat(payload.format));
    }
    Ok(payload)
}

/// The `publishedAt` form: RFC 3339, UTC, whole seconds, `Z`.
pub fn published_at(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> Payload {
        Payload {
            format: PAYLOAD_FORMAT.into(),
            version: 7,
            published_at: "2026-12-07T10:15:00Z".into(),
            school: "Example Primary".into(),
            policy: "[school]\nname = \"Example Primary\"\n".into(),
            reason: "Allow the Year 6 Tudor project site".into(),
            approved_by: vec!["Alice DSL".into(), "Bob Head".into()],
        }
    }

    #[test]
    fn a_signed_bundle_verifies_and_any_change_fails() {
        let key = BundleKey::generate();
        let bundle = key.sign(&payload());
        let json = serde_json::to_string(&bundle).expect("json");
        assert_eq!(verify(&json, &key.public_key()), Ok(payload()));
        let other = BundleKey::generate();
        assert_eq!(
            verify(&json, &other.public_key()),
            Err(BundleError::BadSignature)
        );
        let mut changed = payload();
        changed.version = 8;
        let mut tampered = bundle.clone();
        tampered.payload = URL_SAFE_NO_PAD.encode(payload_bytes(&changed));
        let json = serde_json::to_string(&tampered).expect("json");
        assert_eq!(
            verify(&json, &key.public_key()),
            Err(BundleError::BadSignature)
        );
        // The same key signs the same bytes (several hubs serve one bundle).
        let again = BundleKey::from_secret_hex(&key.secret_hex()).expect("key");
        assert_eq!(again.sign(&payload()), bundle);
        assert_eq!(bundle.key_id.len(), 16);
    }

    #[test]
    fn published_at_is_whole_seconds_utc() {
        assert_eq!(
            published_at("2026-12-07T10:15:00.123Z"),
            "2026-12-07T10:15:00Z"
        );
    }
}
