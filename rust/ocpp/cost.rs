//! The cost types OCPP 2.1 adds to a transaction: the `costDetails` a charging station reports
//! in a TransactionEvent (charging periods, total cost, total usage) and the `transactionLimit`
//! that the request's `transactionInfo` and the response both carry. None of them exists in
//! OCPP 2.0.1, so each is read only under [`crate::dialect::Dialect::V21`]; their JSON follows
//! the 2.1 schema's property order, `customData` last.

use crate::fault::error::Res;
use crate::json::datetime::DateTime;
use crate::json::reader::Reader;
use crate::ocpp::decode::{
    boolean, bounded_array, custom_data, date_time, enumerated, fields, integer, integer_within,
    missing, non_empty_array, number, object, string_max, Decode,
};
use crate::ocpp::encode::{Encode, Obj};
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

/// `TransactionLimitType` (OCPP 2.1): a cost, energy, time or SoC limit of a transaction.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TransactionLimit {
    pub max_cost: Option<f64>,
    pub max_energy: Option<f64>,
    pub max_time: Option<i64>,
    /// 0 to 100.
    pub max_soc: Option<i64>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `CostDimensionType` (OCPP 2.1): the volume of one dimension consumed in a period.
#[derive(Clone, Debug, PartialEq)]
pub struct CostDimension {
    pub type_: CostDimensionKind,
    pub volume: f64,
    pub custom_data: Option<Box<CustomData>>,
}

/// `ChargingPeriodType` (OCPP 2.1).
#[derive(Clone, Debug, PartialEq)]
pub struct ChargingPeriod {
    /// At least one when present.
    pub dimensions: Option<Vec<CostDimension>>,
    pub tariff_id: Option<String>,
    pub start_period: DateTime,
    pub custom_data: Option<Box<CustomData>>,
}

/// `TaxRateType` (OCPP 2.1).
#[derive(Clone, Debug, PartialEq)]
pub struct TaxRate {
    pub type_: String,
    pub tax: f64,
    /// `>= 0`.
    pub stack: Option<i64>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `PriceType` (OCPP 2.1).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Price {
    pub excl_tax: Option<f64>,
    pub incl_tax: Option<f64>,
    /// One to five when present.
    pub tax_rates: Option<Vec<TaxRate>>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `TotalPriceType` (OCPP 2.1).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TotalPrice {
    pub excl_tax: Option<f64>,
    pub incl_tax: Option<f64>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `TotalCostType` (OCPP 2.1).
#[derive(Clone, Debug, PartialEq)]
pub struct TotalCost {
    pub currency: String,
    pub type_of_cost: TariffCost,
    pub fixed: Option<Price>,
    pub energy: Option<Price>,
    pub charging_time: Option<Price>,
    pub idle_time: Option<Price>,
    pub reservation_time: Option<Price>,
    pub reservation_fixed: Option<Price>,
    pub total: TotalPrice,
    pub custom_data: Option<Box<CustomData>>,
}

/// `TotalUsageType` (OCPP 2.1).
#[derive(Clone, Debug, PartialEq)]
pub struct TotalUsage {
    pub energy: f64,
    pub charging_time: i64,
    pub idle_time: i64,
    pub reservation_time: Option<i64>,
    pub custom_data: Option<Box<CustomData>>,
}

/// `CostDetailsType` (OCPP 2.1): the cost of a transaction as the station calculated it.
#[derive(Clone, Debug, PartialEq)]
pub struct CostDetails {
    /// At least one when present.
    pub charging_periods: Option<Vec<ChargingPeriod>>,
    pub total_cost: TotalCost,
    pub total_usage: TotalUsage,
    pub failure_to_calculate: Option<bool>,
    pub failure_reason: Option<String>,
    pub custom_data: Option<Box<CustomData>>,
}

const TRANSACTION_LIMIT_KEYS: &[&str] =
    &["maxCost", "maxEnergy", "maxTime", "maxSoC", "customData"];

impl Decode for TransactionLimit {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut cost, mut energy, mut time, mut soc, mut custom) = (None, None, None, None, None);
        fields!(r, TRANSACTION_LIMIT_KEYS, {
            0 => cost = number(r),
            1 => energy = number(r),
            2 => time = integer(r),
            3 => soc = integer_within(r, 0, Some(MAX_SOC)),
            4 => custom = custom_data(r),
        });
        Ok(TransactionLimit {
            max_cost: cost,
            max_energy: energy,
            max_time: time,
            max_soc: soc,
            custom_data: custom,
        })
    }
}

const COST_DIMENSION_KEYS: &[&str] = &["type", "volume", "customData"];

impl Decode for CostDimension {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut kind, mut volume, mut custom) = (None, None, None);
        fields!(r, COST_DIMENSION_KEYS, {
            0 => kind = enumerated::<CostDimensionKind>(r),
            1 => volume = number(r),
            2 => custom = custom_data(r),
        });
        Ok(CostDimension {
            type_: kind.ok_or_else(|| missing(r, "type"))?,
            volume: volume.ok_or_else(|| missing(r, "volume"))?,
            custom_data: custom,
        })
    }
}

