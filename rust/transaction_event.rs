//! The `TransactionEvent` request of OCPP 2.0.1 and 2.1: most meter data of a charging session
//! travels in its `meterValue` array, which uses the very types of `MeterValues`. Model,
//! decoding and encoding of the message's own types live here; the shared ones come from
//! [`crate::model`], the cost types of 2.1 from [`crate::cost`].
//!
//! One model serves both dialects, so that the same JSON is the same value whatever the
//! dialect it was read under (pickles reload under 2.1). What only 2.1 has sits behind one
//! pointer per object (`v21`), absent on a 2.0.1 frame; the key tables of 2.0.1 are prefixes of
//! 2.1's, so that under 2.0.1 a 2.1 property is an unknown one, as the 2.0.1 schema has it.

use std::borrow::Cow;

use crate::cost::{CostDetails, TransactionLimit, MAX_TARIFF_ID};
use crate::datetime::DateTime;
use crate::decode::{
    boolean, check_bounds, custom_data, date_time, enumerated, fields, integer, missing,
    non_empty_array, object, string_max, Decode,
};
use crate::dialect::Dialect;
use crate::encode::{Encode, Obj};
use crate::error::Res;
use crate::model::{wire_enum, CustomData, MeterValue, SampledValue};
use crate::profile::{Lenient, Step};
use crate::reader::Reader;

/// `maxLength` of `transactionId`, and of `idToken` and `additionalIdToken` in OCPP 2.0.1.
pub const MAX_IDENTIFIER: usize = 36;
/// `maxLength` of `idToken` and `additionalIdToken` in OCPP 2.1.
pub const MAX_ID_TOKEN_V21: usize = 255;
/// `maxLength` of `idToken.type` in OCPP 2.1, where it is a string (an enumeration in 2.0.1).
pub const MAX_ID_TOKEN_TYPE_V21: usize = 20;
/// `maximum` of `numberOfPhasesUsed` in OCPP 2.1 (`minimum` 0).
pub const MAX_PHASES: i64 = 3;
/// `maxLength` of `additionalInfo.type`.
pub const MAX_INFO_TYPE: usize = 50;

wire_enum!(
    /// `TransactionEventEnumType`.
    TransactionEventType, "TransactionEventEnumType", {
    Ended = "Ended",
    Started = "Started",
    Updated = "Updated",
});

wire_enum!(
    /// `TriggerReasonEnumType`.
    TriggerReason, "TriggerReasonEnumType", {
    Authorized = "Authorized",
    CablePluggedIn = "CablePluggedIn",
    ChargingRateChanged = "ChargingRateChanged",
    ChargingStateChanged = "ChargingStateChanged",
    Deauthorized = "Deauthorized",
    EnergyLimitReached = "EnergyLimitReached",
    EVCommunicationLost = "EVCommunicationLost",
    EVConnectTimeout = "EVConnectTimeout",
    MeterValueClock = "MeterValueClock",
    MeterValuePeriodic = "MeterValuePeriodic",
    TimeLimitReached = "TimeLimitReached",
    Trigger = "Trigger",
    UnlockCommand = "UnlockCommand",
    StopAuthorized = "StopAuthorized",
    EVDeparted = "EVDeparted",
    EVDetected = "EVDetected",
    RemoteStop = "RemoteStop",
    RemoteStart = "RemoteStart",
    AbnormalCondition = "AbnormalCondition",
    SignedDataReceived = "SignedDataReceived",
    ResetCommand = "ResetCommand",
} v21 {
    CostLimitReached = "CostLimitReached",
    LimitSet = "LimitSet",
    OperationModeChanged = "OperationModeChanged",
    RunningCost = "RunningCost",
    SoCLimitReached = "SoCLimitReached",
    TariffChanged = "TariffChanged",
    TariffNotAccepted = "TariffNotAccepted",
    TxResumed = "TxResumed",
});

wire_enum!(
    /// `ChargingStateEnumType`.
    ChargingState, "ChargingStateEnumType", {
    Charging = "Charging",
    EVConnected = "EVConnected",
    SuspendedEV = "SuspendedEV",
    SuspendedEVSE = "SuspendedEVSE",
    Idle = "Idle",
});

wire_enum!(
    /// `ReasonEnumType`.
    Reason, "ReasonEnumType", {
    DeAuthorized = "DeAuthorized",
    EmergencyStop = "EmergencyStop",
    EnergyLimitReached = "EnergyLimitReached",
    EVDisconnected = "EVDisconnected",
    GroundFault = "GroundFault",
    ImmediateReset = "ImmediateReset",
    Local = "Local",
    LocalOutOfCredit = "LocalOutOfCredit",
    MasterPass = "MasterPass",
    Other = "Other",
    OvercurrentFault = "OvercurrentFault",
    PowerLoss = "PowerLoss",
    PowerQuality = "PowerQuality",
    Reboot = "Reboot",
    Remote = "Remote",
    SOCLimitReached = "SOCLimitReached",
    StoppedByEV = "StoppedByEV",
    TimeLimitReached = "TimeLimitReached",
    Timeout = "Timeout",
} v21 {
    ReqEnergyTransferRejected = "ReqEnergyTransferRejected",
});

wire_enum!(
    /// `OperationModeEnumType` (OCPP 2.1).
    OperationMode, "OperationModeEnumType", {
    Idle = "Idle",
    ChargingOnly = "ChargingOnly",
    CentralSetpoint = "CentralSetpoint",
    ExternalSetpoint = "ExternalSetpoint",
    ExternalLimits = "ExternalLimits",
    CentralFrequency = "CentralFrequency",
    LocalFrequency = "LocalFrequency",
    LocalLoadBalancing = "LocalLoadBalancing",
});

