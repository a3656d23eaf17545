//! 1.6 frames under the non-strict profiles: a CALL whose payload fails strictly only with
//! deviations the profile accepts in 1.6 ([`crate::ocpp::profile`]'s second table, and the timestamp,
//! array and unknown-property repairs of its first) is decoded, with what was accepted, by the
//! same repair loop as 2.0.1's. The envelope is never relaxed. The batch and the typed entry
//! points (`decode_call`, `decode_message`) both read 1.6 through here.

use crate::dialect::Dialect;
use crate::ocpp::profile::{decode_lenient, is_repairable, no_sampled_values, Deviations, Profile};
use crate::ocppj::frame::{call_payload, FrameFault};

use crate::ocpp::v16::model::{
    MeterValue, MeterValuesRequest, SampledValue, StartTransactionRequest, StopTransactionRequest,
};
use crate::ocpp::v16::responses::{IdTagInfo, StartTransactionResponse, StopTransactionResponse};
use crate::ocppj::frame16::{call16_of, decode_message16, Action16, Message16, Request16};

// The 1.6 types read leniently: the requests in the repair loop, and every type of a Python
// class when its value unpickles (see `no_sampled_values!`).
no_sampled_values!(
    SampledValue,
    MeterValue,
    MeterValuesRequest,
    StartTransactionRequest,
    StartTransactionResponse,
    IdTagInfo,
    StopTransactionRequest,
    StopTransactionResponse
);

/// [`decode_message16`] under a validation profile: a CALL whose payload fails strictly only
/// with deviations the profile accepts is decoded, with what was accepted; envelope faults,
/// CALLRESULTs and CALLERRORs are read as strictly as ever.
pub fn decode_message16_as(
    buf: &[u8],
    trusted_utf8: bool,
    result_action: Action16,
    profile: Profile,
) -> Result<(Message16, Deviations), FrameFault> {
    match decode_message16(buf, trusted_utf8, result_action) {
        Ok(message) => Ok((message, Deviations::default())),
        Err(ff)
            if ff.message_type == Some(2)
                && ff.message_id.is_some()
                && is_repairable(&ff.fault, profile, Dialect::V16) =>
        {
            lenient_call16(buf, trusted_utf8, ff, profile).map(|(message_id, request, d)| {
                (
                    Message16::Call {
                        message_id,
                        request,
                    },
                    d,
                )
            })
        }
        Err(ff) => Err(ff),
    }
}

/// [`crate::ocppj::frame16::decode_call16`] under a validation profile.
pub fn decode_call16_as(
    buf: &[u8],
    trusted_utf8: bool,
    profile: Profile,
) -> Result<(String, Request16, Deviations), FrameFault> {
    let (message, d) = decode_message16_as(buf, trusted_utf8, Action16::MeterValues, profile)?;
    call16_of(message).map(|(message_id, request)| (message_id, request, d))
}

