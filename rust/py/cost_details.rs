//! Python classes of OCPP 2.1's `costDetails` ([`crate::ocpp::cost::CostDetails`] and its parts):
//! immutable, `==`, readable `repr`, pickling, and keyword construction that validates like
//! decoding, each from its type's declaration. The class of `CostDimensionType` is `CostDimensionVolume`, because the Python
//! enumeration `CostDimensionEnumType` already owns the name `CostDimension`.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::dialect::Dialect;
use crate::fault::error::Res;
use crate::json::value::write_value;
use crate::ocpp::cost::*;
use crate::ocpp::decode::from_slice_in;

use super::args::{not_instance, py_to_json};
use super::class::*;

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

declared_class! {
    /// `CostDimensionType` (OCPP 2.1): the volume of one dimension consumed in a period.
    PyCostDimensionVolume("CostDimensionVolume") = cost_dimension, cost;
    /// `ChargingPeriodType` (OCPP 2.1).
    PyChargingPeriod("ChargingPeriod") = charging_period, cost;
    /// `TaxRateType` (OCPP 2.1).
    PyTaxRate("TaxRate") = tax_rate, cost;
    /// `PriceType` (OCPP 2.1).
    PyPrice("Price") = price, cost;
    /// `TotalPriceType` (OCPP 2.1).
    PyTotalPrice("TotalPrice") = total_price, cost;
    /// `TotalCostType` (OCPP 2.1).
    PyTotalCost("TotalCost") = total_cost, cost;
    /// `TotalUsageType` (OCPP 2.1).
    PyTotalUsage("TotalUsage") = total_usage, cost;
    /// `CostDetailsType` (OCPP 2.1): the cost of a transaction as the station calculated it.
    PyCostDetails("CostDetails") = cost_details, cost;
}
