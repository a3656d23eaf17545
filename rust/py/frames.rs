//! OCPP-J frames in Python: `Call`, `CallResult`, `CallError`, the decoders and the encoders.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::dialect::Dialect;
use crate::fault::error::{ErrorCode, Fault, FaultKind, Res, Seg, MAX_DESCRIPTION};
use crate::json::value::JsonValue;
use crate::ocpp::profile::{Deviations, Profile};
use crate::ocpp::v16::ErrorCode16;
use crate::ocppj::frame::{self, Action, FrameFault, Message, Request, Response};
use crate::ocppj::frame16::{
    encode_call16, encode_call_error16, Action16, Message16, Request16, Response16,
};
use crate::ocppj::lenient16::{decode_call16_as, decode_message16_as};

use super::args::*;
use super::deviations::{any_dialect_arg, profile_arg};
use super::errors::{error_code16_to_py, frame_err, frame_err16, to_py_err, to_py_err16};
use super::input::with_input;
use super::lookups::*;
use super::meter::{PyMeterValuesRequest, PyMeterValuesResponse};
use super::meter16::PyMeterValuesRequest16;
use super::methods;
use super::to_python::*;
use super::transaction::PyTransactionEventRequest;
use super::transaction_response::PyTransactionEventResponse;
use super::v16::{
    PyStartTransactionRequest, PyStartTransactionResponse, PyStopTransactionRequest,
    PyStopTransactionResponse,
};

/// An OCPP-J CALL.
#[pyclass(frozen, freelist = 512, module = "ocpp_meter._core", name = "Call")]
pub struct PyCall {
    pub(super) message_id: String,
    /// A 2.x [`Action`]'s or a 1.6 [`Action16`]'s wire name.
    pub(super) action: &'static str,
    /// A `MeterValuesRequest` or a `TransactionEventRequest`, as `action` says; of OCPP 1.6J, a
    /// `MeterValuesRequest16`, `StartTransactionRequest` or `StopTransactionRequest`.
    pub(super) payload: Py<PyAny>,
}

/// An OCPP-J CALLRESULT.
#[pyclass(frozen, module = "ocpp_meter._core", name = "CallResult")]
pub struct PyCallResult {
    message_id: String,
    /// A `MeterValuesResponse` or a `TransactionEventResponse`.
    payload: Py<PyAny>,
}

/// An OCPP-J CALLERROR.
#[pyclass(frozen, module = "ocpp_meter._core", name = "CallError")]
pub struct PyCallError {
    message_id: String,
    code: CallErrorCode,
    description: String,
    details: JsonValue,
}

/// A CALLERROR's code: 2.x's table, or 1.6's on a 1.6 connection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallErrorCode {
    V2(ErrorCode),
    V16(ErrorCode16),
}

fn message_id_arg(obj: &Bound<'_, PyAny>) -> Res<String> {
    let id = str_arg(obj, usize::MAX)?;
    frame::check_message_id(&id).map_err(|k| Fault::new(k, 0))?;
    Ok(id)
}

fn error_code_arg(obj: &Bound<'_, PyAny>) -> Res<ErrorCode> {
    wire_arg(obj, ErrorCode::from_wire, "ErrorCode")
}

fn description_arg(obj: &Bound<'_, PyAny>) -> Res<String> {
    str_arg(obj, MAX_DESCRIPTION)
}

fn details_arg(obj: Option<&Bound<'_, PyAny>>) -> Res<JsonValue> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(JsonValue::Object(Vec::new())),
        Some(o) if o.is_instance_of::<PyDict>() => py_to_json(o, 0),
        Some(o) => Err(not_instance(o)),
    }
}

fn error_code_to_py<'py>(py: Python<'py>, code: ErrorCode) -> PyResult<Bound<'py, PyAny>> {
    let index = ErrorCode::ALL.iter().position(|c| *c == code).unwrap_or(0);
    let wire: Vec<&'static str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    ERROR_CODE.get(py, index, &wire)
}

/// Envelope arguments are not inside a payload: their faults carry a path naming the argument.
fn envelope_arg<T>(r: Res<T>, name: &'static str) -> Res<T> {
    r.map_err(|e| e.within(Seg::Key(name)))
}

