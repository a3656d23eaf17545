//! The one schema-driven pass: JSON text straight to the Rust model, every constraint of the
//! official OCPP 2.0.1 or 2.1 schema ([`crate::dialect`]) checked while reading, no intermediate
//! tree.
//!
//! Order of checks (the first fault wins, and it is deterministic):
//! 1. The input must be well-formed JSON: a syntax fault anywhere (including invalid UTF-8 or
//!    content after the value) is reported in preference to every validation fault.
//! 2. The payload must be an object.
//! 3. Everything else in document order: a property's key is checked (unknown, duplicate)
//!    before its value; a value's type before its constraints; a missing required property and
//!    an empty array are found when their object or array closes, after the faults inside it,
//!    an array over its `maxItems` at its start, before them; required properties are checked
//!    in the order of the schema's `required` list.

use std::borrow::Cow;

use crate::dialect::Dialect;
use crate::fault::error::{Fault, FaultKind, JsonType, Res, Seg};
use crate::json::datetime::DateTime;
use crate::json::reader::{check_syntax, Allowance, Reader};
use crate::json::value::read_members;
use crate::ocpp::model::*;

/// A schema type that can be read from JSON. `read` is called with the object's `{` next.
pub trait Decode: Sized {
    /// Reads one object of this type (the caller has checked that an object comes next).
    fn read(r: &mut Reader<'_>) -> Res<Self>;
}

/// Decodes a whole JSON text holding one OCPP 2.0.1 `T`, with the precedence rules of this
/// module. Text longer than `max_frame_bytes` ([`crate::fault::limits`]) is refused unread
/// (`FormatViolation`).
pub fn from_slice<T: Decode>(buf: &[u8], trusted_utf8: bool) -> Res<T> {
    from_slice_in(buf, trusted_utf8, Dialect::V201)
}

/// [`from_slice`] for a `T` of `dialect`'s schema.
pub fn from_slice_in<T: Decode>(buf: &[u8], trusted_utf8: bool, dialect: Dialect) -> Res<T> {
    let limit = crate::fault::limits::max_frame_bytes();
    if buf.len() > limit {
        return Err(Fault::new(FaultKind::TooLarge { limit }, 0));
    }
    let r = Reader::new(buf, trusted_utf8).with_dialect(dialect);
    decode_with(r, buf, trusted_utf8)
}

/// Decodes `buf`, a whole JSON text holding one `T`, with `r`: a reader over it with its own
/// settings. No size limit: the caller applies it.
pub(crate) fn decode_with<T: Decode>(mut r: Reader<'_>, buf: &[u8], trusted_utf8: bool) -> Res<T> {
    let res = match r.peek_type() {
        Ok(JsonType::Object) => T::read(&mut r).and_then(|v| r.finish().map(|()| v)),
        Ok(_) => Err(r.fault(FaultKind::PayloadNotObject)),
        Err(e) => Err(e),
    };
    res.map_err(|e| prefer_syntax_fault(buf, trusted_utf8, e))
}

/// A syntax fault anywhere outranks a validation fault: look for one, on the failure path only.
#[cold]
#[inline(never)]
pub fn prefer_syntax_fault(buf: &[u8], trusted_utf8: bool, fault: Box<Fault>) -> Box<Fault> {
    if fault.kind.is_syntax() {
        return fault;
    }
    check_syntax(buf, trusted_utf8).unwrap_or(fault)
}

#[cold]
fn wrong_type(r: &Reader<'_>, expected: JsonType, found: JsonType) -> Box<Fault> {
    r.fault(FaultKind::WrongType { expected, found })
}

#[cold]
pub(crate) fn duplicate_key(key: &'static str, at: usize) -> Box<Fault> {
    Fault::new(FaultKind::DuplicateKey(key.into()), at).within(Seg::Key(key))
}

#[cold]
pub(crate) fn missing(r: &Reader<'_>, key: &'static str) -> Box<Fault> {
    r.fault(FaultKind::MissingProperty(key))
        .within(Seg::Key(key))
}

/// Checks the type of the next value from its first byte; whitespace takes the slow path.
#[inline(always)]
pub(crate) fn expect_type(r: &mut Reader<'_>, expected: JsonType) -> Res<()> {
    let ok = matches!(
        (r.current(), expected),
        (Some(b'"'), JsonType::String)
            | (Some(b'{'), JsonType::Object)
            | (Some(b'['), JsonType::Array)
            | (Some(b'-' | b'0'..=b'9'), JsonType::Number)
    );
    if ok {
        Ok(())
    } else {
        expect_type_slow(r, expected)
    }
}

#[cold]
#[inline(never)]
fn expect_type_slow(r: &mut Reader<'_>, expected: JsonType) -> Res<()> {
    let found = r.peek_type()?;
    if found == expected {
        Ok(())
    } else {
        Err(wrong_type(r, expected, found))
    }
}

/// A string of at most `max` code points (byte length is checked first: it bounds the count).
/// Always inlined, like [`number`]: the 2.1 types' many call sites made the compiler stop
/// inlining it into the hot readers (`UnitOfMeasure::read`).
#[inline(always)]
pub(crate) fn string_max<'a>(r: &mut Reader<'a>, max: usize) -> Res<Cow<'a, str>> {
    expect_type(r, JsonType::String)?;
    let at = r.pos();
    let s = r.read_string()?;
    match check_max_length(&s, max) {
        Err(k) if r.value_checks() => Err(Fault::new(k, at)),
        _ => Ok(s),
    }
}

