//! The synchronous dispatcher's handler step in one call (`ocpp_meter.dispatch`): the current
//! call set around the handler, and the CALLRESULT of a MeterValues acknowledgement written
//! straight from the decoded CALL. On a small frame the Python steps this replaces (the
//! variable's `set` and `reset`, the payload and message id read back from the `Call`, the id
//! checked again by `encode_call_result`) cost as much as decoding the frame.

use pyo3::exceptions::PySystemError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::ocppj::frame;

use super::frames::PyCall;
use super::meter::PyMeterValuesResponse;
use super::methods;

/// Calls the handler of `call`'s action (`on_meter_values` or `on_transaction_event`, `None`
/// when there is none) as `handler(station, payload)` with `current` (the dispatcher's context
/// variable) set to `(station, call)` for the duration, and reset after it, whether it returns
/// or raises (its exception propagates). Returns `None` without a handler; the CALLRESULT
/// bytes when a MeterValues handler returned a `MeterValuesResponse` (valid by construction,
/// the same in both dialects); else `(result,)`, for the dispatcher to judge.
#[pyfunction]
#[pyo3(name = "_answer_call")]
pub fn answer_call<'py>(
    call: &Bound<'py, PyCall>,
    station: &Bound<'py, PyAny>,
    on_meter_values: Option<&Bound<'py, PyAny>>,
    on_transaction_event: Option<&Bound<'py, PyAny>>,
    current: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = call.py();
    let c = call.get();
    // The dispatcher serves the 2.x dialects only: its calls are MeterValues or TransactionEvent.
    let meter_values = c.action == "MeterValues";
    let handler = if meter_values {
        on_meter_values
    } else {
        on_transaction_event
    };
    let Some(handler) = handler else {
        return Ok(None);
    };
    let value = PyTuple::new(py, [station.as_any(), call.as_any()])?;
    // SAFETY: both pointers are live objects held by the GIL-bound references above; the
    // result is a new reference (the token) or null with an exception set.
    let token = unsafe { ffi::PyContextVar_Set(current.as_ptr(), value.as_ptr()) };
    if token.is_null() {
        return Err(PyErr::take(py)
            .unwrap_or_else(|| PySystemError::new_err("the context variable was not set")));
    }
    // SAFETY: `token` is the new, non-null reference just returned, owned from here on.
    let token = unsafe { Bound::from_owned_ptr(py, token) };
    let result = handler.call1((station, c.payload.bind(py)));
    // SAFETY: the variable and the token it returned, both live.
    if unsafe { ffi::PyContextVar_Reset(current.as_ptr(), token.as_ptr()) } != 0 {
        return Err(PyErr::take(py)
            .unwrap_or_else(|| PySystemError::new_err("the context variable was not reset")));
    }
    let result = result?;
    if meter_values {
        if let Ok(response) = result.cast_exact::<PyMeterValuesResponse>() {
            let response = response.get();
            let reply = methods::json_bytes(py, |out| {
                frame::encode_call_result_with(&c.message_id, &*response.inner, out)
            });
            return Ok(Some(reply.into_any()));
        }
    }
    Ok(Some(PyTuple::new(py, [result])?.into_any()))
}
