//! The OCPP 1.6J CALLERROR codes, spelt as OCPP-J 1.6 (section 4.2.3) spells them, and which
//! of them a fault gets on a 1.6 connection.
//!
//! 1.6 has ten codes where 2.0.1 has twelve: no `RpcFrameworkError` and no
//! `MessageTypeNotSupported`, `FormationViolation` where 2.0.1 says `FormatViolation`, and
//! `OccurenceConstraintViolation` with the specification's own misspelling. Its definitions
//! also split the faults differently: `FormationViolation` is "syntactically incorrect or not
//! conform the PDU structure for Action" (2.0.1's `FormatViolation` and `ProtocolError`
//! together), and `ProtocolError` is "Payload for Action is incomplete". So on 1.6:
//! - not JSON, not an object, an unknown property, a frame that is not an array or whose id,
//!   message type or envelope is malformed: `FormationViolation`;
//! - a frame with too few or too many elements (incomplete): `ProtocolError`;
//! - a missing required property, too few or too many items: `OccurenceConstraintViolation`;
//! - type, value and action faults keep their 2.0.1 codes (`TypeConstraintViolation`,
//!   `PropertyConstraintViolation`, `NotImplemented`, ...).

use crate::fault::error::{ErrorCode, Fault, FaultKind};

/// An OCPP 1.6J RPC error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode16 {
    NotImplemented,
    NotSupported,
    InternalError,
    ProtocolError,
    SecurityError,
    FormationViolation,
    PropertyConstraintViolation,
    OccurenceConstraintViolation,
    TypeConstraintViolation,
    GenericError,
}

impl ErrorCode16 {
    /// Every code, in the order of the OCPP-J 1.6 table.
    pub const ALL: [ErrorCode16; 10] = [
        ErrorCode16::NotImplemented,
        ErrorCode16::NotSupported,
        ErrorCode16::InternalError,
        ErrorCode16::ProtocolError,
        ErrorCode16::SecurityError,
        ErrorCode16::FormationViolation,
        ErrorCode16::PropertyConstraintViolation,
        ErrorCode16::OccurenceConstraintViolation,
        ErrorCode16::TypeConstraintViolation,
        ErrorCode16::GenericError,
    ];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode16::NotImplemented => "NotImplemented",
            ErrorCode16::NotSupported => "NotSupported",
            ErrorCode16::InternalError => "InternalError",
            ErrorCode16::ProtocolError => "ProtocolError",
            ErrorCode16::SecurityError => "SecurityError",
            ErrorCode16::FormationViolation => "FormationViolation",
            ErrorCode16::PropertyConstraintViolation => "PropertyConstraintViolation",
            ErrorCode16::OccurenceConstraintViolation => "OccurenceConstraintViolation",
            ErrorCode16::TypeConstraintViolation => "TypeConstraintViolation",
            ErrorCode16::GenericError => "GenericError",
        }
    }

    /// Parses a wire string: only the ten 1.6 spellings.
    pub fn from_wire(s: &str) -> Option<ErrorCode16> {
        ErrorCode16::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The 1.6 code of a fault.
    pub fn of(kind: &FaultKind) -> ErrorCode16 {
        ErrorCode16::of_fault(kind.code(), Some(kind.id()))
    }

    /// The 1.6 code of a fault known by its 2.0.1 code and the id of its kind
    /// ([`FaultKind::id`], the `type` in an error's details), or by its code alone (`None`):
    /// the one rule for the core's 1.6 faults and for errors raised with a 2.0.1 code.
    pub fn of_fault(code: ErrorCode, kind_id: Option<&str>) -> ErrorCode16 {
        match kind_id {
            Some(FaultKind::WRONG_ARITY_ID) => ErrorCode16::ProtocolError,
            Some(FaultKind::UNKNOWN_PROPERTY_ID) => ErrorCode16::FormationViolation,
            _ => ErrorCode16::from_code(code),
        }
    }

    /// The 1.6 code closest to a 2.0.1 code: for a handler's error or an error raised by
    /// code that names the 2.0.1 codes.
    pub fn from_code(code: ErrorCode) -> ErrorCode16 {
        match code {
            ErrorCode::FormatViolation
            | ErrorCode::RpcFrameworkError
            | ErrorCode::MessageTypeNotSupported => ErrorCode16::FormationViolation,
            ErrorCode::GenericError => ErrorCode16::GenericError,
            ErrorCode::InternalError => ErrorCode16::InternalError,
            ErrorCode::NotImplemented => ErrorCode16::NotImplemented,
            ErrorCode::NotSupported => ErrorCode16::NotSupported,
            ErrorCode::OccurrenceConstraintViolation => ErrorCode16::OccurenceConstraintViolation,
            ErrorCode::PropertyConstraintViolation => ErrorCode16::PropertyConstraintViolation,
            ErrorCode::ProtocolError => ErrorCode16::ProtocolError,
            ErrorCode::SecurityError => ErrorCode16::SecurityError,
            ErrorCode::TypeConstraintViolation => ErrorCode16::TypeConstraintViolation,
        }
    }
}

/// The 1.6 code of a fault.
pub fn code_of(fault: &Fault) -> ErrorCode16 {
    ErrorCode16::of(&fault.kind)
}
