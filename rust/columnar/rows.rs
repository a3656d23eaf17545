//! The row form of `CONTRACT.md` section 4: one row per sampled value, in input order, schema
//! defaults applied, the value normalized; and the error records and replies of a batch.
//!
//! - [`RowColumns`]: the 24 columns as Arrow-shaped builders ([`crate::columnar::columns`]).
//! - [`push_meter_values`], [`push_transaction_event`]: flatten a decoded request into them.
//! - [`normalize`]: `value * 10**multiplier`, k-prefixed units scaled to their base unit, the
//!   result the double nearest to the exact product (as `ocpp_meter.rows.normalize` does).
//! - [`timestamp_micros`]: a [`DateTime`] as microseconds since the epoch, UTC.
//! - [`ErrorColumns`]: one record per rejected frame (index, message id, code, description,
//!   path).
//! - [`Replies`], [`write_accepted`], [`write_rejected`]: the frame a CSMS sends back, if any.
//! - [`Segments`]: builders split into record batches small enough for Arrow's 32-bit offsets.
//!
//! The contract's `int32` columns (`evse_id`, `connector_id`, `multiplier`) hold what OCPP
//! calls an integer (32 bits, Part 2 of the specification); the decoder accepts any 64-bit
//! integer, so a value outside `i32` rejects its frame here with `PropertyConstraintViolation`
//! (`out_of_range`) at the value's path rather than being cut.

use crate::columnar::columns::{
    column_struct, ArrowType, Builder, DictColumn, PrimColumn, Utf8Column,
};
use crate::fault::error::{Fault, FaultKind, Res, Seg};
use crate::json::datetime::DateTime;
use crate::json::value::JsonValue;
use crate::json::writer::write_str;
use crate::ocpp::model::{
    Location, Measurand, MeterValue, MeterValuesRequest, RawEnums, ReadingContext, SampledValue,
};
use crate::ocpp::profile::Warning;
use crate::ocpp::transaction_event::TransactionEventRequest;
use crate::ocppj::frame::{encode_call_error, FrameFault};

/// `measurand` when absent.
pub const DEFAULT_MEASURAND: Measurand = Measurand::EnergyActiveImportRegister;
/// `location` when absent.
pub const DEFAULT_LOCATION: Location = Location::Outlet;
/// `context` when absent.
pub const DEFAULT_CONTEXT: ReadingContext = ReadingContext::SamplePeriodic;
/// `unit` when `unitOfMeasure` or its `unit` is absent.
pub const DEFAULT_UNIT: &str = "Wh";
/// `multiplier` when absent.
pub const DEFAULT_MULTIPLIER: i32 = 0;

/// The k-prefixed units that normalization scales (x1000) to their base unit.
pub const KILO_UNITS: [(&str, &str); 6] = [
    ("kWh", "Wh"),
    ("kW", "W"),
    ("kvarh", "varh"),
    ("kvar", "var"),
    ("kVAh", "VAh"),
    ("kVA", "VA"),
];

/// The base unit of a k-prefixed unit of [`KILO_UNITS`].
pub fn base_unit(unit: &str) -> Option<&'static str> {
    KILO_UNITS.iter().find(|(k, _)| *k == unit).map(|(_, b)| *b)
}

/// `(value * 10**multiplier, unit)`, a k-prefixed unit scaled to its base unit.
///
/// The value is the double nearest to the exact product (ties to even), so it is the same,
/// bit for bit, as the Python `normalize`: overflow gives an infinity of the value's sign,
/// underflow a zero of its sign; zero and non-finite values are returned as they are.
pub fn normalize(value: f64, unit: &str, multiplier: i32) -> (f64, &str) {
    match base_unit(unit) {
        Some(base) => (scale_pow10(value, i64::from(multiplier) + 3), base),
        None => (scale_pow10(value, i64::from(multiplier)), unit),
    }
}

/// Powers of ten up to 1e22 are exact doubles.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `value * 10**exponent`, correctly rounded.
///
/// With `|exponent| <= 22` the power is an exact double, so one multiplication (or division)
/// is correctly rounded by IEEE 754. Beyond that, [`scale_exactly`] rounds the exact decimal
/// product once.
pub fn scale_pow10(value: f64, exponent: i64) -> f64 {
    if exponent == 0 || value == 0.0 || !value.is_finite() {
        return value;
    }
    match exponent {
        1..=22 => value * EXACT_POWERS[exponent as usize],
        -22..=-1 => value / EXACT_POWERS[(-exponent) as usize],
        _ => scale_exactly(value, exponent),
    }
}

