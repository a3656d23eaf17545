//! Validation profiles. `strict` is the contract's rules. `lenient` accepts the schema
//! deviations deployed charger firmware is known to make, repairs them and reports each as a
//! [`Warning`]. `off` accepts what `lenient` accepts and checks no values besides: `maxLength`,
//! `evseId >= 0` and OCPP 2.1's `minimum`s and `maximum`s are not checked (and not reported);
//! JSON types, required properties, `minItems`, `maxItems`, date-times that name an instant and
//! enums outside the sampled values (a TransactionEvent's `eventType`, say, which has no room
//! for a raw string) still are.
//!
//! | code | deviation | read as |
//! | --- | --- | --- |
//! | `timestamp_without_offset` | a date-time with no offset | UTC (`Z`) |
//! | `offset_without_colon` | an offset `+HHMM` | `+HH:MM` |
//! | `numeric_string` | a string for `value` or `multiplier` | the number it holds, spaces trimmed |
//! | `object_for_array` | one object where an array is required | a one-item array |
//! | `unknown_enum_value` | a measurand, phase, location or context outside its enum | kept as sent ([`RawEnums`]); a value of the other dialect is held typed |
//! | `unknown_property` | a property the schema does not define | moved to a side mapping |
//!
//! OCPP 1.6 (`Dialect::V16`) has deviations of its own, which real 1.6 chargers are known to make
//! (each with a public report in `tests/data/quirks16.jsonl`); the table's timestamp, array and
//! unknown-property repairs apply to 1.6 as well, the others do not (1.6 has no raw enums):
//!
//! | code | deviation | read as |
//! | --- | --- | --- |
//! | `number_for_string` | a JSON number for a sampled value's `value` (decimal text) | its decimal text |
//! | `padded_decimal` | decimal text in `value` with spaces around it | the text trimmed |
//! | `empty_value` | `value` the empty string | kept as sent, with no number (no reading) |
//! | `empty_sampled_value` | a MeterValues meter value whose `sampledValue` is `[]` | a meter value of no readings |
//! | `hz_for_hertz` | the unit `Hz` in MeterValues | `Hertz` |
//!
//! The two that no valid JSON text can hold (`empty_value`, `empty_sampled_value`) are accepted
//! by the 1.6 decoder itself, once for each repair ([`Allowances`]), so every one is reported.
//!
//! Everything else stays an error. A warning's path is a JSON Pointer into the payload as sent
//! (a path through an object sent for an array has no index), its `raw` the text as sent.
//!
//! The profile costs nothing on the fast path: a payload is always decoded strictly first, and
//! only when that fails with a fault that is one of these deviations is it read into a tree,
//! repaired there and decoded strictly again, repair after repair (at most [`MAX_REPAIRS`]).

use crate::dialect::Dialect;
use crate::fault::error::{pointer_of, Fault, FaultKind, JsonType, Seg};
use crate::json::datetime::DateTime;
use crate::json::reader::{Allowance, Allowances, Reader};
use crate::json::value::{read_value, write_value, JsonValue};
use crate::ocpp::decode::{decode_with, Decode};
use crate::ocpp::model::{MeterValue, MeterValuesRequest, RawEnums, SampledValue};
use crate::ocpp::transaction_event::TransactionEventRequest;
use crate::ocpp::{cost, transaction_event, transaction_event_response};

/// How strictly input is validated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    #[default]
    Strict,
    Lenient,
    Off,
}

impl Profile {
    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "strict" => Some(Profile::Strict),
            "lenient" => Some(Profile::Lenient),
            "off" => Some(Profile::Off),
            _ => None,
        }
    }
}

/// Deviations repaired in one payload; a payload with more is refused with its fault.
pub const MAX_REPAIRS: usize = 64;

/// The longest `raw` text a warning keeps, in characters.
const MAX_RAW: usize = 255;

/// One accepted deviation.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// Stable machine-readable code (the table above).
    pub code: &'static str,
    /// JSON Pointer into the payload as sent.
    pub path: String,
    /// The deviating text as sent (a value's JSON text for an unknown property or an object
    /// sent for an array), at most 255 characters.
    pub raw: String,
}

/// What the lenient profile accepted in one payload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Deviations {
    pub warnings: Vec<Warning>,
    /// Unknown properties, by JSON Pointer into the payload as sent, with their values.
    pub unknown_properties: Vec<(String, JsonValue)>,
}

