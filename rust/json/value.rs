//! Arbitrary JSON for the open parts of the schema (`customData` vendor properties, CALLERROR
//! details): read with the same strictness as everything else (duplicate keys, 64-bit integers,
//! finite numbers) and a nesting limit, since here the schema puts no bound on the shape.

use std::collections::HashSet;

use crate::fault::error::{Fault, FaultKind, JsonType, Res, Seg};
use crate::json::reader::Reader;
use crate::json::writer::{write_f64, write_str};

/// Objects with more members than this check duplicates with a hash set instead of a scan.
const LINEAR_DUP_CHECK: usize = 16;

/// A JSON value. Integers written without fraction or exponent stay integers.
#[derive(Clone, Debug)]
pub enum JsonValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<JsonValue>),
    /// Members in input order; keys are unique.
    Object(Vec<(String, JsonValue)>),
}

/// JSON equality: object member order does not matter and `1 == 1.0`, as in Python.
impl PartialEq for JsonValue {
    fn eq(&self, other: &Self) -> bool {
        use JsonValue::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (Int(a), Float(b)) | (Float(b), Int(a)) => (*a as f64) == *b && *b as i64 == *a,
            (Str(a), Str(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Object(a), Object(b)) => same_members(a, b),
            _ => false,
        }
    }
}

/// Order-insensitive equality of two member lists with unique keys.
pub fn same_members(a: &[(String, JsonValue)], b: &[(String, JsonValue)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2))
}

#[cold]
fn too_deep(r: &Reader<'_>, limit: usize) -> Box<Fault> {
    r.fault(FaultKind::TooDeep { limit })
}

/// Reads any JSON value; `depth` is the nesting level of the value itself (objects and arrays
/// count one level each; the limit is the reader's, see [`crate::fault::limits`]).
pub fn read_value(r: &mut Reader<'_>, depth: usize) -> Res<JsonValue> {
    match r.peek_type()? {
        JsonType::Object => {
            let limit = r.max_depth();
            if depth >= limit {
                return Err(too_deep(r, limit));
            }
            r.begin_object();
            let members = read_members(r, depth, |_, _| Ok(false))?;
            Ok(JsonValue::Object(members))
        }
        JsonType::Array => {
            let limit = r.max_depth();
            if depth >= limit {
                return Err(too_deep(r, limit));
            }
            r.begin_array();
            let mut items = Vec::new();
            let mut first = true;
            while r.next_item(&mut first)? {
                let v = read_value(r, depth + 1).map_err(|e| e.within(Seg::Index(items.len())))?;
                items.push(v);
            }
            Ok(JsonValue::Array(items))
        }
        JsonType::String => Ok(JsonValue::Str(r.read_string()?.into_owned())),
        JsonType::Number => {
            let n = r.read_number()?;
            let v = if n.plain_integer {
                match n.to_i64() {
                    Ok(Some(i)) => JsonValue::Int(i),
                    _ => return Err(Fault::new(FaultKind::OutOfRange, n.offset)),
                }
            } else {
                JsonValue::Float(n.to_f64().map_err(|k| Fault::new(k, n.offset))?)
            };
            Ok(v)
        }
        JsonType::Boolean | JsonType::Null => Ok(match r.read_literal()? {
            Some(b) => JsonValue::Bool(b),
            None => JsonValue::Null,
        }),
        JsonType::Integer => unreachable!("peek_type never says integer"),
    }
}