/// A value of enumeration `T` as the reader's dialect defines it.
#[inline]
pub(crate) fn enumerated<T: WireEnum>(r: &mut Reader<'_>) -> Res<T> {
    expect_type(r, JsonType::String)?;
    let at = r.pos();
    if let Some(v) = r.read_plain_ascii().and_then(T::from_wire) {
        if v.in_dialect(r.dialect()) {
            return Ok(v);
        }
    }
    enumerated_slow(r, at)
}

/// Escapes, non-ASCII, an unknown value or one of another dialect: read the string properly
/// and judge it.
#[cold]
#[inline(never)]
fn enumerated_slow<T: WireEnum>(r: &mut Reader<'_>, at: usize) -> Res<T> {
    r.rewind(at);
    let s = r.read_string()?;
    match T::from_wire(&s).filter(|v| v.in_dialect(r.dialect())) {
        Some(v) => Ok(v),
        None => Err(Fault::new(
            FaultKind::UnknownEnumValue {
                enum_name: T::SCHEMA_NAME,
                value: s.as_ref().into(),
            },
            at,
        )),
    }
}

/// A `type: boolean` value (always inlined, as [`number`] is, for the same reason).
#[inline(always)]
pub(crate) fn boolean(r: &mut Reader<'_>) -> Res<bool> {
    let found = r.peek_type()?;
    if found != JsonType::Boolean {
        return Err(wrong_type(r, JsonType::Boolean, found));
    }
    Ok(r.read_literal()?.unwrap_or_default())
}

/// A `type: number` value, which must be a finite double. Always inlined: with OCPP 2.1's
/// cost types calling it too, the compiler stopped inlining it into `SampledValue::read`, which
/// cost a MeterValues frame 2% more instructions (callgrind).
#[inline(always)]
pub(crate) fn number(r: &mut Reader<'_>) -> Res<f64> {
    expect_type(r, JsonType::Number)?;
    let n = r.read_number()?;
    n.to_f64().map_err(|k| Fault::new(k, n.offset))
}

/// A `type: integer` value (draft-06: any integer-valued number), within 64 bits.
#[inline]
pub(crate) fn integer(r: &mut Reader<'_>) -> Res<i64> {
    if let Some(v) = r.read_short_integer() {
        return Ok(v);
    }
    let found = r.peek_type()?;
    if found != JsonType::Number {
        return Err(wrong_type(r, JsonType::Integer, found));
    }
    let n = r.read_number()?;
    match n.to_i64() {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Fault::new(
            FaultKind::WrongType {
                expected: JsonType::Integer,
                found: JsonType::Number,
            },
            n.offset,
        )),
        Err(k) => Err(Fault::new(k, n.offset)),
    }
}

