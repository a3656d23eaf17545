//! Python classes of the message types: `MeterValuesRequest`, `MeterValue`, `MeterValuesResponse`.
//! Children are created on first access from the shared decoded tree, then kept.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::fault::error::{FaultKind, Res, Seg};
use crate::ocpp::model::*;

use super::args::*;
use super::deviations::{self, dialect_arg, profile_arg};
use super::lookups::*;
use super::methods;
use super::methods::value_class;
use super::sampled::PySampledValue;
use super::shared::Shared;
use super::to_python::*;
use crate::dialect::Dialect;
use crate::ocpp::profile::{Deviations, Profile};

/// The Rust values and the Python objects of a keyword-built array (`minItems: 1`) of `T`.
fn array_arg<'py, T, M: Clone>(
    obj: &Bound<'py, PyAny>,
    key: &'static str,
    model_of: impl Fn(&T) -> M,
) -> Res<(Vec<M>, Vec<Bound<'py, PyAny>>)>
where
    T: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync,
{
    let items = items_arg(obj).at(key)?;
    if items.is_empty() {
        return Err(arg_fault(FaultKind::TooFewItems { min: 1 }, key));
    }
    let mut models = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let typed = item.cast::<T>().map_err(|_| {
            not_instance(item)
                .within(Seg::Index(i))
                .within(Seg::Key(key))
        })?;
        models.push(model_of(typed.get()));
    }
    Ok((models, items))
}

/// `MeterValueType`.
#[pyclass(
    frozen,
    freelist = 512,
    module = "ocpp_meter._core",
    name = "MeterValue"
)]
pub struct PyMeterValue {
    pub inner: Shared<MeterValue>,
    // Prebuilt so that attribute reads are plain struct-member reads.
    #[pyo3(get)]
    timestamp: Py<PyAny>,
    #[pyo3(get)]
    sampled_value: Py<PyTuple>,
}

impl PyMeterValue {
    /// The Python object of a decoded meter value, with all its sampled values.
    pub fn build(py: Python<'_>, inner: Shared<MeterValue>, l: &Lookups<'_>) -> PyResult<Self> {
        let items = inner
            .sampled_value
            .iter()
            .map(|sv| Py::new(py, PySampledValue::build(py, sv.clone(), l)?))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyMeterValue {
            timestamp: datetime_to_py(py, &inner.timestamp)?.unbind(),
            sampled_value: PyTuple::new(py, items)?.unbind(),
            inner,
        })
    }
}

#[pymethods]
impl PyMeterValue {
    #[new]
    #[pyo3(signature = (timestamp, sampled_value, custom_data=None))]
    fn new(
        py: Python<'_>,
        timestamp: &Bound<'_, PyAny>,
        sampled_value: &Bound<'_, PyAny>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<_> {
            let custom_data = custom_data_arg(custom_data)?;
            let timestamp = datetime_arg(timestamp).at("timestamp")?;
            let (values, items) =
                array_arg(sampled_value, "sampledValue", |s: &PySampledValue| {
                    s.inner.clone()
                })?;
            Ok((
                MeterValue {
                    timestamp,
                    sampled_value: values,
                    custom_data,
                },
                items,
            ))
        };
        let (model, items) = methods::raise(py, build())?;
        let inner = Shared::new(model);
        Ok(PyMeterValue {
            timestamp: datetime_to_py(py, &inner.timestamp)?.unbind(),
            // The sampled values the caller passed are the ones the attribute returns.
            sampled_value: PyTuple::new(py, items)?.unbind(),
            inner,
        })
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    #[staticmethod]
    #[pyo3(signature = (data, *, dialect="2.0.1"))]
    fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
        let dialect = dialect_arg(dialect)?;
        let model = methods::from_json(data, dialect)?;
        PyMeterValue::build(data.py(), Shared::new(model), &Lookups::get(data.py())?)
    }

    /// Unpickles (see `methods::reduce`): the canonical JSON under the `off` profile and the
    /// 2.1 schema (under `off`, a superset of 2.0.1's), so that raw enum strings a lenient
    /// decoding kept and 2.1 values come back; the warnings are not kept.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (model, _) = methods::from_json_as(data, Profile::Off, Dialect::V21)?;
        PyMeterValue::build(data.py(), Shared::new(model), &Lookups::get(data.py())?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "MeterValue",
            &[
                ("timestamp", Some(self.timestamp.bind(py).clone())),
                (
                    "sampled_value",
                    Some(self.sampled_value.bind(py).clone().into_any()),
                ),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

/// The `MeterValues` CALL payload. Its meter values become Python objects, all at once, the
/// first time `meter_value` is read: a CSMS that only acknowledges never pays for them.
#[pyclass(
    frozen,
    freelist = 512,
    module = "ocpp_meter._core",
    name = "MeterValuesRequest"
)]
pub struct PyMeterValuesRequest {
    pub inner: Shared<MeterValuesRequest>,
    #[pyo3(get)]
    evse_id: Py<PyAny>,
    // A plain OnceLock: building the tree never runs Python code that could re-enter, so the
    // deadlock avoidance of pyo3's PyOnceLock (and its cost) is not needed. Two threads racing
    // on a free-threaded build both build; one result is kept.
    meter_value: OnceLock<Py<PyTuple>>,
    /// What a lenient decoding accepted (`None`: nothing).
    deviations: Option<Box<Deviations>>,
}