const CHARGING_PERIOD_KEYS: &[&str] = &["dimensions", "tariffId", "startPeriod", "customData"];

impl Decode for ChargingPeriod {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut dimensions, mut tariff, mut start, mut custom) = (None, None, None, None);
        fields!(r, CHARGING_PERIOD_KEYS, {
            0 => dimensions = non_empty_array::<CostDimension>(r, 4),
            1 => tariff = string_max(r, MAX_TARIFF_ID),
            2 => start = date_time(r),
            3 => custom = custom_data(r),
        });
        Ok(ChargingPeriod {
            start_period: start.ok_or_else(|| missing(r, "startPeriod"))?,
            dimensions,
            tariff_id: tariff.map(|t| t.into_owned()),
            custom_data: custom,
        })
    }
}

const TAX_RATE_KEYS: &[&str] = &["type", "tax", "stack", "customData"];

impl Decode for TaxRate {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut kind, mut tax, mut stack, mut custom) = (None, None, None, None);
        fields!(r, TAX_RATE_KEYS, {
            0 => kind = string_max(r, MAX_TAX_TYPE),
            1 => tax = number(r),
            2 => stack = integer_within(r, 0, None),
            3 => custom = custom_data(r),
        });
        Ok(TaxRate {
            type_: kind.ok_or_else(|| missing(r, "type"))?.into_owned(),
            tax: tax.ok_or_else(|| missing(r, "tax"))?,
            stack,
            custom_data: custom,
        })
    }
}

const PRICE_KEYS: &[&str] = &["exclTax", "inclTax", "taxRates", "customData"];

impl Decode for Price {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut excl, mut incl, mut rates, mut custom) = (None, None, None, None);
        fields!(r, PRICE_KEYS, {
            0 => excl = number(r),
            1 => incl = number(r),
            2 => rates = bounded_array::<TaxRate>(r, MAX_TAX_RATES),
            3 => custom = custom_data(r),
        });
        Ok(Price {
            excl_tax: excl,
            incl_tax: incl,
            tax_rates: rates,
            custom_data: custom,
        })
    }
}

const TOTAL_PRICE_KEYS: &[&str] = &["exclTax", "inclTax", "customData"];

impl Decode for TotalPrice {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut excl, mut incl, mut custom) = (None, None, None);
        fields!(r, TOTAL_PRICE_KEYS, {
            0 => excl = number(r),
            1 => incl = number(r),
            2 => custom = custom_data(r),
        });
        Ok(TotalPrice {
            excl_tax: excl,
            incl_tax: incl,
            custom_data: custom,
        })
    }
}

const TOTAL_COST_KEYS: &[&str] = &[
    "currency",
    "typeOfCost",
    "fixed",
    "energy",
    "chargingTime",
    "idleTime",
    "reservationTime",
    "reservationFixed",
    "total",
    "customData",
];

impl Decode for TotalCost {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut currency, mut kind, mut total, mut custom) = (None, None, None, None);
        let (mut fixed, mut energy, mut charging, mut idle) = (None, None, None, None);
        let (mut reservation_time, mut reservation_fixed) = (None, None);
        fields!(r, TOTAL_COST_KEYS, {
            0 => currency = string_max(r, MAX_CURRENCY),
            1 => kind = enumerated::<TariffCost>(r),
            2 => fixed = object::<Price>(r),
            3 => energy = object::<Price>(r),
            4 => charging = object::<Price>(r),
            5 => idle = object::<Price>(r),
            6 => reservation_time = object::<Price>(r),
            7 => reservation_fixed = object::<Price>(r),
            8 => total = object::<TotalPrice>(r),
            9 => custom = custom_data(r),
        });
        Ok(TotalCost {
            currency: currency.ok_or_else(|| missing(r, "currency"))?.into_owned(),
            type_of_cost: kind.ok_or_else(|| missing(r, "typeOfCost"))?,
            total: total.ok_or_else(|| missing(r, "total"))?,
            fixed,
            energy,
            charging_time: charging,
            idle_time: idle,
            reservation_time,
            reservation_fixed,
            custom_data: custom,
        })
    }
}

const TOTAL_USAGE_KEYS: &[&str] = &[
    "energy",
    "chargingTime",
    "idleTime",
    "reservationTime",
    "customData",
];

