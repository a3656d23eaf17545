//! The one pass from JSON text to the 1.6 model ([`super::model`]), every constraint of the
//! OCPP 1.6J schemas (draft-04) checked while reading, in the order [`crate::ocpp::decode`] documents
//! for 2.0.1, with what 1.6 adds:
//! - `type: integer` is draft-04's: an integer written without fraction or exponent (`1.0` and
//!   `1e2` are numbers, not integers, as a draft-04 validator reads them).
//! - A sampled value's `value` is a string of decimal text (`-?digits[.digits]`), unless its
//!   `format` is `SignedData`; since `format` may come after `value`, the text is judged when
//!   the sampled value's object closes, after the faults inside it and its missing `value`.
//! - `connectorId` is `>= 0` in MeterValues and `> 0` in StartTransaction (the 1.6
//!   specification's field descriptions; the schemas only say integer).
//! - `Hertz` is a unit of MeterValues' schema, not of StopTransaction's `transactionData`, and
//!   only MeterValues gives `sampledValue` a `minItems` of 1, as the two schema files have it.

use std::borrow::Cow;

use crate::fault::error::{Fault, FaultKind, JsonType, Res, Seg};
use crate::json::reader::{exact_scaled, parse_finite, Allowance, Reader};
use crate::ocpp::decode::{
    check_bounds, date_time, enumerated, expect_type, fields, items_of, missing, string_max, Decode,
};

use crate::ocpp::model::WireEnum;

use super::model::*;

/// A draft-04 `type: integer` value within 64 bits.
#[inline]
pub(crate) fn integer(r: &mut Reader<'_>) -> Res<i64> {
    let found = r.peek_type()?;
    if found != JsonType::Number {
        return Err(r.fault(FaultKind::WrongType {
            expected: JsonType::Integer,
            found,
        }));
    }
    let n = r.read_number()?;
    if !n.plain_integer {
        return Err(Fault::new(
            FaultKind::WrongType {
                expected: JsonType::Integer,
                found: JsonType::Number,
            },
            n.offset,
        ));
    }
    match n.to_i64() {
        Ok(Some(v)) => Ok(v),
        Ok(None) => unreachable!("a plain integer token is an integer"),
        Err(k) => Err(Fault::new(k, n.offset)),
    }
}

/// A draft-04 integer of at least `min`.
fn integer_at_least(r: &mut Reader<'_>, min: i64) -> Res<i64> {
    let at = r.pos();
    let v = integer(r)?;
    check_bounds(r, v, at, min, None)?;
    Ok(v)
}

/// The number decimal text stands for: `-?digits[.digits]`, finite as a double.
///
/// One pass checks the text and gathers its digits; a reading of at most 19 digits whose
/// value a double holds exactly (the usual meter reading) is then scaled by an exact power of
/// ten, which rounds correctly ([`exact_scaled`], as a JSON number token is read); anything else
/// goes to `f64::from_str`, also correctly rounded.
#[inline]
pub fn decimal(text: &str) -> Result<f64, FaultKind> {
    let bytes = text.as_bytes();
    let negative = bytes.first() == Some(&b'-');
    let mut mantissa = 0u64;
    // The integer digits, then, after one point, the fraction's.
    let (int_digits, mut end) = digits(bytes, usize::from(negative), &mut mantissa);
    let mut places = 0;
    if bytes.get(end) == Some(&b'.') {
        (places, end) = digits(bytes, end + 1, &mut mantissa);
        if places == 0 {
            return Err(FaultKind::NotDecimal(text.into()));
        }
    }
    if int_digits == 0 || end != bytes.len() {
        return Err(FaultKind::NotDecimal(text.into()));
    }
    if int_digits + places <= 19 {
        if let Some(v) = exact_scaled(mantissa, -(places as i64), negative) {
            return Ok(v);
        }
    }
    // Digits with one optional point are a subset of what `f64::from_str` reads.
    parse_finite(text, || FaultKind::NotDecimal(text.into()))
}

