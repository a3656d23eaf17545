//! Faults to `ocpp_meter.OcppError`. The exception class lives in Python (users subclass and
//! raise it in handlers); this side fills it in, on the failure path only.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};

use crate::dialect::Dialect;
use crate::fault::error::Fault;
use crate::ocpp::v16::ErrorCode16;
use crate::ocppj::frame::FrameFault;

use super::lookups::ERROR_CODE16;

static OCPP_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `OcppError` for `fault` in a bare payload or argument (no message id).
#[cold]
#[inline(never)]
pub fn to_py_err(py: Python<'_>, fault: &Fault, message_id: Option<&str>) -> PyErr {
    let code = PyString::new(py, fault.code().as_str()).into_any();
    build(py, code, fault, message_id, None).unwrap_or_else(|err| err)
}

/// [`to_py_err`] on an OCPP 1.6J connection: the code as the 1.6J specification spells it.
#[cold]
#[inline(never)]
pub fn to_py_err16(py: Python<'_>, fault: &Fault, message_id: Option<&str>) -> PyErr {
    code16(py, fault)
        .and_then(|code| build(py, code, fault, message_id, None))
        .unwrap_or_else(|err| err)
}

/// A payload's fault with the codes of `dialect` (1.6's own table under OCPP 1.6J).
pub fn payload_err(py: Python<'_>, dialect: Dialect, fault: &Fault, id: Option<&str>) -> PyErr {
    match dialect {
        Dialect::V16 => to_py_err16(py, fault, id),
        Dialect::V201 | Dialect::V21 => to_py_err(py, fault, id),
    }
}

/// [`frame_err`] of a 1.6 frame, with the 1.6J code.
#[cold]
#[inline(never)]
pub fn frame_err16(py: Python<'_>, ff: &FrameFault) -> PyErr {
    let id = ff.message_id.as_deref().unwrap_or("-1");
    code16(py, &ff.fault)
        .and_then(|code| build(py, code, &ff.fault, Some(id), ff.message_type))
        .unwrap_or_else(|err| err)
}

/// The `ErrorCode16` member of a 1.6 fault (not its string: `OcppError` reads a string as a
/// 2.x code where the spellings agree, and a 1.6 error's code is 1.6's throughout).
pub fn code16<'py>(py: Python<'py>, fault: &Fault) -> PyResult<Bound<'py, PyAny>> {
    error_code16_to_py(py, crate::ocpp::v16::error::code_of(fault))
}

/// The `ErrorCode16` member of `code`.
pub fn error_code16_to_py(py: Python<'_>, code: ErrorCode16) -> PyResult<Bound<'_, PyAny>> {
    let index = ErrorCode16::ALL
        .iter()
        .position(|c| *c == code)
        .unwrap_or(0);
    let wire: Vec<&'static str> = ErrorCode16::ALL.iter().map(|c| c.as_str()).collect();
    ERROR_CODE16.get(py, index, &wire)
}

/// The `OcppError` for a frame: the id, or `"-1"` when it could not be read, and in the details
/// the message type (2, 3 or 4) when it was read, so that a receiver can tell a faulty CALL
/// (answered) from a faulty CALLRESULT or CALLERROR (not answered).
#[cold]
#[inline(never)]
pub fn frame_err(py: Python<'_>, ff: &FrameFault) -> PyErr {
    let id = ff.message_id.as_deref().unwrap_or("-1");
    let code = PyString::new(py, ff.fault.code().as_str()).into_any();
    build(py, code, &ff.fault, Some(id), ff.message_type).unwrap_or_else(|err| err)
}

fn build(
    py: Python<'_>,
    code: Bound<'_, PyAny>,
    fault: &Fault,
    message_id: Option<&str>,
    message_type: Option<u8>,
) -> PyResult<PyErr> {
    let cls = OCPP_ERROR.import(py, "ocpp_meter.errors", "OcppError")?;
    let path = fault.pointer();
    let details = PyDict::new(py);
    details.set_item("path", &path)?;
    details.set_item("type", fault.kind.id())?;
    details.set_item("offset", fault.offset)?;
    if let Some(element) = fault.element {
        details.set_item("element", element)?;
    }
    if let Some(message_type) = message_type {
        details.set_item("message_type", message_type)?;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("path", path)?;
    kwargs.set_item("message_id", message_id)?;
    let exc = cls.call((code, fault.description(), details), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}
