//! Faults as data: an OCPP-J error code, a machine-readable kind, the byte offset and the JSON
//! Pointer of the fault. The pointer is assembled while the error unwinds out of the decoder, so
//! a valid input never pays for it; descriptions are formatted only when somebody asks.

use std::fmt::Write as _;

/// The twelve RPC framework error codes of OCPP 2.0.1 (Part 4, CALLERROR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    FormatViolation,
    GenericError,
    InternalError,
    MessageTypeNotSupported,
    NotImplemented,
    NotSupported,
    OccurrenceConstraintViolation,
    PropertyConstraintViolation,
    ProtocolError,
    RpcFrameworkError,
    SecurityError,
    TypeConstraintViolation,
}

impl ErrorCode {
    /// Every code, in the order of the OCPP specification's table.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::FormatViolation,
        ErrorCode::GenericError,
        ErrorCode::InternalError,
        ErrorCode::MessageTypeNotSupported,
        ErrorCode::NotImplemented,
        ErrorCode::NotSupported,
        ErrorCode::OccurrenceConstraintViolation,
        ErrorCode::PropertyConstraintViolation,
        ErrorCode::ProtocolError,
        ErrorCode::RpcFrameworkError,
        ErrorCode::SecurityError,
        ErrorCode::TypeConstraintViolation,
    ];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FormatViolation => "FormatViolation",
            ErrorCode::GenericError => "GenericError",
            ErrorCode::InternalError => "InternalError",
            ErrorCode::MessageTypeNotSupported => "MessageTypeNotSupported",
            ErrorCode::NotImplemented => "NotImplemented",
            ErrorCode::NotSupported => "NotSupported",
            ErrorCode::OccurrenceConstraintViolation => "OccurrenceConstraintViolation",
            ErrorCode::PropertyConstraintViolation => "PropertyConstraintViolation",
            ErrorCode::ProtocolError => "ProtocolError",
            ErrorCode::RpcFrameworkError => "RpcFrameworkError",
            ErrorCode::SecurityError => "SecurityError",
            ErrorCode::TypeConstraintViolation => "TypeConstraintViolation",
        }
    }

    /// Parses a wire string; `None` for anything that is not one of the twelve.
    pub fn from_wire(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The JSON types, as named in error descriptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    Object,
    Array,
    String,
    Number,
    Integer,
    Boolean,
    Null,
}

impl JsonType {
    /// The JSON Schema name of the type.
    pub fn name(self) -> &'static str {
        match self {
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Null => "null",
        }
    }
}

