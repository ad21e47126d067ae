//! RFC 8785 JSON Canonicalization Scheme (JCS) and a strict JSON parser.
//!
//! [`canonicalize`] writes a [`serde_json::Value`] in canonical form: object members sorted by
//! their UTF-16 code units, numbers in ECMAScript `Number.prototype.toString` form (via `ryu-js`),
//! strings with the minimal `JSON.stringify` escapes, no white space.
//!
//! [`parse_strict`] is the only way untrusted JSON enters the crate: it enforces a size limit,
//! refuses duplicate member names (I-JSON, RFC 7493, which JCS requires) and relies on
//! `serde_json`'s nesting limit so that deep nesting cannot exhaust the stack.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Largest JSON text [`parse_strict`] accepts by default (1 MiB).
pub const DEFAULT_MAX_JSON: usize = 1 << 20;

/// Why JSON could not be parsed or canonicalized.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// The input is larger than the limit.
    #[error("JSON input is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not well-formed JSON (the message names line and column).
    #[error("invalid JSON: {0}")]
    Syntax(String),
    /// A number that is not a finite IEEE-754 double cannot be canonicalized.
    #[error("number is not a finite IEEE-754 double")]
    NonFinite,
}

/// Parses untrusted JSON text: size-limited, duplicate member names refused.
pub fn parse_strict(input: &[u8], limit: usize) -> Result<Value, JsonError> {
    if input.len() > limit {
        return Err(JsonError::TooLarge {
            size: input.len(),
            limit,
        });
    }
    let mut de = serde_json::Deserializer::from_slice(input);
    let v = StrictValue::deserialize(&mut de).map_err(|e| JsonError::Syntax(e.to_string()))?;
    de.end().map_err(|e| JsonError::Syntax(e.to_string()))?;
    Ok(v.0)
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
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
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // The members are gathered first so that the map is made at its size once (growing it
        // member by member reallocated its entries and its table several times per object).
        let mut members: Vec<(String, Value)> = Vec::with_capacity(8);
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(v) = map.next_value_seed(StrictSeed)?;
            members.push((key, v));
        }
        let mut out = Map::with_capacity(members.len());
        for (key, v) in members {
            match out.entry(key) {
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(v);
                }
                serde_json::map::Entry::Occupied(e) => {
                    let key = e.key();
                    return Err(de::Error::custom(format!("duplicate member name {key:?}")));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

struct StrictSeed;
impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = StrictValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
        StrictValue::deserialize(d)
    }
}

/// Canonical (RFC 8785) UTF-8 bytes of `value`.
pub fn canonicalize(value: &Value) -> Result<Vec<u8>, JsonError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

/// Canonical text of one number, as ECMAScript `Number.prototype.toString` writes the double.
pub fn number_to_string(f: f64) -> Result<String, JsonError> {
    if !f.is_finite() {
        return Err(JsonError::NonFinite);
    }
    if f == 0.0 {
        return Ok("0".to_owned()); // also -0
    }
    let mut buf = ryu_js::Buffer::new();
    Ok(buf.format_finite(f).to_owned())
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), JsonError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            let f = n.as_f64().ok_or(JsonError::NonFinite)?;
            out.extend_from_slice(number_to_string(f)?.as_bytes());
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(map, None, out)?,
    }
    Ok(())
}

/// Canonical (RFC 8785) UTF-8 bytes of the object `map` without its member `left_out` (a
/// document without its `proof`, say), without copying the object.
pub fn canonicalize_without(
    map: &Map<String, Value>,
    left_out: &str,
) -> Result<Vec<u8>, JsonError> {
    let mut out = Vec::with_capacity(256);
    write_object(map, Some(left_out), &mut out)?;
    Ok(out)
}

fn write_object(
    map: &Map<String, Value>,
    left_out: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), JsonError> {
    // RFC 8785 orders members by their names' UTF-16 code units (compared without
    // writing them out: for names of the Basic Multilingual Plane this is byte order).
    let mut entries: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, _)| Some(k.as_str()) != left_out)
        .collect();
    entries.sort_unstable_by(|a, b| utf16_order(a.0, b.0));
    out.push(b'{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(k, out);
        out.push(b':');
        write_value(v, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// The order of two member names' UTF-16 code units. UTF-8 bytes sort like code points, which
/// differ from UTF-16 only between a supplementary character (surrogates D800–DFFF) and one of
/// E000–FFFF: names without a 4-byte character compare as bytes.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    let four_byte = |s: &str| s.bytes().any(|x| x >= 0xf0);
    if four_byte(a) || four_byte(b) {
        a.encode_utf16().cmp(b.encode_utf16())
    } else {
        a.cmp(b)
    }
}

/// A JSON string as RFC 8785 writes it: only `"`, `\\` and control characters escaped (the
/// short forms where JSON has one), everything else copied as it is, in runs.
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..0x20 => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        // A failure is reported in the test's output, never written into the source tree.
        #![proptest_config(proptest::test_runner::Config {
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]
        #[test]
        fn strings_are_written_as_serde_json_writes_them(s in "\\PC*|[\\x00-\\x20\"\\\\a\\x7f]{0,8}") {
            let mut out = Vec::new();
            write_string(&s, &mut out);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn names_sort_by_utf16_code_units(a in "[a\u{e000}\u{ffff}\u{10000}\u{1f600}é]{0,4}", b in "[a\u{e000}\u{ffff}\u{10000}\u{1f600}é]{0,4}") {
            proptest::prop_assert_eq!(utf16_order(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
        }
    }

    #[test]
    fn duplicate_members_are_refused() {
        let e = parse_strict(br#"{"a":1,"b":{"c":1,"c":2}}"#, 1000).unwrap_err();
        assert!(e.to_string().contains("duplicate member name \"c\""), "{e}");
    }

    #[test]
    fn numbers_parse_correctly_rounded() {
        // serde_json's default fast float parser is off by one ULP here; the
        // `float_roundtrip` feature makes it exact (RFC 8785 `values.json`).
        let v = parse_strict(b"[333333333.33333329]", 100).unwrap();
        assert_eq!(canonicalize(&v).unwrap(), b"[333333333.3333333]");
    }

    #[test]
    fn size_limit() {
        assert!(matches!(
            parse_strict(b"[1,2,3]", 3),
            Err(JsonError::TooLarge { size: 7, limit: 3 })
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse_strict(deep.as_bytes(), usize::MAX).is_err());
    }

    #[test]
    fn negative_zero_and_integers() {
        let v = parse_strict(b"[-0.0, 1E30, 9007199254740993]", 100).unwrap();
        assert_eq!(
            canonicalize(&v).unwrap(),
            b"[0,1e+30,9007199254740992]".to_vec()
        );
    }
}