impl Deviations {
    pub fn is_empty(&self) -> bool {
        self.warnings.is_empty() && self.unknown_properties.is_empty()
    }
}

/// A path segment that owns its name.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Name(String),
    Index(usize),
}

fn steps(fault: &Fault) -> Vec<Step> {
    fault
        .segments()
        .map(|s| match s {
            Seg::Key(k) => Step::Name((*k).to_owned()),
            Seg::Name(n) => Step::Name(n.to_string()),
            Seg::Index(i) => Step::Index(*i),
        })
        .collect()
}

/// Whether `fault` is a deviation `profile` accepts in `dialect`: checked before any work is
/// done.
pub fn is_repairable(fault: &Fault, profile: Profile, dialect: Dialect) -> bool {
    if dialect == Dialect::V16 && profile != Profile::Strict {
        if let Some(repairable) = is_repairable16(fault) {
            return repairable;
        }
    }
    match &fault.kind {
        FaultKind::TooLong { .. }
        | FaultKind::BelowMinimum { .. }
        | FaultKind::AboveMaximum { .. } => profile == Profile::Off,
        _ if profile == Profile::Strict => false,
        FaultKind::UnknownProperty(_) => true,
        FaultKind::WrongType {
            expected: JsonType::Array,
            found: JsonType::Object,
        } => true,
        FaultKind::WrongType {
            expected: JsonType::Number | JsonType::Integer,
            found: JsonType::String,
        } => matches!(
            fault.segments().last(),
            Some(Seg::Key("value" | "multiplier"))
        ),
        FaultKind::BadDateTime(reason) => {
            *reason == MISSING_OFFSET || *reason == OFFSET_WITHOUT_COLON
        }
        FaultKind::UnknownEnumValue { .. } => {
            dialect != Dialect::V16
                && matches!(
                    fault.segments().last(),
                    Some(Seg::Key(key)) if RawEnums::default().slot(key).is_some()
                )
        }
        _ => false,
    }
}

/// Whether `fault` is one of 1.6's own deviations (`None`: not one of them, ask the table
/// common to every dialect).
fn is_repairable16(fault: &Fault) -> Option<bool> {
    let last = fault.segments().last();
    let meter_values = matches!(fault.segments().next(), Some(Seg::Key("meterValue")));
    match &fault.kind {
        FaultKind::WrongType {
            expected: JsonType::String,
            found: JsonType::Number,
        } => Some(matches!(last, Some(Seg::Key("value")))),
        FaultKind::NotDecimal(text) => {
            Some(text.is_empty() || (text.trim_matches(' ') != &**text && padded(text).is_some()))
        }
        FaultKind::TooFewItems { min: 1 } => Some(matches!(last, Some(Seg::Key("sampledValue")))),
        FaultKind::UnknownEnumValue { value, .. } => {
            Some(&**value == "Hz" && meter_values && matches!(last, Some(Seg::Key("unit"))))
        }
        _ => None,
    }
}

/// The decimal text inside `text` with spaces around it.
fn padded(text: &str) -> Option<&str> {
    let trimmed = text.trim_matches(' ');
    (trimmed.len() < text.len() && crate::ocpp::v16::decode::decimal(trimmed).is_ok())
        .then_some(trimmed)
}

/// A type the non-strict profiles decode: the sampled values in it can take raw enum strings.
pub trait Lenient: Decode {
    /// The sampled value at `path` (in the repaired tree), if there is one.
    fn sampled_value_at(&mut self, path: &[Step]) -> Option<&mut SampledValue>;
}

impl Lenient for SampledValue {
    fn sampled_value_at(&mut self, path: &[Step]) -> Option<&mut SampledValue> {
        path.is_empty().then_some(self)
    }
}

impl Lenient for MeterValue {
    fn sampled_value_at(&mut self, path: &[Step]) -> Option<&mut SampledValue> {
        match path {
            [Step::Name(s), Step::Index(j)] if s == "sampledValue" => {
                self.sampled_value.get_mut(*j)
            }
            _ => None,
        }
    }
}