wire_enum!(
    /// `PreconditioningStatusEnumType` (OCPP 2.1).
    PreconditioningStatus, "PreconditioningStatusEnumType", {
    Unknown = "Unknown",
    Ready = "Ready",
    NotReady = "NotReady",
    Preconditioning = "Preconditioning",
});

wire_enum!(
    /// `IdTokenEnumType` of OCPP 2.0.1, the values `idToken.type` may take there; OCPP 2.1
    /// takes any string of up to 20 characters.
    IdTokenKind, "IdTokenEnumType", {
    Central = "Central",
    EMaid = "eMAID",
    Iso14443 = "ISO14443",
    Iso15693 = "ISO15693",
    KeyCode = "KeyCode",
    Local = "Local",
    MacAddress = "MacAddress",
    NoAuthorization = "NoAuthorization",
});

/// `AdditionalInfoType`.
#[derive(Clone, Debug, PartialEq)]
pub struct AdditionalInfo {
    pub additional_id_token: String,
    pub type_: String,
    pub custom_data: Option<Box<CustomData>>,
}

/// `IdTokenType`.
#[derive(Clone, Debug, PartialEq)]
pub struct IdToken {
    pub id_token: String,
    /// Text in either dialect (see [`id_token_type`]); a value of [`IdTokenKind`] is a static
    /// string, not allocated.
    pub type_: Cow<'static, str>,
    /// At least one when present.
    pub additional_info: Option<Vec<AdditionalInfo>>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `EVSEType`.
#[derive(Clone, Debug, PartialEq)]
pub struct Evse {
    pub id: i64,
    pub connector_id: Option<i64>,
    pub custom_data: Option<Box<CustomData>>,
}

impl IdToken {
    /// The type as a value of the 2.0.1 enumeration, if it is one.
    pub fn kind(&self) -> Option<IdTokenKind> {
        IdTokenKind::from_wire(&self.type_)
    }
}

/// An `idToken.type` text as the model holds it: a value of the 2.0.1 enumeration as its
/// static wire string, anything else (2.1 only) owned.
pub fn id_token_type(text: &str) -> Cow<'static, str> {
    match IdTokenKind::from_wire(text) {
        Some(k) => Cow::Borrowed(k.as_str()),
        None => Cow::Owned(text.to_owned()),
    }
}

/// `TransactionType`.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    pub transaction_id: String,
    pub charging_state: Option<ChargingState>,
    pub time_spent_charging: Option<i64>,
    pub stopped_reason: Option<Reason>,
    pub remote_start_id: Option<i64>,
    pub custom_data: Option<Box<CustomData>>,
    /// What OCPP 2.1 adds, when any of it was sent.
    pub v21: Option<Box<TransactionV21>>,
}

/// The properties OCPP 2.1 adds to `TransactionType`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TransactionV21 {
    pub operation_mode: Option<OperationMode>,
    pub tariff_id: Option<String>,
    pub transaction_limit: Option<TransactionLimit>,
}

impl TransactionV21 {
    /// `None` when nothing is set: a model has no empty box, so equal JSON is an equal model.
    pub fn boxed(self) -> Option<Box<Self>> {
        (self != Self::default()).then(|| Box::new(self))
    }
}

/// The properties OCPP 2.1 adds to the `TransactionEvent` request.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TransactionEventV21 {
    pub cost_details: Option<CostDetails>,
    pub preconditioning_status: Option<PreconditioningStatus>,
    pub evse_sleep: Option<bool>,
}

impl TransactionEventV21 {
    /// `None` when nothing is set: a model has no empty box, so equal JSON is an equal model.
    pub fn boxed(self) -> Option<Box<Self>> {
        (self != Self::default()).then(|| Box::new(self))
    }
}

/// The `TransactionEvent` request payload.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionEventRequest {
    pub event_type: TransactionEventType,
    /// At least one when present.
    pub meter_value: Option<Vec<MeterValue>>,
    pub timestamp: DateTime,
    pub trigger_reason: TriggerReason,
    pub seq_no: i64,
    pub offline: Option<bool>,
    pub number_of_phases_used: Option<i64>,
    pub cable_max_current: Option<i64>,
    pub reservation_id: Option<i64>,
    pub transaction_info: Transaction,
    pub evse: Option<Evse>,
    pub id_token: Option<IdToken>,
    pub custom_data: Option<Box<CustomData>>,
    /// What OCPP 2.1 adds, when any of it was sent: rare, so one pointer keeps 2.0.1 frames
    /// as small and as fast as they were.
    pub v21: Option<Box<TransactionEventV21>>,
}

/// `maxLength` of `idToken` and `additionalIdToken` under the reader's dialect.
fn max_id_token(r: &Reader<'_>) -> usize {
    match r.dialect() {
        Dialect::V201 => MAX_IDENTIFIER,
        Dialect::V21 => MAX_ID_TOKEN_V21,
    }
}

/// `idToken.type`: the 2.0.1 enumeration, or 2.1's string of up to 20 characters.
fn read_id_token_type(r: &mut Reader<'_>) -> Res<Cow<'static, str>> {
    if r.dialect() == Dialect::V201 {
        return enumerated::<IdTokenKind>(r).map(|k| Cow::Borrowed(k.as_str()));
    }
    let text = string_max(r, MAX_ID_TOKEN_TYPE_V21)?;
    Ok(id_token_type(&text))
}

/// An integer that OCPP 2.1 bounds and 2.0.1 does not: read one way in both dialects, 2.1's
/// bounds checked after it, out of line. Reading it through a second, bounded reader made a
/// 2.0.1 frame about 6% slower (the integer reader was inlined twice); this costs about 1%.
#[inline(always)]
fn integer_bounded_in_v21(r: &mut Reader<'_>, min: i64, max: Option<i64>) -> Res<i64> {
    let at = r.pos();
    let v = integer(r)?;
    if r.dialect() == Dialect::V21 {
        bounds_in_v21(r, v, at, min, max)?;
    }
    Ok(v)
}

#[inline(never)]
fn bounds_in_v21(r: &Reader<'_>, v: i64, at: usize, min: i64, max: Option<i64>) -> Res<()> {
    check_bounds(r, v, at, min, max)
}

const ADDITIONAL_INFO_KEYS: &[&str] = &["additionalIdToken", "type", "customData"];

impl Decode for AdditionalInfo {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut token, mut kind, mut custom) = (None, None, None);
        fields!(r, ADDITIONAL_INFO_KEYS, {
            0 => token = string_max(r, max_id_token(r)),
            1 => kind = string_max(r, MAX_INFO_TYPE),
            2 => custom = custom_data(r),
        });
        Ok(AdditionalInfo {
            additional_id_token: token
                .ok_or_else(|| missing(r, "additionalIdToken"))?
                .into_owned(),
            type_: kind.ok_or_else(|| missing(r, "type"))?.into_owned(),
            custom_data: custom,
        })
    }
}

