//! Python classes of the leaf types: `SampledValue`, `SignedMeterValue`, `UnitOfMeasure`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString};

use crate::dialect::Dialect;
use crate::fault::error::Res;
use crate::ocpp::model::*;
use crate::ocpp::profile::Profile;

use super::args::*;
use super::deviations::dialect_arg;
use super::lookups::*;
use super::methods;
use super::methods::value_class;
use super::shared::Shared;
use super::to_python::*;

/// `UnitOfMeasureType`.
#[pyclass(
    frozen,
    freelist = 512,
    module = "ocpp_meter._core",
    name = "UnitOfMeasure"
)]
pub struct PyUnitOfMeasure {
    // A copy, not a pointer into the message: units are small and usually borrow static
    // strings, so copying beats the atomic reference counting of a shared pointer.
    pub inner: UnitOfMeasure,
    // Prebuilt so that attribute reads are plain struct-member reads.
    #[pyo3(get)]
    unit: Py<PyAny>,
    #[pyo3(get)]
    multiplier: Py<PyAny>,
}

impl PyUnitOfMeasure {
    pub fn build(py: Python<'_>, inner: UnitOfMeasure, l: &Lookups<'_>) -> PyResult<Self> {
        let unit = match &inner.unit {
            Some(u) => l.unit(py, u),
            None => py.None(),
        };
        let multiplier = match inner.multiplier {
            Some(m) => m.into_pyobject(py)?.into_any().unbind(),
            None => py.None(),
        };
        Ok(PyUnitOfMeasure {
            inner,
            unit,
            multiplier,
        })
    }

