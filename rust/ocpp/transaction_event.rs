//! The `TransactionEvent` request of OCPP 2.0.1 and 2.1: most meter data of a charging session
//! travels in its `meterValue` array, which uses the very types of `MeterValues`. Model,
//! decoding and encoding of the message's own types live here; the shared ones come from
//! [`crate::ocpp::model`], the cost types of 2.1 from [`crate::ocpp::cost`].
//!
//! One model serves both dialects, so that the same JSON is the same value whatever the
//! dialect it was read under (pickles reload under 2.1). What only 2.1 has sits behind one
//! pointer per object (`v21`), absent on a 2.0.1 frame; the key tables of 2.0.1 are prefixes of
//! 2.1's, so that under 2.0.1 a 2.1 property is an unknown one, as the 2.0.1 schema has it.

use std::borrow::Cow;

use crate::dialect::Dialect;
use crate::fault::error::Res;
use crate::json::datetime::DateTime;
use crate::json::reader::Reader;
use crate::ocpp::cost::{CostDetails, TransactionLimit, MAX_TARIFF_ID};
use crate::ocpp::decode::{
    boolean, check_bounds, custom_data, date_time, enumerated, fields, integer, missing,
    non_empty_array, object, string_max, Decode,
};
use crate::ocpp::encode::{Encode, Obj};
use crate::ocpp::model::{wire_enum, CustomData, MeterValue};

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
        // 1.6 has no TransactionEvent: a 1.6 reader never gets here.
        Dialect::V201 | Dialect::V16 => MAX_IDENTIFIER,
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
            // 1.6 has no TransactionEvent: a 1.6 reader never gets here.
            Dialect::V201 | Dialect::V16 => TRANSACTION_KEYS,
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
            // 1.6 has no TransactionEvent: a 1.6 reader never gets here.
            Dialect::V201 | Dialect::V16 => REQUEST_KEYS,
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
mod tests;
