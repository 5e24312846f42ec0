//! A teacher's own device connected to their hub account (`docs/requests.md`, "The staff device"),
//! so the extension's staff page on it lists and answers the teacher's groups' "Ask my teacher"
//! requests with exactly the trust of the hub's `/requests` page: the teacher's own account.
//!
//! Every device signs with the same `reportSigningKey` and states its own group, so nothing a
//! device says about itself can show it is a teacher's. Instead the signed-in teacher asks the
//! hub for a one-time **pairing code** (`new_pairing_code`: 8 characters from an alphabet with no
//! look-alikes, 10 minutes, used once), types it on the staff page (behind the staff code), and
//! the device gets a random **bearer token** bound to that account (`new_token`, 32 bytes), valid
//! `TOKEN_DAYS` days and revocable from the hub. Both are stored only as hashes
//! (`accounts::token_hash`), so a copy of the database connects no device.
//!
//! Plain functions: no HTTP, no database.

use rand::Rng;

/// The pairing code's alphabet: capitals and digits without `0 O 1 I L`, easy to read aloud
/// and to type on a Chromebook.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// The pairing code's length (31^8 ≈ 8.5 × 10^11 codes; wrong tries are slowed per address).
pub const CODE_CHARS: usize = 8;
/// How long a pairing code can be used (minutes).
pub const CODE_MINUTES: i64 = 10;
/// How long a connected device's token lasts (days), unless disconnected sooner.
pub const TOKEN_DAYS: i64 = 120;
/// The longest label a device may give itself.
pub const MAX_LABEL_CHARS: usize = 100;
/// The `Authorization` scheme the staff API takes.
pub const BEARER: &str = "Bearer ";

/// A new pairing code, shown once to the signed-in teacher (as `ABCD-EFGH`).
pub fn new_pairing_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..CODE_CHARS)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// How a code is shown: two groups of four.
pub fn display_code(code: &str) -> String {
    let (a, b) = code.split_at(code.len() / 2);
    format!("{a}-{b}")
}

/// A typed code as it was made (upper case, no spaces or dashes), or `None` when it cannot be
/// one (wrong length or a letter the alphabet does not have): refused before any lookup.
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_CHARS && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// The stored hash of a pairing code (a separate domain from tokens, so no code hash can ever
/// equal a token hash).
pub fn code_hash(code: &str) -> String {
    crate::accounts::token_hash(&format!("staff-pairing-code\0{code}"))
}

/// A new bearer token for a device: 32 random bytes, hex.
pub fn new_token() -> String {
    crate::accounts::new_token()
}

/// A new device id, shown on the hub and in the answers it gave (`sd-` and 12 hex digits).
pub fn new_device_id() -> String {
    let bytes: [u8; 6] = rand::random();
    format!("sd-{}", hex::encode(bytes))
}

/// The bearer token of an `Authorization` header, if it is one this hub could have made.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let token = header?.strip_prefix(BEARER)?.trim();
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then_some(token)
}

/// A device's label, cut to `MAX_LABEL_CHARS` printable characters (default: "staff device").
pub fn label(sent: Option<&str>) -> String {
    let clean: String = sent
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LABEL_CHARS)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        "staff device".to_owned()
    } else {
        clean.to_owned()
    }
}

/// How an answer given through a device is recorded (`override_requests.decided_via`).
pub fn via(device_id: &str, device_label: &str) -> String {
    format!("staff device {device_id} ({device_label})")
}

/// A connected device as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffDevice {
    /// Its id (`sd-…`).
    pub id: String,
    /// The hub account it acts for.
    pub username: String,
    /// What the device called itself when it connected.
    pub label: String,
    /// When it connected.
    pub created_at: String,
    /// When its token stops working.
    pub expires_at: String,
    /// When it was disconnected, if it was.
    pub revoked_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typable_and_read_back_however_they_are_typed() {
        for _ in 0..50 {
            let code = new_pairing_code();
            assert_eq!(code.len(), CODE_CHARS);
            assert_eq!(normalise_code(&code).as_deref(), Some(code.as_str()));
            let shown = display_code(&code);
            assert_eq!(
                normalise_code(&format!(" {} ", shown.to_lowercase())),
                Some(code)
            );
        }
        for bad in [
            "",
            "ABCD-EFG",
            "ABCD-EFGHJ",
            "ABCD-EFG0",
            "ABCD-EFGI",
            "ABCD EFGÉ",
        ] {
            assert_eq!(normalise_code(bad), None, "{bad}");
        }
        assert_ne!(
            code_hash("ABCDEFGH"),
            crate::accounts::token_hash("ABCDEFGH")
        );
    }

    #[test]
    fn only_a_bearer_token_this_hub_could_make_is_read() {
        let token = new_token();
        assert_eq!(
            bearer(Some(&format!("Bearer {token}"))),
            Some(token.as_str())
        );
        for bad in [
            None,
            Some(token.as_str()),
            Some("Bearer short"),
            Some("Basic abc"),
        ] {
            assert_eq!(bearer(bad), None, "{bad:?}");
        }
        assert_eq!(label(Some("  \u{7}")), "staff device");
        assert_eq!(label(Some(&"x".repeat(300))).len(), MAX_LABEL_CHARS);
        assert!(new_device_id().starts_with("sd-"));
    }
}