/// A `type: integer` value with a `minimum` and, if `max` is given, a `maximum`; the bounds are
/// not checked under the `off` profile.
#[inline]
pub(crate) fn integer_within(r: &mut Reader<'_>, min: i64, max: Option<i64>) -> Res<i64> {
    let at = r.pos();
    let v = integer(r)?;
    check_bounds(r, v, at, min, max)?;
    Ok(v)
}

/// Checks integer `v`, read at `at`, against a `minimum` and an optional `maximum` (unless the
/// reader skips value checks). Inline, with the fault built out of line: it runs on hot fields.
#[inline(always)]
pub(crate) fn check_bounds(
    r: &Reader<'_>,
    v: i64,
    at: usize,
    min: i64,
    max: Option<i64>,
) -> Res<()> {
    if (v < min || max.is_some_and(|m| v > m)) && r.value_checks() {
        return Err(out_of_bounds(v, at, min, max));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn out_of_bounds(v: i64, at: usize, min: i64, max: Option<i64>) -> Box<Fault> {
    let kind = match max {
        Some(max) if v > max => FaultKind::AboveMaximum { max },
        _ => FaultKind::BelowMinimum { min },
    };
    Fault::new(kind, at)
}

#[inline]
pub(crate) fn date_time(r: &mut Reader<'_>) -> Res<DateTime> {
    expect_type(r, JsonType::String)?;
    let at = r.pos();
    let s = r.read_string()?;
    DateTime::parse(&s).map_err(|reason| Fault::new(FaultKind::BadDateTime(reason), at))
}

#[inline]
pub(crate) fn object<T: Decode>(r: &mut Reader<'_>) -> Res<T> {
    expect_type(r, JsonType::Object)?;
    T::read(r)
}

/// An array of objects with `minItems: 1`.
#[inline]
pub(crate) fn non_empty_array<T: Decode>(r: &mut Reader<'_>, capacity: usize) -> Res<Vec<T>> {
    items_of(r, (1, None), capacity, object::<T>)
}

/// An array whose items `item` reads (a fault in one points into it), with at least `min`
/// items; an empty one also when `empty` is an allowance the reader has left (1.6's lenient
/// reading).
#[inline(always)]
pub(crate) fn items_of<T>(
    r: &mut Reader<'_>,
    (min, empty): (usize, Option<Allowance>),
    capacity: usize,
    mut item: impl FnMut(&mut Reader<'_>) -> Res<T>,
) -> Res<Vec<T>> {
    expect_type(r, JsonType::Array)?;
    let at = r.pos();
    r.begin_array();
    let mut items = Vec::with_capacity(capacity);
    let mut first = true;
    while r.next_item(&mut first)? {
        items.push(item(r).map_err(|e| e.within(Seg::Index(items.len())))?);
    }
    if items.len() < min && !(items.is_empty() && empty.is_some_and(|a| r.take_allowance(a))) {
        return Err(Fault::new(FaultKind::TooFewItems { min }, at));
    }
    Ok(items)
}

/// An array of objects with `minItems: 1` and `maxItems: max`. The items are counted first, so
/// that too many is reported at the array's start, before any fault inside it (as a schema
/// validator reports it, and where its pointer points); only 2.1's rare arrays pay for it.
pub(crate) fn bounded_array<T: Decode>(r: &mut Reader<'_>, max: usize) -> Res<Vec<T>> {
    expect_type(r, JsonType::Array)?;
    let count = count_at_most(r, max)?;
    non_empty_array(r, count)
}

/// The number of items of the array next in `r`, left unread: too many is reported at the
/// array's start, before any fault inside it (as a schema validator reports `maxItems`).
pub(crate) fn count_at_most(r: &mut Reader<'_>, max: usize) -> Res<usize> {
    let at = r.pos();
    r.begin_array();
    let mut count = 0;
    let mut first = true;
    while r.next_item(&mut first)? {
        r.skip_value()?;
        count += 1;
    }
    if count > max {
        return Err(Fault::new(FaultKind::TooManyItems { max }, at));
    }
    r.rewind(at);
    Ok(count)
}

pub(crate) fn custom_data(r: &mut Reader<'_>) -> Res<Box<CustomData>> {
    object::<CustomData>(r).map(Box::new)
}

/// Iterates the members of an object whose keys are `$keys`: rejects a repeated key, then runs
/// the arm for the key's index, whose error gets the key on its path.
macro_rules! fields {
    ($r:ident, $keys:ident, { $($index:literal => $slot:ident = $read:expr,)* }) => {
        $crate::ocpp::decode::each_field!($r, $keys, |index| match index {
            $($index => $slot = Some($read.map_err(|e| e.within($crate::fault::error::Seg::Key($keys[$index])))?),)*
            _ => unreachable!("next_field returns an index into the keys"),
        })
    };
}
pub(crate) use fields;

/// The member loop of every object decoder ([`fields!`]'s and `ocpp_type!`'s): `$body` runs for
/// each member whose key is one of `$keys`, with its index bound to `$index`; a key seen twice
/// is refused at its second occurrence.
macro_rules! each_field {
    ($r:ident, $keys:expr, |$index:ident| $body:expr) => {{
        let mut seen = 0u32;
        let mut first = true;
        let mut hint = 0;
        while let Some($index) = $r.next_field(&mut first, &mut hint, $keys)? {
            let bit = 1u32 << $index;
            if seen & bit != 0 {
                return Err($crate::ocpp::decode::duplicate_key(
                    $keys[$index],
                    $r.key_at(),
                ));
            }
            seen |= bit;
            $body
        }
    }};
}
pub(crate) use each_field;

impl Decode for CustomData {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let mut vendor_id: Option<String> = None;
        let extra = read_members(r, 0, |r, key| {
            if key != "vendorId" {
                return Ok(false);
            }
            vendor_id = Some(string_max(r, MAX_VENDOR_ID)?.into_owned());
            Ok(true)
        })?;
        let vendor_id = vendor_id.ok_or_else(|| missing(r, "vendorId"))?;
        Ok(CustomData { vendor_id, extra })
    }
}

const UNIT_OF_MEASURE_KEYS: &[&str] = &["unit", "multiplier", "customData"];

impl Decode for UnitOfMeasure {
    /// Always inlined into its one caller, `SampledValue::read`: returned from a call, the unit
    /// went through memory, and reading it back stalled on the stores just made (perf: 7% of
    /// `SampledValue::read`'s time sat on that load).
    #[inline(always)]
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut unit, mut multiplier, mut custom) = (None, None, None);
        fields!(r, UNIT_OF_MEASURE_KEYS, {
            0 => unit = string_max(r, MAX_UNIT).map(|s| intern_unit(&s)),
            1 => multiplier = integer(r),
            2 => custom = custom_data(r),
        });
        Ok(UnitOfMeasure {
            unit,
            multiplier,
            custom_data: custom,
        })
    }
}

