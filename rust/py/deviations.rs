//! What the lenient profile accepted, for Python: `DecodeWarning` objects and the side mapping
//! of unknown properties, read from a request's `warnings` and `unknown_properties`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::dialect::Dialect;
use crate::ocpp::profile::{Deviations, Profile, Warning};

use super::to_python::json_to_py;

/// One deviation the lenient profile accepted.
#[pyclass(frozen, eq, module = "ocpp_meter._core", name = "DecodeWarning")]
#[derive(PartialEq)]
pub struct PyDecodeWarning {
    #[pyo3(get)]
    code: &'static str,
    #[pyo3(get)]
    path: String,
    #[pyo3(get)]
    raw: String,
}

#[pymethods]
impl PyDecodeWarning {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |s: &str| PyString::new(py, s).repr().map(|r| r.to_string());
        Ok(format!(
            "DecodeWarning(code={}, path={}, raw={})",
            repr(self.code)?,
            repr(&self.path)?,
            repr(&self.raw)?
        ))
    }
}

impl From<&Warning> for PyDecodeWarning {
    fn from(w: &Warning) -> Self {
        PyDecodeWarning {
            code: w.code,
            path: w.path.clone(),
            raw: w.raw.clone(),
        }
    }
}

/// The `profile=` argument.
pub fn profile_arg(name: &str) -> PyResult<Profile> {
    Profile::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "profile must be 'strict', 'lenient' or 'off', got {name:?}"
        ))
    })
}

/// The `dialect=` argument (inlined: every decoding call passes through it).
#[inline]
pub fn dialect_arg(name: &str) -> PyResult<Dialect> {
    // 1.6 has types of its own (`crate::ocpp::v16`); until an entry point reads them, it refuses
    // the name rather than read a 1.6 frame with the 2.x types.
    match Dialect::from_name(name) {
        Some(Dialect::V16) | None => Err(PyValueError::new_err(format!(
            "dialect must be '2.0.1' or '2.1', got {name:?}"
        ))),
        Some(d) => Ok(d),
    }
}

/// The `dialect=` argument of an entry point that reads 1.6 frames too (`decode_batch`).
pub fn any_dialect_arg(name: &str) -> PyResult<Dialect> {
    Dialect::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "dialect must be '2.0.1', '2.1' or '1.6', got {name:?}"
        ))
    })
}

/// A request's deviations, kept only when there are some (strict decoding has none).
pub fn kept(d: Deviations) -> Option<Box<Deviations>> {
    (!d.is_empty()).then(|| Box::new(d))
}

/// The `warnings` tuple (empty when nothing was accepted).
pub fn warnings_to_py<'py>(
    py: Python<'py>,
    d: &Option<Box<Deviations>>,
) -> PyResult<Bound<'py, PyTuple>> {
    match d {
        None => Ok(PyTuple::empty(py)),
        Some(d) => PyTuple::new(
            py,
            d.warnings
                .iter()
                .map(|w| Py::new(py, PyDecodeWarning::from(w)))
                .collect::<PyResult<Vec<_>>>()?,
        ),
    }
}

/// The `unknown_properties` dict, JSON Pointer to value (a fresh, empty dict when none).
pub fn unknown_to_py<'py>(
    py: Python<'py>,
    d: &Option<Box<Deviations>>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    if let Some(d) = d {
        for (path, value) in &d.unknown_properties {
            dict.set_item(path, json_to_py(py, value)?)?;
        }
    }
    Ok(dict)
}
