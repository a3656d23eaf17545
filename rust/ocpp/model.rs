//! The Rust types of the MeterValues messages, their enumerations and the schema's limits.
//!
//! Optional fields absent on the wire are `None` (schema defaults are not filled in here: a
//! decoded message re-encodes to what was sent). Enumerations are one byte each.

use std::borrow::Cow;

use crate::dialect::Dialect;
use crate::fault::error::FaultKind;
use crate::json::datetime::DateTime;
use crate::json::value::JsonValue;

/// `maxLength` of `customData.vendorId`.
pub const MAX_VENDOR_ID: usize = 255;
/// `maxLength` of `signedMeterData` (OCPP 2.0.1) and `publicKey`.
pub const MAX_SIGNED_DATA: usize = 2500;
/// `maxLength` of `signedMeterData` in OCPP 2.1.
pub const MAX_SIGNED_DATA_V21: usize = 32768;
/// `maxLength` of `signingMethod` and `encodingMethod`.
pub const MAX_METHOD: usize = 50;
/// `maxLength` of `unitOfMeasure.unit`.
pub const MAX_UNIT: usize = 20;

/// `maxLength`, counted in code points as JSON Schema counts (bytes bound the count cheaply).
#[inline]
pub fn check_max_length(s: &str, max: usize) -> Result<(), FaultKind> {
    if s.len() > max {
        let len = s.chars().count();
        if len > max {
            return Err(FaultKind::TooLong { max, len });
        }
    }
    Ok(())
}

/// The wire strings of an enumeration grouped by length, built at compile time, so that a
/// lookup compares only against the few values of the right length.
pub struct ByLength {
    /// Indexes into the wire table, sorted by length.
    order: [u8; 64],
    /// For each length, the range of `order` holding the values of that length.
    ranges: [(u8, u8); 48],
}

impl ByLength {
    /// Panics (at compile time) if the table does not fit the fixed sizes.
    pub const fn new(wire: &[&str]) -> ByLength {
        assert!(wire.len() <= 64);
        let mut order = [0u8; 64];
        let mut ranges = [(0u8, 0u8); 48];
        let mut next = 0;
        let mut len = 0;
        while len < 48 {
            let start = next;
            let mut i = 0;
            while i < wire.len() {
                if wire[i].len() == len {
                    order[next] = i as u8;
                    next += 1;
                }
                i += 1;
            }
            ranges[len] = (start as u8, next as u8);
            len += 1;
        }
        assert!(next == wire.len(), "a wire string is 48 bytes or longer");
        ByLength { order, ranges }
    }

    /// The index in `wire` of `s`, if it is one of them.
    #[inline(always)]
    pub fn find(&self, wire: &[&str], s: &str) -> Option<usize> {
        let (lo, hi) = *self.ranges.get(s.len())?;
        for k in lo..hi {
            let i = usize::from(self.order[usize::from(k)]);
            if crate::json::reader::short_eq(s.as_bytes(), wire[i].as_bytes()) {
                return Some(i);
            }
        }
        None
    }
}

/// An enumeration of the schema: a closed set of wire strings.
pub trait WireEnum: Copy + 'static {
    /// The schema's name for the enumeration.
    const SCHEMA_NAME: &'static str;
    /// The wire strings, indexed by [`WireEnum::index`].
    const WIRE: &'static [&'static str];
    /// Parses a wire string (exact, case-sensitive).
    fn from_wire(s: &str) -> Option<Self>;
    /// How many of the values, the first ones, OCPP 2.0.1 has; the rest are new in 2.1.
    const V201_COUNT: usize;
    /// The position of the value in [`WireEnum::WIRE`].
    fn index(self) -> usize;

    /// Whether the value belongs to the enumeration as `dialect` defines it.
    #[inline(always)]
    fn in_dialect(self, dialect: Dialect) -> bool {
        // Constant for an enumeration 2.1 left alone: the check then compiles to nothing.
        Self::V201_COUNT == Self::WIRE.len()
            || self.index() < Self::V201_COUNT
            || dialect == Dialect::V21
    }
}

