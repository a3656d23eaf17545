//! Invariants shared by the fuzz targets. Every check panics on violation, which libFuzzer
//! reports as a crash and saves the input under `artifacts/<target>/`.
//!
//! For every input, in both dialects (OCPP 2.0.1 and 2.1):
//! - decoding never panics (a panic in the core is a crash here too);
//! - `trusted_utf8 = true` gives exactly the result of `trusted_utf8 = false` whenever the input
//!   is valid UTF-8 (the flag is an optimisation only);
//! - a fault's description is at most 255 characters, and its pointer can be built;
//! - a decoded value re-encodes to UTF-8 JSON that decodes to an equal value, and encoding that
//!   value again gives the same bytes (the output is canonical).

use std::fmt::Debug;

use ocpp_meter::ocpp::decode::from_slice_in;
use ocpp_meter::fault::error::{Fault, MAX_DESCRIPTION};
use ocpp_meter::ocppj::frame::{
    check_message_id, decode_call, decode_call_as, decode_message, encode_call, encode_call_error,
    encode_call_result, Action, FrameFault, Message,
};
use ocpp_meter::ocpp::profile::Profile;
use ocpp_meter::{Decode, Dialect, Encode};

/// Every action a CALLRESULT may answer: each selects the response decoder of its payload
/// (`MeterValuesResponse`, `TransactionEventResponse`).
pub const ACTIONS: &[Action] = &[Action::MeterValues, Action::TransactionEvent];

/// The checks every fault must pass.
pub fn check_fault(fault: &Fault) {
    let description = fault.description();
    let n = description.chars().count();
    assert!(
        n <= MAX_DESCRIPTION,
        "description of {n} characters: {description:?}"
    );
    assert!(!description.is_empty(), "empty description for {fault:?}");
    let pointer = fault.pointer();
    assert!(
        pointer.is_empty() || pointer.starts_with('/'),
        "bad pointer {pointer:?}"
    );
}

/// A payload entry point: `from_slice_in::<T>` on arbitrary bytes, in every dialect.
pub fn check_payload<T: Decode + Encode + PartialEq + Debug>(data: &[u8]) {
    for dialect in Dialect::ALL {
        check_payload_in::<T>(data, dialect);
    }
}

