//! What the Python classes of OCPP 2.1's cost types share ([`cost_class!`]), and the
//! `TransactionLimit` class ([`crate::ocpp::cost::TransactionLimit`]); the classes of `costDetails`
//! live in `cost_details`.

use pyo3::prelude::*;

use crate::dialect::Dialect;
use crate::fault::error::Res;
use crate::ocpp::cost::{TransactionLimit, MAX_SOC};

use super::args::*;
use super::deviations::dialect_arg;
use super::methods;
use super::to_python::*;

/// These types exist only in OCPP 2.1: `from_json` refuses any other dialect.
pub fn only_21(dialect: &str, name: &str) -> PyResult<()> {
    if dialect_arg(dialect)? != Dialect::V21 {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{name} exists only in OCPP 2.1 (dialect=\"2.1\")"
        )));
    }
    Ok(())
}

/// What every cost class has beyond `value_class!`: `custom_data`, `from_json` (2.1 only) and
/// `_from_pickle`, which decodes under the `off` profile because a request decoded under it
/// may hold values past 2.1's bounds.
macro_rules! cost_class {
    ($class:ident, $model:ty, $name:literal) => {
        #[pymethods]
        impl $class {
            #[getter]
            fn custom_data<'py>(
                &self,
                py: Python<'py>,
            ) -> PyResult<Option<Bound<'py, pyo3::types::PyDict>>> {
                $crate::py::to_python::custom_data_to_py(py, &self.inner.custom_data)
            }

            /// Decodes one object of the type; it exists only in OCPP 2.1, so
            /// `dialect="2.0.1"` is refused.
            #[staticmethod]
            #[pyo3(signature = (data, *, dialect="2.1"))]
            fn from_json(data: &Bound<'_, PyAny>, dialect: &str) -> PyResult<Self> {
                $crate::py::cost::only_21(dialect, $name)?;
                Ok($class {
                    inner: $crate::py::methods::from_json(data, $crate::dialect::Dialect::V21)?,
                })
            }

            #[staticmethod]
            fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
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
pub(crate) use cost_class;

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

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let i = &self.inner;
        methods::repr(
            py,
            "TransactionLimit",
            &[
                ("max_cost", opt_float(py, i.max_cost)),
                ("max_energy", opt_float(py, i.max_energy)),
                ("max_time", opt_int(py, i.max_time)?),
                ("max_soc", opt_int(py, i.max_soc)?),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

cost_class!(PyTransactionLimit, TransactionLimit, "TransactionLimit");
