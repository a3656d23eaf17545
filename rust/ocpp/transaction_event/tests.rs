//! Unit tests of the TransactionEvent request in both dialects.

use super::*;
use crate::fault::error::ErrorCode::{self, *};
use crate::ocpp::decode::{from_slice, from_slice_in};

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
        crate::ocpp::cost::TariffCost::MaxCost
    );
    assert_eq!(
        cost.charging_periods.as_ref().unwrap()[0]
            .dimensions
            .as_ref()
            .unwrap()[0]
            .r#type,
        crate::ocpp::cost::CostDimensionKind::IdleTime
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
            with(r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxSoC":101}}"#),
            PropertyConstraintViolation,
            "/transactionInfo/transactionLimit/maxSoC",
        ),
        (
            with(r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxSoC":-1}}"#),
            PropertyConstraintViolation,
            "/transactionInfo/transactionLimit/maxSoC",
        ),
        (
            with(r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxTime":1.5}}"#),
            TypeConstraintViolation,
            "/transactionInfo/transactionLimit/maxTime",
        ),
        (
            with(r#""transactionInfo":{"transactionId":"t","transactionLimit":{"maxCost":"1"}}"#),
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
    use crate::ocpp::profile::{decode_lenient, Profile};
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