/// Implements [`Lenient`] for types that hold no 2.x sampled values, so that their Python
/// classes can unpickle under the `off` profile, as the requests do: a value built by keyword
/// may hold what only one dialect allows (an EVSE id below 0, a long content), and a 1.6 value
/// what only a lenient reading made (an empty `value`, an empty `sampledValue`). 1.6 keeps no
/// raw enum strings (no enum is relaxed but `Hz`, which is repaired in the text), so its types
/// never have a 2.x sampled value to find either.
macro_rules! no_sampled_values {
    ($($t:ty),*) => {$(
        impl $crate::ocpp::profile::Lenient for $t {
            fn sampled_value_at(
                &mut self,
                _: &[$crate::ocpp::profile::Step],
            ) -> Option<&mut $crate::ocpp::model::SampledValue> {
                None
            }
        }
    )*};
}
pub(crate) use no_sampled_values;
no_sampled_values!(
    transaction_event::AdditionalInfo,
    transaction_event::IdToken,
    transaction_event::Evse,
    transaction_event::Transaction,
    cost::TransactionLimit,
    cost::CostDetails,
    cost::ChargingPeriod,
    cost::CostDimension,
    cost::TotalCost,
    cost::Price,
    cost::TaxRate,
    cost::TotalPrice,
    cost::TotalUsage,
    transaction_event_response::MessageContent,
    transaction_event_response::IdTokenInfo,
    transaction_event_response::TransactionEventResponse
);

/// The sampled value at `meterValue/i/...` of a message's meter values.
fn in_meter_values<'t>(
    meter_values: Option<&'t mut Vec<MeterValue>>,
    path: &[Step],
) -> Option<&'t mut SampledValue> {
    match path {
        [Step::Name(m), Step::Index(i), rest @ ..] if m == "meterValue" => {
            meter_values?.get_mut(*i)?.sampled_value_at(rest)
        }
        _ => None,
    }
}

impl Lenient for MeterValuesRequest {
    fn sampled_value_at(&mut self, path: &[Step]) -> Option<&mut SampledValue> {
        in_meter_values(Some(&mut self.meter_value), path)
    }
}

impl Lenient for TransactionEventRequest {
    fn sampled_value_at(&mut self, path: &[Step]) -> Option<&mut SampledValue> {
        in_meter_values(self.meter_value.as_mut(), path)
    }
}

const MISSING_OFFSET: &str = "missing time zone offset";
const OFFSET_WITHOUT_COLON: &str = "offset needs a colon";

/// Decodes a payload whose strict decoding failed with `fault`, repairing the deviations
/// `profile` accepts. On failure the fault is the first one left after the repairs, its path
/// into the payload as sent.
pub fn decode_lenient<T: Lenient>(
    payload: &[u8],
    trusted_utf8: bool,
    fault: Box<Fault>,
    profile: Profile,
    dialect: Dialect,
) -> Result<(T, Deviations), Box<Fault>> {
    if !is_repairable(&fault, profile, dialect) {
        return Err(fault);
    }
    // The tree may nest a few levels deeper than open JSON may: the schema's own objects
    // (at most five levels) come first.
    let depth = crate::fault::limits::max_depth() + 8;
    let mut r = Reader::new(payload, trusted_utf8).with_max_depth(depth);
    let mut tree = match read_value(&mut r, 0).and_then(|v| r.finish().map(|()| v)) {
        Ok(tree) => tree,
        Err(_) => return Err(fault),
    };
    let mut repair = Repair {
        profile,
        dialect,
        ..Repair::default()
    };
    let mut fault = fault;
    for _ in 0..MAX_REPAIRS {
        if !repair.apply(&mut tree, &fault) {
            return Err(repair.as_sent(fault));
        }
        let mut text = Vec::with_capacity(payload.len() + 16);
        write_value(&tree, &mut text);
        let mut r = Reader::new(&text, true)
            .with_dialect(dialect)
            .with_allowances(repair.allowances);
        if profile == Profile::Off {
            r = r.without_value_checks();
        }
        match decode_with::<T>(r, &text, true) {
            Ok(mut value) => {
                for (path, key, raw) in repair.raw_enums {
                    value
                        .sampled_value_at(&path)
                        .expect("a raw enum was taken from a sampled value")
                        .set_sent_enum(key, raw);
                }
                return Ok((value, repair.found));
            }
            Err(next) => fault = next,
        }
    }
    Err(repair.as_sent(fault))
}

