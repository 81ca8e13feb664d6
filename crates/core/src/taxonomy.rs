//! The Reference Security Incident Taxonomy (RSIT, the "eCSIRT.net mkVI"
//! successor maintained by the TF-CSIRT taxonomy working group), classes
//! and types as of its 2022 revision.
//!
//! A category is written `class/type` (`intrusions/system-compromise`); the
//! type alone is accepted on input when it names one class only.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use crate::error::CoreError;

/// RSIT: (class, [types]).
pub const RSIT: &[(&str, &[&str])] = &[
    ("abusive-content", &["spam", "harmful-speech", "violence"]),
    (
        "malicious-code",
        &[
            "infected-system",
            "c2-server",
            "malware-distribution",
            "malware-configuration",
        ],
    ),
    (
        "information-gathering",
        &["scanner", "sniffing", "social-engineering"],
    ),
    (
        "intrusion-attempts",
        &["ids-alert", "brute-force", "exploit"],
    ),
    (
        "intrusions",
        &[
            "privileged-account-compromise",
            "unprivileged-account-compromise",
            "application-compromise",
            "system-compromise",
            "burglary",
        ],
    ),
    ("availability", &["dos", "ddos", "outage", "sabotage"]),
    (
        "information-content-security",
        &[
            "unauthorised-information-access",
            "unauthorised-information-modification",
            "data-loss",
            "data-leak",
        ],
    ),
    (
        "fraud",
        &[
            "unauthorised-use-of-resources",
            "copyright",
            "masquerade",
            "phishing",
        ],
    ),
    (
        "vulnerable",
        &[
            "weak-crypto",
            "ddos-amplifier",
            "potentially-unwanted-accessible",
            "information-disclosure",
            "vulnerable-system",
        ],
    ),
    ("other", &["other", "undetermined"]),
    ("test", &["test"]),
];

/// An RSIT class and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Category {
    class: &'static str,
    kind: &'static str,
}

impl Category {
    pub fn class(self) -> &'static str {
        self.class
    }

    pub fn kind(self) -> &'static str {
        self.kind
    }

    /// Every category, class by class.
    pub fn all() -> impl Iterator<Item = Category> {
        RSIT.iter()
            .flat_map(|(class, kinds)| kinds.iter().map(move |kind| Category { class, kind }))
    }

    /// Parses `class/type` exactly (the form in signed JSON).
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        // Compared in place: every received notification is parsed, and
        // formatting all 38 names per parse showed in the inbox profile.
        text.split_once('/')
            .and_then(|(class, kind)| Self::all().find(|c| c.class == class && c.kind == kind))
            .ok_or_else(|| Self::unknown(text))
    }

    /// Parses `class/type`, or a type that belongs to one class only, in any case.
    pub fn parse_lenient(text: &str) -> Result<Self, CoreError> {
        let wanted = text.trim().to_ascii_lowercase();
        if wanted.contains('/') {
            return Self::parse(&wanted);
        }
        let mut found = Self::all().filter(|c| c.kind == wanted);
        match (found.next(), found.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(Self::unknown(text)),
        }
    }

    fn unknown(text: &str) -> CoreError {
        CoreError::invalid(format!(
            "{text:?} is not an RSIT category; write class/type, e.g. intrusions/system-compromise or malicious-code/c2-server (`countersign categories` lists them)"
        ))
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.class, self.kind)
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Category::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        let c = Category::parse("intrusions/system-compromise").unwrap();
        assert_eq!((c.class(), c.kind()), ("intrusions", "system-compromise"));
        assert_eq!(
            Category::parse_lenient("DDoS").unwrap().to_string(),
            "availability/ddos"
        );
        assert!(Category::parse("Intrusions/system-compromise").is_err());
        assert!(Category::parse("intrusions/ddos").is_err());
        assert!(Category::parse("intrusions/system-compromise/").is_err());
        assert!(Category::parse("/intrusions/system-compromise").is_err());
        assert!(Category::parse("intrusions").is_err());
        for c in Category::all() {
            assert_eq!(Category::parse(&c.to_string()).unwrap(), c);
        }
        assert!(Category::parse_lenient("bogus").is_err());
        // 11 classes; 3+4+3+3+5+4+4+4+5+2+1 types in the 2022 revision.
        assert_eq!(RSIT.len(), 11);
        assert_eq!(Category::all().count(), 38);
    }
}