const ID_TOKEN_KEYS: &[&str] = &["idToken", "type", "additionalInfo", "customData"];

impl Decode for IdToken {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut token, mut kind, mut info, mut custom) = (None, None, None, None);
        fields!(r, ID_TOKEN_KEYS, {
            0 => token = string_max(r, max_id_token(r)),
            1 => kind = read_id_token_type(r),
            2 => info = non_empty_array::<AdditionalInfo>(r, 1),
            3 => custom = custom_data(r),
        });
        Ok(IdToken {
            id_token: token.ok_or_else(|| missing(r, "idToken"))?.into_owned(),
            type_: kind.ok_or_else(|| missing(r, "type"))?,
            additional_info: info,
            custom_data: custom,
        })
    }
}

const EVSE_KEYS: &[&str] = &["id", "connectorId", "customData"];

impl Decode for Evse {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut id, mut connector, mut custom) = (None, None, None);
        fields!(r, EVSE_KEYS, {
            0 => id = integer_bounded_in_v21(r, 0, None),
            1 => connector = integer_bounded_in_v21(r, 0, None),
            2 => custom = custom_data(r),
        });
        Ok(Evse {
            id: id.ok_or_else(|| missing(r, "id"))?,
            connector_id: connector,
            custom_data: custom,
        })
    }
}

/// OCPP 2.1's keys: 2.0.1's, then those 2.1 adds.
const TRANSACTION_KEYS_V21: &[&str] = &[
    "transactionId",
    "chargingState",
    "timeSpentCharging",
    "stoppedReason",
    "remoteStartId",
    "customData",
    "operationMode",
    "tariffId",
    "transactionLimit",
];
const TRANSACTION_KEYS: &[&str] = TRANSACTION_KEYS_V21.split_at(6).0;

impl Decode for Transaction {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let keys = match r.dialect() {
            Dialect::V201 => TRANSACTION_KEYS,
            Dialect::V21 => TRANSACTION_KEYS_V21,
        };
        let (mut id, mut state, mut spent, mut reason, mut remote, mut custom) =
            (None, None, None, None, None, None);
        let (mut mode, mut tariff, mut limit) = (None, None, None);
        fields!(r, keys, {
            0 => id = string_max(r, MAX_IDENTIFIER),
            1 => state = enumerated::<ChargingState>(r),
            2 => spent = integer(r),
            3 => reason = enumerated::<Reason>(r),
            4 => remote = integer(r),
            5 => custom = custom_data(r),
            6 => mode = enumerated::<OperationMode>(r),
            7 => tariff = string_max(r, MAX_TARIFF_ID),
            8 => limit = object::<TransactionLimit>(r),
        });
        let v21 = if mode.is_some() || tariff.is_some() || limit.is_some() {
            Some(Box::new(TransactionV21 {
                operation_mode: mode,
                tariff_id: tariff.map(Cow::into_owned),
                transaction_limit: limit,
            }))
        } else {
            None
        };
        Ok(Transaction {
            transaction_id: id.ok_or_else(|| missing(r, "transactionId"))?.into_owned(),
            charging_state: state,
            time_spent_charging: spent,
            stopped_reason: reason,
            remote_start_id: remote,
            custom_data: custom,
            v21,
        })
    }
}

/// OCPP 2.1's keys: 2.0.1's in the order of its schema's `properties` (senders mostly write
/// them so), then those 2.1 adds.
const REQUEST_KEYS_V21: &[&str] = &[
    "eventType",
    "meterValue",
    "timestamp",
    "triggerReason",
    "seqNo",
    "offline",
    "numberOfPhasesUsed",
    "cableMaxCurrent",
    "reservationId",
    "transactionInfo",
    "evse",
    "idToken",
    "customData",
    "costDetails",
    "preconditioningStatus",
    "evseSleep",
];
const REQUEST_KEYS: &[&str] = REQUEST_KEYS_V21.split_at(13).0;

