//! What every message class shares: decoding from any input, encoding, repr and pickling, so
//! that each class's own methods stay one line each.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::dialect::Dialect;
use crate::fault::error::{Fault, Res};
use crate::ocpp::decode::{from_slice_in, Decode};
use crate::ocpp::encode::Encode;
use crate::ocpp::profile::{decode_lenient, Deviations, Lenient, Profile};

use super::deviations::dialect_arg;
use super::errors::{payload_err, to_py_err};
use super::input::with_input;

/// Decodes a bare payload of type `T` of `dialect`'s schema from any accepted input; faults
/// carry the codes of `dialect`'s table.
pub fn from_json<T: Decode + Send>(data: &Bound<'_, PyAny>, dialect: Dialect) -> PyResult<T> {
    with_input(data, |buf, trusted| {
        from_slice_in::<T>(buf, trusted, dialect)
    })?
    .map_err(|f| payload_err(data.py(), dialect, &f, None))
}

/// [`from_json`] of `dialect`'s schema under a validation profile, with what the profile
/// accepted.
pub fn from_json_as<T: Lenient + Send>(
    data: &Bound<'_, PyAny>,
    profile: Profile,
    dialect: Dialect,
) -> PyResult<(T, Deviations)> {
    with_input(data, |buf, trusted| {
        match from_slice_in::<T>(buf, trusted, dialect) {
            Ok(v) => Ok((v, Deviations::default())),
            Err(f) if buf.len() <= crate::fault::limits::max_frame_bytes() => {
                decode_lenient::<T>(buf, trusted, f, profile, dialect)
            }
            Err(f) => Err(f),
        }
    })?
    .map_err(|f| payload_err(data.py(), dialect, &f, None))
}

/// The compact JSON of `v` as `bytes`.
pub fn to_json<'py, T: Encode>(py: Python<'py>, v: &T) -> Bound<'py, PyBytes> {
    json_bytes(py, |out| v.write(out))
}

/// The largest writing buffer kept between calls: a frame of the size limit's order is written
/// into a buffer of its own, so one huge frame does not pin its memory.
const KEPT_BUFFER: usize = 1 << 20;

thread_local! {
    /// The buffer JSON is written into before it is copied into `bytes`: kept between calls,
    /// so a frame is written without the buffer growing (and being copied) as it fills.
    static WRITE_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `bytes` of what `write` writes, through the thread's kept buffer.
pub fn json_bytes<'py>(py: Python<'py>, write: impl FnOnce(&mut Vec<u8>)) -> Bound<'py, PyBytes> {
    WRITE_BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut out) => {
            out.clear();
            write(&mut out);
            let bytes = PyBytes::new(py, &out);
            if out.capacity() > KEPT_BUFFER {
                *out = Vec::new();
            }
            bytes
        }
        // Writing never calls back into Python, so the buffer is never in use here; a fresh
        // one keeps that an assumption rather than a panic.
        Err(_) => {
            let mut out = Vec::with_capacity(256);
            write(&mut out);
            PyBytes::new(py, &out)
        }
    })
}

/// Raises a keyword-construction fault as `OcppError` (a bare payload: no message id).
pub fn raise<T>(py: Python<'_>, r: Res<T>) -> PyResult<T> {
    r.map_err(|f: Box<Fault>| to_py_err(py, &f, None))
}

/// A Python class over a model value: the class's `to_json`, `==` and pickling all come from
/// the model, so [`value_class!`] writes them once for every class.
pub trait ValueClass {
    type Model: Encode + PartialEq;
    fn model(&self) -> &Self::Model;
}

/// Implements [`ValueClass`] for `$class` over its `inner` field (a `$model`, or a shared
/// pointer to one), with the methods every value class has: `to_json`, `__eq__`, `__reduce__`
/// (unpickling through `$loader`, `from_json` unless given).
macro_rules! value_class {
    ($class:ty, $model:ty) => {
        $crate::py::methods::value_class!($class, $model, "from_json");
    };
    ($class:ty, $model:ty, $loader:literal) => {
        impl $crate::py::methods::ValueClass for $class {
            type Model = $model;
            fn model(&self) -> &$model {
                &self.inner
            }
        }

        #[pyo3::pymethods]
        impl $class {
            /// Compact UTF-8 JSON in schema field order, absent fields omitted.
            fn to_json<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::Bound<'py, pyo3::types::PyBytes> {
                $crate::py::methods::to_json(py, $crate::py::methods::ValueClass::model(self))
            }

            fn __eq__(&self, other: &Self) -> bool {
                use $crate::py::methods::ValueClass;
                self.model() == other.model()
            }

            fn __reduce__<'py>(
                slf: &pyo3::Bound<'py, Self>,
            ) -> pyo3::PyResult<(
                pyo3::Bound<'py, pyo3::PyAny>,
                (pyo3::Bound<'py, pyo3::types::PyBytes>,),
            )> {
                $crate::py::methods::reduce(
                    slf.as_any(),
                    $crate::py::methods::ValueClass::model(slf.get()),
                    $loader,
                )
            }
        }
    };
}
pub(crate) use value_class;

