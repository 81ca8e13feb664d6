//! RFC 8785 JSON Canonicalization Scheme (JCS) and strict JSON parsing.
//!
//! Envelope ids are the SHA-256 of the JCS form (DESIGN.md, "Envelope"), so
//! two parties must produce the same bytes from the same JSON value. Every
//! envelope a node signs, receives, stores or reads back is hashed here, so
//! the form is written in one pass, straight into the hash or a caller's
//! buffer: `serde_json`'s serializer with an RFC 8785 [`Formatter`] and a
//! [`Canonical`] view that emits object members in UTF-16 order (§3.2.3).
//! Strings need nothing of ours: `serde_json` escapes exactly what §3.2.2.2
//! asks (`"`, `\`, U+0000–U+001F, with the short forms `\b \t \n \f \r` and
//! lowercase `\u00xx` otherwise) and never escapes `/`. Numbers (§3.2.2.3)
//! are ECMAScript's `Number.prototype.toString`: integers up to 2^53 in
//! magnitude are written as integers, which is what that algorithm gives
//! for them; every other number goes to `serde_json_canonicalizer` (its
//! `ryu-js`), the implementation this crate used for everything before.
//! The tests check the result against the examples of RFC 8785 and against
//! `serde_json_canonicalizer` on random values.
//!
//! Parsing is ours: RFC 8785 §3.1 requires I-JSON (RFC 7493), which forbids
//! duplicate member names, and serde_json would silently keep the last one —
//! two verifiers could then disagree about what was signed.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::Formatter;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::fmt;
use std::io;

use crate::error::{CoreError, Result};
use crate::ids::Sha256Hex;

/// The RFC 8785 canonical bytes of a JSON value.
pub fn canonical_bytes(value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    write_canonical(&mut out, value)?;
    Ok(out)
}

/// Writes the RFC 8785 form of `value` to `out` (a reused buffer, a hash).
pub fn write_canonical<W: io::Write>(out: W, value: &Value) -> Result<()> {
    serialize_canonical(out, &Canonical(value))
}

/// The SHA-256 of the RFC 8785 form of `value`, hashed as it is written:
/// the form itself is never held in memory.
pub fn canonical_sha256(value: &Value) -> Result<Sha256Hex> {
    canonical_sha256_of(&Canonical(value))
}

/// A JSON value that serialises its object members in RFC 8785 order
/// (§3.2.3: by their UTF-16 code units). Only meaningful with the JCS
/// formatter ([`serialize_canonical`]), which formats its numbers.
pub(crate) struct Canonical<'a>(pub(crate) &'a Value);

impl Serialize for Canonical<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Canonical(item))?;
                }
                seq.end()
            }
            Value::Object(map) => CanonicalObject(map).serialize(s),
            scalar => scalar.serialize(s),
        }
    }
}

/// [`Canonical`] for a JSON object held as its `Map`.
pub(crate) struct CanonicalObject<'a>(pub(crate) &'a Map<String, Value>);

impl Serialize for CanonicalObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map = self.0;
        let mut members = s.serialize_map(Some(map.len()))?;
        // A `Map` iterates in UTF-8 byte order (it is a BTreeMap), which is
        // the UTF-16 order unless keys mix characters above U+FFFF with ones
        // in U+E000..=U+FFFF. Checking instead of assuming also keeps this
        // right if a crate in the build turns on serde_json's
        // `preserve_order`.
        if map
            .keys()
            .is_sorted_by(|a, b| utf16_cmp(a, b) == Ordering::Less)
        {
            for (k, v) in map {
                members.serialize_entry(k, &Canonical(v))?;
            }
        } else {
            let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
            sorted.sort_by(|a, b| utf16_cmp(a.0, b.0));
            for (k, v) in sorted {
                members.serialize_entry(k, &Canonical(v))?;
            }
        }
        members.end()
    }
}

/// Compares two strings by their UTF-16 code units (RFC 8785 §3.2.3)
/// without transcoding them.
///
/// UTF-8 byte order is code point order, and that differs from UTF-16
/// order in one case only: where the first differing characters are one
/// above U+FFFF (a surrogate pair in UTF-16, D800–DBFF, so it sorts first)
/// and one in U+E000..=U+FFFF. In UTF-8 those start with the lead bytes
/// F0–F4 and EE–EF; the first differing byte of two valid UTF-8 strings
/// with a lead byte on either side is the start of a character on both.
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        None => x.len().cmp(&y.len()),
        Some(i) => {
            let (p, q) = (x[i], y[i]);
            let bmp_high = |c: u8| c == 0xEE || c == 0xEF;
            let supplementary = |c: u8| c >= 0xF0;
            if bmp_high(p) && supplementary(q) {
                Ordering::Greater
            } else if supplementary(p) && bmp_high(q) {
                Ordering::Less
            } else {
                p.cmp(&q)
            }
        }
    }
}

