//! Invariants shared by the fuzz targets. Every check panics on violation, which libFuzzer
//! reports as a crash and saves the input under `artifacts/<target>/`.
//!
//! For every input:
//! - decoding never panics (a panic in the core is a crash here too);
//! - `trusted_utf8 = true` gives exactly the result of `trusted_utf8 = false` whenever the input
//!   is valid UTF-8 (the flag is an optimisation only);
//! - a fault's description is at most 255 characters, and its pointer can be built;
//! - a decoded value re-encodes to UTF-8 JSON that decodes to an equal value, and encoding that
//!   value again gives the same bytes (the output is canonical).

use std::fmt::Debug;

use ocpp_meter::error::{Fault, MAX_DESCRIPTION};
use ocpp_meter::frame::{
    check_message_id, decode_call, decode_message, encode_call, encode_call_error,
    encode_call_result, Action, FrameFault, Message,
};
use ocpp_meter::{from_slice, Decode, Encode};

/// Every action a CALLRESULT may answer.
pub const ACTIONS: &[Action] = &[Action::MeterValues];

/// The checks every fault must pass.
pub fn check_fault(fault: &Fault) {
    let description = fault.description();
    let n = description.chars().count();
    assert!(n <= MAX_DESCRIPTION, "description of {n} characters: {description:?}");
    assert!(!description.is_empty(), "empty description for {fault:?}");
    let pointer = fault.pointer();
    assert!(pointer.is_empty() || pointer.starts_with('/'), "bad pointer {pointer:?}");
}

/// A payload entry point: `from_slice::<T>` on arbitrary bytes.
pub fn check_payload<T: Decode + Encode + PartialEq + Debug>(data: &[u8]) {
    let untrusted = from_slice::<T>(data, false);
    if let Ok(text) = std::str::from_utf8(data) {
        let trusted = from_slice::<T>(text.as_bytes(), true);
        assert_eq!(untrusted, trusted, "trusted_utf8 changes the result");
    }
    match untrusted {
        Err(fault) => check_fault(&fault),
        Ok(value) => {
            let encoded = value.to_vec();
            assert!(std::str::from_utf8(&encoded).is_ok(), "output is not UTF-8");
            let again = match from_slice::<T>(&encoded, false) {
                Ok(v) => v,
                Err(f) => panic!(
                    "re-encoded value does not decode: {f:?}\n{}",
                    String::from_utf8_lossy(&encoded)
                ),
            };
            assert_eq!(value, again, "decode(encode(x)) != x");
            assert_eq!(encoded, again.to_vec(), "encoding is not canonical");
        }
    }
}

fn same_frame_result(a: &Result<Message, FrameFault>, b: &Result<Message, FrameFault>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x == y,
        (Err(x), Err(y)) => {
            x.fault == y.fault && x.message_id == y.message_id && x.message_type == y.message_type
        }
        _ => false,
    }
}

fn encode_message(m: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    match m {
        Message::Call {
            message_id,
            request,
        } => encode_call(message_id, request, &mut out),
        Message::CallResult {
            message_id,
            response,
        } => encode_call_result(message_id, response, &mut out),
        Message::CallError {
            message_id,
            code,
            description,
            details,
        } => encode_call_error(message_id, *code, description, details, &mut out),
    }
    out
}

fn message_id(m: &Message) -> &str {
    match m {
        Message::Call { message_id, .. }
        | Message::CallResult { message_id, .. }
        | Message::CallError { message_id, .. } => message_id,
    }
}

/// The frame entry point: `decode_message` with each action, and `decode_call`.
pub fn check_frame(data: &[u8]) {
    for &action in ACTIONS {
        let untrusted = decode_message(data, false, action);
        if let Ok(text) = std::str::from_utf8(data) {
            let trusted = decode_message(text.as_bytes(), true, action);
            assert!(
                same_frame_result(&untrusted, &trusted),
                "trusted_utf8 changes the result: {untrusted:?} vs {trusted:?}"
            );
        }
        match &untrusted {
            Err(ff) => {
                check_fault(&ff.fault);
                if let Some(id) = &ff.message_id {
                    assert!(check_message_id(id).is_ok(), "fault carries a bad id {id:?}");
                }
                if let Some(t) = ff.message_type {
                    assert!((2..=4).contains(&t), "message type {t}");
                }
            }
            Ok(message) => {
                assert!(check_message_id(message_id(message)).is_ok());
                let encoded = encode_message(message);
                assert!(std::str::from_utf8(&encoded).is_ok(), "output is not UTF-8");
                let again = match decode_message(&encoded, false, action) {
                    Ok(m) => m,
                    Err(f) => panic!(
                        "re-encoded frame does not decode: {f:?}\n{}",
                        String::from_utf8_lossy(&encoded)
                    ),
                };
                assert_eq!(message, &again, "decode(encode(x)) != x");
                assert_eq!(encoded, encode_message(&again), "encoding is not canonical");
            }
        }
        if action == Action::MeterValues {
            let call = decode_call(data, false);
            match (&untrusted, &call) {
                (Ok(Message::Call { message_id, request }), Ok((id, req))) => {
                    assert_eq!(message_id, id);
                    assert_eq!(request, req);
                }
                (Ok(Message::Call { .. }), Err(f)) => panic!("decode_call rejects a CALL: {f:?}"),
                (Ok(_), Ok(_)) => panic!("decode_call accepts a non-CALL"),
                (Err(a), Err(b)) => assert_eq!(a.fault, b.fault, "decode_call reports another fault"),
                (Err(_), Ok(_)) => panic!("decode_call accepts what decode_message rejects"),
                (Ok(_), Err(f)) => check_fault(&f.fault),
            }
        }
    }
}