/// The run of ASCII digits from `start`, appended to `mantissa` (wrapping: only runs of at most
/// 19 digits in all are used); how many, and where the run ends.
#[inline(always)]
fn digits(bytes: &[u8], start: usize, mantissa: &mut u64) -> (usize, usize) {
    let mut i = start;
    while let Some(d) = bytes
        .get(i)
        .map(|b| b.wrapping_sub(b'0'))
        .filter(|d| *d < 10)
    {
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
    (i - start, i)
}

/// An array of objects read by `item`, with at least `min` items; an empty one also when
/// `empty` is an allowance the reader has left (the lenient reading).
#[inline]
fn array_of<T>(
    r: &mut Reader<'_>,
    bounds: (usize, Option<Allowance>),
    capacity: usize,
    mut item: impl FnMut(&mut Reader<'_>) -> Res<T>,
) -> Res<Vec<T>> {
    items_of(r, bounds, capacity, |r| {
        expect_type(r, JsonType::Object).and_then(|()| item(r))
    })
}

/// Which message a meter value is read in: their schemas differ (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum In {
    MeterValues,
    TransactionData,
}

const SAMPLED_VALUE_KEYS: &[&str] = &[
    "value",
    "context",
    "format",
    "measurand",
    "phase",
    "location",
    "unit",
];

/// A value of a 1.6 enumeration: the plain-ASCII fast path of [`enumerated`], always inlined
/// into the sampled value's reader, else [`enumerated`] itself (which runs its fast path again:
/// calling its slow reader here instead, directly or from one cold function, cost a 1.6 batch
/// 3% more instructions in `meter_value`, callgrind). Marking [`enumerated`] always
/// inlined instead changed what the compiler made of 2.0.1's `SampledValue::read` (callgrind:
/// about 60 instructions more a 2.0.1 reading); left to itself, it called [`enumerated`] out
/// of line here once `sampled_value` was inlined (about 70 more a 1.6 reading).
#[inline(always)]
fn enum16<T: WireEnum>(r: &mut Reader<'_>) -> Res<T> {
    let at = r.pos();
    if r.current() == Some(b'"') {
        if let Some(v) = r.read_plain_ascii().and_then(T::from_wire) {
            if v.in_dialect(r.dialect()) {
                return Ok(v);
            }
        }
        r.rewind(at);
    }
    enumerated::<T>(r)
}

/// A unit, refusing `Hertz` where the schema of `within` does not list it.
#[inline(always)]
fn unit(r: &mut Reader<'_>, within: In) -> Res<Unit> {
    let at = r.pos();
    let u = enum16::<Unit>(r)?;
    if within == In::TransactionData && !u.in_transaction_data() {
        return Err(Fault::new(
            FaultKind::UnknownEnumValue {
                enum_name: Unit::SCHEMA_NAME,
                value: u.as_str().into(),
            },
            at,
        ));
    }
    Ok(u)
}

/// A sampled value's `value`. Decimal text is printable ASCII with no escapes, so the plain
/// fast path of the enumerations reads it; anything else is read in full.
#[inline(always)]
fn text_value(r: &mut Reader<'_>) -> Res<Text> {
    expect_type(r, JsonType::String)?;
    let at = r.pos();
    if let Some(s) = r.read_plain_ascii() {
        return Ok(Text::new(s));
    }
    r.rewind(at);
    // A string read with escapes is already owned: kept as it is, not copied again.
    string_max(r, usize::MAX).map(|s| match s {
        Cow::Borrowed(s) => Text::new(s),
        Cow::Owned(s) => Text::from(s),
    })
}

/// Always inlined into [`meter_value`], as 2.0.1's `UnitOfMeasure::read` is into its caller:
/// returned from a call, the sampled value went through memory, and its move into the vector
/// loaded it back in wider loads than the stores just made, which stalled until they retired
/// (perf, a batch of typical 1.6 frames: over half of `meter_value`'s own time sat on that).
#[inline(always)]
pub(crate) fn sampled_value(r: &mut Reader<'_>, within: In) -> Res<SampledValue> {
    r.begin_object();
    let (mut value, mut context, mut format, mut measurand) = (None, None, None, None);
    let (mut phase, mut location, mut unit_of) = (None, None, None);
    let mut value_at = 0;
    fields!(r, SAMPLED_VALUE_KEYS, {
        0 => value = {
            value_at = r.pos();
            text_value(r)
        },
        1 => context = enum16::<ReadingContext>(r),
        2 => format = enum16::<ValueFormat>(r),
        3 => measurand = enum16::<Measurand>(r),
        4 => phase = enum16::<Phase>(r),
        5 => location = enum16::<Location>(r),
        6 => unit_of = unit(r, within),
    });
    let value = value.ok_or_else(|| missing(r, "value"))?;
    let number = if format == Some(ValueFormat::SignedData) {
        None
    } else {
        match decimal(&value) {
            Ok(v) => Some(v),
            Err(_) if value.is_empty() && r.take_allowance(Allowance::EmptyValue) => None,
            Err(k) => return Err(Fault::new(k, value_at).within(Seg::Key("value"))),
        }
    };
    Ok(SampledValue {
        value,
        number,
        context,
        format,
        measurand,
        phase,
        location,
        unit: unit_of,
    })
}

const METER_VALUE_KEYS: &[&str] = &["timestamp", "sampledValue"];

pub(crate) fn meter_value(r: &mut Reader<'_>, within: In) -> Res<MeterValue> {
    r.begin_object();
    let (mut timestamp, mut sampled) = (None, None);
    let min = usize::from(within == In::MeterValues);
    fields!(r, METER_VALUE_KEYS, {
        0 => timestamp = date_time(r),
        // Room for 16, as 2.0.1's: a meter value of a dozen readings is common, and growing
        // the vector from 8 copied it.
        1 => sampled = array_of(r, (min, Some(Allowance::EmptySampledValue)), 16, |r| {
            sampled_value(r, within)
        }),
    });
    Ok(MeterValue {
        timestamp: timestamp.ok_or_else(|| missing(r, "timestamp"))?,
        sampled_value: sampled.ok_or_else(|| missing(r, "sampledValue"))?,
    })
}

/// A bare sampled value or meter value (`from_json` of their classes) is read as in a
/// MeterValues request, whose schema is the wider one (it lists `Hertz`).
impl Decode for SampledValue {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        sampled_value(r, In::MeterValues)
    }
}

