//! `error_code_16`: the core's rule for the OCPP 1.6J code of an error, for the errors Python
//! raises with a 2.0.1 code (the endpoint's own refusals, the schema-checked actions' faults
//! read back from an `OcppError`), so that the rule has one home, [`ErrorCode16::of_fault`].

use pyo3::prelude::*;

use crate::fault::error::{ErrorCode, Res, Seg};
use crate::ocpp::v16::ErrorCode16;

use super::args::{str_arg, wire_arg};
use super::errors::error_code16_to_py;
use super::methods;

/// The `ErrorCode16` of an error whose code is `code` (an `ErrorCode`, an `ErrorCode16` or a
/// wire string) and whose details' `type` is `fault_type`: a spelling only 1.6 has is itself,
/// a 2.0.1 code maps by the rule of the core's 1.6 faults.
#[pyfunction]
#[pyo3(signature = (code, fault_type=None))]
pub fn error_code_16<'py>(
    py: Python<'py>,
    code: &Bound<'py, PyAny>,
    fault_type: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let args = || -> Res<ErrorCode16> {
        let kind_id = match fault_type.filter(|t| !t.is_none()) {
            Some(t) => Some(str_arg(t, usize::MAX).map_err(|f| f.within(Seg::Key("fault_type")))?),
            None => None,
        };
        match wire_arg(code, ErrorCode::from_wire, "ErrorCode") {
            Ok(code) => Ok(ErrorCode16::of_fault(code, kind_id.as_deref())),
            // FormationViolation, OccurenceConstraintViolation: 1.6's own spellings.
            Err(fault) => wire_arg(code, ErrorCode16::from_wire, "ErrorCode16")
                .map_err(|_| fault.within(Seg::Key("code"))),
        }
    };
    let code = methods::raise(py, args())?;
    error_code16_to_py(py, code)
}