impl Decode for TotalUsage {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut energy, mut charging, mut idle, mut reservation, mut custom) =
            (None, None, None, None, None);
        fields!(r, TOTAL_USAGE_KEYS, {
            0 => energy = number(r),
            1 => charging = integer(r),
            2 => idle = integer(r),
            3 => reservation = integer(r),
            4 => custom = custom_data(r),
        });
        Ok(TotalUsage {
            energy: energy.ok_or_else(|| missing(r, "energy"))?,
            charging_time: charging.ok_or_else(|| missing(r, "chargingTime"))?,
            idle_time: idle.ok_or_else(|| missing(r, "idleTime"))?,
            reservation_time: reservation,
            custom_data: custom,
        })
    }
}

const COST_DETAILS_KEYS: &[&str] = &[
    "chargingPeriods",
    "totalCost",
    "totalUsage",
    "failureToCalculate",
    "failureReason",
    "customData",
];

impl Decode for CostDetails {
    fn read(r: &mut Reader<'_>) -> Res<Self> {
        r.begin_object();
        let (mut periods, mut cost, mut usage) = (None, None, None);
        let (mut failed, mut reason, mut custom) = (None, None, None);
        fields!(r, COST_DETAILS_KEYS, {
            0 => periods = non_empty_array::<ChargingPeriod>(r, 4),
            1 => cost = object::<TotalCost>(r),
            2 => usage = object::<TotalUsage>(r),
            3 => failed = boolean(r),
            4 => reason = string_max(r, MAX_FAILURE_REASON),
            5 => custom = custom_data(r),
        });
        Ok(CostDetails {
            total_cost: cost.ok_or_else(|| missing(r, "totalCost"))?,
            total_usage: usage.ok_or_else(|| missing(r, "totalUsage"))?,
            charging_periods: periods,
            failure_to_calculate: failed,
            failure_reason: reason.map(|s| s.into_owned()),
            custom_data: custom,
        })
    }
}

/// Writes `key` when the value is there.
fn opt_f64(o: &mut Obj<'_>, key: &str, v: Option<f64>) {
    if let Some(v) = v {
        o.f64(key, v);
    }
}

fn opt_int(o: &mut Obj<'_>, key: &str, v: Option<i64>) {
    if let Some(v) = v {
        o.int(key, v);
    }
}

fn opt_obj<T: Encode>(o: &mut Obj<'_>, key: &str, v: &Option<T>) {
    if let Some(v) = v {
        v.write(o.key(key));
    }
}

impl Encode for TransactionLimit {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        opt_f64(&mut o, "maxCost", self.max_cost);
        opt_f64(&mut o, "maxEnergy", self.max_energy);
        opt_int(&mut o, "maxTime", self.max_time);
        opt_int(&mut o, "maxSoC", self.max_soc);
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for CostDimension {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.str("type", self.type_.as_str());
        o.f64("volume", self.volume);
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for ChargingPeriod {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        if let Some(d) = &self.dimensions {
            o.array("dimensions", d);
        }
        if let Some(t) = &self.tariff_id {
            o.str("tariffId", t);
        }
        o.date_time("startPeriod", &self.start_period);
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for TaxRate {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.str("type", &self.type_);
        o.f64("tax", self.tax);
        opt_int(&mut o, "stack", self.stack);
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for Price {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        opt_f64(&mut o, "exclTax", self.excl_tax);
        opt_f64(&mut o, "inclTax", self.incl_tax);
        if let Some(t) = &self.tax_rates {
            o.array("taxRates", t);
        }
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for TotalPrice {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        opt_f64(&mut o, "exclTax", self.excl_tax);
        opt_f64(&mut o, "inclTax", self.incl_tax);
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for TotalCost {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.str("currency", &self.currency);
        o.str("typeOfCost", self.type_of_cost.as_str());
        opt_obj(&mut o, "fixed", &self.fixed);
        opt_obj(&mut o, "energy", &self.energy);
        opt_obj(&mut o, "chargingTime", &self.charging_time);
        opt_obj(&mut o, "idleTime", &self.idle_time);
        opt_obj(&mut o, "reservationTime", &self.reservation_time);
        opt_obj(&mut o, "reservationFixed", &self.reservation_fixed);
        self.total.write(o.key("total"));
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for TotalUsage {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.f64("energy", self.energy);
        o.int("chargingTime", self.charging_time);
        o.int("idleTime", self.idle_time);
        opt_int(&mut o, "reservationTime", self.reservation_time);
        o.custom(&self.custom_data);
        o.close();
    }
}

impl Encode for CostDetails {
    fn write(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        if let Some(p) = &self.charging_periods {
            o.array("chargingPeriods", p);
        }
        self.total_cost.write(o.key("totalCost"));
        self.total_usage.write(o.key("totalUsage"));
        if let Some(b) = self.failure_to_calculate {
            o.bool("failureToCalculate", b);
        }
        if let Some(s) = &self.failure_reason {
            o.str("failureReason", s);
        }
        o.custom(&self.custom_data);
        o.close();
    }
}
