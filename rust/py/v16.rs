//! Python classes of the OCPP 1.6J transaction messages: `StartTransactionRequest`,
//! `StartTransactionResponse`, `StopTransactionRequest`, `StopTransactionResponse`,
//! `IdTagInfo` (MeterValues' classes, on the read path, are written by hand in `meter16.rs`).
//! 1.6's shapes are not 2.0.1's (a sampled value's `value` is decimal text with the unit beside
//! it, no `unitOfMeasure`, `signedMeterValue` or `evseId`), so they are classes of their own,
//! named with `16` where 2.0.1 has a class of the same name. Each is one [`py_class!`]
//! declaration (flavor `v16`: `from_json` reads the 1.6 schema only, and faults carry the 1.6J
//! codes); the responses and `IdTagInfo` are one [`declared_class!`] each, from their type's
//! declaration.

use pyo3::prelude::*;

use crate::fault::error::{Fault, FaultKind, Res, Seg};
use crate::ocpp::profile::Deviations;
use crate::ocpp::v16::model::*;
use crate::ocpp::v16::responses::*;

use super::class::{declared_class, py_class, Date, Enum, Int, IntWithin, One, Str, LIST};
use super::methods::ValueClass;

py_class! {
    /// The `StartTransaction` request: `meter_start` is the energy register in Wh.
    PyStartTransactionRequest("StartTransactionRequest"): StartTransactionRequest, v16 + deviations: Kept;
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
    PyStopTransactionRequest("StopTransactionRequest"): StopTransactionRequest, v16 + deviations: Kept;
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

/// What a lenient reading of a 1.6 request accepted (`None`: nothing, as always strictly).
type Kept = Option<Box<Deviations>>;

/// `warnings` and `unknown_properties` of a 1.6 transaction request, as the 2.x requests (and
/// `MeterValuesRequest16`) have them: what `profile="lenient"` or `"off"` accepted when the
/// request was decoded.
macro_rules! lenient_request {
    ($($class:ident),*) => {$(
        impl $class {
            /// The request as decoded, with what its profile accepted.
            pub fn decoded(inner: <$class as ValueClass>::Model, d: Deviations) -> Self {
                $class {
                    inner,
                    deviations: super::deviations::kept(d),
                }
            }
        }

        #[pymethods]
        impl $class {
            /// The deviations a lenient decoding accepted (empty under the strict profile).
            #[getter]
            fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
                super::deviations::warnings_to_py(py, &self.deviations)
            }

            /// Properties the schema does not define that a lenient decoding kept, JSON
            /// Pointer to value (a fresh dict).
            #[getter]
            fn unknown_properties<'py>(
                &self,
                py: Python<'py>,
            ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
                super::deviations::unknown_to_py(py, &self.deviations)
            }
        }
    )*};
}
lenient_request!(PyStartTransactionRequest, PyStopTransactionRequest);
