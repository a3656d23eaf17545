//! The cost types OCPP 2.1 adds to a transaction: the `costDetails` a charging station reports
//! in a TransactionEvent (charging periods, total cost, total usage) and the `transactionLimit`
//! that the request's `transactionInfo` and the response both carry. None of them exists in
//! OCPP 2.0.1, so each is read only under [`crate::dialect::Dialect::V21`]; their JSON follows
//! the 2.1 schema's property order, `customData` last.

use crate::json::datetime::DateTime;
use crate::ocpp::declare::{
    ocpp_type, Bool, Custom, Date, Enum, Int, IntWithin, List, Number, One, Str, LIST,
};
use crate::ocpp::model::{wire_enum, CustomData};

/// `maxLength` of `tariffId` (in a charging period and in `transactionInfo`).
pub const MAX_TARIFF_ID: usize = 60;
/// `maxLength` of `totalCost.currency` (an ISO 4217 code).
pub const MAX_CURRENCY: usize = 3;
/// `maxLength` of a tax rate's `type`.
pub const MAX_TAX_TYPE: usize = 20;
/// `maxLength` of `costDetails.failureReason`.
pub const MAX_FAILURE_REASON: usize = 500;
/// `maxItems` of a price's `taxRates`.
pub const MAX_TAX_RATES: usize = 5;
/// `maximum` of `transactionLimit.maxSoC` (a percentage, `minimum` 0).
pub const MAX_SOC: i64 = 100;

wire_enum!(
    /// `CostDimensionEnumType` (OCPP 2.1). `IdleTIme` is spelled as the schema spells it.
    CostDimensionKind, "CostDimensionEnumType", {
    Energy = "Energy",
    MaxCurrent = "MaxCurrent",
    MinCurrent = "MinCurrent",
    MaxPower = "MaxPower",
    MinPower = "MinPower",
    IdleTime = "IdleTIme",
    ChargingTime = "ChargingTime",
});

wire_enum!(
    /// `TariffCostEnumType` (OCPP 2.1).
    TariffCost, "TariffCostEnumType", {
    NormalCost = "NormalCost",
    MinCost = "MinCost",
    MaxCost = "MaxCost",
});

ocpp_type! {
    /// `TransactionLimitType` (OCPP 2.1): a cost, energy, time or SoC limit of a transaction.
    #[derive(Clone, Debug, PartialEq, Default)]
    pub struct TransactionLimit as transaction_limit {
        max_cost: Option<f64> = "maxCost" => Number,
        max_energy: Option<f64> = "maxEnergy" => Number,
        max_time: Option<i64> = "maxTime" => Int,
        /// 0 to 100.
        max_soc: Option<i64> = "maxSoC" => IntWithin(0, MAX_SOC),
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `CostDimensionType` (OCPP 2.1): the volume of one dimension consumed in a period.
    #[derive(Clone, Debug, PartialEq)]
    pub struct CostDimension as cost_dimension {
        r#type: CostDimensionKind = "type" => Enum,
        volume: f64 = "volume" => Number,
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `ChargingPeriodType` (OCPP 2.1).
    #[derive(Clone, Debug, PartialEq)]
    pub struct ChargingPeriod as charging_period {
        /// At least one when present.
        dimensions: Option<Vec<CostDimension>> = "dimensions" => LIST,
        tariff_id: Option<String> = "tariffId" => Str(MAX_TARIFF_ID),
        start_period: DateTime = "startPeriod" => Date,
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `TaxRateType` (OCPP 2.1).
    #[derive(Clone, Debug, PartialEq)]
    pub struct TaxRate as tax_rate {
        r#type: String = "type" => Str(MAX_TAX_TYPE),
        tax: f64 = "tax" => Number,
        /// `>= 0`.
        stack: Option<i64> = "stack" => IntWithin(0, i64::MAX),
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `PriceType` (OCPP 2.1).
    #[derive(Clone, Debug, PartialEq, Default)]
    pub struct Price as price {
        excl_tax: Option<f64> = "exclTax" => Number,
        incl_tax: Option<f64> = "inclTax" => Number,
        /// One to five when present.
        tax_rates: Option<Vec<TaxRate>> = "taxRates" => List(MAX_TAX_RATES),
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `TotalPriceType` (OCPP 2.1).
    #[derive(Clone, Debug, PartialEq, Default)]
    pub struct TotalPrice as total_price {
        excl_tax: Option<f64> = "exclTax" => Number,
        incl_tax: Option<f64> = "inclTax" => Number,
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `TotalCostType` (OCPP 2.1).
    #[derive(Clone, Debug, PartialEq)]
    pub struct TotalCost as total_cost {
        currency: String = "currency" => Str(MAX_CURRENCY),
        type_of_cost: TariffCost = "typeOfCost" => Enum,
        fixed: Option<Price> = "fixed" => One,
        energy: Option<Price> = "energy" => One,
        charging_time: Option<Price> = "chargingTime" => One,
        idle_time: Option<Price> = "idleTime" => One,
        reservation_time: Option<Price> = "reservationTime" => One,
        reservation_fixed: Option<Price> = "reservationFixed" => One,
        total: TotalPrice = "total" => One,
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `TotalUsageType` (OCPP 2.1).
    #[derive(Clone, Debug, PartialEq)]
    pub struct TotalUsage as total_usage {
        energy: f64 = "energy" => Number,
        charging_time: i64 = "chargingTime" => Int,
        idle_time: i64 = "idleTime" => Int,
        reservation_time: Option<i64> = "reservationTime" => Int,
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}

ocpp_type! {
    /// `CostDetailsType` (OCPP 2.1): the cost of a transaction as the station calculated it.
    #[derive(Clone, Debug, PartialEq)]
    pub struct CostDetails as cost_details {
        /// At least one when present.
        charging_periods: Option<Vec<ChargingPeriod>> = "chargingPeriods" => LIST,
        total_cost: TotalCost = "totalCost" => One,
        total_usage: TotalUsage = "totalUsage" => One,
        failure_to_calculate: Option<bool> = "failureToCalculate" => Bool,
        failure_reason: Option<String> = "failureReason" => Str(MAX_FAILURE_REASON),
        custom_data: Option<Box<CustomData>> = "customData" => Custom,
    }
}
