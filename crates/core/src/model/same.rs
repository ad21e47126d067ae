//! Whether a [`Serialize`] value would serialize to exactly a given JSON value, found without
//! building that JSON: a serializer that walks the given value alongside and stops at the first
//! difference. Objects compare as JSON objects do (keys in any order, none missing, none extra),
//! strings written through `Display` ([`Serializer::collect_str`]) are compared piece by piece.
//!
//! [`Claims::from_document`](super::Claims::from_document) uses it to ask "is this document
//! exactly what the claims build?" on every verification, where building the document and
//! comparing cost more than a fifth of a token check.

use serde::ser::{self, Impossible, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt::{self, Write as _};

/// Whether `value` serializes to `expected`.
#[cfg(test)]
pub(crate) fn serializes_to<T: Serialize + ?Sized>(value: &T, expected: &Value) -> bool {
    value.serialize(Same::new(expected)).is_ok()
}

/// Whether `value` serializes to a JSON object equal to `expected` minus those of the keys
/// `ignored` that it has (a document's `proof`, say). `value` must not write an ignored key.
pub(crate) fn serializes_to_object<T: Serialize + ?Sized>(
    value: &T,
    expected: &Map<String, Value>,
    ignored: &[&str],
) -> bool {
    let extra = ignored
        .iter()
        .filter(|k| expected.contains_key(**k))
        .count();
    value
        .serialize(Same {
            expected: Top::Object(expected),
            extra,
            ignored,
        })
        .is_ok()
}

/// The difference found (what it is does not matter: the answer is "not the same").
#[derive(Debug)]
struct Differs;

impl fmt::Display for Differs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not the same JSON value")
    }
}

impl std::error::Error for Differs {}

impl ser::Error for Differs {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Differs
    }
}

fn check(same: bool) -> Result<(), Differs> {
    if same {
        Ok(())
    } else {
        Err(Differs)
    }
}

/// Compares what is serialized with `expected`; at the top of [`serializes_to_object`], an
/// object with `extra` keys among `ignored` left out of the comparison.
struct Same<'a> {
    expected: Top<'a>,
    extra: usize,
    ignored: &'a [&'a str],
}

/// What a [`Same`] compares with.
enum Top<'a> {
    Value(&'a Value),
    Object(&'a Map<String, Value>),
}

impl<'a> Same<'a> {
    fn new(expected: &'a Value) -> Self {
        Same {
            expected: Top::Value(expected),
            extra: 0,
            ignored: &[],
        }
    }

    fn value(&self) -> Result<&'a Value, Differs> {
        match self.expected {
            Top::Value(v) => Ok(v),
            Top::Object(_) => Err(Differs),
        }
    }
}

/// An object being compared with `expected`: `seen` keys matched so far.
struct ObjectCmp<'a> {
    expected: &'a Map<String, Value>,
    seen: usize,
    extra: usize,
    ignored: &'a [&'a str],
    pending: Option<String>,
}

/// An array being compared with `expected`: the next element is `expected[next]`.
struct ArrayCmp<'a> {
    expected: &'a [Value],
    next: usize,
}

/// Writes `Display` output against the rest of an expected string.
struct Prefix<'a>(&'a str);

impl fmt::Write for Prefix<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.0.strip_prefix(s) {
            Some(rest) => {
                self.0 = rest;
                Ok(())
            }
            None => Err(fmt::Error),
        }
    }
}

macro_rules! number {
    ($($method:ident: $t:ty => $as:ident),* $(,)?) => {$(
        fn $method(self, v: $t) -> Result<(), Differs> {
            check(self.value()?.$as() == Some(v.into()))
        }
    )*};
}