/// The exact product rounded once: every finite double is a decimal of at most 767
/// significant digits, which `{:.766e}` writes exactly (Rust's formatting with an explicit
/// precision is exact, not shortest-round-trip); shifting the decimal exponent is exact, and
/// `str::parse::<f64>` rounds a decimal of any length correctly (to an infinity or a zero of
/// the right sign when out of range). Rare path: the k-prefix shift and OCPP multipliers
/// stay far inside +-22.
fn scale_exactly(value: f64, exponent: i64) -> f64 {
    // |value| lies in [4.9e-324, 1.8e308]: these shifts leave the double range for sure.
    if exponent > 700 {
        return f64::INFINITY.copysign(value);
    }
    if exponent < -800 {
        return 0.0f64.copysign(value);
    }
    let text = format!("{value:.766e}");
    let (mantissa, exp) = text
        .split_once('e')
        .expect("`e` formatting has an exponent");
    let exp: i64 = exp.parse().expect("an integer exponent");
    format!("{mantissa}e{}", exp + exponent)
        .parse()
        .expect("a decimal literal")
}

/// Microseconds since 1970-01-01T00:00:00Z. Sub-microsecond digits are dropped toward
/// negative infinity (the floor of the instant): `nanos` is never negative and the seconds
/// are whole, so integer division of `nanos` is that floor even before 1970. Years
/// 0001..=9999 (all [`DateTime`] holds) fit easily in `i64`.
pub fn timestamp_micros(t: &DateTime) -> i64 {
    t.unix_seconds() * 1_000_000 + i64::from(t.nanos / 1_000)
}

column_struct! {
    /// The contract's 24 columns, in order. `measurand` is dictionary-encoded over
    /// [`Measurand::WIRE`] (its indices are the enum's discriminants).
    pub struct RowColumns {
        station_id: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        message_id: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        action: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        evse_id: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        connector_id: PrimColumn<i32> = PrimColumn::new(true), ArrowType::Int32, true;
        transaction_id: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        event_type: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        seq_no: PrimColumn<i64> = PrimColumn::new(true), ArrowType::Int64, true;
        meter_value_index: PrimColumn<i32> = PrimColumn::new(false), ArrowType::Int32, false;
        sampled_value_index: PrimColumn<i32> = PrimColumn::new(false), ArrowType::Int32, false;
        timestamp: PrimColumn<i64> = PrimColumn::new(false), ArrowType::TimestampMicrosUtc, false;
        value: PrimColumn<f64> = PrimColumn::new(false), ArrowType::Float64, false;
        measurand: DictColumn = DictColumn::new(Measurand::WIRE.len()), ArrowType::Dictionary(Measurand::WIRE), false;
        phase: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        location: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        context: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        unit: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        multiplier: PrimColumn<i32> = PrimColumn::new(false), ArrowType::Int32, false;
        normalized_value: PrimColumn<f64> = PrimColumn::new(false), ArrowType::Float64, false;
        normalized_unit: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        signed_meter_data: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        signing_method: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        encoding_method: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        public_key: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
    }
}

column_struct! {
    /// One record per rejected frame: its index in the batch, its message id (null when it
    /// could not be read), the OCPP-J error code, the description and the JSON Pointer.
    pub struct ErrorColumns {
        index: PrimColumn<i64> = PrimColumn::new(false), ArrowType::Int64, false;
        message_id: Utf8Column = Utf8Column::new(true), ArrowType::Utf8, true;
        code: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        description: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        path: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
    }
}

column_struct! {
    /// One record per deviation a non-strict profile accepted in an accepted frame: the
    /// frame's index and message id, the warning's code, JSON Pointer and text as sent.
    pub struct WarningColumns {
        index: PrimColumn<i64> = PrimColumn::new(false), ArrowType::Int64, false;
        message_id: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        code: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        path: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
        raw: Utf8Column = Utf8Column::new(false), ArrowType::Utf8, false;
    }
}

impl WarningColumns {
    /// Appends the warnings of frame `index`.
    pub fn push(&mut self, index: usize, message_id: &str, warnings: &[Warning]) {
        for w in warnings {
            self.index.push(index as i64);
            self.message_id.push(message_id);
            self.code.push(w.code);
            self.path.push(&w.path);
            self.raw.push(&w.raw);
        }
    }
}

impl ErrorColumns {
    /// Appends the record of frame `index`.
    pub fn push(&mut self, index: usize, message_id: Option<&str>, fault: &Fault) {
        self.push_coded(index, message_id, fault, fault.code().as_str());
    }

    /// [`ErrorColumns::push`] with the code as the frame's OCPP version spells it.
    pub fn push_coded(
        &mut self,
        index: usize,
        message_id: Option<&str>,
        fault: &Fault,
        code: &str,
    ) {
        self.index.push(index as i64);
        self.message_id.push_opt(message_id);
        self.code.push(code);
        self.description.push(&fault.description());
        self.path.push(&fault.pointer());
    }
}

