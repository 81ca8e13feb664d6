//! STIX identifiers and type names (STIX 2.1 §2.9, §3) and the
//! deterministic identifiers of cyber-observable objects (§2.9, §6).
//!
//! An identifier is `<object-type>--<UUID>`, where the UUID is an RFC 4122
//! UUID (the schemas accept versions 1 to 5 with the RFC 4122 variant).
//! SCO identifiers are UUIDv5 in the namespace [`SCO_ID_NAMESPACE`] over the
//! RFC 8785 (JCS) serialisation of the object's ID contributing properties.

use std::fmt;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::objects;

/// Why a string is not a well-formed STIX identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// No `--` separates a type from a UUID.
    #[error("identifier {0:?} is not of the form <type>--<uuid>")]
    MissingSeparator(String),
    /// The part before `--` is not a valid object type name.
    #[error("identifier {0:?} does not start with a valid object type")]
    BadType(String),
    /// The part after `--` is not a UUID in 8-4-4-4-12 hex form.
    #[error("identifier {0:?} does not end in a UUID")]
    BadUuid(String),
    /// The UUID is not an RFC 4122 UUID of version 1 to 5.
    #[error("identifier {0:?} does not end in an RFC 4122 UUID (version 1-5, variant 10xx)")]
    NotRfc4122(String),
}

/// A well-formed STIX identifier, split into its type and UUID (§2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identifier<'a> {
    object_type: &'a str,
    uuid: Uuid,
}

impl<'a> Identifier<'a> {
    /// Parses `<type>--<uuid>` (§2.9). The type must be a valid type name
    /// (see [`is_valid_type_name`]); the UUID must be in hyphenated form, of
    /// the RFC 4122 variant and of version 1 to 5.
    pub fn parse(id: &'a str) -> Result<Self, IdError> {
        let (object_type, uuid_text) = id
            .rsplit_once("--")
            .ok_or_else(|| IdError::MissingSeparator(id.to_owned()))?;
        if !is_valid_type_name(object_type) {
            return Err(IdError::BadType(id.to_owned()));
        }
        // The hyphenated form, decoded in one pass (this runs for every id
        // and reference of a bundle, so it does not go through the uuid
        // crate's general parser).
        let bytes = uuid_text.as_bytes();
        if bytes.len() != 36 {
            return Err(IdError::BadUuid(id.to_owned()));
        }
        let mut value: u128 = 0;
        for (i, &c) in bytes.iter().enumerate() {
            let digit = match (i, c) {
                (8 | 13 | 18 | 23, b'-') => continue,
                (8 | 13 | 18 | 23, _) => return Err(IdError::BadUuid(id.to_owned())),
                (_, b'0'..=b'9') => c - b'0',
                (_, b'a'..=b'f') => c - b'a' + 10,
                (_, b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(IdError::BadUuid(id.to_owned())),
            };
            value = (value << 4) | u128::from(digit);
        }
        let uuid = Uuid::from_u128(value);
        if uuid.get_variant() != uuid::Variant::RFC4122
            || !(1..=5).contains(&uuid.get_version_num())
        {
            return Err(IdError::NotRfc4122(id.to_owned()));
        }
        Ok(Identifier { object_type, uuid })
    }

    /// The object type named by the identifier.
    pub fn object_type(&self) -> &'a str {
        self.object_type
    }

    /// The UUID part.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }
}

impl fmt::Display for Identifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}--{}", self.object_type, self.uuid.hyphenated())
    }
}

/// Whether `name` is a valid STIX object type name (§3 `type`, §11.1).
///
/// 3 to 250 characters of lowercase ASCII letters, digits and hyphens,
/// starting with a letter. Two hyphens in a row and a trailing hyphen are
/// also refused: either would make `<type>--<uuid>` identifiers ambiguous
/// (the identifier pattern of §2.9 requires the type to end in a letter or
/// digit). A `x-` prefix is not required in 2.1.
pub fn is_valid_type_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !name.contains("--")
        && !name.ends_with('-')
}

