//! The Rust types of the OCPP 1.6J meter messages (MeterValues and its response, the
//! StartTransaction and StopTransaction requests; their responses are in [`super::responses`])
//! and the enumerations 1.6 has of its own.
//!
//! 1.6 differs from 2.0.1 in shape, not only in names: a sampled value's `value` is a string
//! of decimal text (or signed data, by its `format`), the unit is an enumeration beside the
//! value rather than a `unitOfMeasure` object with a multiplier, and the measurands are another
//! list (`Temperature` and `RPM`, none of 2.0.1's net or apparent energies). So the types are
//! their own. So are the enumerations whose values 1.6 shares with 2.0.1 (`ReadingContext`,
//! `Phase`, `Location` without 2.1's `Upstream`): read through the 2.0.1 types, they gave the
//! generic enum reader a second caller, and the compiler then inlined it less into 2.0.1's
//! `SampledValue::read` (callgrind: about 4 instructions more a 2.0.1 sampled value).

use crate::json::datetime::DateTime;
use crate::ocpp::model::wire_enum;

/// `maxLength` of `idTag` and `parentIdTag` (`IdToken`, a CiString20).
pub const MAX_ID_TAG: usize = 20;

wire_enum!(
    /// `ReadingContext` of OCPP 1.6 (the values of 2.0.1's `ReadingContextEnumType`).
    ReadingContext, "ReadingContext", {
    InterruptionBegin = "Interruption.Begin",
    InterruptionEnd = "Interruption.End",
    SampleClock = "Sample.Clock",
    SamplePeriodic = "Sample.Periodic",
    TransactionBegin = "Transaction.Begin",
    TransactionEnd = "Transaction.End",
    Trigger = "Trigger",
    Other = "Other",
});

wire_enum!(
    /// `Phase` of OCPP 1.6 (the values of 2.0.1's `PhaseEnumType`).
    Phase, "Phase", {
    L1 = "L1",
    L2 = "L2",
    L3 = "L3",
    N = "N",
    L1N = "L1-N",
    L2N = "L2-N",
    L3N = "L3-N",
    L1L2 = "L1-L2",
    L2L3 = "L2-L3",
    L3L1 = "L3-L1",
});

wire_enum!(
    /// `Location` of OCPP 1.6 (the values of 2.0.1's `LocationEnumType`).
    Location, "Location", {
    Cable = "Cable",
    EV = "EV",
    Inlet = "Inlet",
    Outlet = "Outlet",
    Body = "Body",
});

wire_enum!(
    /// `Measurand` of OCPP 1.6.
    Measurand, "Measurand", {
    EnergyActiveExportRegister = "Energy.Active.Export.Register",
    EnergyActiveImportRegister = "Energy.Active.Import.Register",
    EnergyReactiveExportRegister = "Energy.Reactive.Export.Register",
    EnergyReactiveImportRegister = "Energy.Reactive.Import.Register",
    EnergyActiveExportInterval = "Energy.Active.Export.Interval",
    EnergyActiveImportInterval = "Energy.Active.Import.Interval",
    EnergyReactiveExportInterval = "Energy.Reactive.Export.Interval",
    EnergyReactiveImportInterval = "Energy.Reactive.Import.Interval",
    PowerActiveExport = "Power.Active.Export",
    PowerActiveImport = "Power.Active.Import",
    PowerOffered = "Power.Offered",
    PowerReactiveExport = "Power.Reactive.Export",
    PowerReactiveImport = "Power.Reactive.Import",
    PowerFactor = "Power.Factor",
    CurrentImport = "Current.Import",
    CurrentExport = "Current.Export",
    CurrentOffered = "Current.Offered",
    Voltage = "Voltage",
    Frequency = "Frequency",
    Temperature = "Temperature",
    SoC = "SoC",
    RPM = "RPM",
});

wire_enum!(
    /// `UnitOfMeasure` of OCPP 1.6, with the errata's `Celsius` beside the original `Celcius`.
    /// `Hertz` is in the MeterValues schema only, not in StopTransaction's `transactionData`
    /// (see [`Unit::in_transaction_data`]).
    Unit, "UnitOfMeasure", {
    Wh = "Wh",
    KWh = "kWh",
    Varh = "varh",
    Kvarh = "kvarh",
    W = "W",
    KW = "kW",
    VA = "VA",
    KVA = "kVA",
    Var = "var",
    Kvar = "kvar",
    A = "A",
    V = "V",
    K = "K",
    Celcius = "Celcius",
    Celsius = "Celsius",
    Fahrenheit = "Fahrenheit",
    Percent = "Percent",
    Hertz = "Hertz",
});

impl Unit {
    /// Whether StopTransaction's schema allows the unit in `transactionData` (all but `Hertz`).
    pub fn in_transaction_data(self) -> bool {
        self != Unit::Hertz
    }
}

wire_enum!(
    /// `ValueFormat`: how `value` is to be read.
    ValueFormat, "ValueFormat", {
    Raw = "Raw",
    SignedData = "SignedData",
});

wire_enum!(
    /// `Reason` of a StopTransaction.
    Reason, "Reason", {
    EmergencyStop = "EmergencyStop",
    EVDisconnected = "EVDisconnected",
    HardReset = "HardReset",
    Local = "Local",
    Other = "Other",
    PowerLoss = "PowerLoss",
    Reboot = "Reboot",
    Remote = "Remote",
    SoftReset = "SoftReset",
    UnlockCommand = "UnlockCommand",
    DeAuthorized = "DeAuthorized",
});

wire_enum!(
    /// `AuthorizationStatus` of an `idTagInfo`.
    AuthorizationStatus, "AuthorizationStatus", {
    Accepted = "Accepted",
    Blocked = "Blocked",
    Expired = "Expired",
    Invalid = "Invalid",
    ConcurrentTx = "ConcurrentTx",
});