const SIGNED_METER_VALUE_KEYS: &[&str] = &[
    "signedMeterData",
    "signingMethod",
    "encodingMethod",
    "publicKey",
    "customData",
];

impl Decode for SignedMeterValue {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let v21 = r.dialect() == Dialect::V21;
        let max_data = if v21 {
            MAX_SIGNED_DATA_V21
        } else {
            MAX_SIGNED_DATA
        };
        let (mut data, mut signing, mut encoding, mut key, mut custom) =
            (None, None, None, None, None);
        fields!(r, SIGNED_METER_VALUE_KEYS, {
            0 => data = string_max(r, max_data),
            1 => signing = string_max(r, MAX_METHOD),
            2 => encoding = string_max(r, MAX_METHOD),
            3 => key = string_max(r, MAX_SIGNED_DATA),
            4 => custom = custom_data(r),
        });
        // Required in schema order; 2.1 makes the signing method and the key optional.
        let data = data.ok_or_else(|| missing(r, "signedMeterData"))?;
        if signing.is_none() && !v21 {
            return Err(missing(r, "signingMethod"));
        }
        let encoding = encoding.ok_or_else(|| missing(r, "encodingMethod"))?;
        if key.is_none() && !v21 {
            return Err(missing(r, "publicKey"));
        }
        Ok(SignedMeterValue {
            signed_meter_data: data.into_owned(),
            signing_method: signing.map(Cow::into_owned),
            encoding_method: encoding.into_owned(),
            public_key: key.map(Cow::into_owned),
            custom_data: custom,
        })
    }
}

