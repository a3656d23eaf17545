//! The actions checked by their official schema alone (see [`crate::ocpp::schema`]): their payloads
//! come to Python as plain `dict`s, validated by the core, and their replies go back validated
//! against the response schema before they are encoded.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::dialect::Dialect;
use crate::fault::error::{Fault, FaultKind, Res, Seg};
use crate::json::value::JsonValue;
use crate::ocpp::encode::Encode;
use crate::ocpp::schema::{self, Direction, SchemaAction};
use crate::ocppj::frame;

use super::args::{py_to_json, str_arg};
use super::deviations::any_dialect_arg;
use super::errors::{frame_err, frame_err16, payload_err};
use super::input::with_input;
use super::methods;
use super::to_python::json_to_py;

fn action_arg(action: &str) -> PyResult<SchemaAction> {
    SchemaAction::from_wire(action).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "action must be one of Authorize, BootNotification, Heartbeat, StatusNotification, \
             got {action:?}"
        ))
    })
}

/// Decodes a CALL of BootNotification, Heartbeat, StatusNotification or Authorize into
/// `(message_id, action, payload)`, the payload a `dict` valid against its request schema.
#[pyfunction]
#[pyo3(signature = (frame, *, dialect="2.0.1"))]
pub fn decode_schema_call<'py>(
    py: Python<'py>,
    frame: &Bound<'py, PyAny>,
    dialect: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    let dialect = any_dialect_arg(dialect)?;
    let (message_id, action, payload) = with_input(frame, |buf, trusted| {
        frame::decode_schema_call(buf, trusted, dialect)
    })?
    .map_err(|ff| match dialect {
        Dialect::V16 => frame_err16(py, &ff),
        _ => frame_err(py, &ff),
    })?;
    PyTuple::new(
        py,
        [
            message_id.into_pyobject(py)?.into_any(),
            action.as_str().into_pyobject(py)?.into_any(),
            json_to_py(py, &payload)?,
        ],
    )
}

/// Validates a payload text against the request (or, with `response=True`, the response)
/// schema of `action` and returns it as a `dict`.
#[pyfunction]
#[pyo3(signature = (action, payload, *, dialect="2.0.1", response=false))]
pub fn validate_payload<'py>(
    py: Python<'py>,
    action: &str,
    payload: &Bound<'py, PyAny>,
    dialect: &str,
    response: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (action, dialect) = (action_arg(action)?, any_dialect_arg(dialect)?);
    let direction = if response {
        Direction::Response
    } else {
        Direction::Request
    };
    let value = with_input(payload, |buf, trusted| {
        schema::validate(buf, trusted, action, direction, dialect)
    })?
    .map_err(|f| payload_err(py, dialect, &f, None))?;
    json_to_py(py, &value)
}

/// `[3, id, payload]` for a reply to `action`, once `payload` (a `dict`) is valid against the
/// action's response schema; otherwise `OcppError` (the CALLRESULT the spec forbids is never
/// built).
#[pyfunction]
#[pyo3(signature = (message_id, action, payload, *, dialect="2.0.1"))]
pub fn encode_schema_call_result<'py>(
    py: Python<'py>,
    message_id: &Bound<'py, PyAny>,
    action: &str,
    payload: &Bound<'py, PyAny>,
    dialect: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let (action, dialect) = (action_arg(action)?, any_dialect_arg(dialect)?);
    let id = methods::raise(py, message_id_arg(message_id))?;
    let value = methods::raise(py, py_to_json(payload, 0))?;
    let text = value.to_vec();
    checked_response(&text, action, dialect)
        .map_err(|f| payload_err(py, dialect, &f, Some(&id)))?;
    let mut out = Vec::with_capacity(text.len() + id.len() + 8);
    frame::encode_call_result_with(&id, &value, &mut out);
    Ok(PyBytes::new(py, &out))
}

fn message_id_arg(obj: &Bound<'_, PyAny>) -> Res<String> {
    let id = str_arg(obj, usize::MAX).map_err(|e| e.within(Seg::Key("messageId")))?;
    frame::check_message_id(&id).map_err(|k| Fault::new(k, 0).within(Seg::Key("messageId")))?;
    Ok(id)
}

/// The response as the core writes it, read back against its schema: one definition of
/// validity for what is received and what is sent.
fn checked_response(text: &[u8], action: SchemaAction, dialect: Dialect) -> Res<JsonValue> {
    if !matches!(text.first(), Some(b'{')) {
        return Err(Fault::new(FaultKind::PayloadNotObject, 0));
    }
    schema::validate(text, true, action, Direction::Response, dialect)
}
