//! The OCPP message types by block, with the schema-driven decode and the encode they share:
//! `MeterValues` ([`model`]), the `TransactionEvent` request and response and the OCPP 2.1 cost
//! details they carry, the validation profiles, and validation by the official schema for the
//! actions answered without a typed model.

pub mod cost;
pub mod declare;
pub mod decode;
pub mod encode;
pub mod model;
pub mod profile;
pub mod schema;
pub mod transaction_event;
pub mod transaction_event_response;
pub mod v16;
