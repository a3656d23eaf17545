//! OCPP-J envelopes: `[2, id, action, payload]`, `[3, id, payload]`, `[4, id, code, text, details]`.
//!
//! Decoding reads the envelope and the payload in the same single pass. A frame longer than
//! `max_frame_bytes` ([`crate::limits`]) is refused before that pass: `FormatViolation` with its
//! message id when the id can be read from the frame's first bytes, `RpcFrameworkError` (no id)
//! otherwise. When the pass fails, a cold second look decides which fault to report, in this
//! order:
//! 1. Before the message id is read: not JSON, not an array, no id, or an id that is not a
//!    string of 1 to 36 characters: `RpcFrameworkError`, and no id (`"-1"` on the wire).
//! 2. A syntax fault anywhere after that: `FormatViolation`.
//! 3. A message type id other than 2, 3 or 4: `MessageTypeNotSupported`.
//! 4. The wrong number of elements for the type: `RpcFrameworkError`.
//! 5. A CALL's action: not a string `RpcFrameworkError`, unknown `NotImplemented`; a CALLERROR's
//!    code, description or details malformed: `RpcFrameworkError`.
//! 6. The payload not an object: `FormatViolation`; then the payload's own faults (see
//!    [`crate::decode`]).

use crate::decode::Decode;
use crate::dialect::Dialect;
use crate::encode::{write_str, Encode};
use crate::error::{ErrorCode, Fault, FaultKind, JsonType, Res, MAX_DESCRIPTION};
use crate::json_value::{read_value, JsonValue};
use crate::limits;
use crate::model::{MeterValuesRequest, MeterValuesResponse};
use crate::profile::{decode_lenient, Deviations, Profile};
use crate::reader::{check_syntax, Reader};
use crate::schema::{self, Direction, SchemaAction};
use crate::transaction_event::TransactionEventRequest;
use crate::transaction_event_response::TransactionEventResponse;

/// Longest message id OCPP-J allows, in characters.
pub const MAX_MESSAGE_ID: usize = 36;

/// The actions this receiver knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    MeterValues,
    TransactionEvent,
}

impl Action {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::MeterValues => "MeterValues",
            Action::TransactionEvent => "TransactionEvent",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Action> {
        match s {
            "MeterValues" => Some(Action::MeterValues),
            "TransactionEvent" => Some(Action::TransactionEvent),
            _ => None,
        }
    }
}

/// A CALL payload, by action.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    MeterValues(MeterValuesRequest),
    TransactionEvent(Box<TransactionEventRequest>),
}

impl Request {
    /// The action the payload belongs to.
    pub fn action(&self) -> Action {
        match self {
            Request::MeterValues(_) => Action::MeterValues,
            Request::TransactionEvent(_) => Action::TransactionEvent,
        }
    }
}

/// A CALLRESULT payload, by the action of the CALL it answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    MeterValues(MeterValuesResponse),
    TransactionEvent(Box<TransactionEventResponse>),
}

/// A decoded OCPP-J message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Call {
        message_id: String,
        request: Request,
    },
    CallResult {
        message_id: String,
        response: Response,
    },
    CallError {
        message_id: String,
        code: ErrorCode,
        description: String,
        details: JsonValue,
    },
}

/// A frame that failed, with what of its envelope could be read.
#[derive(Debug)]
pub struct FrameFault {
    pub fault: Box<Fault>,
    /// `None` when the id could not be read (reported as `"-1"`).
    pub message_id: Option<String>,
    /// 2, 3 or 4 when the message type id was read as one of them: a receiver answers a
    /// faulty CALL with a CALLERROR, but never answers a faulty CALLRESULT or CALLERROR.
    pub message_type: Option<u8>,
}

/// What the fast pass read of the envelope before it stopped.
#[derive(Default)]
pub(crate) struct Head {
    pub(crate) message_id: Option<String>,
    pub(crate) message_type: Option<u8>,
}

