//! RFC 8785 JSON Canonicalization Scheme (JCS) and strict JSON parsing.
//!
//! Envelope ids are the SHA-256 of the JCS form (DESIGN.md, "Envelope"), so
//! two parties must produce the same bytes from the same JSON value. The
//! serialisation itself is `serde_json_canonicalizer` (ECMAScript number
//! formatting via `ryu-js`, UTF-16 key ordering); it is tested here against
//! the examples of RFC 8785. Parsing is ours: RFC 8785 §3.1 requires I-JSON
//! (RFC 7493), which forbids duplicate member names, and serde_json would
//! silently keep the last one — two verifiers could then disagree about what
//! was signed.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

use crate::error::{CoreError, Result};

/// The RFC 8785 canonical bytes of a JSON value.
pub fn canonical_bytes(value: &Value) -> Result<Vec<u8>> {
    serde_json_canonicalizer::to_vec(value)
        .map_err(|e| CoreError::invalid(format!("cannot canonicalise JSON: {e}")))
}

/// Parses JSON text as I-JSON (RFC 7493 §2.3): duplicate member names and
/// non-finite numbers are errors.
pub fn parse_strict(text: &str) -> Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let StrictValue(value) = StrictValue::deserialize(&mut de)
        .map_err(|e| CoreError::invalid(format!("malformed JSON: {e}")))?;
    de.end()
        .map_err(|e| CoreError::invalid(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// A `serde_json::Value` that refuses duplicate object keys while parsing.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate member name {key:?}")));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}
