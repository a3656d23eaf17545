//! Python classes of OCPP 1.6J's MeterValues: `MeterValuesRequest16`, `MeterValue16`,
//! `SampledValue16`. Written by hand, as 2.0.1's `MeterValuesRequest`, `MeterValue` and
//! `SampledValue` are (`meter.rs`, `sampled.rs`), since they are on the read path: a request's
//! meter values become Python objects all at once, the first time `meter_value` is read (a
//! CSMS that only acknowledges never pays for them), each pointing into the decoded message
//! instead of copying it, and every attribute a reader reads for each reading is a prebuilt
//! member (CPython reads members by its specialized slot path; a getter goes through the
//! generic lookup and pyo3's trampoline on every read). The keyword constructors check what
//! decoding checks, in the order decoding meets it, by the argument kinds of `py_class!`.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::dialect::Dialect;
use crate::fault::error::{Fault, Res, Seg};
use crate::ocpp::profile::{Deviations, Profile};
use crate::ocpp::v16::decode::decimal;
use crate::ocpp::v16::model::*;

use super::class::{
    present, take_required, Date, Enum, Int, IntWithin, OptArg, PyModel, Str, ToPy, LIST,
};
use super::deviations;
use super::methods::{self, value_class};
use super::shared::Shared;
use super::to_python::datetime_to_py;

/// `SampledValue` of OCPP 1.6: `value` is the decimal text exactly as sent (or the signed
/// data when `format` is `SignedData`), `number` the reading as a float.
#[pyclass(
    frozen,
    freelist = 512,
    module = "ocpp_meter._core",
    name = "SampledValue16"
)]
pub struct PySampledValue16 {
    pub inner: Shared<SampledValue>,
    // Prebuilt so that attribute reads are plain struct-member reads.
    #[pyo3(get)]
    value: Py<PyString>,
    #[pyo3(get)]
    context: Py<PyAny>,
    #[pyo3(get)]
    format: Py<PyAny>,
    #[pyo3(get)]
    measurand: Py<PyAny>,
    #[pyo3(get)]
    phase: Py<PyAny>,
    #[pyo3(get)]
    location: Py<PyAny>,
    #[pyo3(get)]
    unit: Py<PyAny>,
}

impl PySampledValue16 {
    /// The Python object of a sampled value.
    pub fn build(py: Python<'_>, inner: Shared<SampledValue>) -> PyResult<Self> {
        Ok(PySampledValue16 {
            value: PyString::new(py, &inner.value).unbind(),
            context: inner.context.to_py(py)?.unbind(),
            format: inner.format.to_py(py)?.unbind(),
            measurand: inner.measurand.to_py(py)?.unbind(),
            phase: inner.phase.to_py(py)?.unbind(),
            location: inner.location.to_py(py)?.unbind(),
            unit: inner.unit.to_py(py)?.unbind(),
            inner,
        })
    }
}

/// Reads `value` as decoding does: decimal text, unless it is signed data.
fn with_number(mut s: SampledValue) -> Res<SampledValue> {
    if !s.is_signed() {
        let n = decimal(&s.value).map_err(|k| Fault::new(k, 0).within(Seg::Key("value")))?;
        s.number = Some(n);
    }
    Ok(s)
}

#[pymethods]
impl PySampledValue16 {
    #[new]
    #[pyo3(signature = (value, context=None, format=None, measurand=None, phase=None, location=None, unit=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        value: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
        format: Option<&Bound<'_, PyAny>>,
        measurand: Option<&Bound<'_, PyAny>>,
        phase: Option<&Bound<'_, PyAny>>,
        location: Option<&Bound<'_, PyAny>>,
        unit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<SampledValue> {
            with_number(SampledValue {
                value: take_required(py, &Str(usize::MAX), value, "value")?.into(),
                number: None,
                context: Enum.take_opt(context, "context")?,
                format: Enum.take_opt(format, "format")?,
                measurand: Enum.take_opt(measurand, "measurand")?,
                phase: Enum.take_opt(phase, "phase")?,
                location: Enum.take_opt(location, "location")?,
                unit: Enum.take_opt(unit, "unit")?,
            })
        };
        PySampledValue16::build(py, Shared::new(methods::raise16(py, build())?))
    }

    /// `value` read as a number; `None` for signed data.
    #[getter]
    fn number(&self) -> Option<f64> {
        self.inner.number
    }

    /// Decodes one 1.6 `SampledValue` object (MeterValues' schema, which lists `Hertz`);
    /// faults carry the 1.6J codes.
    #[staticmethod]
    #[pyo3(signature = (data, *, dialect="1.6"))]
    fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
        let model = methods::from_json16(data, dialect, "SampledValue16")?;
        PySampledValue16::build(data.py(), Shared::new(model))
    }

    /// Unpickles under the `off` profile: what a lenient reading kept (an empty `value`)
    /// comes back.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (model, _) = methods::from_json_as(data, Profile::Off, Dialect::V16)?;
        PySampledValue16::build(data.py(), Shared::new(model))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let field = |o: &Py<PyAny>| present(o.bind(py).clone());
        methods::repr(
            py,
            "SampledValue16",
            &[
                ("value", Some(self.value.bind(py).clone().into_any())),
                ("context", field(&self.context)),
                ("format", field(&self.format)),
                ("measurand", field(&self.measurand)),
                ("phase", field(&self.phase)),
                ("location", field(&self.location)),
                ("unit", field(&self.unit)),
            ],
        )
    }
}