/// What went wrong, independent of where. Each kind maps to exactly one error code.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// The text is not JSON (or has trailing content); the reason is a short phrase.
    Syntax(&'static str),
    /// Bytes that are not UTF-8, or an escaped lone surrogate.
    InvalidUnicode,
    /// Containers nested deeper than the decoder's limit.
    TooDeep { limit: usize },
    /// Input longer than `max_frame_bytes` (see [`crate::fault::limits`]), refused unread; a frame's
    /// message id was read from its start.
    TooLarge { limit: usize },
    /// A frame longer than `max_frame_bytes` whose start gave no message id.
    TooLargeUnread { limit: usize },
    /// The payload (or a frame's payload element) is not a JSON object.
    PayloadNotObject,
    /// A property the schema does not allow (`additionalProperties: false`).
    UnknownProperty(Box<str>),
    /// A required property is absent.
    MissingProperty(&'static str),
    /// An array shorter than its `minItems`.
    TooFewItems { min: usize },
    /// Wrong JSON type.
    WrongType { expected: JsonType, found: JsonType },
    /// A keyword argument of a Python type that has no place in the field (named by its type).
    WrongPythonType { expected: JsonType, found: Box<str> },
    /// A string that is not one of the enum's values.
    UnknownEnumValue {
        enum_name: &'static str,
        value: Box<str>,
    },
    /// A string longer than `maxLength` code points.
    TooLong { max: usize, len: usize },
    /// A `date-time` that is not RFC 3339 section 5.6 (the reason says which part).
    BadDateTime(&'static str),
    /// A number below the field's minimum.
    BelowMinimum { min: i64 },
    /// A number above the field's maximum.
    AboveMaximum { max: i64 },
    /// An array longer than its `maxItems`.
    TooManyItems { max: usize },
    /// An integer outside 64-bit range, or a number that is not finite as a double.
    OutOfRange,
    /// A string that must be decimal text (an OCPP 1.6 sampled value) and is not.
    NotDecimal(Box<str>),
    /// The same key twice in one object.
    DuplicateKey(Box<str>),
    /// The frame is not a JSON array.
    FrameNotArray,
    /// The frame is not JSON, and the fault comes before its message id could be read.
    UnreadableFrame(&'static str),
    /// The message id is not a string of 1 to 36 characters.
    BadMessageId(&'static str),
    /// A message type id other than 2, 3 or 4.
    UnsupportedMessageType,
    /// A frame with the wrong number of elements for its message type.
    WrongArity { expected: usize, found: usize },
    /// A frame element of the envelope (action, error code, description, details) is malformed.
    BadEnvelope(&'static str),
    /// The action is not one this receiver knows.
    UnknownAction(Box<str>),
    /// A valid frame of a type the caller did not ask for.
    UnexpectedMessageType { expected: u8, found: u8 },
}

impl FaultKind {
    /// The OCPP-J error code a CSMS answers this fault with.
    pub fn code(&self) -> ErrorCode {
        use FaultKind::*;
        match self {
            Syntax(_) | InvalidUnicode | TooDeep { .. } | TooLarge { .. } | PayloadNotObject => {
                ErrorCode::FormatViolation
            }
            UnknownProperty(_) => ErrorCode::ProtocolError,
            MissingProperty(_) | TooFewItems { .. } | TooManyItems { .. } => {
                ErrorCode::OccurrenceConstraintViolation
            }
            WrongType { .. } | WrongPythonType { .. } => ErrorCode::TypeConstraintViolation,
            UnknownEnumValue { .. }
            | TooLong { .. }
            | BadDateTime(_)
            | BelowMinimum { .. }
            | AboveMaximum { .. }
            | OutOfRange
            | NotDecimal(_)
            | DuplicateKey(_) => ErrorCode::PropertyConstraintViolation,
            FrameNotArray
            | TooLargeUnread { .. }
            | UnreadableFrame(_)
            | BadMessageId(_)
            | WrongArity { .. }
            | BadEnvelope(_)
            | UnexpectedMessageType { .. } => ErrorCode::RpcFrameworkError,
            UnsupportedMessageType => ErrorCode::MessageTypeNotSupported,
            UnknownAction(_) => ErrorCode::NotImplemented,
        }
    }

    /// [`FaultKind::id`] of [`FaultKind::WrongArity`] (1.6 gives it a code of its own).
    pub const WRONG_ARITY_ID: &'static str = "wrong_arity";
    /// [`FaultKind::id`] of [`FaultKind::UnknownProperty`] (1.6 gives it a code of its own).
    pub const UNKNOWN_PROPERTY_ID: &'static str = "unknown_property";

    /// A stable machine-readable name of the kind, like pydantic's error types.
    pub fn id(&self) -> &'static str {
        use FaultKind::*;
        match self {
            Syntax(_) => "json_syntax",
            InvalidUnicode => "invalid_unicode",
            TooDeep { .. } => "too_deep",
            TooLarge { .. } | TooLargeUnread { .. } => "too_large",
            PayloadNotObject => "payload_not_object",
            UnknownProperty(_) => Self::UNKNOWN_PROPERTY_ID,
            MissingProperty(_) => "missing_property",
            TooFewItems { .. } => "too_few_items",
            WrongType { .. } | WrongPythonType { .. } => "wrong_type",
            UnknownEnumValue { .. } => "unknown_enum_value",
            TooLong { .. } => "too_long",
            BadDateTime(_) => "bad_date_time",
            BelowMinimum { .. } => "below_minimum",
            AboveMaximum { .. } => "above_maximum",
            TooManyItems { .. } => "too_many_items",
            OutOfRange => "out_of_range",
            NotDecimal(_) => "not_decimal",
            DuplicateKey(_) => "duplicate_key",
            FrameNotArray => "frame_not_array",
            UnreadableFrame(_) => "unreadable_frame",
            BadMessageId(_) => "bad_message_id",
            UnsupportedMessageType => "unsupported_message_type",
            WrongArity { .. } => Self::WRONG_ARITY_ID,
            BadEnvelope(_) => "bad_envelope",
            UnknownAction(_) => "unknown_action",
            UnexpectedMessageType { .. } => "unexpected_message_type",
        }
    }

    /// True for faults about the OCPP-J envelope rather than a place in the payload.
    pub fn is_envelope(&self) -> bool {
        self.code() == ErrorCode::RpcFrameworkError
            || matches!(
                self,
                FaultKind::UnsupportedMessageType | FaultKind::UnknownAction(_)
            )
    }

    /// True for faults that mean "this is not well-formed JSON"; they win over every other fault.
    pub fn is_syntax(&self) -> bool {
        matches!(self, FaultKind::Syntax(_) | FaultKind::InvalidUnicode)
    }

    #[cold]
    fn describe(&self, out: &mut String) {
        use FaultKind::*;
        let _ = match self {
            Syntax(reason) => write!(out, "invalid JSON: {reason}"),
            InvalidUnicode => write!(out, "invalid JSON: not valid UTF-8 or a lone surrogate"),
            TooDeep { limit } => write!(out, "JSON nested deeper than {limit} levels"),
            TooLarge { limit } | TooLargeUnread { limit } => {
                write!(out, "input is larger than the limit of {limit} bytes")
            }
            PayloadNotObject => write!(out, "payload is not a JSON object"),
            UnknownProperty(name) => write!(out, "unknown property {}", quoted(name)),
            MissingProperty(name) => write!(out, "required property \"{name}\" is missing"),
            TooFewItems { min } => write!(out, "array needs at least {min} item(s)"),
            WrongType { expected, found } => {
                write!(out, "expected {}, got {}", expected.name(), found.name())
            }
            WrongPythonType { expected, found } => {
                write!(
                    out,
                    "expected {}, got Python {}",
                    expected.name(),
                    quoted(found)
                )
            }
            UnknownEnumValue { enum_name, value } => {
                write!(out, "{} is not a valid {enum_name}", quoted(value))
            }
            TooLong { max, len } => {
                write!(out, "string of {len} characters exceeds maxLength {max}")
            }
            BadDateTime(reason) => write!(out, "not an RFC 3339 date-time: {reason}"),
            BelowMinimum { min } => write!(out, "value is below the minimum {min}"),
            AboveMaximum { max } => write!(out, "value is above the maximum {max}"),
            TooManyItems { max } => write!(out, "array has more than {max} item(s)"),
            OutOfRange => write!(out, "number out of range (64-bit integer or finite double)"),
            NotDecimal(text) => write!(out, "{} is not decimal text", quoted(text)),
            DuplicateKey(name) => write!(out, "duplicate key {}", quoted(name)),
            FrameNotArray => write!(out, "frame is not a JSON array"),
            UnreadableFrame(reason) => write!(out, "frame is not valid JSON: {reason}"),
            BadMessageId(reason) => write!(out, "message id {reason}"),
            UnsupportedMessageType => write!(out, "message type id is not 2, 3 or 4"),
            WrongArity { expected, found } => {
                write!(out, "frame has {found} elements, expected {expected}")
            }
            BadEnvelope(reason) => write!(out, "{reason}"),
            UnknownAction(name) => write!(out, "action {} is not implemented", quoted(name)),
            UnexpectedMessageType { expected, found } => {
                write!(out, "expected message type {expected}, got {found}")
            }
        };
    }
}

/// A JSON-ish quotation of user text, cut short so descriptions stay small.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(42) + 2);
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        if i == 40 {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One step of a JSON Pointer.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    /// A schema property name.
    Key(&'static str),
    /// A property name read from the input.
    Name(Box<str>),
    /// An array index.
    Index(usize),
}

/// The RFC 6901 JSON Pointer of `segments`, each [`Seg::Name`] cut after `max_name`
/// characters (marked with `…`).
pub fn pointer_of<'s>(segments: impl Iterator<Item = &'s Seg>, max_name: usize) -> String {
    let mut out = String::new();
    for seg in segments {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(k),
            Seg::Name(n) => {
                for (i, c) in n.chars().enumerate() {
                    if i == max_name {
                        out.push('…');
                        break;
                    }
                    match c {
                        '~' => out.push_str("~0"),
                        '/' => out.push_str("~1"),
                        c => out.push(c),
                    }
                }
            }
            Seg::Index(i) => {
                let _ = write!(out, "{i}");
            }
        }
    }
    out
}

/// The longest description we produce; OCPP limits errorDescription to 255 characters.
pub const MAX_DESCRIPTION: usize = 255;

/// The most characters of one property name a pointer shows. A name the sender made up (an
/// unknown or duplicate property, a vendor key) longer than this is cut and ends with `…`, so
/// that a path, which a CALLERROR carries back, stays small whatever the input holds. The
/// schema's own names are at most 20 characters.
pub const MAX_POINTER_NAME: usize = 128;

/// A fault with its location. The path is stored innermost-first while unwinding.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// What went wrong.
    pub kind: FaultKind,
    /// Byte offset in the input where it was found.
    pub offset: usize,
    /// Frame element index for envelope faults (`None` inside the payload).
    pub element: Option<usize>,
    rev_path: Vec<Seg>,
}

/// The decoder's result type: the error is boxed so that `Ok` stays small on the hot path.
pub type Res<T> = Result<T, Box<Fault>>;

impl Fault {
    /// A new fault at `offset`, at the root of whatever is being decoded.
    #[cold]
    #[inline(never)]
    pub fn new(kind: FaultKind, offset: usize) -> Box<Fault> {
        Box::new(Fault {
            kind,
            offset,
            element: None,
            rev_path: Vec::new(),
        })
    }

    /// Records that the fault lies inside `seg` (called while unwinding, innermost first).
    #[cold]
    #[inline(never)]
    pub fn within(mut self: Box<Self>, seg: Seg) -> Box<Self> {
        self.rev_path.push(seg);
        self
    }

    /// The error code of the fault.
    pub fn code(&self) -> ErrorCode {
        self.kind.code()
    }

    /// The path segments, outermost first.
    pub fn segments(&self) -> impl Iterator<Item = &Seg> {
        self.rev_path.iter().rev()
    }

    /// The RFC 6901 JSON Pointer of the fault (`""` for the root), made-up names cut to
    /// [`MAX_POINTER_NAME`] characters.
    #[cold]
    pub fn pointer(&self) -> String {
        pointer_of(self.segments(), MAX_POINTER_NAME)
    }

    /// What and where, at most [`MAX_DESCRIPTION`] characters.
    #[cold]
    pub fn description(&self) -> String {
        let mut out = String::new();
        self.kind.describe(&mut out);
        let pointer = self.pointer();
        if self.kind.is_syntax() || matches!(self.kind, FaultKind::UnreadableFrame(_)) {
            // Where the text stops being JSON, a byte offset says more than a pointer.
            let _ = write!(out, " at byte {}", self.offset);
        } else if let Some(e) = self.element {
            let _ = write!(out, " (frame element {e})");
        } else if !pointer.is_empty() {
            let _ = write!(out, " at {pointer}");
        } else if !self.kind.is_envelope() && !matches!(self.kind, FaultKind::TooLarge { .. }) {
            out.push_str(" at the payload root");
        }
        truncate_chars(out, MAX_DESCRIPTION)
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate_chars(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s,
        Some(_) => {
            let cut = s.char_indices().nth(max - 1).map_or(s.len(), |(i, _)| i);
            let mut t = s[..cut].to_owned();
            t.push('…');
            t
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_and_orders_segments() {
        let f = Fault::new(FaultKind::UnknownProperty("a/b~c".into()), 3)
            .within(Seg::Name("a/b~c".into()))
            .within(Seg::Index(2))
            .within(Seg::Key("meterValue"));
        assert_eq!(f.pointer(), "/meterValue/2/a~1b~0c");
        assert_eq!(f.code(), ErrorCode::ProtocolError);
    }

    #[test]
    fn long_names_are_cut_in_pointers() {
        let name = |n: usize| "é".repeat(n);
        let at = |n: usize| {
            Fault::new(FaultKind::UnknownProperty(name(n).into()), 0)
                .within(Seg::Name(name(n).into()))
                .within(Seg::Key("customData"))
        };
        let exact = at(MAX_POINTER_NAME).pointer();
        assert_eq!(exact, format!("/customData/{}", name(MAX_POINTER_NAME)));
        let cut = at(1_000_000).pointer();
        assert_eq!(cut, format!("/customData/{}…", name(MAX_POINTER_NAME)));
    }

    #[test]
    fn descriptions_are_bounded() {
        let long = "x".repeat(10_000);
        let f = Fault::new(FaultKind::UnknownProperty(long.clone().into()), 0)
            .within(Seg::Name(long.into()));
        let d = f.description();
        assert!(
            d.chars().count() <= MAX_DESCRIPTION,
            "{}",
            d.chars().count()
        );
    }

    #[test]
    fn every_code_round_trips_its_wire_name() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_wire(c.as_str()), Some(c));
        }
        assert_eq!(ErrorCode::from_wire("FormationViolation"), None);
    }
}
