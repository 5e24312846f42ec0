//! The school's own IP addresses (`[school] addresses`): web pages at these addresses (the
//! school's MIS, printers, a local server) are judged as ordinary sites, not as the
//! `ip-address` category that blocks raw addresses for pupils.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Serialize, Serializer};

/// One address or range (`192.168.1.20`, `10.0.0.0/8`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRange {
    /// The first address, as 128 bits (IPv4 as its IPv4-mapped IPv6 form).
    start: u128,
    /// How many leading bits must match, of the 128.
    bits: u8,
}

impl AddressRange {
    /// Parses `address` or `address/prefix-length`. IPv4-mapped and NAT64 IPv6 forms of an IPv4
    /// address mean that address, as in URLs.
    pub fn parse(text: &str) -> Result<AddressRange, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address = address.trim_start_matches('[').trim_end_matches(']');
        let ip: IpAddr = address.parse().map_err(|_| {
            format!("expected an IP address or range like \"192.168.1.20\", \"10.0.0.0/8\" or \"2001:db8::/32\", found {text:?}")
        })?;
        let (start, max, offset) = match ip {
            IpAddr::V4(v4) => (u128::from(v4.to_ipv6_mapped()), 32u8, 96u8),
            IpAddr::V6(v6) => (u128::from(v6), 128, 0),
        };
        let length = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|n| *n <= max).ok_or_else(|| {
                format!("the prefix length in {text:?} must be a number from 0 to {max}")
            })?,
        };
        let bits = offset + length;
        if start & !mask(bits) != 0 {
            return Err(format!(
                "{text:?} has bits set after its /{length} prefix; write the range's first address"
            ));
        }
        Ok(AddressRange { start, bits })
    }

    /// Whether a canonical URL host (dotted IPv4 or bracketed IPv6) is in the range.
    pub fn contains_host(&self, host: &str) -> bool {
        host_bits(host).is_some_and(|a| a & mask(self.bits) == self.start)
    }
}

/// The 128-bit form of a canonical host, if it is an address.
fn host_bits(host: &str) -> Option<u128> {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().ok().map(u128::from);
    }
    host.parse::<Ipv4Addr>()
        .ok()
        .map(|v4| u128::from(v4.to_ipv6_mapped()))
}

/// The first `bits` bits set.
fn mask(bits: u8) -> u128 {
    match bits {
        0 => 0,
        b => u128::MAX << (128 - u32::from(b.min(128))),
    }
}

impl std::fmt::Display for AddressRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v6 = Ipv6Addr::from(self.start);
        match v6.to_ipv4_mapped() {
            Some(v4) if self.bits >= 96 => write!(f, "{v4}/{}", self.bits - 96),
            _ => write!(f, "{v6}/{}", self.bits),
        }
    }
}

impl Serialize for AddressRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
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
        let v6 = AddressRange::parse("2001:db8::/32").unwrap();
        assert!(v6.contains_host("[2001:db8::1]") && !v6.contains_host("[2001:db9::1]"));
        assert_eq!(lan.to_string(), "192.168.0.0/16");
        assert_eq!(v6.to_string(), "2001:db8::/32");
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
        ] {
            let e = AddressRange::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