/// What every row of one message shares.
pub(crate) struct Head<'a> {
    pub(crate) station_id: &'a str,
    pub(crate) message_id: &'a str,
    pub(crate) action: &'static str,
    pub(crate) evse_id: Option<i32>,
    pub(crate) connector_id: Option<i32>,
    pub(crate) transaction_id: Option<&'a str>,
    pub(crate) event_type: Option<&'static str>,
    pub(crate) seq_no: Option<i64>,
}

/// An `int32` column's value, or the fault at `path` (outermost segment first). The path
/// is a closure so that it is only built on the failure path, not once per row.
pub(crate) fn int32<const N: usize>(v: i64, path: impl FnOnce() -> [Seg; N]) -> Res<i32> {
    i32::try_from(v).map_err(|_| out_of_range(path()))
}

#[cold]
fn out_of_range<const N: usize>(path: [Seg; N]) -> Box<Fault> {
    path.into_iter()
        .rev()
        .fold(Fault::new(FaultKind::OutOfRange, 0), |f, s| f.within(s))
}

/// Appends the rows of a `MeterValues` request; returns how many. On a fault nothing is
/// appended.
pub fn push_meter_values(
    cols: &mut RowColumns,
    station_id: &str,
    message_id: &str,
    req: &MeterValuesRequest,
) -> Res<usize> {
    let head = Head {
        station_id,
        message_id,
        action: "MeterValues",
        evse_id: Some(int32(req.evse_id, || [Seg::Key("evseId")])?),
        connector_id: None,
        transaction_id: None,
        event_type: None,
        seq_no: None,
    };
    push_rows(cols, &head, &req.meter_value)
}

/// Appends the rows of a `TransactionEvent` request (its meter values; none without
/// `meterValue`); returns how many. On a fault nothing is appended.
pub fn push_transaction_event(
    cols: &mut RowColumns,
    station_id: &str,
    message_id: &str,
    req: &TransactionEventRequest,
) -> Res<usize> {
    let (evse_id, connector_id) = match &req.evse {
        Some(evse) => (
            Some(int32(evse.id, || [Seg::Key("evse"), Seg::Key("id")])?),
            match evse.connector_id {
                Some(c) => Some(int32(c, || [Seg::Key("evse"), Seg::Key("connectorId")])?),
                None => None,
            },
        ),
        None => (None, None),
    };
    let head = Head {
        station_id,
        message_id,
        action: "TransactionEvent",
        evse_id,
        connector_id,
        transaction_id: Some(&req.transaction_info.transaction_id),
        event_type: Some(req.event_type.as_str()),
        seq_no: Some(req.seq_no),
    };
    push_rows(cols, &head, req.meter_value.as_deref().unwrap_or(&[]))
}

fn push_rows(cols: &mut RowColumns, head: &Head<'_>, meter_values: &[MeterValue]) -> Res<usize> {
    let mark = cols.len();
    let result = push_rows_unchecked(cols, head, meter_values);
    if result.is_err() {
        cols.truncate(mark);
    }
    result
}

fn push_rows_unchecked(
    cols: &mut RowColumns,
    head: &Head<'_>,
    meter_values: &[MeterValue],
) -> Res<usize> {
    let mut rows = 0;
    // Signed readings are rare: without any, the four signed columns are nulls for every row
    // of the message, filled once at the end (as the shared columns are) instead of row by row.
    let signed_rows = meter_values.iter().any(|m| {
        m.sampled_value
            .iter()
            .any(|s| s.signed_meter_value.is_some())
    });
    for (m, meter_value) in meter_values.iter().enumerate() {
        let timestamp = timestamp_micros(&meter_value.timestamp);
        for (s, sampled) in meter_value.sampled_value.iter().enumerate() {
            let (unit, multiplier) = match &sampled.unit_of_measure {
                None => (DEFAULT_UNIT, DEFAULT_MULTIPLIER),
                Some(uom) => {
                    let multiplier = match uom.multiplier {
                        None => DEFAULT_MULTIPLIER,
                        Some(v) => int32(v, || {
                            [
                                Seg::Key("meterValue"),
                                Seg::Index(m),
                                Seg::Key("sampledValue"),
                                Seg::Index(s),
                                Seg::Key("unitOfMeasure"),
                                Seg::Key("multiplier"),
                            ]
                        })?,
                    };
                    (uom.unit.as_deref().unwrap_or(DEFAULT_UNIT), multiplier)
                }
            };
            let (normalized_value, normalized_unit) = normalize(sampled.value, unit, multiplier);
            // A frame cannot hold 2**31 array items, so the positions fit.
            cols.meter_value_index.push(m as i32);
            cols.sampled_value_index.push(s as i32);
            cols.timestamp.push(timestamp);
            cols.value.push(sampled.value);
            match sampled.raw_enums() {
                None => {
                    cols.measurand
                        .push(sampled.measurand.unwrap_or(DEFAULT_MEASURAND) as usize);
                    cols.phase.push_opt(sampled.phase.map(|p| p.as_str()));
                    cols.location
                        .push(sampled.location.unwrap_or(DEFAULT_LOCATION).as_str());
                    cols.context
                        .push(sampled.context.unwrap_or(DEFAULT_CONTEXT).as_str());
                }
                Some(raw) => push_raw_enums(cols, sampled, raw),
            }
            cols.unit.push(unit);
            cols.multiplier.push(multiplier);
            cols.normalized_value.push(normalized_value);
            cols.normalized_unit.push(normalized_unit);
            if signed_rows {
                let signed = sampled.signed_meter_value.as_deref();
                cols.signed_meter_data
                    .push_opt(signed.map(|v| v.signed_meter_data.as_str()));
                cols.signing_method
                    .push_opt(signed.and_then(|v| v.signing_method.as_deref()));
                cols.encoding_method
                    .push_opt(signed.map(|v| v.encoding_method.as_str()));
                cols.public_key
                    .push_opt(signed.and_then(|v| v.public_key.as_deref()));
            }
            rows += 1;
        }
    }
    if !signed_rows {
        push_unsigned(cols, rows);
    }
    // The columns every row of the message shares, filled once the rows are known (a fault
    // above leaves them as they were, and `push_rows` truncates the others).
    push_head(cols, head, rows);
    Ok(rows)
}

