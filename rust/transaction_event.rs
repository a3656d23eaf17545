//! The `TransactionEvent` request of OCPP 2.0.1: most meter data of a charging session travels
//! in its `meterValue` array, which uses the very types of `MeterValues`. Model, decoding and
//! encoding of the message's own types live here; the shared ones come from [`crate::model`].

use crate::datetime::DateTime;
use crate::decode::{
    boolean, custom_data, date_time, enumerated, fields, integer, missing, non_empty_array, object,
    string_max, Decode,
};
use crate::encode::{Encode, Obj};
use crate::error::Res;
use crate::model::{wire_enum, CustomData, MeterValue};
use crate::reader::Reader;

/// `maxLength` of `transactionId`, `idToken` and `additionalIdToken`.
pub const MAX_IDENTIFIER: usize = 36;
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
});

wire_enum!(
    /// `IdTokenEnumType`.
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
    pub type_: IdTokenKind,
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

/// `TransactionType`.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    pub transaction_id: String,
    pub charging_state: Option<ChargingState>,
    pub time_spent_charging: Option<i64>,
    pub stopped_reason: Option<Reason>,
    pub remote_start_id: Option<i64>,
    pub custom_data: Option<Box<CustomData>>,
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
}

const ADDITIONAL_INFO_KEYS: &[&str] = &["additionalIdToken", "type", "customData"];

impl Decode for AdditionalInfo {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut token, mut kind, mut custom) = (None, None, None);
        fields!(r, ADDITIONAL_INFO_KEYS, {
            0 => token = string_max(r, MAX_IDENTIFIER),
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
            0 => token = string_max(r, MAX_IDENTIFIER),
            1 => kind = enumerated::<IdTokenKind>(r),
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
            0 => id = integer(r),
            1 => connector = integer(r),
            2 => custom = custom_data(r),
        });
        Ok(Evse {
            id: id.ok_or_else(|| missing(r, "id"))?,
            connector_id: connector,
            custom_data: custom,
        })
    }
}

const TRANSACTION_KEYS: &[&str] = &[
    "transactionId",
    "chargingState",
    "timeSpentCharging",
    "stoppedReason",
    "remoteStartId",
    "customData",
];

impl Decode for Transaction {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut id, mut state, mut spent, mut reason, mut remote, mut custom) =
            (None, None, None, None, None, None);
        fields!(r, TRANSACTION_KEYS, {
            0 => id = string_max(r, MAX_IDENTIFIER),
            1 => state = enumerated::<ChargingState>(r),
            2 => spent = integer(r),
            3 => reason = enumerated::<Reason>(r),
            4 => remote = integer(r),
            5 => custom = custom_data(r),
        });
        Ok(Transaction {
            transaction_id: id.ok_or_else(|| missing(r, "transactionId"))?.into_owned(),
            charging_state: state,
            time_spent_charging: spent,
            stopped_reason: reason,
            remote_start_id: remote,
            custom_data: custom,
        })
    }
}

/// In the order of the schema's `properties` (senders mostly write them so).
const REQUEST_KEYS: &[&str] = &[
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
];

impl Decode for TransactionEventRequest {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut event, mut meter, mut timestamp, mut trigger, mut seq) =
            (None, None, None, None, None);
        let (mut offline, mut phases, mut cable, mut reservation) = (None, None, None, None);
        let (mut transaction, mut evse, mut token, mut custom) = (None, None, None, None);
        fields!(r, REQUEST_KEYS, {
            0 => event = enumerated::<TransactionEventType>(r),
            1 => meter = non_empty_array::<MeterValue>(r, 1),
            2 => timestamp = date_time(r),
            3 => trigger = enumerated::<TriggerReason>(r),
            4 => seq = integer(r),
            5 => offline = boolean(r),
            6 => phases = integer(r),
            7 => cable = integer(r),
            8 => reservation = integer(r),
            9 => transaction = object::<Transaction>(r),
            10 => evse = object::<Evse>(r),
            11 => token = object::<IdToken>(r),
            12 => custom = custom_data(r),
        });
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
        o.str("type", self.type_.as_str());
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
        o.close();
    }
}

impl Encode for TransactionEventRequest {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.custom(&self.custom_data);
        o.str("eventType", self.event_type.as_str());
        if let Some(mv) = &self.meter_value {
            o.array("meterValue", mv);
        }
        o.date_time("timestamp", &self.timestamp);
        o.str("triggerReason", self.trigger_reason.as_str());
        o.int("seqNo", self.seq_no);
        if let Some(b) = self.offline {
            o.key("offline")
                .extend_from_slice(if b { b"true" } else { b"false" });
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
    use crate::decode::from_slice;
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
        assert_eq!(token.type_, IdTokenKind::Iso14443);
        assert_eq!(token.additional_info.as_ref().unwrap()[0].type_, "y");
        assert_eq!(
            te.meter_value.as_ref().unwrap()[0].sampled_value[0].value,
            7.5
        );
        let again = outcome(std::str::from_utf8(&te.to_vec()).unwrap()).unwrap();
        assert_eq!(again, te);
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
