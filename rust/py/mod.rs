//! The Python binding: the only code that uses pyo3. `input` is the one gate for buffers,
//! `errors` turns faults into `OcppError`, `args` checks Python arguments, `to_python` and
//! `lookups` give Python values, `limits` the process-wide bounds. `class` declares a class over
//! a model type once (`py_class!`: constructor, getters, `==`, `repr`, pickling; for a type
//! declared with `ocpp_type!`, `declared_class!` takes its field list from the declaration)
//! and `methods` holds what every class shares; the classes live in `sampled`, `meter`, `transaction`,
//! `transaction_response`, `cost`, `cost_details`, `v16` (OCPP 1.6J's) and `frames`. The
//! classes on the hot paths (`sampled`, `meter`, `meter16` (OCPP 1.6J's MeterValues),
//! `TransactionEventRequest`, `Transaction`, `IdToken`) stay written by hand: their getters read shared nodes or prebuilt member slots,
//! or answer one dialect's enum or the other's string. `schema_calls` carries the actions checked by their schema alone, as
//! plain dicts; `error_code16` gives Python the core's rule for 1.6J error codes.

use pyo3::prelude::*;

mod answer;
mod args;
mod batch;
mod class;
mod cost;
mod cost_details;
mod deviations;
mod error_code16;
mod errors;
mod frames;
mod input;
mod limits;
mod lookups;
mod meter;
mod meter16;
mod methods;
mod sampled;
mod schema_calls;
mod shared;
mod to_python;
mod transaction;
mod transaction_response;
mod v16;

// Not declared free-threading safe: bytearray and memoryview inputs are read in place, which
// is sound only while the GIL keeps other threads from resizing or writing to them.
#[pymodule(gil_used = true)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<sampled::PyUnitOfMeasure>()?;
    m.add_class::<sampled::PySignedMeterValue>()?;
    m.add_class::<sampled::PySampledValue>()?;
    m.add_class::<meter::PyMeterValue>()?;
    m.add_class::<meter::PyMeterValuesRequest>()?;
    m.add_class::<meter::PyMeterValuesResponse>()?;
    m.add_class::<transaction::PyAdditionalInfo>()?;
    m.add_class::<transaction::PyIdToken>()?;
    m.add_class::<transaction::PyEvse>()?;
    m.add_class::<transaction::PyTransaction>()?;
    m.add_class::<cost::PyTransactionLimit>()?;
    m.add_class::<cost_details::PyCostDimensionVolume>()?;
    m.add_class::<cost_details::PyChargingPeriod>()?;
    m.add_class::<cost_details::PyTaxRate>()?;
    m.add_class::<cost_details::PyPrice>()?;
    m.add_class::<cost_details::PyTotalPrice>()?;
    m.add_class::<cost_details::PyTotalCost>()?;
    m.add_class::<cost_details::PyTotalUsage>()?;
    m.add_class::<cost_details::PyCostDetails>()?;
    m.add_class::<transaction::PyTransactionEventRequest>()?;
    m.add_class::<transaction_response::PyMessageContent>()?;
    m.add_class::<transaction_response::PyIdTokenInfo>()?;
    m.add_class::<transaction_response::PyTransactionEventResponse>()?;
    m.add_class::<meter16::PySampledValue16>()?;
    m.add_class::<meter16::PyMeterValue16>()?;
    m.add_class::<meter16::PyMeterValuesRequest16>()?;
    m.add_class::<v16::PyStartTransactionRequest>()?;
    m.add_class::<v16::PyIdTagInfo>()?;
    m.add_class::<v16::PyStartTransactionResponse>()?;
    m.add_class::<v16::PyStopTransactionRequest>()?;
    m.add_class::<v16::PyStopTransactionResponse>()?;
    m.add_class::<frames::PyCall>()?;
    m.add_class::<frames::PyCallResult>()?;
    m.add_class::<frames::PyCallError>()?;
    m.add_class::<deviations::PyDecodeWarning>()?;
    m.add_class::<batch::PyBatchResult>()?;
    m.add_class::<batch::PyBatchRecords>()?;
    m.add_class::<batch::PySqlParameters>()?;
    m.add_function(wrap_pyfunction!(batch::decode_batch, m)?)?;
    limits::register(m)?;
    m.add_function(wrap_pyfunction!(answer::answer_call, m)?)?;
    m.add_function(wrap_pyfunction!(frames::decode_call, m)?)?;
    m.add_function(wrap_pyfunction!(frames::decode_message, m)?)?;
    m.add_function(wrap_pyfunction!(frames::encode_call, m)?)?;
    m.add_function(wrap_pyfunction!(frames::encode_call_result, m)?)?;
    m.add_function(wrap_pyfunction!(frames::encode_call_error, m)?)?;
    m.add_function(wrap_pyfunction!(error_code16::error_code_16, m)?)?;
    m.add_function(wrap_pyfunction!(schema_calls::decode_schema_call, m)?)?;
    m.add_function(wrap_pyfunction!(schema_calls::validate_payload, m)?)?;
    m.add_function(wrap_pyfunction!(
        schema_calls::encode_schema_call_result,
        m
    )?)?;
    Ok(())
}