/// Beyond [`value_class!`], the given `from_json` and `_from_pickle`, which decodes under 2.1
/// and the `off` profile: keyword construction takes what either dialect allows (2.1's values,
/// 2.0.1's missing minimums), and a request decoded under a lenient profile may hold values
/// past the bounds, so unpickling must take them too.
macro_rules! loaders {
    ($class:ident, $model:ty, { $($from_json:tt)* }) => {
        #[pyo3::pymethods]
        impl $class {
            $($from_json)*

            #[staticmethod]
            fn _from_pickle(data: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Self> {
                let (inner, _) = $crate::py::methods::from_json_as(
                    data,
                    $crate::ocpp::profile::Profile::Off,
                    $crate::dialect::Dialect::V21,
                )?;
                Ok($class { inner })
            }
        }

        $crate::py::methods::value_class!($class, $model, "_from_pickle");
    };
}
pub(crate) use loaders;

/// [`loaders!`] of a type of both dialects: `from_json` takes `dialect="2.0.1"` unless given.
macro_rules! dialect_loaders {
    ($class:ident, $model:ty) => {
        $crate::py::methods::loaders!($class, $model, {
            /// Decodes one object of the type, of `dialect`'s schema.
            #[staticmethod]
            #[pyo3(signature = (data, *, dialect="2.0.1"))]
            fn from_json(
                data: &pyo3::Bound<'_, pyo3::PyAny>,
                dialect: &str,
            ) -> pyo3::PyResult<Self> {
                let dialect = $crate::py::deviations::dialect_arg(dialect)?;
                Ok($class {
                    inner: $crate::py::methods::from_json(data, dialect)?,
                })
            }
        });
    };
}
pub(crate) use dialect_loaders;

/// [`dialect_loaders!`] and the `custom_data` getter, for the classes written by hand (the
/// declared ones get theirs from [`super::class::py_class!`]).
macro_rules! dialect_class {
    ($class:ident, $model:ty) => {
        #[pyo3::pymethods]
        impl $class {
            #[getter]
            fn custom_data<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::PyResult<Option<pyo3::Bound<'py, pyo3::types::PyDict>>> {
                $crate::py::to_python::custom_data_to_py(py, &self.inner.custom_data)
            }
        }

        $crate::py::methods::dialect_loaders!($class, $model);
    };
}
pub(crate) use dialect_class;

/// `(Class.<loader>, (json,))`: pickles by value, in the wire form. Classes that can hold
/// what only a non-strict profile or OCPP 2.1 accepts (raw enum strings, 2.1 values) load
/// through `_from_pickle`, which decodes under the `off` profile and the 2.1 schema.
pub fn reduce<'py, T: Encode>(
    slf: &Bound<'py, PyAny>,
    v: &T,
    loader: &str,
) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
    let py = slf.py();
    Ok((slf.get_type().getattr(loader)?, (to_json(py, v),)))
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

/// Type `name` exists only in OCPP `wanted` (2.1's cost types, 1.6's own): its `from_json`
/// refuses any other dialect. A 2.x type refuses "1.6" with the message of every 2.x class's
/// `dialect=` (1.6 is no dialect the 2.x classes read).
pub fn only(dialect: &str, wanted: Dialect, name: &str) -> PyResult<()> {
    let given = match wanted {
        Dialect::V16 => super::deviations::any_dialect_arg(dialect)?,
        Dialect::V201 | Dialect::V21 => dialect_arg(dialect)?,
    };
    if given != wanted {
        let wanted = wanted.as_str();
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{name} exists only in OCPP {wanted} (dialect=\"{wanted}\")"
        )));
    }
    Ok(())
}