/// Serialises `value` with the RFC 8785 formatter. The caller's `Serialize`
/// must already emit object members in UTF-16 order and wrap any nested
/// `Value` in [`Canonical`]; the envelope's typed views do.
pub(crate) fn serialize_canonical<W: io::Write, T: Serialize + ?Sized>(
    out: W,
    value: &T,
) -> Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, JcsFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| CoreError::invalid(format!("cannot canonicalise JSON: {e}")))
}

/// The SHA-256 of what [`serialize_canonical`] writes for `value`.
pub(crate) fn canonical_sha256_of<T: Serialize + ?Sized>(value: &T) -> Result<Sha256Hex> {
    let mut hash = HashWriter::new();
    serialize_canonical(&mut hash, value)?;
    Ok(hash.finish())
}

/// The largest magnitude up to which every integer is an IEEE 754 double,
/// so that ECMAScript writes it as its decimal digits.
const MAX_EXACT_INTEGER: u64 = 1 << 53;

/// RFC 8785 number formatting on top of `serde_json`'s compact output.
struct JcsFormatter;

impl JcsFormatter {
    /// ECMAScript `Number.prototype.toString` of a double (§3.2.2.3).
    fn write_double<W: ?Sized + io::Write>(writer: &mut W, value: f64) -> io::Result<()> {
        let mut writer = writer;
        serde_json_canonicalizer::to_writer(&value, &mut writer).map_err(io::Error::other)
    }
}

impl Formatter for JcsFormatter {
    fn write_i64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: i64) -> io::Result<()> {
        if value.unsigned_abs() <= MAX_EXACT_INTEGER {
            writer.write_all(itoa_i64(value, &mut [0; 20]))
        } else {
            Self::write_double(writer, value as f64)
        }
    }

    fn write_u64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: u64) -> io::Result<()> {
        if value <= MAX_EXACT_INTEGER {
            writer.write_all(itoa_i64(value as i64, &mut [0; 20]))
        } else {
            Self::write_double(writer, value as f64)
        }
    }

    fn write_i128<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: i128) -> io::Result<()> {
        Self::write_double(writer, value as f64)
    }

    fn write_u128<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: u128) -> io::Result<()> {
        Self::write_double(writer, value as f64)
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        Self::write_double(writer, f64::from(value))
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        Self::write_double(writer, value)
    }

    /// Only with serde_json's `arbitrary_precision`: the number as a double.
    fn write_number_str<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        value: &str,
    ) -> io::Result<()> {
        let number: f64 = value
            .parse()
            .map_err(|_| io::Error::other(format!("{value:?} is not a number")))?;
        Self::write_double(writer, number)
    }
}

/// The decimal digits of `value` (|value| <= 2^53) in `buf`.
fn itoa_i64(value: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = value.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        // n % 10 < 10: the cast cannot truncate.
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// An `io::Write` that feeds SHA-256 through a small buffer, so that the
/// many short writes of a serializer cost a copy each, not a hash call.
struct HashWriter {
    hasher: Sha256,
    buf: [u8; 1024],
    len: usize,
}

impl HashWriter {
    fn new() -> Self {
        HashWriter {
            hasher: Sha256::new(),
            buf: [0; 1024],
            len: 0,
        }
    }

    fn finish(mut self) -> Sha256Hex {
        self.hasher.update(&self.buf[..self.len]);
        Sha256Hex::from_bytes(self.hasher.finalize().into())
    }
}

impl HashWriter {
    /// The rare write that does not fit what is left of the buffer.
    #[cold]
    fn spill(&mut self, data: &[u8]) {
        self.hasher.update(&self.buf[..self.len]);
        self.len = 0;
        if data.len() >= self.buf.len() {
            self.hasher.update(data);
        } else {
            self.buf[..data.len()].copy_from_slice(data);
            self.len = data.len();
        }
    }
}

impl io::Write for HashWriter {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    // The serializer writes in pieces of a few bytes: keep that path short.
    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self.buf.get_mut(self.len..self.len + data.len()) {
            Some(free) => {
                free.copy_from_slice(data);
                self.len += data.len();
            }
            None => self.spill(data),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // One lookup per member: the entry is kept while the value is
            // parsed, which the map cannot change meanwhile.
            match object.entry(key) {
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(de::Error::custom(format!(
                        "duplicate member name {:?}",
                        taken.key()
                    )));
                }
                serde_json::map::Entry::Vacant(slot) => {
                    let StrictValue(value) = map.next_value()?;
                    slot.insert(value);
                }
            }
        }
        Ok(Value::Object(object))
    }
}