impl<'a> Serializer for Same<'a> {
    type Ok = ();
    type Error = Differs;
    type SerializeSeq = ArrayCmp<'a>;
    type SerializeTuple = ArrayCmp<'a>;
    type SerializeTupleStruct = Impossible<(), Differs>;
    type SerializeTupleVariant = Impossible<(), Differs>;
    type SerializeMap = ObjectCmp<'a>;
    type SerializeStruct = ObjectCmp<'a>;
    type SerializeStructVariant = Impossible<(), Differs>;

    fn serialize_bool(self, v: bool) -> Result<(), Differs> {
        check(self.value()?.as_bool() == Some(v))
    }
    number! {
        serialize_i8: i8 => as_i64, serialize_i16: i16 => as_i64, serialize_i32: i32 => as_i64,
        serialize_i64: i64 => as_i64, serialize_u8: u8 => as_u64, serialize_u16: u16 => as_u64,
        serialize_u32: u32 => as_u64, serialize_u64: u64 => as_u64,
    }
    fn serialize_f32(self, v: f32) -> Result<(), Differs> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Differs> {
        // serde_json writes a non-finite number as null.
        let expected = self.value()?;
        check(if v.is_finite() {
            expected.as_f64() == Some(v)
        } else {
            expected.is_null()
        })
    }
    fn serialize_char(self, v: char) -> Result<(), Differs> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Differs> {
        check(self.value()?.as_str() == Some(v))
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, v: &T) -> Result<(), Differs> {
        let expected = self.value()?.as_str().ok_or(Differs)?;
        let mut rest = Prefix(expected);
        write!(rest, "{v}").map_err(|_| Differs)?;
        check(rest.0.is_empty())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Differs> {
        Err(Differs)
    }
    fn serialize_none(self) -> Result<(), Differs> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Differs> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Differs> {
        check(self.value()?.is_null())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Differs> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &str, _: u32, variant: &str) -> Result<(), Differs> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Differs> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Differs> {
        Err(Differs)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<ArrayCmp<'a>, Differs> {
        let expected = self.value()?.as_array().ok_or(Differs)?;
        Ok(ArrayCmp { expected, next: 0 })
    }
    fn serialize_tuple(self, len: usize) -> Result<ArrayCmp<'a>, Differs> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Differs> {
        Err(Differs)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Differs> {
        Err(Differs)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<ObjectCmp<'a>, Differs> {
        let expected = match self.expected {
            Top::Object(o) => o,
            Top::Value(v) => v.as_object().ok_or(Differs)?,
        };
        Ok(ObjectCmp {
            expected,
            seen: 0,
            extra: self.extra,
            ignored: self.ignored,
            pending: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<ObjectCmp<'a>, Differs> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Differs> {
        Err(Differs)
    }
}

impl ser::SerializeSeq for ArrayCmp<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        let expected = self.expected.get(self.next).ok_or(Differs)?;
        self.next += 1;
        v.serialize(Same::new(expected))
    }
    fn end(self) -> Result<(), Differs> {
        check(self.next == self.expected.len())
    }
}

impl ser::SerializeTuple for ArrayCmp<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Differs> {
        ser::SerializeSeq::end(self)
    }
}

impl ObjectCmp<'_> {
    /// Compares the value of one key; keys are strings, each written once.
    fn entry<V: Serialize + ?Sized>(&mut self, key: &str, v: &V) -> Result<(), Differs> {
        if self.ignored.contains(&key) {
            return Err(Differs);
        }
        let expected = self.expected.get(key).ok_or(Differs)?;
        self.seen += 1;
        v.serialize(Same::new(expected))
    }
}

impl ser::SerializeMap for ObjectCmp<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Differs> {
        // Maps are rare here (the compared values are structs, whose keys are `&'static str`):
        // the key is written out once.
        match serde_json::to_value(key) {
            Ok(Value::String(k)) => {
                self.pending = Some(k);
                Ok(())
            }
            _ => Err(Differs),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        let key = self.pending.take().ok_or(Differs)?;
        self.entry(&key, v)
    }
    fn end(self) -> Result<(), Differs> {
        check(self.seen + self.extra == self.expected.len())
    }
}

