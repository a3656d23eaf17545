//! Python classes of the `TransactionEvent` response
//! ([`crate::ocpp::transaction_event_response`]): `TransactionEventResponse`, `IdTokenInfo`,
//! `MessageContent`. Same conventions as the request's classes: immutable, `==`, readable
//! `repr`, pickling, keyword construction that validates like decoding and takes what either
//! dialect allows (a `QRCODE` message of up to 1024 characters, OCPP 2.1's transaction limit;
//! 2.0.1's EVSE ids below 0), so pickles load under 2.1 and the `off` profile
//! ([`super::methods::dialect_class!`]).

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use crate::fault::error::Res;
use crate::ocpp::transaction_event_response::*;

use super::args::*;
use super::cost::PyTransactionLimit;
use super::lookups::*;
use super::methods;
use super::methods::dialect_class;
use super::to_python::*;
use super::transaction::PyIdToken;

/// `MessageContentType`: a message for the EV driver.
#[pyclass(frozen, module = "ocpp_meter._core", name = "MessageContent")]
pub struct PyMessageContent {
    pub inner: MessageContent,
}

#[pymethods]
impl PyMessageContent {
    #[new]
    #[pyo3(signature = (format, content, language=None, custom_data=None))]
    fn new(
        py: Python<'_>,
        format: &Bound<'_, PyAny>,
        content: &Bound<'_, PyAny>,
        language: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<MessageContent> {
            Ok(MessageContent {
                custom_data: custom_data_arg(custom_data)?,
                format: enum_arg::<MessageFormat>(format).at("format")?,
                language: opt(language, |o| str_arg(o, MAX_LANGUAGE)).at("language")?,
                // What either dialect allows: 2.1's 1024 characters (2.0.1: 512).
                content: str_arg(content, MAX_CONTENT_V21).at("content")?,
            })
        };
        Ok(PyMessageContent {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn format<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_to_py(py, &MESSAGE_FORMAT, self.inner.format)
    }

    #[getter]
    fn language<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner.language.as_deref().map(|l| PyString::new(py, l))
    }

    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.inner.content)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        methods::repr(
            py,
            "MessageContent",
            &[
                ("format", Some(self.format(py)?)),
                ("content", Some(self.content(py).into_any())),
                ("language", self.language(py).map(Bound::into_any)),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

impl PyMessageContent {
    fn object(py: Python<'_>, m: &MessageContent) -> PyResult<Py<PyMessageContent>> {
        Py::new(py, PyMessageContent { inner: m.clone() })
    }
}

/// A `MessageContent` argument at keyword `key`, as its Rust value.
fn message_arg(obj: &Bound<'_, PyAny>, key: &'static str) -> Res<MessageContent> {
    Ok(instance_arg::<PyMessageContent>(obj, key)?
        .get()
        .inner
        .clone())
}

/// `IdTokenInfoType`: the status of an id token, and what goes with it.
#[pyclass(frozen, module = "ocpp_meter._core", name = "IdTokenInfo")]
pub struct PyIdTokenInfo {
    pub inner: IdTokenInfo,
}

#[pymethods]
impl PyIdTokenInfo {
    #[new]
    #[pyo3(signature = (status, cache_expiry_date_time=None, charging_priority=None, language1=None, evse_id=None, group_id_token=None, language2=None, personal_message=None, custom_data=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        status: &Bound<'_, PyAny>,
        cache_expiry_date_time: Option<&Bound<'_, PyAny>>,
        charging_priority: Option<&Bound<'_, PyAny>>,
        language1: Option<&Bound<'_, PyAny>>,
        evse_id: Option<&Bound<'_, PyAny>>,
        group_id_token: Option<&Bound<'_, PyAny>>,
        language2: Option<&Bound<'_, PyAny>>,
        personal_message: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<IdTokenInfo> {
            Ok(IdTokenInfo {
                custom_data: custom_data_arg(custom_data)?,
                status: enum_arg::<AuthorizationStatus>(status).at("status")?,
                cache_expiry_date_time: opt(cache_expiry_date_time, datetime_arg)
                    .at("cacheExpiryDateTime")?,
                charging_priority: opt(charging_priority, int_arg).at("chargingPriority")?,
                language1: opt(language1, |o| str_arg(o, MAX_LANGUAGE)).at("language1")?,
                // What either dialect allows: 2.0.1 sets no minimum (2.1: 0).
                evse_id: opt(evse_id, |o| ints_arg(o, "evseId"))?,
                group_id_token: opt(group_id_token, |o| {
                    Ok(instance_arg::<PyIdToken>(o, "groupIdToken")?
                        .get()
                        .inner
                        .clone())
                })?,
                language2: opt(language2, |o| str_arg(o, MAX_LANGUAGE)).at("language2")?,
                personal_message: opt(personal_message, |o| message_arg(o, "personalMessage"))?,
            })
        };
        Ok(PyIdTokenInfo {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_to_py(py, &AUTHORIZATION_STATUS, self.inner.status)
    }

    #[getter]
    fn cache_expiry_date_time<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .cache_expiry_date_time
            .as_ref()
            .map(|t| datetime_to_py(py, t))
            .transpose()
    }

    #[getter]
    fn charging_priority(&self) -> Option<i64> {
        self.inner.charging_priority
    }

    #[getter]
    fn language1<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner
            .language1
            .as_deref()
            .map(|l| PyString::new(py, l))
    }

    #[getter]
    fn evse_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.inner
            .evse_id
            .as_ref()
            .map(|ids| PyTuple::new(py, ids))
            .transpose()
    }

    #[getter]
    fn group_id_token(&self, py: Python<'_>) -> PyResult<Option<Py<PyIdToken>>> {
        self.inner
            .group_id_token
            .as_ref()
            .map(|t| Py::new(py, PyIdToken { inner: t.clone() }))
            .transpose()
    }

    #[getter]
    fn language2<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner
            .language2
            .as_deref()
            .map(|l| PyString::new(py, l))
    }

