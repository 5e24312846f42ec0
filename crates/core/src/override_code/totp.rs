//! The one-time-password primitive: HOTP (RFC 4226) over a time counter (RFC 6238).
//!
//! The override codes use HMAC-SHA256 ([`hotp_sha256`], one copy of HMAC in the wasm package);
//! RFC 6238's own test vectors check it, and check the truncation it shares ([`truncate`]) with
//! SHA-1 and SHA-512 too ([`hotp`], generic over the HMAC).

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The time step a moment falls in: `floor((unix - t0) / step)`, or `None` before `t0` (or a
/// step of zero, which no caller passes).
pub fn counter(unix_secs: i64, t0: i64, step_secs: u32) -> Option<u64> {
    let since = unix_secs.checked_sub(t0)?;
    if since < 0 || step_secs == 0 {
        return None;
    }
    u64::try_from(since / i64::from(step_secs)).ok()
}

/// HMAC-SHA256 of the concatenated `parts` under `key`. Not inlined: every caller shares one
/// copy of HMAC in the wasm package.
#[inline(never)]
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HOTP with HMAC-SHA256: what the override codes use.
pub fn hotp_sha256(key: &[u8], counter: u64, digits: u32) -> u32 {
    truncate(&hmac_sha256(key, &[&counter.to_be_bytes()]), digits)
}

/// HOTP with any HMAC: the HMAC of the 8-byte big-endian counter, [`truncate`]d.
pub fn hotp<M: Mac + KeyInit>(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = match <M as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(&counter.to_be_bytes());
    truncate(&mac.finalize().into_bytes(), digits)
}

/// RFC 4226 §5.3's dynamic truncation of an HMAC (at least 20 bytes) to `digits` decimal
/// digits (1 to 9).
pub fn truncate(hash: &[u8], digits: u32) -> u32 {
    let last = hash.len() - 1;
    let offset = usize::from(hash[last] & 0x0f);
    let word = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    word % 10u32.pow(digits.clamp(1, 9))
}

/// TOTP at a moment: [`hotp`] of [`counter`]; `None` before `t0`.
pub fn totp<M: Mac + KeyInit>(
    key: &[u8],
    unix_secs: i64,
    t0: i64,
    step_secs: u32,
    digits: u32,
) -> Option<u32> {
    counter(unix_secs, t0, step_secs).map(|c| hotp::<M>(key, c, digits))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, read from tests/fixtures/override-code/rfc6238.tsv: every time, in
    /// SHA-1, SHA-256 and SHA-512, 8 digits, 30-second steps from T0 = 0.
    #[test]
    fn rfc_6238_test_vectors() {
        let text = include_str!("../../../../tests/fixtures/override-code/rfc6238.tsv");
        let mut checked = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let [time, mode, code] = cols[..] else {
                panic!("bad fixture line {line:?}");
            };
            let time: i64 = time.parse().unwrap();
            let seed: &[u8] = match mode {
                "SHA1" => b"12345678901234567890",
                "SHA256" => b"12345678901234567890123456789012",
                "SHA512" => b"1234567890123456789012345678901234567890123456789012345678901234",
                other => panic!("unknown mode {other}"),
            };
            let got = match mode {
                "SHA1" => totp::<Hmac<sha1::Sha1>>(seed, time, 0, 30, 8),
                // The very function the override codes use.
                "SHA256" => counter(time, 0, 30).map(|c| hotp_sha256(seed, c, 8)),
                _ => totp::<Hmac<sha2::Sha512>>(seed, time, 0, 30, 8),
            };
            assert_eq!(format!("{:08}", got.unwrap()), code, "{mode} at {time}");
            checked += 1;
        }
        assert_eq!(checked, 18, "RFC 6238 has 18 vectors");
    }

    /// RFC 4226 Appendix D: HOTP with SHA-1, 6 digits, counters 0 to 9.
    #[test]
    fn rfc_4226_hotp_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (c, want) in expected.into_iter().enumerate() {
            let got = hotp::<Hmac<sha1::Sha1>>(b"12345678901234567890", c as u64, 6);
            assert_eq!(got, want, "counter {c}");
        }
    }

    #[test]
    fn counters_start_at_t0() {
        assert_eq!(counter(59, 0, 30), Some(1));
        assert_eq!(counter(60, 0, 30), Some(2));
        assert_eq!(counter(-1, 0, 30), None);
        assert_eq!(counter(100, 200, 30), None);
        assert_eq!(counter(100, 0, 0), None);
    }
}