impl Decode for TransactionEventRequest {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let keys = match r.dialect() {
            Dialect::V201 => REQUEST_KEYS,
            Dialect::V21 => REQUEST_KEYS_V21,
        };
        let (mut event, mut meter, mut timestamp, mut trigger, mut seq) =
            (None, None, None, None, None);
        let (mut offline, mut phases, mut cable, mut reservation) = (None, None, None, None);
        let (mut transaction, mut evse, mut token, mut custom) = (None, None, None, None);
        let (mut cost, mut preconditioning, mut sleep) = (None, None, None);
        fields!(r, keys, {
            0 => event = enumerated::<TransactionEventType>(r),
            1 => meter = non_empty_array::<MeterValue>(r, 1),
            2 => timestamp = date_time(r),
            3 => trigger = enumerated::<TriggerReason>(r),
            4 => seq = integer_bounded_in_v21(r, 0, None),
            5 => offline = boolean(r),
            6 => phases = integer_bounded_in_v21(r, 0, Some(MAX_PHASES)),
            7 => cable = integer(r),
            8 => reservation = integer_bounded_in_v21(r, 0, None),
            9 => transaction = object::<Transaction>(r),
            10 => evse = object::<Evse>(r),
            11 => token = object::<IdToken>(r),
            12 => custom = custom_data(r),
            13 => cost = object::<CostDetails>(r),
            14 => preconditioning = enumerated::<PreconditioningStatus>(r),
            15 => sleep = boolean(r),
        });
        let v21 = if cost.is_some() || preconditioning.is_some() || sleep.is_some() {
            Some(Box::new(TransactionEventV21 {
                cost_details: cost,
                preconditioning_status: preconditioning,
                evse_sleep: sleep,
            }))
        } else {
            None
        };
        // Required properties in the order of the schema's `required` list.
        Ok(TransactionEventRequest {
            event_type: event.ok_or_else(|| missing(r, "eventType"))?,
            timestamp: timestamp.ok_or_else(|| missing(r, "timestamp"))?,
            trigger_reason: trigger.ok_or_else(|| missing(r, "triggerReason"))?,
            seq_no: seq.ok_or_else(|| missing(r, "seqNo"))?,
            transaction_info: transaction.ok_or_else(|| missing(r, "transactionInfo"))?,
            meter_value: meter,
            offline,
            number_of_phases_used: phases,
            cable_max_current: cable,
            reservation_id: reservation,
            evse,
            id_token: token,
            custom_data: custom,
            v21,
        })
    }
}

/// The pieces hold no sampled values; they are [`Lenient`] so that their Python classes can
/// unpickle under the `off` profile, as the requests do.
macro_rules! no_sampled_values {
    ($($t:ty),*) => {$(
        impl Lenient for $t {
            fn sampled_value_at(&mut self, _: &[Step]) -> Option<&mut SampledValue> {
                None
            }
        }
    )*};
}
no_sampled_values!(AdditionalInfo, IdToken, Evse, Transaction, TransactionLimit);

impl Encode for AdditionalInfo {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.str("additionalIdToken", &self.additional_id_token);
        o.str("type", &self.type_);
        o.close();
    }
}

impl Encode for IdToken {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        if let Some(info) = &self.additional_info {
            o.array("additionalInfo", info);
        }
        o.str("idToken", &self.id_token);
        o.str("type", &self.type_);
        o.close();
    }
}

impl Encode for Evse {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.int("id", self.id);
        if let Some(c) = self.connector_id {
            o.int("connectorId", c);
        }
        o.close();
    }
}

impl Encode for Transaction {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.str("transactionId", &self.transaction_id);
        if let Some(s) = self.charging_state {
            o.str("chargingState", s.as_str());
        }
        if let Some(t) = self.time_spent_charging {
            o.int("timeSpentCharging", t);
        }
        if let Some(s) = self.stopped_reason {
            o.str("stoppedReason", s.as_str());
        }
        if let Some(id) = self.remote_start_id {
            o.int("remoteStartId", id);
        }
        if let Some(v21) = &self.v21 {
            if let Some(m) = v21.operation_mode {
                o.str("operationMode", m.as_str());
            }
            if let Some(t) = &v21.tariff_id {
                o.str("tariffId", t);
            }
            if let Some(l) = &v21.transaction_limit {
                l.write(o.key("transactionLimit"));
            }
        }
        o.close();
    }
}