/// A schema enumeration: the OCPP 2.0.1 values, then (after `v21`) those OCPP 2.1 adds.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $schema:literal, { $($variant:ident = $wire:literal,)* }
     $(v21 { $($variant21:ident = $wire21:literal,)* })?) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $(#[doc = $wire] $variant,)*
            $($(#[doc = concat!($wire21, " (OCPP 2.1)")] $variant21,)*)?
        }

        impl $name {
            /// Every value, in schema order, the 2.1 additions last.
            pub const ALL: &'static [$name] = &[$($name::$variant,)* $($($name::$variant21,)*)?];
            /// The wire strings, in the same order (indexable by discriminant).
            pub const WIRE: &'static [&'static str] = &[$($wire,)* $($($wire21,)*)?];
            /// The schema's name for the enumeration.
            pub const SCHEMA_NAME: &'static str = $schema;
            /// How many values, the first ones, OCPP 2.0.1 has.
            pub const V201_COUNT: usize = [$($wire,)*].len();

            /// The wire string.
            pub fn as_str(self) -> &'static str {
                Self::WIRE[self as usize]
            }

            /// Parses a wire string (exact, case-sensitive).
            #[inline(always)]
            pub fn from_wire(s: &str) -> Option<$name> {
                static BY_LENGTH: $crate::ocpp::model::ByLength = $crate::ocpp::model::ByLength::new($name::WIRE);
                BY_LENGTH.find(Self::WIRE, s).map(|i| Self::ALL[i])
            }
        }

        impl $crate::ocpp::model::WireEnum for $name {
            const SCHEMA_NAME: &'static str = $schema;
            const WIRE: &'static [&'static str] = $name::WIRE;
            const V201_COUNT: usize = $name::V201_COUNT;

            #[inline(always)]
            fn index(self) -> usize {
                self as usize
            }

            #[inline(always)]
            fn from_wire(s: &str) -> Option<$name> {
                $name::from_wire(s)
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// `ReadingContextEnumType`.
    ReadingContext, "ReadingContextEnumType", {
    InterruptionBegin = "Interruption.Begin",
    InterruptionEnd = "Interruption.End",
    Other = "Other",
    SampleClock = "Sample.Clock",
    SamplePeriodic = "Sample.Periodic",
    TransactionBegin = "Transaction.Begin",
    TransactionEnd = "Transaction.End",
    Trigger = "Trigger",
});

wire_enum!(
    /// `MeasurandEnumType`.
    Measurand, "MeasurandEnumType", {
    CurrentExport = "Current.Export",
    CurrentImport = "Current.Import",
    CurrentOffered = "Current.Offered",
    EnergyActiveExportRegister = "Energy.Active.Export.Register",
    EnergyActiveImportRegister = "Energy.Active.Import.Register",
    EnergyReactiveExportRegister = "Energy.Reactive.Export.Register",
    EnergyReactiveImportRegister = "Energy.Reactive.Import.Register",
    EnergyActiveExportInterval = "Energy.Active.Export.Interval",
    EnergyActiveImportInterval = "Energy.Active.Import.Interval",
    EnergyActiveNet = "Energy.Active.Net",
    EnergyReactiveExportInterval = "Energy.Reactive.Export.Interval",
    EnergyReactiveImportInterval = "Energy.Reactive.Import.Interval",
    EnergyReactiveNet = "Energy.Reactive.Net",
    EnergyApparentNet = "Energy.Apparent.Net",
    EnergyApparentImport = "Energy.Apparent.Import",
    EnergyApparentExport = "Energy.Apparent.Export",
    Frequency = "Frequency",
    PowerActiveExport = "Power.Active.Export",
    PowerActiveImport = "Power.Active.Import",
    PowerFactor = "Power.Factor",
    PowerOffered = "Power.Offered",
    PowerReactiveExport = "Power.Reactive.Export",
    PowerReactiveImport = "Power.Reactive.Import",
    SoC = "SoC",
    Voltage = "Voltage",
} v21 {
    CurrentExportMinimum = "Current.Export.Minimum",
    CurrentExportOffered = "Current.Export.Offered",
    CurrentImportMinimum = "Current.Import.Minimum",
    CurrentImportOffered = "Current.Import.Offered",
    DisplayPresentSoc = "Display.PresentSOC",
    DisplayMinimumSoc = "Display.MinimumSOC",
    DisplayTargetSoc = "Display.TargetSOC",
    DisplayMaximumSoc = "Display.MaximumSOC",
    DisplayRemainingTimeToMinimumSoc = "Display.RemainingTimeToMinimumSOC",
    DisplayRemainingTimeToTargetSoc = "Display.RemainingTimeToTargetSOC",
    DisplayRemainingTimeToMaximumSoc = "Display.RemainingTimeToMaximumSOC",
    DisplayChargingComplete = "Display.ChargingComplete",
    DisplayBatteryEnergyCapacity = "Display.BatteryEnergyCapacity",
    DisplayInletHot = "Display.InletHot",
    EnergyActiveImportCableLoss = "Energy.Active.Import.CableLoss",
    EnergyActiveImportLocalGenerationRegister = "Energy.Active.Import.LocalGeneration.Register",
    EnergyActiveSetpointInterval = "Energy.Active.Setpoint.Interval",
    EnergyRequestTarget = "EnergyRequest.Target",
    EnergyRequestMinimum = "EnergyRequest.Minimum",
    EnergyRequestMaximum = "EnergyRequest.Maximum",
    EnergyRequestMinimumV2x = "EnergyRequest.Minimum.V2X",
    EnergyRequestMaximumV2x = "EnergyRequest.Maximum.V2X",
    EnergyRequestBulk = "EnergyRequest.Bulk",
    PowerActiveSetpoint = "Power.Active.Setpoint",
    PowerActiveResidual = "Power.Active.Residual",
    PowerExportMinimum = "Power.Export.Minimum",
    PowerExportOffered = "Power.Export.Offered",
    PowerImportMinimum = "Power.Import.Minimum",
    PowerImportOffered = "Power.Import.Offered",
    VoltageMinimum = "Voltage.Minimum",
    VoltageMaximum = "Voltage.Maximum",
});

