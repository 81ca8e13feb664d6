//! Network scopes: IP prefixes, ASNs and domain names, as they appear in
//! constituencies, notification origins and targets.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::error::CoreError;

/// A CIDR prefix with no host bits set (`192.0.2.0/24`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpPrefix {
    addr: IpAddr,
    len: u8,
}

impl IpPrefix {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let bad = |why: &str| {
            CoreError::invalid(format!(
                "{text:?} is not a CIDR prefix ({why}); e.g. 192.0.2.0/24"
            ))
        };
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) => (a, l),
            None => (text, ""),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad("bad address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len: u8 = if len.is_empty() {
            max
        } else if len.starts_with('0') && len != "0" || len.starts_with('+') {
            return Err(bad("bad length"));
        } else {
            len.parse().map_err(|_| bad("bad length"))?
        };
        if len > max {
            return Err(bad("length too long"));
        }
        let prefix = IpPrefix { addr, len };
        if prefix.network() != addr {
            return Err(bad(&format!(
                "host bits set; the network is {}",
                prefix.network_prefix()
            )));
        }
        Ok(prefix)
    }

    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// Whether `ip` lies inside this prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => mask_v4(u32::from(ip), self.len) == u32::from(net),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask_v6(u128::from(ip), self.len) == u128::from(net)
            }
            _ => false,
        }
    }

    fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4(mask_v4(u32::from(a), self.len).into()),
            IpAddr::V6(a) => IpAddr::V6(mask_v6(u128::from(a), self.len).into()),
        }
    }

    fn network_prefix(&self) -> String {
        format!("{}/{}", self.network(), self.len)
    }
}

fn mask_v4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - u32::from(len)))
    }
}

fn mask_v6(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - u32::from(len)))
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl FromStr for IpPrefix {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        Self::parse(s)
    }
}

impl Serialize for IpPrefix {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpPrefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let p = IpPrefix::parse(&text).map_err(serde::de::Error::custom)?;
        if p.to_string() != text {
            return Err(serde::de::Error::custom(format!("write the prefix as {p}")));
        }
        Ok(p)
    }
}

/// Checks a DNS name: lowercase, dot-separated labels of letters, digits
/// and hyphens (or `_` for service labels), 1–63 bytes each, 253 in all.
pub fn check_domain(name: &str) -> Result<(), CoreError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(format!(
            "{name:?} is not a domain name (lowercase labels, e.g. example.net; IDNs in punycode)"
        )))
    }
}

/// Refuses AS numbers that name no network (RFC 7607 AS0, RFC 6793 AS_TRANS, RFC 7300 last ASN).
pub fn check_asn(asn: u32) -> Result<(), CoreError> {
    if asn == 0 || asn == 23456 || asn == u32::MAX {
        return Err(CoreError::invalid(format!(
            "AS{asn} is reserved and names no network"
        )));
    }
    Ok(())
}

/// A set of networks: who a party answers for, where an attack came from,
/// or what it hit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkScope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<IpAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<IpPrefix>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asns: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
}

impl NetworkScope {
    pub fn is_empty(&self) -> bool {
        self.ips.is_empty()
            && self.prefixes.is_empty()
            && self.asns.is_empty()
            && self.domains.is_empty()
    }

    pub fn validate(&self) -> Result<(), CoreError> {
        for d in &self.domains {
            check_domain(d)?;
        }
        self.asns.iter().try_for_each(|a| check_asn(*a))
    }

    /// Adds one item written as an IP, a CIDR prefix, `AS64500`, or a domain.
    pub fn push_text(&mut self, item: &str) -> Result<(), CoreError> {
        let item = item.trim();
        if let Some(asn) = item.strip_prefix("AS").or_else(|| item.strip_prefix("as")) {
            let asn = asn.parse().map_err(|_| {
                CoreError::invalid(format!("{item:?} is not an AS number (e.g. AS64500)"))
            })?;
            check_asn(asn)?;
            self.asns.push(asn);
        } else if item.contains('/') {
            self.prefixes.push(IpPrefix::parse(item)?);
        } else if let Ok(ip) = item.parse::<IpAddr>() {
            self.ips.push(ip);
        } else {
            check_domain(item)?;
            self.domains.push(item.to_owned());
        }
        Ok(())
    }

    /// One line for listings: `203.0.113.7, 198.51.100.0/24, AS64500, evil.example`.
    pub fn summary(&self) -> String {
        let items: Vec<String> = self
            .ips
            .iter()
            .map(ToString::to_string)
            .chain(self.prefixes.iter().map(ToString::to_string))
            .chain(self.asns.iter().map(|a| format!("AS{a}")))
            .chain(self.domains.iter().cloned())
            .collect();
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let p = IpPrefix::parse("198.51.100.0/24").unwrap();
        assert!(p.contains("198.51.100.7".parse().unwrap()));
        assert!(!p.contains("198.51.101.7".parse().unwrap()));
        assert!(IpPrefix::parse("198.51.100.1/24").is_err());
        assert!(IpPrefix::parse("198.51.100.0/33").is_err());
        assert!(IpPrefix::parse("198.51.100.0/024").is_err());
        let v6 = IpPrefix::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8::1".parse().unwrap()));
        assert_eq!(IpPrefix::parse("0.0.0.0/0").unwrap().prefix_len(), 0);
    }

    #[test]
    fn scopes_from_text() {
        let mut s = NetworkScope::default();
        for item in ["203.0.113.7", "198.51.100.0/24", "AS64500", "evil.example"] {
            s.push_text(item).unwrap();
        }
        assert_eq!(
            s.summary(),
            "203.0.113.7, 198.51.100.0/24, AS64500, evil.example"
        );
        assert!(s.push_text("Evil.Example").is_err());
        assert!(s.push_text("AS0").is_err());
    }
}