/// In schema order, which is the order most senders write (it makes the key hints hit).
const SAMPLED_VALUE_KEYS: &[&str] = &[
    "value",
    "context",
    "measurand",
    "phase",
    "location",
    "signedMeterValue",
    "unitOfMeasure",
    "customData",
];

impl Decode for SampledValue {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut value, mut context, mut measurand, mut phase, mut location) =
            (None, None, None, None, None);
        let (mut signed, mut unit, mut custom) = (None, None, None);
        fields!(r, SAMPLED_VALUE_KEYS, {
            0 => value = number(r),
            1 => context = enumerated::<ReadingContext>(r),
            2 => measurand = enumerated::<Measurand>(r),
            3 => phase = enumerated::<Phase>(r),
            4 => location = enumerated::<Location>(r),
            5 => signed = object::<SignedMeterValue>(r).map(Box::new),
            6 => unit = object::<UnitOfMeasure>(r),
            7 => custom = custom_data(r),
        });
        Ok(SampledValue {
            value: value.ok_or_else(|| missing(r, "value"))?,
            context,
            measurand,
            phase,
            location,
            signed_meter_value: signed,
            unit_of_measure: unit,
            rare: Rare::of_custom_data(custom),
        })
    }
}

const METER_VALUE_KEYS: &[&str] = &["timestamp", "sampledValue", "customData"];

impl Decode for MeterValue {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut timestamp, mut sampled, mut custom) = (None, None, None);
        fields!(r, METER_VALUE_KEYS, {
            0 => timestamp = date_time(r),
            1 => sampled = non_empty_array::<SampledValue>(r, 16),
            2 => custom = custom_data(r),
        });
        Ok(MeterValue {
            timestamp: timestamp.ok_or_else(|| missing(r, "timestamp"))?,
            sampled_value: sampled.ok_or_else(|| missing(r, "sampledValue"))?,
            custom_data: custom,
        })
    }
}

const METER_VALUES_REQUEST_KEYS: &[&str] = &["evseId", "meterValue", "customData"];

impl Decode for MeterValuesRequest {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut evse_id, mut meter_value, mut custom) = (None, None, None);
        fields!(r, METER_VALUES_REQUEST_KEYS, {
            // `>= 0`, as its description says (OCPP 2.1 puts it in the schema).
            0 => evse_id = integer_within(r, 0, None),
            1 => meter_value = non_empty_array::<MeterValue>(r, 1),
            2 => custom = custom_data(r),
        });
        Ok(MeterValuesRequest {
            evse_id: evse_id.ok_or_else(|| missing(r, "evseId"))?,
            meter_value: meter_value.ok_or_else(|| missing(r, "meterValue"))?,
            custom_data: custom,
        })
    }
}

const METER_VALUES_RESPONSE_KEYS: &[&str] = &["customData"];