impl Encode for TransactionEventRequest {
    fn write(&self, out: &mut Vec<u8>) {
        // 2.0.1's order (`customData` first), 2.1's properties where 2.1 puts them among those.
        let v21 = self.v21.as_deref();
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        if let Some(c) = v21.and_then(|v| v.cost_details.as_ref()) {
            c.write(o.key("costDetails"));
        }
        o.str("eventType", self.event_type.as_str());
        if let Some(mv) = &self.meter_value {
            o.array("meterValue", mv);
        }
        o.date_time("timestamp", &self.timestamp);
        o.str("triggerReason", self.trigger_reason.as_str());
        o.int("seqNo", self.seq_no);
        if let Some(b) = self.offline {
            o.bool("offline", b);
        }
        if let Some(n) = self.number_of_phases_used {
            o.int("numberOfPhasesUsed", n);
        }
        if let Some(n) = self.cable_max_current {
            o.int("cableMaxCurrent", n);
        }
        if let Some(n) = self.reservation_id {
            o.int("reservationId", n);
        }
        if let Some(v21) = v21 {
            if let Some(p) = v21.preconditioning_status {
                o.str("preconditioningStatus", p.as_str());
            }
            if let Some(b) = v21.evse_sleep {
                o.bool("evseSleep", b);
            }
        }
        self.transaction_info.write(o.key("transactionInfo"));
        if let Some(e) = &self.evse {
            e.write(o.key("evse"));
        }
        if let Some(t) = &self.id_token {
            t.write(o.key("idToken"));
        }
        o.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{from_slice, from_slice_in};
    use crate::error::ErrorCode::{self, *};

    const FULL: &str = r#"{"eventType":"Updated","meterValue":[{"timestamp":"2024-05-01T12:00:00Z",
        "sampledValue":[{"value":7.5,"measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"kWh"}}]}],
        "timestamp":"2024-05-01T12:00:01+02:00","triggerReason":"MeterValuePeriodic","seqNo":3,"offline":false,
        "numberOfPhasesUsed":3,"cableMaxCurrent":32,"reservationId":9,
        "transactionInfo":{"transactionId":"tx-1","chargingState":"Charging","timeSpentCharging":60,"stoppedReason":"Local","remoteStartId":4},
        "evse":{"id":1,"connectorId":2},"idToken":{"idToken":"04A2","type":"ISO14443","additionalInfo":[{"additionalIdToken":"x","type":"y"}]},
        "customData":{"vendorId":"v"}}"#;

    fn outcome(text: &str) -> Result<TransactionEventRequest, (ErrorCode, String)> {
        from_slice::<TransactionEventRequest>(text.as_bytes(), false)
            .map_err(|f| (f.code(), f.pointer()))
    }

    #[test]
    fn decodes_every_field_and_round_trips() {
        let te = outcome(FULL).unwrap();
        assert_eq!(te.event_type, TransactionEventType::Updated);
        assert_eq!(te.trigger_reason, TriggerReason::MeterValuePeriodic);
        assert_eq!(te.seq_no, 3);
        assert_eq!(te.offline, Some(false));
        assert_eq!(
            te.transaction_info.charging_state,
            Some(ChargingState::Charging)
        );
        assert_eq!(te.transaction_info.stopped_reason, Some(Reason::Local));
        assert_eq!(te.evse.as_ref().unwrap().connector_id, Some(2));
        let token = te.id_token.as_ref().unwrap();
        assert_eq!(token.kind(), Some(IdTokenKind::Iso14443));
        assert_eq!(token.additional_info.as_ref().unwrap()[0].type_, "y");
        assert_eq!(
            te.meter_value.as_ref().unwrap()[0].sampled_value[0].value,
            7.5
        );
        let again = outcome(std::str::from_utf8(&te.to_vec()).unwrap()).unwrap();
        assert_eq!(again, te);
    }

    /// Every property OCPP 2.1 adds, each nested type with every property of its own.
    const FULL_21: &str = r#"{"costDetails":{"chargingPeriods":[{"dimensions":[{"type":"IdleTIme","volume":2.5,"customData":{"vendorId":"v"}}],
        "tariffId":"t-1","startPeriod":"2024-05-01T11:00:00Z","customData":{"vendorId":"v"}}],
        "totalCost":{"currency":"EUR","typeOfCost":"MaxCost","fixed":{"exclTax":1,"inclTax":1.2,"taxRates":[{"type":"VAT","tax":20,"stack":0,"customData":{"vendorId":"v"}}],"customData":{"vendorId":"v"}},
        "energy":{"exclTax":2},"chargingTime":{"inclTax":3},"idleTime":{},"reservationTime":{"exclTax":0},"reservationFixed":{"inclTax":0},
        "total":{"exclTax":10,"inclTax":12,"customData":{"vendorId":"v"}},"customData":{"vendorId":"v"}},
        "totalUsage":{"energy":12500,"chargingTime":3600,"idleTime":60,"reservationTime":0,"customData":{"vendorId":"v"}},
        "failureToCalculate":false,"failureReason":"none","customData":{"vendorId":"v"}},
        "eventType":"Updated","timestamp":"2024-05-01T12:00:01Z","triggerReason":"RunningCost","seqNo":0,
        "numberOfPhasesUsed":3,"reservationId":0,"preconditioningStatus":"Ready","evseSleep":true,
        "transactionInfo":{"transactionId":"tx-1","stoppedReason":"ReqEnergyTransferRejected","operationMode":"ChargingOnly","tariffId":"t-1",
        "transactionLimit":{"maxCost":50,"maxEnergy":40000.5,"maxTime":7200,"maxSoC":100,"customData":{"vendorId":"v"}}},
        "evse":{"id":0,"connectorId":0},
        "idToken":{"idToken":"TOKEN_OF_FORTY_CHARACTERS_0123456789ABCD","type":"EVCCID","additionalInfo":[{"additionalIdToken":"x","type":"y"}]}}"#;

    fn outcome_in(
        text: &str,
        dialect: Dialect,
    ) -> Result<TransactionEventRequest, (ErrorCode, String)> {
        from_slice_in::<TransactionEventRequest>(text.as_bytes(), false, dialect)
            .map_err(|f| (f.code(), f.pointer()))
    }

    #[test]
    fn decodes_every_2_1_field_and_round_trips() {
        let te = outcome_in(FULL_21, Dialect::V21).unwrap();
        let v21 = te.v21.as_deref().unwrap();
        assert_eq!(
            v21.preconditioning_status,
            Some(PreconditioningStatus::Ready)
        );
        assert_eq!(v21.evse_sleep, Some(true));
        let cost = v21.cost_details.as_ref().unwrap();
        assert_eq!(
            cost.total_cost.type_of_cost,
            crate::cost::TariffCost::MaxCost
        );
        assert_eq!(
            cost.charging_periods.as_ref().unwrap()[0]
                .dimensions
                .as_ref()
                .unwrap()[0]
                .type_,
            crate::cost::CostDimensionKind::IdleTime
        );
        assert_eq!(
            cost.total_cost
                .fixed
                .as_ref()
                .unwrap()
                .tax_rates
                .as_ref()
                .unwrap()[0]
                .stack,
            Some(0)
        );
        assert_eq!(cost.total_usage.reservation_time, Some(0));
        assert_eq!(te.trigger_reason, TriggerReason::RunningCost);
        let info = &te.transaction_info;
        assert_eq!(info.stopped_reason, Some(Reason::ReqEnergyTransferRejected));
        let tx21 = info.v21.as_deref().unwrap();
        assert_eq!(tx21.operation_mode, Some(OperationMode::ChargingOnly));
        assert_eq!(tx21.transaction_limit.as_ref().unwrap().max_soc, Some(100));
        let token = te.id_token.as_ref().unwrap();
        assert_eq!((token.type_.as_ref(), token.kind()), ("EVCCID", None));
        let json = te.to_vec();
        let again = outcome_in(std::str::from_utf8(&json).unwrap(), Dialect::V21).unwrap();
        assert_eq!(again, te);
        assert_eq!(again.to_vec(), json);
        // 2.1's properties are written where 2.1's schema puts them among 2.0.1's.
        let text = String::from_utf8(json).unwrap();
        let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
        assert!(at("costDetails") < at("eventType"));
        assert!(at("reservationId") < at("preconditioningStatus"));
        assert!(at("evseSleep") < at("transactionInfo"));
        assert!(at("stoppedReason") < at("operationMode"));
    }

    #[test]
    fn the_model_of_the_same_json_is_the_same_in_both_dialects() {
        for dialect in Dialect::ALL {
            let te = outcome_in(FULL, dialect).unwrap();
            assert_eq!(te, outcome(FULL).unwrap());
            assert!(te.v21.is_none() && te.transaction_info.v21.is_none());
            let token = te.id_token.unwrap();
            // A 2.0.1 value is a static string in either dialect: no allocation.
            assert!(matches!(token.type_, Cow::Borrowed("ISO14443")));
        }
    }

    #[test]
    fn what_only_2_1_allows_is_refused_in_2_0_1_as_its_schema_does() {
        let minimal = r#"{"eventType":"Started","timestamp":"2024-05-01T12:00:00Z","triggerReason":"Authorized","seqNo":0,"transactionInfo":{"transactionId":"t"}}"#;
        let with = |extra: &str| minimal.replacen('{', &format!("{{{extra},"), 1);
        let tx = |info: &str| minimal.replace(r#"{"transactionId":"t"}"#, info);
        let long = "x".repeat(MAX_ID_TOKEN_V21);
        let cases: &[(String, ErrorCode, &str)] = &[
            (
                with(
                    r#""costDetails":{"totalCost":{"currency":"EUR","typeOfCost":"MinCost","total":{}},"totalUsage":{"energy":0,"chargingTime":0,"idleTime":0}}"#,
                ),
                ProtocolError,
                "/costDetails",
            ),
            (
                with(r#""preconditioningStatus":"Ready""#),
                ProtocolError,
                "/preconditioningStatus",
            ),
            (with(r#""evseSleep":false"#), ProtocolError, "/evseSleep"),
            (
                tx(r#"{"transactionId":"t","operationMode":"Idle"}"#),
                ProtocolError,
                "/transactionInfo/operationMode",
            ),
            (
                tx(r#"{"transactionId":"t","tariffId":"x"}"#),
                ProtocolError,
                "/transactionInfo/tariffId",
            ),
            (
                tx(r#"{"transactionId":"t","transactionLimit":{}}"#),
                ProtocolError,
                "/transactionInfo/transactionLimit",
            ),
            (
                tx(r#"{"transactionId":"t","stoppedReason":"ReqEnergyTransferRejected"}"#),
                PropertyConstraintViolation,
                "/transactionInfo/stoppedReason",
            ),
            (
                minimal.replace("Authorized", "TxResumed"),
                PropertyConstraintViolation,
                "/triggerReason",
            ),
            (
                minimal.replace("Authorized", "SoCLimitReached"),
                PropertyConstraintViolation,
                "/triggerReason",
            ),
            (
                with(r#""idToken":{"idToken":"x","type":"EVCCID"}"#),
                PropertyConstraintViolation,
                "/idToken/type",
            ),
            (
                with(&format!(
                    r#""idToken":{{"idToken":"{long}","type":"Local"}}"#
                )),
                PropertyConstraintViolation,
                "/idToken/idToken",
            ),
            (
                with(&format!(
                    r#""idToken":{{"idToken":"x","type":"Local","additionalInfo":[{{"additionalIdToken":"{long}","type":"y"}}]}}"#
                )),
                PropertyConstraintViolation,
                "/idToken/additionalInfo/0/additionalIdToken",
            ),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                outcome_in(text, Dialect::V201).map(|_| ()),
                Err((*code, path.to_string())),
                "{text}"
            );
            assert!(outcome_in(text, Dialect::V21).is_ok(), "{text}");
        }
        // What 2.1 bounds and 2.0.1 does not.
        for extra in [
            r#""seqNo":-1"#,
            r#""numberOfPhasesUsed":4"#,
            r#""numberOfPhasesUsed":-1"#,
            r#""reservationId":-1"#,
            r#""evse":{"id":-1}"#,
            r#""evse":{"id":1,"connectorId":-1}"#,
        ] {
            let text = match extra.strip_prefix(r#""seqNo""#) {
                Some(_) => minimal.replace(r#""seqNo":0"#, extra),
                None => with(extra),
            };
            assert!(outcome_in(&text, Dialect::V201).is_ok(), "{extra}");
            assert_eq!(
                outcome_in(&text, Dialect::V21).unwrap_err().0,
                PropertyConstraintViolation,
                "{extra}"
            );
        }
    }

    #[test]
    fn each_2_1_rule_gives_its_code_and_path() {
        let minimal = r#"{"eventType":"Started","timestamp":"2024-05-01T12:00:00Z","triggerReason":"Authorized","seqNo":0,"transactionInfo":{"transactionId":"t"}}"#;
        let with = |extra: &str| minimal.replacen('{', &format!("{{{extra},"), 1);
        let cost = |inner: &str| with(&format!(r#""costDetails":{{{inner}}}"#));
        let usage = r#""totalUsage":{"energy":1,"chargingTime":1,"idleTime":1}"#;
        let total = |inner: &str| cost(&format!(r#""totalCost":{{{inner}}},{usage}"#));
        let valid_total = r#""currency":"EUR","typeOfCost":"NormalCost","total":{}"#;
        let rate = r#"{"type":"VAT","tax":1}"#;
        let cases: &[(String, ErrorCode, &str)] = &[
            (with(r#""seqNo":-1"#), PropertyConstraintViolation, "/seqNo"),
            (
                with(r#""numberOfPhasesUsed":4"#),
                PropertyConstraintViolation,
                "/numberOfPhasesUsed",
            ),
            (
                with(r#""numberOfPhasesUsed":-1"#),
                PropertyConstraintViolation,
                "/numberOfPhasesUsed",
            ),
            (
                with(r#""numberOfPhasesUsed":1.5"#),
                TypeConstraintViolation,
                "/numberOfPhasesUsed",
            ),
            (
                with(r#""reservationId":-1"#),
                PropertyConstraintViolation,
                "/reservationId",
            ),
            (
                with(r#""evse":{"id":-1}"#),
                PropertyConstraintViolation,
                "/evse/id",
            ),
            (
                with(r#""evse":{"id":1,"connectorId":-1}"#),
                PropertyConstraintViolation,
                "/evse/connectorId",
            ),
            (
                with(r#""evseSleep":"no""#),
                TypeConstraintViolation,
                "/evseSleep",
            ),
            (
                with(r#""preconditioningStatus":"Warm""#),
                PropertyConstraintViolation,
                "/preconditioningStatus",
            ),
            (
                with(r#""triggerReason":"Nope""#),
                PropertyConstraintViolation,
                "/triggerReason",
            ),
            (
                with(&format!(
                    r#""idToken":{{"idToken":"{}","type":"Local"}}"#,
                    "x".repeat(256)
                )),
                PropertyConstraintViolation,
                "/idToken/idToken",
            ),
            (
                with(r#""idToken":{"idToken":"x","type":"TWENTY_ONE_CHARACTERS"}"#),
                PropertyConstraintViolation,
                "/idToken/type",
            ),
            (
                with(r#""idToken":{"idToken":"x","type":1}"#),
                TypeConstraintViolation,
                "/idToken/type",
            ),
            (
                with(r#""transactionInfo":{"transactionId":"t","operationMode":"Fast"}"#),
                PropertyConstraintViolation,
                "/transactionInfo/operationMode",
            ),
            (
                with(&format!(
                    r#""transactionInfo":{{"transactionId":"t","tariffId":"{}"}}"#,
                    "t".repeat(61)
                )),
                PropertyConstraintViolation,
                "/transactionInfo/tariffId",
            ),
            (
                with(
                    r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxSoC":101}}"#,
                ),
                PropertyConstraintViolation,
                "/transactionInfo/transactionLimit/maxSoC",
            ),
            (
                with(r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxSoC":-1}}"#),
                PropertyConstraintViolation,
                "/transactionInfo/transactionLimit/maxSoC",
            ),
            (
                with(
                    r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxTime":1.5}}"#,
                ),
                TypeConstraintViolation,
                "/transactionInfo/transactionLimit/maxTime",
            ),
            (
                with(
                    r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxCost":"1"}}"#,
                ),
                TypeConstraintViolation,
                "/transactionInfo/transactionLimit/maxCost",
            ),
            (
                with(r#""transactionInfo":{"transactionId":"t","transactionLimit":{"x":1}}"#),
                ProtocolError,
                "/transactionInfo/transactionLimit/x",
            ),
            (
                cost(usage),
                OccurrenceConstraintViolation,
                "/costDetails/totalCost",
            ),
            (
                cost(&format!(r#""totalCost":{{{valid_total}}}"#)),
                OccurrenceConstraintViolation,
                "/costDetails/totalUsage",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},{usage},"chargingPeriods":[]"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/chargingPeriods",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},{usage},"chargingPeriods":[{{}}]"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/chargingPeriods/0/startPeriod",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},{usage},"chargingPeriods":[{{"startPeriod":"2024-02-30T00:00:00Z"}}]"#
                )),
                PropertyConstraintViolation,
                "/costDetails/chargingPeriods/0/startPeriod",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},{usage},"chargingPeriods":[{{"startPeriod":"2024-01-01T00:00:00Z","dimensions":[]}}]"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/chargingPeriods/0/dimensions",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},{usage},"chargingPeriods":[{{"startPeriod":"2024-01-01T00:00:00Z","dimensions":[{{"type":"IdleTime","volume":1}}]}}]"#
                )),
                PropertyConstraintViolation,
                "/costDetails/chargingPeriods/0/dimensions/0/type",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},{usage},"chargingPeriods":[{{"startPeriod":"2024-01-01T00:00:00Z","dimensions":[{{"type":"Energy"}}]}}]"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/chargingPeriods/0/dimensions/0/volume",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},{usage},"failureReason":"{}""#,
                    "r".repeat(501)
                )),
                PropertyConstraintViolation,
                "/costDetails/failureReason",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},"totalUsage":{{"energy":1,"chargingTime":1}}"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/totalUsage/idleTime",
            ),
            (
                cost(&format!(
                    r#""totalCost":{{{valid_total}}},"totalUsage":{{"energy":1,"chargingTime":1,"idleTime":1,"reservationTime":0.5}}"#
                )),
                TypeConstraintViolation,
                "/costDetails/totalUsage/reservationTime",
            ),
            (
                total(r#""typeOfCost":"NormalCost","total":{}"#),
                OccurrenceConstraintViolation,
                "/costDetails/totalCost/currency",
            ),
            (
                total(r#""currency":"EURO","typeOfCost":"NormalCost","total":{}"#),
                PropertyConstraintViolation,
                "/costDetails/totalCost/currency",
            ),
            (
                total(r#""currency":"EUR","typeOfCost":"Cheap","total":{}"#),
                PropertyConstraintViolation,
                "/costDetails/totalCost/typeOfCost",
            ),
            (
                total(r#""currency":"EUR","typeOfCost":"NormalCost""#),
                OccurrenceConstraintViolation,
                "/costDetails/totalCost/total",
            ),
            (
                total(r#""currency":"EUR","typeOfCost":"NormalCost","total":{"tax":1}"#),
                ProtocolError,
                "/costDetails/totalCost/total/tax",
            ),
            (
                total(&format!(r#"{valid_total},"energy":{{"taxRates":[]}}"#)),
                OccurrenceConstraintViolation,
                "/costDetails/totalCost/energy/taxRates",
            ),
            (
                total(&format!(
                    r#"{valid_total},"energy":{{"taxRates":[{rate},{rate},{rate},{rate},{rate},{rate}]}}"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/totalCost/energy/taxRates",
            ),
            // Too many items is found at the array's start, before a fault inside it.
            (
                total(&format!(
                    r#"{valid_total},"energy":{{"taxRates":[{rate},{rate},{rate},{rate},{rate},{{}}]}}"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/totalCost/energy/taxRates",
            ),
            (
                total(&format!(
                    r#"{valid_total},"idleTime":{{"taxRates":[{rate},{{"type":"VAT","tax":1,"stack":-1}}]}}"#
                )),
                PropertyConstraintViolation,
                "/costDetails/totalCost/idleTime/taxRates/1/stack",
            ),
            (
                total(&format!(
                    r#"{valid_total},"fixed":{{"taxRates":[{{"type":"VAT"}}]}}"#
                )),
                OccurrenceConstraintViolation,
                "/costDetails/totalCost/fixed/taxRates/0/tax",
            ),
            (
                total(&format!(
                    r#"{valid_total},"fixed":{{"taxRates":[{{"type":"TWENTY_ONE_CHARACTERS","tax":1}}]}}"#
                )),
                PropertyConstraintViolation,
                "/costDetails/totalCost/fixed/taxRates/0/type",
            ),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                outcome_in(text, Dialect::V21).map(|_| ()),
                Err((*code, path.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn the_off_profile_skips_2_1_bounds_but_not_counts() {
        use crate::profile::{decode_lenient, Profile};
        let off = |text: &str| {
            let f = from_slice_in::<TransactionEventRequest>(text.as_bytes(), true, Dialect::V21)
                .unwrap_err();
            decode_lenient::<TransactionEventRequest>(
                text.as_bytes(),
                true,
                f,
                Profile::Off,
                Dialect::V21,
            )
            .map(|(v, d)| (v, d.warnings.len()))
            .map_err(|f| f.kind.id())
        };
        let text = FULL_21
            .replace(r#""maxSoC":100"#, r#""maxSoC":101"#)
            .replace(r#""numberOfPhasesUsed":3"#, r#""numberOfPhasesUsed":4"#)
            .replace(r#""seqNo":0"#, r#""seqNo":-3"#)
            .replace(
                r#""type":"EVCCID""#,
                r#""type":"A_TYPE_OF_TWENTY_FIVE_CHS""#,
            );
        let (te, warnings) = off(&text).unwrap();
        assert_eq!(
            (te.seq_no, te.number_of_phases_used, warnings),
            (-3, Some(4), 0)
        );
        let rate = r#"{"type":"VAT","tax":1}"#;
        let rates = format!(r#""taxRates":[{rate},{rate},{rate},{rate},{rate},{rate}]"#);
        let text = FULL_21.replace(
            r#""energy":{"exclTax":2}"#,
            &format!(r#""energy":{{{rates}}}"#),
        );
        assert_eq!(off(&text).unwrap_err(), "too_many_items");
    }

    #[test]
    fn each_rule_gives_its_code_and_path() {
        let minimal = r#"{"eventType":"Started","timestamp":"2024-05-01T12:00:00Z","triggerReason":"Authorized","seqNo":0,"transactionInfo":{"transactionId":"t"}}"#;
        assert!(outcome(minimal).is_ok());
        let with = |extra: &str| minimal.replacen('{', &format!("{{{extra},"), 1);
        let cases: &[(String, ErrorCode, &str)] = &[
            (
                r#"{"seqNo":1}"#.into(),
                OccurrenceConstraintViolation,
                "/eventType",
            ),
            (
                r#"{"eventType":"Started","timestamp":"2024-05-01T12:00:00Z"}"#.into(),
                OccurrenceConstraintViolation,
                "/triggerReason",
            ),
            (
                with(r#""eventType":"Paused""#),
                PropertyConstraintViolation,
                "/eventType",
            ),
            (
                with(r#""offline":"no""#),
                TypeConstraintViolation,
                "/offline",
            ),
            (
                with(r#""meterValue":[]"#),
                OccurrenceConstraintViolation,
                "/meterValue",
            ),
            (
                with(
                    r#""meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":1,"phase":"L4"}]}]"#,
                ),
                PropertyConstraintViolation,
                "/meterValue/0/sampledValue/0/phase",
            ),
            (
                with(r#""evse":{"connectorId":1}"#),
                OccurrenceConstraintViolation,
                "/evse/id",
            ),
            (
                with(r#""idToken":{"idToken":"x","type":"Magic"}"#),
                PropertyConstraintViolation,
                "/idToken/type",
            ),
            (
                with(r#""idToken":{"idToken":"x","type":"Local","additionalInfo":[]}"#),
                OccurrenceConstraintViolation,
                "/idToken/additionalInfo",
            ),
            (
                with(&format!(
                    r#""idToken":{{"idToken":"{}","type":"Local"}}"#,
                    "x".repeat(37)
                )),
                PropertyConstraintViolation,
                "/idToken/idToken",
            ),
            (
                with(r#""transactionInfo":{"transactionId":"t","extra":1}"#),
                ProtocolError,
                "/transactionInfo/extra",
            ),
            (with(r#""seqNo":5"#), PropertyConstraintViolation, "/seqNo"),
            (
                with(r#""cableMaxCurrent":1.5"#),
                TypeConstraintViolation,
                "/cableMaxCurrent",
            ),
            (with(r#""surprise":1"#), ProtocolError, "/surprise"),
        ];
        for (text, code, path) in cases {
            assert_eq!(
                outcome(text).map(|_| ()),
                Err((*code, path.to_string())),
                "{text}"
            );
        }
    }
}
