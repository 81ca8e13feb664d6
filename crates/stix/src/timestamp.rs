//! The STIX `timestamp` type (STIX 2.1 §2.15).
//!
//! A STIX timestamp is an RFC 3339 date-time in UTC written with a capital
//! `T` and a trailing `Z`: `YYYY-MM-DDTHH:mm:ss[.s+]Z`. Offsets such as
//! `+00:00` are not allowed. `created` and `modified` must additionally be
//! precise to at least the millisecond (§3); that rule is applied by the
//! checker, not by [`Timestamp::parse`].
//!
//! Timestamps of different precision must be compared as instants, never as
//! strings: [`Timestamp`] orders by [`Timestamp::instant`].

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The value does not end in `Z` (an offset or no time zone was given).
    #[error("timestamp {0:?} must be in UTC and end in 'Z' (YYYY-MM-DDTHH:mm:ss[.s+]Z)")]
    NotUtcZ(String),
    /// The value is not of the form `YYYY-MM-DDTHH:mm:ss[.s+]Z`.
    #[error("timestamp {0:?} is not of the form YYYY-MM-DDTHH:mm:ss[.s+]Z")]
    Malformed(String),
    /// The form is right but the date or time does not exist (month 13, 31 April...).
    #[error("timestamp {0:?} is not a valid date and time")]
    OutOfRange(String),
}

/// A parsed STIX timestamp: the instant it names and how many fractional
/// second digits it was written with.
#[derive(Debug, Clone)]
pub struct Timestamp {
    instant: DateTime<Utc>,
    fraction_digits: usize,
    text: String,
}

impl Timestamp {
    /// Parses a STIX timestamp (§2.15): `YYYY-MM-DDTHH:mm:ss[.s+]Z`.
    ///
    /// A leap second (`:60`) is accepted. Fractions finer than nanoseconds
    /// are accepted and truncated for comparison.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let b = text.as_bytes();
        if !text.ends_with('Z') {
            // Give the more useful message when the rest looks like a date-time.
            return Err(if b.len() >= 19 && b.get(10) == Some(&b'T') {
                TimestampError::NotUtcZ(text.to_owned())
            } else {
                TimestampError::Malformed(text.to_owned())
            });
        }
        let malformed = || TimestampError::Malformed(text.to_owned());
        if b.len() < 20 {
            return Err(malformed());
        }
        let digits = |range: std::ops::Range<usize>| -> Result<u32, TimestampError> {
            let part = b.get(range).ok_or_else(malformed)?;
            let mut n: u32 = 0;
            for &c in part {
                if !c.is_ascii_digit() {
                    return Err(malformed());
                }
                n = n * 10 + u32::from(c - b'0');
            }
            Ok(n)
        };
        let year = digits(0..4)?;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        let hour = digits(11..13)?;
        let minute = digits(14..16)?;
        let second = digits(17..19)?;
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(malformed());
        }
        // Between the seconds and the final 'Z': nothing, or '.' and one or more digits.
        let rest = &b[19..b.len() - 1];
        let (fraction_digits, nanos) = match rest.split_first() {
            None => (0, 0),
            Some((b'.', frac)) if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => {
                let mut nanos: u32 = 0;
                for i in 0..9 {
                    let d = frac.get(i).map_or(0, |c| u32::from(c - b'0'));
                    nanos = nanos * 10 + d;
                }
                (frac.len(), nanos)
            }
            Some(_) => return Err(malformed()),
        };
        let out_of_range = || TimestampError::OutOfRange(text.to_owned());
        let year = i32::try_from(year).map_err(|_| out_of_range())?;
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(out_of_range)?;
        let time = if second == 60 {
            // chrono represents a leap second as second 59 with nanos >= 1e9.
            NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos)
        } else {
            NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
        }
        .ok_or_else(out_of_range)?;
        let instant = NaiveDateTime::new(date, time).and_utc();
        Ok(Timestamp {
            instant,
            fraction_digits,
            text: text.to_owned(),
        })
    }

    /// The instant this timestamp names (UTC, truncated to nanoseconds).
    pub fn instant(&self) -> DateTime<Utc> {
        self.instant
    }

    /// The number of digits after the decimal point as written (0 if none).
    pub fn fraction_digits(&self) -> usize {
        self.fraction_digits
    }

    /// Whether the value is precise to at least the millisecond, as `created`
    /// and `modified` must be (§3).
    pub fn has_millisecond_precision(&self) -> bool {
        self.fraction_digits >= 3
    }

    /// The timestamp exactly as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_stix_forms() {
        for s in [
            "2016-05-12T08:17:27Z",
            "2016-05-12T08:17:27.000Z",
            "2016-05-12T08:17:27.123456Z",
            "2016-05-12T08:17:27.1234567891234Z",
            "2016-12-31T23:59:60Z",
        ] {
            let t = Timestamp::parse(s).unwrap();
            assert_eq!(t.as_str(), s);
        }
    }

    #[test]
    fn rejects_other_forms() {
        assert!(matches!(
            Timestamp::parse("2016-05-12T08:17:27+00:00"),
            Err(TimestampError::NotUtcZ(_))
        ));
        assert!(matches!(
            Timestamp::parse("2016-05-12T08:17:27.000"),
            Err(TimestampError::NotUtcZ(_))
        ));
        for s in [
            "",
            "Z",
            "2016-05-12 08:17:27Z",
            "2016-05-12t08:17:27Z",
            "2016-5-12T08:17:27Z",
            "2016-05-12T08:17:27.Z",
            "2016-05-12T08:17Z",
            "2016-05-12T08:17:27.12aZ",
            "2016-05-12",
            "２０16-05-12T08:17:27Z",
        ] {
            assert!(
                matches!(Timestamp::parse(s), Err(TimestampError::Malformed(_))),
                "{s}"
            );
        }
        for s in [
            "2016-13-12T08:17:27Z",
            "2016-04-31T08:17:27Z",
            "2016-04-30T24:00:00Z",
            "2016-04-30T23:60:00Z",
            "2016-04-30T23:59:61Z",
        ] {
            assert!(
                matches!(Timestamp::parse(s), Err(TimestampError::OutOfRange(_))),
                "{s}"
            );
        }
    }

    #[test]
    fn compares_instants_not_strings() {
        let a = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
        let b = Timestamp::parse("2020-01-01T00:00:00.000Z").unwrap();
        let c = Timestamp::parse("2020-01-01T00:00:00.0001Z").unwrap();
        assert_eq!(a, b);
        assert!(c > b);
        assert!(!a.has_millisecond_precision());
        assert!(b.has_millisecond_precision());
        assert_eq!(c.fraction_digits(), 4);
    }
}
