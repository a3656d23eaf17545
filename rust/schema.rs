//! Validation driven by the official JSON schema itself, for the actions a CSMS answers around
//! the meter data (BootNotification, Heartbeat, StatusNotification, Authorize): low-rate
//! messages whose payload is wanted as plain JSON rather than as a typed model.
//!
//! The schema files are embedded at build time (`schemas/`, copies of the official OCPP
//! schemas) and compiled once into a tree of [`Node`]s; [`check_payload`] walks that tree over
//! the payload in one pass of the same [`Reader`] the typed decoders use, with their fault kinds
//! and JSON Pointers, so the error table and the first-fault-in-document-order rule are the
//! same: an unknown property is reported where it is read, a missing required one at the end of
//! its object, and too many items at the array's start, as a schema validator points at it.
//!
//! The compiler knows the keywords these schemas use (draft-06 `type`, `properties`,
//! `required`, `additionalProperties`, `$ref` into `definitions`, `enum`, `maxLength`,
//! `format: date-time`, `items`, `minItems`, `maxItems`, `minimum`, `maximum`) and refuses any
//! other that is not an annotation, so a schema it cannot enforce fails its unit test instead
//! of being enforced in part.

use std::sync::OnceLock;

use crate::datetime::DateTime;
use crate::decode::{count_at_most, expect_type, missing};
use crate::dialect::Dialect;
use crate::error::{Fault, FaultKind, JsonType, Res, Seg};
use crate::json_value::{read_members, read_value, JsonValue};
use crate::model::check_max_length;
use crate::reader::{check_syntax, Reader};

/// The actions whose payloads are checked by their schema alone, in alphabetical order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaAction {
    Authorize,
    BootNotification,
    Heartbeat,
    StatusNotification,
}

impl SchemaAction {
    /// Every schema action.
    pub const ALL: [SchemaAction; 4] = [
        SchemaAction::Authorize,
        SchemaAction::BootNotification,
        SchemaAction::Heartbeat,
        SchemaAction::StatusNotification,
    ];

    /// The action name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaAction::Authorize => "Authorize",
            SchemaAction::BootNotification => "BootNotification",
            SchemaAction::Heartbeat => "Heartbeat",
            SchemaAction::StatusNotification => "StatusNotification",
        }
    }

    /// The action of a wire name, if it is a schema action.
    pub fn from_wire(s: &str) -> Option<SchemaAction> {
        SchemaAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Which of an action's two payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The CALL's payload (`<Action>Request.json`).
    Request,
    /// The CALLRESULT's payload (`<Action>Response.json`).
    Response,
}

/// A compiled schema node: only what validation needs.
#[derive(Debug)]
enum Node {
    /// No constraint (an open `customData` member).
    Any,
    Object {
        properties: Vec<(&'static str, Node)>,
        required: Vec<&'static str>,
        /// `additionalProperties: false`.
        closed: bool,
    },
    Array {
        items: Box<Node>,
        min: usize,
        max: Option<usize>,
    },
    String {
        max_length: Option<usize>,
        /// The enumeration's definition name and its values.
        values: Option<(&'static str, Vec<&'static str>)>,
        date_time: bool,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Number {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
}

macro_rules! schema_texts {
    ($($action:ident),*) => {
        /// The embedded schema text of `action`'s payload in `direction` under `dialect`.
        fn schema_text(action: SchemaAction, direction: Direction, dialect: Dialect) -> &'static str {
            match (action, direction, dialect) {
                $(
                    (SchemaAction::$action, Direction::Request, Dialect::V201) =>
                        include_str!(concat!("schemas/ocpp201/", stringify!($action), "Request.json")),
                    (SchemaAction::$action, Direction::Response, Dialect::V201) =>
                        include_str!(concat!("schemas/ocpp201/", stringify!($action), "Response.json")),
                    (SchemaAction::$action, Direction::Request, Dialect::V21) =>
                        include_str!(concat!("schemas/ocpp21/", stringify!($action), "Request.json")),
                    (SchemaAction::$action, Direction::Response, Dialect::V21) =>
                        include_str!(concat!("schemas/ocpp21/", stringify!($action), "Response.json")),
                    (SchemaAction::$action, Direction::Request, Dialect::V16) =>
                        include_str!(concat!("schemas/ocpp16/", stringify!($action), ".json")),
                    (SchemaAction::$action, Direction::Response, Dialect::V16) =>
                        include_str!(concat!("schemas/ocpp16/", stringify!($action), "Response.json")),
                )*
            }
        }
    };
}

schema_texts!(Authorize, BootNotification, Heartbeat, StatusNotification);

/// Slot of a compiled schema in [`COMPILED`].
fn slot(action: SchemaAction, direction: Direction, dialect: Dialect) -> usize {
    (action as usize) * 6 + (direction as usize) * 3 + dialect as usize
}

static COMPILED: [OnceLock<Node>; 24] = [const { OnceLock::new() }; 24];

/// The compiled schema, built on first use.
fn schema(action: SchemaAction, direction: Direction, dialect: Dialect) -> &'static Node {
    COMPILED[slot(action, direction, dialect)].get_or_init(|| {
        // The embedded files are fixed at build time and every one is compiled by the unit
        // tests (`every_schema_compiles`), so this cannot fail in a built library.
        compile_text(schema_text(action, direction, dialect))
            .unwrap_or_else(|e| panic!("embedded schema of {}: {e}", action.as_str()))
    })
}

/// Interned schema strings: a compiled schema lives as long as the process, so its names are
/// leaked once per schema (twenty-four small files at most).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn compile_text(text: &str) -> Result<Node, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = Reader::new(text.as_bytes(), true).with_max_depth(64);
    let root = read_value(&mut r, 0).map_err(|f| f.description())?;
    let JsonValue::Object(members) = &root else {
        return Err("the schema is not an object".into());
    };
    let defs: &[(String, JsonValue)] = match member(members, "definitions") {
        Some(JsonValue::Object(defs)) => defs,
        None => &[],
        Some(_) => return Err("definitions is not an object".into()),
    };
    compile(&root, defs, "")
}