/// Text kept in place when short (a meter reading's decimal text), else on the heap: a
/// sampled value's `value` then costs no allocation and no free in the usual case (callgrind,
/// a batch of typical 1.6 frames: the frees of the twelve values were a tenth of it).
/// The representation is private: safe code outside this module cannot build an inline text
/// of more than [`INLINE_TEXT`] bytes or of bytes that are not UTF-8, which `as_str` trusts.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE_TEXT] },
    Heap(Box<str>),
}

/// The longest [`Text`] kept in place: the enum is then as large as a `String`.
pub const INLINE_TEXT: usize = 22;

impl Text {
    /// The short text is gathered in three registers by word loads, not copied into a zeroed
    /// buffer by `memcpy`: the bytes were read back from that buffer at once, in loads wider
    /// than the stores just made, which stalled each sampled value's decoding until the stores
    /// retired (perf, a batch of typical 1.6 frames: 8% of `sampled_value`).
    #[inline(always)]
    pub fn new(s: &str) -> Text {
        let b = s.as_bytes();
        let n = b.len();
        if n > INLINE_TEXT {
            return Text(Repr::Heap(s.into()));
        }
        let w0 = word_of(&b[..n.min(8)]);
        let w1 = if n > 8 { word_of(&b[8..n.min(16)]) } else { 0 };
        let w2 = if n > 16 { word_of(&b[16..]) } else { 0 };
        let mut bytes = [0; INLINE_TEXT];
        bytes[..8].copy_from_slice(&w0.to_le_bytes());
        bytes[8..16].copy_from_slice(&w1.to_le_bytes());
        bytes[16..].copy_from_slice(&w2.to_le_bytes()[..INLINE_TEXT - 16]);
        Text(Repr::Inline {
            len: n as u8,
            bytes,
        })
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // SAFETY: only `Text::new` builds the inline form (`Repr` is private), and it copies
            // the first `len` (at most `INLINE_TEXT`) bytes whole from a `&str`: they are UTF-8.
            Repr::Inline { len, bytes } => unsafe {
                std::str::from_utf8_unchecked(&bytes[..usize::from(*len)])
            },
            Repr::Heap(s) => s,
        }
    }

    /// Whether the text is kept in place (for the tests of the two forms).
    #[cfg(test)]
    pub(crate) fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }
}

/// The (at most eight) bytes of `b` as a little-endian word, zero above them, read by at most
/// two loads that stay within `b` (overlapping loads agree on the bytes they share).
#[inline(always)]
fn word_of(b: &[u8]) -> u64 {
    let n = b.len();
    let u32_at = |at: usize| {
        u64::from(u32::from_le_bytes(
            b[at..at + 4].try_into().expect("4 bytes"),
        ))
    };
    match n {
        0 => 0,
        1..=3 => {
            u64::from(b[0])
                | u64::from(b[n / 2]) << (n / 2 * 8)
                | u64::from(b[n - 1]) << ((n - 1) * 8)
        }
        4..=7 => u32_at(0) | u32_at(n - 4) << ((n - 4) * 8),
        _ => u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

#[cfg(test)]
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        if s.len() <= INLINE_TEXT {
            Text::new(&s)
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

/// `SampledValue` of OCPP 1.6.
#[derive(Clone, Debug, PartialEq)]
pub struct SampledValue {
    /// `value` exactly as sent: decimal text, or the signed data when `format` is `SignedData`.
    pub value: Text,
    /// `value` read as a number; `None` for signed data (which is not a number), and for an
    /// empty `value` the lenient profile accepted (no reading).
    pub number: Option<f64>,
    pub context: Option<ReadingContext>,
    pub format: Option<ValueFormat>,
    pub measurand: Option<Measurand>,
    pub phase: Option<Phase>,
    pub location: Option<Location>,
    pub unit: Option<Unit>,
}

impl SampledValue {
    /// True when `value` holds signed data rather than a reading.
    pub fn is_signed(&self) -> bool {
        self.format == Some(ValueFormat::SignedData)
    }
}

/// `MeterValue` of OCPP 1.6.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterValue {
    pub timestamp: DateTime,
    /// At least one in a MeterValues request (none only as the lenient profile accepts it);
    /// StopTransaction's schema allows none.
    pub sampled_value: Vec<SampledValue>,
}

/// The `MeterValues` request payload of OCPP 1.6.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterValuesRequest {
    /// `connectorId`, `>= 0` (0 is the main meter of the charge point).
    pub connector_id: i64,
    pub transaction_id: Option<i64>,
    /// At least one.
    pub meter_value: Vec<MeterValue>,
}

/// The `MeterValues` response payload of OCPP 1.6: an empty object.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct MeterValuesResponse;

/// The `StartTransaction` request payload.
#[derive(Clone, Debug, PartialEq)]
pub struct StartTransactionRequest {
    /// `connectorId`, `> 0`.
    pub connector_id: i64,
    /// At most [`MAX_ID_TAG`] characters.
    pub id_tag: String,
    /// The energy register, in Wh, when the transaction starts.
    pub meter_start: i64,
    pub reservation_id: Option<i64>,
    pub timestamp: DateTime,
}

/// The `StopTransaction` request payload.
#[derive(Clone, Debug, PartialEq)]
pub struct StopTransactionRequest {
    pub id_tag: Option<String>,
    /// The energy register, in Wh, when the transaction stops.
    pub meter_stop: i64,
    pub timestamp: DateTime,
    pub transaction_id: i64,
    pub reason: Option<Reason>,
    pub transaction_data: Option<Vec<MeterValue>>,
}
