//! RFC 3339 UTC timestamps with one canonical text form.
//!
//! Timestamps are inside signed envelopes, and an envelope id is a hash of
//! its JSON text, so a timestamp must have exactly one spelling: UTC with a
//! `Z`, and fractional seconds only when non-zero (3, 6 or 9 digits, as
//! chrono's `AutoSi` writes them). Any other spelling of the same instant is
//! refused on input instead of being silently normalised, which would change
//! the id of what someone signed.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use crate::error::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The instant, truncated to whole milliseconds so that its text form is short.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        let millis = at.timestamp_millis();
        Timestamp(DateTime::from_timestamp_millis(millis).unwrap_or(at))
    }

    pub fn datetime(self) -> DateTime<Utc> {
        self.0
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.timestamp()
    }

    /// `hours` later (earlier if negative), saturating at the ends of
    /// the representable range instead of panicking: callers add
    /// configured or requested spans to times they did not choose.
    pub fn plus_hours(self, hours: i64) -> Self {
        let later = chrono::Duration::try_hours(hours).and_then(|d| self.0.checked_add_signed(d));
        Timestamp(later.unwrap_or(if hours < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        }))
    }

    /// Parses the canonical form only (see the module documentation).
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let at = DateTime::parse_from_rfc3339(text).map_err(|e| {
            CoreError::invalid(format!(
                "{text:?} is not an RFC 3339 time ({e}); write UTC like 2026-11-22T09:30:00Z"
            ))
        })?;
        let ts = Timestamp(at.with_timezone(&Utc));
        if ts.to_string() != text {
            return Err(CoreError::invalid(format!(
                "{text:?} is not in canonical form; write it as {ts}"
            )));
        }
        Ok(ts)
    }

    /// Parses any RFC 3339 time (any offset, any precision) and normalises
    /// it. For human input (CLI flags, forms), never for signed data.
    pub fn parse_lenient(text: &str) -> Result<Self, CoreError> {
        let at = DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
            CoreError::invalid(format!(
                "{text:?} is not an RFC 3339 time ({e}); for example 2026-11-22T09:30:00Z"
            ))
        })?;
        Ok(Self::from_datetime(at.with_timezone(&Utc)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl FromStr for Timestamp {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        Self::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_round_trips_and_others_are_refused() {
        for good in ["2026-11-22T09:30:00Z", "2026-11-22T09:30:00.120Z"] {
            assert_eq!(Timestamp::parse(good).unwrap().to_string(), good);
        }
        for bad in [
            "2026-11-22T09:30:00+00:00",
            "2026-11-22T10:30:00+01:00",
            "2026-11-22T09:30:00.000Z",
            "2026-11-22t09:30:00z",
            "2026-11-22 09:30:00Z",
            "yesterday",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(
            Timestamp::parse_lenient("2026-11-22T10:30:00+01:00")
                .unwrap()
                .to_string(),
            "2026-11-22T09:30:00Z"
        );
    }
}
