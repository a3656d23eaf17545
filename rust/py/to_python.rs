//! Rust values to new Python objects: timestamps, open JSON and custom data.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDateTime, PyDelta, PyDict, PyFloat, PyList, PyString, PyTzInfo};

use crate::json::datetime::DateTime;
use crate::json::value::JsonValue;
use crate::ocpp::model::CustomData;

static UTC: PyOnceLock<Py<PyTzInfo>> = PyOnceLock::new();

/// The timezone-aware `datetime` of a timestamp, in the offset it was sent with.
pub fn datetime_to_py<'py>(py: Python<'py>, t: &DateTime) -> PyResult<Bound<'py, PyAny>> {
    let tz = if t.offset_minutes == 0 {
        UTC.get_or_try_init(py, || PyTzInfo::utc(py).map(|u| u.to_owned().unbind()))?
            .bind(py)
            .clone()
    } else {
        let delta = PyDelta::new(py, 0, i32::from(t.offset_minutes) * 60, 0, true)?;
        PyTzInfo::fixed_offset(py, delta)?
    };
    let dt = PyDateTime::new(
        py,
        i32::from(t.year),
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.nanos / 1000,
        Some(&tz),
    )?;
    Ok(dt.into_any())
}

/// An optional integer as a Python `int` (for reprs, which leave out what is `None`).
pub fn opt_int(py: Python<'_>, v: Option<i64>) -> PyResult<Option<Bound<'_, PyAny>>> {
    Ok(v.map(|n| n.into_pyobject(py).map(Bound::into_any))
        .transpose()?)
}

/// Open JSON to Python: dict, list, str, int, float, bool, None.
pub fn json_to_py<'py>(py: Python<'py>, v: &JsonValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        JsonValue::Null => py.None().into_bound(py),
        JsonValue::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        JsonValue::Int(i) => i.into_pyobject(py)?.into_any(),
        JsonValue::Float(f) => PyFloat::new(py, *f).into_any(),
        JsonValue::Str(s) => PyString::new(py, s).into_any(),
        JsonValue::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        JsonValue::Object(members) => members_to_py(py, members)?.into_any(),
    })
}

fn members_to_py<'py>(
    py: Python<'py>,
    members: &[(String, JsonValue)],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in members {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// `customData` as a fresh dict (callers may change it without touching the message).
pub fn custom_data_to_py<'py>(
    py: Python<'py>,
    c: &Option<Box<CustomData>>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(c) = c else { return Ok(None) };
    let dict = PyDict::new(py);
    dict.set_item("vendorId", &c.vendor_id)?;
    for (k, v) in &c.extra {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(Some(dict))
}