#[pymethods]
impl PyCall {
    #[new]
    fn new(
        py: Python<'_>,
        message_id: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        payload: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let build = || -> Res<Self> {
            let message_id = envelope_arg(message_id_arg(message_id), "messageId")?;
            let of_either = |a: &str| {
                Action::from_wire(a)
                    .map(Action::as_str)
                    .or_else(|| Action16::from_wire(a).map(Action16::as_str))
            };
            let action = envelope_arg(
                wire_arg(action, of_either, "action").map_err(|f| match f.kind {
                    FaultKind::UnknownEnumValue { value, .. } => {
                        Fault::new(FaultKind::UnknownAction(value), 0)
                    }
                    _ => f,
                }),
                "action",
            )?;
            let matches = match action {
                "MeterValues" => {
                    payload.is_instance_of::<PyMeterValuesRequest>()
                        || payload.is_instance_of::<PyMeterValuesRequest16>()
                }
                "TransactionEvent" => payload.is_instance_of::<PyTransactionEventRequest>(),
                "StartTransaction" => payload.is_instance_of::<PyStartTransactionRequest>(),
                _ => payload.is_instance_of::<PyStopTransactionRequest>(),
            };
            if !matches {
                return Err(not_instance(payload).within(Seg::Key("payload")));
            }
            Ok(PyCall {
                message_id,
                action,
                payload: payload.clone().unbind(),
            })
        };
        methods::raise(py, build())
    }

    #[getter]
    fn message_id<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.message_id)
    }

    #[getter]
    fn action(&self) -> &'static str {
        self.action
    }

    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.payload.bind(py).clone()
    }

    fn __eq__(&self, py: Python<'_>, other: &Self) -> PyResult<bool> {
        Ok(self.message_id == other.message_id
            && self.action == other.action
            && self.payload.bind(py).eq(other.payload.bind(py))?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "Call",
            &[
                ("message_id", Some(self.message_id(py).into_any())),
                ("action", Some(PyString::new(py, self.action).into_any())),
                ("payload", Some(self.payload(py).into_any())),
            ],
        )
    }
}

#[pymethods]
impl PyCallResult {
    #[new]
    fn new(
        py: Python<'_>,
        message_id: &Bound<'_, PyAny>,
        payload: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let build = || -> Res<Self> {
            let message_id = envelope_arg(message_id_arg(message_id), "messageId")?;
            if !(payload.is_instance_of::<PyMeterValuesResponse>()
                || payload.is_instance_of::<PyTransactionEventResponse>()
                || payload.is_instance_of::<PyStartTransactionResponse>()
                || payload.is_instance_of::<PyStopTransactionResponse>())
            {
                return Err(not_instance(payload).within(Seg::Key("payload")));
            }
            let payload = payload.clone().unbind();
            Ok(PyCallResult {
                message_id,
                payload,
            })
        };
        methods::raise(py, build())
    }

    #[getter]
    fn message_id<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.message_id)
    }

    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.payload.bind(py).clone()
    }

    fn __eq__(&self, py: Python<'_>, other: &Self) -> PyResult<bool> {
        Ok(self.message_id == other.message_id
            && self.payload.bind(py).eq(other.payload.bind(py))?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "CallResult",
            &[
                ("message_id", Some(self.message_id(py).into_any())),
                ("payload", Some(self.payload(py).into_any())),
            ],
        )
    }
}

#[pymethods]
impl PyCallError {
    #[new]
    #[pyo3(signature = (message_id, code, description=None, details=None))]
    fn new(
        py: Python<'_>,
        message_id: &Bound<'_, PyAny>,
        code: &Bound<'_, PyAny>,
        description: Option<&Bound<'_, PyAny>>,
        details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        methods::raise(py, call_error_args(message_id, code, description, details))
    }

    #[getter]
    fn message_id<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.message_id)
    }

    #[getter]
    fn code<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.code {
            CallErrorCode::V2(code) => error_code_to_py(py, code),
            CallErrorCode::V16(code) => error_code16_to_py(py, code),
        }
    }

    #[getter]
    fn description<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.description)
    }

    #[getter]
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.details)
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.message_id == other.message_id
            && self.code == other.code
            && self.description == other.description
            && self.details == other.details
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "CallError",
            &[
                ("message_id", Some(self.message_id(py).into_any())),
                ("code", Some(self.code(py)?)),
                ("description", Some(self.description(py).into_any())),
                ("details", Some(self.details(py)?)),
            ],
        )
    }
}

