//! The `TransactionLimit` class ([`crate::ocpp::cost::TransactionLimit`]); the classes of `costDetails`
//! live in `cost_details`.

use crate::ocpp::cost::*;

use super::class::*;

declared_class! {
    /// `TransactionLimitType` (OCPP 2.1).
    PyTransactionLimit("TransactionLimit") = transaction_limit, cost;
}