/// The signed-data columns of `rows` rows without signed data, filled at once.
#[inline(always)]
pub(crate) fn push_unsigned(cols: &mut RowColumns, rows: usize) {
    cols.signed_meter_data.push_n(None, rows);
    cols.signing_method.push_n(None, rows);
    cols.encoding_method.push_n(None, rows);
    cols.public_key.push_n(None, rows);
}

/// Fills the columns that the `rows` last rows of one message share.
#[inline(always)]
pub(crate) fn push_head(cols: &mut RowColumns, head: &Head<'_>, rows: usize) {
    cols.station_id.push_n(Some(head.station_id), rows);
    cols.message_id.push_n(Some(head.message_id), rows);
    cols.action.push_n(Some(head.action), rows);
    cols.evse_id.push_n(head.evse_id, rows);
    cols.connector_id.push_n(head.connector_id, rows);
    cols.transaction_id.push_n(head.transaction_id, rows);
    cols.event_type.push_n(head.event_type, rows);
    cols.seq_no.push_n(head.seq_no, rows);
}

/// The enum columns of a sampled value that holds strings outside its enums (the lenient
/// profile keeps them as sent): the row keeps them too.
#[cold]
fn push_raw_enums(cols: &mut RowColumns, sampled: &SampledValue, raw: &RawEnums) {
    match (sampled.measurand, raw.measurand.as_deref()) {
        (None, Some(other)) => cols.measurand.push_other(other),
        (m, _) => cols.measurand.push(m.unwrap_or(DEFAULT_MEASURAND) as usize),
    }
    let text =
        |known: Option<&'static str>, raw: &Option<Box<str>>, default: Option<&'static str>| {
            known.or(raw.as_deref()).or(default).map(str::to_owned)
        };
    cols.phase
        .push_opt(text(sampled.phase.map(|p| p.as_str()), &raw.phase, None).as_deref());
    let location = text(
        sampled.location.map(|l| l.as_str()),
        &raw.location,
        Some(DEFAULT_LOCATION.as_str()),
    );
    cols.location.push(location.as_deref().unwrap_or_default());
    let context = text(
        sampled.context.map(|c| c.as_str()),
        &raw.context,
        Some(DEFAULT_CONTEXT.as_str()),
    );
    cols.context.push(context.as_deref().unwrap_or_default());
}

/// Builders split into record batches, each within Arrow's 32-bit `utf8` offsets: when a
/// frame's rows would overflow a column, they are undone and written to a new batch. A
/// batch is never split inside a frame.
#[derive(Debug)]
pub struct Segments<B> {
    done: Vec<B>,
    current: B,
    limit: usize,
}

impl<B: Builder> Default for Segments<B> {
    fn default() -> Self {
        Segments::with_limit(crate::columnar::columns::MAX_UTF8_BYTES)
    }
}

impl<B: Builder> Segments<B> {
    /// Segments whose `utf8` columns hold at most `limit` bytes (tests use small limits).
    pub fn with_limit(limit: usize) -> Self {
        Segments {
            done: Vec::new(),
            current: B::default(),
            limit: limit.min(crate::columnar::columns::MAX_UTF8_BYTES),
        }
    }

