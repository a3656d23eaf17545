//! Faults to `ocpp_meter.OcppError`. The exception class lives in Python (users subclass and
//! raise it in handlers); this side fills it in, on the failure path only.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

use crate::error::Fault;

static OCPP_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `OcppError` for `fault`; `message_id` is `None` for a bare payload.
#[cold]
#[inline(never)]
pub fn to_py_err(py: Python<'_>, fault: &Fault, message_id: Option<&str>) -> PyErr {
    match build(py, fault, message_id) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, fault: &Fault, message_id: Option<&str>) -> PyResult<PyErr> {
    let cls = OCPP_ERROR.import(py, "ocpp_meter.errors", "OcppError")?;
    let path = fault.pointer();
    let details = PyDict::new(py);
    details.set_item("path", &path)?;
    details.set_item("type", fault.kind.id())?;
    details.set_item("offset", fault.offset)?;
    if let Some(element) = fault.element {
        details.set_item("element", element)?;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("path", path)?;
    kwargs.set_item("message_id", message_id)?;
    let exc = cls.call(
        (fault.code().as_str(), fault.description(), details),
        Some(&kwargs),
    )?;
    Ok(PyErr::from_value(exc))
}