/// The namespace of deterministic SCO identifiers (§2.9).
pub const SCO_ID_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The hash algorithms, in order of preference, of which exactly one
/// contributes to a deterministic id when `hashes` is an ID contributing
/// property (§2.9).
const HASH_PREFERENCE: [&str; 4] = ["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// Picks the single hash that contributes to a deterministic id (§2.9): the
/// first of MD5, SHA-1, SHA-256, SHA-512 present; failing those, the entry
/// whose algorithm name sorts first (the spec leaves this case open; sorting
/// keeps the choice independent of JSON member order).
fn contributing_hash(hashes: &Map<String, Value>) -> Option<(String, Value)> {
    for algo in HASH_PREFERENCE {
        if let Some(v) = hashes.get(algo) {
            return Some((algo.to_owned(), v.clone()));
        }
    }
    hashes
        .iter()
        .min_by(|a, b| a.0.cmp(b.0))
        .map(|(k, v)| (k.clone(), v.clone()))
}

/// The JSON object whose RFC 8785 serialisation names a deterministic SCO
/// id, or `None` when the type has no ID contributing properties or none of
/// them is present (then the spec requires a UUIDv4).
pub fn sco_id_contributions(object_type: &str, object: &Value) -> Option<Map<String, Value>> {
    let props = objects::id_contributing_properties(object_type)?;
    let obj = object.as_object()?;
    let mut name = Map::new();
    for &prop in props {
        let Some(v) = obj.get(prop) else { continue };
        if v.is_null() {
            continue;
        }
        if prop == "hashes" {
            if let Some((algo, hash)) = v.as_object().and_then(contributing_hash) {
                let mut one = Map::new();
                one.insert(algo, hash);
                name.insert(prop.to_owned(), Value::Object(one));
            }
        } else {
            name.insert(prop.to_owned(), v.clone());
        }
    }
    if name.is_empty() { None } else { Some(name) }
}

/// The deterministic identifier of a cyber-observable object (§2.9).
///
/// `object_type` is the SCO type (`"ipv4-addr"`, `"file"`, ...), `object` the
/// object's JSON. The result is `<type>--<UUIDv5>` with namespace
/// [`SCO_ID_NAMESPACE`] and as name the RFC 8785 serialisation of an object
/// holding the type's ID contributing properties that are present (of
/// `hashes`, one hash only: MD5, else SHA-1, SHA-256, SHA-512).
///
/// `None` when the type is not a spec-defined SCO, is `process` (which has no
/// ID contributing properties), or none of its ID contributing properties is
/// present: in those cases the spec requires a random UUIDv4 instead.
///
/// ```
/// let v = serde_json::json!({"type": "ipv4-addr", "value": "198.51.100.7"});
/// assert_eq!(
///     countersign_stix::sco_id("ipv4-addr", &v).as_deref(),
///     Some("ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db")
/// );
/// ```
pub fn sco_id(object_type: &str, object: &Value) -> Option<String> {
    let name = sco_id_contributions(object_type, object)?;
    let jcs = match simple_jcs(&name) {
        Some(text) => text,
        None => serde_json_canonicalizer::to_string(&Value::Object(name)).ok()?,
    };
    let uuid = Uuid::new_v5(&SCO_ID_NAMESPACE, jcs.as_bytes());
    Some(format!("{object_type}--{}", uuid.hyphenated()))
}

/// RFC 8785 for the common case, without the general canonicaliser: an
/// object with ASCII keys whose values are strings, integers of at most
/// 2^53 in magnitude, or such objects (hashes). For these, RFC 8785 is the
/// keys in code-unit order and serde_json's own string escaping (both
/// follow ECMAScript's JSON.stringify: `\"`, `\\`, `\b\f\n\r\t`, other
/// controls as lowercase `\u00xx`, nothing else escaped). `None` for
/// anything else (floats, large numbers, lists, booleans), which goes to
/// the general canonicaliser.
fn simple_jcs(map: &Map<String, Value>) -> Option<String> {
    fn write_object(map: &Map<String, Value>, out: &mut String, depth: usize) -> Option<()> {
        let mut keys: Vec<&String> = map.keys().collect();
        if keys.iter().any(|k| !k.is_ascii()) {
            return None;
        }
        keys.sort_unstable();
        out.push('{');
        for (n, k) in keys.into_iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(k).ok()?);
            out.push(':');
            match map.get(k)? {
                Value::String(v) => out.push_str(&serde_json::to_string(v).ok()?),
                Value::Number(v) => {
                    let i = v.as_i64()?;
                    if i.unsigned_abs() > 1 << 53 {
                        return None;
                    }
                    out.push_str(&i.to_string());
                }
                Value::Object(inner) if depth == 0 => write_object(inner, out, 1)?,
                _ => return None,
            }
        }
        out.push('}');
        Some(())
    }
    let mut out = String::with_capacity(64);
    write_object(map, &mut out, 0)?;
    Some(out)
}

