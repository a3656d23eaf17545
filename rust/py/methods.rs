//! What every message class shares: decoding from any input, encoding, repr and pickling, so
//! that each class's own methods stay one line each.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::decode::{from_slice, Decode};
use crate::encode::Encode;
use crate::error::{Fault, Res};

use super::errors::to_py_err;
use super::input::with_input;

/// Decodes a bare payload of type `T` from any accepted input.
pub fn from_json<T: Decode + Send>(data: &Bound<'_, PyAny>) -> PyResult<T> {
    with_input(data, |buf, trusted| from_slice::<T>(buf, trusted))?
        .map_err(|f| to_py_err(data.py(), &f, None))
}

/// The compact JSON of `v` as `bytes`.
pub fn to_json<'py, T: Encode>(py: Python<'py>, v: &T) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &v.to_vec())
}

/// Raises a keyword-construction fault as `OcppError` (a bare payload: no message id).
pub fn raise<T>(py: Python<'_>, r: Res<T>) -> PyResult<T> {
    r.map_err(|f: Box<Fault>| to_py_err(py, &f, None))
}

/// `(Class.from_json, (json,))`: pickles by value, in the wire form.
pub fn reduce<'py, T: Encode>(
    slf: &Bound<'py, PyAny>,
    v: &T,
) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
    let py = slf.py();
    Ok((slf.get_type().getattr("from_json")?, (to_json(py, v),)))
}

/// `Name(field=repr, ...)` over the fields present; enum members print as `Class.MEMBER`.
pub fn repr(
    py: Python<'_>,
    name: &str,
    fields: &[(&str, Option<Bound<'_, PyAny>>)],
) -> PyResult<String> {
    let enum_type = py.import("enum")?.getattr("Enum")?;
    let mut out = String::with_capacity(64);
    out.push_str(name);
    out.push('(');
    let mut first = true;
    for (key, value) in fields {
        let Some(value) = value else { continue };
        if !first {
            out.push_str(", ");
        }
        first = false;
        out.push_str(key);
        out.push('=');
        if value.is_instance(&enum_type)? {
            out.push_str(&value.get_type().name()?.to_string());
            out.push('.');
            out.push_str(value.getattr("name")?.cast::<PyString>()?.to_str()?);
        } else {
            out.push_str(&value.repr()?.to_string());
        }
    }
    out.push(')');
    Ok(out)
}
