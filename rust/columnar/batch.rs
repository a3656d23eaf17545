//! `decode_batch`: many frames to the row form at once, on several threads.
//!
//! Every input frame ends either as rows (`MeterValues`, or the meter values of a
//! `TransactionEvent`, possibly none) with the reply `[3,"id",{}]`, or as exactly one error
//! record with the CALLERROR a CSMS sends back (none for a frame read as a CALLRESULT or
//! CALLERROR, which are never answered). [`Batch::frame_rows`] says how many rows each frame
//! gave, so the accounting can be checked. An accepted `TransactionEvent` also gives one event
//! record ([`crate::columnar::events`]), whose `meter_value_count` is its rows; a rejected one gives none.
//!
//! The frames are cut into contiguous chunks of about equal bytes, one per thread
//! (`std::thread::scope`: the chunks borrow the input, and a batch is one fork and one join,
//! which needs no work-stealing pool); each chunk fills its own builders, and the chunks are
//! concatenated in input order, so the output does not depend on the thread count.
//!
//! Each frame is read by [`decode_call_as`], so a frame in a batch gets the same fault, found in
//! the same order (syntax, then envelope, then payload), and under a non-strict profile the
//! same warnings, as when it is decoded alone; a frame's warnings become records of their own
//! (`Batch::warnings`), its unknown properties' values are not kept (their text is in `raw`).

use std::ops::Range;
use std::sync::Arc;

use crate::columnar::columns::{Builder, Table};
use crate::columnar::events::{EventColumns, EventRecord};
use crate::columnar::rows::{
    push_meter_values, push_transaction_event, write_accepted, write_rejected, write_rejected_as,
    ErrorColumns, Replies, RowColumns, Segments, WarningColumns,
};
use crate::dialect::Dialect;
use crate::ocpp::profile::{Deviations, Profile};
use crate::ocppj::frame::{decode_call_as, FrameFault, Request};

/// With `threads == 0`, batches smaller than this run on the calling thread alone.
pub const PARALLEL_MIN_BYTES: usize = 256 * 1024;

/// The charging station of each frame.
#[derive(Clone, Copy, Debug)]
pub enum StationIds<'a> {
    /// All frames come from one station.
    Same(&'a str),
    /// One id per frame.
    PerFrame(&'a [&'a str]),
}

impl<'a> StationIds<'a> {
    fn get(&self, i: usize) -> &'a str {
        match self {
            StationIds::Same(s) => s,
            StationIds::PerFrame(ids) => ids[i],
        }
    }
}

/// The OCPP version of each frame: a capture of a mixed fleet gives each frame its station's.
#[derive(Clone, Copy, Debug)]
pub enum Dialects<'a> {
    /// All frames follow one version.
    Same(Dialect),
    /// One version per frame.
    PerFrame(&'a [Dialect]),
}

impl Dialects<'_> {
    #[inline]
    fn get(&self, i: usize) -> Dialect {
        match self {
            Dialects::Same(d) => *d,
            Dialects::PerFrame(ds) => ds[i],
        }
    }
}

impl From<Dialect> for Dialects<'_> {
    fn from(d: Dialect) -> Self {
        Dialects::Same(d)
    }
}

/// The outcome of a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// The rows as record batches ([`RowColumns::FIELDS`]), in input order; at least one.
    /// Several only when one would overflow Arrow's 32-bit string offsets.
    pub rows: Vec<Arc<Table>>,
    /// The error records ([`ErrorColumns::FIELDS`]), in input order; at least one batch.
    pub errors: Vec<Arc<Table>>,
    /// The event records of the accepted `TransactionEvent`s ([`EventColumns::FIELDS`]), in
    /// input order; at least one batch.
    pub events: Vec<Arc<Table>>,
    /// The deviations a non-strict profile accepted ([`WarningColumns::FIELDS`]), in input
    /// order; at least one batch.
    pub warnings: Vec<Arc<Table>>,
    /// The reply to each frame (`None`: nothing is sent).
    pub replies: Replies,
    /// Rows given by each frame (0 for a rejected frame).
    pub frame_rows: Vec<u32>,
}

impl Batch {
    pub fn row_count(&self) -> usize {
        self.rows.iter().map(|t| t.len).sum()
    }

    pub fn error_count(&self) -> usize {
        self.errors.iter().map(|t| t.len).sum()
    }

    pub fn warning_count(&self) -> usize {
        self.warnings.iter().map(|t| t.len).sum()
    }

    pub fn event_count(&self) -> usize {
        self.events.iter().map(|t| t.len).sum()
    }
}

/// Decodes `frames` (each one OCPP-J message, UTF-8 not assumed) of the stations
/// `station_ids`, on `threads` threads (`0`: as many as the machine has, and one for batches
/// under [`PARALLEL_MIN_BYTES`]). Panics if `station_ids` is `PerFrame` of another length.
pub fn decode_batch(frames: &[&[u8]], station_ids: StationIds<'_>, threads: usize) -> Batch {
    decode_batch_as(
        frames,
        station_ids,
        threads,
        Profile::Strict,
        Dialect::V201.into(),
    )
}

/// [`decode_batch`] under a validation profile (see [`crate::ocpp::profile`]), for frames of
/// `dialects`' schemas. 1.6 frames get 1.6's deviations under the non-strict profiles
/// ([`crate::ocppj::lenient16`]); their error records and CALLERRORs carry the 1.6 codes, and
/// an accepted StartTransaction gets no reply, since the Central System assigns its
/// transaction id. Panics if `dialects` is `PerFrame` of another length.
pub fn decode_batch_as(
    frames: &[&[u8]],
    station_ids: StationIds<'_>,
    threads: usize,
    profile: Profile,
    dialect: Dialects<'_>,
) -> Batch {
    if let StationIds::PerFrame(ids) = station_ids {
        assert_eq!(ids.len(), frames.len(), "one charging station id per frame");
    }
    if let Dialects::PerFrame(ds) = dialect {
        assert_eq!(ds.len(), frames.len(), "one dialect per frame");
    }
    let total: usize = frames.iter().map(|f| weight(f)).sum();
    let threads = match threads {
        0 if total < PARALLEL_MIN_BYTES => 1,
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, frames.len().max(1));
    let ranges = split(frames, threads, total);
    let mut chunks: Vec<Chunk> = if ranges.len() == 1 {
        vec![decode_chunk(
            frames,
            ranges[0].clone(),
            station_ids,
            profile,
            dialect,
        )]
    } else {
        std::thread::scope(|scope| {
            let (last, rest) = ranges.split_last().expect("two or more");
            let handles: Vec<_> = rest
                .iter()
                .map(|r| {
                    let r = r.clone();
                    scope.spawn(move || decode_chunk(frames, r, station_ids, profile, dialect))
                })
                .collect();
            // The calling thread takes the last chunk instead of waiting idle.
            let tail = decode_chunk(frames, last.clone(), station_ids, profile, dialect);
            let mut chunks: Vec<Chunk> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect();
            chunks.push(tail);
            chunks
        })
    };
    // Each chunk's rows stay record batches of their own: joining them would copy every
    // column once more, which costs more than the second thread gains.
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut events = Vec::new();
    let mut warnings = Vec::new();
    let mut replies = Replies::default();
    let mut frame_rows = Vec::with_capacity(frames.len());
    for chunk in chunks.drain(..) {
        rows.extend(chunk.rows.into_batches());
        errors.extend(chunk.errors.into_batches());
        events.extend(chunk.events.into_batches());
        warnings.extend(chunk.warnings.into_batches());
        replies.append(chunk.replies);
        frame_rows.extend_from_slice(&chunk.frame_rows);
    }
    Batch {
        rows: finish_all(rows),
        errors: finish_all(errors),
        events: finish_all(events),
        warnings: finish_all(warnings),
        replies,
        frame_rows,
    }
}