fn member<'v>(members: &'v [(String, JsonValue)], key: &str) -> Option<&'v JsonValue> {
    members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Keywords that say nothing about validity (or, for `additionalItems`, nothing once `items`
/// is a single schema; `additionalProperties` is also written on enumerations, where it
/// constrains nothing but is allowed).
const ANNOTATIONS: [&str; 9] = [
    "$schema",
    "$id",
    "title",
    "comment",
    "description",
    "javaType",
    "tsEnumNames",
    "definitions",
    "additionalItems",
];

fn compile(
    v: &JsonValue,
    defs: &[(String, JsonValue)],
    name: &'static str,
) -> Result<Node, String> {
    let JsonValue::Object(m) = v else {
        return Err(format!("schema node {name:?} is not an object"));
    };
    if let Some(target) = member(m, "$ref") {
        let JsonValue::Str(target) = target else {
            return Err("$ref is not a string".into());
        };
        let def = target
            .strip_prefix("#/definitions/")
            .ok_or_else(|| format!("unsupported $ref {target:?}"))?;
        let node = member(defs, def).ok_or_else(|| format!("no definition {def:?}"))?;
        return compile(node, defs, leak(def));
    }
    let known: &[&str] = match member(m, "type") {
        Some(JsonValue::Str(t)) => match t.as_str() {
            "object" => &["type", "properties", "required", "additionalProperties"],
            "array" => &["type", "items", "minItems", "maxItems"],
            "string" => &["type", "maxLength", "enum", "format"],
            "integer" | "number" => &["type", "minimum", "maximum"],
            "boolean" => &["type"],
            other => return Err(format!("unsupported type {other:?}")),
        },
        None => &[],
        Some(_) => return Err("type is not a string".into()),
    };
    for (k, _) in m {
        let inert = k == "additionalProperties"
            && matches!(member(m, "type"), Some(JsonValue::Str(t)) if t != "object");
        if !known.contains(&k.as_str()) && !ANNOTATIONS.contains(&k.as_str()) && !inert {
            return Err(format!("unsupported keyword {k:?} in {name:?}"));
        }
    }
    let Some(JsonValue::Str(t)) = member(m, "type") else {
        return Ok(Node::Any);
    };
    Ok(match t.as_str() {
        "object" => object_node(m, defs)?,
        "array" => {
            let items = member(m, "items").ok_or("array without items")?;
            if member(m, "additionalItems").is_some() && !matches!(items, JsonValue::Object(_)) {
                return Err("additionalItems with a tuple of items".into());
            }
            Node::Array {
                items: Box::new(compile(items, defs, name)?),
                min: count(m, "minItems")?.unwrap_or(0),
                max: count(m, "maxItems")?,
            }
        }
        "string" => Node::String {
            max_length: count(m, "maxLength")?,
            values: match member(m, "enum") {
                None => None,
                Some(JsonValue::Array(values)) => Some((
                    name,
                    values
                        .iter()
                        .map(|v| match v {
                            JsonValue::Str(s) => Ok(leak(s)),
                            _ => Err("an enum value that is not a string".to_string()),
                        })
                        .collect::<Result<_, _>>()?,
                )),
                Some(_) => return Err("enum is not an array".into()),
            },
            date_time: match member(m, "format") {
                None => false,
                Some(JsonValue::Str(f)) if f == "date-time" => true,
                Some(f) => return Err(format!("unsupported format {f:?}")),
            },
        },
        "integer" => Node::Integer {
            min: bound(m, "minimum")?,
            max: bound(m, "maximum")?,
        },
        "number" => Node::Number {
            min: bound(m, "minimum")?,
            max: bound(m, "maximum")?,
        },
        _ => Node::Boolean,
    })
}

fn object_node(m: &[(String, JsonValue)], defs: &[(String, JsonValue)]) -> Result<Node, String> {
    let properties = match member(m, "properties") {
        None => Vec::new(),
        Some(JsonValue::Object(props)) => props
            .iter()
            .map(|(k, v)| {
                let k = leak(k);
                compile(v, defs, k).map(|node| (k, node))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("properties is not an object".into()),
    };
    let required = match member(m, "required") {
        None => Vec::new(),
        Some(JsonValue::Array(names)) => names
            .iter()
            .map(|v| match v {
                JsonValue::Str(s) => Ok(leak(s)),
                _ => Err("a required name that is not a string".to_string()),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("required is not an array".into()),
    };
    let closed = match member(m, "additionalProperties") {
        None | Some(JsonValue::Bool(true)) => false,
        Some(JsonValue::Bool(false)) => true,
        Some(_) => return Err("additionalProperties that is not a boolean".into()),
    };
    Ok(Node::Object {
        properties,
        required,
        closed,
    })
}

fn count(m: &[(String, JsonValue)], key: &str) -> Result<Option<usize>, String> {
    match member(m, key) {
        None => Ok(None),
        Some(JsonValue::Int(n)) if *n >= 0 => Ok(Some(*n as usize)),
        Some(v) => Err(format!("{key} is {v:?}, not a count")),
    }
}

fn bound(m: &[(String, JsonValue)], key: &str) -> Result<Option<i64>, String> {
    match member(m, key) {
        None => Ok(None),
        Some(JsonValue::Int(n)) => Ok(Some(*n)),
        // The 2.1 files write `0.0`: an integral bound is exact as an integer.
        Some(JsonValue::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(*f as i64)),
        Some(v) => Err(format!("{key} is {v:?}, not an integer")),
    }
}

/// Validates a payload text against the schema of `action` in `direction` under `dialect`
/// and returns it as JSON. A syntax fault anywhere wins over a validation fault, as for the
/// typed decoders.
pub fn validate(
    buf: &[u8],
    trusted_utf8: bool,
    action: SchemaAction,
    direction: Direction,
    dialect: Dialect,
) -> Res<JsonValue> {
    let limit = crate::limits::max_frame_bytes();
    if buf.len() > limit {
        return Err(Fault::new(FaultKind::TooLarge { limit }, 0));
    }
    let mut r = Reader::new(buf, trusted_utf8).with_dialect(dialect);
    let result = check_payload(&mut r, action, direction).and_then(|v| {
        r.finish()?;
        Ok(v)
    });
    result.map_err(|fault| check_syntax(buf, trusted_utf8).unwrap_or(fault))
}

/// Reads and validates the payload object next in `r` (its dialect chooses the schema).
pub fn check_payload(
    r: &mut Reader<'_>,
    action: SchemaAction,
    direction: Direction,
) -> Res<JsonValue> {
    if r.peek_type()? != JsonType::Object {
        return Err(r.fault(FaultKind::PayloadNotObject));
    }
    check(r, schema(action, direction, r.dialect()), 0)
}

fn check(r: &mut Reader<'_>, node: &Node, depth: usize) -> Res<JsonValue> {
    match node {
        Node::Any => read_value(r, depth),
        Node::Object {
            properties,
            required,
            closed,
        } => {
            expect_type(r, JsonType::Object)?;
            r.begin_object();
            let mut known: Vec<(String, JsonValue)> = Vec::with_capacity(properties.len());
            let extra = read_members(r, depth, |r, key| {
                match properties.iter().find(|(name, _)| *name == key) {
                    Some((_, child)) => {
                        let v = check(r, child, depth + 1)?;
                        known.push((key.to_owned(), v));
                        Ok(true)
                    }
                    None if *closed => Err(r.fault(FaultKind::UnknownProperty(key.into()))),
                    None => Ok(false),
                }
            })?;
            if let Some(name) = required
                .iter()
                .find(|name| !known.iter().any(|(k, _)| k == *name))
            {
                return Err(missing(r, name));
            }
            known.extend(extra);
            Ok(JsonValue::Object(known))
        }
        Node::Array { items, min, max } => {
            expect_type(r, JsonType::Array)?;
            let at = r.pos();
            if let Some(max) = *max {
                count_at_most(r, max)?;
            }
            r.begin_array();
            let mut out = Vec::new();
            let mut first = true;
            while r.next_item(&mut first)? {
                let v = check(r, items, depth + 1).map_err(|e| e.within(Seg::Index(out.len())))?;
                out.push(v);
            }
            if out.len() < *min {
                return Err(Fault::new(FaultKind::TooFewItems { min: *min }, at));
            }
            Ok(JsonValue::Array(out))
        }
        Node::String {
            max_length,
            values,
            date_time,
        } => {
            expect_type(r, JsonType::String)?;
            let at = r.pos();
            let s = r.read_string()?;
            if let Some((enum_name, values)) = values {
                if !values.contains(&s.as_ref()) {
                    let kind = FaultKind::UnknownEnumValue {
                        enum_name,
                        value: s.as_ref().into(),
                    };
                    return Err(Fault::new(kind, at));
                }
            }
            if let Some(max) = *max_length {
                check_max_length(&s, max).map_err(|k| Fault::new(k, at))?;
            }
            if *date_time {
                DateTime::parse(&s)
                    .map_err(|reason| Fault::new(FaultKind::BadDateTime(reason), at))?;
            }
            Ok(JsonValue::Str(s.into_owned()))
        }
        Node::Integer { min, max } => {
            expect_type(r, JsonType::Number)?;
            let n = r.read_number()?;
            // 1.6's schemas are draft-04, where `1.0` is a number and not an integer.
            let draft04 = r.dialect() == Dialect::V16 && !n.plain_integer;
            let v = match n.to_i64() {
                Ok(Some(v)) if !draft04 => v,
                Ok(_) => {
                    let kind = FaultKind::WrongType {
                        expected: JsonType::Integer,
                        found: JsonType::Number,
                    };
                    return Err(Fault::new(kind, n.offset));
                }
                Err(kind) => return Err(Fault::new(kind, n.offset)),
            };
            in_range(v as f64, *min, *max, n.offset)?;
            Ok(JsonValue::Int(v))
        }
        Node::Number { min, max } => {
            expect_type(r, JsonType::Number)?;
            let at = r.pos();
            let v = read_value(r, depth)?;
            let x = match v {
                JsonValue::Int(i) => i as f64,
                JsonValue::Float(f) => f,
                _ => unreachable!("a number token reads as a number"),
            };
            in_range(x, *min, *max, at)?;
            Ok(v)
        }
        Node::Boolean => {
            expect_type(r, JsonType::Boolean)?;
            read_value(r, depth)
        }
    }
}

fn in_range(v: f64, min: Option<i64>, max: Option<i64>, at: usize) -> Res<()> {
    if let Some(min) = min.filter(|&m| v < m as f64) {
        return Err(Fault::new(FaultKind::BelowMinimum { min }, at));
    }
    if let Some(max) = max.filter(|&m| v > m as f64) {
        return Err(Fault::new(FaultKind::AboveMaximum { max }, at));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn run(
        action: SchemaAction,
        dialect: Dialect,
        text: &str,
    ) -> Result<JsonValue, (ErrorCode, String)> {
        validate(text.as_bytes(), false, action, Direction::Request, dialect)
            .map_err(|f| (f.code(), f.pointer()))
    }

    #[test]
    fn every_schema_compiles() {
        for action in SchemaAction::ALL {
            for direction in [Direction::Request, Direction::Response] {
                for dialect in [Dialect::V201, Dialect::V21, Dialect::V16] {
                    // Through the process-wide table, as the decoders reach them: a schema
                    // compiled and dropped here would leak its interned names.
                    schema(action, direction, dialect);
                }
            }
        }
    }

    /// The 1.6 files are draft-04: `1.0` is not an integer there, as it is in 2.0.1's draft-06.
    #[test]
    fn ocpp_1_6_schemas_are_read_with_draft_04_integers() {
        let status = |connector: &str| {
            format!(r#"{{"connectorId":{connector},"errorCode":"NoError","status":"Available"}}"#)
        };
        assert!(run(SchemaAction::StatusNotification, Dialect::V16, &status("1")).is_ok());
        assert_eq!(
            run(
                SchemaAction::StatusNotification,
                Dialect::V16,
                &status("1.0")
            ),
            Err((ErrorCode::TypeConstraintViolation, "/connectorId".into()))
        );
        let boot = r#"{"chargePointVendor":"V","chargePointModel":"M"}"#;
        assert!(run(SchemaAction::BootNotification, Dialect::V16, boot).is_ok());
        // A 2.0.1 BootNotification is not a 1.6 one.
        let boot_201 = r#"{"chargingStation":{"model":"M","vendorName":"V"},"reason":"PowerUp"}"#;
        assert_eq!(
            run(SchemaAction::BootNotification, Dialect::V16, boot_201)
                .unwrap_err()
                .0,
            ErrorCode::ProtocolError
        );
    }

    #[test]
    fn boot_notification_valid_and_faults_in_document_order() {
        let ok = r#"{"chargingStation":{"model":"M","vendorName":"V"},"reason":"PowerUp"}"#;
        for dialect in Dialect::ALL {
            assert!(run(SchemaAction::BootNotification, dialect, ok).is_ok());
        }
        let cases = [
            (
                r#"{"chargingStation":{"model":"M","vendorName":"V"},"reason":"Nope"}"#,
                ErrorCode::PropertyConstraintViolation,
                "/reason",
            ),
            (
                r#"{"chargingStation":{"model":"M"},"reason":"PowerUp"}"#,
                ErrorCode::OccurrenceConstraintViolation,
                "/chargingStation/vendorName",
            ),
            (
                r#"{"chargingStation":{"model":1,"vendorName":"V"},"reason":"x"}"#,
                ErrorCode::TypeConstraintViolation,
                "/chargingStation/model",
            ),
            (
                r#"{"x":1,"chargingStation":{"model":1}}"#,
                ErrorCode::ProtocolError,
                "/x",
            ),
            (
                r#"{"reason":"PowerUp","reason":"PowerUp"}"#,
                ErrorCode::PropertyConstraintViolation,
                "/reason",
            ),
            (
                r#"{"chargingStation":{"model":1},"reason":"PowerUp""#,
                ErrorCode::FormatViolation,
                "",
            ),
            (r#"[]"#, ErrorCode::FormatViolation, ""),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                run(SchemaAction::BootNotification, Dialect::V201, text),
                Err((code, path.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn integers_follow_draft_06_and_minimums_the_dialect() {
        let status = |evse: &str| {
            format!(
                r#"{{"timestamp":"2024-01-01T00:00:00Z","connectorStatus":"Available","evseId":{evse},"connectorId":1}}"#
            )
        };
        assert!(run(
            SchemaAction::StatusNotification,
            Dialect::V201,
            &status("1.0")
        )
        .is_ok());
        assert_eq!(
            run(
                SchemaAction::StatusNotification,
                Dialect::V201,
                &status("1.5")
            )
            .unwrap_err(),
            (ErrorCode::TypeConstraintViolation, "/evseId".into())
        );
        // 2.0.1 puts no minimum on evseId here; 2.1 says 0.
        assert!(run(
            SchemaAction::StatusNotification,
            Dialect::V201,
            &status("-1")
        )
        .is_ok());
        assert_eq!(
            run(
                SchemaAction::StatusNotification,
                Dialect::V21,
                &status("-1")
            )
            .unwrap_err(),
            (ErrorCode::PropertyConstraintViolation, "/evseId".into())
        );
        assert_eq!(
            run(
                SchemaAction::StatusNotification,
                Dialect::V21,
                &status("1e30")
            )
            .unwrap_err(),
            (ErrorCode::PropertyConstraintViolation, "/evseId".into())
        );
    }

    #[test]
    fn arrays_count_items_and_custom_data_stays_open() {
        let authorize = |certs: &str| {
            format!(
                r#"{{"idToken":{{"idToken":"A","type":"ISO14443","customData":{{"vendorId":"v","any":[1,{{}}]}}}},"iso15118CertificateHashData":[{certs}]}}"#
            )
        };
        let hash = r#"{"hashAlgorithm":"SHA256","issuerNameHash":"a","issuerKeyHash":"b","serialNumber":"c","responderURL":"d"}"#;
        assert!(run(SchemaAction::Authorize, Dialect::V201, &authorize(hash)).is_ok());
        assert_eq!(
            run(SchemaAction::Authorize, Dialect::V201, &authorize("")).unwrap_err(),
            (
                ErrorCode::OccurrenceConstraintViolation,
                "/iso15118CertificateHashData".into()
            )
        );
        let five = [hash; 5].join(",");
        assert_eq!(
            run(SchemaAction::Authorize, Dialect::V201, &authorize(&five)).unwrap_err(),
            (
                ErrorCode::OccurrenceConstraintViolation,
                "/iso15118CertificateHashData".into()
            )
        );
    }
}