#[derive(Default)]
struct Repair {
    profile: Profile,
    dialect: Dialect,
    found: Deviations,
    /// What the decoder is to accept of what the tree cannot repair.
    allowances: Allowances,
    /// Paths (in the repaired tree) of the arrays made from a single object.
    wrapped: Vec<Vec<Step>>,
    /// Enum values taken out of the tree: the sampled value's path, the field, the value.
    raw_enums: Vec<(Vec<Step>, &'static str, String)>,
}

impl Repair {
    /// Repairs the deviation `fault` reports, if it is one; false otherwise.
    fn apply(&mut self, tree: &mut JsonValue, fault: &Fault) -> bool {
        if !is_repairable(fault, self.profile, self.dialect) {
            return false;
        }
        let path = steps(fault);
        // In full, not cut like an error's: it is also the key of the side mapping.
        let sent = pointer_of(self.segments_as_sent(fault).iter(), usize::MAX);
        match &fault.kind {
            // Only under `off`, whose decoding does not check these: nothing to change.
            FaultKind::TooLong { .. }
            | FaultKind::BelowMinimum { .. }
            | FaultKind::AboveMaximum { .. } => true,
            FaultKind::UnknownProperty(_) => {
                let Some((Step::Name(name), parent)) = path.split_last() else {
                    return false;
                };
                let Some(JsonValue::Object(members)) = node(tree, parent) else {
                    return false;
                };
                let Some(i) = members.iter().position(|(k, _)| k == name) else {
                    return false;
                };
                let (_, value) = members.remove(i);
                self.warn("unknown_property", &sent, json_text(&value));
                self.found.unknown_properties.push((sent, value));
                true
            }
            FaultKind::WrongType {
                expected: JsonType::Array,
                ..
            } => {
                let Some(slot) = node(tree, &path) else {
                    return false;
                };
                let object = std::mem::replace(slot, JsonValue::Null);
                self.warn("object_for_array", &sent, json_text(&object));
                *slot = JsonValue::Array(vec![object]);
                self.wrapped.push(path);
                true
            }
            FaultKind::WrongType {
                expected: JsonType::String,
                ..
            } => {
                // 1.6's `value`, a number where decimal text belongs: its text, as written.
                let Some(slot @ (JsonValue::Int(_) | JsonValue::Float(_))) = node(tree, &path)
                else {
                    return false;
                };
                let text = json_text(slot);
                *slot = JsonValue::Str(text.clone());
                self.warn("number_for_string", &sent, text);
                true
            }
            FaultKind::NotDecimal(sent_text) => {
                let Some(JsonValue::Str(text)) = node(tree, &path) else {
                    return false;
                };
                if sent_text.is_empty() {
                    self.allowances.grant(Allowance::EmptyValue);
                    self.warn("empty_value", &sent, String::new());
                    return true;
                }
                let Some(trimmed) = padded(text).map(str::to_owned) else {
                    return false;
                };
                let raw = std::mem::replace(text, trimmed);
                self.warn("padded_decimal", &sent, raw);
                true
            }
            FaultKind::TooFewItems { .. } => {
                self.allowances.grant(Allowance::EmptySampledValue);
                self.warn("empty_sampled_value", &sent, "[]".to_owned());
                true
            }
            FaultKind::UnknownEnumValue { .. } if self.dialect == Dialect::V16 => {
                let Some(JsonValue::Str(unit)) = node(tree, &path) else {
                    return false;
                };
                let raw = std::mem::replace(unit, "Hertz".to_owned());
                self.warn("hz_for_hertz", &sent, raw);
                true
            }
            FaultKind::WrongType { .. } => {
                let Some(slot) = node(tree, &path) else {
                    return false;
                };
                let JsonValue::Str(text) = slot else {
                    return false;
                };
                let Some(number) = number_in(text) else {
                    return false;
                };
                let raw = std::mem::take(text);
                *slot = number;
                self.warn("numeric_string", &sent, raw);
                true
            }
            FaultKind::UnknownEnumValue { .. } => {
                let Some((Step::Name(name), parent)) = path.split_last() else {
                    return false;
                };
                let Some(key) = ["context", "measurand", "phase", "location"]
                    .into_iter()
                    .find(|k| k == name)
                else {
                    return false;
                };
                let Some(JsonValue::Object(members)) = node(tree, parent) else {
                    return false;
                };
                let Some(i) = members.iter().position(|(k, _)| k == name) else {
                    return false;
                };
                let JsonValue::Str(raw) = members.remove(i).1 else {
                    return false;
                };
                self.warn("unknown_enum_value", &sent, raw.clone());
                self.raw_enums.push((parent.to_vec(), key, raw));
                true
            }
            FaultKind::BadDateTime(reason) => {
                let Some(JsonValue::Str(text)) = node(tree, &path) else {
                    return false;
                };
                let (code, fixed) = if *reason == MISSING_OFFSET {
                    ("timestamp_without_offset", format!("{text}Z"))
                } else {
                    // Only a text that ends in `+HHMM` / `-HHMM` (all ASCII, so the cut is on a
                    // character boundary); anything after the offset stays an error.
                    let b = text.as_bytes();
                    let n = b.len();
                    let offset = n >= 5
                        && matches!(b[n - 5], b'+' | b'-')
                        && b[n - 4..].iter().all(u8::is_ascii_digit);
                    if !offset {
                        return false;
                    }
                    (
                        "offset_without_colon",
                        format!("{}:{}", &text[..n - 2], &text[n - 2..]),
                    )
                };
                if DateTime::parse(&fixed).is_err() {
                    return false;
                }
                let raw = std::mem::replace(text, fixed);
                self.warn(code, &sent, raw);
                true
            }
            _ => false,
        }
    }