/// `MeterValue` of OCPP 1.6.
#[pyclass(
    frozen,
    freelist = 512,
    module = "ocpp_meter._core",
    name = "MeterValue16"
)]
pub struct PyMeterValue16 {
    pub inner: Shared<MeterValue>,
    #[pyo3(get)]
    timestamp: Py<PyAny>,
    #[pyo3(get)]
    sampled_value: Py<PyTuple>,
}

impl PyMeterValue16 {
    /// The Python object of a meter value, with all its sampled values.
    pub fn build(py: Python<'_>, inner: Shared<MeterValue>) -> PyResult<Self> {
        let items = (0..inner.sampled_value.len())
            .map(|j| {
                let part = inner.project(move |m| &m.sampled_value[j]);
                Py::new(py, PySampledValue16::build(py, part)?)
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyMeterValue16 {
            timestamp: datetime_to_py(py, &inner.timestamp)?.unbind(),
            sampled_value: PyTuple::new(py, items)?.unbind(),
            inner,
        })
    }
}

#[pymethods]
impl PyMeterValue16 {
    #[new]
    #[pyo3(signature = (timestamp, sampled_value))]
    fn new(
        py: Python<'_>,
        timestamp: Option<&Bound<'_, PyAny>>,
        sampled_value: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<MeterValue> {
            Ok(MeterValue {
                timestamp: take_required(py, &Date, timestamp, "timestamp")?,
                sampled_value: take_required(py, &LIST, sampled_value, "sampledValue")?,
            })
        };
        PyMeterValue16::build(py, Shared::new(methods::raise16(py, build())?))
    }

    /// Decodes one 1.6 `MeterValue` object (MeterValues' schema); faults carry the 1.6J codes.
    #[staticmethod]
    #[pyo3(signature = (data, *, dialect="1.6"))]
    fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
        let model = methods::from_json16(data, dialect, "MeterValue16")?;
        PyMeterValue16::build(data.py(), Shared::new(model))
    }

    /// Unpickles under the `off` profile (see `SampledValue16`).
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (model, _) = methods::from_json_as(data, Profile::Off, Dialect::V16)?;
        PyMeterValue16::build(data.py(), Shared::new(model))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "MeterValue16",
            &[
                ("timestamp", Some(self.timestamp.bind(py).clone())),
                (
                    "sampled_value",
                    Some(self.sampled_value.bind(py).clone().into_any()),
                ),
            ],
        )
    }
}

/// The `MeterValues` request of OCPP 1.6. Its meter values become Python objects, all at once,
/// the first time `meter_value` is read.
#[pyclass(
    frozen,
    freelist = 512,
    module = "ocpp_meter._core",
    name = "MeterValuesRequest16"
)]
pub struct PyMeterValuesRequest16 {
    pub inner: Shared<MeterValuesRequest>,
    #[pyo3(get)]
    connector_id: Py<PyAny>,
    // A plain OnceLock, as `MeterValuesRequest`'s: building the tree runs no Python code that
    // could re-enter.
    meter_value: OnceLock<Py<PyTuple>>,
    /// What a lenient decoding accepted (`None`: nothing).
    deviations: Option<Box<Deviations>>,
}

