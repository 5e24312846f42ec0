//! Sign-in with Google Workspace or Microsoft Entra (OpenID Connect), the rules as plain
//! functions: which school the signed ID token must belong to (Google's `hd` claim equal to the
//! school's domain, or Entra's `tid` equal to its tenant id) and which hub account a verified
//! e-mail maps to (an existing account whose user name is that address: no self-sign-up).
//! The protocol itself (authorization code flow with PKCE, state and nonce, the ID token's
//! signature, issuer, audience and expiry) is the `openidconnect` crate's, in `web::oidc_pages`.

use base64::Engine;

/// Why an OpenID Connect sign-in is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OidcError {
    /// The provider's answer did not match what the hub sent (state), or nothing was pending.
    #[error("the sign-in did not start here, or took too long: start again")]
    BadState,
    /// The provider or the ID token failed a check (signature, nonce, audience, expiry…).
    #[error("the identity provider's answer failed a check: {0}")]
    Rejected(String),
    /// No verified e-mail in the ID token.
    #[error("the identity provider did not give a verified e-mail address")]
    NoVerifiedEmail,
    /// Not the school's domain or tenant.
    #[error("that account is not from this school's {0}")]
    WrongSchool(&'static str),
    /// No hub account for that e-mail.
    #[error(
        "there is no hub account for that e-mail address: ask the Designated Safeguarding Lead"
    )]
    UnknownAccount,
    /// Settings missing or unusable.
    #[error("sign-in with the school's identity provider is not set up: {0}")]
    NotConfigured(String),
}

/// The school restriction: `google-hd` or `entra-tid`, and the value the claim must equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restriction {
    /// Google Workspace: the `hd` claim (hosted domain) must equal this domain.
    GoogleDomain(String),
    /// Microsoft Entra: the `tid` claim (tenant id) must equal this id.
    EntraTenant(String),
}

impl Restriction {
    /// From the stored kind and value.
    pub fn parse(kind: &str, value: &str) -> Option<Self> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        match kind {
            "google-hd" => Some(Self::GoogleDomain(value.to_ascii_lowercase())),
            "entra-tid" => Some(Self::EntraTenant(value.to_ascii_lowercase())),
            _ => None,
        }
    }

    /// Whether the ID token's claims (its JSON payload) belong to the school.
    pub fn check(&self, claims: &serde_json::Value) -> Result<(), OidcError> {
        let (claim, expected, what) = match self {
            Self::GoogleDomain(domain) => ("hd", domain, "Google Workspace domain"),
            Self::EntraTenant(tenant) => ("tid", tenant, "Microsoft Entra tenant"),
        };
        // A missing claim (a personal Google account has no `hd`) is a refusal.
        match claims.get(claim).and_then(|v| v.as_str()) {
            Some(actual) if actual.eq_ignore_ascii_case(expected) => Ok(()),
            _ => Err(OidcError::WrongSchool(what)),
        }
    }
}

/// The JSON payload of a compact JWT (its signature already verified by the caller).
pub fn jwt_payload(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A sign-in sent to the provider and not yet back: kept in the database (so the provider's
/// answer may reach any hub on it) under the hash of a random key in a short-lived cookie, and
/// taken once (`store::SignInState`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The `state` sent (compared in constant time with the one that comes back).
    pub state: String,
    /// The `nonce` sent (the ID token must carry it).
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
    /// The callback address sent.
    pub redirect_uri: String,
}

/// How long a sign-in may take at the provider.
pub const PENDING_SECS: u64 = 600;

/// The most sign-ins kept under way at once. Anyone may start one (`/login/oidc` needs no
/// sign-in), so beyond this the oldest are dropped: the database cannot be grown without bound.
pub const MAX_PENDING: i64 = 10_000;

/// The hub user name a verified e-mail signs in as.
pub fn username_for_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_school_restriction_needs_the_exact_claim() {
        let google = Restriction::parse("google-hd", "OakHill.example").expect("restriction");
        assert_eq!(google.check(&json!({"hd": "oakhill.example"})), Ok(()));
        assert!(google.check(&json!({"hd": "elsewhere.example"})).is_err());
        assert!(google.check(&json!({})).is_err(), "a personal account");
        assert!(google.check(&json!({"tid": "oakhill.example"})).is_err());
        let entra = Restriction::parse("entra-tid", "1111-2222").expect("restriction");
        assert_eq!(entra.check(&json!({"tid": "1111-2222"})), Ok(()));
        assert!(entra.check(&json!({"tid": "3333"})).is_err());
        assert_eq!(Restriction::parse("other", "x"), None);
        assert_eq!(Restriction::parse("google-hd", " "), None);
    }

    #[test]
    fn reads_a_jwt_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"hd":"a"}"#);
        assert_eq!(
            jwt_payload(&format!("x.{payload}.y")),
            Some(json!({"hd": "a"}))
        );
        assert_eq!(jwt_payload("nonsense"), None);
    }
}
