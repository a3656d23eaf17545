//! The 1.6 decoders, encoders and frames against hand-written cases; the differential test
//! against the schema files themselves is tests/test_conformance_16.py.

use super::error::ErrorCode16::{self, *};
use super::model::*;
use super::responses::*;
use crate::dialect::Dialect;
use crate::fault::error::ErrorCode;
use crate::ocpp::decode::{from_slice_in, Decode};
use crate::ocpp::encode::Encode;
use crate::ocppj::frame16::*;
use crate::test_support::{mutate, xorshift};

const MV: &str = r#"{"connectorId":1,"transactionId":7,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":"0012.50","context":"Sample.Periodic","format":"Raw","measurand":"Temperature","phase":"L1-N","location":"Body","unit":"Celsius"},{"value":"4F2A","format":"SignedData"}]}]}"#;
const START: &str = r#"{"connectorId":2,"idTag":"ABC","meterStart":1000,"reservationId":3,"timestamp":"2024-01-01T00:00:00+01:00"}"#;
const STOP: &str = r#"{"idTag":"ABC","meterStop":2500,"timestamp":"2024-01-01T02:00:00Z","transactionId":7,"reason":"EVDisconnected","transactionData":[{"timestamp":"2024-01-01T02:00:00Z","sampledValue":[{"value":"2500","context":"Transaction.End"}]},{"timestamp":"2024-01-01T02:00:01Z","sampledValue":[]}]}"#;

fn decoded<T: Decode>(text: &str) -> Result<T, (ErrorCode, ErrorCode16, String)> {
    from_slice_in::<T>(text.as_bytes(), false, Dialect::V16)
        .map_err(|f| (f.code(), ErrorCode16::of(&f.kind), f.pointer()))
}

fn mv(sampled: &str) -> String {
    format!(
        r#"{{"connectorId":1,"meterValue":[{{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{sampled}]}}]}}"#
    )
}

fn stop(data: &str) -> String {
    format!(
        r#"{{"meterStop":1,"timestamp":"2024-01-01T00:00:00Z","transactionId":1,"transactionData":[{{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{data}]}}]}}"#
    )
}

#[test]
fn a_full_meter_values_request_keeps_the_text_and_reads_the_number() {
    let r = decoded::<MeterValuesRequest>(MV).unwrap();
    assert_eq!((r.connector_id, r.transaction_id), (1, Some(7)));
    let sv = &r.meter_value[0].sampled_value;
    assert_eq!(sv[0].value, "0012.50");
    assert_eq!(sv[0].number, Some(12.5));
    assert_eq!(sv[0].measurand, Some(Measurand::Temperature));
    assert_eq!(sv[0].unit, Some(Unit::Celsius));
    assert_eq!(sv[0].context, Some(ReadingContext::SamplePeriodic));
    assert_eq!(sv[0].phase, Some(Phase::L1N));
    assert_eq!(sv[0].location, Some(Location::Body));
    // Signed data is not a number: it is kept, unread.
    assert_eq!((sv[1].value.as_str(), sv[1].number), ("4F2A", None));
    assert!(sv[1].is_signed());
    // Re-encoded, the readings are the text that was sent, digit for digit.
    let out = r.to_vec();
    assert_eq!(std::str::from_utf8(&out).unwrap(), MV);
}

#[test]
fn start_and_stop_transaction_and_their_responses_round_trip() {
    let start = decoded::<StartTransactionRequest>(START).unwrap();
    assert_eq!((start.connector_id, start.meter_start), (2, 1000));
    assert_eq!(start.timestamp.offset_minutes, 60);
    let again =
        decoded::<StartTransactionRequest>(std::str::from_utf8(&start.to_vec()).unwrap()).unwrap();
    assert_eq!(again, start);

    let stop_req = decoded::<StopTransactionRequest>(STOP).unwrap();
    assert_eq!(stop_req.reason, Some(Reason::EVDisconnected));
    let data = stop_req.transaction_data.as_ref().unwrap();
    assert_eq!(data[0].sampled_value[0].number, Some(2500.0));
    assert!(
        data[1].sampled_value.is_empty(),
        "StopTransaction allows none"
    );
    assert_eq!(std::str::from_utf8(&stop_req.to_vec()).unwrap(), STOP);

    let conf = r#"{"idTagInfo":{"expiryDate":"2025-01-01T00:00:00Z","parentIdTag":"P","status":"ConcurrentTx"},"transactionId":42}"#;
    let c = decoded::<StartTransactionResponse>(conf).unwrap();
    assert_eq!(c.transaction_id, 42);
    assert_eq!(c.id_tag_info.status, AuthorizationStatus::ConcurrentTx);
    assert_eq!(std::str::from_utf8(&c.to_vec()).unwrap(), conf);
    assert_eq!(
        decoded::<StopTransactionResponse>("{}").unwrap(),
        StopTransactionResponse::default()
    );
    assert_eq!(
        decoded::<MeterValuesResponse>("{}").unwrap().to_vec(),
        b"{}"
    );
}