    /// The object for `u`: shared with equal units (they are immutable, and meters repeat a
    /// few units endlessly) unless it carries custom data, whose dict is handed out per read.
    fn shared(py: Python<'_>, u: &UnitOfMeasure, l: &Lookups<'_>) -> PyResult<Py<PyAny>> {
        let make = || Ok(Py::new(py, PyUnitOfMeasure::build(py, u.clone(), l)?)?.into_any());
        if u.custom_data.is_some() {
            return make();
        }
        l.shared_unit(py, u, make)
    }
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
        let model = methods::raise(py, build())?;
        PyUnitOfMeasure::build(py, model, &Lookups::get(py)?)
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
        PyUnitOfMeasure::build(data.py(), model, &Lookups::get(data.py())?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "UnitOfMeasure",
            &[
                ("unit", some(py, &self.unit)),
                ("multiplier", some(py, &self.multiplier)),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

/// `SignedMeterValueType`.
#[pyclass(frozen, module = "ocpp_meter._core", name = "SignedMeterValue")]
pub struct PySignedMeterValue {
    pub inner: Shared<SignedMeterValue>,
    #[pyo3(get)]
    signed_meter_data: Py<PyString>,
    #[pyo3(get)]
    signing_method: Option<Py<PyString>>,
    #[pyo3(get)]
    encoding_method: Py<PyString>,
    #[pyo3(get)]
    public_key: Option<Py<PyString>>,
}

impl PySignedMeterValue {
    pub fn build(py: Python<'_>, inner: Shared<SignedMeterValue>) -> Self {
        PySignedMeterValue {
            signed_meter_data: PyString::new(py, &inner.signed_meter_data).unbind(),
            signing_method: inner
                .signing_method
                .as_deref()
                .map(|s| PyString::new(py, s).unbind()),
            encoding_method: PyString::new(py, &inner.encoding_method).unbind(),
            public_key: inner
                .public_key
                .as_deref()
                .map(|s| PyString::new(py, s).unbind()),
            inner,
        }
    }
}

#[pymethods]
impl PySignedMeterValue {
    /// Takes what either dialect allows: `None` for the signing method or the key (optional in
    /// OCPP 2.1 only), signed data up to 2.1's 32768 characters.
    #[new]
    #[pyo3(signature = (signed_meter_data, signing_method, encoding_method, public_key, custom_data=None))]
    fn new(
        py: Python<'_>,
        signed_meter_data: &Bound<'_, PyAny>,
        signing_method: Option<&Bound<'_, PyAny>>,
        encoding_method: &Bound<'_, PyAny>,
        public_key: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<SignedMeterValue> {
            Ok(SignedMeterValue {
                custom_data: custom_data_arg(custom_data)?,
                signed_meter_data: str_arg(signed_meter_data, MAX_SIGNED_DATA_V21)
                    .at("signedMeterData")?,
                signing_method: signing_method
                    .map(|m| str_arg(m, MAX_METHOD))
                    .transpose()
                    .at("signingMethod")?,
                encoding_method: str_arg(encoding_method, MAX_METHOD).at("encodingMethod")?,
                public_key: public_key
                    .map(|k| str_arg(k, MAX_SIGNED_DATA))
                    .transpose()
                    .at("publicKey")?,
            })
        };
        Ok(PySignedMeterValue::build(
            py,
            Shared::new(methods::raise(py, build())?),
        ))
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    #[staticmethod]
    #[pyo3(signature = (data, *, dialect="2.0.1"))]
    fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
        let dialect = dialect_arg(dialect)?;
        Ok(PySignedMeterValue::build(
            data.py(),
            Shared::new(methods::from_json(data, dialect)?),
        ))
    }

    /// Unpickles (see `methods::reduce`): the canonical JSON under the 2.1 schema, so that a
    /// value without the signing method or the key comes back.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let model = methods::from_json(data, Dialect::V21)?;
        Ok(PySignedMeterValue::build(data.py(), Shared::new(model)))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "SignedMeterValue",
            &[
                (
                    "signed_meter_data",
                    Some(self.signed_meter_data.bind(py).clone().into_any()),
                ),
                (
                    "signing_method",
                    self.signing_method
                        .as_ref()
                        .map(|s| s.bind(py).clone().into_any()),
                ),
                (
                    "encoding_method",
                    Some(self.encoding_method.bind(py).clone().into_any()),
                ),
                (
                    "public_key",
                    self.public_key
                        .as_ref()
                        .map(|s| s.bind(py).clone().into_any()),
                ),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

/// `SampledValueType`.
#[pyclass(
    frozen,
    freelist = 512,
    module = "ocpp_meter._core",
    name = "SampledValue"
)]
pub struct PySampledValue {
    // A copy, like `PyUnitOfMeasure`'s; only the (large) signed value is shared.
    pub inner: SampledValue,
    #[pyo3(get)]
    value: Py<PyAny>,
    #[pyo3(get)]
    context: Py<PyAny>,
    #[pyo3(get)]
    measurand: Py<PyAny>,
    #[pyo3(get)]
    phase: Py<PyAny>,
    #[pyo3(get)]
    location: Py<PyAny>,
    #[pyo3(get)]
    signed_meter_value: Py<PyAny>,
    #[pyo3(get)]
    unit_of_measure: Py<PyAny>,
}

impl PySampledValue {
    /// The Python object of a decoded sampled value, its nested objects built with it.
    pub fn build(py: Python<'_>, inner: SampledValue, l: &Lookups<'_>) -> PyResult<Self> {
        let signed_meter_value = match &inner.signed_meter_value {
            Some(s) => Py::new(
                py,
                PySignedMeterValue::build(py, Shared::new((**s).clone())),
            )?
            .into_any(),
            None => py.None(),
        };
        let unit_of_measure = match &inner.unit_of_measure {
            Some(u) => PyUnitOfMeasure::shared(py, u, l)?,
            None => py.None(),
        };
        let mut this = PySampledValue {
            value: PyFloat::new(py, inner.value).into_any().unbind(),
            context: member(py, l.context, inner.context.map(|v| v as usize)),
            measurand: member(py, l.measurand, inner.measurand.map(|v| v as usize)),
            phase: member(py, l.phase, inner.phase.map(|v| v as usize)),
            location: member(py, l.location, inner.location.map(|v| v as usize)),
            signed_meter_value,
            unit_of_measure,
            inner,
        };
        if let Some(raw) = this.inner.raw_enums() {
            // Values outside the enums (lenient profile): the field holds the string as sent.
            let text = |s: &Option<Box<str>>, slot: &mut Py<PyAny>| {
                if let Some(s) = s {
                    *slot = PyString::new(py, s).into_any().unbind();
                }
            };
            text(&raw.context, &mut this.context);
            text(&raw.measurand, &mut this.measurand);
            text(&raw.phase, &mut this.phase);
            text(&raw.location, &mut this.location);
        }
        Ok(this)
    }
}

/// `Some(obj)` unless it is `None`, for reprs.
fn some<'py>(py: Python<'py>, obj: &Py<PyAny>) -> Option<Bound<'py, PyAny>> {
    let b = obj.bind(py);
    (!b.is_none()).then(|| b.clone())
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
        let build = || -> Res<SampledValue> {
            let custom = custom_data_arg(custom_data)?;
            let value = number_arg(value).at("value")?;
            let context = opt(context, enum_arg::<ReadingContext>).at("context")?;
            let measurand = opt(measurand, enum_arg::<Measurand>).at("measurand")?;
            let phase = opt(phase, enum_arg::<Phase>).at("phase")?;
            let location = opt(location, enum_arg::<Location>).at("location")?;
            let signed = opt(signed_meter_value, |o| {
                instance_arg::<PySignedMeterValue>(o, "signedMeterValue")
            })?;
            let unit = opt(unit_of_measure, |o| {
                instance_arg::<PyUnitOfMeasure>(o, "unitOfMeasure")
            })?;
            Ok(SampledValue {
                value,
                context,
                measurand,
                phase,
                location,
                signed_meter_value: signed.map(|s| Box::new((*s.get().inner).clone())),
                unit_of_measure: unit.map(|u| u.get().inner.clone()),
                rare: Rare::of_custom_data(custom),
            })
        };
        let model = methods::raise(py, build())?;
        PySampledValue::build(py, model, &Lookups::get(py)?)
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, self.inner.custom_data())
    }

    #[staticmethod]
    #[pyo3(signature = (data, *, dialect="2.0.1"))]
    fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
        let dialect = dialect_arg(dialect)?;
        let model = methods::from_json(data, dialect)?;
        PySampledValue::build(data.py(), model, &Lookups::get(data.py())?)
    }

    /// Unpickles (see `methods::reduce`): the canonical JSON under the `off` profile and the
    /// 2.1 schema (under `off`, a superset of 2.0.1's), so that raw enum strings a lenient
    /// decoding kept and 2.1 values come back; the warnings are not kept.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (model, _) = methods::from_json_as(data, Profile::Off, Dialect::V21)?;
        PySampledValue::build(data.py(), model, &Lookups::get(data.py())?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "SampledValue",
            &[
                ("value", some(py, &self.value)),
                ("context", some(py, &self.context)),
                ("measurand", some(py, &self.measurand)),
                ("phase", some(py, &self.phase)),
                ("location", some(py, &self.location)),
                ("signed_meter_value", some(py, &self.signed_meter_value)),
                ("unit_of_measure", some(py, &self.unit_of_measure)),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

value_class!(PyUnitOfMeasure, UnitOfMeasure);

value_class!(PySignedMeterValue, SignedMeterValue, "_from_pickle");

value_class!(PySampledValue, SampledValue, "_from_pickle");