fn check_payload_in<T: Decode + Encode + PartialEq + Debug>(data: &[u8], dialect: Dialect) {
    let untrusted = from_slice_in::<T>(data, false, dialect);
    if let Ok(text) = std::str::from_utf8(data) {
        let trusted = from_slice_in::<T>(text.as_bytes(), true, dialect);
        assert_eq!(untrusted, trusted, "trusted_utf8 changes the result");
    }
    match untrusted {
        Err(fault) => check_fault(&fault),
        Ok(value) => {
            let encoded = value.to_vec();
            assert!(std::str::from_utf8(&encoded).is_ok(), "output is not UTF-8");
            let again = match from_slice_in::<T>(&encoded, false, dialect) {
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

/// The validation profiles, in every dialect: `decode_call_as` never panics; strict 2.0.1 is
/// `decode_call`; what the strict profile decodes the others decode alike, with nothing
/// reported; a fault keeps the checks of [`check_fault`]; what a profile accepts re-encodes to
/// a frame it decodes again to an equal request.
pub fn check_profiles(data: &[u8]) {
    for dialect in Dialect::ALL {
        check_profiles_in(data, dialect);
    }
}

fn check_profiles_in(data: &[u8], dialect: Dialect) {
    let strict = decode_call_as(data, false, Profile::Strict, dialect).map(|(id, r, d)| {
        assert!(d.is_empty(), "strict reports deviations: {d:?}");
        (id, r)
    });
    if dialect == Dialect::V201 {
        let plain = decode_call(data, false);
        match (&strict, &plain) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "decode_call_as(strict) != decode_call"),
            (Err(a), Err(b)) => assert_eq!(a.fault, b.fault, "another fault"),
            _ => panic!("decode_call_as(strict) and decode_call disagree"),
        }
    }
    for profile in [Profile::Lenient, Profile::Off] {
        match decode_call_as(data, false, profile, dialect) {
            Err(ff) => {
                check_fault(&ff.fault);
                assert!(
                    strict.is_err(),
                    "{profile:?} rejects what strict accepts: {ff:?}"
                );
            }
            Ok((id, request, deviations)) => {
                if let Ok((strict_id, strict_request)) = &strict {
                    assert_eq!((&id, &request), (strict_id, strict_request));
                    assert!(
                        deviations.is_empty(),
                        "warnings on valid input: {deviations:?}"
                    );
                }
                for w in &deviations.warnings {
                    assert!(
                        w.path.is_empty() || w.path.starts_with('/'),
                        "bad path {w:?}"
                    );
                    assert!(w.raw.chars().count() <= MAX_DESCRIPTION, "raw too long");
                }
                let mut encoded = Vec::new();
                encode_call(&id, &request, &mut encoded);
                let (again_id, again, _) = match decode_call_as(&encoded, false, profile, dialect) {
                    Ok(v) => v,
                    Err(f) => panic!(
                        "re-encoded {profile:?} frame does not decode: {f:?}\n{}",
                        String::from_utf8_lossy(&encoded)
                    ),
                };
                assert_eq!((again_id, again), (id, request), "decode(encode(x)) != x");
            }
        }
    }
}

/// The frame entry point: `decode_message` with each action, and `decode_call`.
pub fn check_frame(data: &[u8]) {
    check_profiles(data);
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
                    assert!(
                        check_message_id(id).is_ok(),
                        "fault carries a bad id {id:?}"
                    );
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
                (
                    Ok(Message::Call {
                        message_id,
                        request,
                    }),
                    Ok((id, req)),
                ) => {
                    assert_eq!(message_id, id);
                    assert_eq!(request, req);
                }
                (Ok(Message::Call { .. }), Err(f)) => panic!("decode_call rejects a CALL: {f:?}"),
                (Ok(_), Ok(_)) => panic!("decode_call accepts a non-CALL"),
                (Err(a), Err(b)) => {
                    assert_eq!(a.fault, b.fault, "decode_call reports another fault")
                }
                (Err(_), Ok(_)) => panic!("decode_call accepts what decode_message rejects"),
                (Ok(_), Err(f)) => check_fault(&f.fault),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The batch entry point.

use std::sync::Arc;

use ocpp_meter::columnar::batch::{decode_batch, Batch, StationIds};
use ocpp_meter::columnar::columns::{Builder, Table, Values};
use ocpp_meter::ocppj::frame::Request;
use ocpp_meter::ocpp::model::MeterValue;
use ocpp_meter::columnar::rows::{
    push_meter_values, push_transaction_event, write_accepted, write_rejected, ErrorColumns,
    RowColumns,
};

/// Frames of a batch input are separated by this byte (seeds are JSON Lines).
pub const FRAME_SEPARATOR: u8 = b'\n';

/// A column of one or more record batches, concatenated and comparable: validity per slot;
/// for `utf8` the length of each value in `values` and the bytes in `data`, for the numeric
/// types each value's bits in `values` (0 in a null slot, whatever the buffer holds there).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Column {
    pub valid: Vec<bool>,
    pub values: Vec<u64>,
    pub data: Vec<u8>,
}

/// The columns of `tables`, concatenated: how the rows are cut into record batches is left
/// out. Checks each batch's buffers on the way (lengths, null counts, UTF-8 of `utf8` values).
pub fn flatten(tables: &[Arc<Table>]) -> Vec<Column> {
    let mut columns: Vec<Column> = Vec::new();
    for table in tables {
        if columns.is_empty() {
            columns = vec![Column::default(); table.columns.len()];
        }
        assert_eq!(
            columns.len(),
            table.columns.len(),
            "record batches of another schema"
        );
        for (out, c) in columns.iter_mut().zip(&table.columns) {
            let name = c.field.name;
            assert_eq!(
                c.len, table.len,
                "column {name} of {} rows in a batch of {}",
                c.len, table.len
            );
            let base = out.valid.len();
            match &c.validity {
                Some(v) => {
                    assert!(v.len() * 8 >= c.len, "short validity bitmap in {name}");
                    out.valid
                        .extend((0..c.len).map(|i| v[i / 8] & (1 << (i % 8)) != 0));
                }
                None => out.valid.resize(base + c.len, true),
            }
            let nulls = out.valid[base..].iter().filter(|v| !**v).count();
            assert_eq!(nulls, c.null_count, "null count of {name}");
            assert!(c.field.nullable || nulls == 0, "null in {name}");
            let valid = &out.valid[base..];
            match &c.values {
                Values::Utf8 { offsets, data } => {
                    assert_eq!(offsets.len(), c.len + 1, "offsets of {name}");
                    for (i, w) in offsets.windows(2).enumerate() {
                        let s = &data[w[0] as usize..w[1] as usize];
                        let s = if valid[i] { s } else { &[][..] };
                        assert!(std::str::from_utf8(s).is_ok(), "bad UTF-8 in {name}");
                        out.values.push(s.len() as u64);
                        out.data.extend_from_slice(s);
                    }
                }
                Values::I32(v) => out.values.extend(v.iter().zip(valid).map(|(x, ok)| {
                    if *ok {
                        *x as i64 as u64
                    } else {
                        0
                    }
                })),
                Values::I64(v) => {
                    out.values.extend(
                        v.iter()
                            .zip(valid)
                            .map(|(x, ok)| if *ok { *x as u64 } else { 0 }),
                    )
                }
                Values::F64(v) => {
                    out.values.extend(
                        v.iter()
                            .zip(valid)
                            .map(|(x, ok)| if *ok { x.to_bits() } else { 0 }),
                    )
                }
                // Bit-packed, least significant bit first, as Arrow lays out booleans.
                Values::Bool(bits) => {
                    assert!(bits.len() * 8 >= c.len, "bits of {name}");
                    out.values.extend(
                        (0..c.len).map(|i| u64::from(valid[i] && bits[i / 8] >> (i % 8) & 1 == 1)),
                    )
                }
            }
            assert_eq!(out.values.len(), out.valid.len(), "values of {name}");
        }
    }
    columns
}

fn sampled_values(meter_value: &[MeterValue]) -> usize {
    meter_value.iter().map(|m| m.sampled_value.len()).sum()
}

/// A batch reduced to what must not depend on the thread count.
#[derive(Debug, PartialEq)]
struct Outcome {
    rows: Vec<Column>,
    errors: Vec<Column>,
    replies: Vec<Option<Vec<u8>>>,
    frame_rows: Vec<u32>,
}

fn outcome(batch: &Batch, frames: usize) -> Outcome {
    assert!(
        !batch.rows.is_empty() && !batch.errors.is_empty(),
        "a batch keeps its schema"
    );
    assert_eq!(batch.frame_rows.len(), frames, "frame_rows");
    assert_eq!(batch.replies.len(), frames, "replies");
    assert_eq!(
        batch.row_count(),
        batch.frame_rows.iter().map(|n| *n as usize).sum::<usize>(),
        "row count"
    );
    Outcome {
        rows: flatten(&batch.rows),
        errors: flatten(&batch.errors),
        replies: batch
            .replies
            .iter()
            .map(|r| r.map(<[u8]>::to_vec))
            .collect(),
        frame_rows: batch.frame_rows.clone(),
    }
}

/// The station id given to frame `i` (short, varied, sometimes not ASCII).
fn station(i: usize) -> &'static str {
    ["CS-1", "", "é", "CS-000000000000000000001"][i % 4]
}

/// The batch entry point: `data` cut on [`FRAME_SEPARATOR`] into frames, decoded by
/// `decode_batch` on 1, 2 and 3 threads. Checks: no panic; the same rows, error records,
/// replies and per-frame row counts whatever the thread count; and every frame's outcome is
/// the one of decoding it alone with `decode_call` then appending its rows to fresh columns
/// (same error record and reply, or the same rows, as many as it has sampled values).
pub fn check_batch(data: &[u8]) {
    let frames: Vec<&[u8]> = data.split(|b| *b == FRAME_SEPARATOR).collect();
    let ids: Vec<&str> = (0..frames.len()).map(station).collect();

    // The expected outcome, frame by frame.
    let mut rows = RowColumns::default();
    let mut errors = ErrorColumns::default();
    let mut replies = Vec::with_capacity(frames.len());
    let mut frame_rows = Vec::with_capacity(frames.len());
    for (i, frame) in frames.iter().enumerate() {
        let pushed = match decode_call(frame, false) {
            Err(ff) => Err(ff),
            Ok((id, request)) => {
                let (pushed, sampled) = match &request {
                    Request::MeterValues(req) => (
                        push_meter_values(&mut rows, ids[i], &id, req),
                        sampled_values(&req.meter_value),
                    ),
                    Request::TransactionEvent(req) => (
                        push_transaction_event(&mut rows, ids[i], &id, req),
                        req.meter_value.as_deref().map_or(0, sampled_values),
                    ),
                };
                match pushed {
                    Ok(n) => {
                        assert_eq!(n, sampled, "rows of frame {i} != its sampled values");
                        Ok((id, n))
                    }
                    Err(fault) => {
                        check_fault(&fault);
                        Err(FrameFault {
                            fault,
                            message_id: Some(id),
                            message_type: Some(2),
                        })
                    }
                }
            }
        };
        match pushed {
            Ok((id, n)) => {
                let mut reply = Vec::new();
                write_accepted(&id, &mut reply);
                replies.push(Some(reply));
                frame_rows.push(n as u32);
            }
            Err(ff) => {
                errors.push(i, ff.message_id.as_deref(), &ff.fault);
                let mut reply = Vec::new();
                replies.push(write_rejected(&ff, &mut reply).then_some(reply));
                frame_rows.push(0);
            }
        }
    }
    let expected = Outcome {
        rows: flatten(&[Arc::new(rows.finish())]),
        errors: flatten(&[Arc::new(errors.finish())]),
        replies,
        frame_rows,
    };

    // 3 threads only differ from 2 with 3 frames or more (the count is clamped to the frames).
    let counts: &[usize] = if frames.len() >= 3 {
        &[1, 2, 3]
    } else {
        &[1, 2]
    };
    for &threads in counts {
        let batch = decode_batch(&frames, StationIds::PerFrame(&ids), threads);
        let got = outcome(&batch, frames.len());
        if got != expected {
            // Say which part differs first, with the frames, for a readable report.
            assert_eq!(
                got.frame_rows, expected.frame_rows,
                "frame_rows, {threads} threads"
            );
            assert_eq!(
                got.errors, expected.errors,
                "error records, {threads} threads"
            );
            assert_eq!(got.replies, expected.replies, "replies, {threads} threads");
            assert_eq!(got.rows, expected.rows, "rows, {threads} threads");
        }
    }
}