    #[getter]
    fn personal_message(&self, py: Python<'_>) -> PyResult<Option<Py<PyMessageContent>>> {
        self.inner
            .personal_message
            .as_ref()
            .map(|m| PyMessageContent::object(py, m))
            .transpose()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let i = &self.inner;
        methods::repr(
            py,
            "IdTokenInfo",
            &[
                ("status", Some(self.status(py)?)),
                ("cache_expiry_date_time", self.cache_expiry_date_time(py)?),
                ("charging_priority", opt_int(py, i.charging_priority)?),
                ("language1", self.language1(py).map(Bound::into_any)),
                ("evse_id", self.evse_id(py)?.map(Bound::into_any)),
                (
                    "group_id_token",
                    self.group_id_token(py)?
                        .map(|t| t.into_bound(py).into_any()),
                ),
                ("language2", self.language2(py).map(Bound::into_any)),
                (
                    "personal_message",
                    self.personal_message(py)?
                        .map(|m| m.into_bound(py).into_any()),
                ),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
            ],
        )
    }
}

/// The `TransactionEvent` CALLRESULT payload.
#[pyclass(frozen, module = "ocpp_meter._core", name = "TransactionEventResponse")]
pub struct PyTransactionEventResponse {
    pub inner: TransactionEventResponse,
}

