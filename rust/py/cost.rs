//! The Python `TransactionLimit` class (OCPP 2.1, [`crate::cost::TransactionLimit`]); the
//! classes of `costDetails` live in `cost_details`.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::cost::{TransactionLimit, MAX_SOC};
use crate::dialect::Dialect;
use crate::error::{Fault, FaultKind, Res};
use crate::profile::Profile;

use super::args::*;
use super::deviations::dialect_arg;
use super::methods;
use super::methods::value_class;
use super::to_python::*;

/// An integer argument within `min..=max`.
pub fn int_within_arg(obj: &Bound<'_, PyAny>, min: i64, max: i64) -> Res<i64> {
    let v = int_arg(obj)?;
    if v < min {
        return Err(Fault::new(FaultKind::BelowMinimum { min }, 0));
    }
    if v > max {
        return Err(Fault::new(FaultKind::AboveMaximum { max }, 0));
    }
    Ok(v)
}

/// `TransactionLimitType` (OCPP 2.1).
#[pyclass(frozen, module = "ocpp_meter._core", name = "TransactionLimit")]
pub struct PyTransactionLimit {
    pub inner: TransactionLimit,
}

#[pymethods]
impl PyTransactionLimit {
    #[new]
    #[pyo3(signature = (max_cost=None, max_energy=None, max_time=None, max_soc=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        max_cost: Option<&Bound<'_, PyAny>>,
        max_energy: Option<&Bound<'_, PyAny>>,
        max_time: Option<&Bound<'_, PyAny>>,
        max_soc: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<TransactionLimit> {
            Ok(TransactionLimit {
                max_cost: opt(max_cost, number_arg).at("maxCost")?,
                max_energy: opt(max_energy, number_arg).at("maxEnergy")?,
                max_time: opt(max_time, int_arg).at("maxTime")?,
                max_soc: opt(max_soc, |o| int_within_arg(o, 0, MAX_SOC)).at("maxSoC")?,
                custom_data: custom_data_arg(custom_data)?,
            })
        };
        Ok(PyTransactionLimit {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn max_cost(&self) -> Option<f64> {
        self.inner.max_cost
    }

    #[getter]
    fn max_energy(&self) -> Option<f64> {
        self.inner.max_energy
    }

    #[getter]
    fn max_time(&self) -> Option<i64> {
        self.inner.max_time
    }

    #[getter]
    fn max_soc(&self) -> Option<i64> {
        self.inner.max_soc
    }

    #[getter]
    fn custom_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        custom_data_to_py(py, &self.inner.custom_data)
    }

    /// Decodes one `TransactionLimitType` object; the type exists only in OCPP 2.1, so
    /// `dialect="2.0.1"` is refused.
    #[staticmethod]
    #[pyo3(signature = (data, *, dialect="2.1"))]
    fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
        if dialect_arg(dialect)? != Dialect::V21 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "TransactionLimit exists only in OCPP 2.1 (dialect=\"2.1\")",
            ));
        }
        Ok(PyTransactionLimit {
            inner: methods::from_json(data, Dialect::V21)?,
        })
    }

    /// Unpickles under the `off` profile, as the request that may hold it does.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (inner, _) = methods::from_json_as(data, Profile::Off, Dialect::V21)?;
        Ok(PyTransactionLimit { inner })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let i = &self.inner;
        let float = |v: Option<f64>| v.map(|f| pyo3::types::PyFloat::new(py, f).into_any());
        let int = |v: Option<i64>| -> PyResult<Option<Bound<'_, PyAny>>> {
            Ok(v.map(|n| n.into_pyobject(py))
                .transpose()?
                .map(Bound::into_any))
        };
        methods::repr(
            py,
            "TransactionLimit",
            &[
                ("max_cost", float(i.max_cost)),
                ("max_energy", float(i.max_energy)),
                ("max_time", int(i.max_time)?),
                ("max_soc", int(i.max_soc)?),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

value_class!(PyTransactionLimit, TransactionLimit, "_from_pickle");