fn call_error_args(
    message_id: &Bound<'_, PyAny>,
    code: &Bound<'_, PyAny>,
    description: Option<&Bound<'_, PyAny>>,
    details: Option<&Bound<'_, PyAny>>,
) -> Res<PyCallError> {
    let message_id = envelope_arg(message_id_arg(message_id), "messageId")?;
    let code = CallErrorCode::V2(envelope_arg(error_code_arg(code), "errorCode")?);
    let (description, details) = error_text_args(description, details)?;
    Ok(PyCallError {
        message_id,
        code,
        description,
        details,
    })
}

/// A CALLERROR's description and details, checked after its id and code.
fn error_text_args(
    description: Option<&Bound<'_, PyAny>>,
    details: Option<&Bound<'_, PyAny>>,
) -> Res<(String, JsonValue)> {
    Ok((
        envelope_arg(opt(description, description_arg), "errorDescription")?.unwrap_or_default(),
        envelope_arg(details_arg(details), "errorDetails")?,
    ))
}

/// Reads `frame` with `decode`, raising a fault with the frame's id (or `"-1"`).
fn read_frame<T: Send>(
    frame: &Bound<'_, PyAny>,
    decode: impl FnOnce(&[u8], bool) -> Result<T, FrameFault> + Send,
) -> PyResult<T> {
    with_input(frame, decode)?.map_err(|ff| frame_err(frame.py(), &ff))
}

/// The `Call` of a decoded CALL; `deviations` is what a non-strict profile accepted.
fn call_to_py(
    py: Python<'_>,
    message_id: String,
    request: Request,
    deviations: Option<Deviations>,
) -> PyResult<PyCall> {
    let action = request.action();
    let payload = match (request, deviations) {
        (Request::MeterValues(r), None) => {
            Py::new(py, PyMeterValuesRequest::wrap(py, r)?)?.into_any()
        }
        (Request::MeterValues(r), Some(d)) => {
            Py::new(py, PyMeterValuesRequest::wrap(py, r)?.with_deviations(d))?.into_any()
        }
        (Request::TransactionEvent(r), d) => {
            let mut object = PyTransactionEventRequest::wrap(*r);
            if let Some(d) = d {
                object = object.with_deviations(d);
            }
            Py::new(py, object)?.into_any()
        }
    };
    Ok(PyCall {
        message_id,
        action: action.as_str(),
        payload,
    })
}

/// The `CallError` of a decoded CALLERROR.
fn call_error_to_py(
    py: Python<'_>,
    message_id: String,
    code: CallErrorCode,
    description: String,
    details: JsonValue,
) -> PyResult<Bound<'_, PyAny>> {
    let error = PyCallError {
        message_id,
        code,
        description,
        details,
    };
    Ok(Bound::new(py, error)?.into_any())
}

/// The `Call` of a decoded 1.6 CALL; `deviations` is what a non-strict profile accepted.
fn call16_to_py(
    py: Python<'_>,
    message_id: String,
    request: Request16,
    deviations: Deviations,
) -> PyResult<PyCall> {
    let action = request.action().as_str();
    let d = deviations;
    let payload = match request {
        Request16::MeterValues(r) => {
            Py::new(py, PyMeterValuesRequest16::decoded(py, r, d)?)?.into_any()
        }
        Request16::StartTransaction(r) => {
            Py::new(py, PyStartTransactionRequest::decoded(r, d))?.into_any()
        }
        Request16::StopTransaction(r) => {
            Py::new(py, PyStopTransactionRequest::decoded(r, d))?.into_any()
        }
    };
    Ok(PyCall {
        message_id,
        action,
        payload,
    })
}

/// [`decode_message`] of a 1.6 frame under `profile` (a CALL's payload read as the batch
/// reads it, [`decode_message16_as`]).
fn message16_to_py<'py>(
    py: Python<'py>,
    frame: &Bound<'py, PyAny>,
    action: &str,
    profile: Profile,
) -> PyResult<Bound<'py, PyAny>> {
    let Some(action) = Action16::from_wire(action) else {
        let fault = Fault::new(FaultKind::UnknownAction(action.into()), 0);
        return Err(to_py_err16(py, &fault, None));
    };
    let (message, deviations) = with_input(frame, |buf, trusted| {
        decode_message16_as(buf, trusted, action, profile)
    })?
    .map_err(|ff| frame_err16(py, &ff))?;
    Ok(match message {
        Message16::Call {
            message_id,
            request,
        } => Bound::new(py, call16_to_py(py, message_id, request, deviations)?)?.into_any(),
        Message16::CallResult {
            message_id,
            response,
        } => {
            let payload = match response {
                Response16::MeterValues(_) => {
                    // 1.6's answer is `{}`, which 2.0.1's class holds as it is.
                    let empty = crate::ocpp::model::MeterValuesResponse::default();
                    Py::new(py, PyMeterValuesResponse::wrap(empty))?.into_any()
                }
                Response16::StartTransaction(inner) => {
                    Py::new(py, PyStartTransactionResponse { inner })?.into_any()
                }
                Response16::StopTransaction(inner) => {
                    Py::new(py, PyStopTransactionResponse { inner })?.into_any()
                }
            };
            Bound::new(
                py,
                PyCallResult {
                    message_id,
                    payload,
                },
            )?
            .into_any()
        }
        Message16::CallError {
            message_id,
            code,
            description,
            details,
        } => call_error_to_py(
            py,
            message_id,
            CallErrorCode::V16(code),
            description,
            details,
        )?,
    })
}