    /// Runs `write`, which appends one frame's rows (or nothing, with a fault). If the rows
    /// overflow the batch, they are written again to a new one; if they overflow even an empty
    /// batch, nothing is appended and the frame is rejected.
    pub fn push_frame(&mut self, write: impl Fn(&mut B) -> Res<usize>) -> Res<usize> {
        let mark = self.current.len();
        let rows = write(&mut self.current)?;
        if self.fits(&self.current) {
            return Ok(rows);
        }
        self.current.truncate(mark);
        let too_large = || {
            Fault::new(
                FaultKind::BadEnvelope("frame too large for one Arrow record batch"),
                0,
            )
        };
        if mark == 0 {
            return Err(too_large());
        }
        let previous = std::mem::take(&mut self.current);
        match write(&mut self.current) {
            Ok(rows) if self.fits(&self.current) => {
                self.done.push(previous);
                Ok(rows)
            }
            // Too large even alone: the batch before it stays open.
            result => {
                self.current = previous;
                result.and_then(|_| Err(too_large()))
            }
        }
    }

    fn fits(&self, b: &B) -> bool {
        b.fits_within(self.limit)
    }

    /// The current builder, to append to directly (for rows that cannot overflow).
    pub fn current(&mut self) -> &mut B {
        &mut self.current
    }

    /// Appends `other`'s batches after these, merging across the seam when they fit.
    pub fn append(&mut self, other: Segments<B>) {
        for b in other.done.into_iter().chain([other.current]) {
            if b.is_empty() {
                continue;
            }
            if self.current.is_empty() {
                self.current = b;
            } else if self.current.can_take_within(&b, self.limit) {
                self.current.append(b);
            } else {
                self.done.push(std::mem::replace(&mut self.current, b));
            }
        }
    }

    /// Total rows.
    pub fn len(&self) -> usize {
        self.done.iter().map(B::len).sum::<usize>() + self.current.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The batches in order; at least one (possibly empty), so the schema always travels.
    pub fn into_batches(self) -> Vec<B> {
        let mut all = self.done;
        if all.is_empty() || !self.current.is_empty() {
            all.push(self.current);
        }
        all
    }

    /// The batches in order, borrowed.
    pub fn batches(&self) -> impl Iterator<Item = &B> {
        self.done
            .iter()
            .chain((self.done.is_empty() || !self.current.is_empty()).then_some(&self.current))
    }
}

/// The reply frame of each input frame, or none, in input order, in one buffer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replies {
    ends: Vec<usize>,
    present: Vec<bool>,
    data: Vec<u8>,
}