#[pymethods]
impl PyTransactionEventResponse {
    #[new]
    #[pyo3(signature = (total_cost=None, charging_priority=None, id_token_info=None, updated_personal_message=None, custom_data=None, transaction_limit=None, updated_personal_message_extra=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        total_cost: Option<&Bound<'_, PyAny>>,
        charging_priority: Option<&Bound<'_, PyAny>>,
        id_token_info: Option<&Bound<'_, PyAny>>,
        updated_personal_message: Option<&Bound<'_, PyAny>>,
        custom_data: Option<&Bound<'_, PyAny>>,
        transaction_limit: Option<&Bound<'_, PyAny>>,
        updated_personal_message_extra: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let build = || -> Res<TransactionEventResponse> {
            Ok(TransactionEventResponse {
                custom_data: custom_data_arg(custom_data)?,
                total_cost: opt(total_cost, number_arg).at("totalCost")?,
                charging_priority: opt(charging_priority, int_arg).at("chargingPriority")?,
                id_token_info: opt(id_token_info, |o| {
                    Ok(instance_arg::<PyIdTokenInfo>(o, "idTokenInfo")?
                        .get()
                        .inner
                        .clone())
                })?,
                updated_personal_message: opt(updated_personal_message, |o| {
                    message_arg(o, "updatedPersonalMessage")
                })?,
                transaction_limit: opt(transaction_limit, |o| {
                    Ok(instance_arg::<PyTransactionLimit>(o, "transactionLimit")?
                        .get()
                        .inner
                        .clone())
                })?,
                updated_personal_message_extra: opt(updated_personal_message_extra, |o| {
                    models_within_arg(
                        o,
                        "updatedPersonalMessageExtra",
                        MAX_EXTRA_MESSAGES,
                        |m: &PyMessageContent| m.inner.clone(),
                    )
                })?,
            })
        };
        Ok(PyTransactionEventResponse {
            inner: methods::raise(py, build())?,
        })
    }

    #[getter]
    fn total_cost(&self) -> Option<f64> {
        self.inner.total_cost
    }

    #[getter]
    fn charging_priority(&self) -> Option<i64> {
        self.inner.charging_priority
    }

    #[getter]
    fn id_token_info(&self, py: Python<'_>) -> PyResult<Option<Py<PyIdTokenInfo>>> {
        self.inner
            .id_token_info
            .as_ref()
            .map(|i| Py::new(py, PyIdTokenInfo { inner: i.clone() }))
            .transpose()
    }

    #[getter]
    fn updated_personal_message(&self, py: Python<'_>) -> PyResult<Option<Py<PyMessageContent>>> {
        self.inner
            .updated_personal_message
            .as_ref()
            .map(|m| PyMessageContent::object(py, m))
            .transpose()
    }

    #[getter]
    fn transaction_limit(&self, py: Python<'_>) -> PyResult<Option<Py<PyTransactionLimit>>> {
        self.inner
            .transaction_limit
            .clone()
            .map(|inner| Py::new(py, PyTransactionLimit { inner }))
            .transpose()
    }

    #[getter]
    fn updated_personal_message_extra<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(extra) = &self.inner.updated_personal_message_extra else {
            return Ok(None);
        };
        let items = extra
            .iter()
            .map(|m| PyMessageContent::object(py, m))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Some(PyTuple::new(py, items)?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let i = &self.inner;
        let bound = |o: Option<Py<PyMessageContent>>| o.map(|m| m.into_bound(py).into_any());
        methods::repr(
            py,
            "TransactionEventResponse",
            &[
                ("total_cost", opt_float(py, i.total_cost)),
                ("charging_priority", opt_int(py, i.charging_priority)?),
                (
                    "id_token_info",
                    self.id_token_info(py)?.map(|t| t.into_bound(py).into_any()),
                ),
                (
                    "updated_personal_message",
                    bound(self.updated_personal_message(py)?),
                ),
                ("custom_data", self.custom_data(py)?.map(Bound::into_any)),
                (
                    "transaction_limit",
                    self.transaction_limit(py)?
                        .map(|l| l.into_bound(py).into_any()),
                ),
                (
                    "updated_personal_message_extra",
                    self.updated_personal_message_extra(py)?
                        .map(Bound::into_any),
                ),
            ],
        )
    }
}

dialect_class!(PyMessageContent, MessageContent);

dialect_class!(PyIdTokenInfo, IdTokenInfo);

dialect_class!(PyTransactionEventResponse, TransactionEventResponse);