/// Decodes a CALL frame.
#[pyfunction]
#[pyo3(signature = (frame, *, profile="strict", dialect="2.0.1"))]
pub fn decode_call(
    py: Python<'_>,
    frame: &Bound<'_, PyAny>,
    profile: &str,
    dialect: &str,
) -> PyResult<PyCall> {
    let profile = profile_arg(profile)?;
    let dialect = match any_dialect_arg(dialect)? {
        Dialect::V16 => {
            let (id, request, d) = with_input(frame, |buf, trusted| {
                decode_call16_as(buf, trusted, profile)
            })?
            .map_err(|ff| frame_err16(py, &ff))?;
            return call16_to_py(py, id, request, d);
        }
        d => d,
    };
    // The common case, strict 2.0.1, takes the path that builds no deviations at all.
    let (message_id, request, deviations) = match (profile, dialect) {
        (Profile::Strict, Dialect::V201) => {
            let (id, request) = read_frame(frame, frame::decode_call)?;
            (id, request, None)
        }
        (profile, dialect) => {
            let (id, request, d) = read_frame(frame, |buf, trusted| {
                frame::decode_call_as(buf, trusted, profile, dialect)
            })?;
            (id, request, Some(d))
        }
    };
    call_to_py(py, message_id, request, deviations)
}

/// Decodes a CALL, CALLRESULT or CALLERROR frame.
#[pyfunction]
#[pyo3(signature = (frame, action="MeterValues", *, profile="strict", dialect="2.0.1"))]
pub fn decode_message<'py>(
    py: Python<'py>,
    frame: &Bound<'py, PyAny>,
    action: &str,
    profile: &str,
    dialect: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let profile = profile_arg(profile)?;
    let dialect = match any_dialect_arg(dialect)? {
        Dialect::V16 => return message16_to_py(py, frame, action, profile),
        d => d,
    };
    let Some(action) = Action::from_wire(action) else {
        let fault = Fault::new(FaultKind::UnknownAction(action.into()), 0);
        return Err(to_py_err(py, &fault, None));
    };
    let (message, deviations) = match profile {
        Profile::Strict => (
            read_frame(frame, |buf, trusted| {
                frame::decode_message_in(buf, trusted, action, dialect)
            })?,
            None,
        ),
        profile => {
            let (message, d) = read_frame(frame, |buf, trusted| {
                frame::decode_message_as(buf, trusted, action, profile, dialect)
            })?;
            (message, Some(d))
        }
    };
    Ok(match message {
        Message::Call {
            message_id,
            request,
        } => Bound::new(py, call_to_py(py, message_id, request, deviations)?)?.into_any(),
        Message::CallResult {
            message_id,
            response,
        } => {
            let payload = match response {
                Response::MeterValues(r) => Py::new(py, PyMeterValuesResponse::wrap(r))?.into_any(),
                Response::TransactionEvent(r) => {
                    Py::new(py, PyTransactionEventResponse { inner: *r })?.into_any()
                }
            };
            Bound::new(
                py,
                PyCallResult {
                    message_id,
                    payload,
                },
            )?
            .into_any()
        }
        Message::CallError {
            message_id,
            code,
            description,
            details,
        } => call_error_to_py(
            py,
            message_id,
            CallErrorCode::V2(code),
            description,
            details,
        )?,
    })
}

fn frame_bytes<'py>(py: Python<'py>, write: impl FnOnce(&mut Vec<u8>)) -> Bound<'py, PyBytes> {
    methods::json_bytes(py, write)
}