/// Reads the members of an object whose `{` was consumed, rejecting duplicate keys.
/// `claim(reader, key)` may consume a member's value itself and return true (used for the
/// schema-defined `vendorId` of `customData`); otherwise the value is read as open JSON.
pub fn read_members(
    r: &mut Reader<'_>,
    depth: usize,
    mut claim: impl FnMut(&mut Reader<'_>, &str) -> Res<bool>,
) -> Res<Vec<(String, JsonValue)>> {
    let mut members: Vec<(String, JsonValue)> = Vec::new();
    let mut seen: Option<HashSet<String>> = None;
    let mut claimed: Vec<String> = Vec::new();
    let mut first = true;
    while let Some((key, at)) = r.next_key(&mut first)? {
        let dup = match &mut seen {
            Some(set) => !set.insert(key.to_string()),
            None => {
                let d =
                    members.iter().any(|(k, _)| *k == *key) || claimed.iter().any(|k| *k == *key);
                if members.len() >= LINEAR_DUP_CHECK {
                    let mut set: HashSet<String> = members.iter().map(|(k, _)| k.clone()).collect();
                    set.extend(claimed.iter().cloned());
                    set.insert(key.to_string());
                    seen = Some(set);
                }
                d
            }
        };
        if dup {
            return Err(Fault::new(FaultKind::DuplicateKey(key.as_ref().into()), at)
                .within(Seg::Name(key.as_ref().into())));
        }
        if claim(r, &key).map_err(|e| e.within(Seg::Name(key.as_ref().into())))? {
            claimed.push(key.into_owned());
            continue;
        }
        let v = read_value(r, depth + 1).map_err(|e| e.within(Seg::Name(key.as_ref().into())))?;
        members.push((key.into_owned(), v));
    }
    Ok(members)
}

/// Appends the compact JSON text of `v`.
pub fn write_value(v: &JsonValue, out: &mut Vec<u8>) {
    match v {
        JsonValue::Null => out.extend_from_slice(b"null"),
        JsonValue::Bool(true) => out.extend_from_slice(b"true"),
        JsonValue::Bool(false) => out.extend_from_slice(b"false"),
        JsonValue::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        JsonValue::Float(f) => write_f64(*f, out),
        JsonValue::Str(s) => write_str(s, out),
        JsonValue::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        JsonValue::Object(members) => {
            out.push(b'{');
            write_members(members, out, false);
            out.push(b'}');
        }
    }
}

/// Appends `"k":v` pairs, with a leading comma when `after_other` is set.
pub fn write_members(members: &[(String, JsonValue)], out: &mut Vec<u8>, after_other: bool) {
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 || after_other {
            out.push(b',');
        }
        write_str(k, out);
        out.push(b':');
        write_value(v, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Res<JsonValue> {
        let mut r = Reader::new(s.as_bytes(), false);
        let v = read_value(&mut r, 0)?;
        r.finish()?;
        Ok(v)
    }

    #[test]
    fn round_trips_compactly() {
        let text = r#"{"a":[1,-2.5,"x\"y",true,false,null,{}],"b":1e2}"#;
        let v = parse(text).unwrap();
        let mut out = Vec::new();
        write_value(&v, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":[1,-2.5,"x\"y",true,false,null,{}],"b":100.0}"#
        );
    }

    #[test]
    fn duplicates_are_found_in_small_and_large_objects() {
        let f = parse(r#"{"a":1,"b":2,"a":3}"#).unwrap_err();
        assert_eq!(f.kind, FaultKind::DuplicateKey("a".into()));
        assert_eq!(f.pointer(), "/a");
        let mut big: String = (0..100).map(|i| format!("\"k{i}\":{i},")).collect();
        big.push_str("\"k7\":0");
        let f = parse(&format!("{{{big}}}")).unwrap_err();
        assert_eq!(f.kind, FaultKind::DuplicateKey("k7".into()));
    }

    #[test]
    fn limits_depth_and_range() {
        let nested = |n: usize| "[".repeat(n) + &"]".repeat(n);
        let max = crate::fault::limits::DEFAULT.max_depth;
        assert!(parse(&nested(max)).is_ok());
        assert_eq!(
            parse(&nested(max + 1)).unwrap_err().kind,
            FaultKind::TooDeep { limit: max }
        );
        let with_depth = |text: &str, limit| {
            let mut r = Reader::new(text.as_bytes(), true).with_max_depth(limit);
            read_value(&mut r, 0)
        };
        assert!(with_depth(&nested(3), 3).is_ok());
        assert_eq!(
            with_depth(&nested(4), 3).unwrap_err().kind,
            FaultKind::TooDeep { limit: 3 }
        );
        assert_eq!(parse("1e999").unwrap_err().kind, FaultKind::OutOfRange);
        assert_eq!(
            parse("123456789012345678901").unwrap_err().kind,
            FaultKind::OutOfRange
        );
    }

    #[test]
    fn equality_ignores_member_order() {
        assert_eq!(
            parse(r#"{"a":1,"b":[2]}"#).unwrap(),
            parse(r#"{"b":[2.0],"a":1}"#).unwrap()
        );
        assert_ne!(
            parse(r#"{"a":1}"#).unwrap(),
            parse(r#"{"a":true}"#).unwrap()
        );
    }
}
