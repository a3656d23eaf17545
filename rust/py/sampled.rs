//! Python classes of the leaf types: `SampledValue`, `SignedMeterValue`, `UnitOfMeasure`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyString};

use crate::error::{Res, Seg};
use crate::model::*;

use super::convert::*;
use super::methods;
use super::shared::Shared;

/// `UnitOfMeasureType`.
#[pyclass(frozen, module = "ocpp_meter._core", name = "UnitOfMeasure")]
pub struct PyUnitOfMeasure {
    pub inner: Shared<UnitOfMeasure>,
}

#[pymethods]
impl PyUnitOfMeasure {
    #[new]
    #[pyo3(signature = (unit=None, multiplier=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        unit: Option<&Bound<'_, PyAny>>,
        multiplier: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<UnitOfMeasure> {
            Ok(UnitOfMeasure {
                custom_data: custom_data_arg(custom_data)?,
                unit: opt(unit, |u| str_arg(u, MAX_UNIT).map(|s| intern_unit(&s))).at("unit")?,
                multiplier: opt(multiplier, int_arg).at("multiplier")?,
            })
        };
        Ok(PyUnitOfMeasure { inner: Shared::new(methods::raise(py, build())?) })
    }

    #[getter]
    fn unit<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner.unit.as_deref().map(|u| PyString::new(py, u))
    }

    #[getter]
    fn multiplier(&self) -> Option<i64> {
        self.inner.multiplier
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    #[staticmethod]
    fn from_json(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyUnitOfMeasure { inner: Shared::new(methods::from_json(data)?) })
    }

    fn to_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        methods::to_json(py, &*self.inner)
    }

    fn __eq__(&self, other: &Self) -> bool {
        *self.inner == *other.inner
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(py, "UnitOfMeasure", &[
            ("unit", self.unit(py).map(Bound::into_any)),
            ("multiplier", self.inner.multiplier.map(|m| m.into_pyobject(py)).transpose()?.map(Bound::into_any)),
            ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
        ])
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        methods::reduce(slf.as_any(), &*slf.get().inner)
    }
}

/// `SignedMeterValueType`.
#[pyclass(frozen, module = "ocpp_meter._core", name = "SignedMeterValue")]
pub struct PySignedMeterValue {
    pub inner: Shared<SignedMeterValue>,
}

#[pymethods]
impl PySignedMeterValue {
    #[new]
    #[pyo3(signature = (signed_meter_data, signing_method, encoding_method, public_key, custom_data=None))]
    fn new(
        py: Python<'_>,
        signed_meter_data: &Bound<'_, PyAny>,
        signing_method: &Bound<'_, PyAny>,
        encoding_method: &Bound<'_, PyAny>,
        public_key: &Bound<'_, PyAny>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<SignedMeterValue> {
            Ok(SignedMeterValue {
                custom_data: custom_data_arg(custom_data)?,
                signed_meter_data: str_arg(signed_meter_data, MAX_SIGNED_DATA).at("signedMeterData")?,
                signing_method: str_arg(signing_method, MAX_METHOD).at("signingMethod")?,
                encoding_method: str_arg(encoding_method, MAX_METHOD).at("encodingMethod")?,
                public_key: str_arg(public_key, MAX_SIGNED_DATA).at("publicKey")?,
            })
        };
        Ok(PySignedMeterValue { inner: Shared::new(methods::raise(py, build())?) })
    }

    #[getter]
    fn signed_meter_data<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.signed_meter_data)
    }

    #[getter]
    fn signing_method<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.signing_method)
    }

    #[getter]
    fn encoding_method<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.encoding_method)
    }

    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.public_key)
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    #[staticmethod]
    fn from_json(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PySignedMeterValue { inner: Shared::new(methods::from_json(data)?) })
    }

    fn to_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        methods::to_json(py, &*self.inner)
    }

    fn __eq__(&self, other: &Self) -> bool {
        *self.inner == *other.inner
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(py, "SignedMeterValue", &[
            ("signed_meter_data", Some(self.signed_meter_data(py).into_any())),
            ("signing_method", Some(self.signing_method(py).into_any())),
            ("encoding_method", Some(self.encoding_method(py).into_any())),
            ("public_key", Some(self.public_key(py).into_any())),
            ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
        ])
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        methods::reduce(slf.as_any(), &*slf.get().inner)
    }
}

/// `SampledValueType`. Its nested objects are created on first access, then kept.
#[pyclass(frozen, module = "ocpp_meter._core", name = "SampledValue")]
pub struct PySampledValue {
    pub inner: Shared<SampledValue>,
    signed: PyOnceLock<Option<Py<PySignedMeterValue>>>,
    unit: PyOnceLock<Option<Py<PyUnitOfMeasure>>>,
}

impl PySampledValue {
    pub fn wrap(inner: Shared<SampledValue>) -> Self {
        PySampledValue { inner, signed: PyOnceLock::new(), unit: PyOnceLock::new() }
    }
}