impl Decode for MeterValuesResponse {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let mut custom = None;
        fields!(r, METER_VALUES_RESPONSE_KEYS, {
            0 => custom = custom_data(r),
        });
        Ok(MeterValuesResponse {
            custom_data: custom,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::error::ErrorCode::{self, *};

    const SV: &str = r#"{"value":1}"#;

    fn request(sampled: &str) -> String {
        format!(
            r#"{{"evseId":1,"meterValue":[{{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{sampled}]}}]}}"#
        )
    }

    fn outcome(text: &str) -> Result<MeterValuesRequest, (ErrorCode, String)> {
        from_slice::<MeterValuesRequest>(text.as_bytes(), false)
            .map_err(|f| (f.code(), f.pointer()))
    }

    #[test]
    fn accepts_a_full_request() {
        let full = request(
            r#"{"value":-0.5e1,"context":"Trigger","measurand":"SoC","phase":"L1-N","location":"EV",
               "signedMeterValue":{"signedMeterData":"x","signingMethod":"m","encodingMethod":"e","publicKey":"k"},
               "unitOfMeasure":{"unit":"kWh","multiplier":-3,"customData":{"vendorId":"v","n":[1,{"a":null}]}},
               "customData":{"vendorId":"v"}}"#,
        );
        let r = outcome(&full).unwrap();
        let sv = &r.meter_value[0].sampled_value[0];
        assert_eq!(sv.value, -5.0);
        assert_eq!(sv.measurand, Some(Measurand::SoC));
        assert_eq!(sv.unit_of_measure.as_ref().unwrap().multiplier, Some(-3));
        assert_eq!(
            sv.signed_meter_value
                .as_ref()
                .unwrap()
                .public_key
                .as_deref(),
            Some("k")
        );
    }

    #[test]
    fn what_only_2_1_allows_is_refused_in_2_0_1_as_its_schema_does() {
        let in_dialect = |text: &str, d: Dialect| {
            from_slice_in::<MeterValuesRequest>(text.as_bytes(), false, d)
                .map_err(|f| (f.code(), f.pointer()))
        };
        let sv = "/meterValue/0/sampledValue/0";
        let long = "d".repeat(MAX_SIGNED_DATA_V21);
        let cases: &[(String, ErrorCode, String)] = &[
            (
                request(r#"{"value":1,"measurand":"Display.PresentSOC"}"#),
                PropertyConstraintViolation,
                format!("{sv}/measurand"),
            ),
            (
                request(
                    r#"{"value":1,"measurand":"Energy.Active.Import.LocalGeneration.Register"}"#,
                ),
                PropertyConstraintViolation,
                format!("{sv}/measurand"),
            ),
            (
                request(r#"{"value":1,"location":"Upstream"}"#),
                PropertyConstraintViolation,
                format!("{sv}/location"),
            ),
            (
                request(
                    r#"{"value":1,"signedMeterValue":{"signedMeterData":"x","encodingMethod":"OCMF"}}"#,
                ),
                OccurrenceConstraintViolation,
                format!("{sv}/signedMeterValue/signingMethod"),
            ),
            (
                request(
                    r#"{"value":1,"signedMeterValue":{"signedMeterData":"x","signingMethod":"m","encodingMethod":"OCMF"}}"#,
                ),
                OccurrenceConstraintViolation,
                format!("{sv}/signedMeterValue/publicKey"),
            ),
            (
                request(&format!(
                    r#"{{"value":1,"signedMeterValue":{{"signedMeterData":"{long}","signingMethod":"m","encodingMethod":"e","publicKey":"k"}}}}"#
                )),
                PropertyConstraintViolation,
                format!("{sv}/signedMeterValue/signedMeterData"),
            ),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                in_dialect(text, Dialect::V201).map(|_| ()),
                Err((*code, path.clone())),
                "{text}"
            );
            assert!(in_dialect(text, Dialect::V21).is_ok(), "{text}");
        }
        // Escaped, a 2.1 value takes the slow path, which applies the dialect too.
        let escaped = request(r#"{"value":1,"location":"Upstr\u0065am"}"#);
        assert_eq!(
            in_dialect(&escaped, Dialect::V201).unwrap_err().0,
            PropertyConstraintViolation
        );
        let r = in_dialect(&escaped, Dialect::V21).unwrap();
        assert_eq!(
            r.meter_value[0].sampled_value[0].location,
            Some(Location::Upstream)
        );
        // 2.1 still has limits of its own.
        let too_long = request(&format!(
            r#"{{"value":1,"signedMeterValue":{{"signedMeterData":"{long}d","encodingMethod":"e"}}}}"#
        ));
        assert_eq!(
            in_dialect(&too_long, Dialect::V21).unwrap_err(),
            (
                PropertyConstraintViolation,
                format!("{sv}/signedMeterValue/signedMeterData")
            )
        );
        let no_encoding = request(r#"{"value":1,"signedMeterValue":{"signedMeterData":"x"}}"#);
        assert_eq!(
            in_dialect(&no_encoding, Dialect::V21).unwrap_err(),
            (
                OccurrenceConstraintViolation,
                format!("{sv}/signedMeterValue/encodingMethod")
            )
        );
    }

    #[test]
    fn each_rule_gives_its_code_and_path() {
        let cases: &[(&str, ErrorCode, &str)] = &[
            (
                r#"{"evseId":1}"#,
                OccurrenceConstraintViolation,
                "/meterValue",
            ),
            (
                r#"{"meterValue":[]}"#,
                OccurrenceConstraintViolation,
                "/meterValue",
            ),
            (
                r#"{"evseId":-1,"meterValue":[]}"#,
                PropertyConstraintViolation,
                "/evseId",
            ),
            (r#"{"evseId":1.5}"#, TypeConstraintViolation, "/evseId"),
            (r#"{"evseId":null}"#, TypeConstraintViolation, "/evseId"),
            (r#"{"evseId":1e19}"#, PropertyConstraintViolation, "/evseId"),
            (
                r#"{"evseId":1,"evseId":2}"#,
                PropertyConstraintViolation,
                "/evseId",
            ),
            (r#"{"evseId":1,"extra":2}"#, ProtocolError, "/extra"),
            (
                r#"{"customData":{}}"#,
                OccurrenceConstraintViolation,
                "/customData/vendorId",
            ),
            (r#"[]"#, FormatViolation, ""),
            (r#"{"evseId":1"#, FormatViolation, ""),
            (r#"{"evseId":"x",}"#, FormatViolation, ""),
            (
                &request(r#"{"value":"1"}"#),
                TypeConstraintViolation,
                "/meterValue/0/sampledValue/0/value",
            ),
            (
                &request(r#"{"value":1e999}"#),
                PropertyConstraintViolation,
                "/meterValue/0/sampledValue/0/value",
            ),
            (
                &request(r#"{"value":1,"phase":"l1"}"#),
                PropertyConstraintViolation,
                "/meterValue/0/sampledValue/0/phase",
            ),
            (
                &request(r#"{"context":"Other"}"#),
                OccurrenceConstraintViolation,
                "/meterValue/0/sampledValue/0/value",
            ),
            (
                &request(&format!(
                    r#"{SV},{{"value":1,"unitOfMeasure":{{"unit":"{}"}}}}"#,
                    "é".repeat(21)
                )),
                PropertyConstraintViolation,
                "/meterValue/0/sampledValue/1/unitOfMeasure/unit",
            ),
            (
                &request(r#"{"value":1,"unitOfMeasure":{"multiplier":"3"}}"#),
                TypeConstraintViolation,
                "/meterValue/0/sampledValue/0/unitOfMeasure/multiplier",
            ),
            (
                &request(r#"{"value":1,"signedMeterValue":{"signedMeterData":"x"}}"#),
                OccurrenceConstraintViolation,
                "/meterValue/0/sampledValue/0/signedMeterValue/signingMethod",
            ),
            (
                &request(r#"{"value":1,"customData":{"vendorId":"v","a":1,"a":2}}"#),
                PropertyConstraintViolation,
                "/meterValue/0/sampledValue/0/customData/a",
            ),
            (
                r#"{"evseId":1,"meterValue":[{"timestamp":"2024-02-30T00:00:00Z","sampledValue":[{"value":1}]}]}"#,
                PropertyConstraintViolation,
                "/meterValue/0/timestamp",
            ),
            (
                r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[]}]}"#,
                OccurrenceConstraintViolation,
                "/meterValue/0/sampledValue",
            ),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                outcome(text).map(|_| ()),
                Err((*code, path.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn a_syntax_fault_anywhere_beats_an_earlier_validation_fault() {
        assert_eq!(
            outcome(r#"{"evseId":-1,"meterValue":[}"#).unwrap_err().0,
            FormatViolation
        );
        assert_eq!(
            outcome("{\"evseId\":-1}\u{0}").unwrap_err().0,
            FormatViolation
        );
    }

    #[test]
    fn escaped_keys_and_values_are_read_as_json_means_them() {
        let text = r#"{"evse\u0049d":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1,"measurand":"So\u0043"}]}]}"#;
        let r = outcome(text).unwrap();
        assert_eq!(r.evse_id, 1);
        assert_eq!(
            r.meter_value[0].sampled_value[0].measurand,
            Some(Measurand::SoC)
        );
    }

    #[test]
    fn whitespace_everywhere_is_fine() {
        let text = " { \"evseId\" : 1 ,\n\t\"meterValue\" : [ { \"timestamp\" : \"2024-01-01T00:00:00Z\" , \"sampledValue\" : [ { \"value\" : 1 } ] } ] } ";
        assert!(outcome(text).is_ok());
    }
}