/// Checks an SCO's `id` against its deterministic id.
///
/// `Ok(())` when they match or when no deterministic id applies (see
/// [`sco_id`]); `Err(expected)` with the deterministic id otherwise. The
/// object's `type` and `id` are read from `object`; an object without them
/// yields `Ok(())` (that is the checker's business).
pub fn sco_id_matches(object: &Value) -> Result<(), String> {
    let (Some(t), Some(id)) = (
        object.get("type").and_then(Value::as_str),
        object.get("id").and_then(Value::as_str),
    ) else {
        return Ok(());
    };
    match sco_id(t, object) {
        Some(expected) if !expected.eq_ignore_ascii_case(id) => Err(expected),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_jcs_is_rfc_8785() {
        let cases = [
            serde_json::json!({"value": "198.51.100.7"}),
            serde_json::json!({"value": "quote \" back \\ ctl \u{1} del \u{7f} \n tab \t é 日本 😀 </"}),
            serde_json::json!({"name": "a.exe", "hashes": {"SHA-256": "ab", "MD5": "cd"}, "b": 9007199254740992_i64}),
            serde_json::json!({"dst_port": 443, "src_port": -1, "protocols_x": "tcp"}),
        ];
        for c in cases {
            let m = c.as_object().unwrap();
            assert_eq!(
                simple_jcs(m).unwrap(),
                serde_json_canonicalizer::to_string(&c).unwrap(),
                "{c}"
            );
        }
        assert!(simple_jcs(serde_json::json!({"f": 1.5}).as_object().unwrap()).is_none());
        assert!(simple_jcs(serde_json::json!({"l": ["a"]}).as_object().unwrap()).is_none());
        assert!(
            simple_jcs(
                serde_json::json!({"n": 9007199254740993_i64})
                    .as_object()
                    .unwrap()
            )
            .is_none()
        );
    }
    use serde_json::json;

    #[test]
    fn type_names() {
        for ok in ["indicator", "x-acme-thing", "abc", "a1b", "ipv4-addr"] {
            assert!(is_valid_type_name(ok), "{ok}");
        }
        let long = "a".repeat(251);
        for bad in [
            "",
            "ab",
            "Indicator",
            "1abc",
            "-abc",
            "abc-",
            "a--b",
            "a_b",
            "ab c",
            &long,
        ] {
            assert!(!is_valid_type_name(bad), "{bad}");
        }
        assert!(is_valid_type_name(&"a".repeat(250)));
    }

    #[test]
    fn identifiers() {
        let id = Identifier::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type(), "indicator");
        assert_eq!(id.uuid().get_version_num(), 4);
        assert_eq!(
            id.to_string(),
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
        assert!(matches!(
            Identifier::parse("indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Err(IdError::MissingSeparator(_))
        ));
        assert!(matches!(
            Identifier::parse("Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Err(IdError::BadType(_))
        ));
        for bad_uuid in [
            "indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f",
            "indicator--{8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f}",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3g",
            "indicator--",
        ] {
            assert!(
                matches!(Identifier::parse(bad_uuid), Err(IdError::BadUuid(_))),
                "{bad_uuid}"
            );
        }
        // nil UUID, version 0; wrong variant; version 7
        for bad in [
            "indicator--00000000-0000-0000-0000-000000000000",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-7cbf-938f-98ee46b3cd3f",
        ] {
            assert!(
                matches!(Identifier::parse(bad), Err(IdError::NotRfc4122(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn namespace_constant() {
        assert_eq!(
            SCO_ID_NAMESPACE.to_string(),
            "00abedb4-aa42-466c-9c01-fed23315a9b7"
        );
    }

    #[test]
    fn hash_preference() {
        let h = json!({"SHA-256": "b", "SHA-1": "a", "MD5": "m"});
        let (algo, _) = contributing_hash(h.as_object().unwrap()).unwrap();
        assert_eq!(algo, "MD5");
        let h = json!({"SHA-512": "c", "SHA-256": "b"});
        assert_eq!(
            contributing_hash(h.as_object().unwrap()).unwrap().0,
            "SHA-256"
        );
        let h = json!({"SSDEEP": "x", "SHA3-256": "y"});
        assert_eq!(
            contributing_hash(h.as_object().unwrap()).unwrap().0,
            "SHA3-256"
        );
        assert!(contributing_hash(&Map::new()).is_none());
    }

    #[test]
    fn process_and_empty_have_no_deterministic_id() {
        assert_eq!(
            sco_id("process", &json!({"type": "process", "pid": 4})),
            None
        );
        assert_eq!(sco_id("ipv4-addr", &json!({"type": "ipv4-addr"})), None);
        assert_eq!(sco_id("x-custom", &json!({"value": "a"})), None);
        assert_eq!(sco_id("indicator", &json!({"name": "a"})), None);
    }
}