/// [`loaders!`] of an OCPP 2.1 cost type: `from_json` refuses `dialect="2.0.1"`.
macro_rules! cost_loaders {
    ($class:ident, $model:ty, $name:literal) => {
        $crate::py::methods::loaders!($class, $model, {
            /// Decodes one object of the type; it exists only in OCPP 2.1, so
            /// `dialect="2.0.1"` is refused.
            #[staticmethod]
            #[pyo3(signature = (data, *, dialect="2.1"))]
            fn from_json(
                data: &pyo3::Bound<'_, pyo3::PyAny>,
                dialect: &str,
            ) -> pyo3::PyResult<Self> {
                $crate::py::methods::only(dialect, $crate::dialect::Dialect::V21, $name)?;
                Ok($class {
                    inner: $crate::py::methods::from_json(data, $crate::dialect::Dialect::V21)?,
                })
            }
        });
    };
}
pub(crate) use cost_loaders;

/// [`raise`] of a 1.6 value: the fault's 1.6J code.
pub fn raise16<T>(py: Python<'_>, r: Res<T>) -> PyResult<T> {
    r.map_err(|f: Box<Fault>| super::errors::to_py_err16(py, &f, None))
}

/// [`from_json`] of a bare OCPP 1.6J payload, its faults with the 1.6J codes. `dialect` is
/// taken so that the call reads as the others do; any other version is refused, since the
/// 1.6 shapes exist in no other.
pub fn from_json16<T: Decode + Send>(
    data: &Bound<'_, PyAny>,
    dialect: &str,
    name: &str,
) -> PyResult<T> {
    only(dialect, Dialect::V16, name)?;
    from_json(data, Dialect::V16)
}

/// [`from_json16`] of a 1.6 request under a validation profile, with what the profile
/// accepted (the requests keep it as their `warnings` and `unknown_properties`).
pub fn from_json16_as<T: Lenient + Send>(
    data: &Bound<'_, PyAny>,
    profile: &str,
    dialect: &str,
    name: &str,
) -> PyResult<(T, Deviations)> {
    only(dialect, Dialect::V16, name)?;
    from_json_as(data, super::deviations::profile_arg(profile)?, Dialect::V16)
}

/// `from_json` (1.6 only), `to_json`, `==` and pickling of an OCPP 1.6J class. A value a
/// lenient reading made may hold what the strict 1.6 schema refuses (an empty `value`), so it
/// unpickles through `_from_pickle`, which reads 1.6 under the `off` profile.
macro_rules! v16_loaders {
    // `$xf`: the request's `deviations`, which an unpickled value starts without.
    (@pickle $class:ident, $model:ty $(, $xf:ident)?) => {
        #[pyo3::pymethods]
        impl $class {
            #[staticmethod]
            fn _from_pickle(data: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Self> {
                let (inner, _) = $crate::py::methods::from_json_as(
                    data,
                    $crate::ocpp::profile::Profile::Off,
                    $crate::dialect::Dialect::V16,
                )?;
                Ok($class {
                    inner,
                    $($xf: Default::default(),)?
                })
            }
        }

        $crate::py::methods::value_class!($class, $model, "_from_pickle");
    };
    // A request keeps what a lenient reading accepted, so its `from_json` takes a profile.
    ($class:ident, $model:ty, $name:literal, deviations) => {
        #[pyo3::pymethods]
        impl $class {
            /// Decodes one request payload of the OCPP 1.6J schema under a validation
            /// profile; faults carry the 1.6J codes.
            #[staticmethod]
            #[pyo3(signature = (data, *, profile="strict", dialect="1.6"))]
            fn from_json(
                data: &pyo3::Bound<'_, pyo3::PyAny>,
                profile: &str,
                dialect: &str,
            ) -> pyo3::PyResult<Self> {
                let (inner, d) =
                    $crate::py::methods::from_json16_as(data, profile, dialect, $name)?;
                Ok($class::decoded(inner, d))
            }
        }

        $crate::py::methods::v16_loaders!(@pickle $class, $model, deviations);
    };
    ($class:ident, $model:ty, $name:literal) => {
        #[pyo3::pymethods]
        impl $class {
            /// Decodes one object of the type, of the OCPP 1.6J schema (the only one it
            /// exists in); faults carry the 1.6J codes.
            #[staticmethod]
            #[pyo3(signature = (data, *, dialect="1.6"))]
            fn from_json(
                data: &pyo3::Bound<'_, pyo3::PyAny>,
                dialect: &str,
            ) -> pyo3::PyResult<Self> {
                Ok($class {
                    inner: $crate::py::methods::from_json16(data, dialect, $name)?,
                })
            }
        }

        $crate::py::methods::v16_loaders!(@pickle $class, $model);
    };
}
pub(crate) use v16_loaders;
