//! Python classes of OCPP 2.1's `costDetails` ([`crate::ocpp::cost::CostDetails`] and its parts):
//! immutable, `==`, readable `repr`, pickling, and keyword construction that validates like
//! decoding. The class of `CostDimensionType` is `CostDimensionVolume`, because the Python
//! enumeration `CostDimensionEnumType` already owns the name `CostDimension`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString, PyTuple};

use crate::dialect::Dialect;
use crate::fault::error::Res;
use crate::json::value::write_value;
use crate::ocpp::cost::*;
use crate::ocpp::decode::from_slice_in;

use super::args::*;
use super::cost::cost_class;
use super::lookups::{enum_to_py, COST_DIMENSION, TARIFF_COST};
use super::methods;
use super::to_python::*;

/// `cost_details=`: a `CostDetails`, or (as before the class existed) a dict of its JSON form,
/// checked by the decoder under OCPP 2.1, the only schema that has the type.
pub fn cost_details_arg(obj: &Bound<'_, PyAny>) -> Res<CostDetails> {
    if let Ok(c) = obj.cast::<PyCostDetails>() {
        return Ok(c.get().inner.clone());
    }
    if !obj.is_instance_of::<PyDict>() {
        return Err(not_instance(obj));
    }
    let mut text = Vec::new();
    write_value(&py_to_json(obj, 0)?, &mut text);
    from_slice_in::<CostDetails>(&text, true, Dialect::V21)
}

/// An optional sub-object argument that must be an instance of `T`.
fn part_arg<T, M>(
    obj: Option<&Bound<'_, PyAny>>,
    key: &'static str,
    model: impl Fn(&T) -> M,
) -> Res<Option<M>>
where
    T: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync,
{
    opt(obj, |o| Ok(model(instance_arg::<T>(o, key)?.get())))
}

/// A list of model values as a tuple of new instances of their class.
fn tuple_of<'py, M: Clone, C>(
    py: Python<'py>,
    items: &Option<Vec<M>>,
    wrap: impl Fn(M) -> C,
) -> PyResult<Option<Bound<'py, PyTuple>>>
where
    C: pyo3::PyClass + Into<pyo3::PyClassInitializer<C>>,
{
    let Some(items) = items else { return Ok(None) };
    let objects = items
        .iter()
        .map(|m| Py::new(py, wrap(m.clone())))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(Some(PyTuple::new(py, objects)?))
}

