//! Python classes of the `TransactionEvent` request: `TransactionEventRequest`, `Transaction`,
//! `Evse`, `IdToken`, `AdditionalInfo`. Same conventions as the meter types (immutable, `==`,
//! readable `repr`, pickling, keyword construction that validates like decoding and takes what
//! either dialect allows); fields are read through getters, and the meter values are built
//! once, on first read. Every class unpickles under 2.1 and the `off` profile, as the request
//! does (the parts through [`super::methods::dialect_loaders!`]). `AdditionalInfo` and `Evse` are
//! declared ([`super::class::py_class!`]); the others are written by hand (see `py/mod.rs`).

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::dialect::Dialect;
use crate::fault::error::Res;
use crate::ocpp::model::MeterValue;
use crate::ocpp::profile::{Deviations, Profile};
use crate::ocpp::transaction_event::*;

use super::cost::PyTransactionLimit;
use super::cost_details::{cost_details_arg, PyCostDetails};

use super::args::*;
use super::class::{model_class, py_class, Custom, Int, Str};
use super::deviations::{self, dialect_arg, profile_arg};
use super::lookups::*;
use super::meter::PyMeterValue;
use super::methods;
use super::methods::{dialect_class, value_class};
use super::shared::Shared;
use super::to_python::*;

py_class! {
    /// `AdditionalInfoType`.
    PyAdditionalInfo("AdditionalInfo"): AdditionalInfo, dialect;
    (
        additional_id_token: "additionalIdToken" => Str(MAX_ID_TOKEN_V21),
        r#type in type_: "type" => Str(MAX_INFO_TYPE),
        custom_data = None: "customData" => Custom,
    )
    build { custom_data, additional_id_token, type_: r#type }
}

/// `IdTokenType`.
#[pyclass(frozen, module = "ocpp_meter._core", name = "IdToken")]
pub struct PyIdToken {
    pub inner: IdToken,
}

#[pymethods]
impl PyIdToken {
    #[new]
    #[pyo3(signature = (id_token, r#type, additional_info=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        id_token: &Bound<'_, PyAny>,
        r#type: &Bound<'_, PyAny>,
        additional_info: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<IdToken> {
            Ok(IdToken {
                custom_data: custom_data_arg(custom_data)?,
                additional_info: opt(additional_info, |o| {
                    models_arg(o, "additionalInfo", |a: &PyAdditionalInfo| a.inner.clone())
                })?,
                id_token: str_arg(id_token, MAX_ID_TOKEN_V21).at("idToken")?,
                // What either dialect allows, as elsewhere: 2.1's string of up to 20.
                type_: str_arg(r#type, MAX_ID_TOKEN_TYPE_V21)
                    .map(|t| id_token_type(&t))
                    .at("type")?,
            })
        };
        Ok(PyIdToken {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn id_token<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.id_token)
    }

    /// An `IdTokenType` member, or the `str` sent for a 2.1 type outside 2.0.1's enumeration.
    #[getter(r#type)]
    fn type_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.kind() {
            Some(k) => enum_to_py(py, &ID_TOKEN_TYPE, k),
            None => Ok(PyString::new(py, &self.inner.type_).into_any()),
        }
    }

    #[getter]
    fn additional_info<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(info) = &self.inner.additional_info else {
            return Ok(None);
        };
        let items = info
            .iter()
            .map(|a| Py::new(py, PyAdditionalInfo { inner: a.clone() }))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Some(PyTuple::new(py, items)?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "IdToken",
            &[
                ("id_token", Some(self.id_token(py).into_any())),
                ("type", Some(self.type_(py)?)),
                (
                    "additional_info",
                    self.additional_info(py)?.map(Bound::into_any),
                ),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

py_class! {
    /// `EVSEType`.
    PyEvse("Evse"): Evse, dialect;
    (
        id: "id" => Int,
        connector_id = None: "connectorId" => Int,
        custom_data = None: "customData" => Custom,
    )
    build { custom_data, id, connector_id }
}

/// `TransactionType`.
#[pyclass(frozen, module = "ocpp_meter._core", name = "Transaction")]
pub struct PyTransaction {
    pub inner: Transaction,
}

#[pymethods]
impl PyTransaction {
    #[new]
    #[pyo3(signature = (transaction_id, charging_state=None, time_spent_charging=None, stopped_reason=None, remote_start_id=None, custom_data=None, operation_mode=None, tariff_id=None, transaction_limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        transaction_id: &Bound<'_, PyAny>,
        charging_state: Option<&Bound<'_, PyAny>>,
        time_spent_charging: Option<&Bound<'_, PyAny>>,
        stopped_reason: Option<&Bound<'_, PyAny>>,
        remote_start_id: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
        operation_mode: Option<&Bound<'_, PyAny>>,
        tariff_id: Option<&Bound<'_, PyAny>>,
        transaction_limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<Transaction> {
            Ok(Transaction {
                custom_data: custom_data_arg(custom_data)?,
                transaction_id: str_arg(transaction_id, MAX_IDENTIFIER).at("transactionId")?,
                charging_state: opt(charging_state, enum_arg::<ChargingState>)
                    .at("chargingState")?,
                time_spent_charging: opt(time_spent_charging, int_arg).at("timeSpentCharging")?,
                stopped_reason: opt(stopped_reason, enum_arg::<Reason>).at("stoppedReason")?,
                remote_start_id: opt(remote_start_id, int_arg).at("remoteStartId")?,
                v21: TransactionV21 {
                    operation_mode: opt(operation_mode, enum_arg::<OperationMode>)
                        .at("operationMode")?,
                    tariff_id: opt(tariff_id, |o| str_arg(o, crate::ocpp::cost::MAX_TARIFF_ID))
                        .at("tariffId")?,
                    transaction_limit: opt(transaction_limit, |o| {
                        Ok(instance_arg::<PyTransactionLimit>(o, "transactionLimit")?
                            .get()
                            .inner
                            .clone())
                    })?,
                }
                .boxed(),
            })
        };
        Ok(PyTransaction {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn transaction_id<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.transaction_id)
    }

    #[getter]
    fn charging_state<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .charging_state
            .map(|v| enum_to_py(py, &CHARGING_STATE, v))
            .transpose()
    }

    #[getter]
    fn time_spent_charging(&self) -> Option<i64> {
        self.inner.time_spent_charging
    }

    #[getter]
    fn stopped_reason<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .stopped_reason
            .map(|v| enum_to_py(py, &REASON, v))
            .transpose()
    }

    #[getter]
    fn remote_start_id(&self) -> Option<i64> {
        self.inner.remote_start_id
    }

    #[getter]
    fn operation_mode<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.v21()
            .and_then(|v| v.operation_mode)
            .map(|m| enum_to_py(py, &OPERATION_MODE, m))
            .transpose()
    }

    #[getter]
    fn tariff_id<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.v21()
            .and_then(|v| v.tariff_id.as_deref())
            .map(|t| PyString::new(py, t))
    }

    #[getter]
    fn transaction_limit(&self, py: Python<'_>) -> PyResult<Option<Py<PyTransactionLimit>>> {
        self.v21()
            .and_then(|v| v.transaction_limit.clone())
            .map(|inner| Py::new(py, PyTransactionLimit { inner }))
            .transpose()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "Transaction",
            &[
                ("transaction_id", Some(self.transaction_id(py).into_any())),
                ("charging_state", self.charging_state(py)?),
                (
                    "time_spent_charging",
                    opt_int(py, self.inner.time_spent_charging)?,
                ),
                ("stopped_reason", self.stopped_reason(py)?),
                ("remote_start_id", opt_int(py, self.inner.remote_start_id)?),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
                ("operation_mode", self.operation_mode(py)?),
                ("tariff_id", self.tariff_id(py).map(Bound::into_any)),
                (
                    "transaction_limit",
                    self.transaction_limit(py)?
                        .map(|l| l.into_bound(py).into_any()),
                ),
            ],
        )
    }
}

