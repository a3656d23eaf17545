//! ocpp-meter: the OCPP 2.0.1 / 2.1 `MeterValues` and `TransactionEvent` codec.
//!
//! A map of the crate, in layers; every import points down (checked by the tests in `layers.rs`):
//! - [`fault`], the ground: [`fault::error`] (error codes, faults and their JSON Pointer, built
//!   only on failure) and [`fault::limits`] (the bounds on untrusted input); beside it
//!   [`dialect`], OCPP 2.0.1 or 2.1, the schema a payload follows.
//! - [`json`]: JSON text in and out, knowing no OCPP message: [`json::reader`] (the byte
//!   cursor, reading in place), [`json::datetime`] (strict RFC 3339), [`json::value`] (the open
//!   JSON of `customData` and CALLERROR details), [`json::writer`] (strings and numbers out).
//! - [`ocpp`]: the message types by block and the passes they share: [`ocpp::declare`] (one
//!   declaration per type: its model, decoder and encoder from one field list),
//!   [`ocpp::model`] (the `MeterValues` types, the enumerations, the schema's limits),
//!   [`ocpp::decode`] (the one schema-driven pass from JSON text to the types, validating as
//!   it reads), [`ocpp::encode`] (compact, deterministic JSON), [`ocpp::transaction_event`] and
//!   [`ocpp::transaction_event_response`], [`ocpp::cost`] (the cost details and transaction
//!   limit OCPP 2.1 adds to both), [`ocpp::profile`] (the validation profiles), and
//!   [`ocpp::schema`] (validation by the official schema itself, for the actions answered
//!   without a typed model: BootNotification, Heartbeat, StatusNotification, Authorize);
//!   [`ocpp::v16`]: OCPP 1.6J's MeterValues, StartTransaction and StopTransaction, types,
//!   decoding, encoding and error codes of their own.
//! - [`ocppj`]: OCPP-J envelopes (CALL, CALLRESULT, CALLERROR) over any message, and
//!   [`ocppj::frame16`], 1.6's frames with its error codes.
//! - [`columnar`]: [`columnar::rows`] (the contract's row form, error records, replies),
//!   [`columnar::events`] (one record per accepted `TransactionEvent`), [`columnar::columns`]
//!   (builders in Arrow's memory layout), [`columnar::arrow`] (export through the Arrow C data
//!   and C stream interfaces), [`columnar::batch`] (`decode_batch`: many frames to rows and
//!   events on several threads, in input order), [`columnar::buffer_pool`] (column buffers
//!   reused across batches); [`columnar::rows16`] and [`columnar::events16`], 1.6's messages
//!   in the same rows and events.
//!
//! Everything above is plain Rust. The Python binding lives in `py/`, behind the `python`
//! feature, the only place that uses pyo3, so `cargo test` and fuzzing need no interpreter.

pub mod columnar;
pub mod dialect;
pub mod fault;
pub mod json;
#[cfg(test)]
mod layers;
pub mod ocpp;
pub mod ocppj;
#[cfg(test)]
mod test_support;

#[cfg(feature = "python")]
mod py;

pub use dialect::Dialect;
pub use fault::error::{ErrorCode, Fault, FaultKind};
pub use ocpp::decode::{from_slice, Decode};
pub use ocpp::encode::Encode;
pub use ocppj::frame::{decode_call, decode_message, Message};