/// The finished record batches, empty ones left out but one kept, so the schema travels.
fn finish_all<B: Builder>(batches: Vec<B>) -> Vec<Arc<Table>> {
    let mut tables: Vec<Arc<Table>> = batches
        .into_iter()
        .filter(|b| !b.is_empty())
        .map(|b| Arc::new(b.finish()))
        .collect();
    if tables.is_empty() {
        tables.push(Arc::new(B::default().finish()));
    }
    tables
}

/// The cost of a frame for balancing: its bytes plus a fixed overhead.
fn weight(frame: &[u8]) -> usize {
    frame.len() + 64
}

/// `n` contiguous ranges of about `total / n` weight each (some may be empty).
fn split(frames: &[&[u8]], n: usize, total: usize) -> Vec<Range<usize>> {
    let mut ranges = Vec::with_capacity(n);
    let mut start = 0;
    let mut acc = 0;
    let mut i = 0;
    for k in 1..n {
        let target = total / n * k;
        while i < frames.len() && acc < target {
            acc += weight(frames[i]);
            i += 1;
        }
        ranges.push(start..i);
        start = i;
    }
    ranges.push(start..frames.len());
    ranges
}

/// What one thread produces.
#[derive(Default)]
struct Chunk {
    rows: Segments<RowColumns>,
    errors: Segments<ErrorColumns>,
    events: Segments<EventColumns>,
    warnings: Segments<WarningColumns>,
    replies: Replies,
    frame_rows: Vec<u32>,
}

impl Chunk {
    fn reject(&mut self, index: usize, ff: &FrameFault) {
        // An error record is a few hundred bytes at most: it always fits a batch.
        let _ = self.errors.push_frame(|e| {
            e.push(index, ff.message_id.as_deref(), &ff.fault);
            Ok(1)
        });
        self.replies.push_with(|out| write_rejected(ff, out));
        self.frame_rows.push(0);
    }

    /// Decodes 1.6 frame `index` into rows, an event record and a reply, or an error record;
    /// returns its rows. Out of line: it keeps the 2.x loop as it was.
    #[inline(never)]
    fn push16(&mut self, index: usize, frame: &[u8], station_id: &str, profile: Profile) -> usize {
        use crate::columnar::{events16 as ev, rows16 as r16};
        use crate::ocppj::frame16::Request16;
        use crate::ocppj::lenient16::decode_call16_as;
        let (id, request, deviations) = match decode_call16_as(frame, false, profile) {
            Ok(call) => call,
            Err(ff) => {
                self.reject16(index, &ff);
                return 0;
            }
        };
        let pushed = match &request {
            Request16::MeterValues(req) => self
                .rows
                .push_frame(|c| r16::push_meter_values(c, station_id, &id, req)),
            Request16::StartTransaction(req) => ev::check_start(req).and_then(|()| {
                let n = self
                    .rows
                    .push_frame(|c| r16::push_start_transaction(c, station_id, &id, req))?;
                // An event record is a few hundred bytes at most: it always fits.
                let _ = self.events.push_frame(|e| {
                    ev::push_start(e, station_id, &id, req, None, n);
                    Ok(1)
                });
                Ok(n)
            }),
            Request16::StopTransaction(req) => {
                let n = self
                    .rows
                    .push_frame(|c| r16::push_stop_transaction(c, station_id, &id, req));
                if let Ok(n) = n {
                    let _ = self.events.push_frame(|e| {
                        ev::push_stop(e, station_id, &id, req, n);
                        Ok(1)
                    });
                }
                n
            }
        };
        match pushed {
            Ok(n) => {
                self.frame_rows.push(n as u32);
                self.warn(index, &id, deviations);
                if matches!(request, Request16::StartTransaction(_)) {
                    self.replies.push_none();
                } else {
                    // MeterValues.conf is empty; StopTransaction.conf's idTagInfo optional.
                    self.replies.push_with(|out| {
                        write_accepted(&id, out);
                        true
                    });
                }
                n
            }
            Err(fault) => {
                self.reject16(
                    index,
                    &FrameFault {
                        fault,
                        message_id: Some(id),
                        message_type: Some(2),
                    },
                );
                0
            }
        }
    }

    /// [`Chunk::reject`] for a 1.6 frame: the record and the CALLERROR carry the 1.6 code.
    fn reject16(&mut self, index: usize, ff: &FrameFault) {
        use crate::ocpp::v16::ErrorCode16;
        use crate::ocppj::frame16::encode_call_error16;
        let code = ErrorCode16::of(&ff.fault.kind);
        let _ = self.errors.push_frame(|e| {
            e.push_coded(index, ff.message_id.as_deref(), &ff.fault, code.as_str());
            Ok(1)
        });
        self.replies.push_with(|out| {
            write_rejected_as(ff, out, |id, fault, details, out| {
                encode_call_error16(id, code, &fault.description(), details, out)
            })
        });
        self.frame_rows.push(0);
    }

    /// Records the warnings of frame `index`. Inlined: the check for none is all a strict
    /// frame costs, and with 1.6's frames as a second caller it was no longer inlined into the
    /// 2.x loop (callgrind: +23 instructions a frame).
    #[inline(always)]
    fn warn(&mut self, index: usize, message_id: &str, deviations: Deviations) {
        if !deviations.warnings.is_empty() {
            self.push_warnings(index, message_id, &deviations);
        }
    }

    #[cold]
    #[inline(never)]
    fn push_warnings(&mut self, index: usize, message_id: &str, deviations: &Deviations) {
        // Warning records are small: they always fit a batch.
        let _ = self.warnings.push_frame(|w| {
            w.push(index, message_id, &deviations.warnings);
            Ok(deviations.warnings.len())
        });
    }
}

/// Sizes a chunk's row columns ahead of its frames: room for the rows still to come, estimated
/// from the rows per byte of the frames so far, spares the columns a cascade of doublings (and
/// their page faults). The room is made when the first rows come and again whenever it is used
/// up, so a feed whose first frames are unlike the rest (a session opens with a Started event
/// of two readings, then Updated events of twelve) costs a few steps, not one per doubling.
#[derive(Debug)]
struct RowBudget {
    bytes_left: usize,
    bytes_seen: usize,
    rows_seen: usize,
    /// Bytes and rows since the room was last made.
    recent: (usize, usize),
    room: usize,
}