#[test]
fn each_rule_gives_its_code_in_both_spellings_and_its_path() {
    use ErrorCode::*;
    let sv = "/meterValue/0/sampledValue/0";
    let cases: Vec<(String, ErrorCode, ErrorCode16, String)> = vec![
        (
            r#"{"meterValue":[]}"#.into(),
            OccurrenceConstraintViolation,
            OccurenceConstraintViolation,
            "/meterValue".into(),
        ),
        (
            r#"{"connectorId":1}"#.into(),
            OccurrenceConstraintViolation,
            OccurenceConstraintViolation,
            "/meterValue".into(),
        ),
        (
            r#"{"evseId":1}"#.into(),
            ProtocolError,
            FormationViolation,
            "/evseId".into(),
        ),
        // draft-04: 1.0 is not an integer.
        (
            r#"{"connectorId":1.0}"#.into(),
            TypeConstraintViolation,
            ErrorCode16::TypeConstraintViolation,
            "/connectorId".into(),
        ),
        (
            r#"{"connectorId":1,"transactionId":1e2}"#.into(),
            TypeConstraintViolation,
            ErrorCode16::TypeConstraintViolation,
            "/transactionId".into(),
        ),
        (
            r#"{"connectorId":-1}"#.into(),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            "/connectorId".into(),
        ),
        (
            r#"{"connectorId":99999999999999999999}"#.into(),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            "/connectorId".into(),
        ),
        (
            mv(r#"{"value":12.5}"#),
            TypeConstraintViolation,
            ErrorCode16::TypeConstraintViolation,
            format!("{sv}/value"),
        ),
        (
            mv(r#"{"value":"12,5"}"#),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            format!("{sv}/value"),
        ),
        (
            mv(r#"{"value":"1e3","format":"Raw"}"#),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            format!("{sv}/value"),
        ),
        (
            mv(r#"{"value":""}"#),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            format!("{sv}/value"),
        ),
        // The value's text is judged at the object's end, after the faults inside it.
        (
            mv(r#"{"value":"x","unit":"Hz"}"#),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            format!("{sv}/unit"),
        ),
        (
            mv(r#"{"context":"Trigger"}"#),
            OccurrenceConstraintViolation,
            OccurenceConstraintViolation,
            format!("{sv}/value"),
        ),
        (
            mv(r#"{"value":"1","measurand":"Energy.Active.Net"}"#),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            format!("{sv}/measurand"),
        ),
        (
            mv(r#"{"value":"1","location":"Upstream"}"#),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            format!("{sv}/location"),
        ),
        (
            mv(r#"{"value":"1","unitOfMeasure":{"unit":"Wh"}}"#),
            ProtocolError,
            FormationViolation,
            format!("{sv}/unitOfMeasure"),
        ),
        (
            mv(""),
            OccurrenceConstraintViolation,
            OccurenceConstraintViolation,
            "/meterValue/0/sampledValue".into(),
        ),
        (
            stop(r#"{"value":"1","unit":"Hertz"}"#),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            "/transactionData/0/sampledValue/0/unit".into(),
        ),
        (
            r#"{"meterStop":1,"timestamp":"2024-01-01T00:00:00Z"}"#.into(),
            OccurrenceConstraintViolation,
            OccurenceConstraintViolation,
            "/transactionId".into(),
        ),
        (
            r#"{"meterStop":1,"transactionId":1,"timestamp":"2024-01-01T00:00:00"}"#.into(),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            "/timestamp".into(),
        ),
        (
            r#"{"meterStop":1,"transactionId":1,"idTag":"123456789012345678901"}"#.into(),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            "/idTag".into(),
        ),
        (
            r#"{"meterStop":1,"transactionId":1,"reason":"Nope"}"#.into(),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            "/reason".into(),
        ),
        (
            r#"{"transactionId":1,"transactionId":2}"#.into(),
            PropertyConstraintViolation,
            ErrorCode16::PropertyConstraintViolation,
            "/transactionId".into(),
        ),
        ("[]".into(), FormatViolation, FormationViolation, "".into()),
    ];
    for (text, code, code16, path) in cases {
        let got = if text.contains("meterStop") || text.starts_with(r#"{"transactionId"#) {
            decoded::<StopTransactionRequest>(&text).map(|_| ())
        } else {
            decoded::<MeterValuesRequest>(&text).map(|_| ())
        };
        assert_eq!(got, Err((code, code16, path)), "{text}");
    }
    // Hertz is a unit of MeterValues' schema; StopTransaction's lists it not.
    assert!(decoded::<MeterValuesRequest>(&mv(r#"{"value":"50","unit":"Hertz"}"#)).is_ok());
    assert_eq!(
        decoded::<StartTransactionRequest>(
            &START.replace(r#""connectorId":2"#, r#""connectorId":0"#)
        )
        .unwrap_err()
        .2,
        "/connectorId"
    );
}

#[test]
fn decimal_text_is_digits_with_one_optional_point() {
    use super::decode::decimal;
    for (text, v) in [
        ("0", 0.0),
        ("-1.5", -1.5),
        ("007", 7.0),
        ("123456.789", 123456.789),
    ] {
        assert_eq!(decimal(text), Ok(v), "{text}");
    }
    for text in [
        "", " 1", "1 ", "+1", "1.", ".5", "1e3", "NaN", "inf", "0x10", "1.2.3", "-",
    ] {
        assert!(decimal(text).is_err(), "{text}");
    }
    let huge = "9".repeat(400);
    assert_eq!(
        decimal(&huge),
        Err(crate::fault::error::FaultKind::OutOfRange)
    );
}

/// The fast path (few digits, one exact scaling) gives what `f64::from_str` gives, bit for
/// bit, on either side of its bounds: 19 digits, 2^53, 10^22.
#[test]
fn decimal_text_reads_as_f64_from_str_does() {
    use super::decode::decimal;
    let mut next = crate::test_support::xorshift(0x1616_dec1_3a11_0001);
    for _ in 0..400_000 {
        let r = next();
        let digits = 1 + (r % 25) as usize;
        let mut text = String::new();
        if r & (1 << 40) != 0 {
            text.push('-');
        }
        for i in 0..digits {
            let d = next() % 10;
            // Leading zeros now and then, and values near 2^53 through long digit strings.
            text.push(char::from(b'0' + d as u8));
            if i == 0 && r & (1 << 41) != 0 {
                text.push('0');
            }
        }
        let places = (r >> 8) as usize % (digits + 1);
        if places > 0 && places < text.trim_start_matches('-').len() {
            text.insert(text.len() - places, '.');
        }
        let want: f64 = text.parse().unwrap();
        assert_eq!(
            decimal(&text).map(f64::to_bits),
            Ok(want.to_bits()),
            "{text}"
        );
    }
    for text in [
        "9007199254740993",
        "900719925474099.3",
        "0.0000000000000000000001",
    ] {
        let want: f64 = text.parse().unwrap();
        assert_eq!(
            decimal(text).map(f64::to_bits),
            Ok(want.to_bits()),
            "{text}"
        );
    }
}

fn frame(text: &str) -> Result<Message16, (ErrorCode16, Option<String>)> {
    decode_message16(text.as_bytes(), false, Action16::StartTransaction)
        .map_err(|f| (ErrorCode16::of(&f.fault.kind), f.message_id))
}

#[test]
fn frames_of_the_three_actions_decode_and_encode() {
    for (action, payload) in [
        ("MeterValues", MV),
        ("StartTransaction", START),
        ("StopTransaction", STOP),
    ] {
        let text = format!(r#"[2,"m-1","{action}",{payload}]"#);
        let (id, request) = decode_call16(text.as_bytes(), false).unwrap();
        assert_eq!((id.as_str(), request.action().as_str()), ("m-1", action));
        let mut out = Vec::new();
        encode_call16(&id, &request, &mut out);
        assert_eq!(decode_call16(&out, false).unwrap(), (id, request));
    }
    let result = r#"[3,"m-1",{"idTagInfo":{"status":"Accepted"},"transactionId":5}]"#;
    let Ok(Message16::CallResult {
        message_id,
        response,
    }) = frame(result)
    else {
        panic!("a StartTransaction.conf")
    };
    let mut out = Vec::new();
    encode_call_result16(&message_id, &response, &mut out);
    assert_eq!(out, result.as_bytes());
}

#[test]
fn call_errors_use_the_1_6_codes_and_spellings() {
    let long = "d".repeat(300);
    let ok = format!(r#"[4,"e","OccurenceConstraintViolation","{long}",{{}}]"#);
    let Ok(Message16::CallError {
        code, description, ..
    }) = frame(&ok)
    else {
        panic!("a 1.6 CALLERROR")
    };
    // 1.6 sets no length on the description.
    assert_eq!(
        (code, description.len()),
        (OccurenceConstraintViolation, 300)
    );
    // The 2.0.1 spellings and codes are not 1.6's.
    for code in [
        "OccurrenceConstraintViolation",
        "FormatViolation",
        "RpcFrameworkError",
    ] {
        let text = format!(r#"[4,"e","{code}","",{{}}]"#);
        assert_eq!(
            frame(&text).unwrap_err(),
            (FormationViolation, Some("e".into())),
            "{code}"
        );
    }
    let mut out = Vec::new();
    encode_call_error16(
        "e",
        FormationViolation,
        "bad",
        &crate::json::value::JsonValue::Object(vec![]),
        &mut out,
    );
    assert_eq!(out, br#"[4,"e","FormationViolation","bad",{}]"#);
    for c in ErrorCode16::ALL {
        assert_eq!(ErrorCode16::from_wire(c.as_str()), Some(c));
    }
}

#[test]
fn envelope_faults_get_1_6_codes() {
    let id = |s: &str| Some(s.to_owned());
    let cases: &[(&str, ErrorCode16, Option<String>)] = &[
        ("", FormationViolation, None),
        (r#"[2,"","MeterValues",{}]"#, FormationViolation, None),
        (r#"[7,"a","MeterValues",{}]"#, FormationViolation, id("a")),
        (
            r#"[2,"a","MeterValues"]"#,
            ErrorCode16::ProtocolError,
            id("a"),
        ),
        (
            r#"[2,"a","MeterValues",{},1]"#,
            ErrorCode16::ProtocolError,
            id("a"),
        ),
        (r#"[2,"a","TransactionEvent",{}]"#, NotImplemented, id("a")),
        (r#"[2,"a","MeterValues",[]]"#, FormationViolation, id("a")),
        (
            r#"[2,"a","MeterValues",{"connectorId":1}"#,
            FormationViolation,
            id("a"),
        ),
        (
            r#"[2,"a","MeterValues",{"connectorId":1}]"#,
            OccurenceConstraintViolation,
            id("a"),
        ),
    ];
    for (text, code, message_id) in cases {
        assert_eq!(
            frame(text).map(|_| ()),
            Err((*code, message_id.clone())),
            "{text}"
        );
    }
}

/// Every single-byte mutation of valid frames ends in a value or a fault, never a panic; what
/// decodes survives a round trip.
#[test]
fn mutated_frames_never_panic_and_decoded_ones_round_trip() {
    let alphabet = b"{}[]:,\"0123456789-+.eE \\/utfnrlasxZT\xc3\xa9\xff\x00";
    let mut next = xorshift(0x1606_2016_DEAD_BEEF);
    let mut decoded = 0;
    for (action, payload) in [
        ("MeterValues", MV),
        ("StartTransaction", START),
        ("StopTransaction", STOP),
    ] {
        let text = format!(r#"[2,"m","{action}",{payload}]"#);
        for _ in 0..15_000 {
            let bytes = mutate(text.as_bytes(), alphabet, &mut next);
            if let Ok((id, request)) = decode_call16(&bytes, false) {
                let mut out = Vec::new();
                encode_call16(&id, &request, &mut out);
                assert_eq!(
                    decode_call16(&out, false).expect("re-decodes"),
                    (id, request)
                );
                decoded += 1;
            }
        }
    }
    // Some mutations keep a frame valid (a digit for a digit): the round trip ran.
    assert!(decoded > 500, "only {decoded} mutated frames decoded");
}

#[test]
fn text_keeps_every_length_and_byte() {
    // Each length around the word boundaries of the inline form, and past it (on the heap).
    let source = "0123456789.-abcdefghijklmnopqrstuvwxyz\u{e9}";
    for n in 0..=source.len() {
        let Some(s) = source.get(..n) else { continue };
        let text = Text::new(s);
        assert_eq!(text.as_str(), s, "length {n}");
        assert_eq!(text.is_inline(), n <= INLINE_TEXT, "length {n}");
    }
}