/// What a reader of one OCPP version knows of the frames it reads: its actions, how their
/// payloads are read, and its CALLERROR codes. The envelope walk ([`read_envelope`]) and the
/// diagnosis of a failed pass are the same for every version.
pub(crate) trait Grammar {
    type Action: Copy;
    type Request;
    type Response;
    type Code;
    /// The action of a wire name, if this version's receiver knows it.
    fn action(name: &str) -> Option<Self::Action>;
    /// A CALL's payload (the caller has read up to its first byte).
    fn request(r: &mut Reader<'_>, action: Self::Action) -> Res<Self::Request>;
    /// A CALLRESULT's payload, answering a CALL of `action`.
    fn response(r: &mut Reader<'_>, action: Self::Action) -> Res<Self::Response>;
    /// A CALLERROR's code and description (elements 2 and 3).
    fn error_head(r: &mut Reader<'_>) -> Res<(Self::Code, String)>;
}

/// The OCPP 2.0.1 and 2.1 frames of meter data.
pub(crate) struct V2;

impl Grammar for V2 {
    type Action = Action;
    type Request = Request;
    type Response = Response;
    type Code = ErrorCode;

    #[inline]
    fn action(name: &str) -> Option<Action> {
        Action::from_wire(name)
    }

    #[inline(always)]
    fn request(r: &mut Reader<'_>, action: Action) -> Res<Request> {
        Ok(match action {
            Action::MeterValues => Request::MeterValues(payload::<MeterValuesRequest>(r)?),
            Action::TransactionEvent => {
                Request::TransactionEvent(Box::new(payload::<TransactionEventRequest>(r)?))
            }
        })
    }

    #[inline]
    fn response(r: &mut Reader<'_>, action: Action) -> Res<Response> {
        Ok(match action {
            Action::MeterValues => Response::MeterValues(payload::<MeterValuesResponse>(r)?),
            Action::TransactionEvent => {
                Response::TransactionEvent(Box::new(payload::<TransactionEventResponse>(r)?))
            }
        })
    }

    fn error_head(r: &mut Reader<'_>) -> Res<(ErrorCode, String)> {
        read_error_head(
            r,
            ErrorCode::from_wire,
            "errorCode is not an OCPP 2.0.1 error code",
            true,
        )
    }
}

/// A frame as read by a [`Grammar`].
pub(crate) enum Envelope<G: Grammar> {
    Call(String, G::Request),
    Result(String, G::Response),
    Error(String, G::Code, String, JsonValue),
}

/// Checks a message id: a string of 1 to 36 characters.
pub fn check_message_id(id: &str) -> Result<(), FaultKind> {
    if id.is_empty() {
        return Err(FaultKind::BadMessageId("is empty"));
    }
    if id.len() > MAX_MESSAGE_ID && id.chars().count() > MAX_MESSAGE_ID {
        return Err(FaultKind::BadMessageId("is longer than 36 characters"));
    }
    Ok(())
}

pub(crate) fn arity(message_type: u8) -> usize {
    match message_type {
        2 => 4,
        3 => 3,
        _ => 5,
    }
}

/// Decodes any frame. A CALLRESULT names no action, so `result_action` says which CALL it
/// answers (and so which schema its payload must follow).
pub fn decode_message(
    buf: &[u8],
    trusted_utf8: bool,
    result_action: Action,
) -> Result<Message, FrameFault> {
    decode_message_in(buf, trusted_utf8, result_action, Dialect::V201)
}

/// [`decode_message`] for a frame of `dialect`'s schemas.
pub fn decode_message_in(
    buf: &[u8],
    trusted_utf8: bool,
    result_action: Action,
    dialect: Dialect,
) -> Result<Message, FrameFault> {
    let limit = limits::max_frame_bytes();
    decode_message_within(buf, trusted_utf8, result_action, limit, dialect)
}

/// [`decode_message_in`] with an explicit frame size limit instead of the process-wide one.
fn decode_message_within(
    buf: &[u8],
    trusted_utf8: bool,
    result_action: Action,
    max_frame_bytes: usize,
    dialect: Dialect,
) -> Result<Message, FrameFault> {
    if buf.len() > max_frame_bytes {
        return Err(too_large(buf, max_frame_bytes));
    }
    let mut head = Head::default();
    let mut r = Reader::new(buf, trusted_utf8).with_dialect(dialect);
    match read_frame(&mut r, &mut head, result_action) {
        Ok(m) => Ok(m),
        Err(fault) => Err(diagnose_with::<V2>(buf, trusted_utf8, head, fault, |a| {
            Action::from_wire(a).is_some()
        })),
    }
}

/// [`decode_message`] under a validation profile: a CALL whose payload fails strictly only
/// with deviations the profile accepts is decoded, with what was accepted (see
/// [`crate::profile`]). Envelope faults are never relaxed.
pub fn decode_message_as(
    buf: &[u8],
    trusted_utf8: bool,
    result_action: Action,
    profile: Profile,
    dialect: Dialect,
) -> Result<(Message, Deviations), FrameFault> {
    match decode_message_in(buf, trusted_utf8, result_action, dialect) {
        Ok(message) => Ok((message, Deviations::default())),
        Err(ff)
            if ff.message_type == Some(2) && crate::profile::is_repairable(&ff.fault, profile) =>
        {
            lenient_call(buf, trusted_utf8, ff, profile, dialect)
        }
        Err(ff) => Err(ff),
    }
}

/// [`decode_call`] under a validation profile (see [`decode_message_as`]).
pub fn decode_call_as(
    buf: &[u8],
    trusted_utf8: bool,
    profile: Profile,
    dialect: Dialect,
) -> Result<(String, Request, Deviations), FrameFault> {
    let (message, deviations) =
        decode_message_as(buf, trusted_utf8, Action::MeterValues, profile, dialect)?;
    call_of(message).map(|(id, request)| (id, request, deviations))
}

/// The payload of a CALL whose strict decoding failed in it with `ff`, decoded leniently.
#[cold]
#[inline(never)]
fn lenient_call(
    buf: &[u8],
    trusted_utf8: bool,
    ff: FrameFault,
    profile: Profile,
    dialect: Dialect,
) -> Result<(Message, Deviations), FrameFault> {
    let Some((action, payload)) = call_payload(buf, trusted_utf8) else {
        return Err(ff);
    };
    let result = match action {
        Action::MeterValues => {
            decode_lenient::<MeterValuesRequest>(payload, trusted_utf8, ff.fault, profile, dialect)
                .map(|(r, d)| (Request::MeterValues(r), d))
        }
        Action::TransactionEvent => {
            let fault = ff.fault;
            decode_lenient::<TransactionEventRequest>(
                payload,
                trusted_utf8,
                fault,
                profile,
                dialect,
            )
            .map(|(r, d)| (Request::TransactionEvent(Box::new(r)), d))
        }
    };
    match (result, ff.message_id) {
        (Ok((request, deviations)), Some(message_id)) => Ok((
            Message::Call {
                message_id,
                request,
            },
            deviations,
        )),
        (Ok(_), None) => unreachable!("a payload fault comes after the message id"),
        (Err(fault), message_id) => Err(FrameFault {
            fault,
            message_id,
            message_type: ff.message_type,
        }),
    }
}

/// The action and payload text of a CALL frame that is well-formed up to its payload.
fn call_payload(buf: &[u8], trusted_utf8: bool) -> Option<(Action, &[u8])> {
    let mut r = Reader::new(buf, trusted_utf8);
    if r.peek_type().ok()? != JsonType::Array {
        return None;
    }
    r.begin_array();
    let mut first = true;
    for _ in 0..2 {
        r.next_item(&mut first).ok()?.then_some(())?;
        r.skip_value().ok()?;
    }
    r.next_item(&mut first).ok()?.then_some(())?;
    if r.peek_type().ok()? != JsonType::String {
        return None;
    }
    let action = Action::from_wire(&r.read_string().ok()?)?;
    r.next_item(&mut first).ok()?.then_some(())?;
    r.peek()?;
    let start = r.pos();
    r.skip_value().ok()?;
    Some((action, &buf[start..r.pos()]))
}

/// Decodes a CALL of an action whose payload is checked by its schema alone
/// ([`crate::schema`]): BootNotification, Heartbeat, StatusNotification, Authorize. The envelope
/// faults and their order are those of [`decode_message`], with these actions as the known
/// ones (any other action is `NotImplemented`); a valid CALLRESULT or CALLERROR is an
/// unexpected message type.
pub fn decode_schema_call(
    buf: &[u8],
    trusted_utf8: bool,
    dialect: Dialect,
) -> Result<(String, SchemaAction, JsonValue), FrameFault> {
    let limit = limits::max_frame_bytes();
    if buf.len() > limit {
        return Err(too_large(buf, limit));
    }
    let mut head = Head::default();
    let mut r = Reader::new(buf, trusted_utf8).with_dialect(dialect);
    read_schema_call(&mut r, &mut head).map_err(|fault| {
        diagnose_with::<V2>(buf, trusted_utf8, head, fault, |a| {
            SchemaAction::from_wire(a).is_some()
        })
    })
}

/// The fast pass of [`decode_schema_call`]; arity faults are placeholders that [`diagnose_with`]
/// makes exact, as in [`read_frame`].
fn read_schema_call(r: &mut Reader<'_>, head: &mut Head) -> Res<(String, SchemaAction, JsonValue)> {
    if r.peek_type()? != JsonType::Array {
        return Err(r.fault(FaultKind::FrameNotArray));
    }
    r.begin_array();
    let mut first = true;
    let mut next = |r: &mut Reader<'_>| -> Res<()> {
        if r.next_item(&mut first)? {
            Ok(())
        } else {
            Err(r.fault(FaultKind::WrongArity {
                expected: 0,
                found: 0,
            }))
        }
    };
    next(r)?;
    let message_type = read_message_type(r)?;
    head.message_type = message_type;
    next(r)?;
    let message_id = read_message_id(r)?;
    head.message_id = Some(message_id.clone());
    match message_type {
        Some(2) => {}
        Some(found) => {
            let mut fault = r.fault(FaultKind::UnexpectedMessageType { expected: 2, found });
            fault.element = Some(0);
            return Err(fault);
        }
        None => return Err(r.fault(FaultKind::UnsupportedMessageType)),
    }
    next(r)?;
    if r.peek_type()? != JsonType::String {
        return Err(r.fault(FaultKind::BadEnvelope("action is not a string")));
    }
    let at = r.pos();
    let name = r.read_string()?;
    let Some(action) = SchemaAction::from_wire(&name) else {
        return Err(Fault::new(
            FaultKind::UnknownAction(name.as_ref().into()),
            at,
        ));
    };
    next(r)?;
    let payload = schema::check_payload(r, action, Direction::Request)?;
    let mut first_after = false;
    if r.next_item(&mut first_after)? {
        return Err(r.fault(FaultKind::WrongArity {
            expected: 4,
            found: 5,
        }));
    }
    r.finish()?;
    Ok((message_id, action, payload))
}

/// Decodes a frame that must be a CALL.
pub fn decode_call(buf: &[u8], trusted_utf8: bool) -> Result<(String, Request), FrameFault> {
    call_of(decode_message(buf, trusted_utf8, Action::MeterValues)?)
}

/// The CALL a frame must be, or the fault of a valid frame of another type.
fn call_of(message: Message) -> Result<(String, Request), FrameFault> {
    match message {
        Message::Call {
            message_id,
            request,
        } => Ok((message_id, request)),
        Message::CallResult { message_id, .. } => Err(unexpected(message_id, 3)),
        Message::CallError { message_id, .. } => Err(unexpected(message_id, 4)),
    }
}

/// Bytes of a frame too large to decode that are read for its message id: room for an id of
/// 36 escaped characters and generous whitespace.
const HEAD_BYTES: usize = 1024;

/// The fault of a frame over the size limit, with the id when its first bytes hold one.
#[cold]
#[inline(never)]
pub(crate) fn too_large(buf: &[u8], limit: usize) -> FrameFault {
    let mut head = Head::default();
    // Checked as untrusted: the cut may fall inside a UTF-8 sequence. The pass fails (or, for
    // a frame under HEAD_BYTES, succeeds) once past the id; only what it read matters.
    let mut r = Reader::new(&buf[..buf.len().min(HEAD_BYTES)], false);
    let _ = read_frame(&mut r, &mut head, Action::MeterValues);
    let kind = match head.message_id {
        Some(_) => FaultKind::TooLarge { limit },
        None => FaultKind::TooLargeUnread { limit },
    };
    FrameFault {
        fault: Fault::new(kind, 0),
        message_id: head.message_id,
        message_type: head.message_type,
    }
}

#[cold]
pub(crate) fn unexpected(message_id: String, found: u8) -> FrameFault {
    let mut fault = Fault::new(FaultKind::UnexpectedMessageType { expected: 2, found }, 0);
    fault.element = Some(0);
    FrameFault {
        fault,
        message_id: Some(message_id),
        message_type: Some(found),
    }
}

/// The fast pass over a 2.0.1 or 2.1 frame (see [`read_envelope`]).
#[inline]
fn read_frame(r: &mut Reader<'_>, head: &mut Head, result_action: Action) -> Res<Message> {
    Ok(match read_envelope::<V2>(r, head, result_action)? {
        Envelope::Call(message_id, request) => Message::Call {
            message_id,
            request,
        },
        Envelope::Result(message_id, response) => Message::CallResult {
            message_id,
            response,
        },
        Envelope::Error(message_id, code, description, details) => Message::CallError {
            message_id,
            code,
            description,
            details,
        },
    })
}

/// The fast pass: stops at the first fault of any kind, leaving precedence to
/// [`diagnose_with`].
#[inline(always)]
pub(crate) fn read_envelope<G: Grammar>(
    r: &mut Reader<'_>,
    head: &mut Head,
    result_action: G::Action,
) -> Res<Envelope<G>> {
    if r.peek_type()? != JsonType::Array {
        return Err(r.fault(FaultKind::FrameNotArray));
    }
    r.begin_array();
    let mut first = true;
    let mut count = 0;
    let mut next = |r: &mut Reader<'_>, count: &mut usize| -> Res<()> {
        if r.next_item(&mut first)? {
            *count += 1;
            Ok(())
        } else {
            Err(r.fault(FaultKind::WrongArity {
                expected: 0,
                found: *count,
            }))
        }
    };
    next(r, &mut count)?;
    let message_type = read_message_type(r)?;
    head.message_type = message_type;
    next(r, &mut count)?;
    let message_id = read_message_id(r)?;
    head.message_id = Some(message_id.clone());
    let Some(message_type) = message_type else {
        return Err(r.fault(FaultKind::UnsupportedMessageType));
    };
    next(r, &mut count)?;
    let message = match message_type {
        2 => {
            if r.peek_type()? != JsonType::String {
                return Err(r.fault(FaultKind::BadEnvelope("action is not a string")));
            }
            let at = r.pos();
            let action = r.read_string()?;
            let Some(action) = G::action(&action) else {
                return Err(Fault::new(
                    FaultKind::UnknownAction(action.as_ref().into()),
                    at,
                ));
            };
            next(r, &mut count)?;
            Envelope::Call(message_id, G::request(r, action)?)
        }
        3 => Envelope::Result(message_id, G::response(r, result_action)?),
        _ => {
            let (code, description) = G::error_head(r)?;
            next(r, &mut count)?;
            if r.peek_type()? != JsonType::Object {
                return Err(r.fault(FaultKind::BadEnvelope("errorDetails is not an object")));
            }
            let details = read_value(r, 0)?;
            Envelope::Error(message_id, code, description, details)
        }
    };
    let mut first_after = false;
    if r.next_item(&mut first_after)? {
        return Err(r.fault(FaultKind::WrongArity {
            expected: arity(message_type),
            found: count + 1,
        }));
    }
    r.finish()?;
    Ok(message)
}

/// The message type id: `Some` for 2, 3 or 4 written as a plain integer, `None` for any other
/// value (reported once the message id is known, so that the reply can carry it).
fn read_message_type(r: &mut Reader<'_>) -> Res<Option<u8>> {
    if r.peek_type()? != JsonType::Number {
        r.skip_value()?;
        return Ok(None);
    }
    let n = r.read_number()?;
    Ok(match n.text {
        "2" => Some(2),
        "3" => Some(3),
        "4" => Some(4),
        _ => None,
    })
}

fn read_message_id(r: &mut Reader<'_>) -> Res<String> {
    if r.peek_type()? != JsonType::String {
        return Err(r.fault(FaultKind::BadMessageId("is not a string")));
    }
    let at = r.pos();
    let id = r.read_string()?;
    check_message_id(&id).map_err(|k| Fault::new(k, at))?;
    Ok(id.into_owned())
}

pub(crate) fn payload<T: Decode>(r: &mut Reader<'_>) -> Res<T> {
    if r.peek_type()? != JsonType::Object {
        return Err(r.fault(FaultKind::PayloadNotObject));
    }
    T::read(r)
}

/// A CALLERROR's code, parsed by `parse` (`unknown` says what it must be), and description,
/// of at most 255 characters when `bounded` (OCPP 2.0.1 and 2.1 bound it; 1.6 does not).
pub(crate) fn read_error_head<C>(
    r: &mut Reader<'_>,
    parse: fn(&str) -> Option<C>,
    unknown: &'static str,
    bounded: bool,
) -> Res<(C, String)> {
    if r.peek_type()? != JsonType::String {
        return Err(r.fault(FaultKind::BadEnvelope("errorCode is not a string")));
    }
    let code = r.read_string()?;
    let code = parse(&code).ok_or_else(|| r.fault(FaultKind::BadEnvelope(unknown)))?;
    let mut first = false;
    if !r.next_item(&mut first)? {
        return Err(r.fault(FaultKind::WrongArity {
            expected: 5,
            found: 3,
        }));
    }
    if r.peek_type()? != JsonType::String {
        return Err(r.fault(FaultKind::BadEnvelope("errorDescription is not a string")));
    }
    let description = r.read_string()?;
    if bounded
        && description.len() > MAX_DESCRIPTION
        && description.chars().count() > MAX_DESCRIPTION
    {
        return Err(r.fault(FaultKind::BadEnvelope(
            "errorDescription is longer than 255 characters",
        )));
    }
    Ok((code, description.into_owned()))
}

/// Picks the fault to report once the fast pass has failed (see the module docs for the
/// order), for a reader of `G`'s frames whose known actions are those `known` accepts.
#[cold]
#[inline(never)]
pub(crate) fn diagnose_with<G: Grammar>(
    buf: &[u8],
    trusted_utf8: bool,
    head: Head,
    fault: Box<Fault>,
    known: fn(&str) -> bool,
) -> FrameFault {
    let message_type = head.message_type;
    let Some(id) = head.message_id else {
        let mut fault = fault;
        if let FaultKind::Syntax(reason) = fault.kind {
            fault.kind = FaultKind::UnreadableFrame(reason);
        } else if fault.kind == FaultKind::InvalidUnicode {
            fault.kind = FaultKind::UnreadableFrame("not valid UTF-8");
        } else if let FaultKind::WrongArity { .. } = fault.kind {
            fault.kind = FaultKind::UnreadableFrame("the frame has no message id");
        }
        return FrameFault {
            fault,
            message_id: None,
            message_type,
        };
    };
    let fault = check_syntax(buf, trusted_utf8)
        .or_else(|| envelope_fault::<G>(buf, trusted_utf8, known))
        .unwrap_or(fault);
    FrameFault {
        fault,
        message_id: Some(id),
        message_type,
    }
}

/// The first envelope fault of a syntactically valid frame whose id was readable, if any.
#[cold]
fn envelope_fault<G: Grammar>(
    buf: &[u8],
    trusted_utf8: bool,
    known: fn(&str) -> bool,
) -> Option<Box<Fault>> {
    let mut r = Reader::new(buf, trusted_utf8);
    // Syntax is known to be fine and elements 0 and 1 were read before; these cannot fail.
    r.peek_type().ok()?;
    r.begin_array();
    let mut first = true;
    let mut kinds: Vec<(JsonType, usize)> = Vec::new();
    let mut message_type = None;
    while r.next_item(&mut first).ok()? {
        let t = r.peek_type().ok()?;
        let at = r.pos();
        if kinds.is_empty() {
            message_type = read_message_type(&mut r).ok()?;
        } else {
            r.skip_value().ok()?;
        }
        kinds.push((t, at));
    }
    let element = |kind: FaultKind, i: usize| {
        let mut f = Fault::new(kind, kinds.get(i).map_or(0, |k| k.1));
        f.element = Some(i);
        Some(f)
    };
    let Some(message_type) = message_type else {
        return element(FaultKind::UnsupportedMessageType, 0);
    };
    let expected = arity(message_type);
    if kinds.len() != expected {
        return element(
            FaultKind::WrongArity {
                expected,
                found: kinds.len(),
            },
            0,
        );
    }
    let string_at = |i: usize| -> Option<String> {
        let mut r = Reader::new(&buf[kinds[i].1..], trusted_utf8);
        r.read_string().ok().map(|s| s.into_owned())
    };
    match message_type {
        2 => {
            if kinds[2].0 != JsonType::String {
                return element(FaultKind::BadEnvelope("action is not a string"), 2);
            }
            let action = string_at(2)?;
            if !known(&action) {
                return element(FaultKind::UnknownAction(action.into()), 2);
            }
            if kinds[3].0 != JsonType::Object {
                return element(FaultKind::PayloadNotObject, 3);
            }
        }
        3 => {
            if kinds[2].0 != JsonType::Object {
                return element(FaultKind::PayloadNotObject, 2);
            }
        }
        _ => {
            let head = Reader::new(&buf[kinds[2].1..], trusted_utf8);
            let mut head = head;
            if let Err(f) = G::error_head(&mut head) {
                if let FaultKind::BadEnvelope(_) = f.kind {
                    return element(f.kind, 2);
                }
            }
            if kinds[4].0 != JsonType::Object {
                return element(FaultKind::BadEnvelope("errorDetails is not an object"), 4);
            }
        }
    }
    None
}

pub(crate) fn open_frame(message_type: u8, message_id: &str, out: &mut Vec<u8>) {
    out.push(b'[');
    out.push(b'0' + message_type);
    out.push(b',');
    write_str(message_id, out);
    out.push(b',');
}

/// `[2,"id","Action",{...}]`.
pub fn encode_call(message_id: &str, request: &Request, out: &mut Vec<u8>) {
    match request {
        Request::MeterValues(p) => encode_call_with(message_id, request.action(), p, out),
        Request::TransactionEvent(p) => encode_call_with(message_id, request.action(), &**p, out),
    }
}

/// `[2,"id","Action",{...}]` from a borrowed payload of `action`.
pub fn encode_call_with(
    message_id: &str,
    action: Action,
    payload: &impl Encode,
    out: &mut Vec<u8>,
) {
    open_frame(2, message_id, out);
    write_str(action.as_str(), out);
    out.push(b',');
    payload.write(out);
    out.push(b']');
}

/// `[3,"id",{...}]`.
pub fn encode_call_result(message_id: &str, response: &Response, out: &mut Vec<u8>) {
    match response {
        Response::MeterValues(p) => encode_call_result_with(message_id, p, out),
        Response::TransactionEvent(p) => encode_call_result_with(message_id, &**p, out),
    }
}

/// `[3,"id",{...}]` from a borrowed payload.
pub fn encode_call_result_with(message_id: &str, payload: &impl Encode, out: &mut Vec<u8>) {
    open_frame(3, message_id, out);
    payload.write(out);
    out.push(b']');
}

/// `[4,"id","Code","description",{details}]`.
pub fn encode_call_error(
    message_id: &str,
    code: ErrorCode,
    description: &str,
    details: &JsonValue,
    out: &mut Vec<u8>,
) {
    encode_call_error_named(message_id, code.as_str(), description, details, out);
}

/// [`encode_call_error`] with the code as its wire string (1.6 spells codes its own way).
pub(crate) fn encode_call_error_named(
    message_id: &str,
    code: &str,
    description: &str,
    details: &JsonValue,
    out: &mut Vec<u8>,
) {
    open_frame(4, message_id, out);
    write_str(code, out);
    out.push(b',');
    write_str(description, out);
    out.push(b',');
    details.write(out);
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode::{self, *};
    use crate::test_support::{mutate, xorshift};

    const PAYLOAD: &str = r#"{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z","sampledValue":[{"value":1}]}]}"#;

    fn outcome(text: &str) -> Result<Message, (ErrorCode, Option<String>)> {
        decode_message(text.as_bytes(), false, Action::MeterValues)
            .map_err(|f| (f.fault.code(), f.message_id))
    }

    fn id(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn a_frame_over_the_size_limit_is_refused_unread_with_its_id_if_it_has_one() {
        let frame = br#"[2,"big-1","MeterValues",{"evseId":1,"meterValue":[]}]"#;
        let at = |limit: usize, buf: &[u8]| {
            decode_message_within(buf, false, Action::MeterValues, limit, Dialect::V201)
        };
        assert!(matches!(at(frame.len(), frame), Err(ff) if ff.fault.kind.id() == "too_few_items"));
        let ff = at(frame.len() - 1, frame).unwrap_err();
        assert_eq!(
            ff.fault.kind,
            FaultKind::TooLarge {
                limit: frame.len() - 1
            }
        );
        assert_eq!(
            (ff.message_id.as_deref(), ff.message_type),
            (Some("big-1"), Some(2))
        );
        assert_eq!(ff.fault.code(), ErrorCode::FormatViolation);
        let mut padded = vec![b' '; 2000];
        padded.extend_from_slice(frame);
        let ff = at(100, &padded).unwrap_err();
        assert_eq!(ff.fault.kind, FaultKind::TooLargeUnread { limit: 100 });
        assert_eq!(
            (ff.message_id, ff.fault.code()),
            (None, ErrorCode::RpcFrameworkError)
        );
    }

    #[test]
    fn decodes_the_three_message_types() {
        assert!(matches!(
            outcome(&format!(r#"[2,"a","MeterValues",{PAYLOAD}]"#)),
            Ok(Message::Call { .. })
        ));
        assert!(matches!(
            outcome(r#"[3,"a",{}]"#),
            Ok(Message::CallResult { .. })
        ));
        let e = outcome(r#"[4,"a","NotSupported","no",{"x":1}]"#).unwrap();
        assert!(matches!(
            e,
            Message::CallError {
                code: NotSupported,
                ..
            }
        ));
    }

    #[test]
    fn envelope_faults_follow_the_documented_order() {
        let cases: &[(&str, ErrorCode, Option<String>)] = &[
            ("", RpcFrameworkError, None),
            ("{}", RpcFrameworkError, None),
            ("[2]", RpcFrameworkError, None),
            (r#"[2,5,"MeterValues",{}]"#, RpcFrameworkError, None),
            (r#"[2,"","MeterValues",{}]"#, RpcFrameworkError, None),
            (
                &format!(r#"[2,"{}","MeterValues",{{}}]"#, "x".repeat(37)),
                RpcFrameworkError,
                None,
            ),
            (
                r#"[2,"a","MeterValues",{"evseId":-1}"#,
                FormatViolation,
                id("a"),
            ),
            (
                r#"[7,"a","MeterValues",{"evseId":-1}]"#,
                MessageTypeNotSupported,
                id("a"),
            ),
            (
                r#"[2,"a","MeterValues",{"evseId":-1},5]"#,
                RpcFrameworkError,
                id("a"),
            ),
            (r#"[2,"a","MeterValues"]"#, RpcFrameworkError, id("a")),
            (r#"[2,"a",7,{}]"#, RpcFrameworkError, id("a")),
            (
                r#"[2,"a","Heartbeat",{"evseId":-1}]"#,
                NotImplemented,
                id("a"),
            ),
            (r#"[2,"a","MeterValues",[]]"#, FormatViolation, id("a")),
            (
                r#"[2,"a","MeterValues",{"evseId":-1}]"#,
                PropertyConstraintViolation,
                id("a"),
            ),
            (r#"[4,"a","Nope","x",{}]"#, RpcFrameworkError, id("a")),
            (r#"[3,"a",{"x":1}]"#, ProtocolError, id("a")),
        ];
        for (text, code, message_id) in cases {
            assert_eq!(
                outcome(text).map(|_| ()),
                Err((*code, message_id.clone())),
                "{text}"
            );
        }
    }

    /// The same under the non-strict profiles, from a frame full of quirks: no panic, valid input
    /// decodes as strictly, and what a profile accepts round-trips under it.
    #[test]
    fn mutated_quirky_frames_never_panic_under_any_profile_and_round_trip() {
        use crate::profile::Profile;
        let frame = r#"[2,"a","TransactionEvent",{"eventType":"Updated","timestamp":"2024-01-01T00:00:00+0100","triggerReason":"MeterValuePeriodic","seqNo":1,"transactionInfo":{"transactionId":"t","x":"€"},"meterValue":{"timestamp":"2024-01-01T00:00:00","sampledValue":[{"value":" 1.5 ","measurand":"temp€","phase":"l1","unitOfMeasure":{"unit":"kWhkWhkWhkWhkWhkWhkWh","multiplier":"3"}}]}}]"#;
        let alphabet = "{}[]:,\"0123456789-+.eE \\/utfnrlasxZT€é".as_bytes();
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        let mut decoded = [0; 2];
        for _ in 0..20_000 {
            let bytes = mutate(frame.as_bytes(), alphabet, &mut next);
            let strict = decode_call_as(&bytes, false, Profile::Strict, Dialect::V201);
            for (k, profile) in [Profile::Lenient, Profile::Off].into_iter().enumerate() {
                let Ok((id, request, d)) = decode_call_as(&bytes, false, profile, Dialect::V201)
                else {
                    continue;
                };
                if let Ok((_, strict_request, _)) = &strict {
                    assert_eq!(&request, strict_request, "valid input decodes alike");
                    assert!(d.is_empty());
                }
                let mut out = Vec::new();
                encode_call(&id, &request, &mut out);
                let (_, again, _) =
                    decode_call_as(&out, false, profile, Dialect::V201).expect("re-decodes");
                assert_eq!(again, request);
                decoded[k] += 1;
            }
        }
        // The unit is too long for lenient (only mutations that shorten it decode there); off
        // does not check lengths.
        assert!(
            decoded[0] > 500 && decoded[1] > 3 * decoded[0] / 2,
            "{decoded:?}"
        );
    }

    /// A deterministic mini-fuzz: every single-byte mutation class of a valid frame must end in a
    /// value or a fault, never a panic; whatever decodes must survive a round trip.
    #[test]
    fn mutated_frames_never_panic_and_decoded_ones_round_trip() {
        let frame = r#"[2,"a","MeterValues",{"evseId":1,"customData":{"vendorId":"v","x":[1.5,{"y":null}]},"meterValue":[{"timestamp":"2024-01-01T00:00:00.5+01:00","sampledValue":[{"value":-1e3,"measurand":"SoC","unitOfMeasure":{"unit":"kWh","multiplier":3},"signedMeterValue":{"signedMeterData":"é","signingMethod":"m","encodingMethod":"e","publicKey":"k"}}]}]}]"#;
        let alphabet = b"{}[]:,\"0123456789-+.eE \\/utfnrlasxZT\xc3\xa9\xff\x00\x1f";
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        let mut decoded = 0;
        for _ in 0..50_000 {
            let bytes = mutate(frame.as_bytes(), alphabet, &mut next);
            if let Ok(Message::Call {
                message_id,
                request,
            }) = decode_message(&bytes, false, Action::MeterValues)
            {
                let mut out = Vec::new();
                encode_call(&message_id, &request, &mut out);
                let again = decode_message(&out, false, Action::MeterValues).expect("re-decodes");
                assert_eq!(
                    again,
                    Message::Call {
                        message_id,
                        request
                    }
                );
                decoded += 1;
            }
        }
        // Some mutations keep the frame valid (a digit for a digit, say): the round trip ran.
        assert!(decoded > 500, "only {decoded} mutated frames decoded");
    }

    #[test]
    fn encoding_round_trips() {
        let frame = format!(r#"[2,"a","MeterValues",{PAYLOAD}]"#);
        let Ok(Message::Call {
            message_id,
            request,
        }) = outcome(&frame)
        else {
            panic!("valid")
        };
        let mut out = Vec::new();
        encode_call(&message_id, &request, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            outcome(&text).unwrap(),
            Message::Call {
                message_id,
                request
            }
        );
    }
}