impl Replies {
    /// Appends the reply `write` writes, or "no reply" if it returns false (having written
    /// nothing that is kept).
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>) -> bool) {
        let start = self.data.len();
        let present = write(&mut self.data);
        if !present {
            self.data.truncate(start);
        }
        self.ends.push(self.data.len());
        self.present.push(present);
    }

    /// Makes room for `frames` more replies of `bytes` bytes in all.
    pub fn reserve(&mut self, frames: usize, bytes: usize) {
        self.ends.reserve(frames);
        self.present.reserve(frames);
        self.data.reserve(bytes);
    }

    /// Appends "no reply".
    pub fn push_none(&mut self) {
        self.ends.push(self.data.len());
        self.present.push(false);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The reply to frame `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.present[i].then(|| &self.data[start..self.ends[i]])
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<&[u8]>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Appends the replies of `other`.
    pub fn append(&mut self, other: Replies) {
        let base = self.data.len();
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.present.extend_from_slice(&other.present);
        self.data.extend_from_slice(&other.data);
    }
}

/// `[3,"id",{}]`: the CALLRESULT of an accepted `MeterValues` or `TransactionEvent` (an empty
/// object is a valid response payload of both).
pub fn write_accepted(message_id: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"[3,");
    write_str(message_id, out);
    out.extend_from_slice(b",{}]");
}

/// The CALLERROR answering a rejected frame, as the dispatcher sends it: its code and
/// description, and details `{"path", "type", "offset"[, "element"][, "message_type"]}`; the
/// id `"-1"` when it could not be read. Writes nothing and returns false for a frame read as a
/// CALLRESULT or CALLERROR (message type 3 or 4): OCPP-J never answers those.
pub fn write_rejected(ff: &FrameFault, out: &mut Vec<u8>) -> bool {
    write_rejected_as(ff, out, |id, fault, details, out| {
        encode_call_error(id, fault.code(), &fault.description(), details, out)
    })
}

/// [`write_rejected`] with the CALLERROR written by `encode` (message id, fault, details):
/// a 1.6 connection spells the codes its own way.
pub(crate) fn write_rejected_as(
    ff: &FrameFault,
    out: &mut Vec<u8>,
    encode: impl FnOnce(&str, &Fault, &JsonValue, &mut Vec<u8>),
) -> bool {
    if matches!(ff.message_type, Some(3 | 4)) {
        return false;
    }
    let fault = &ff.fault;
    let mut details = vec![
        ("path".to_owned(), JsonValue::Str(fault.pointer())),
        (
            "type".to_owned(),
            JsonValue::Str(fault.kind.id().to_owned()),
        ),
        ("offset".to_owned(), JsonValue::Int(fault.offset as i64)),
    ];
    if let Some(element) = fault.element {
        details.push(("element".to_owned(), JsonValue::Int(element as i64)));
    }
    if let Some(t) = ff.message_type {
        details.push(("message_type".to_owned(), JsonValue::Int(i64::from(t))));
    }
    encode(
        ff.message_id.as_deref().unwrap_or("-1"),
        fault,
        &JsonValue::Object(details),
        out,
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::datetime::DateTime;
    use crate::ocpp::decode::from_slice;

    fn exact_reference(value: f64, exponent: i64) -> f64 {
        scale_exactly(value, exponent)
    }

    #[test]
    fn normalize_follows_the_python_examples() {
        assert_eq!(normalize(2.5, "kWh", 0), (2500.0, "Wh"));
        assert_eq!(normalize(12345.0, "Wh", -3), (12.345, "Wh"));
        assert_eq!(normalize(7.0, "kvarh", -3), (7.0, "varh"));
        assert_eq!(normalize(1.5, "kVA", 1), (15000.0, "VA"));
        assert_eq!(normalize(3.0, "A", 2), (300.0, "A"));
        assert_eq!(normalize(3.0, "Celsius", 0), (3.0, "Celsius"));
        // Only the listed k-prefixes: "kWH" and "kA" are other units, kept as they are.
        assert_eq!(normalize(3.0, "kWH", 0), (3.0, "kWH"));
        assert_eq!(normalize(3.0, "kA", 0), (3.0, "kA"));
        // A negative zero stays one; zero is never scaled.
        let (z, _) = normalize(-0.0, "kWh", 400);
        assert!(z == 0.0 && z.is_sign_negative());
    }

    #[test]
    fn large_exponents_round_the_exact_product_once() {
        // 0.1 is 0.1000000000000000055511151231257827...: its exact product with 1e23 rounds
        // to the double 1.0000000000000001e22 ... or not: compare with the literal's parse.
        assert_eq!(
            scale_pow10(0.1, 23),
            "0.1000000000000000055511151231257827021181583404541015625e23"
                .parse::<f64>()
                .unwrap()
        );
        // The classic case where shortest-digits arithmetic would differ from exact: 1e23 is
        // not a double; 1.0 * 10**23 rounds to the nearest, 9.999999999999999e22.
        assert_eq!(scale_pow10(1.0, 23), 1e23);
        assert_eq!(scale_pow10(1.0, 23).to_bits(), 0x44B52D02C7E14AF6);
        // Overflow and underflow, with the value's sign.
        assert_eq!(scale_pow10(1.0, 309), f64::INFINITY);
        assert_eq!(scale_pow10(-1.0, 309), f64::NEG_INFINITY);
        assert_eq!(scale_pow10(1.7e308, 1), f64::INFINITY);
        assert_eq!(scale_pow10(1.0, i64::from(i32::MAX) + 3), f64::INFINITY);
        let tiny = scale_pow10(-1.0, -400);
        assert!(tiny == 0.0 && tiny.is_sign_negative());
        assert_eq!(scale_pow10(1.0, i64::from(i32::MIN)), 0.0);
        // Into the subnormals: the smallest double is 4.94065645841246544...e-324.
        assert_eq!(scale_pow10(4.940_656_458_412_466, -324), f64::from_bits(1));
        assert_eq!(
            scale_pow10(2.4, -324),
            0.0,
            "below half the smallest double"
        );
        assert_eq!(
            scale_pow10(2.5, -324),
            f64::from_bits(1),
            "above half of it"
        );
        assert_eq!(scale_pow10(5e-324, 340), 4.940_656_458_412_466e16);
    }

    /// Within +-22 one IEEE operation is correctly rounded; the exact path must agree with it
    /// on every value, which checks the exact path against an independent method.
    #[test]
    fn the_exact_path_agrees_with_exact_powers() {
        let mut next = crate::test_support::xorshift(0x2545_F491_4F6C_DD1D);
        for _ in 0..4_000 {
            let bits = next();
            let value = f64::from_bits(bits);
            if !value.is_finite() || value == 0.0 {
                continue;
            }
            let exponent = (next() % 45) as i64 - 22;
            let fast = scale_pow10(value, exponent);
            let exact = exact_reference(value, exponent);
            assert_eq!(
                fast.to_bits(),
                exact.to_bits(),
                "{value:e} * 1e{exponent}: {fast:e} vs {exact:e}"
            );
        }
    }

    #[test]
    fn timestamps_are_floored_microseconds() {
        let t = |s: &str| timestamp_micros(&DateTime::parse(s).unwrap());
        assert_eq!(t("1970-01-01T00:00:00Z"), 0);
        assert_eq!(t("2024-01-01T00:00:00.123456789Z"), 1_704_067_200_123_456);
        assert_eq!(t("2024-01-01T01:00:00+01:00"), 1_704_067_200_000_000);
        assert_eq!(t("1969-12-31T23:59:59.9999995Z"), -1);
        assert_eq!(t("1969-12-31T23:59:59.000001Z"), -999_999);
        assert_eq!(t("0001-01-01T00:00:00Z"), -62_135_596_800_000_000);
        assert_eq!(t("9999-12-31T23:59:59.999999999Z"), 253_402_300_799_999_999);
    }

    fn mv(text: &str) -> MeterValuesRequest {
        from_slice(text.as_bytes(), false).unwrap()
    }

    #[test]
    fn rows_carry_defaults_and_normalized_values() {
        let req = mv(r#"{"evseId":2,"meterValue":[
              {"timestamp":"2024-01-01T00:00:00Z","sampledValue":[
                {"value":1.5},
                {"value":230.1,"measurand":"Voltage","phase":"L1-N","location":"Inlet",
                 "context":"Sample.Clock","unitOfMeasure":{"unit":"V"}},
                {"value":12,"unitOfMeasure":{"unit":"kWh","multiplier":-1},
                 "signedMeterValue":{"signedMeterData":"d","signingMethod":"m","encodingMethod":"e","publicKey":"k"}}]},
              {"timestamp":"2024-01-01T00:00:01.5Z","sampledValue":[{"value":3,"unitOfMeasure":{"multiplier":2}}]}]}"#);
        let mut cols = RowColumns::default();
        assert_eq!(push_meter_values(&mut cols, "CS1", "m1", &req), Ok(4));
        assert_eq!(cols.len(), 4);
        let s = |c: &Utf8Column| {
            (0..4)
                .map(|i| c.get(i).map(str::to_owned))
                .collect::<Vec<_>>()
        };
        let some = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert_eq!(s(&cols.station_id), some(&["CS1"; 4]));
        assert_eq!(s(&cols.action), some(&["MeterValues"; 4]));
        assert_eq!(s(&cols.transaction_id), vec![None; 4]);
        assert_eq!(
            (0..4).map(|i| cols.evse_id.get(i)).collect::<Vec<_>>(),
            [Some(2); 4]
        );
        assert_eq!(cols.connector_id.get(0), None);
        assert_eq!(cols.seq_no.get(0), None);
        assert_eq!(
            (0..4)
                .map(|i| (
                    cols.meter_value_index.get(i).unwrap(),
                    cols.sampled_value_index.get(i).unwrap()
                ))
                .collect::<Vec<_>>(),
            [(0, 0), (0, 1), (0, 2), (1, 0)]
        );
        assert_eq!(cols.timestamp.get(3), Some(1_704_067_201_500_000));
        assert_eq!(
            (0..4)
                .map(|i| cols.measurand.get(i).unwrap())
                .collect::<Vec<_>>(),
            [
                Measurand::EnergyActiveImportRegister as i32,
                Measurand::Voltage as i32,
                Measurand::EnergyActiveImportRegister as i32,
                Measurand::EnergyActiveImportRegister as i32
            ]
        );
        assert_eq!(
            Measurand::WIRE[Measurand::Voltage as usize],
            "Voltage",
            "indices are positions in the dictionary"
        );
        assert_eq!(s(&cols.phase), vec![None, Some("L1-N".into()), None, None]);
        assert_eq!(
            s(&cols.location),
            some(&["Outlet", "Inlet", "Outlet", "Outlet"])
        );
        assert_eq!(
            s(&cols.context),
            some(&[
                "Sample.Periodic",
                "Sample.Clock",
                "Sample.Periodic",
                "Sample.Periodic"
            ])
        );
        assert_eq!(s(&cols.unit), some(&["Wh", "V", "kWh", "Wh"]));
        assert_eq!(
            (0..4)
                .map(|i| cols.multiplier.get(i).unwrap())
                .collect::<Vec<_>>(),
            [0, 0, -1, 2]
        );
        assert_eq!(
            (0..4)
                .map(|i| cols.value.get(i).unwrap())
                .collect::<Vec<_>>(),
            [1.5, 230.1, 12.0, 3.0]
        );
        assert_eq!(
            (0..4)
                .map(|i| cols.normalized_value.get(i).unwrap())
                .collect::<Vec<_>>(),
            [1.5, 230.1, 1200.0, 300.0]
        );
        assert_eq!(s(&cols.normalized_unit), some(&["Wh", "V", "Wh", "Wh"]));
        assert_eq!(
            s(&cols.signed_meter_data),
            vec![None, None, Some("d".into()), None]
        );
        assert_eq!(
            s(&cols.public_key),
            vec![None, None, Some("k".into()), None]
        );
    }

    #[test]
    fn values_outside_int32_reject_the_frame_and_leave_no_rows() {
        let mut cols = RowColumns::default();
        let ok = mv(
            r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1}]}]}"#,
        );
        push_meter_values(&mut cols, "s", "a", &ok).unwrap();
        let bad = mv(
            r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1},{"value":2,"unitOfMeasure":{"multiplier":2147483648}}]}]}"#,
        );
        let f = push_meter_values(&mut cols, "s", "b", &bad).unwrap_err();
        assert_eq!(
            f.pointer(),
            "/meterValue/0/sampledValue/1/unitOfMeasure/multiplier"
        );
        assert_eq!(
            f.code(),
            crate::fault::error::ErrorCode::PropertyConstraintViolation
        );
        assert_eq!(
            cols.len(),
            1,
            "the first sampled value of the bad frame was undone"
        );
        assert_eq!(cols.message_id.get(0), Some("a"));
        let bad = mv(
            r#"{"evseId":2147483648,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1}]}]}"#,
        );
        let f = push_meter_values(&mut cols, "s", "c", &bad).unwrap_err();
        assert_eq!(f.pointer(), "/evseId");
    }

    #[test]
    fn segments_split_between_frames_when_a_column_would_overflow() {
        let req = mv(
            r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1},{"value":2}]}]}"#,
        );
        // The widest column per frame is `context`: 2 rows of "Sample.Periodic", 30 bytes;
        // a 60-byte limit takes two frames per batch.
        let mut seg = Segments::<RowColumns>::with_limit(60);
        for id in ["a", "b", "c", "d", "e"] {
            seg.push_frame(|c| push_meter_values(c, "0123456789", id, &req))
                .unwrap();
        }
        let sizes: Vec<usize> = seg.batches().map(Builder::len).collect();
        assert_eq!(sizes, [4, 4, 2]);
        let ids: Vec<&str> = seg
            .batches()
            .flat_map(|b| (0..b.len()).map(|i| b.message_id.get(i).unwrap()))
            .collect();
        assert_eq!(ids, ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"]);
        // A frame that cannot fit even alone is refused, and leaves nothing behind.
        let f = seg
            .push_frame(|c| push_meter_values(c, &"x".repeat(31), "f", &req))
            .unwrap_err();
        assert_eq!(f.code(), crate::fault::error::ErrorCode::RpcFrameworkError);
        assert_eq!(seg.len(), 10);
        // Appending merges across the seam only when the result fits.
        let mut other = Segments::<RowColumns>::with_limit(60);
        other
            .push_frame(|c| push_meter_values(c, "0123456789", "g", &req))
            .unwrap();
        seg.append(other);
        assert_eq!(
            seg.batches().map(Builder::len).collect::<Vec<_>>(),
            [4, 4, 4]
        );
    }

    #[test]
    fn replies_answer_calls_only() {
        let mut out = Vec::new();
        write_accepted("a\"1", &mut out);
        assert_eq!(out, br#"[3,"a\"1",{}]"#);
        let ff = crate::ocppj::frame::decode_message(
            br#"[2,"x","MeterValues",{"evseId":-1}]"#,
            false,
            crate::ocppj::frame::Action::MeterValues,
        )
        .unwrap_err();
        let mut out = Vec::new();
        assert!(write_rejected(&ff, &mut out));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            format!(
                r#"[4,"x","PropertyConstraintViolation","value is below the minimum 0 at /evseId",{{"path":"/evseId","type":"below_minimum","offset":{},"message_type":2}}]"#,
                ff.fault.offset
            )
        );
        let ff = crate::ocppj::frame::decode_message(
            b"[2,",
            false,
            crate::ocppj::frame::Action::MeterValues,
        )
        .unwrap_err();
        let mut out = Vec::new();
        assert!(write_rejected(&ff, &mut out));
        assert!(
            out.starts_with(br#"[4,"-1","RpcFrameworkError","#),
            "{out:?}"
        );
        let ff = crate::ocppj::frame::decode_message(
            br#"[3,"r",{"x":1}]"#,
            false,
            crate::ocppj::frame::Action::MeterValues,
        )
        .unwrap_err();
        let mut out = Vec::new();
        assert!(!write_rejected(&ff, &mut out));
        assert!(out.is_empty());

        let mut replies = Replies::default();
        replies.push_with(|o| {
            o.extend_from_slice(b"A");
            true
        });
        replies.push_none();
        replies.push_with(|o| {
            o.extend_from_slice(b"dropped");
            false
        });
        let mut more = Replies::default();
        more.push_with(|o| {
            o.extend_from_slice(b"BC");
            true
        });
        replies.append(more);
        assert_eq!(
            replies.iter().collect::<Vec<_>>(),
            [Some(&b"A"[..]), None, None, Some(&b"BC"[..])]
        );
    }
}