impl RowBudget {
    /// A budget for frames of `bytes` bytes in all.
    fn new(bytes: usize) -> Self {
        RowBudget {
            bytes_left: bytes,
            bytes_seen: 0,
            rows_seen: 0,
            recent: (0, 0),
            room: 0,
        }
    }

    /// Counts a frame of `len` bytes that gave `rows` rows; returns how many rows to make room
    /// for when the room made so far is used up.
    fn after_frame(&mut self, len: usize, rows: usize) -> Option<usize> {
        self.bytes_left -= len;
        self.bytes_seen += len;
        self.rows_seen += rows;
        self.recent = (self.recent.0 + len, self.recent.1 + rows);
        if rows <= self.room || self.bytes_left == 0 {
            self.room = self.room.saturating_sub(rows);
            return None;
        }
        // The rows per byte of all frames so far, or of those since the room was last made
        // when they give more (the feed's first frames may not be like the rest). `bytes_seen`
        // >= `len` > 0 here: a frame that gives rows is not empty.
        let per =
            |bytes: usize, rows: usize| rows as u128 * self.bytes_left as u128 / bytes as u128;
        let estimate = per(self.bytes_seen, self.rows_seen).max(per(self.recent.0, self.recent.1));
        // An eighth more, so that frames of one feed that vary in size a little never make the
        // columns grow once more (a copy of them all) near the end.
        let estimate = estimate as usize;
        self.room = estimate + estimate / 8;
        self.recent = (0, 0);
        Some(self.room)
    }
}

/// Room per frame in the replies: the longest accepted reply (`[3,"` + 36 + `",{}]`).
const ACCEPTED_REPLY_BYTES: usize = 45;

/// Event records after which the event columns are sized for the rest of a chunk.
const EVENTS_BEFORE_SIZING: usize = 16;