impl PyMeterValuesRequest16 {
    /// The request as decoded, with what its profile accepted.
    pub fn decoded(py: Python<'_>, model: MeterValuesRequest, d: Deviations) -> PyResult<Self> {
        Ok(PyMeterValuesRequest16 {
            connector_id: model.connector_id.into_pyobject(py)?.into_any().unbind(),
            inner: Shared::new(model),
            meter_value: OnceLock::new(),
            deviations: deviations::kept(d),
        })
    }
}

#[pymethods]
impl PyMeterValuesRequest16 {
    #[new]
    #[pyo3(signature = (connector_id, meter_value, transaction_id=None))]
    fn new(
        py: Python<'_>,
        connector_id: Option<&Bound<'_, PyAny>>,
        meter_value: Option<&Bound<'_, PyAny>>,
        transaction_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<MeterValuesRequest> {
            Ok(MeterValuesRequest {
                connector_id: take_required(
                    py,
                    &IntWithin(0, i64::MAX),
                    connector_id,
                    "connectorId",
                )?,
                transaction_id: Int.take_opt(transaction_id, "transactionId")?,
                meter_value: take_required(py, &LIST, meter_value, "meterValue")?,
            })
        };
        let model = methods::raise16(py, build())?;
        PyMeterValuesRequest16::decoded(py, model, Deviations::default())
    }

    #[getter]
    fn meter_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(t) = self.meter_value.get() {
            return Ok(t.bind(py).clone());
        }
        let items = (0..self.inner.meter_value.len())
            .map(|i| {
                let part = self.inner.project(move |r| &r.meter_value[i]);
                Py::new(py, PyMeterValue16::build(py, part)?)
            })
            .collect::<PyResult<Vec<_>>>()?;
        let built = PyTuple::new(py, items)?.unbind();
        Ok(self.meter_value.get_or_init(|| built).bind(py).clone())
    }

    /// The transaction the values belong to, if any.
    #[getter]
    fn transaction_id(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.inner.transaction_id.to_py(py)?.unbind())
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

    /// Decodes one 1.6 MeterValues request payload under a validation profile; faults carry
    /// the 1.6J codes.
    #[staticmethod]
    #[pyo3(signature = (data, *, profile="strict", dialect="1.6"))]
    fn from_json(data: &Bound<'_, PyAny>, profile: &str, dialect: &str) -> PyResult<Self> {
        let (model, d) = methods::from_json16_as(data, profile, dialect, "MeterValuesRequest16")?;
        PyMeterValuesRequest16::decoded(data.py(), model, d)
    }

    /// Unpickles under the `off` profile (see `SampledValue16`); the warnings are not kept.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (model, _) = methods::from_json_as(data, Profile::Off, Dialect::V16)?;
        PyMeterValuesRequest16::decoded(data.py(), model, Deviations::default())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "MeterValuesRequest16",
            &[
                ("connector_id", Some(self.connector_id.bind(py).clone())),
                ("meter_value", Some(self.meter_value(py)?.into_any())),
                (
                    "transaction_id",
                    present(self.transaction_id(py)?.into_bound(py)),
                ),
            ],
        )
    }
}

/// [`PyModel`] of the hand-written 1.6 classes (whose `inner` is shared, unlike the classes of
/// `model_class!`): a value passed as an argument (`MeterValue16(sampled_value=[...])`) gives
/// back its model.
macro_rules! nested {
    ($($model:ty => $class:ident),*) => {$(
        impl PyModel for $model {
            type Class = $class;
            fn of(class: &$class) -> &$model {
                &class.inner
            }
        }
    )*};
}
nested!(SampledValue => PySampledValue16, MeterValue => PyMeterValue16);

/// A meter value is also a field of a declared class (`StopTransactionRequest.transaction_data`):
/// its annotation in the stub and its Python value.
impl super::class::Annotation for MeterValue {
    const ANN: super::class::Ann =
        super::class::Ann::Plain(<PyMeterValue16 as pyo3::PyClass>::NAME);
}

impl ToPy for MeterValue {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let object = PyMeterValue16::build(py, Shared::new(self.clone()))?;
        Ok(Py::new(py, object)?.into_bound(py).into_any())
    }
}

value_class!(PySampledValue16, SampledValue, "_from_pickle");
value_class!(PyMeterValue16, MeterValue, "_from_pickle");
value_class!(PyMeterValuesRequest16, MeterValuesRequest, "_from_pickle");