impl PyMeterValuesRequest {
    pub fn wrap(py: Python<'_>, model: MeterValuesRequest) -> PyResult<Self> {
        Ok(PyMeterValuesRequest {
            evse_id: model.evse_id.into_pyobject(py)?.into_any().unbind(),
            inner: Shared::new(model),
            meter_value: OnceLock::new(),
            deviations: None,
        })
    }

    /// The request of a lenient decoding, with what it accepted.
    pub fn with_deviations(mut self, d: Deviations) -> Self {
        self.deviations = deviations::kept(d);
        self
    }
}

#[pymethods]
impl PyMeterValuesRequest {
    #[new]
    #[pyo3(signature = (evse_id, meter_value, custom_data=None))]
    fn new(
        py: Python<'_>,
        evse_id: &Bound<'_, PyAny>,
        meter_value: &Bound<'_, PyAny>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<_> {
            let custom_data = custom_data_arg(custom_data)?;
            // `>= 0`, as decoding checks it.
            let evse_id = int_within_arg(evse_id, 0, i64::MAX).at("evseId")?;
            let (values, items) = array_arg(meter_value, "meterValue", |m: &PyMeterValue| {
                (*m.inner).clone()
            })?;
            Ok((
                MeterValuesRequest {
                    evse_id,
                    meter_value: values,
                    custom_data,
                },
                items,
            ))
        };
        let (model, items) = methods::raise(py, build())?;
        let this = PyMeterValuesRequest::wrap(py, model)?;
        // The meter values the caller passed are the ones the attribute returns.
        let _ = this.meter_value.set(PyTuple::new(py, items)?.unbind());
        Ok(this)
    }

    #[getter]
    fn meter_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(t) = self.meter_value.get() {
            return Ok(t.bind(py).clone());
        }
        let lookups = Lookups::get(py)?;
        let items = (0..self.inner.meter_value.len())
            .map(|i| {
                let part = self.inner.project(move |r| &r.meter_value[i]);
                Py::new(py, PyMeterValue::build(py, part, &lookups)?)
            })
            .collect::<PyResult<Vec<_>>>()?;
        let built = PyTuple::new(py, items)?.unbind();
        Ok(self.meter_value.get_or_init(|| built).bind(py).clone())
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    #[staticmethod]
    #[pyo3(signature = (data, *, profile="strict", dialect="2.0.1"))]
    fn from_json(data: &Bound<'_, PyAny>, profile: &str, dialect: &str) -> PyResult<Self> {
        let (profile, dialect) = (profile_arg(profile)?, dialect_arg(dialect)?);
        let (model, d) = methods::from_json_as(data, profile, dialect)?;
        Ok(PyMeterValuesRequest::wrap(data.py(), model)?.with_deviations(d))
    }

    /// Unpickles (see `methods::reduce`): the canonical JSON under the `off` profile and the
    /// 2.1 schema (under `off`, a superset of 2.0.1's), so that raw enum strings a lenient
    /// decoding kept and 2.1 values come back; the warnings are not kept.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (model, _) = methods::from_json_as(data, Profile::Off, Dialect::V21)?;
        PyMeterValuesRequest::wrap(data.py(), model)
    }

    /// The deviations a lenient decoding accepted (empty under the strict profile).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        deviations::warnings_to_py(py, &self.deviations)
    }

    /// Properties the schema does not define that a lenient decoding kept, by JSON Pointer.
    #[getter]
    fn unknown_properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        deviations::unknown_to_py(py, &self.deviations)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "MeterValuesRequest",
            &[
                ("evse_id", Some(self.evse_id.bind(py).clone())),
                ("meter_value", Some(self.meter_value(py)?.into_any())),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

/// The `MeterValues` CALLRESULT payload.
#[pyclass(frozen, module = "ocpp_meter._core", name = "MeterValuesResponse")]
pub struct PyMeterValuesResponse {
    pub inner: Shared<MeterValuesResponse>,
}

impl PyMeterValuesResponse {
    pub fn wrap(model: MeterValuesResponse) -> Self {
        PyMeterValuesResponse {
            inner: Shared::new(model),
        }
    }
}

#[pymethods]
impl PyMeterValuesResponse {
    #[new]
    #[pyo3(signature = (custom_data=None))]
    fn new(py: Python<'_>, custom_data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let custom_data = methods::raise(py, custom_data_arg(custom_data))?;
        Ok(PyMeterValuesResponse::wrap(MeterValuesResponse {
            custom_data,
        }))
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    #[staticmethod]
    #[pyo3(signature = (data, *, dialect="2.0.1"))]
    fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
        let dialect = dialect_arg(dialect)?;
        Ok(PyMeterValuesResponse::wrap(methods::from_json(
            data, dialect,
        )?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "MeterValuesResponse",
            &[("custom_data", self.custom_data(py)?.map(Bound::into_any))],
        )
    }
}

value_class!(PyMeterValue, MeterValue, "_from_pickle");

value_class!(PyMeterValuesRequest, MeterValuesRequest, "_from_pickle");

value_class!(PyMeterValuesResponse, MeterValuesResponse);