fn decode_chunk(
    frames: &[&[u8]],
    range: Range<usize>,
    station_ids: StationIds<'_>,
    profile: Profile,
    dialects: Dialects<'_>,
) -> Chunk {
    let mut chunk = Chunk::default();
    chunk.frame_rows.reserve(range.len());
    let mut budget = RowBudget::new(frames[range.clone()].iter().map(|f| f.len()).sum());
    // Room made ahead, so that the replies and the event columns do not grow by doubling (each
    // step a copy of all of them: 2% of a session batch's time went to those copies, perf).
    // An accepted frame's reply is `[3,"id",{}]`, at most 45 bytes for a message id of the
    // schema's 36 characters; the event columns are sized once a few events have shown the
    // lengths of their strings, for at most one event per frame still to come.
    chunk
        .replies
        .reserve(range.len(), range.len() * ACCEPTED_REPLY_BYTES);
    let end = range.end;
    let mut events_sized = false;
    for i in range {
        if !events_sized && chunk.events.current().len() == EVENTS_BEFORE_SIZING {
            chunk.events.current().reserve(end - i);
            events_sized = true;
        }
        let station_id = station_ids.get(i);
        let dialect = dialects.get(i);
        if dialect == Dialect::V16 {
            let rows = chunk.push16(i, frames[i], station_id, profile);
            if let Some(more) = budget.after_frame(frames[i].len(), rows) {
                chunk.rows.current().reserve(more);
            }
            continue;
        }
        let (message_id, pushed, deviations) =
            match decode_call_as(frames[i], false, profile, dialect) {
                Ok((id, Request::MeterValues(req), d)) => {
                    let pushed = chunk
                        .rows
                        .push_frame(|c| push_meter_values(c, station_id, &id, &req));
                    (id, pushed, d)
                }
                Ok((id, Request::TransactionEvent(req), d)) => {
                    // The record is checked before the rows are written, and written after
                    // them, so a rejected frame leaves neither.
                    let pushed = EventRecord::of(&req).and_then(|record| {
                        let n = chunk
                            .rows
                            .push_frame(|c| push_transaction_event(c, station_id, &id, &req))?;
                        // An event record is a few hundred bytes at most: it always fits.
                        let _ = chunk.events.push_frame(|e| {
                            e.push(station_id, &id, &record, n);
                            Ok(1)
                        });
                        Ok(n)
                    });
                    (id, pushed, d)
                }
                Err(ff) => {
                    budget.after_frame(frames[i].len(), 0);
                    chunk.reject(i, &ff);
                    continue;
                }
            };
        let rows = *pushed.as_ref().unwrap_or(&0);
        if let Some(more) = budget.after_frame(frames[i].len(), rows) {
            chunk.rows.current().reserve(more);
        }
        match pushed {
            Ok(n) => {
                chunk.frame_rows.push(n as u32);
                chunk.warn(i, &message_id, deviations);
                chunk.replies.push_with(|out| {
                    write_accepted(&message_id, out);
                    true
                });
            }
            Err(fault) => chunk.reject(
                i,
                &FrameFault {
                    fault,
                    message_id: Some(message_id),
                    message_type: Some(2),
                },
            ),
        }
    }
    chunk
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columnar::arrow::export_stream;
    use crate::columnar::arrow::import::{read_stream, Col};
    use crate::fault::error::ErrorCode;
    use crate::ocpp::profile::Profile;
    use crate::ocppj::frame::{decode_message, Action, Message};

    /// A typical periodic sample of a three-phase charger: 12 sampled values.
    const METER_VALUES: &str = r#"[2,"mv-1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00.123456789+02:00","sampledValue":[
        {"value":1234.567,"measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"kWh"}},
        {"value":11.2,"measurand":"Power.Active.Import","unitOfMeasure":{"unit":"kW"}},
        {"value":16.1,"measurand":"Current.Import","phase":"L1","unitOfMeasure":{"unit":"A"}},
        {"value":16.2,"measurand":"Current.Import","phase":"L2","unitOfMeasure":{"unit":"A"}},
        {"value":16.3,"measurand":"Current.Import","phase":"L3","unitOfMeasure":{"unit":"A"}},
        {"value":230.1,"measurand":"Voltage","phase":"L1-N","unitOfMeasure":{"unit":"V"}},
        {"value":229.8,"measurand":"Voltage","phase":"L2-N","unitOfMeasure":{"unit":"V"}},
        {"value":231.0,"measurand":"Voltage","phase":"L3-N","unitOfMeasure":{"unit":"V"}},
        {"value":50.01,"measurand":"Frequency","unitOfMeasure":{"unit":"Hz"}},
        {"value":80,"measurand":"SoC","location":"EV","unitOfMeasure":{"unit":"Percent"}},
        {"value":22000,"measurand":"Power.Offered","unitOfMeasure":{"unit":"W","multiplier":0}},
        {"value":98765,"context":"Sample.Clock","unitOfMeasure":{"multiplier":-3},
         "signedMeterValue":{"signedMeterData":"AQID","signingMethod":"ECDSA-secp256r1-SHA256","encodingMethod":"OCMF","publicKey":"BAUG"}}
    ]}]}]"#;

    const TRANSACTION_EVENT_FRAME: &str = r#"[2,"te-1","TransactionEvent",{"eventType":"Updated","timestamp":"2024-05-01T12:00:01Z",
        "triggerReason":"MeterValuePeriodic","seqNo":7,"transactionInfo":{"transactionId":"tx-42","chargingState":"Charging"},
        "evse":{"id":2,"connectorId":1},"meterValue":[
          {"timestamp":"2024-05-01T11:59:59Z","sampledValue":[{"value":5.5,"unitOfMeasure":{"unit":"kWh","multiplier":1}}]},
          {"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":6},{"value":3.7,"measurand":"Power.Active.Import","unitOfMeasure":{"unit":"kW"}}]}]}]"#;

    /// No `evse`, no `meterValue`: accepted, no rows.
    const TRANSACTION_STARTED: &str = r#"[2,"te-0","TransactionEvent",{"eventType":"Started","timestamp":"2024-05-01T11:00:00Z","triggerReason":"Authorized","seqNo":0,"transactionInfo":{"transactionId":"tx-42"}}]"#;

    /// `(frame, error code, message id, path, reply starts with)`; `None` reply: not answered.
    type Case = (
        &'static str,
        ErrorCode,
        Option<&'static str>,
        &'static str,
        Option<&'static str>,
    );

    const BROKEN: &[Case] = &[
        (
            "not json",
            ErrorCode::RpcFrameworkError,
            None,
            "",
            Some(r#"[4,"-1","RpcFrameworkError""#),
        ),
        (
            r#"[2,"b1","MeterValues",{"evseId":1,]"#,
            ErrorCode::FormatViolation,
            Some("b1"),
            "",
            Some(r#"[4,"b1","FormatViolation""#),
        ),
        (
            r#"[2,"b2","Heartbeat",{}]"#,
            ErrorCode::NotImplemented,
            Some("b2"),
            "",
            Some(r#"[4,"b2","NotImplemented""#),
        ),
        (
            r#"[9,"b3","MeterValues",{}]"#,
            ErrorCode::MessageTypeNotSupported,
            Some("b3"),
            "",
            Some(r#"[4,"b3","MessageTypeNotSupported""#),
        ),
        (
            r#"[2,"b4","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":1,"measurand":"Bogus"}]}]}]"#,
            ErrorCode::PropertyConstraintViolation,
            Some("b4"),
            "/meterValue/0/sampledValue/0/measurand",
            Some(r#"[4,"b4","PropertyConstraintViolation""#),
        ),
        (
            r#"[2,"b5","TransactionEvent",{"eventType":"Updated","timestamp":"2024-05-01T12:00:00Z","triggerReason":"Trigger","seqNo":1}]"#,
            ErrorCode::OccurrenceConstraintViolation,
            Some("b5"),
            "/transactionInfo",
            Some(r#"[4,"b5","OccurrenceConstraintViolation""#),
        ),
        (
            r#"[2,"b6","TransactionEvent",[]]"#,
            ErrorCode::FormatViolation,
            Some("b6"),
            "",
            Some(r#"[4,"b6","FormatViolation""#),
        ),
        (
            r#"[2,"b7","TransactionEvent",{"eventType":"Nope"}"#,
            ErrorCode::FormatViolation,
            Some("b7"),
            "",
            Some(r#"[4,"b7","FormatViolation""#),
        ),
        (
            r#"[2,"b8","TransactionEvent",{"seqNo":"x"},1]"#,
            ErrorCode::RpcFrameworkError,
            Some("b8"),
            "",
            Some(r#"[4,"b8","RpcFrameworkError""#),
        ),
        (
            r#"[2,"b9","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":1,"unitOfMeasure":{"multiplier":-2147483649}}]}]}]"#,
            ErrorCode::PropertyConstraintViolation,
            Some("b9"),
            "/meterValue/0/sampledValue/0/unitOfMeasure/multiplier",
            Some(r#"[4,"b9","PropertyConstraintViolation""#),
        ),
        (
            r#"[3,"r1",{}]"#,
            ErrorCode::RpcFrameworkError,
            Some("r1"),
            "",
            None,
        ),
        (
            r#"[3,"r2",{"bogus":1}]"#,
            ErrorCode::ProtocolError,
            Some("r2"),
            "/bogus",
            None,
        ),
        (
            r#"[4,"r3","GenericError","",{}]"#,
            ErrorCode::RpcFrameworkError,
            Some("r3"),
            "",
            None,
        ),
    ];

    fn run(frames: &[&str], threads: usize) -> Batch {
        let bytes: Vec<&[u8]> = frames.iter().map(|f| f.as_bytes()).collect();
        decode_batch(&bytes, StationIds::Same("CS-1"), threads)
    }

    fn rows(batch: &Batch) -> Vec<(String, bool, Col)> {
        unsafe { read_stream(export_stream(RowColumns::FIELDS, batch.rows.clone())).1 }
    }

    fn events(batch: &Batch) -> Vec<(String, bool, Col)> {
        unsafe { read_stream(export_stream(EventColumns::FIELDS, batch.events.clone())).1 }
    }

    fn errors(batch: &Batch) -> Vec<(String, bool, Col)> {
        unsafe { read_stream(export_stream(ErrorColumns::FIELDS, batch.errors.clone())).1 }
    }

    fn col<'c>(cols: &'c [(String, bool, Col)], name: &str) -> &'c Col {
        &cols
            .iter()
            .find(|c| c.0 == name)
            .unwrap_or_else(|| panic!("{name}"))
            .2
    }

    fn strings(cols: &[(String, bool, Col)], name: &str) -> Vec<Option<String>> {
        col(cols, name).strings()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    /// `(name, nullable, type)` of each column, as a reader of the stream sees it.
    fn schema_of(cols: &[(String, bool, Col)]) -> Vec<(&str, bool, &'static str)> {
        cols.iter()
            .map(|(n, nullable, c)| {
                let ty = match c {
                    Col::Utf8(_) => "utf8",
                    Col::Int32(_) => "int32",
                    Col::Int64(_) => "int64",
                    Col::Float64(_) => "float64",
                    Col::Bool(_) => "bool",
                    Col::TimestampUs(_) => "timestamp[us, UTC]",
                    Col::Dict(..) => "dictionary<int32, utf8>",
                };
                (n.as_str(), *nullable, ty)
            })
            .collect()
    }

    #[test]
    fn the_schema_is_the_contracts() {
        let batch = run(&[METER_VALUES], 1);
        let cols = rows(&batch);
        assert_eq!(
            schema_of(&cols),
            [
                ("station_id", false, "utf8"),
                ("message_id", false, "utf8"),
                ("action", false, "utf8"),
                ("evse_id", true, "int32"),
                ("connector_id", true, "int32"),
                ("transaction_id", true, "utf8"),
                ("event_type", true, "utf8"),
                ("seq_no", true, "int64"),
                ("meter_value_index", false, "int32"),
                ("sampled_value_index", false, "int32"),
                ("timestamp", false, "timestamp[us, UTC]"),
                ("value", false, "float64"),
                ("measurand", false, "dictionary<int32, utf8>"),
                ("phase", true, "utf8"),
                ("location", false, "utf8"),
                ("context", false, "utf8"),
                ("unit", false, "utf8"),
                ("multiplier", false, "int32"),
                ("normalized_value", false, "float64"),
                ("normalized_unit", false, "utf8"),
                ("signed_meter_data", true, "utf8"),
                ("signing_method", true, "utf8"),
                ("encoding_method", true, "utf8"),
                ("public_key", true, "utf8"),
            ]
        );
        // The event form (contract section 5), read from a batch without events: the schema
        // travels anyway.
        assert_eq!(
            schema_of(&events(&batch)),
            [
                ("station_id", false, "utf8"),
                ("message_id", false, "utf8"),
                ("transaction_id", false, "utf8"),
                ("event_type", false, "utf8"),
                ("timestamp", false, "timestamp[us, UTC]"),
                ("trigger_reason", true, "utf8"),
                ("seq_no", true, "int64"),
                ("offline", true, "bool"),
                ("number_of_phases_used", true, "int32"),
                ("cable_max_current", true, "int32"),
                ("reservation_id", true, "int32"),
                ("remote_start_id", true, "int32"),
                ("charging_state", true, "utf8"),
                ("stopped_reason", true, "utf8"),
                ("time_spent_charging", true, "int64"),
                ("evse_id", true, "int32"),
                ("connector_id", true, "int32"),
                ("id_token", true, "utf8"),
                ("id_token_type", true, "utf8"),
                ("meter_value_count", false, "int32"),
            ]
        );
    }

    #[test]
    fn a_meter_values_frame_reads_back_column_by_column() {
        let batch = run(&[METER_VALUES], 1);
        assert_eq!((batch.row_count(), batch.error_count()), (12, 0));
        assert_eq!(batch.frame_rows, [12]);
        assert_eq!(batch.replies.get(0), Some(&br#"[3,"mv-1",{}]"#[..]));
        let c = rows(&batch);
        assert_eq!(strings(&c, "station_id"), vec![s("CS-1"); 12]);
        assert_eq!(strings(&c, "message_id"), vec![s("mv-1"); 12]);
        assert_eq!(strings(&c, "action"), vec![s("MeterValues"); 12]);
        assert_eq!(col(&c, "evse_id"), &Col::Int32(vec![Some(1); 12]));
        assert_eq!(col(&c, "connector_id"), &Col::Int32(vec![None; 12]));
        assert_eq!(strings(&c, "transaction_id"), vec![None; 12]);
        assert_eq!(strings(&c, "event_type"), vec![None; 12]);
        assert_eq!(col(&c, "seq_no"), &Col::Int64(vec![None; 12]));
        assert_eq!(col(&c, "meter_value_index"), &Col::Int32(vec![Some(0); 12]));
        assert_eq!(
            col(&c, "sampled_value_index"),
            &Col::Int32((0..12).map(Some).collect())
        );
        // 12:00:00.123456789+02:00 is 10:00:00.123456Z, the nanoseconds floored.
        assert_eq!(
            col(&c, "timestamp"),
            &Col::TimestampUs(vec![Some(1_714_557_600_123_456); 12])
        );
        let values = [
            1234.567, 11.2, 16.1, 16.2, 16.3, 230.1, 229.8, 231.0, 50.01, 80.0, 22000.0, 98765.0,
        ];
        assert_eq!(col(&c, "value"), &Col::Float64(values.map(Some).to_vec()));
        let measurands = [
            "Energy.Active.Import.Register",
            "Power.Active.Import",
            "Current.Import",
            "Current.Import",
            "Current.Import",
            "Voltage",
            "Voltage",
            "Voltage",
            "Frequency",
            "SoC",
            "Power.Offered",
            "Energy.Active.Import.Register",
        ];
        assert_eq!(strings(&c, "measurand"), measurands.map(s).to_vec());
        let Col::Dict(_, dictionary) = col(&c, "measurand") else {
            panic!("a dictionary")
        };
        assert_eq!(
            dictionary.len(),
            56,
            "every MeasurandEnumType value of 2.0.1 and 2.1"
        );
        let phases = [
            None,
            None,
            s("L1"),
            s("L2"),
            s("L3"),
            s("L1-N"),
            s("L2-N"),
            s("L3-N"),
        ];
        let mut want_phases = phases.to_vec();
        want_phases.resize(12, None);
        assert_eq!(strings(&c, "phase"), want_phases);
        let mut locations = vec![s("Outlet"); 12];
        locations[9] = s("EV");
        assert_eq!(strings(&c, "location"), locations);
        let mut contexts = vec![s("Sample.Periodic"); 12];
        contexts[11] = s("Sample.Clock");
        assert_eq!(strings(&c, "context"), contexts);
        let units = [
            "kWh", "kW", "A", "A", "A", "V", "V", "V", "Hz", "Percent", "W", "Wh",
        ];
        assert_eq!(strings(&c, "unit"), units.map(s).to_vec());
        let mut multipliers = vec![Some(0); 12];
        multipliers[11] = Some(-3);
        assert_eq!(col(&c, "multiplier"), &Col::Int32(multipliers));
        let normalized = [
            1234567.0, 11200.0, 16.1, 16.2, 16.3, 230.1, 229.8, 231.0, 50.01, 80.0, 22000.0, 98.765,
        ];
        assert_eq!(
            col(&c, "normalized_value"),
            &Col::Float64(normalized.map(Some).to_vec())
        );
        let normalized_units = [
            "Wh", "W", "A", "A", "A", "V", "V", "V", "Hz", "Percent", "W", "Wh",
        ];
        assert_eq!(
            strings(&c, "normalized_unit"),
            normalized_units.map(s).to_vec()
        );
        let signed = |v: &str| {
            let mut all = vec![None; 12];
            all[11] = s(v);
            all
        };
        assert_eq!(strings(&c, "signed_meter_data"), signed("AQID"));
        assert_eq!(
            strings(&c, "signing_method"),
            signed("ECDSA-secp256r1-SHA256")
        );
        assert_eq!(strings(&c, "encoding_method"), signed("OCMF"));
        assert_eq!(strings(&c, "public_key"), signed("BAUG"));
    }

    #[test]
    fn transaction_events_mix_with_meter_values() {
        let frames = [TRANSACTION_STARTED, TRANSACTION_EVENT_FRAME, METER_VALUES];
        let bytes: Vec<&[u8]> = frames.iter().map(|f| f.as_bytes()).collect();
        let ids = ["A", "B", "C"];
        let batch = decode_batch(&bytes, StationIds::PerFrame(&ids), 1);
        assert_eq!(batch.frame_rows, [0, 3, 12]);
        assert_eq!(batch.error_count(), 0);
        let replies: Vec<_> = batch.replies.iter().collect();
        assert_eq!(
            replies,
            [
                Some(&br#"[3,"te-0",{}]"#[..]),
                Some(&br#"[3,"te-1",{}]"#[..]),
                Some(&br#"[3,"mv-1",{}]"#[..])
            ]
        );
        let c = rows(&batch);
        let first = |name: &str| -> Col {
            match col(&c, name) {
                Col::Utf8(v) => Col::Utf8(v[..4].to_vec()),
                Col::Int32(v) => Col::Int32(v[..4].to_vec()),
                Col::Int64(v) => Col::Int64(v[..4].to_vec()),
                Col::Float64(v) => Col::Float64(v[..4].to_vec()),
                Col::Bool(v) => Col::Bool(v[..4].to_vec()),
                Col::TimestampUs(v) => Col::TimestampUs(v[..4].to_vec()),
                Col::Dict(v, d) => Col::Dict(v[..4].to_vec(), d.clone()),
            }
        };
        let te = |v: &str| Col::Utf8(vec![s(v), s(v), s(v), None]);
        assert_eq!(
            first("station_id"),
            Col::Utf8(vec![s("B"), s("B"), s("B"), s("C")])
        );
        assert_eq!(
            first("action"),
            Col::Utf8(vec![
                s("TransactionEvent"),
                s("TransactionEvent"),
                s("TransactionEvent"),
                s("MeterValues")
            ])
        );
        assert_eq!(
            first("evse_id"),
            Col::Int32(vec![Some(2), Some(2), Some(2), Some(1)])
        );
        assert_eq!(
            first("connector_id"),
            Col::Int32(vec![Some(1), Some(1), Some(1), None])
        );
        assert_eq!(first("transaction_id"), te("tx-42"));
        assert_eq!(first("event_type"), te("Updated"));
        assert_eq!(
            first("seq_no"),
            Col::Int64(vec![Some(7), Some(7), Some(7), None])
        );
        assert_eq!(
            first("meter_value_index"),
            Col::Int32(vec![Some(0), Some(1), Some(1), Some(0)])
        );
        assert_eq!(
            first("sampled_value_index"),
            Col::Int32(vec![Some(0), Some(0), Some(1), Some(0)])
        );
        assert_eq!(
            first("timestamp"),
            Col::TimestampUs(vec![
                Some(1_714_564_799_000_000),
                Some(1_714_564_800_000_000),
                Some(1_714_564_800_000_000),
                Some(1_714_557_600_123_456)
            ])
        );
        assert_eq!(
            first("normalized_value"),
            Col::Float64(vec![
                Some(55000.0),
                Some(6.0),
                Some(3700.0),
                Some(1234567.0)
            ])
        );
        assert_eq!(
            first("unit"),
            Col::Utf8(vec![s("kWh"), s("Wh"), s("kW"), s("kWh")])
        );
        assert_eq!(
            first("multiplier"),
            Col::Int32(vec![Some(1), Some(0), Some(0), Some(0)])
        );

        // One event record per TransactionEvent, the one without meter values too.
        let e = events(&batch);
        assert_eq!(batch.event_count(), 2);
        assert_eq!(strings(&e, "station_id"), [s("A"), s("B")]);
        assert_eq!(strings(&e, "message_id"), [s("te-0"), s("te-1")]);
        assert_eq!(strings(&e, "event_type"), [s("Started"), s("Updated")]);
        assert_eq!(
            strings(&e, "trigger_reason"),
            [s("Authorized"), s("MeterValuePeriodic")]
        );
        assert_eq!(strings(&e, "charging_state"), [None, s("Charging")]);
        assert_eq!(col(&e, "seq_no"), &Col::Int64(vec![Some(0), Some(7)]));
        assert_eq!(col(&e, "evse_id"), &Col::Int32(vec![None, Some(2)]));
        assert_eq!(col(&e, "connector_id"), &Col::Int32(vec![None, Some(1)]));
        assert_eq!(col(&e, "offline"), &Col::Bool(vec![None, None]));
        assert_eq!(
            col(&e, "timestamp"),
            &Col::TimestampUs(vec![
                Some(1_714_561_200_000_000),
                Some(1_714_564_801_000_000)
            ])
        );
        assert_eq!(
            col(&e, "meter_value_count"),
            &Col::Int32(vec![Some(0), Some(3)])
        );
    }

    /// A TransactionEvent rejected for an integer outside `int32`, in its event or in its
    /// readings, leaves no rows and no event record.
    #[test]
    fn a_rejected_transaction_event_leaves_neither_rows_nor_an_event() {
        let in_event = TRANSACTION_EVENT_FRAME
            .replace(r#""seqNo":7,"#, r#""seqNo":7,"reservationId":2147483648,"#);
        let in_rows = TRANSACTION_EVENT_FRAME.replace(
            r#""unit":"kWh","multiplier":1"#,
            r#""unit":"kWh","multiplier":2147483648"#,
        );
        assert_ne!(in_event, TRANSACTION_EVENT_FRAME);
        assert_ne!(in_rows, TRANSACTION_EVENT_FRAME);
        let batch = run(&[&in_event, TRANSACTION_STARTED, &in_rows], 1);
        assert_eq!(batch.frame_rows, [0, 0, 0]);
        assert_eq!(
            (batch.row_count(), batch.event_count(), batch.error_count()),
            (0, 1, 2)
        );
        let e = errors(&batch);
        assert_eq!(col(&e, "index"), &Col::Int64(vec![Some(0), Some(2)]));
        assert_eq!(
            strings(&e, "path"),
            [
                s("/reservationId"),
                s("/meterValue/0/sampledValue/0/unitOfMeasure/multiplier")
            ]
        );
        assert_eq!(strings(&events(&batch), "message_id"), [s("te-0")]);
    }

    #[test]
    fn broken_frames_become_error_records_and_replies() {
        let mut frames = vec![METER_VALUES];
        frames.extend(BROKEN.iter().map(|b| b.0));
        let batch = run(&frames, 1);
        assert_eq!(batch.frame_rows[0], 12);
        assert!(batch.frame_rows[1..].iter().all(|n| *n == 0));
        assert_eq!(batch.error_count(), BROKEN.len());
        let e = errors(&batch);
        let names: Vec<&str> = e.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            names,
            ["index", "message_id", "code", "description", "path"]
        );
        assert_eq!(
            col(&e, "index"),
            &Col::Int64((1..=BROKEN.len() as i64).map(Some).collect())
        );
        let ids: Vec<Option<String>> = BROKEN.iter().map(|b| b.2.map(str::to_owned)).collect();
        assert_eq!(strings(&e, "message_id"), ids);
        let codes: Vec<Option<String>> = BROKEN.iter().map(|b| s(b.1.as_str())).collect();
        assert_eq!(strings(&e, "code"), codes);
        let paths: Vec<Option<String>> = BROKEN.iter().map(|b| s(b.3)).collect();
        assert_eq!(strings(&e, "path"), paths);
        for (d, b) in strings(&e, "description").iter().zip(BROKEN) {
            let d = d.as_deref().unwrap();
            assert!(!d.is_empty() && d.chars().count() <= 255, "{d}");
            if !b.3.is_empty() {
                assert!(d.ends_with(&format!(" at {}", b.3)), "{d}");
            }
        }
        for (i, b) in BROKEN.iter().enumerate() {
            let reply = batch.replies.get(i + 1);
            match b.4 {
                None => assert_eq!(reply, None, "{}", b.0),
                Some(prefix) => {
                    let text = std::str::from_utf8(reply.expect("a reply")).unwrap();
                    assert!(text.starts_with(prefix), "{text}");
                    assert!(text.contains(&format!(r#"{{"path":"{}""#, b.3)), "{text}");
                    // The reply is itself a valid CALLERROR frame.
                    let decoded = decode_message(text.as_bytes(), false, Action::MeterValues);
                    assert!(
                        matches!(decoded, Ok(Message::CallError { code, .. }) if code == b.1),
                        "{text}"
                    );
                }
            }
        }
        assert_eq!(
            strings(&e, "description")[0],
            s("frame is not a JSON array")
        );
    }

    /// A TransactionEvent payload fault is reported as a MeterValues one would be: the same
    /// description, path and offset, from the same decoder.
    #[test]
    fn transaction_event_faults_match_a_direct_decode() {
        let payload = r#"{"eventType":"Updated","timestamp":"2024-05-01T12:00:00Z","triggerReason":"Trigger","seqNo":1,"transactionInfo":{"transactionId":"t"},"evse":{"id":"x"}}"#;
        let frame = format!(r#"[2,"z","TransactionEvent",{payload}]"#);
        let batch = run(&[&frame], 1);
        let direct = crate::ocpp::decode::from_slice::<
            crate::ocpp::transaction_event::TransactionEventRequest,
        >(payload.as_bytes(), false)
        .unwrap_err();
        let e = errors(&batch);
        assert_eq!(strings(&e, "path"), [s(&direct.pointer())]);
        assert_eq!(strings(&e, "description"), [s(&direct.description())]);
        assert_eq!(direct.pointer(), "/evse/id");
        let reply = std::str::from_utf8(batch.replies.get(0).unwrap()).unwrap();
        let offset = direct.offset + frame.find(payload).unwrap();
        assert!(reply.contains(&format!(r#""offset":{offset}"#)), "{reply}");
    }

    fn many_frames() -> Vec<String> {
        let mut frames = Vec::new();
        for i in 0..300 {
            let f = match i % 7 {
                0 => METER_VALUES.replace("mv-1", &format!("mv-{i}")),
                1 => TRANSACTION_EVENT_FRAME.replace("tx-42", &format!("tx-{i}")),
                2 => TRANSACTION_STARTED.to_owned(),
                3 => BROKEN[i % BROKEN.len()].0.to_owned(),
                4 => METER_VALUES.replace("\"value\":80", &format!("\"value\":{i}")),
                5 => TRANSACTION_EVENT_FRAME.replace("\"seqNo\":7", &format!("\"seqNo\":{i}")),
                _ => BROKEN[(i * 5) % BROKEN.len()].0.to_owned(),
            };
            frames.push(f);
        }
        frames
    }

    #[test]
    fn output_is_the_same_whatever_the_thread_count() {
        let frames = many_frames();
        let refs: Vec<&str> = frames.iter().map(String::as_str).collect();
        let one = run(&refs, 1);
        assert!(one.row_count() > 1000 && one.error_count() > 50);
        // The same rows, errors and replies; only how the rows are cut into record batches
        // (one or more per thread) may differ.
        let same = |many: &Batch, what: &str| {
            assert_eq!(rows(many), rows(&one), "{what}");
            assert_eq!(errors(many), errors(&one), "{what}");
            assert_eq!(events(many), events(&one), "{what}");
            assert_eq!(many.replies, one.replies, "{what}");
            assert_eq!(many.frame_rows, one.frame_rows, "{what}");
        };
        for threads in [2, 3, 4, 7, 64, 1000] {
            same(&run(&refs, threads), &format!("{threads} threads"));
        }
        same(&run(&refs, 0), "automatic");
        // Every frame is accounted for: rows, an error record, or a TransactionEvent without
        // meter values (accepted, answered, no rows).
        let e = errors(&one);
        let Col::Int64(indices) = col(&e, "index") else {
            panic!()
        };
        let rejected: std::collections::HashSet<usize> =
            indices.iter().map(|i| i.unwrap() as usize).collect();
        assert_eq!(one.frame_rows.len(), frames.len());
        assert_eq!(one.replies.len(), frames.len());
        for (i, f) in frames.iter().enumerate() {
            let rows = one.frame_rows[i] > 0;
            let error = rejected.contains(&i);
            assert!(
                rows != error || (f.as_str() == TRANSACTION_STARTED && !error),
                "{i}"
            );
        }
        assert_eq!(
            one.row_count(),
            one.frame_rows.iter().map(|n| *n as usize).sum::<usize>()
        );
        // One event record per accepted TransactionEvent, in input order.
        let accepted_events: Vec<Option<String>> = frames
            .iter()
            .enumerate()
            .filter(|(i, f)| f.contains(r#""TransactionEvent""#) && !rejected.contains(i))
            .map(|(_, f)| s(f.split('"').nth(1).unwrap()))
            .collect();
        assert!(accepted_events.len() > 100);
        assert_eq!(strings(&events(&one), "message_id"), accepted_events);
    }

    #[test]
    fn the_row_budget_makes_room_for_the_rest_and_again_when_it_is_used_up() {
        // Ten frames of 100 bytes and 10 rows: room for the other nine, and an eighth more.
        let mut b = RowBudget::new(1000);
        assert_eq!(b.after_frame(100, 10), Some(90 + 11));
        for _ in 0..9 {
            assert_eq!(b.after_frame(100, 10), None);
        }
        // A first frame unlike the rest: room made again once, from the better estimate.
        let mut b = RowBudget::new(100 + 9 * 200);
        assert_eq!(b.after_frame(100, 2), Some(36 + 4));
        let mut made = vec![];
        for _ in 0..9 {
            made.extend(b.after_frame(200, 24));
        }
        assert_eq!(made.len(), 1, "{made:?}");
        // Frames without rows (rejected, or events without readings) make no room.
        let mut b = RowBudget::new(300);
        assert_eq!(b.after_frame(100, 0), None);
        // 5 rows in 200 bytes, 100 to come: 2 (an eighth of 2 is 0).
        assert_eq!(b.after_frame(100, 5), Some(2));
        assert_eq!(b.after_frame(100, 2), None);
    }

    #[test]
    fn chunks_split_by_bytes_cover_the_input_in_order() {
        let frames: Vec<Vec<u8>> = (0..50).map(|i| vec![b' '; (i * 37) % 500]).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let total = refs.iter().map(|f| weight(f)).sum();
        for n in 1..12 {
            let ranges = split(&refs, n, total);
            assert_eq!(ranges.len(), n);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[n - 1].end, refs.len());
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
            let heaviest = ranges
                .iter()
                .map(|r| refs[r.clone()].iter().map(|f| weight(f)).sum::<usize>())
                .max()
                .unwrap();
            assert!(heaviest <= total / n + 600, "{n}: {heaviest} of {total}");
        }
    }

    #[test]
    fn a_lenient_batch_keeps_raw_enums_in_rows_and_records_its_warnings() {
        let quirky = r#"[2,"q-1","MeterValues",{"evseId":1,"meterValue":{"timestamp":"2024-05-01T12:00:00","sampledValue":[{"value":"7","measurand":"Temperature","location":"body"},{"value":1}]}}]"#;
        let frames = [quirky, METER_VALUES, quirky];
        let slices: Vec<&[u8]> = frames.iter().map(|f| f.as_bytes()).collect();
        let strict = decode_batch(&slices, StationIds::Same("CS"), 1);
        assert_eq!((strict.error_count(), strict.warning_count()), (2, 0));
        for threads in [1, 2] {
            let lenient = decode_batch_as(
                &slices,
                StationIds::Same("CS"),
                threads,
                Profile::Lenient,
                Dialect::V201.into(),
            );
            assert_eq!(lenient.error_count(), 0);
            assert_eq!(lenient.frame_rows, [2, 12, 2]);
            let warnings = unsafe {
                read_stream(export_stream(
                    WarningColumns::FIELDS,
                    lenient.warnings.clone(),
                ))
                .1
            };
            let codes = strings(&warnings, "code");
            assert_eq!(codes.len(), 2 * 5, "{codes:?}");
            assert_eq!(
                strings(&warnings, "path")[..5],
                [
                    "/meterValue",
                    "/meterValue/timestamp",
                    "/meterValue/sampledValue/0/value",
                    "/meterValue/sampledValue/0/measurand",
                    "/meterValue/sampledValue/0/location",
                ]
                .map(|p| Some(p.to_owned()))
            );
            if threads == 1 {
                // One record batch: its measurand dictionary grew by the raw value.
                let cols = rows(&lenient);
                let measurands = col(&cols, "measurand").strings();
                assert_eq!(measurands[0].as_deref(), Some("Temperature"));
                assert_eq!(
                    measurands[1].as_deref(),
                    Some("Energy.Active.Import.Register")
                );
                assert_eq!(strings(&cols, "location")[0].as_deref(), Some("body"));
                assert_eq!(measurands[14].as_deref(), Some("Temperature"));
            }
        }
    }

    /// A capture of a mixed fleet: 1.6 and 2.0.1 frames in one batch, each read by its
    /// station's version, into the same rows and events.
    #[test]
    fn a_batch_mixes_1_6_and_2_0_1_frames() {
        let frames = [
            r#"[2,"v2","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":1.5}]}]}]"#,
            r#"[2,"s1","StartTransaction",{"connectorId":1,"idTag":"TAG","meterStart":100,"timestamp":"2024-05-01T12:00:00Z"}]"#,
            r#"[2,"m1","MeterValues",{"connectorId":1,"transactionId":5,"meterValue":[{"timestamp":"2024-05-01T12:05:00Z","sampledValue":[{"value":"0.25","unit":"kWh"}]}]}]"#,
            r#"[2,"e1","StopTransaction",{"meterStop":400,"timestamp":"2024-05-01T12:10:00Z","transactionId":5,"reason":"Local"}]"#,
            r#"[2,"x1","MeterValues",{"connectorId":1}]"#,
            r#"[2,"x2","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01T12:05:00Z","sampledValue":[{"value":"abc"}]}]}]"#,
        ];
        let slices: Vec<&[u8]> = frames.iter().map(|f| f.as_bytes()).collect();
        let dialects = [
            Dialect::V201,
            Dialect::V16,
            Dialect::V16,
            Dialect::V16,
            Dialect::V16,
            Dialect::V16,
        ];
        let batch = decode_batch_as(
            &slices,
            StationIds::PerFrame(&["CS2", "CS16", "CS16", "CS16", "CS16", "CS16"]),
            1,
            Profile::Strict,
            Dialects::PerFrame(&dialects),
        );
        assert_eq!(batch.frame_rows, [1, 1, 1, 1, 0, 0]);
        let r = rows(&batch);
        assert_eq!(
            strings(&r, "action"),
            [
                s("MeterValues"),
                s("StartTransaction"),
                s("MeterValues"),
                s("StopTransaction")
            ]
        );
        assert_eq!(strings(&r, "transaction_id"), [None, None, s("5"), s("5")]);
        assert_eq!(
            strings(&r, "context"),
            [
                s("Sample.Periodic"),
                s("Transaction.Begin"),
                s("Sample.Periodic"),
                s("Transaction.End")
            ]
        );
        assert_eq!(
            col(&r, "normalized_value"),
            &Col::Float64(vec![Some(1.5), Some(100.0), Some(250.0), Some(400.0)])
        );
        let e = events(&batch);
        assert_eq!(strings(&e, "event_type"), [s("Started"), s("Ended")]);
        assert_eq!(strings(&e, "stopped_reason"), [None, s("Local")]);
        let err = errors(&batch);
        assert_eq!(
            strings(&err, "code"),
            [
                s("OccurenceConstraintViolation"),
                s("PropertyConstraintViolation")
            ]
        );
        assert_eq!(
            strings(&err, "path"),
            [s("/meterValue"), s("/meterValue/0/sampledValue/0/value")]
        );
        let replies: Vec<Option<String>> = batch
            .replies
            .iter()
            .map(|r| r.map(|b| String::from_utf8(b.to_vec()).unwrap()))
            .collect();
        assert_eq!(replies[0].as_deref(), Some(r#"[3,"v2",{}]"#));
        assert_eq!(
            replies[1], None,
            "the Central System assigns the transaction id"
        );
        assert_eq!(replies[3].as_deref(), Some(r#"[3,"e1",{}]"#));
        assert!(replies[4]
            .as_deref()
            .unwrap()
            .starts_with(r#"[4,"x1","OccurenceConstraintViolation""#));
    }

    #[test]
    fn an_empty_batch_still_has_a_schema() {
        let batch = run(&[], 4);
        assert_eq!((batch.row_count(), batch.error_count()), (0, 0));
        let (batches, cols) =
            unsafe { read_stream(export_stream(RowColumns::FIELDS, batch.rows.clone())) };
        assert_eq!((batches, cols.len()), (1, 24));
        let (batches, cols) =
            unsafe { read_stream(export_stream(EventColumns::FIELDS, batch.events.clone())) };
        assert_eq!((batches, cols.len()), (1, 20));
    }
}
