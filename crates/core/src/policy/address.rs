//! The school's own IP addresses (`[school] addresses`): web pages at these addresses (the
//! school's MIS, printers, a local server) are judged as ordinary sites, not as the
//! `ip-address` category that blocks raw addresses for pupils.

use serde::{Serialize, Serializer};

/// One address or range: `192.168.1.20`, `10.0.0.0/8`, or one IPv6 address (`2001:db8::1`;
/// schools number their own networks in IPv4, so IPv6 ranges are not needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRange {
    /// As the school wrote it (trimmed), for reports.
    text: String,
    /// The address as a canonical URL host (`10.0.0.0`, `[2001:db8::1]`).
    host: String,
    /// For IPv4: the range's first address and its mask.
    v4: Option<(u32, u32)>,
}

impl AddressRange {
    /// Parses `address` or `IPv4-address/prefix-length`. The address may be written in any
    /// spelling a URL may use (`10.1`, `0x0a.0.0.1`, `[::ffff:10.0.0.1]`): it is read as URLs are.
    pub fn parse(text: &str) -> Result<AddressRange, String> {
        let text = text.trim();
        let (address, prefix) = text.split_once('/').unwrap_or((text, ""));
        let bracketed = match address.contains(':') && !address.starts_with('[') {
            true => ["[", address, "]"].concat(),
            false => address.to_string(),
        };
        let host = crate::canon::normalize_host(&bracketed)
            .ok()
            .filter(|h| crate::canon::is_ip_host(h))
            .ok_or_else(|| bad(text, "an IP address or an IPv4 range like \"10.0.0.0/8\""))?;
        let start = ipv4_bits(&host);
        let length = match (start, prefix) {
            (_, "") => 32,
            (Some(_), p) => p.parse::<u32>().unwrap_or(99),
            (None, _) => {
                return Err(bad(
                    text,
                    "one IPv6 address: only IPv4 ranges take a prefix length",
                ))
            }
        };
        let mask = u32::MAX
            .checked_shl(32u32.saturating_sub(length))
            .unwrap_or(0);
        if length > 32 {
            return Err(bad(text, "a prefix length from 0 to 32"));
        }
        if start.is_some_and(|s| s & !mask != 0) {
            return Err(bad(
                text,
                "the range's first address (bits are set after the prefix)",
            ));
        }
        Ok(AddressRange {
            text: text.to_string(),
            host,
            v4: start.map(|s| (s, mask)),
        })
    }

    /// Whether a canonical URL host (dotted IPv4 or bracketed IPv6) is in the range.
    pub fn contains_host(&self, host: &str) -> bool {
        match (self.v4, ipv4_bits(host)) {
            (Some((start, mask)), Some(address)) => address & mask == start,
            _ => host == self.host,
        }
    }
}

/// "expected <what>, found "<text>"".
#[inline(never)]
fn bad(text: &str, what: &str) -> String {
    ["expected ", what, ", found \"", text, "\""].concat()
}

/// A canonical dotted-decimal IPv4 host as a number.
fn ipv4_bits(host: &str) -> Option<u32> {
    let (mut bits, mut part, mut dots) = (0u32, 0u32, 0);
    for b in host.bytes() {
        match b {
            b'0'..=b'9' if part < 256 => part = part * 10 + u32::from(b - b'0'),
            b'.' if part < 256 => (bits, part, dots) = (bits << 8 | part, 0, dots + 1),
            _ => return None,
        }
    }
    (dots == 3 && part < 256).then_some(bits << 8 | part)
}

impl std::fmt::Display for AddressRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for AddressRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    #[test]
    fn ranges_and_single_addresses() {
        let lan = AddressRange::parse("192.168.0.0/16").unwrap();
        assert!(lan.contains_host("192.168.1.20"));
        assert!(!lan.contains_host("192.169.0.1"));
        assert!(!lan.contains_host("example.com"));
        let one = AddressRange::parse("10.1.2.3").unwrap();
        assert!(one.contains_host("10.1.2.3") && !one.contains_host("10.1.2.4"));
        let v6 = AddressRange::parse("2001:DB8:0::1").unwrap();
        assert!(v6.contains_host("[2001:db8::1]") && !v6.contains_host("[2001:db8::2]"));
        assert_eq!(lan.to_string(), "192.168.0.0/16");
        assert_eq!(
            AddressRange::parse(" [2001:db8::1] ").unwrap().to_string(),
            "[2001:db8::1]"
        );
        // Any spelling a URL may use.
        assert!(AddressRange::parse("0xc0.168.1.20")
            .unwrap()
            .contains_host("192.168.1.20"));
        assert!(AddressRange::parse("[::ffff:10.0.0.1]")
            .unwrap()
            .contains_host("10.0.0.1"));
        assert!(AddressRange::parse("0.0.0.0/0")
            .unwrap()
            .contains_host("8.8.8.8"));
    }

    #[test]
    fn bad_ranges_say_why() {
        for (bad, why) in [
            ("example.com", "expected an IP address"),
            ("10.0.0.0/33", "from 0 to 32"),
            ("10.0.0.1/8", "first address"),
            ("300.1.1.1", "expected an IP address"),
            ("10.0.0.0/x", "from 0 to 32"),
            ("2001:db8::/32", "only IPv4 ranges"),
            ("", "expected an IP address"),
        ] {
            let e = AddressRange::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
