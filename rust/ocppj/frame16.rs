//! OCPP 1.6J frames of meter data: CALLs of MeterValues, StartTransaction and StopTransaction,
//! their CALLRESULTs, and CALLERRORs with the 1.6 codes. The envelope is read by the same walk
//! as 2.0.1's ([`crate::ocppj::frame::read_envelope`]), with the same order of faults; the codes a
//! fault gets on a 1.6 connection are [`crate::ocpp::v16::error::ErrorCode16::of`]'s.

use crate::dialect::Dialect;
use crate::fault::error::Res;
use crate::fault::limits;
use crate::json::reader::Reader;
use crate::json::value::JsonValue;
use crate::json::writer::write_str;
use crate::ocpp::encode::Encode;
use crate::ocppj::frame::{
    diagnose_with, encode_call_error_named, open_frame, payload, read_envelope, read_error_head,
    too_large, unexpected, Envelope, FrameFault, Grammar, Head,
};

use crate::ocpp::v16::error::ErrorCode16;
use crate::ocpp::v16::model::*;
use crate::ocpp::v16::responses::*;

/// The 1.6 actions this receiver decodes into typed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action16 {
    MeterValues,
    StartTransaction,
    StopTransaction,
}

impl Action16 {
    pub const ALL: [Action16; 3] = [
        Action16::MeterValues,
        Action16::StartTransaction,
        Action16::StopTransaction,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action16::MeterValues => "MeterValues",
            Action16::StartTransaction => "StartTransaction",
            Action16::StopTransaction => "StopTransaction",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Action16> {
        Action16::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A 1.6 CALL payload, by action.
#[derive(Clone, Debug, PartialEq)]
pub enum Request16 {
    MeterValues(MeterValuesRequest),
    StartTransaction(StartTransactionRequest),
    StopTransaction(StopTransactionRequest),
}

impl Request16 {
    /// The action the payload belongs to.
    pub fn action(&self) -> Action16 {
        match self {
            Request16::MeterValues(_) => Action16::MeterValues,
            Request16::StartTransaction(_) => Action16::StartTransaction,
            Request16::StopTransaction(_) => Action16::StopTransaction,
        }
    }
}

/// A 1.6 CALLRESULT payload, by the action of the CALL it answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Response16 {
    MeterValues(MeterValuesResponse),
    StartTransaction(StartTransactionResponse),
    StopTransaction(StopTransactionResponse),
}

/// A decoded OCPP 1.6J message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message16 {
    Call {
        message_id: String,
        request: Request16,
    },
    CallResult {
        message_id: String,
        response: Response16,
    },
    CallError {
        message_id: String,
        code: ErrorCode16,
        description: String,
        details: JsonValue,
    },
}

/// The grammar of 1.6 frames for [`read_envelope`].
pub(crate) struct V16;

impl Grammar for V16 {
    type Action = Action16;
    type Request = Request16;
    type Response = Response16;
    type Code = ErrorCode16;

    fn action(name: &str) -> Option<Action16> {
        Action16::from_wire(name)
    }

    fn request(r: &mut Reader<'_>, action: Action16) -> Res<Request16> {
        Ok(match action {
            Action16::MeterValues => Request16::MeterValues(payload(r)?),
            Action16::StartTransaction => Request16::StartTransaction(payload(r)?),
            Action16::StopTransaction => Request16::StopTransaction(payload(r)?),
        })
    }

    fn response(r: &mut Reader<'_>, action: Action16) -> Res<Response16> {
        Ok(match action {
            Action16::MeterValues => Response16::MeterValues(payload(r)?),
            Action16::StartTransaction => Response16::StartTransaction(payload(r)?),
            Action16::StopTransaction => Response16::StopTransaction(payload(r)?),
        })
    }

    fn error_head(r: &mut Reader<'_>) -> Res<(ErrorCode16, String)> {
        // OCPP-J 1.6 sets no length on errorDescription.
        read_error_head(
            r,
            ErrorCode16::from_wire,
            "errorCode is not an OCPP 1.6J error code",
            false,
        )
    }
}

/// Decodes any 1.6 frame; a CALLRESULT's payload follows the schema of `result_action`'s
/// response. The faults and their order are [`crate::ocppj::frame::decode_message`]'s; their 1.6
/// codes are [`ErrorCode16::of`]'s.
pub fn decode_message16(
    buf: &[u8],
    trusted_utf8: bool,
    result_action: Action16,
) -> Result<Message16, FrameFault> {
    let limit = limits::max_frame_bytes();
    if buf.len() > limit {
        return Err(too_large(buf, limit));
    }
    let mut head = Head::default();
    let mut r = Reader::new(buf, trusted_utf8).with_dialect(Dialect::V16);
    match read_envelope::<V16>(&mut r, &mut head, result_action) {
        Ok(Envelope::Call(message_id, request)) => Ok(Message16::Call {
            message_id,
            request,
        }),
        Ok(Envelope::Result(message_id, response)) => Ok(Message16::CallResult {
            message_id,
            response,
        }),
        Ok(Envelope::Error(message_id, code, description, details)) => Ok(Message16::CallError {
            message_id,
            code,
            description,
            details,
        }),
        Err(fault) => Err(diagnose_with::<V16>(buf, trusted_utf8, head, fault, |a| {
            Action16::from_wire(a).is_some()
        })),
    }
}

/// Decodes a 1.6 frame that must be a CALL.
pub fn decode_call16(buf: &[u8], trusted_utf8: bool) -> Result<(String, Request16), FrameFault> {
    call16_of(decode_message16(buf, trusted_utf8, Action16::MeterValues)?)
}

/// The CALL a 1.6 frame must be, or the fault of a valid frame of another type.
pub(crate) fn call16_of(message: Message16) -> Result<(String, Request16), FrameFault> {
    match message {
        Message16::Call {
            message_id,
            request,
        } => Ok((message_id, request)),
        Message16::CallResult { message_id, .. } => Err(unexpected(message_id, 3)),
        Message16::CallError { message_id, .. } => Err(unexpected(message_id, 4)),
    }
}

/// `[2,"id","Action",{...}]`.
pub fn encode_call16(message_id: &str, request: &Request16, out: &mut Vec<u8>) {
    open_frame(2, message_id, out);
    write_str(request.action().as_str(), out);
    out.push(b',');
    match request {
        Request16::MeterValues(p) => p.write(out),
        Request16::StartTransaction(p) => p.write(out),
        Request16::StopTransaction(p) => p.write(out),
    }
    out.push(b']');
}

/// `[3,"id",{...}]`.
pub fn encode_call_result16(message_id: &str, response: &Response16, out: &mut Vec<u8>) {
    open_frame(3, message_id, out);
    match response {
        Response16::MeterValues(p) => p.write(out),
        Response16::StartTransaction(p) => p.write(out),
        Response16::StopTransaction(p) => p.write(out),
    }
    out.push(b']');
}

/// `[4,"id","Code","description",{details}]` with a 1.6 code.
pub fn encode_call_error16(
    message_id: &str,
    code: ErrorCode16,
    description: &str,
    details: &JsonValue,
    out: &mut Vec<u8>,
) {
    encode_call_error_named(message_id, code.as_str(), description, details, out);
}
