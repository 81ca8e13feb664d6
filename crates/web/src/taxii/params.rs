//! The URL parameters of TAXII 2.1 reads (§3.4): parsed strictly, so every
//! malformed, repeated or unsupported parameter is a 400 naming it.

use countersign_node::taxii::ObjectFilter;
use countersign_store::VersionMatch;

use crate::taxii::error::TaxiiError;

/// Which parameters an endpoint takes.
#[derive(Debug, Clone, Copy)]
pub struct Allowed {
    pub paging: bool,
    pub id_type: bool,
    pub version: bool,
}

/// Objects and manifest: everything.
pub const OBJECTS: Allowed = Allowed {
    paging: true,
    id_type: true,
    version: true,
};
/// An object by id: no `match[id]`, `match[type]`.
pub const OBJECT: Allowed = Allowed {
    paging: true,
    id_type: false,
    version: true,
};
/// Versions of an object: paging and `match[spec_version]`.
pub const VERSIONS: Allowed = Allowed {
    paging: true,
    id_type: false,
    version: false,
};
/// DELETE of an object: `match[version]`, `match[spec_version]`.
pub const DELETE: Allowed = Allowed {
    paging: false,
    id_type: false,
    version: true,
};

/// `next` tokens: the `date_added` (µs since the epoch) of the last item
/// of the previous page, in decimal.
pub fn next_token(date_added_us: i64) -> String {
    date_added_us.to_string()
}

fn list<'a>(name: &str, value: &'a str) -> Result<Vec<&'a str>, TaxiiError> {
    let items: Vec<&str> = value.split(',').map(str::trim).collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(TaxiiError::bad_request(format!(
            "{name} must be a comma-separated list without empty items; got {value:?}"
        )));
    }
    Ok(items)
}

/// A TAXII/RFC 3339 timestamp as µs since the epoch.
fn timestamp_us(name: &str, value: &str) -> Result<i64, TaxiiError> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.timestamp_micros())
        .map_err(|e| {
            TaxiiError::bad_request(format!(
                "{name} must be a timestamp like 2026-01-01T00:00:00.000000Z; {value:?}: {e}"
            ))
        })
}

/// Parses the query of a read for an endpoint that takes `allowed`.
pub fn parse(pairs: &[(String, String)], allowed: Allowed) -> Result<ObjectFilter, TaxiiError> {
    let mut f = ObjectFilter::default();
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in pairs {
        let name = name.as_str();
        if !seen.insert(name) {
            return Err(TaxiiError::bad_request(format!(
                "the parameter {name} is given twice; give it once (lists are comma-separated)"
            )));
        }
        let unsupported =
            || TaxiiError::bad_request(format!("this endpoint does not take the parameter {name}"));
        match name {
            "added_after" if allowed.paging => {
                f.added_after_us = Some(timestamp_us(name, value)?);
            }
            "limit" if allowed.paging => {
                let n: u32 = value.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    TaxiiError::bad_request(format!(
                        "limit must be a positive whole number; got {value:?}"
                    ))
                })?;
                f.limit = Some(n);
            }
            "next" if allowed.paging => {
                let n: i64 = value.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    TaxiiError::bad_request(format!(
                        "next {value:?} is not a token this server gave out"
                    ))
                })?;
                f.next_us = Some(n);
            }
            "match[id]" if allowed.id_type => {
                for id in list(name, value)? {
                    if countersign_stix::Identifier::parse(id).is_err() {
                        return Err(TaxiiError::bad_request(format!(
                            "match[id]: {id:?} is not a STIX identifier (type--UUID)"
                        )));
                    }
                    f.ids.push(id.to_owned());
                }
            }
            "match[type]" if allowed.id_type => {
                for t in list(name, value)? {
                    if !countersign_stix::ids::is_valid_type_name(t) {
                        return Err(TaxiiError::bad_request(format!(
                            "match[type]: {t:?} is not a STIX type name"
                        )));
                    }
                    f.types.push(t.to_owned());
                }
            }
            "match[version]" if allowed.version => {
                for v in list(name, value)? {
                    let m = match v {
                        "last" => VersionMatch::Last,
                        "first" => VersionMatch::First,
                        "all" => VersionMatch::All,
                        _ => {
                            let ts =
                                countersign_stix::timestamp::Timestamp::parse(v).map_err(|e| {
                                    TaxiiError::bad_request(format!(
                                        "match[version]: {v:?} is not first, last, all or a \
                                         STIX timestamp: {e}"
                                    ))
                                })?;
                            let ns = ts.instant().timestamp_nanos_opt().ok_or_else(|| {
                                TaxiiError::bad_request(format!(
                                    "match[version]: {v:?} is out of range"
                                ))
                            })?;
                            VersionMatch::At(ns)
                        }
                    };
                    f.versions.push(m);
                }
            }
            "match[spec_version]" => {
                for v in list(name, value)? {
                    let ok = v.split_once('.').is_some_and(|(a, b)| {
                        !a.is_empty()
                            && !b.is_empty()
                            && a.bytes().all(|c| c.is_ascii_digit())
                            && b.bytes().all(|c| c.is_ascii_digit())
                    });
                    if !ok {
                        return Err(TaxiiError::bad_request(format!(
                            "match[spec_version]: {v:?} is not a version like 2.1"
                        )));
                    }
                    f.spec_versions.push(v.to_owned());
                }
            }
            _ => return Err(unsupported()),
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn good_and_bad() {
        let f = parse(
            &q(&[
                ("added_after", "2026-01-01T00:00:00.000001Z"),
                ("limit", "5"),
                ("match[type]", "indicator,ipv4-addr"),
                ("match[version]", "first,2026-01-01T00:00:00.000Z"),
                ("match[spec_version]", "2.1"),
            ]),
            OBJECTS,
        )
        .unwrap();
        assert_eq!(f.added_after_us, Some(1_767_225_600_000_001));
        assert_eq!(f.limit, Some(5));
        assert_eq!(f.types.len(), 2);
        assert_eq!(f.versions.len(), 2);
        for bad in [
            ("added_after", "yesterday"),
            ("limit", "0"),
            ("limit", "-1"),
            ("limit", "x"),
            ("next", "abc"),
            ("match[id]", "indicator--nope"),
            ("match[type]", "Bad_Type"),
            ("match[type]", "indicator,"),
            ("match[version]", "latest"),
            ("match[spec_version]", "two"),
            ("match[foo]", "1"),
        ] {
            assert!(parse(&q(&[bad]), OBJECTS).is_err(), "{bad:?}");
        }
        assert!(parse(&q(&[("limit", "1"), ("limit", "2")]), OBJECTS).is_err());
        assert!(parse(&q(&[("match[type]", "indicator")]), OBJECT).is_err());
        assert!(parse(&q(&[("match[version]", "all")]), VERSIONS).is_err());
        assert!(parse(&q(&[("limit", "1")]), DELETE).is_err());
    }
}