impl PyTransaction {
    fn v21(&self) -> Option<&TransactionV21> {
        self.inner.v21.as_deref()
    }
}

/// The `TransactionEvent` CALL payload. Its meter values become Python objects on first read.
#[pyclass(frozen, module = "ocpp_meter._core", name = "TransactionEventRequest")]
pub struct PyTransactionEventRequest {
    pub inner: Shared<TransactionEventRequest>,
    meter_value: OnceLock<Option<Py<PyTuple>>>,
    /// What a lenient decoding accepted (`None`: nothing).
    deviations: Option<Box<Deviations>>,
}

impl PyTransactionEventRequest {
    pub fn wrap(model: TransactionEventRequest) -> Self {
        PyTransactionEventRequest {
            inner: Shared::new(model),
            meter_value: OnceLock::new(),
            deviations: None,
        }
    }

    /// The request of a lenient decoding, with what it accepted.
    pub fn with_deviations(mut self, d: Deviations) -> Self {
        self.deviations = deviations::kept(d);
        self
    }
}

#[pymethods]
impl PyTransactionEventRequest {
    #[new]
    #[pyo3(signature = (event_type, timestamp, trigger_reason, seq_no, transaction_info, meter_value=None, offline=None, number_of_phases_used=None, cable_max_current=None, reservation_id=None, evse=None, id_token=None, custom_data=None, cost_details=None, preconditioning_status=None, evse_sleep=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        event_type: &Bound<'_, PyAny>,
        timestamp: &Bound<'_, PyAny>,
        trigger_reason: &Bound<'_, PyAny>,
        seq_no: &Bound<'_, PyAny>,
        transaction_info: &Bound<'_, PyAny>,
        meter_value: Option<&Bound<'_, PyAny>>,
        offline: Option<&Bound<'_, PyAny>>,
        number_of_phases_used: Option<&Bound<'_, PyAny>>,
        cable_max_current: Option<&Bound<'_, PyAny>>,
        reservation_id: Option<&Bound<'_, PyAny>>,
        evse: Option<&Bound<'_, PyAny>>,
        id_token: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
        cost_details: Option<&Bound<'_, PyAny>>,
        preconditioning_status: Option<&Bound<'_, PyAny>>,
        evse_sleep: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<TransactionEventRequest> {
            Ok(TransactionEventRequest {
                custom_data: custom_data_arg(custom_data)?,
                event_type: enum_arg::<TransactionEventType>(event_type).at("eventType")?,
                meter_value: opt(meter_value, |o| {
                    models_arg(o, "meterValue", |m: &PyMeterValue| (*m.inner).clone())
                })?,
                timestamp: datetime_arg(timestamp).at("timestamp")?,
                trigger_reason: enum_arg::<TriggerReason>(trigger_reason).at("triggerReason")?,
                seq_no: int_arg(seq_no).at("seqNo")?,
                offline: opt(offline, bool_arg).at("offline")?,
                number_of_phases_used: opt(number_of_phases_used, int_arg)
                    .at("numberOfPhasesUsed")?,
                cable_max_current: opt(cable_max_current, int_arg).at("cableMaxCurrent")?,
                reservation_id: opt(reservation_id, int_arg).at("reservationId")?,
                transaction_info: instance_arg::<PyTransaction>(
                    transaction_info,
                    "transactionInfo",
                )?
                .get()
                .inner
                .clone(),
                evse: opt(evse, |o| {
                    Ok(instance_arg::<PyEvse>(o, "evse")?.get().inner.clone())
                })?,
                id_token: opt(id_token, |o| {
                    Ok(instance_arg::<PyIdToken>(o, "idToken")?.get().inner.clone())
                })?,
                v21: TransactionEventV21 {
                    cost_details: opt(cost_details, cost_details_arg).at("costDetails")?,
                    preconditioning_status: opt(
                        preconditioning_status,
                        enum_arg::<PreconditioningStatus>,
                    )
                    .at("preconditioningStatus")?,
                    evse_sleep: opt(evse_sleep, bool_arg).at("evseSleep")?,
                }
                .boxed(),
            })
        };
        Ok(PyTransactionEventRequest::wrap(methods::raise(
            py,
            build(),
        )?))
    }

    #[getter]
    fn event_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_to_py(py, &TRANSACTION_EVENT_TYPE, self.inner.event_type)
    }

    #[getter]
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, &self.inner.timestamp)
    }

    #[getter]
    fn trigger_reason<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_to_py(py, &TRIGGER_REASON, self.inner.trigger_reason)
    }

    #[getter]
    fn seq_no(&self) -> i64 {
        self.inner.seq_no
    }

    #[getter]
    fn offline(&self) -> Option<bool> {
        self.inner.offline
    }

    #[getter]
    fn number_of_phases_used(&self) -> Option<i64> {
        self.inner.number_of_phases_used
    }

    #[getter]
    fn cable_max_current(&self) -> Option<i64> {
        self.inner.cable_max_current
    }

    #[getter]
    fn reservation_id(&self) -> Option<i64> {
        self.inner.reservation_id
    }

    #[getter]
    fn cost_details(&self, py: Python<'_>) -> PyResult<Option<Py<PyCostDetails>>> {
        self.v21()
            .and_then(|v| v.cost_details.clone())
            .map(|inner| Py::new(py, PyCostDetails { inner }))
            .transpose()
    }

    #[getter]
    fn preconditioning_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.v21()
            .and_then(|v| v.preconditioning_status)
            .map(|p| enum_to_py(py, &PRECONDITIONING_STATUS, p))
            .transpose()
    }

    #[getter]
    fn evse_sleep(&self) -> Option<bool> {
        self.v21().and_then(|v| v.evse_sleep)
    }

    #[getter]
    fn transaction_info(&self, py: Python<'_>) -> PyResult<Py<PyTransaction>> {
        Py::new(
            py,
            PyTransaction {
                inner: self.inner.transaction_info.clone(),
            },
        )
    }

    #[getter]
    fn evse(&self, py: Python<'_>) -> PyResult<Option<Py<PyEvse>>> {
        self.inner
            .evse
            .as_ref()
            .map(|e| Py::new(py, PyEvse { inner: e.clone() }))
            .transpose()
    }

    #[getter]
    fn id_token(&self, py: Python<'_>) -> PyResult<Option<Py<PyIdToken>>> {
        self.inner
            .id_token
            .as_ref()
            .map(|t| Py::new(py, PyIdToken { inner: t.clone() }))
            .transpose()
    }

    #[getter]
    fn meter_value<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        if let Some(t) = self.meter_value.get() {
            return Ok(t.as_ref().map(|t| t.bind(py).clone()));
        }
        let built = match &self.inner.meter_value {
            None => None,
            Some(values) => {
                let lookups = Lookups::get(py)?;
                let items = (0..values.len())
                    .map(|i| {
                        let part: Shared<MeterValue> = self.inner.project(move |r| {
                            &r.meter_value.as_ref().expect("present: matched above")[i]
                        });
                        Py::new(py, PyMeterValue::build(py, part, &lookups)?)
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                Some(PyTuple::new(py, items)?.unbind())
            }
        };
        Ok(self
            .meter_value
            .get_or_init(|| built)
            .as_ref()
            .map(|t| t.bind(py).clone()))
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
        Ok(PyTransactionEventRequest::wrap(model).with_deviations(d))
    }

    /// Unpickles (see `methods::reduce`): the canonical JSON under the `off` profile and the
    /// 2.1 schema (under `off`, a superset of 2.0.1's), so that raw enum strings a lenient
    /// decoding kept and 2.1 values come back; the warnings are not kept.
    #[staticmethod]
    fn _from_pickle(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (model, _) = methods::from_json_as(data, Profile::Off, Dialect::V21)?;
        Ok(PyTransactionEventRequest::wrap(model))
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
        let i = &self.inner;
        methods::repr(
            py,
            "TransactionEventRequest",
            &[
                ("event_type", Some(self.event_type(py)?)),
                ("timestamp", Some(self.timestamp(py)?)),
                ("trigger_reason", Some(self.trigger_reason(py)?)),
                ("seq_no", Some(i.seq_no.into_pyobject(py)?.into_any())),
                (
                    "transaction_info",
                    Some(self.transaction_info(py)?.into_bound(py).into_any()),
                ),
                ("meter_value", self.meter_value(py)?.map(Bound::into_any)),
                (
                    "offline",
                    i.offline
                        .map(|b| pyo3::types::PyBool::new(py, b).to_owned().into_any()),
                ),
                (
                    "number_of_phases_used",
                    opt_int(py, i.number_of_phases_used)?,
                ),
                ("cable_max_current", opt_int(py, i.cable_max_current)?),
                ("reservation_id", opt_int(py, i.reservation_id)?),
                ("evse", self.evse(py)?.map(|e| e.into_bound(py).into_any())),
                (
                    "id_token",
                    self.id_token(py)?.map(|t| t.into_bound(py).into_any()),
                ),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
                (
                    "cost_details",
                    self.cost_details(py)?.map(|c| c.into_bound(py).into_any()),
                ),
                ("preconditioning_status", self.preconditioning_status(py)?),
                (
                    "evse_sleep",
                    self.evse_sleep()
                        .map(|b| pyo3::types::PyBool::new(py, b).to_owned().into_any()),
                ),
            ],
        )
    }
}

impl PyTransactionEventRequest {
    fn v21(&self) -> Option<&TransactionEventV21> {
        self.inner.v21.as_deref()
    }
}

dialect_class!(PyIdToken, IdToken);
model_class!(PyIdToken, IdToken);

dialect_class!(PyTransaction, Transaction);

value_class!(
    PyTransactionEventRequest,
    TransactionEventRequest,
    "_from_pickle"
);