#[cold]
#[inline(never)]
fn lenient_call16(
    buf: &[u8],
    trusted_utf8: bool,
    ff: FrameFault,
    profile: Profile,
) -> Result<(String, Request16, Deviations), FrameFault> {
    let Some((action, payload)) = call_payload(buf, trusted_utf8, Action16::from_wire) else {
        return Err(ff);
    };
    let (fault, t) = (ff.fault, trusted_utf8);
    let d = Dialect::V16;
    let result = match action {
        Action16::MeterValues => decode_lenient(payload, t, fault, profile, d)
            .map(|(r, d)| (Request16::MeterValues(r), d)),
        Action16::StartTransaction => decode_lenient(payload, t, fault, profile, d)
            .map(|(r, d)| (Request16::StartTransaction(r), d)),
        Action16::StopTransaction => decode_lenient(payload, t, fault, profile, d)
            .map(|(r, d)| (Request16::StopTransaction(r), d)),
    };
    let message_id = ff.message_id.expect("checked by the caller");
    match result {
        Ok((request, deviations)) => Ok((message_id, request, deviations)),
        Err(fault) => Err(FrameFault {
            fault,
            message_id: Some(message_id),
            message_type: ff.message_type,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocpp::v16::ErrorCode16;
    use crate::ocppj::frame16::decode_call16;

    /// A warning's code, path and raw text.
    type Seen = (&'static str, String, String);

    fn lenient(frame: &str) -> Result<(Request16, Vec<Seen>), FrameFault> {
        decode_call16_as(frame.as_bytes(), false, Profile::Lenient).map(|(_, r, d)| {
            let w = d
                .warnings
                .into_iter()
                .map(|w| (w.code, w.path, w.raw))
                .collect();
            (r, w)
        })
    }

    fn w(code: &'static str, path: &str, raw: &str) -> Seen {
        (code, path.to_owned(), raw.to_owned())
    }

    #[test]
    fn every_1_6_quirk_is_repaired_with_a_warning_in_document_order() {
        let mv = r#"{"timestamp":"2024-05-01T12:00:00+0200","sampledValue":[{"value":604.213,"unit":"Wh"},{"value":" 12.5 ","measurand":"Current.Import","unit":"A"},{"value":"","measurand":"SoC"},{"value":"50.01","measurand":"Frequency","unit":"Hz"}]}"#;
        let frame = format!(
            r#"[2,"q","MeterValues",{{"connectorId":1,"meterValue":[{mv},{{"timestamp":"2024-05-01T12:00:10","sampledValue":[]}}]}}]"#
        );
        let (req, warnings) = lenient(&frame).unwrap();
        let sv = "/meterValue/0/sampledValue";
        assert_eq!(
            warnings,
            [
                w(
                    "offset_without_colon",
                    "/meterValue/0/timestamp",
                    "2024-05-01T12:00:00+0200"
                ),
                w("number_for_string", &format!("{sv}/0/value"), "604.213"),
                w("padded_decimal", &format!("{sv}/1/value"), " 12.5 "),
                w("empty_value", &format!("{sv}/2/value"), ""),
                w("hz_for_hertz", &format!("{sv}/3/unit"), "Hz"),
                w(
                    "timestamp_without_offset",
                    "/meterValue/1/timestamp",
                    "2024-05-01T12:00:10"
                ),
                w("empty_sampled_value", "/meterValue/1/sampledValue", "[]"),
            ]
        );
        let Request16::MeterValues(req) = req else {
            panic!("MeterValues")
        };
        let s = &req.meter_value[0].sampled_value;
        assert_eq!(
            (s[0].value.as_str(), s[0].number),
            ("604.213", Some(604.213))
        );
        assert_eq!((s[1].value.as_str(), s[1].number), ("12.5", Some(12.5)));
        assert_eq!((s[2].value.as_str(), s[2].number), ("", None));
        assert_eq!(s[3].unit, Some(crate::ocpp::v16::model::Unit::Hertz));
        assert!(req.meter_value[1].sampled_value.is_empty());
        // Strictly, the first quirk is the error, with its 1.6 code.
        let ff = decode_call16_as(frame.as_bytes(), false, Profile::Strict).unwrap_err();
        assert_eq!(
            (ff.fault.pointer().as_str(), ErrorCode16::of(&ff.fault.kind)),
            (
                "/meterValue/0/timestamp",
                ErrorCode16::PropertyConstraintViolation
            )
        );
    }

    #[test]
    fn a_meter_value_object_and_quirks_inside_it_have_paths_as_sent() {
        let data =
            r#"{"timestamp":"2024-05-01T12:00:00Z","sampledValue":{"value":10,"unit":"Wh"}}"#;
        let frame = format!(
            r#"[2,"q","StopTransaction",{{"meterStop":20,"timestamp":"2024-05-01T12:00:00Z","transactionId":7,"transactionData":{data}}}]"#
        );
        let (req, warnings) = lenient(&frame).unwrap();
        assert_eq!(
            warnings,
            [
                w("object_for_array", "/transactionData", data),
                w(
                    "object_for_array",
                    "/transactionData/sampledValue",
                    r#"{"value":10,"unit":"Wh"}"#
                ),
                w(
                    "number_for_string",
                    "/transactionData/sampledValue/value",
                    "10"
                ),
            ]
        );
        let Request16::StopTransaction(req) = req else {
            panic!("StopTransaction")
        };
        assert_eq!(
            req.transaction_data.unwrap()[0].sampled_value[0].value,
            "10"
        );
    }

    #[test]
    fn what_is_not_a_quirk_stays_the_strict_error() {
        for (frame, path, code) in [
            // Not decimal text even trimmed; a decimal comma.
            (
                r#"[2,"q","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":" 12,5 "}]}]}]"#,
                "/meterValue/0/sampledValue/0/value",
                ErrorCode16::PropertyConstraintViolation,
            ),
            // An empty meterValue array is not an empty sampledValue.
            (
                r#"[2,"q","MeterValues",{"connectorId":1,"meterValue":[]}]"#,
                "/meterValue",
                ErrorCode16::OccurenceConstraintViolation,
            ),
            // Hertz (and so Hz) is not a unit of StopTransaction's transactionData.
            (
                r#"[2,"q","StopTransaction",{"meterStop":20,"timestamp":"2024-05-01T12:00:00Z","transactionId":7,"transactionData":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":"50","unit":"Hz"}]}]}]"#,
                "/transactionData/0/sampledValue/0/unit",
                ErrorCode16::PropertyConstraintViolation,
            ),
            // 1.6 keeps no raw enum strings.
            (
                r#"[2,"q","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":"1","measurand":"temperature"}]}]}]"#,
                "/meterValue/0/sampledValue/0/measurand",
                ErrorCode16::PropertyConstraintViolation,
            ),
            // A number where an integer belongs is not a string where decimal text belongs.
            (
                r#"[2,"q","MeterValues",{"connectorId":"1","meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":"1"}]}]}]"#,
                "/connectorId",
                ErrorCode16::TypeConstraintViolation,
            ),
            // The idTag is a string: a number there is not repaired.
            (
                r#"[2,"q","StartTransaction",{"connectorId":1,"idTag":1234,"meterStart":0,"timestamp":"2024-05-01T12:00:00Z"}]"#,
                "/idTag",
                ErrorCode16::TypeConstraintViolation,
            ),
        ] {
            let strict = decode_call16_as(frame.as_bytes(), false, Profile::Strict).unwrap_err();
            let ff = lenient(frame).unwrap_err();
            assert_eq!(ff.fault.pointer(), path, "{frame}");
            assert_eq!(ErrorCode16::of(&ff.fault.kind), code, "{frame}");
            assert_eq!(ff.message_id.as_deref(), Some("q"));
            assert_eq!(strict.fault.kind.id(), ff.fault.kind.id(), "{frame}");
        }
    }

    #[test]
    fn valid_frames_and_2_x_readings_are_unchanged() {
        let frame = r#"[2,"q","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":"1.5"}]}]}]"#;
        let (req, warnings) = lenient(frame).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(req, decode_call16(frame.as_bytes(), false).unwrap().1);
        // An empty sampledValue stays an error in 2.0.1 under lenient, as its corpus has it.
        let te = r#"[2,"q","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[]}]}]"#;
        let ff = crate::ocppj::frame::decode_call_as(
            te.as_bytes(),
            false,
            Profile::Lenient,
            Dialect::V201,
        )
        .unwrap_err();
        assert_eq!(ff.fault.kind.id(), "too_few_items");
    }

    /// Mutations of a frame full of quirks, under both non-strict profiles: never a panic, a
    /// frame strict accepts is decoded alike with no warning, and what a profile accepts
    /// re-encodes and decodes again under it to the same request.
    #[test]
    fn mutated_quirky_frames_never_panic_under_any_profile_and_round_trip() {
        use crate::ocppj::frame16::encode_call16;
        use crate::test_support::{mutate, xorshift};
        let alphabet = b"{}[]:,\"0123456789-+.eE \\HzuSOCtsf\xc3\xa9\x00";
        let mut next = xorshift(0x1616_0401_C0DE_F00D);
        let mut accepted = [0usize; 2];
        for frame in [
            r#"[2,"m","MeterValues",{"connectorId":1,"meterValue":{"timestamp":"2024-05-01T12:00:00+0200","sampledValue":[{"value":12.5,"unit":"Hz"},{"value":" 7 "},{"value":""}]}}]"#,
            r#"[2,"m","StopTransaction",{"meterStop":20,"timestamp":"2024-05-01T12:00:00","transactionId":7,"transactionData":{"timestamp":"2024-05-01T12:00:00Z","sampledValue":{"value":3}}}]"#,
            r#"[2,"m","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[]},{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":"1"}]}]}]"#,
        ] {
            for _ in 0..4_000 {
                let bytes = mutate(frame.as_bytes(), alphabet, &mut next);
                let strict = decode_call16(&bytes, false);
                for (k, profile) in [Profile::Lenient, Profile::Off].into_iter().enumerate() {
                    let Ok((id, request, d)) = decode_call16_as(&bytes, false, profile) else {
                        continue;
                    };
                    if let Ok((sid, srequest)) = &strict {
                        assert_eq!((sid, srequest), (&id, &request));
                        assert!(d.is_empty());
                    }
                    let mut out = Vec::new();
                    encode_call16(&id, &request, &mut out);
                    let (id2, again, _) =
                        decode_call16_as(&out, false, profile).expect("re-decodes");
                    assert_eq!((id2, again), (id, request));
                    accepted[k] += 1;
                }
            }
        }
        // Mutations that keep a frame readable (a digit for a digit) ran the round trip.
        assert!(accepted.iter().all(|&n| n > 250), "{accepted:?}");
    }
}