wire_enum!(
    /// `PhaseEnumType`.
    Phase, "PhaseEnumType", {
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
    /// `LocationEnumType`.
    Location, "LocationEnumType", {
    Body = "Body",
    Cable = "Cable",
    EV = "EV",
    Inlet = "Inlet",
    Outlet = "Outlet",
} v21 {
    Upstream = "Upstream",
});

/// `CustomDataType`: a required `vendorId` and any vendor properties, in input order.
#[derive(Clone, Debug)]
pub struct CustomData {
    /// `vendorId`, at most [`MAX_VENDOR_ID`] characters.
    pub vendor_id: String,
    /// Every other property, as sent (keys are unique).
    pub extra: Vec<(String, JsonValue)>,
}

/// Compared as JSON objects: the order of properties does not matter.
impl PartialEq for CustomData {
    fn eq(&self, other: &Self) -> bool {
        self.vendor_id == other.vendor_id
            && crate::json::value::same_members(&self.extra, &other.extra)
    }
}

/// `UnitOfMeasureType`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UnitOfMeasure {
    /// `unit`; common units are static strings, so they cost no allocation.
    pub unit: Option<Cow<'static, str>>,
    /// `multiplier`, a power of ten.
    pub multiplier: Option<i64>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `SignedMeterValueType`.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedMeterValue {
    pub signed_meter_data: String,
    /// Required in OCPP 2.0.1; optional in 2.1 (when `signedMeterData` names the method).
    pub signing_method: Option<String>,
    pub encoding_method: String,
    /// Required in OCPP 2.0.1; optional in 2.1.
    pub public_key: Option<String>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `SampledValueType`.
#[derive(Clone, Debug, PartialEq)]
pub struct SampledValue {
    pub value: f64,
    pub context: Option<ReadingContext>,
    pub measurand: Option<Measurand>,
    pub phase: Option<Phase>,
    pub location: Option<Location>,
    pub signed_meter_value: Option<Box<SignedMeterValue>>,
    pub unit_of_measure: Option<UnitOfMeasure>,
    /// `customData` and raw enum strings, both rare, behind one pointer: every byte of this
    /// struct costs on the hot path (a frame holds many; 8 more bytes made decoding 4% slower).
    pub rare: Option<Box<Rare>>,
}

/// The rarely present parts of a sampled value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rare {
    pub custom_data: Option<Box<CustomData>>,
    /// Enum fields sent with a value outside their enum, kept as sent: only the lenient profile
    /// makes them (see [`crate::ocpp::profile`]); such a field's enum is `None`.
    pub raw_enums: RawEnums,
}

impl Rare {
    /// The rare parts of a sampled value with `custom_data` and nothing else.
    pub fn of_custom_data(custom_data: Option<Box<CustomData>>) -> Option<Box<Rare>> {
        custom_data.map(|c| {
            Box::new(Rare {
                custom_data: Some(c),
                raw_enums: RawEnums::default(),
            })
        })
    }
}

impl SampledValue {
    pub fn custom_data(&self) -> &Option<Box<CustomData>> {
        const NONE: &Option<Box<CustomData>> = &None;
        self.rare.as_ref().map_or(NONE, |r| &r.custom_data)
    }

    /// Sets the enum field named `key` (its schema name) to `sent`, a value outside the
    /// enumeration as the decoding dialect defines it: a value of the other dialect is held
    /// typed (the model has room for both, and it compares and pickles like the value sent
    /// under its own dialect); anything else is kept as sent in [`RawEnums`].
    pub fn set_sent_enum(&mut self, key: &str, sent: String) {
        let typed = match key {
            "context" => ReadingContext::from_wire(&sent).map(|v| self.context = Some(v)),
            "measurand" => Measurand::from_wire(&sent).map(|v| self.measurand = Some(v)),
            "phase" => Phase::from_wire(&sent).map(|v| self.phase = Some(v)),
            "location" => Location::from_wire(&sent).map(|v| self.location = Some(v)),
            _ => None,
        };
        if typed.is_none() {
            let rare = self.rare.get_or_insert_with(Default::default);
            *rare.raw_enums.slot(key).expect("one of the four") = Some(sent.into());
        }
    }

    /// The raw enum strings, when there are any.
    pub fn raw_enums(&self) -> Option<&RawEnums> {
        self.rare
            .as_deref()
            .map(|r| &r.raw_enums)
            .filter(|r| **r != RawEnums::default())
    }
}

/// The raw strings of a sampled value's enum fields whose values are outside the enum.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawEnums {
    pub context: Option<Box<str>>,
    pub measurand: Option<Box<str>>,
    pub phase: Option<Box<str>>,
    pub location: Option<Box<str>>,
}