fn any<C: pyo3::PyClass>(py: Python<'_>, v: Option<Py<C>>) -> Option<Bound<'_, PyAny>> {
    v.map(|o| o.into_bound(py).into_any())
}

/// `CostDimensionType` (OCPP 2.1): the volume of one dimension consumed in a period.
#[pyclass(frozen, module = "ocpp_meter._core", name = "CostDimensionVolume")]
pub struct PyCostDimensionVolume {
    pub inner: CostDimension,
}

#[pymethods]
impl PyCostDimensionVolume {
    #[new]
    #[pyo3(signature = (r#type, volume, custom_data=None))]
    fn new(
        py: Python<'_>,
        r#type: &Bound<'_, PyAny>,
        volume: &Bound<'_, PyAny>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<CostDimension> {
            Ok(CostDimension {
                type_: enum_arg::<CostDimensionKind>(r#type).at("type")?,
                volume: number_arg(volume).at("volume")?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyCostDimensionVolume {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter(r#type)]
    fn type_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_to_py(py, &COST_DIMENSION, self.inner.type_)
    }

    #[getter]
    fn volume(&self) -> f64 {
        self.inner.volume
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "CostDimensionVolume",
            &[
                ("type", Some(self.type_(py)?)),
                ("volume", opt_float(py, Some(self.inner.volume))),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyCostDimensionVolume, CostDimension, "CostDimensionVolume");

/// `ChargingPeriodType` (OCPP 2.1).
#[pyclass(frozen, module = "ocpp_meter._core", name = "ChargingPeriod")]
pub struct PyChargingPeriod {
    pub inner: ChargingPeriod,
}

#[pymethods]
impl PyChargingPeriod {
    #[new]
    #[pyo3(signature = (start_period, dimensions=None, tariff_id=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        start_period: &Bound<'_, PyAny>,
        dimensions: Option<&Bound<'_, PyAny>>,
        tariff_id: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<ChargingPeriod> {
            Ok(ChargingPeriod {
                dimensions: opt(dimensions, |o| {
                    models_arg(o, "dimensions", |d: &PyCostDimensionVolume| d.inner.clone())
                })?,
                tariff_id: opt(tariff_id, |o| str_arg(o, MAX_TARIFF_ID)).at("tariffId")?,
                start_period: datetime_arg(start_period).at("startPeriod")?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyChargingPeriod {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn start_period<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, &self.inner.start_period)
    }

    #[getter]
    fn dimensions<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        tuple_of(py, &self.inner.dimensions, |inner| PyCostDimensionVolume {
            inner,
        })
    }

    #[getter]
    fn tariff_id<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner
            .tariff_id
            .as_deref()
            .map(|t| PyString::new(py, t))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "ChargingPeriod",
            &[
                ("start_period", Some(self.start_period(py)?)),
                ("dimensions", self.dimensions(py)?.map(Bound::into_any)),
                ("tariff_id", opt_str(py, self.inner.tariff_id.as_deref())),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyChargingPeriod, ChargingPeriod, "ChargingPeriod");

/// `TaxRateType` (OCPP 2.1).
#[pyclass(frozen, module = "ocpp_meter._core", name = "TaxRate")]
pub struct PyTaxRate {
    pub inner: TaxRate,
}

#[pymethods]
impl PyTaxRate {
    #[new]
    #[pyo3(signature = (r#type, tax, stack=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        r#type: &Bound<'_, PyAny>,
        tax: &Bound<'_, PyAny>,
        stack: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<TaxRate> {
            Ok(TaxRate {
                type_: str_arg(r#type, MAX_TAX_TYPE).at("type")?,
                tax: number_arg(tax).at("tax")?,
                // `minimum: 0` and no maximum.
                stack: opt(stack, |o| int_within_arg(o, 0, i64::MAX)).at("stack")?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyTaxRate {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter(r#type)]
    fn type_<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.type_)
    }

    #[getter]
    fn tax(&self) -> f64 {
        self.inner.tax
    }

    #[getter]
    fn stack(&self) -> Option<i64> {
        self.inner.stack
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "TaxRate",
            &[
                ("type", Some(self.type_(py).into_any())),
                ("tax", opt_float(py, Some(self.inner.tax))),
                ("stack", opt_int(py, self.inner.stack)?),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyTaxRate, TaxRate, "TaxRate");

/// `PriceType` (OCPP 2.1).
#[pyclass(frozen, module = "ocpp_meter._core", name = "Price")]
pub struct PyPrice {
    pub inner: Price,
}

#[pymethods]
impl PyPrice {
    #[new]
    #[pyo3(signature = (excl_tax=None, incl_tax=None, tax_rates=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        excl_tax: Option<&Bound<'_, PyAny>>,
        incl_tax: Option<&Bound<'_, PyAny>>,
        tax_rates: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<Price> {
            Ok(Price {
                excl_tax: opt(excl_tax, number_arg).at("exclTax")?,
                incl_tax: opt(incl_tax, number_arg).at("inclTax")?,
                tax_rates: opt(tax_rates, |o| {
                    models_within_arg(o, "taxRates", MAX_TAX_RATES, |t: &PyTaxRate| {
                        t.inner.clone()
                    })
                })?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyPrice {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn excl_tax(&self) -> Option<f64> {
        self.inner.excl_tax
    }

    #[getter]
    fn incl_tax(&self) -> Option<f64> {
        self.inner.incl_tax
    }

    #[getter]
    fn tax_rates<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        tuple_of(py, &self.inner.tax_rates, |inner| PyTaxRate { inner })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "Price",
            &[
                ("excl_tax", opt_float(py, self.inner.excl_tax)),
                ("incl_tax", opt_float(py, self.inner.incl_tax)),
                ("tax_rates", self.tax_rates(py)?.map(Bound::into_any)),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyPrice, Price, "Price");

/// `TotalPriceType` (OCPP 2.1).
#[pyclass(frozen, module = "ocpp_meter._core", name = "TotalPrice")]
pub struct PyTotalPrice {
    pub inner: TotalPrice,
}

#[pymethods]
impl PyTotalPrice {
    #[new]
    #[pyo3(signature = (excl_tax=None, incl_tax=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        excl_tax: Option<&Bound<'_, PyAny>>,
        incl_tax: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<TotalPrice> {
            Ok(TotalPrice {
                excl_tax: opt(excl_tax, number_arg).at("exclTax")?,
                incl_tax: opt(incl_tax, number_arg).at("inclTax")?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyTotalPrice {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn excl_tax(&self) -> Option<f64> {
        self.inner.excl_tax
    }

    #[getter]
    fn incl_tax(&self) -> Option<f64> {
        self.inner.incl_tax
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "TotalPrice",
            &[
                ("excl_tax", opt_float(py, self.inner.excl_tax)),
                ("incl_tax", opt_float(py, self.inner.incl_tax)),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyTotalPrice, TotalPrice, "TotalPrice");

/// `TotalCostType` (OCPP 2.1).
#[pyclass(frozen, module = "ocpp_meter._core", name = "TotalCost")]
pub struct PyTotalCost {
    pub inner: TotalCost,
}

#[pymethods]
impl PyTotalCost {
    #[new]
    #[pyo3(signature = (currency, type_of_cost, total, fixed=None, energy=None, charging_time=None, idle_time=None, reservation_time=None, reservation_fixed=None, custom_data=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        currency: &Bound<'_, PyAny>,
        type_of_cost: &Bound<'_, PyAny>,
        total: &Bound<'_, PyAny>,
        fixed: Option<&Bound<'_, PyAny>>,
        energy: Option<&Bound<'_, PyAny>>,
        charging_time: Option<&Bound<'_, PyAny>>,
        idle_time: Option<&Bound<'_, PyAny>>,
        reservation_time: Option<&Bound<'_, PyAny>>,
        reservation_fixed: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let price = |o, key| part_arg(o, key, |p: &PyPrice| p.inner.clone());
        let build = || -> Res<TotalCost> {
            Ok(TotalCost {
                currency: str_arg(currency, MAX_CURRENCY).at("currency")?,
                type_of_cost: enum_arg::<TariffCost>(type_of_cost).at("typeOfCost")?,
                fixed: price(fixed, "fixed")?,
                energy: price(energy, "energy")?,
                charging_time: price(charging_time, "chargingTime")?,
                idle_time: price(idle_time, "idleTime")?,
                reservation_time: price(reservation_time, "reservationTime")?,
                reservation_fixed: price(reservation_fixed, "reservationFixed")?,
                total: instance_arg::<PyTotalPrice>(total, "total")?
                    .get()
                    .inner
                    .clone(),
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyTotalCost {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn currency<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.currency)
    }

    #[getter]
    fn type_of_cost<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_to_py(py, &TARIFF_COST, self.inner.type_of_cost)
    }

    #[getter]
    fn total(&self, py: Python<'_>) -> PyResult<Py<PyTotalPrice>> {
        Py::new(
            py,
            PyTotalPrice {
                inner: self.inner.total.clone(),
            },
        )
    }

    #[getter]
    fn fixed(&self, py: Python<'_>) -> PyResult<Option<Py<PyPrice>>> {
        price_to_py(py, &self.inner.fixed)
    }

    #[getter]
    fn energy(&self, py: Python<'_>) -> PyResult<Option<Py<PyPrice>>> {
        price_to_py(py, &self.inner.energy)
    }

    #[getter]
    fn charging_time(&self, py: Python<'_>) -> PyResult<Option<Py<PyPrice>>> {
        price_to_py(py, &self.inner.charging_time)
    }

    #[getter]
    fn idle_time(&self, py: Python<'_>) -> PyResult<Option<Py<PyPrice>>> {
        price_to_py(py, &self.inner.idle_time)
    }

    #[getter]
    fn reservation_time(&self, py: Python<'_>) -> PyResult<Option<Py<PyPrice>>> {
        price_to_py(py, &self.inner.reservation_time)
    }

    #[getter]
    fn reservation_fixed(&self, py: Python<'_>) -> PyResult<Option<Py<PyPrice>>> {
        price_to_py(py, &self.inner.reservation_fixed)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "TotalCost",
            &[
                ("currency", Some(self.currency(py).into_any())),
                ("type_of_cost", Some(self.type_of_cost(py)?)),
                ("total", any(py, Some(self.total(py)?))),
                ("fixed", any(py, self.fixed(py)?)),
                ("energy", any(py, self.energy(py)?)),
                ("charging_time", any(py, self.charging_time(py)?)),
                ("idle_time", any(py, self.idle_time(py)?)),
                ("reservation_time", any(py, self.reservation_time(py)?)),
                ("reservation_fixed", any(py, self.reservation_fixed(py)?)),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

fn price_to_py(py: Python<'_>, p: &Option<Price>) -> PyResult<Option<Py<PyPrice>>> {
    p.as_ref()
        .map(|inner| {
            Py::new(
                py,
                PyPrice {
                    inner: inner.clone(),
                },
            )
        })
        .transpose()
}

cost_class!(PyTotalCost, TotalCost, "TotalCost");

/// `TotalUsageType` (OCPP 2.1).
#[pyclass(frozen, module = "ocpp_meter._core", name = "TotalUsage")]
pub struct PyTotalUsage {
    pub inner: TotalUsage,
}

#[pymethods]
impl PyTotalUsage {
    #[new]
    #[pyo3(signature = (energy, charging_time, idle_time, reservation_time=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        energy: &Bound<'_, PyAny>,
        charging_time: &Bound<'_, PyAny>,
        idle_time: &Bound<'_, PyAny>,
        reservation_time: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<TotalUsage> {
            Ok(TotalUsage {
                energy: number_arg(energy).at("energy")?,
                charging_time: int_arg(charging_time).at("chargingTime")?,
                idle_time: int_arg(idle_time).at("idleTime")?,
                reservation_time: opt(reservation_time, int_arg).at("reservationTime")?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyTotalUsage {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn energy(&self) -> f64 {
        self.inner.energy
    }

    #[getter]
    fn charging_time(&self) -> i64 {
        self.inner.charging_time
    }

    #[getter]
    fn idle_time(&self) -> i64 {
        self.inner.idle_time
    }

    #[getter]
    fn reservation_time(&self) -> Option<i64> {
        self.inner.reservation_time
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let i = &self.inner;
        methods::repr(
            py,
            "TotalUsage",
            &[
                ("energy", opt_float(py, Some(i.energy))),
                ("charging_time", opt_int(py, Some(i.charging_time))?),
                ("idle_time", opt_int(py, Some(i.idle_time))?),
                ("reservation_time", opt_int(py, i.reservation_time)?),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyTotalUsage, TotalUsage, "TotalUsage");

/// `CostDetailsType` (OCPP 2.1): the cost of a transaction as the station calculated it.
#[pyclass(frozen, module = "ocpp_meter._core", name = "CostDetails")]
pub struct PyCostDetails {
    pub inner: CostDetails,
}

#[pymethods]
impl PyCostDetails {
    #[new]
    #[pyo3(signature = (total_cost, total_usage, charging_periods=None, failure_to_calculate=None, failure_reason=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        total_cost: &Bound<'_, PyAny>,
        total_usage: &Bound<'_, PyAny>,
        charging_periods: Option<&Bound<'_, PyAny>>,
        failure_to_calculate: Option<&Bound<'_, PyAny>>,
        failure_reason: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<CostDetails> {
            Ok(CostDetails {
                charging_periods: opt(charging_periods, |o| {
                    models_arg(o, "chargingPeriods", |p: &PyChargingPeriod| p.inner.clone())
                })?,
                total_cost: instance_arg::<PyTotalCost>(total_cost, "totalCost")?
                    .get()
                    .inner
                    .clone(),
                total_usage: instance_arg::<PyTotalUsage>(total_usage, "totalUsage")?
                    .get()
                    .inner
                    .clone(),
                failure_to_calculate: opt(failure_to_calculate, bool_arg)
                    .at("failureToCalculate")?,
                failure_reason: opt(failure_reason, |o| str_arg(o, MAX_FAILURE_REASON))
                    .at("failureReason")?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyCostDetails {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn total_cost(&self, py: Python<'_>) -> PyResult<Py<PyTotalCost>> {
        Py::new(
            py,
            PyTotalCost {
                inner: self.inner.total_cost.clone(),
            },
        )
    }

    #[getter]
    fn total_usage(&self, py: Python<'_>) -> PyResult<Py<PyTotalUsage>> {
        Py::new(
            py,
            PyTotalUsage {
                inner: self.inner.total_usage.clone(),
            },
        )
    }

    #[getter]
    fn charging_periods<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        tuple_of(py, &self.inner.charging_periods, |inner| PyChargingPeriod {
            inner,
        })
    }

    #[getter]
    fn failure_to_calculate(&self) -> Option<bool> {
        self.inner.failure_to_calculate
    }

    #[getter]
    fn failure_reason<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner
            .failure_reason
            .as_deref()
            .map(|s| PyString::new(py, s))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "CostDetails",
            &[
                ("total_cost", any(py, Some(self.total_cost(py)?))),
                ("total_usage", any(py, Some(self.total_usage(py)?))),
                (
                    "charging_periods",
                    self.charging_periods(py)?.map(Bound::into_any),
                ),
                (
                    "failure_to_calculate",
                    self.inner
                        .failure_to_calculate
                        .map(|b| PyBool::new(py, b).to_owned().into_any()),
                ),
                (
                    "failure_reason",
                    opt_str(py, self.inner.failure_reason.as_deref()),
                ),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyCostDetails, CostDetails, "CostDetails");
