//! The `TransactionLimit` class ([`crate::ocpp::cost::TransactionLimit`]); the classes of `costDetails`
//! live in `cost_details`.

use crate::ocpp::cost::{TransactionLimit, MAX_SOC};

use super::class::*;

py_class! {
    /// `TransactionLimitType` (OCPP 2.1).
    PyTransactionLimit("TransactionLimit"): TransactionLimit, cost;
    (
        max_cost = None: "maxCost" => Number,
        max_energy = None: "maxEnergy" => Number,
        max_time = None: "maxTime" => Int,
        max_soc = None: "maxSoC" => IntWithin(0, MAX_SOC),
        custom_data = None: "customData" => Custom,
    )
    build { max_cost, max_energy, max_time, max_soc, custom_data }
}
