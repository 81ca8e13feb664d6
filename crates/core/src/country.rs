//! ISO 3166-1 alpha-2 country codes.
//!
//! The 249 officially assigned codes, plus `XK` (Kosovo), a user-assigned
//! code that the European Commission, FIRST and many CERT directories use.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

use crate::error::CoreError;

const ASSIGNED: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

const USER_ASSIGNED_IN_USE: &[&str] = &["XK"];

/// An ISO 3166-1 alpha-2 code, stored upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Country([u8; 2]);

impl Country {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let upper = text.trim().to_ascii_uppercase();
        let known = upper.len() == 2
            && (ASSIGNED.split(' ').any(|c| c == upper)
                || USER_ASSIGNED_IN_USE.contains(&upper.as_str()));
        match upper.as_bytes() {
            [a, b] if known => Ok(Country([*a, *b])),
            _ => Err(CoreError::invalid(format!(
                "{text:?} is not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, EE)"
            ))),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.as_str().to_owned()
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text != text.to_ascii_uppercase() {
            return Err(serde::de::Error::custom("country codes are upper case"));
        }
        Country::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assigned_list_is_complete_and_unique() {
        let mut codes: Vec<&str> = ASSIGNED.split(' ').collect();
        assert_eq!(codes.len(), 249);
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 249);
        assert!(Country::parse("ee").is_ok());
        assert!(Country::parse("XK").is_ok());
        assert!(
            Country::parse("UK").is_err(),
            "UK is reserved, GB is assigned"
        );
        assert!(Country::parse("EU").is_err());
    }
}