impl RawEnums {
    /// The slot of the field named `key` (its schema name), if it is one of the four.
    pub fn slot(&mut self, key: &str) -> Option<&mut Option<Box<str>>> {
        match key {
            "context" => Some(&mut self.context),
            "measurand" => Some(&mut self.measurand),
            "phase" => Some(&mut self.phase),
            "location" => Some(&mut self.location),
            _ => None,
        }
    }
}

/// `MeterValueType`.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterValue {
    pub timestamp: DateTime,
    /// At least one.
    pub sampled_value: Vec<SampledValue>,
    pub custom_data: Option<Box<CustomData>>,
}

/// The `MeterValues` request payload.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterValuesRequest {
    /// `evseId`, `>= 0`.
    pub evse_id: i64,
    /// At least one.
    pub meter_value: Vec<MeterValue>,
    pub custom_data: Option<Box<CustomData>>,
}

/// The `MeterValues` response payload.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MeterValuesResponse {
    pub custom_data: Option<Box<CustomData>>,
}

/// Units of the OCPP standardized list (and their k-prefixed forms), stored without allocation.
pub const KNOWN_UNITS: &[&str] = &[
    "Wh",
    "kWh",
    "varh",
    "kvarh",
    "VAh",
    "kVAh",
    "W",
    "kW",
    "var",
    "kvar",
    "VA",
    "kVA",
    "A",
    "V",
    "Hz",
    "Celsius",
    "Fahrenheit",
    "K",
    "Percent",
];

/// A unit as stored: the units of [`KNOWN_UNITS`] are those very static strings.
#[inline]
pub fn intern_unit(s: &str) -> Cow<'static, str> {
    match KNOWN_UNITS.iter().find(|k| **k == s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_and_are_exact() {
        assert_eq!(Measurand::ALL.len(), 56);
        assert_eq!(Measurand::V201_COUNT, 25);
        assert_eq!(Location::ALL.len(), 6);
        assert_eq!(Location::V201_COUNT, 5);
        assert!(!Location::Upstream.in_dialect(Dialect::V201));
        assert!(Location::Upstream.in_dialect(Dialect::V21));
        assert!(Location::EV.in_dialect(Dialect::V201));
        assert_eq!(ReadingContext::ALL.len(), 8);
        assert_eq!(Phase::ALL.len(), 10);
        for m in Measurand::ALL {
            assert_eq!(Measurand::from_wire(m.as_str()), Some(*m));
        }
        assert_eq!(Measurand::from_wire("soc"), None);
        assert_eq!(Phase::from_wire("L1-N"), Some(Phase::L1N));
    }

    #[test]
    fn known_units_are_borrowed() {
        assert!(matches!(intern_unit("kWh"), Cow::Borrowed("kWh")));
        assert!(matches!(intern_unit("furlong"), Cow::Owned(_)));
    }
}