    fn warn(&mut self, code: &'static str, path: &str, raw: String) {
        self.found.warnings.push(Warning {
            code,
            path: path.to_owned(),
            raw: crate::fault::error::truncate_chars(raw, MAX_RAW),
        });
    }

    /// The path of `fault` (into the repaired tree) in the payload as sent: the index into an
    /// array made from a single object is dropped.
    fn segments_as_sent(&self, fault: &Fault) -> Vec<Seg> {
        let mut kept = Vec::new();
        let mut prefix: Vec<Step> = Vec::new();
        let mut skip_index = false;
        for (seg, step) in fault.segments().zip(steps(fault)) {
            let wrapped_index = skip_index && step == Step::Index(0);
            prefix.push(step);
            skip_index = self.wrapped.contains(&prefix);
            if !wrapped_index {
                kept.push(seg.clone());
            }
        }
        kept
    }

    /// `fault` as a fault of the payload as sent. Found in a repaired tree, its byte offset
    /// (into text the payload never was) becomes 0.
    fn as_sent(&self, fault: Box<Fault>) -> Box<Fault> {
        if self.found.warnings.is_empty() {
            return fault;
        }
        self.segments_as_sent(&fault)
            .into_iter()
            .rev()
            .fold(Fault::new(fault.kind.clone(), 0), |f, seg| f.within(seg))
    }
}

/// The node at `path`, if the tree has one there.
fn node<'t>(tree: &'t mut JsonValue, path: &[Step]) -> Option<&'t mut JsonValue> {
    let mut at = tree;
    for step in path {
        at = match (at, step) {
            (JsonValue::Object(members), Step::Name(name)) => {
                &mut members.iter_mut().find(|(k, _)| k == name)?.1
            }
            (JsonValue::Array(items), Step::Index(i)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(at)
}

/// The JSON number a string holds, spaces around it trimmed.
fn number_in(text: &str) -> Option<JsonValue> {
    let trimmed = text.trim_matches(' ');
    let mut r = Reader::new(trimmed.as_bytes(), true);
    if r.peek_type().ok()? != JsonType::Number {
        return None;
    }
    let value = read_value(&mut r, 0).ok()?;
    r.finish().ok()?;
    Some(value)
}

fn json_text(v: &JsonValue) -> String {
    let mut out = Vec::new();
    write_value(v, &mut out);
    String::from_utf8(out).expect("written from strings")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocpp::decode::from_slice;
    use crate::ocpp::model::MeterValuesRequest;

    fn lenient(text: &str) -> Result<(MeterValuesRequest, Deviations), Box<Fault>> {
        match from_slice::<MeterValuesRequest>(text.as_bytes(), true) {
            Ok(v) => Ok((v, Deviations::default())),
            Err(f) => decode_lenient(text.as_bytes(), true, f, Profile::Lenient, Dialect::V201),
        }
    }

    fn codes(d: &Deviations) -> Vec<(&'static str, &str, &str)> {
        d.warnings
            .iter()
            .map(|w| (w.code, w.path.as_str(), w.raw.as_str()))
            .collect()
    }

    #[test]
    fn a_2_1_value_sent_under_2_0_1_is_flagged_and_held_typed() {
        let text = r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":81,"measurand":"Display.PresentSOC","location":"Upstream"},{"value":1,"measurand":"Temperature"}]}]}"#;
        let decode = |dialect| {
            let strict = crate::ocpp::decode::from_slice_in::<MeterValuesRequest>(
                text.as_bytes(),
                true,
                dialect,
            );
            let fault = strict.expect_err("Temperature is in no dialect");
            decode_lenient::<MeterValuesRequest>(
                text.as_bytes(),
                true,
                fault,
                Profile::Lenient,
                dialect,
            )
            .unwrap()
        };
        let (req, d) = decode(Dialect::V201);
        let warned: Vec<&str> = d.warnings.iter().map(|w| w.path.as_str()).collect();
        let sv = "/meterValue/0/sampledValue";
        assert_eq!(
            warned,
            [
                format!("{sv}/0/measurand"),
                format!("{sv}/0/location"),
                format!("{sv}/1/measurand")
            ]
        );
        let first = &req.meter_value[0].sampled_value[0];
        assert_eq!(
            first.measurand,
            Some(crate::ocpp::model::Measurand::DisplayPresentSoc)
        );
        assert_eq!(first.location, Some(crate::ocpp::model::Location::Upstream));
        assert_eq!(first.raw_enums(), None);
        // Held typed, it is the value a 2.1 decoding gives, flagged only under 2.0.1.
        let (req21, d21) = decode(Dialect::V21);
        assert_eq!(req21, req);
        assert_eq!(d21.warnings.len(), 1);
    }

    #[test]
    fn each_deviation_is_repaired_and_reported_in_document_order() {
        let meter_value = r#"{"timestamp":"2024-01-01T00:00:00","sampledValue":[{"value":" 12.5 ","unitOfMeasure":{"unit":"kWh","multiplier":"3"}},{"value":1,"format":"Raw","measurand":"temperature"}]}"#;
        let text = format!(r#"{{"evseId":1,"connectorId":2,"meterValue":{meter_value}}}"#);
        let (req, d) = lenient(&text).unwrap();
        assert_eq!(
            codes(&d),
            [
                ("unknown_property", "/connectorId", "2"),
                ("object_for_array", "/meterValue", meter_value),
                (
                    "timestamp_without_offset",
                    "/meterValue/timestamp",
                    "2024-01-01T00:00:00"
                ),
                (
                    "numeric_string",
                    "/meterValue/sampledValue/0/value",
                    " 12.5 "
                ),
                (
                    "numeric_string",
                    "/meterValue/sampledValue/0/unitOfMeasure/multiplier",
                    "3"
                ),
                (
                    "unknown_property",
                    "/meterValue/sampledValue/1/format",
                    "\"Raw\""
                ),
                (
                    "unknown_enum_value",
                    "/meterValue/sampledValue/1/measurand",
                    "temperature"
                ),
            ]
        );
        let raw = req.meter_value[0].sampled_value[1].raw_enums().unwrap();
        assert_eq!(raw.measurand.as_deref(), Some("temperature"));
        assert_eq!(req.meter_value[0].sampled_value[1].measurand, None);
        // The raw value is written back where the enum would be.
        let mut out = Vec::new();
        crate::ocpp::encode::Encode::write(&req.meter_value[0].sampled_value[1], &mut out);
        assert_eq!(out, br#"{"value":1.0,"measurand":"temperature"}"#);
        assert_eq!(
            d.unknown_properties,
            [
                ("/connectorId".to_owned(), JsonValue::Int(2)),
                (
                    "/meterValue/sampledValue/1/format".to_owned(),
                    JsonValue::Str("Raw".into())
                ),
            ]
        );
        let sv = &req.meter_value[0].sampled_value[0];
        assert_eq!(sv.value, 12.5);
        assert_eq!(sv.unit_of_measure.as_ref().unwrap().multiplier, Some(3));
        assert_eq!(
            req.meter_value[0].timestamp,
            DateTime::parse("2024-01-01T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn an_offset_without_colon_is_read_with_one() {
        let text = r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T01:00:00+0100","sampledValue":[{"value":1}]}]}"#;
        let (req, d) = lenient(text).unwrap();
        assert_eq!(
            codes(&d),
            [(
                "offset_without_colon",
                "/meterValue/0/timestamp",
                "2024-01-01T01:00:00+0100"
            )]
        );
        assert_eq!(
            req.meter_value[0].timestamp,
            DateTime::parse("2024-01-01T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn other_faults_stay_errors_with_paths_as_sent() {
        for (text, path, kind) in [
            (
                r#"{"evseId":1,"meterValue":{"timestamp":"2024-01-01T00:00:00Z","sampledValue":{"value":"ERR"}}}"#,
                "/meterValue/sampledValue/value",
                "wrong_type",
            ),
            (
                r#"{"evseId":-1,"meterValue":[{"timestamp":"2024-01-01T00:00:00","sampledValue":[{"value":1}]}]}"#,
                "/evseId",
                "below_minimum",
            ),
            (
                r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01 00:00:00","sampledValue":[{"value":1}]}]}"#,
                "/meterValue/0/timestamp",
                "bad_date_time",
            ),
            // Text after an offset without colon (here a 3-byte character) is not repaired.
            (
                r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00+0100€","sampledValue":[{"value":1}]}]}"#,
                "/meterValue/0/timestamp",
                "bad_date_time",
            ),
            (
                r#"{"evseId":1,"x":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1,"unitOfMeasure":{"unit":"kWhkWhkWhkWhkWhkWhkWh"}}]}]}"#,
                "/meterValue/0/sampledValue/0/unitOfMeasure/unit",
                "too_long",
            ),
        ] {
            let f = lenient(text).unwrap_err();
            assert_eq!((f.pointer().as_str(), f.kind.id()), (path, kind), "{text}");
        }
    }

    #[test]
    fn frames_are_decoded_leniently_only_when_asked_and_only_in_the_payload() {
        use crate::ocppj::frame::{decode_call, decode_call_as, Request};
        let te = r#"[2,"te-1","TransactionEvent",{"eventType":"Updated","timestamp":"2024-05-01T12:00:01",
            "triggerReason":"MeterValuePeriodic","seqNo":7,"transactionInfo":{"transactionId":"tx-42"},
            "meterValue":{"timestamp":"2024-05-01T12:00:00Z","sampledValue":{"value":"5"}}}]"#;
        let strict = decode_call(te.as_bytes(), true).unwrap_err();
        assert_eq!(strict.fault.pointer(), "/timestamp");
        assert_eq!(
            decode_call_as(te.as_bytes(), true, Profile::Strict, Dialect::V201)
                .unwrap_err()
                .fault,
            strict.fault
        );
        let (id, request, d) =
            decode_call_as(te.as_bytes(), true, Profile::Lenient, Dialect::V201).unwrap();
        assert_eq!(id, "te-1");
        let Request::TransactionEvent(te) = request else {
            panic!("a TransactionEvent")
        };
        assert_eq!(te.meter_value.unwrap()[0].sampled_value[0].value, 5.0);
        assert_eq!(
            d.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
            [
                "timestamp_without_offset",
                "object_for_array",
                "object_for_array",
                "numeric_string"
            ]
        );
        // The envelope is never relaxed, and a fault left after repairs keeps the id.
        for (frame, code) in [
            (
                r#"[2,"m1","MeterValues",{"evseId":1,"meterValue":[]},1]"#,
                "wrong_arity",
            ),
            (
                r#"[2,"m1","MeterValues",{"evseId":"1","x":1,"meterValue":[]}]"#,
                "wrong_type",
            ),
        ] {
            let ff = decode_call_as(frame.as_bytes(), true, Profile::Lenient, Dialect::V201)
                .unwrap_err();
            assert_eq!(
                (ff.fault.kind.id(), ff.message_id.as_deref()),
                (code, Some("m1"))
            );
        }
    }

    #[test]
    fn repairs_are_bounded() {
        let many: String = (0..MAX_REPAIRS + 1)
            .map(|i| format!(",\"x{i}\":0"))
            .collect();
        let text = format!(
            r#"{{"evseId":1{many},"meterValue":[{{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{{"value":1}}]}}]}}"#
        );
        assert_eq!(lenient(&text).unwrap_err().kind.id(), "unknown_property");
        let fewer: String = (0..MAX_REPAIRS).map(|i| format!(",\"x{i}\":0")).collect();
        let text = text.replace(&many, &fewer);
        assert_eq!(lenient(&text).unwrap().1.warnings.len(), MAX_REPAIRS);
    }
}