impl Decode for MeterValue {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        meter_value(r, In::MeterValues)
    }
}

const METER_VALUES_REQUEST_KEYS: &[&str] = &["connectorId", "transactionId", "meterValue"];

impl Decode for MeterValuesRequest {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut connector, mut transaction, mut meter) = (None, None, None);
        fields!(r, METER_VALUES_REQUEST_KEYS, {
            0 => connector = integer_at_least(r, 0),
            1 => transaction = integer(r),
            2 => meter = array_of(r, (1, None), 1, |r| meter_value(r, In::MeterValues)),
        });
        Ok(MeterValuesRequest {
            connector_id: connector.ok_or_else(|| missing(r, "connectorId"))?,
            transaction_id: transaction,
            meter_value: meter.ok_or_else(|| missing(r, "meterValue"))?,
        })
    }
}

impl Decode for MeterValuesResponse {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        // No properties: any key is an unknown one.
        let (mut first, mut hint) = (true, 0);
        let none = r.next_field(&mut first, &mut hint, &[])?;
        debug_assert!(none.is_none(), "no key matches an empty list");
        Ok(MeterValuesResponse)
    }
}

const START_KEYS: &[&str] = &[
    "connectorId",
    "idTag",
    "meterStart",
    "reservationId",
    "timestamp",
];

impl Decode for StartTransactionRequest {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut connector, mut id_tag, mut meter, mut reservation, mut timestamp) =
            (None, None, None, None, None);
        fields!(r, START_KEYS, {
            0 => connector = integer_at_least(r, 1),
            1 => id_tag = string_max(r, MAX_ID_TAG).map(|s| s.into_owned()),
            2 => meter = integer(r),
            3 => reservation = integer(r),
            4 => timestamp = date_time(r),
        });
        Ok(StartTransactionRequest {
            connector_id: connector.ok_or_else(|| missing(r, "connectorId"))?,
            id_tag: id_tag.ok_or_else(|| missing(r, "idTag"))?,
            meter_start: meter.ok_or_else(|| missing(r, "meterStart"))?,
            reservation_id: reservation,
            timestamp: timestamp.ok_or_else(|| missing(r, "timestamp"))?,
        })
    }
}

const STOP_KEYS: &[&str] = &[
    "idTag",
    "meterStop",
    "timestamp",
    "transactionId",
    "reason",
    "transactionData",
];

impl Decode for StopTransactionRequest {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut id_tag, mut meter, mut timestamp) = (None, None, None);
        let (mut transaction, mut reason, mut data) = (None, None, None);
        fields!(r, STOP_KEYS, {
            0 => id_tag = string_max(r, MAX_ID_TAG).map(|s| s.into_owned()),
            1 => meter = integer(r),
            2 => timestamp = date_time(r),
            3 => transaction = integer(r),
            4 => reason = enumerated::<Reason>(r),
            5 => data = array_of(r, (0, None), 2, |r| meter_value(r, In::TransactionData)),
        });
        // Required in the order of the schema's `required` list.
        let transaction_id = transaction.ok_or_else(|| missing(r, "transactionId"))?;
        let timestamp = timestamp.ok_or_else(|| missing(r, "timestamp"))?;
        let meter_stop = meter.ok_or_else(|| missing(r, "meterStop"))?;
        Ok(StopTransactionRequest {
            id_tag,
            meter_stop,
            timestamp,
            transaction_id,
            reason,
            transaction_data: data,
        })
    }
}
