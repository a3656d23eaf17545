//! Python classes of OCPP 2.1's `costDetails` ([`crate::ocpp::cost::CostDetails`] and its parts):
//! immutable, `==`, readable `repr`, pickling, and keyword construction that validates like
//! decoding. The class of `CostDimensionType` is `CostDimensionVolume`, because the Python
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

py_class! {
    /// `CostDimensionType` (OCPP 2.1): the volume of one dimension consumed in a period.
    PyCostDimensionVolume("CostDimensionVolume"): CostDimension, cost;
    (
        r#type in type_: "type" => Enum,
        volume: "volume" => Number,
        custom_data = None: "customData" => Custom,
    )
    build { type_: r#type, volume, custom_data }
}

py_class! {
    /// `ChargingPeriodType` (OCPP 2.1).
    PyChargingPeriod("ChargingPeriod"): ChargingPeriod, cost;
    (
        start_period: "startPeriod" => Date,
        dimensions = None: "dimensions" => LIST,
        tariff_id = None: "tariffId" => Str(MAX_TARIFF_ID),
        custom_data = None: "customData" => Custom,
    )
    build { dimensions, tariff_id, start_period, custom_data }
}

py_class! {
    /// `TaxRateType` (OCPP 2.1).
    PyTaxRate("TaxRate"): TaxRate, cost;
    (
        r#type in type_: "type" => Str(MAX_TAX_TYPE),
        tax: "tax" => Number,
        // `minimum: 0` and no maximum.
        stack = None: "stack" => IntWithin(0, i64::MAX),
        custom_data = None: "customData" => Custom,
    )
    build { type_: r#type, tax, stack, custom_data }
}

py_class! {
    /// `PriceType` (OCPP 2.1).
    PyPrice("Price"): Price, cost;
    (
        excl_tax = None: "exclTax" => Number,
        incl_tax = None: "inclTax" => Number,
        tax_rates = None: "taxRates" => List(MAX_TAX_RATES),
        custom_data = None: "customData" => Custom,
    )
    build { excl_tax, incl_tax, tax_rates, custom_data }
}

py_class! {
    /// `TotalPriceType` (OCPP 2.1).
    PyTotalPrice("TotalPrice"): TotalPrice, cost;
    (
        excl_tax = None: "exclTax" => Number,
        incl_tax = None: "inclTax" => Number,
        custom_data = None: "customData" => Custom,
    )
    build { excl_tax, incl_tax, custom_data }
}

py_class! {
    /// `TotalCostType` (OCPP 2.1).
    PyTotalCost("TotalCost"): TotalCost, cost;
    (
        currency: "currency" => Str(MAX_CURRENCY),
        type_of_cost: "typeOfCost" => Enum,
        total: "total" => One,
        fixed = None: "fixed" => One,
        energy = None: "energy" => One,
        charging_time = None: "chargingTime" => One,
        idle_time = None: "idleTime" => One,
        reservation_time = None: "reservationTime" => One,
        reservation_fixed = None: "reservationFixed" => One,
        custom_data = None: "customData" => Custom,
    )
    build {
        currency,
        type_of_cost,
        fixed,
        energy,
        charging_time,
        idle_time,
        reservation_time,
        reservation_fixed,
        total,
        custom_data,
    }
}

py_class! {
    /// `TotalUsageType` (OCPP 2.1).
    PyTotalUsage("TotalUsage"): TotalUsage, cost;
    (
        energy: "energy" => Number,
        charging_time: "chargingTime" => Int,
        idle_time: "idleTime" => Int,
        reservation_time = None: "reservationTime" => Int,
        custom_data = None: "customData" => Custom,
    )
    build { energy, charging_time, idle_time, reservation_time, custom_data }
}

py_class! {
    /// `CostDetailsType` (OCPP 2.1): the cost of a transaction as the station calculated it.
    PyCostDetails("CostDetails"): CostDetails, cost;
    (
        total_cost: "totalCost" => One,
        total_usage: "totalUsage" => One,
        charging_periods = None: "chargingPeriods" => LIST,
        failure_to_calculate = None: "failureToCalculate" => Bool,
        failure_reason = None: "failureReason" => Str(MAX_FAILURE_REASON),
        custom_data = None: "customData" => Custom,
    )
    build {
        charging_periods,
        total_cost,
        total_usage,
        failure_to_calculate,
        failure_reason,
        custom_data,
    }
}
