//! Python classes of the OCPP 1.6J meter messages: `MeterValuesRequest16`, `MeterValue16`,
//! `SampledValue16`, `StartTransactionRequest`, `StartTransactionResponse`,
//! `StopTransactionRequest`, `StopTransactionResponse`, `IdTagInfo`. 1.6's shapes are not
//! 2.0.1's (a sampled value's `value` is decimal text with the unit beside it, no
//! `unitOfMeasure`, `signedMeterValue` or `evseId`), so they are classes of their own, named
//! with `16` where 2.0.1 has a class of the same name. Each is one [`py_class!`] declaration
//! (flavor `v16`: `from_json` reads the 1.6 schema only, and faults carry the 1.6J codes); the
//! responses and `IdTagInfo` are one [`declared_class!`] each, from their type's declaration.

use pyo3::prelude::*;

use crate::fault::error::{Fault, FaultKind, Res, Seg};
use crate::ocpp::v16::decode::decimal;
use crate::ocpp::v16::model::*;
use crate::ocpp::v16::responses::*;

use super::class::{declared_class, py_class, Date, Enum, Int, IntWithin, One, Str, LIST};

py_class! {
    /// `SampledValue` of OCPP 1.6: `value` is the decimal text exactly as sent (or the signed
    /// data when `format` is `SignedData`), `number` the reading as a float.
    PySampledValue16("SampledValue16"): SampledValue, v16;
    (
        value: "value" => Str(usize::MAX),
        context = None: "context" => Enum,
        format = None: "format" => Enum,
        measurand = None: "measurand" => Enum,
        phase = None: "phase" => Enum,
        location = None: "location" => Enum,
        unit = None: "unit" => Enum,
    )
    build { value, number = None, context, format, measurand, phase, location, unit }
    then with_number
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
    /// `value` read as a number; `None` for signed data.
    #[getter]
    fn number(&self) -> Option<f64> {
        self.inner.number
    }
}

py_class! {
    /// `MeterValue` of OCPP 1.6.
    PyMeterValue16("MeterValue16"): MeterValue, v16;
    (
        timestamp: "timestamp" => Date,
        sampled_value: "sampledValue" => LIST,
    )
    build { timestamp, sampled_value }
}

py_class! {
    /// The `MeterValues` request of OCPP 1.6.
    PyMeterValuesRequest16("MeterValuesRequest16"): MeterValuesRequest, v16;
    (
        connector_id: "connectorId" => IntWithin(0, i64::MAX),
        meter_value: "meterValue" => LIST,
        transaction_id = None: "transactionId" => Int,
    )
    build { connector_id, transaction_id, meter_value }
}

py_class! {
    /// The `StartTransaction` request: `meter_start` is the energy register in Wh.
    PyStartTransactionRequest("StartTransactionRequest"): StartTransactionRequest, v16;
    (
        connector_id: "connectorId" => IntWithin(1, i64::MAX),
        id_tag: "idTag" => Str(MAX_ID_TAG),
        meter_start: "meterStart" => Int,
        timestamp: "timestamp" => Date,
        reservation_id = None: "reservationId" => Int,
    )
    build { connector_id, id_tag, meter_start, reservation_id, timestamp }
}

declared_class! {
    /// `IdTagInfo`: whether an `idTag` is authorized.
    PyIdTagInfo("IdTagInfo") = id_tag_info, v16;
}

declared_class! {
    /// The `StartTransaction` response: the transaction id the Central System assigns.
    PyStartTransactionResponse("StartTransactionResponse") = start_transaction_response, v16;
}

py_class! {
    /// The `StopTransaction` request: `meter_stop` is the energy register in Wh.
    PyStopTransactionRequest("StopTransactionRequest"): StopTransactionRequest, v16;
    (
        meter_stop: "meterStop" => Int,
        timestamp: "timestamp" => Date,
        transaction_id: "transactionId" => Int,
        id_tag = None: "idTag" => Str(MAX_ID_TAG),
        reason = None: "reason" => Enum,
        transaction_data = None: "transactionData" => LIST,
    )
    build { id_tag, meter_stop, timestamp, transaction_id, reason, transaction_data }
    then without_hertz
}

/// StopTransaction's schema lists every unit but `Hertz` in `transactionData`.
fn without_hertz(s: StopTransactionRequest) -> Res<StopTransactionRequest> {
    for (i, mv) in s.transaction_data.iter().flatten().enumerate() {
        for (j, sv) in mv.sampled_value.iter().enumerate() {
            if let Some(u) = sv.unit.filter(|u| !u.in_transaction_data()) {
                let kind = FaultKind::UnknownEnumValue {
                    enum_name: Unit::SCHEMA_NAME,
                    value: u.as_str().into(),
                };
                return Err(Fault::new(kind, 0)
                    .within(Seg::Key("unit"))
                    .within(Seg::Index(j))
                    .within(Seg::Key("sampledValue"))
                    .within(Seg::Index(i))
                    .within(Seg::Key("transactionData")));
            }
        }
    }
    Ok(s)
}

declared_class! {
    /// The `StopTransaction` response.
    PyStopTransactionResponse("StopTransactionResponse") = stop_transaction_response, v16;
}

/// `warnings` and `unknown_properties` of a 1.6 request, as the 2.x requests have them, so
/// that code reading any decoded CALL's payload reads these too: 1.6 is read strictly, so
/// they are always empty.
macro_rules! strict_request {
    ($($class:ident),*) => {$(
        #[pymethods]
        impl $class {
            /// Always empty: OCPP 1.6J is read strictly.
            #[getter]
            fn warnings<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyTuple> {
                pyo3::types::PyTuple::empty(py)
            }

            /// Always a fresh, empty dict: OCPP 1.6J is read strictly.
            #[getter]
            fn unknown_properties<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyDict> {
                pyo3::types::PyDict::new(py)
            }
        }
    )*};
}
strict_request!(
    PyMeterValuesRequest16,
    PyStartTransactionRequest,
    PyStopTransactionRequest
);