/// `[2, id, action, request]`, the action named by the request's type.
#[pyfunction]
pub fn encode_call<'py>(
    py: Python<'py>,
    message_id: &Bound<'py, PyAny>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let id = methods::raise(py, envelope_arg(message_id_arg(message_id), "messageId"))?;
    // The payload is borrowed for the write; requests are immutable, so no copy is needed.
    if let Ok(req) = request.cast::<PyMeterValuesRequest>() {
        let req = req.get();
        return Ok(frame_bytes(py, |out| {
            frame::encode_call_with(&id, Action::MeterValues, &*req.inner, out)
        }));
    }
    if let Ok(req) = request.cast::<PyTransactionEventRequest>() {
        let req = req.get();
        return Ok(frame_bytes(py, |out| {
            frame::encode_call_with(&id, Action::TransactionEvent, &*req.inner, out)
        }));
    }
    // OCPP 1.6J's requests: a copy into the 1.6 request enum, off the 2.x hot path.
    let request16 = if let Ok(req) = request.cast::<PyMeterValuesRequest16>() {
        Request16::MeterValues(req.get().inner.clone())
    } else if let Ok(req) = request.cast::<PyStartTransactionRequest>() {
        Request16::StartTransaction(req.get().inner.clone())
    } else if let Ok(req) = request.cast::<PyStopTransactionRequest>() {
        Request16::StopTransaction(req.get().inner.clone())
    } else {
        return methods::raise(py, Err(not_instance(request).within(Seg::Key("payload"))));
    };
    Ok(frame_bytes(py, |out| encode_call16(&id, &request16, out)))
}

/// `[3, id, response]`.
#[pyfunction]
pub fn encode_call_result<'py>(
    py: Python<'py>,
    message_id: &Bound<'py, PyAny>,
    response: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let id = methods::raise(py, envelope_arg(message_id_arg(message_id), "messageId"))?;
    // MeterValues first: the response a busy CSMS sends most.
    if let Ok(resp) = response.cast::<PyMeterValuesResponse>() {
        let resp = resp.get();
        return Ok(frame_bytes(py, |out| {
            frame::encode_call_result_with(&id, &*resp.inner, out)
        }));
    }
    if let Ok(resp) = response.cast::<PyTransactionEventResponse>() {
        let resp = resp.get();
        return Ok(frame_bytes(py, |out| {
            frame::encode_call_result_with(&id, &resp.inner, out)
        }));
    }
    if let Ok(resp) = response.cast::<PyStartTransactionResponse>() {
        let resp = resp.get();
        return Ok(frame_bytes(py, |out| {
            frame::encode_call_result_with(&id, &resp.inner, out)
        }));
    }
    if let Ok(resp) = response.cast::<PyStopTransactionResponse>() {
        let resp = resp.get();
        return Ok(frame_bytes(py, |out| {
            frame::encode_call_result_with(&id, &resp.inner, out)
        }));
    }
    methods::raise(py, Err(not_instance(response).within(Seg::Key("payload"))))
}

/// `[4, id, code, description, details]`; under `dialect="1.6"` the code is one of the OCPP-J
/// 1.6 table, as that specification spells it.
#[pyfunction]
#[pyo3(signature = (message_id, code, description=None, details=None, *, dialect="2.0.1"))]
pub fn encode_call_error<'py>(
    py: Python<'py>,
    message_id: &Bound<'py, PyAny>,
    code: &Bound<'py, PyAny>,
    description: Option<&Bound<'py, PyAny>>,
    details: Option<&Bound<'py, PyAny>>,
    dialect: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    if any_dialect_arg(dialect)? == Dialect::V16 {
        let args = || -> Res<_> {
            let message_id = envelope_arg(message_id_arg(message_id), "messageId")?;
            let code = wire_arg(code, ErrorCode16::from_wire, "ErrorCode");
            let code = envelope_arg(code, "errorCode")?;
            let (description, details) = error_text_args(description, details)?;
            Ok((message_id, code, description, details))
        };
        let (id, code, description, details) = methods::raise16(py, args())?;
        return Ok(frame_bytes(py, |out| {
            encode_call_error16(&id, code, &description, &details, out)
        }));
    }
    let e = methods::raise(py, call_error_args(message_id, code, description, details))?;
    let CallErrorCode::V2(code) = e.code else {
        unreachable!("call_error_args reads a 2.x code")
    };
    Ok(frame_bytes(py, |out| {
        frame::encode_call_error(&e.message_id, code, &e.description, &e.details, out)
    }))
}