impl ser::SerializeStruct for ObjectCmp<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Differs> {
        self.entry(key, v)
    }
    fn end(self) -> Result<(), Differs> {
        ser::SerializeMap::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    /// A string written through `Display` in pieces.
    struct Pieces(&'static [&'static str]);

    impl Serialize for Pieces {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            struct Show<'a>(&'a [&'a str]);
            impl fmt::Display for Show<'_> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.iter().try_for_each(|p| f.write_str(p))
                }
            }
            s.collect_str(&Show(self.0))
        }
    }

    #[test]
    fn agrees_with_building_the_value() {
        let values = [
            json!(null),
            json!(true),
            json!(-3),
            json!(7),
            json!(1.5),
            json!("x"),
            json!([]),
            json!({}),
            json!([1, "a", [2, {"b": null}]]),
            json!({"a": 1, "b": [true, false], "c": {"d": "e"}}),
        ];
        for a in &values {
            for b in &values {
                assert_eq!(serializes_to(a, b), a == b, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn objects_compare_whole_in_any_order() {
        let mut m = BTreeMap::new();
        m.insert("b", 2);
        m.insert("a", 1);
        assert!(serializes_to(&m, &json!({"a": 1, "b": 2})));
        assert!(serializes_to(&m, &json!({"b": 2, "a": 1})));
        assert!(!serializes_to(&m, &json!({"a": 1})), "a key too many");
        assert!(
            !serializes_to(&m, &json!({"a": 1, "b": 2, "c": 3})),
            "a key missing"
        );
        assert!(!serializes_to(&m, &json!({"a": 1, "c": 2})), "another key");
        assert!(
            !serializes_to(&m, &json!({"a": 1, "b": "2"})),
            "another type"
        );
        assert!(!serializes_to(&m, &json!([1, 2])));
    }

    #[test]
    fn arrays_compare_in_order_and_length() {
        assert!(serializes_to(&["a", "b"], &json!(["a", "b"])));
        assert!(!serializes_to(&["a", "b"], &json!(["b", "a"])));
        assert!(!serializes_to(&["a", "b"], &json!(["a"])));
        assert!(!serializes_to(&["a"], &json!(["a", "b"])));
        assert!(!serializes_to(&vec!["a"], &json!("a")));
    }

    #[test]
    fn display_strings_compare_piece_by_piece() {
        let abc = Pieces(&["a", "bc", "", "d"]);
        assert!(serializes_to(&abc, &json!("abcd")));
        for other in ["abc", "abcde", "abxd", "", "xabcd"] {
            assert!(!serializes_to(&abc, &json!(other)), "{other}");
        }
        assert!(!serializes_to(&abc, &json!(["abcd"])));
        assert!(serializes_to(&Pieces(&["王", "晓明"]), &json!("王晓明")));
        assert!(!serializes_to(&Pieces(&["王", "晓"]), &json!("王晓明")));
    }

    #[test]
    fn ignored_keys_may_be_present_or_absent() {
        let m: BTreeMap<&str, i32> = [("a", 1)].into_iter().collect();
        let with = json!({"a": 1, "proof": {}});
        let without = json!({"a": 1});
        let other = json!({"a": 1, "zzz": {}});
        let obj = |v: &Value| v.as_object().unwrap().clone();
        assert!(serializes_to_object(&m, &obj(&with), &["proof"]));
        assert!(serializes_to_object(&m, &obj(&without), &["proof"]));
        assert!(!serializes_to_object(&m, &obj(&other), &["proof"]));
        assert!(!serializes_to_object(&m, &obj(&with), &[]));
        let writes_ignored: BTreeMap<&str, i32> = [("proof", 1)].into_iter().collect();
        let proof_only = json!({"proof": 1});
        assert!(!serializes_to_object(
            &writes_ignored,
            &obj(&proof_only),
            &["proof"]
        ));
    }
}