fn instance<T: pyo3::PyClass>(obj: &Bound<'_, PyAny>, key: &'static str) -> Res<Py<T>> {
    obj.cast::<T>()
        .map(|b| b.clone().unbind())
        .map_err(|_| not_instance(obj).within(Seg::Key(key)))
}

#[pymethods]
impl PySampledValue {
    #[new]
    #[pyo3(signature = (value, context=None, measurand=None, phase=None, location=None, signed_meter_value=None, unit_of_measure=None, custom_data=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
        measurand: Option<&Bound<'_, PyAny>>,
        phase: Option<&Bound<'_, PyAny>>,
        location: Option<&Bound<'_, PyAny>>,
        signed_meter_value: Option<&Bound<'_, PyAny>>,
        unit_of_measure: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<(SampledValue, Option<Py<PySignedMeterValue>>, Option<Py<PyUnitOfMeasure>>)> {
            let custom = custom_data_arg(custom_data)?;
            let value = number_arg(value).at("value")?;
            let context = opt(context, |o| enum_arg(o, ReadingContext::from_wire, ReadingContext::SCHEMA_NAME)).at("context")?;
            let measurand = opt(measurand, |o| enum_arg(o, Measurand::from_wire, Measurand::SCHEMA_NAME)).at("measurand")?;
            let phase = opt(phase, |o| enum_arg(o, Phase::from_wire, Phase::SCHEMA_NAME)).at("phase")?;
            let location = opt(location, |o| enum_arg(o, Location::from_wire, Location::SCHEMA_NAME)).at("location")?;
            let signed = opt(signed_meter_value, |o| instance::<PySignedMeterValue>(o, "signedMeterValue"))?;
            let unit = opt(unit_of_measure, |o| instance::<PyUnitOfMeasure>(o, "unitOfMeasure"))?;
            let model = SampledValue {
                value,
                context,
                measurand,
                phase,
                location,
                signed_meter_value: signed.as_ref().map(|s| Box::new((*s.get().inner).clone())),
                unit_of_measure: unit.as_ref().map(|u| (*u.get().inner).clone()),
                custom_data: custom,
            };
            Ok((model, signed, unit))
        };
        let (model, signed, unit) = methods::raise(py, build())?;
        let this = PySampledValue::wrap(Shared::new(model));
        // The nested objects the caller passed are the ones the getters return.
        let _ = this.signed.set(py, signed);
        let _ = this.unit.set(py, unit);
        Ok(this)
    }

    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> Bound<'py, PyFloat> {
        PyFloat::new(py, self.inner.value)
    }

    #[getter]
    fn context<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.context.map(|v| READING_CONTEXT.get(py, v as usize, ReadingContext::WIRE)).transpose()
    }

    #[getter]
    fn measurand<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.measurand.map(|v| MEASURAND.get(py, v as usize, Measurand::WIRE)).transpose()
    }

    #[getter]
    fn phase<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.phase.map(|v| PHASE.get(py, v as usize, Phase::WIRE)).transpose()
    }

    #[getter]
    fn location<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.location.map(|v| LOCATION.get(py, v as usize, Location::WIRE)).transpose()
    }

    #[getter]
    fn signed_meter_value<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PySignedMeterValue>>> {
        let cached = self.signed.get_or_try_init(py, || -> PyResult<_> {
            if self.inner.signed_meter_value.is_none() {
                return Ok(None);
            }
            let part = self.inner.project(|s| &**s.signed_meter_value.as_ref().expect("checked above"));
            Ok(Some(Py::new(py, PySignedMeterValue { inner: part })?))
        })?;
        Ok(cached.as_ref().map(|p| p.bind(py).clone()))
    }

    #[getter]
    fn unit_of_measure<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyUnitOfMeasure>>> {
        let cached = self.unit.get_or_try_init(py, || -> PyResult<_> {
            if self.inner.unit_of_measure.is_none() {
                return Ok(None);
            }
            let part = self.inner.project(|s| s.unit_of_measure.as_ref().expect("checked above"));
            Ok(Some(Py::new(py, PyUnitOfMeasure { inner: part })?))
        })?;
        Ok(cached.as_ref().map(|p| p.bind(py).clone()))
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    #[staticmethod]
    fn from_json(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PySampledValue::wrap(Shared::new(methods::from_json(data)?)))
    }

    fn to_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        methods::to_json(py, &*self.inner)
    }

    fn __eq__(&self, other: &Self) -> bool {
        *self.inner == *other.inner
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(py, "SampledValue", &[
            ("value", Some(self.value(py).into_any())),
            ("context", self.context(py)?),
            ("measurand", self.measurand(py)?),
            ("phase", self.phase(py)?),
            ("location", self.location(py)?),
            ("signed_meter_value", self.signed_meter_value(py)?.map(Bound::into_any)),
            ("unit_of_measure", self.unit_of_measure(py)?.map(Bound::into_any)),
            ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
        ])
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        methods::reduce(slf.as_any(), &*slf.get().inner)
    }
}
